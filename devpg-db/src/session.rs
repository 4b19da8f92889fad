//! The guarded session: one connection, one transaction.
//!
//! For a read-only connection: `BEGIN READ ONLY`, then the timeouts with
//! `SET LOCAL`, then a query that takes the transaction's snapshot and checks
//! `transaction_read_only` is on — all before any user SQL. Once a snapshot
//! is taken, `SET TRANSACTION READ WRITE` fails on the server, and the
//! validator has already refused transaction control and settings, so
//! nothing in the user's SQL can lift read-only. A read-only run always ends
//! in ROLLBACK; a write run commits only when every statement succeeded.

use crate::pg::{CancelToken, Client, FetchLimits, PgError, RowSink, StatementResult};
use devpg_policy::config::ConnectParams;
use devpg_policy::mode::Mode;
use postgres_protocol::escape::escape_identifier;
use std::path::Path;

const CONNECTION_CHECK: &str = "DO $check$ BEGIN PERFORM set_config('client_connection_check_interval', '2000', true); EXCEPTION WHEN OTHERS THEN NULL; END $check$";

pub struct Session {
    client: Client,
    mode: Mode,
}

impl Session {
    /// Connects and opens the guarded transaction. `timeout_seconds` 0 means no timeout.
    pub fn open(
        params: &ConnectParams,
        home: Option<&Path>,
        timeout_seconds: u64,
    ) -> Result<Session, PgError> {
        Session::open_as(params, params.mode, home, timeout_seconds)
    }

    /// Opens the session in `mode` rather than the connection's (pg-schema
    /// reads the catalog read-only on every connection).
    pub fn open_as(
        params: &ConnectParams,
        mode: Mode,
        home: Option<&Path>,
        timeout_seconds: u64,
    ) -> Result<Session, PgError> {
        let mut client = Client::connect(params, home)?;
        client.set_statement_timeout(timeout_seconds);
        let mut session = Session { client, mode };
        let begin = match mode {
            Mode::ReadOnly => "BEGIN READ ONLY",
            Mode::Dml | Mode::ReadWrite => "BEGIN READ WRITE",
        };
        session.client.execute(begin)?;
        let ms = timeout_seconds.saturating_mul(1000);
        session
            .client
            .execute(&format!("SET LOCAL statement_timeout = {ms}"))?;
        session
            .client
            .execute(&format!("SET LOCAL lock_timeout = {ms}"))?;
        // Idle for longer than a statement may run means the client is gone.
        let idle = if ms == 0 {
            0
        } else {
            ms.saturating_mul(2).max(60_000)
        };
        session.client.execute(&format!(
            "SET LOCAL idle_in_transaction_session_timeout = {idle}"
        ))?;
        // PostgreSQL 14+ checks every 2 s that the client is still there and
        // cancels its statement when it is not (a SIGKILLed pg-query). Older
        // servers (or platforms without the check) refuse the setting: the
        // block ignores that, and they notice only on their next write.
        session.client.execute(CONNECTION_CHECK)?;
        if !params.schemas.is_empty() {
            let path: Vec<String> = params
                .schemas
                .iter()
                .map(|s| escape_identifier(s))
                .collect();
            session
                .client
                .execute(&format!("SET LOCAL search_path = {}", path.join(", ")))?;
        }
        // Takes the snapshot: from here the transaction's mode cannot change.
        let read_only = session
            .client
            .query_value("SELECT current_setting('transaction_read_only')")?;
        if mode == Mode::ReadOnly && read_only.as_deref() != Some("on") {
            return Err(PgError::Protocol(
                "the server did not open a read-only transaction: refusing to run anything".into(),
            ));
        }
        Ok(session)
    }

    pub fn cancel_token(&self) -> CancelToken {
        self.client.cancel_token()
    }

    /// Runs one user statement inside the guarded transaction.
    pub fn run(
        &mut self,
        sql: &str,
        limits: FetchLimits,
        sink: &mut dyn RowSink,
    ) -> Result<StatementResult, PgError> {
        let result = self.client.run(sql, limits, sink);
        // Defense in depth: the transaction must still be ours.
        if result.is_ok() && self.client.transaction_status() != b'T' {
            return Err(PgError::Protocol(
                "the statement ended dev-postgres's transaction: stopping".into(),
            ));
        }
        result
    }

