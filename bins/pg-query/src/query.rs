use clap::Parser;
use devpg_cli::{mask, parse_args, say, Outcome, SqlSource, Startup};
use devpg_db::catalog_check;
use devpg_db::output::{Format, Printer};
use devpg_db::pg::{sqlstate, Ending, FetchLimits, PgError};
use devpg_db::session::{Interruption, Session, Watchdog};
use devpg_policy::audit::{self, Attempt, AuditLog, Finish, Record, RunOutcome};
use devpg_policy::config::redact::Redactor;
use devpg_policy::config::{self, paths, Config, ConnectParams, Connection};
use devpg_policy::sql::{
    classify, explain, judge, owned_transaction_line, Analysis, Judgement, Rule, Runner,
};
use devpg_policy::text::shell_quote;
use devpg_policy::{Error, ExitCode, Mode};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

const PROGRAM: &str = "pg-query";

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
    /// The configuration file (default: .dev-postgres.json found upwards); it
    /// must be trusted (dev-postgres trust) like any other.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Check the audit log's hash chain and its head, and report the first problem.
    #[arg(long)]
    verify_log: bool,
    /// With --verify-log: also match every record against the syslog
    /// daemon's file (e.g. /var/log/syslog) that received its copies.
    #[arg(long, value_name = "PATH", requires = "verify_log")]
    syslog_file: Option<PathBuf>,
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

/// One call of pg-query: what it runs, where, within which limits, and what it was judged.
struct Run {
    connection: Connection,
    /// The mode the SQL is judged and the session opened in (read-only for EXPLAIN ANALYZE).
    mode: Mode,
    sql: String,
    analysis: Analysis,
    judgement: Judgement,
    confirmed: bool,
    format: Format,
    limits: FetchLimits,
    timeout_seconds: u64,
}

impl Run {
    fn prepare(args: &Args, config: &Config, sql: String) -> Result<Run, Error> {
        let format: Format = args.format.parse().map_err(Error::Usage)?;
        let connection = config.connection(args.connection.as_deref())?.clone();
        let limits = config.limits(&connection);
        let (sql, mode) = if args.explain || args.explain_analyze {
            // EXPLAIN ANALYZE runs the statement: read-only rules and session, always.
            let mode = if args.explain_analyze {
                Mode::ReadOnly
            } else {
                connection.mode
            };
            let wrapped = explain::wrap(&sql, args.explain_analyze, &args.explain_format)
                .map_err(Error::Usage)?;
            (wrapped, mode)
        } else {
            (sql, connection.mode)
        };
        let analysis = classify(&sql, mode);
        let confirmed = args.confirm || !limits.require_confirmation;
        let judgement = judge(&analysis, confirmed, Runner::GuardedTransaction);
        let max_rows = args.max_rows.unwrap_or(limits.max_rows);
        let max_bytes = config.security.max_result_bytes;
        Ok(Run {
            connection,
            mode,
            sql,
            analysis,
            judgement,
            confirmed: args.confirm,
            format,
            limits: FetchLimits {
                max_rows: if max_rows == 0 {
                    u64::MAX - 1
                } else {
                    max_rows
                },
                max_bytes: if max_bytes == 0 { u64::MAX } else { max_bytes },
            },
            timeout_seconds: args.timeout.unwrap_or(limits.timeout_seconds),
        })
    }

    /// The record written before anything is sent: where the run goes as
    /// resolved (what the environment supplied included), else as written.
    fn attempt(&self, redactor: &Redactor, params: Option<&ConnectParams>) -> Attempt {
        let own = |value: &Option<String>| value.clone().unwrap_or_default();
        let (database, user, host, port) = match params {
            Some(p) => (
                p.database.clone(),
                p.user.clone(),
                p.host.clone(),
                Some(p.port),
            ),
            None => (
                own(&self.connection.database),
                own(&self.connection.user),
                own(&self.connection.host),
                None,
            ),
        };
        Attempt {
            tool: PROGRAM,
            connection: self.connection.name.clone(),
            mode: self.mode,
            database: redactor.redact(&database),
            user: redactor.redact(&user),
            host: redactor.redact(&host),
            port,
            sql: redactor.redact(&self.sql),
            verdict: self.analysis.verdict(),
            rule: self.judgement.rule.map(Rule::id),
            confirmed: self.confirmed,
        }
    }

