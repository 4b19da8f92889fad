use clap::Parser;
use devpg_cli::{mask, parse_args, Outcome, SqlSource, Startup};
use devpg_policy::config::paths;
use devpg_policy::config::redact::Redactor;
use devpg_policy::sql::{classify, judge, owned_transaction_line, Runner};
use devpg_policy::{Error, ExitCode, Mode};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

/// Classify SQL for a dev-postgres connection mode, without running it.
///
/// Exit codes: 0 allowed, 1 blocked, 2 destructive (needs --confirm),
/// 3 usage error. SQL comes as an argument, from --query, from -f FILE, or on
/// standard input (`-` or nothing).
#[derive(Parser, Debug)]
#[command(name = "pg-validate", version, about, long_about = None)]
struct Args {
    /// Connection mode to judge for: read-only (default), dml or read-write.
    #[arg(long, short = 'm', value_name = "MODE")]
    mode: Option<String>,
    /// Take the mode from this connection of .dev-postgres.json.
    #[arg(long, short = 'c', value_name = "NAME")]
    connection: Option<String>,
    /// The configuration file (default: .dev-postgres.json found upwards).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Allow destructive statements (DROP, TRUNCATE, DELETE without WHERE, …).
    #[arg(long)]
    confirm: bool,
    /// Accepted for the bash predecessor: destructive statements always need --confirm.
    #[arg(long, hide = true)]
    require_confirmation: bool,
    /// Print a JSON document instead of lines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    source: SqlSource,
}

pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Outcome> {
    let args: Args = parse_args(args)?;
    // With -c the SQL is judged as pg-query will run it on that connection:
    // inside the one transaction pg-query owns.
    let startup = Startup::new("pg-validate")?;
    let mut config = None;
    let (mode, runner): (Mode, Runner) = match (&args.mode, &args.connection) {
        (Some(_), Some(_)) => {
            return Err(Error::usage(
                "give either --mode or -c NAME (which takes the connection's mode)",
            )
            .into())
        }
        (Some(mode), None) => (mode.parse().map_err(Error::Usage)?, Runner::Standalone),
        (None, Some(name)) => {
            let loaded = startup.config(args.config.as_deref())?;
            let mode = loaded.connection(Some(name))?.mode;
            config = Some(loaded);
            (mode, Runner::GuardedTransaction)
        }
        (None, None) => (Mode::ReadOnly, Runner::Standalone),
    };
    // SQL and parse errors may hold a secret the agent passed back: masked.
    devpg_cli::set_secrets(Redactor::for_config(
        config.as_ref(),
        &|name| std::env::var(name).ok(),
        paths::account_home().as_deref(),
    ));
    let sql = args.source.read()?;
    let analysis = classify(&sql, mode);
    let judgement = judge(&analysis, args.confirm, runner);
    let code = judgement.exit;
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let mut json = analysis.to_json(&sql, args.confirm);
        if let Some(document) = json.as_object_mut() {
            document.insert("exit_code".into(), code.code().into());
            let runner = match runner {
                Runner::Standalone => "standalone",
                Runner::GuardedTransaction => "pg-query",
            };
            document.insert("runner".into(), runner.into());
            if let Some(rule) = judgement.rule {
                document.insert("rule".into(), rule.id().into());
            }
        }
        writeln!(out, "{}", mask(&json.to_string()))
    } else if code == ExitCode::Ok {
        let n = analysis.statements.len();
        let plural = if n == 1 { "" } else { "s" };
        writeln!(out, "allowed: {n} statement{plural} on a {mode} connection")
    } else {
        let mut lines = analysis.human_lines(&sql);
        if let Some(line) = owned_transaction_line(&analysis, &judgement, &sql) {
            lines.push(format!(
                "{line} (judged as pg-query will run it on this connection)"
            ));
        }
        if code == ExitCode::NeedsConfirmation {
            lines.push("destructive: run again with --confirm once a human has agreed".into());
        }
        writeln!(out, "{}", mask(&lines.join("\n")))
    };
    written.map_err(|e| Error::Execution(format!("cannot write the result: {e}")))?;
    Ok(code)
}
