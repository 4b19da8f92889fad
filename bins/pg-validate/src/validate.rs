use clap::Parser;
use dev_postgres::cli::{parse_args, Outcome};
use dev_postgres::sql::classify;
use dev_postgres::{Error, ExitCode, Mode};
use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

/// Classify SQL for a dev-postgres connection mode, without running it.
///
/// Exit codes: 0 allowed, 1 blocked, 2 destructive (needs --confirm),
/// 3 usage error. SQL comes as an argument, from --query, from -f FILE, or on
/// standard input (`-` or nothing).
#[derive(Parser, Debug)]
#[command(name = "pg-validate", version, about, long_about = None)]
struct Args {
    /// Connection mode to judge for: read-only, dml or read-write.
    #[arg(long, short = 'm', value_name = "MODE", default_value = "read-only")]
    mode: String,
    /// Allow destructive statements (DROP, TRUNCATE, DELETE without WHERE, …).
    #[arg(long)]
    confirm: bool,
    /// Accepted for the bash predecessor: destructive statements always need --confirm.
    #[arg(long, hide = true)]
    require_confirmation: bool,
    /// Print a JSON document instead of lines.
    #[arg(long)]
    json: bool,
    /// The SQL to check (the predecessor's flag).
    #[arg(long, short = 'q', value_name = "SQL")]
    query: Option<String>,
    /// Read the SQL from FILE.
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    file: Option<PathBuf>,
    /// The SQL to check, or `-` for standard input.
    #[arg(value_name = "SQL")]
    sql: Option<String>,
}

pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Outcome> {
    let args: Args = parse_args(args)?;
    let mode: Mode = args.mode.parse().map_err(Error::Usage)?;
    let sql = read_sql(&args)?;
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

fn read_sql(args: &Args) -> Result<String, Error> {
    let sources = [
        args.query.is_some(),
        args.file.is_some(),
        args.sql.is_some(),
    ];
    if sources.iter().filter(|s| **s).count() > 1 {
        return Err(Error::usage(
            "give the SQL one way only: as an argument, with --query, or with -f FILE",
        ));
    }
    if let Some(sql) = &args.query {
        return Ok(sql.clone());
    }
    if let Some(path) = &args.file {
        return std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        });
    }
    match args.sql.as_deref() {
        Some("-") | None => {
            let mut stdin = std::io::stdin();
            if args.sql.is_none() && stdin.is_terminal() {
                return Err(Error::usage(
                    "no SQL given: pass it as an argument, with --query, with -f FILE, or on standard input",
                ));
            }
            let mut sql = String::new();
            stdin.read_to_string(&mut sql).map_err(Error::Stdin)?;
            Ok(sql)
        }
        Some(sql) => Ok(sql.to_string()),
    }
}