    /// One value from dev-postgres's own catalog query, parameters bound.
    pub fn query_value(
        &mut self,
        sql: &str,
        params: &[Option<&str>],
    ) -> Result<Option<String>, PgError> {
        self.client.query_value_with(sql, params)
    }

    /// Ends the transaction: COMMIT for a write run that asks for it, else ROLLBACK.
    pub fn finish(mut self, commit: bool) -> Result<(), PgError> {
        let commit =
            commit && self.mode != Mode::ReadOnly && self.client.transaction_status() == b'T';
        let outcome = self
            .client
            .execute(if commit { "COMMIT" } else { "ROLLBACK" });
        self.client.close();
        outcome.map(|_| ())
    }
}

/// Set by SIGINT, SIGTERM or SIGHUP once [`catch_signals`] has run.
static INTERRUPTED: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
    std::sync::OnceLock::new();

/// From now on SIGINT, SIGTERM and SIGHUP no longer kill the process: they
/// set a flag the watchdog acts on (cancel on the server, roll back, exit 4
/// with an audit outcome). Call it first thing, before connecting.
pub fn catch_signals() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    std::sync::Arc::clone(INTERRUPTED.get_or_init(|| {
        // The client's own flag: it checks it between socket polls, so a
        // signal ends even a wait on a frozen network within a second.
        let flag = crate::pg::interrupt_flag();
        for signal in [
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
        ] {
            let _ = signal_hook::flag::register(signal, std::sync::Arc::clone(&flag));
        }
        // Past a file-size limit a write fails with EFBIG (and is reported
        // like a full disk) instead of the signal killing us mid-run.
        let _ = signal_hook::flag::register(
            signal_hook::consts::SIGXFSZ,
            std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        );
        flag
    }))
}

/// Why the watchdog stopped a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    /// SIGINT, SIGTERM or SIGHUP: the user (or the agent's client) stopped the run.
    Signal,
    /// The deadline passed (the server's statement_timeout should have fired first).
    Deadline,
}

/// Cancels the session's statement on the server when a signal arrives or
/// the deadline passes: part of the session's guarantee that nothing runs
/// longer than allowed, whoever drives it.
pub struct Watchdog {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    interrupted: std::sync::Arc<std::sync::atomic::AtomicBool>,
    timed_out: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Watchdog {
    /// Watches `session` until [`Watchdog::stop`]; `timeout_seconds` 0: no deadline.
    pub fn start(session: &Session, timeout_seconds: u64) -> Watchdog {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        use std::time::{Duration, Instant};
        let interrupted = catch_signals();
        let timed_out = Arc::new(AtomicBool::new(false));
        // Wakes at once when the run ends (the sender is dropped), else every
        // 20 ms to look at signals and the deadline.
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let token = session.cancel_token();
        let (flag, late_flag) = (Arc::clone(&interrupted), Arc::clone(&timed_out));
        let deadline = (timeout_seconds > 0).then(|| {
            Instant::now() + Duration::from_secs(timeout_seconds) + Duration::from_secs(2)
        });
        let thread = std::thread::spawn(move || loop {
            match finished.recv_timeout(Duration::from_millis(20)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return,
            }
            let late = deadline.is_some_and(|d| Instant::now() >= d);
            if late {
                late_flag.store(true, Ordering::SeqCst);
            }
            if flag.load(Ordering::SeqCst) {
                let _ = token.cancel();
                return;
            }
            if late {
                let _ = token.time_out();
                return;
            }
        });
        Watchdog {
            done: Some(done),
            thread: Some(thread),
            interrupted,
            timed_out,
        }
    }

    /// Stops watching; says whether (and why) the watchdog interrupted the run.
    pub fn stop(mut self) -> Option<Interruption> {
        use std::sync::atomic::Ordering;
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if self.interrupted.load(Ordering::SeqCst) {
            Some(Interruption::Signal)
        } else if self.timed_out.load(Ordering::SeqCst) {
            Some(Interruption::Deadline)
        } else {
            None
        }
    }
}