    /// Why the run is refused, for the agent: one line per statement, then what to do.
    fn refusal(&self) -> String {
        let mut lines = self.analysis.human_lines(&self.sql);
        lines.extend(owned_transaction_line(
            &self.analysis,
            &self.judgement,
            &self.sql,
        ));
        if self.judgement.exit == ExitCode::NeedsConfirmation {
            lines.push(format!(
                "destructive: a human must agree; they can run it with: pg-query -c {} --confirm …",
                shell_quote(&self.connection.name)
            ));
        }
        lines.join("\n")
    }
}

pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Outcome> {
    let args: Args = parse_args(args)?;
    // A signal during start-up or connect still ends in exit 4 with an outcome.
    devpg_db::session::catch_signals();
    let startup = Startup::new(PROGRAM)?;
    let config = startup.config(args.config.as_deref())?;
    let home = paths::account_home();
    let redactor = Redactor::for_config(Some(&config), &env, home.as_deref());
    devpg_cli::set_secrets(redactor.clone());
    let log_path = config.log_path(&startup.cwd);
    if args.verify_log {
        return verify_log(&log_path, args.syslog_file.as_deref());
    }
    let sql = args.source.read_within(&startup.project_dir())?;
    let run = Run::prepare(&args, &config, sql)?;

    // Written ahead: nothing is sent that is not already in the log.
    let log = AuditLog::open(&log_path, config.security.log_max_bytes)?
        .with_syslog(config.security.audit_syslog.clone());
    let mut warnings = Vec::new();
    let resolved = config::resolve(&run.connection, &env, home.as_deref(), &mut warnings);
    let attempt = run.attempt(&redactor, resolved.as_ref().ok());
    let seq = log.append(&Record::Attempt(&attempt))?;

    if run.judgement.exit != ExitCode::Ok {
        let outcome = if run.judgement.exit == ExitCode::Blocked {
            RunOutcome::Blocked
        } else {
            RunOutcome::NeedsConfirmation
        };
        log.append(&Record::Outcome(seq, &Finish::new(outcome)))?;
        let _ = writeln!(std::io::stderr(), "{}", mask(&run.refusal()));
        return Ok(run.judgement.exit);
    }

    let params = match resolved {
        Ok(params) => ConnectParams {
            mode: run.mode,
            application_name: tagged_application_name(&params.application_name, seq),
            ..params
        },
        Err(error) => {
            let mut finish = Finish::new(RunOutcome::NotRun);
            finish.error = Some(redactor.redact(&first_line(&error.to_string())));
            log.append(&Record::Outcome(seq, &finish))?;
            return Err(error.into());
        }
    };
    for warning in warnings {
        say(PROGRAM, &warning);
    }

    let started = Instant::now();
    let result = execute(&run, &params, home.as_deref(), &redactor);
    if let Some(reason) = &result.refused {
        // The catalog check refused a function: a block like the validator's.
        let reason = format!("[{}] {reason}", Rule::VolatileFunction.id());
        let mut finish = Finish::new(RunOutcome::Blocked);
        finish.error = Some(redactor.redact(&reason));
        log.append(&Record::Outcome(seq, &finish))?;
        let _ = writeln!(std::io::stderr(), "blocked {}", mask(&reason));
        return Ok(ExitCode::Blocked);
    }
    let mut finish = Finish::new(result.outcome);
    finish.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    finish.rows = result.rows;
    finish.truncated = result.truncated;
    finish.sqlstate = result
        .error
        .as_ref()
        .and_then(|e| e.sqlstate().map(String::from));
    finish.error = result
        .error
        .as_ref()
        .map(|e| redactor.redact(&first_line(&e.to_string())));
    log.append(&Record::Outcome(seq, &finish))?;
    match result.error {
        None => Ok(ExitCode::Ok),
        Some(error) => {
            say(
                PROGRAM,
                &describe_error(
                    &error,
                    &params,
                    result.failed_statement,
                    result.outcome,
                    run.mode,
                ),
            );
            Ok(ExitCode::Execution)
        }
    }
}

