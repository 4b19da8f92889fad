use clap::Parser;
use devpg_cli::{parse_args, Outcome, SqlSource};
use devpg_db::audit::{self, AuditLog, Record};
use devpg_db::output::{Format, Printer};
use devpg_db::pg::{sqlstate, FetchLimits, PgError};
use devpg_db::session::Session;
use devpg_policy::config::{self, Config, ConnectParams};
use devpg_policy::sql::{classify, Analysis, Rule, StatementClass, Verdict};
use devpg_policy::{Error, ExitCode, Mode};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Run SQL on a named connection from .dev-postgres.json, behind the
/// connection's guards (a read-only transaction on the server for read-only
/// connections, timeouts, a row limit), and record every attempt in the audit log.
///
/// Exit codes: 0 ok, 1 blocked by validation, 2 destructive (needs --confirm,
/// which a human gives), 3 usage or configuration error, 4 execution error.
#[derive(Parser, Debug)]
#[command(name = "pg-query", version, about, long_about = None)]
struct Args {
    /// The connection to use (default: default_connection).
    #[arg(long, short = 'c', value_name = "NAME")]
    connection: Option<String>,
    /// Run a destructive statement (DROP, TRUNCATE, DELETE without WHERE, …).
    #[arg(long)]
    confirm: bool,
    /// Output format: aligned, csv, json, jsonl or markdown.
    #[arg(long, value_name = "FORMAT", default_value = "aligned")]
    format: String,
    /// Stop after this many rows (0: no limit; default from the configuration).
    #[arg(long, value_name = "N")]
    max_rows: Option<u64>,
    /// Cancel a statement after this many seconds (default from the configuration).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// The configuration file (default: .dev-postgres.json found upwards).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Check the audit log's hash chain and report the first broken or torn record.
    #[arg(long)]
    verify_log: bool,
    /// Show the plan of each statement without running it (EXPLAIN).
    #[arg(long, conflicts_with = "explain_analyze")]
    explain: bool,
    /// Run each statement under EXPLAIN ANALYZE inside a read-only transaction:
    /// only for statements a read-only connection allows.
    #[arg(long)]
    explain_analyze: bool,
    /// The plan's format with --explain/--explain-analyze: text or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    explain_format: String,
    #[command(flatten)]
    source: SqlSource,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Outcome> {
    let args: Args = parse_args(args)?;
    let format: Format = args.format.parse().map_err(Error::Usage)?;
    let cwd =
        std::env::current_dir().map_err(|e| Error::usage(format!("no working directory: {e}")))?;
    let config = Config::load(args.config.as_deref(), &cwd)?;
    for warning in &config.warnings {
        eprintln!("pg-query: {warning}");
    }
    let log_path = config.log_path(&cwd);
    if args.verify_log {
        return verify_log(&log_path);
    }
    let connection = config.connection(args.connection.as_deref())?.clone();
    let sql = args.source.read()?;
    let limits = config.limits(&connection);
    let max_rows = args.max_rows.unwrap_or(limits.max_rows);
    let timeout = args.timeout.unwrap_or(limits.timeout_seconds);

    let (sql, mode) = if args.explain || args.explain_analyze {
        // EXPLAIN ANALYZE runs the statement: read-only rules and session, always.
        let mode = if args.explain_analyze {
            Mode::ReadOnly
        } else {
            connection.mode
        };
        (
            explain_sql(&sql, args.explain_analyze, &args.explain_format)?,
            mode,
        )
    } else {
        (sql, connection.mode)
    };
    let analysis = classify(&sql, mode);
    let (verdict, rule) = judge(&analysis, args.confirm || !limits.require_confirmation);
    let mut record = Record {
        tool: "pg-query",
        connection: connection.name.clone(),
        mode: mode.to_string(),
        database: connection.database.clone().unwrap_or_default(),
        user: connection.user.clone().unwrap_or_default(),
        host: connection.host.clone().unwrap_or_default(),
        sql: sql.clone(),
        verdict: analysis.verdict().as_str().to_string(),
        rule: rule.map(|r| r.id().to_string()),
        confirmed: args.confirm,
        ..Record::default()
    };
    // Nothing runs that cannot be logged.
    let log = AuditLog::open(&log_path, config.security.log_max_bytes)?;

    if verdict != ExitCode::Ok {
        record.outcome = if verdict == ExitCode::Blocked {
            "blocked"
        } else {
            "needs-confirmation"
        }
        .into();
        log.append(&record)?;
        let mut lines = analysis.human_lines(&sql);
        if rule == Some(Rule::TransactionControl) && analysis.verdict() != Verdict::Blocked {
            lines.push("pg-query runs every call in one transaction and commits only when every statement succeeds: leave transaction control out".into());
        }
        if verdict == ExitCode::NeedsConfirmation {
            let shown = if sql.len() <= 300 {
                devpg_policy::text::shell_quote(sql.trim())
            } else {
                "…".into()
            };
            lines.push(format!(
                "destructive: a human must agree; they can run it with: pg-query -c {} --confirm {shown}",
                devpg_policy::text::shell_quote(&connection.name)
            ));
        }
        eprintln!("{}", lines.join("\n"));
        return Ok(verdict);
    }

    let mut warnings = Vec::new();
    let home = dirs::home_dir();
    let params = match config::resolve(&connection, &env, home.as_deref(), &mut warnings) {
        Ok(params) => ConnectParams { mode, ..params },
        Err(error) => {
            record.outcome = "not-run".into();
            record.error = Some(error.to_string());
            log.append(&record)?;
            return Err(error.into());
        }
    };
    for warning in warnings {
        eprintln!("pg-query: {warning}");
    }
    record.database = params.database.clone();
    record.user = params.user.clone();
    record.host = params.host.clone();

    let started = Instant::now();
    let outcome = execute(
        &params,
        home.as_deref(),
        &analysis,
        &sql,
        format,
        max_rows,
        config.security.max_result_bytes,
        timeout,
    );
    record.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    record.rows = outcome.rows;
    record.truncated = outcome.truncated;
    record.outcome = outcome.outcome.to_string();
    record.sqlstate = outcome
        .error
        .as_ref()
        .and_then(|e| e.sqlstate().map(String::from));
    record.error = outcome.error.as_ref().map(|e| first_line(&e.to_string()));
    // log_all_queries off: successful reads on a read-only connection go
    // unlogged; blocked attempts, writes and failures are always recorded.
    let quiet_read =
        !config.security.log_all_queries && mode == Mode::ReadOnly && outcome.error.is_none();
    if !quiet_read {
        log.append(&record)?;
    }
    match outcome.error {
        None => Ok(ExitCode::Ok),
        Some(error) => {
            let mut line =
                describe_error(&error, &params, outcome.failed_statement, outcome.outcome);
            if mode != Mode::ReadOnly && outcome.failed_statement.is_some() {
                line.push_str("\nnothing was committed: the transaction was rolled back");
            }
            eprintln!("pg-query: {line}");
            Ok(ExitCode::Execution)
        }
    }
}

/// Each statement of `sql` under EXPLAIN (with ANALYZE when asked). Input
/// that does not parse is returned as it is: the validator blocks it.
fn explain_sql(sql: &str, analyze: bool, format: &str) -> Result<String, Error> {
    let format = match format {
        "text" => "TEXT",
        "json" => "JSON",
        other => {
            return Err(Error::usage(format!(
                "unknown plan format '{other}': expected text or json"
            )))
        }
    };
    let analysis = classify(sql, Mode::ReadWrite);
    if analysis.statements.iter().any(|s| {
        s.findings.iter().any(|f| {
            f.rule == Rule::ParseError
                || f.rule == Rule::EmptyInput
                || f.rule == Rule::PsqlMetaCommand
        })
    }) {
        return Ok(sql.to_string());
    }
    const EXPLAINABLE: &[&str] = &[
        "create-table-as",
        "declare-cursor",
        "delete",
        "execute",
        "insert",
        "merge",
        "select",
        "update",
        "values",
    ];
    if let Some(other) = analysis
        .statements
        .iter()
        .find(|s| !EXPLAINABLE.contains(&s.kind))
    {
        return Err(Error::usage(format!(
            "{} cannot be explained: EXPLAIN takes SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, EXECUTE, DECLARE and CREATE TABLE AS",
            other.kind.to_uppercase().replace('-', " ")
        )));
    }
    let options = if analyze {
        format!("ANALYZE, FORMAT {format}")
    } else {
        format!("FORMAT {format}")
    };
    let explained: Vec<String> = analysis
        .statements
        .iter()
        .map(|s| format!("EXPLAIN ({options}) {}", s.text(sql)))
        .collect();
    Ok(explained.join(";\n"))
}

/// The verdict of the whole input for pg-query: the validator's, plus
/// transaction control refused in every mode (pg-query owns the transaction).
fn judge(analysis: &Analysis, confirmed: bool) -> (ExitCode, Option<Rule>) {
    let code = analysis.exit_code(confirmed);
    let primary = analysis.primary().map(|f| f.rule);
    if code == ExitCode::Blocked {
        return (code, primary);
    }
    let transaction = analysis
        .statements
        .iter()
        .any(|s| s.class == Some(StatementClass::Transaction));
    if transaction {
        return (ExitCode::Blocked, Some(Rule::TransactionControl));
    }
    (code, primary)
}

struct RunOutcome {
    outcome: &'static str,
    rows: u64,
    truncated: bool,
    error: Option<PgError>,
    failed_statement: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
fn execute(
    params: &ConnectParams,
    home: Option<&std::path::Path>,
    analysis: &Analysis,
    sql: &str,
    format: Format,
    max_rows: u64,
    max_bytes: u64,
    timeout: u64,
) -> RunOutcome {
    let mut outcome = RunOutcome {
        outcome: "ok",
        rows: 0,
        truncated: false,
        error: None,
        failed_statement: None,
    };
    // Registered before connecting: the client checks this flag between
    // socket polls, so a signal ends the run within a second from here on.
    let interrupted = devpg_db::pg::interrupt_flag();
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        let _ = signal_hook::flag::register(signal, Arc::clone(&interrupted));
    }
    let mut session = match Session::open(params, home, timeout) {
        Ok(session) => session,
        Err(error) => {
            outcome.outcome = error.ending().as_str();
            outcome.error = Some(error);
            return outcome;
        }
    };
    let timed_out = Arc::new(AtomicBool::new(false));
    // Wakes at once when the run ends (the sender is dropped), else every
    // 20 ms to look at signals and the deadline.
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = {
        let token = session.cancel_token();
        let (interrupted, timed_out) = (Arc::clone(&interrupted), Arc::clone(&timed_out));
        // The server's statement_timeout should fire first; this also covers
        // a server that ignores it, and Ctrl-C / SIGTERM.
        let deadline = (timeout > 0)
            .then(|| Instant::now() + Duration::from_secs(timeout) + Duration::from_secs(2));
        std::thread::spawn(move || loop {
            match finished.recv_timeout(Duration::from_millis(20)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return,
            }
            let late = deadline.is_some_and(|d| Instant::now() >= d);
            if late {
                timed_out.store(true, Ordering::SeqCst);
            }
            if interrupted.load(Ordering::SeqCst) {
                let _ = token.cancel();
                return;
            }
            if late {
                let _ = token.time_out();
                return;
            }
        })
    };
    let stdout = std::io::stdout();
    let mut printer = Printer::new(
        std::io::BufWriter::with_capacity(64 * 1024, stdout.lock()),
        format,
    );
    let limits = FetchLimits {
        max_rows: if max_rows == 0 {
            u64::MAX - 1
        } else {
            max_rows
        },
        max_bytes: if max_bytes == 0 { u64::MAX } else { max_bytes },
    };
    let mut failed = None;
    for (index, statement) in analysis.statements.iter().enumerate() {
        match session.run(statement.text(sql), limits, &mut printer) {
            Ok(result) => {
                outcome.rows += result.rows;
                outcome.truncated |= result.truncated.is_some();
                for notice in &result.notices {
                    eprintln!("{notice}");
                }
                match printer.finish_statement(&result) {
                    Ok(Some(note)) => eprintln!("pg-query: {note}"),
                    Ok(None) => {}
                    Err(e) => {
                        failed = Some((
                            index,
                            PgError::Connection(format!("cannot write the result: {e}")),
                        ));
                        break;
                    }
                }
            }
            Err(error) => {
                failed = Some((index, error));
                break;
            }
        }
    }
    let _ = printer.into_inner().flush();
    drop(done);
    let _ = watchdog.join();
    let commit = failed.is_none();
    let finish = session.finish(commit);
    if let Some((index, error)) = failed {
        let cancelled = error.sqlstate() == Some(sqlstate::QUERY_CANCELED);
        outcome.outcome = if interrupted.load(Ordering::SeqCst) {
            "cancelled"
        } else if cancelled || timed_out.load(Ordering::SeqCst) {
            "timed-out"
        } else {
            error.ending().as_str()
        };
        outcome.error = Some(error);
        outcome.failed_statement = Some(index);
    } else if let Err(error) = finish {
        outcome.outcome = "error";
        outcome.error = Some(error);
    }
    outcome
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

fn describe_error(
    error: &PgError,
    params: &ConnectParams,
    statement: Option<usize>,
    outcome: &str,
) -> String {
    let which = statement
        .map(|i| format!("statement {} ", i + 1))
        .unwrap_or_default();
    let on = format!("on connection '{}' ({})", params.name, params.describe());
    match (outcome, error) {
        ("cancelled", PgError::Db(_)) => format!("{which}cancelled {on}: the server was told to stop it, and the transaction rolled back"),
        ("timed-out", PgError::Db(_)) => format!("{which}timed out {on}: cancelled on the server and rolled back (raise --timeout or query_timeout_seconds)"),
        ("cancelled", other) => format!("{which}cancelled: {other}"),
        ("timed-out", other) => format!("{which}timed out: {other} (raise --timeout or query_timeout_seconds)"),
        (_, PgError::Db(db)) if db.code == sqlstate::INVALID_PASSWORD || db.code == sqlstate::INVALID_AUTHORIZATION => format!(
            "cannot connect with connection '{}' ({}): {} (SQLSTATE {}). Check its user and password (config \"password\", PGPASSWORD or ~/.pgpass)",
            params.name, params.describe(), db.message, db.code
        ),
        (_, PgError::Db(db)) => {
            let mut text = format!("{which}failed {on}: {} {}: {}", db.severity, db.code, db.message);
            if let Some(position) = db.position {
                text.push_str(&format!(" (at character {position})"));
            }
            if let Some(detail) = &db.detail {
                text.push_str(&format!("\nDETAIL: {detail}"));
            }
            if let Some(hint) = &db.hint {
                text.push_str(&format!("\nHINT: {hint}"));
            }
            text
        }
        (_, other) => other.to_string(),
    }
}

fn verify_log(path: &std::path::Path) -> Result<ExitCode, Outcome> {
    let report = audit::verify(path)?;
    match report.problem {
        None => {
            println!(
                "ok: {} records in {} file(s), chain intact ({})",
                report.records,
                report.files.len(),
                path.display()
            );
            Ok(ExitCode::Ok)
        }
        Some((file, line, what)) => {
            println!("{}:{line}: {what}", file.display());
            Ok(ExitCode::Execution)
        }
    }
}
