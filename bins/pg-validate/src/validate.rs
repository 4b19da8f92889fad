use clap::Parser;
use devpg_cli::{parse_args, Outcome, SqlSource};
use devpg_policy::config::Config;
use devpg_policy::sql::classify;
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
    let mode: Mode = match (&args.mode, &args.connection) {
        (Some(mode), _) => mode.parse().map_err(Error::Usage)?,
        (None, Some(name)) => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::usage(format!("no working directory: {e}")))?;
            let config = Config::load(args.config.as_deref(), &cwd)?;
            config.connection(Some(name))?.mode
        }
        (None, None) => Mode::ReadOnly,
    };
    let sql = args.source.read()?;
    let analysis = classify(&sql, mode);
    let code = analysis.exit_code(args.confirm);
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        writeln!(out, "{}", analysis.to_json(&sql, args.confirm))
    } else if code == ExitCode::Ok {
        let n = analysis.statements.len();
        let plural = if n == 1 { "" } else { "s" };
        writeln!(out, "allowed: {n} statement{plural} on a {mode} connection")
    } else {
        let mut lines = analysis.human_lines(&sql);
        if code == ExitCode::NeedsConfirmation {
            lines.push("destructive: run again with --confirm once a human has agreed".into());
        }
        writeln!(out, "{}", lines.join("\n"))
    };
    written.map_err(|e| Error::Execution(format!("cannot write the result: {e}")))?;
    Ok(code)
}