/// The session's `application_name` carries the audit record's number, first
/// and alone (`#7 dev-postgres`: a configured or PGAPPNAME name cannot hold a
/// `#` that points at another record), so the server's own logs (`%a`,
/// pgAudit) point back to the record.
fn tagged_application_name(configured: &str, seq: u64) -> String {
    let tag = format!("#{seq} ");
    let room = 63usize.saturating_sub(tag.len());
    let name: String = configured
        .chars()
        .filter(|c| (c.is_ascii_graphic() || *c == ' ') && *c != '#')
        .take(room)
        .collect();
    format!("{tag}{name}")
}

/// What one execution came to.
struct Executed {
    outcome: RunOutcome,
    rows: u64,
    truncated: bool,
    error: Option<PgError>,
    failed_statement: Option<usize>,
    /// Why the catalog check refused to run the statements.
    refused: Option<String>,
}

fn execute(
    run: &Run,
    params: &ConnectParams,
    home: Option<&Path>,
    redactor: &Redactor,
) -> Executed {
    let mut executed = Executed {
        outcome: RunOutcome::Ok,
        rows: 0,
        truncated: false,
        error: None,
        failed_statement: None,
        refused: None,
    };
    let mut session = match Session::open(params, home, run.timeout_seconds) {
        Ok(session) => session,
        Err(error) => {
            executed.outcome = outcome_of(&error);
            executed.error = Some(error);
            return executed;
        }
    };
    if run.mode != Mode::ReadWrite {
        // After classification, inside the transaction, before any user SQL.
        let calls: Vec<_> = run
            .analysis
            .statements
            .iter()
            .flat_map(|s| s.calls.iter().cloned())
            .collect();
        let allow = &run.connection.allow_functions;
        match catalog_check::check(&mut session, run.mode, &calls, allow) {
            Ok(refusals) if refusals.is_empty() => {}
            Ok(refusals) => {
                let reasons: Vec<String> = refusals.iter().map(|r| r.reason()).collect();
                executed.outcome = RunOutcome::Blocked;
                executed.refused = Some(reasons.join("; "));
                let _ = session.finish(false);
                return executed;
            }
            Err(error) => {
                executed.outcome = RunOutcome::Error;
                executed.error = Some(error);
                let _ = session.finish(false);
                return executed;
            }
        }
    }
    let watchdog = Watchdog::start(&session, run.timeout_seconds);
    let stdout = std::io::stdout();
    let mut printer = Printer::new(
        redactor.writer(std::io::BufWriter::with_capacity(64 * 1024, stdout.lock())),
        run.format,
    );
    let mut failed = None;
    for (index, statement) in run.analysis.statements.iter().enumerate() {
        match session.run(statement.text(&run.sql), run.limits, &mut printer) {
            Ok(result) => {
                executed.rows += result.rows;
                executed.truncated |= result.truncated.is_some();
                for notice in &result.notices {
                    let _ = writeln!(std::io::stderr(), "{}", mask(notice));
                }
                match printer.finish_statement(&result) {
                    Ok(Some(note)) => say(PROGRAM, &note),
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
    let _ = printer.into_inner().finish();
    let interruption = watchdog.stop();
    let finish = session.finish(failed.is_none());
    if let Some((index, error)) = failed {
        let cancelled = error.sqlstate() == Some(sqlstate::QUERY_CANCELED);
        executed.outcome = match interruption {
            Some(Interruption::Signal) => RunOutcome::Cancelled,
            Some(Interruption::Deadline) => RunOutcome::TimedOut,
            None if cancelled => RunOutcome::TimedOut,
            None => outcome_of(&error),
        };
        executed.error = Some(error);
        executed.failed_statement = Some(index);
    } else if let Err(error) = finish {
        executed.outcome = RunOutcome::Error;
        executed.error = Some(error);
    }
    executed
}

/// The audit outcome of an error the watchdog did not cause (a socket
/// deadline, a signal while connecting, or a plain error).
fn outcome_of(error: &PgError) -> RunOutcome {
    match error.ending() {
        Ending::TimedOut => RunOutcome::TimedOut,
        Ending::Cancelled => RunOutcome::Cancelled,
        Ending::Error => RunOutcome::Error,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

fn describe_error(
    error: &PgError,
    params: &ConnectParams,
    statement: Option<usize>,
    outcome: RunOutcome,
    mode: Mode,
) -> String {
    let which = statement
        .map(|i| format!("statement {} ", i + 1))
        .unwrap_or_default();
    let nothing_committed = if mode == Mode::ReadOnly {
        ""
    } else {
        " Nothing was committed."
    };
    let on = format!("on connection '{}' ({})", params.name, params.describe());
    match (outcome, error) {
        (RunOutcome::Cancelled, PgError::Db(_)) => format!("{which}cancelled {on}: the server was told to stop it, and the transaction rolled back.{nothing_committed}"),
        (RunOutcome::TimedOut, PgError::Db(_)) => format!("{which}timed out {on}: cancelled on the server and rolled back (raise --timeout or query_timeout_seconds).{nothing_committed}"),
        // The client gave up on the socket (its own deadline, or the server never answered the cancel).
        (RunOutcome::Cancelled, other) => format!("{which}cancelled: {other}.{nothing_committed}"),
        (RunOutcome::TimedOut, other) => format!("{which}timed out: {other} (raise --timeout or query_timeout_seconds).{nothing_committed}"),
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
            if statement.is_some() {
                text.push_str(&format!("\nThe transaction rolled back.{nothing_committed}"));
            }
            text
        }
        // Connection errors name the connection themselves.
        (_, other) if statement.is_some() => {
            format!("{which}failed: {other}\nThe transaction rolled back.{nothing_committed}")
        }
        (_, other) => other.to_string(),
    }
}

fn verify_log(path: &Path, syslog_file: Option<&Path>) -> Result<ExitCode, Outcome> {
    if let Some(syslog_file) = syslog_file {
        let text = std::fs::read(syslog_file).map_err(|source| Error::Read {
            path: syslog_file.to_path_buf(),
            source,
        })?;
        let problems = audit::compare_with_syslog(path, &String::from_utf8_lossy(&text))?;
        for problem in &problems {
            println!("{}: {problem}", path.display());
        }
        if !problems.is_empty() {
            return Ok(ExitCode::Execution);
        }
        println!(
            "ok: every record is in both the log and {}",
            syslog_file.display()
        );
    }
    let report = audit::verify(path)?;
    match report.problem {
        None if report.records == 0 => {
            println!(
                "ok: no records ({}): the log was never written — or the log and its head were both deleted, which only a syslog copy (security.audit_syslog) would show",
                path.display()
            );
            Ok(ExitCode::Ok)
        }
        None => {
            println!(
                "ok: {} records in {} file(s), chain intact and matching its head ({})",
                report.records,
                report.files.len(),
                path.display()
            );
            if let Some(first) = report.first_seq.filter(|first| *first > 1) {
                println!(
                    "note: records 1 to {} were rotated away by size (security.log_max_bytes); the syslog copy keeps them",
                    first - 1
                );
            }
            if !report.unfinished.is_empty() {
                let seqs: Vec<String> = report.unfinished.iter().map(u64::to_string).collect();
                println!(
                    "note: {} attempt(s) with no outcome (killed, or still running): record {}",
                    seqs.len(),
                    seqs.join(", ")
                );
            }
            Ok(ExitCode::Ok)
        }
        Some((file, line, what)) => {
            if line == 0 {
                println!("{}: {what}", file.display());
            } else {
                println!("{}:{line}: {what}", file.display());
            }
            Ok(ExitCode::Execution)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tagged_application_name;

    #[test]
    fn the_record_number_comes_first_and_alone() {
        assert_eq!(
            tagged_application_name("dev-postgres", 7),
            "#7 dev-postgres"
        );
        assert_eq!(tagged_application_name("fake #1", 51), "#51 fake 1");
        assert!(tagged_application_name(&"x".repeat(100), 12345).len() <= 63);
    }
}
