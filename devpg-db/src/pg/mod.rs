//! A small synchronous PostgreSQL client on the wire protocol
//! (postgres-protocol), built for what pg-query must guarantee:
//!
//! - every statement goes over the extended protocol, one at a time, as the
//!   unnamed statement and portal (works behind PgBouncer in transaction mode);
//!   there is no multi-statement path;
//! - results come in text format, so every value prints exactly as the
//!   server's output function (and so psql) prints it;
//! - rows are fetched in batches with `Execute(max_rows)`: a row limit stops
//!   fetching instead of rewriting the SQL, and memory stays flat;
//! - a cancel request can be sent from another thread.

mod error;
mod stream;
mod tls;

pub use error::{sqlstate, DbError, Ending, PgError};
pub use stream::{interrupt_flag, CancelToken};

use bytes::{Buf, BytesMut};
use devpg_policy::config::{ConnectParams, SslMode};
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};
use postgres_protocol::message::backend::{ErrorFields, Message};
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use stream::Stream;

/// Rows asked for per `Execute`: enough to keep the pipe full, small enough
/// to keep memory flat. The first batch is smaller, and later ones shrink to
/// what the byte budget can still take, so little is fetched only to be dropped.
const FETCH_BATCH: u64 = 1000;
const FIRST_BATCH: u64 = 100;

/// What a row costs against `max_bytes` beyond its values: a NULL or an
/// empty value is not free (wide NULL rows must not escape the budget).
pub const ROW_COST: u64 = 16;
pub const VALUE_COST: u64 = 8;

/// How long the server has to answer a cancel before the client gives up.
const CANCEL_GRACE: Duration = Duration::from_millis(500);
/// Beyond the statement timeout, how long the server may stay silent.
const TIMEOUT_MARGIN: Duration = Duration::from_secs(5);
/// Messages other than rows larger than this are refused (a row is cut instead).
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// A column of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub type_oid: u32,
}

/// Receives a statement's result as it streams in.
pub trait RowSink {
    fn columns(&mut self, columns: &[Column]) -> std::io::Result<()>;
    fn row(&mut self, values: &[Option<&str>]) -> std::io::Result<()>;
    /// A row whose values the sink may keep without copying (a row cut to
    /// the byte budget: its value can be as large as the budget).
    fn row_owned(&mut self, values: Vec<Option<String>>) -> std::io::Result<()> {
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        self.row(&refs)
    }
}

/// A sink that drops what it is given.
pub struct Discard;

impl RowSink for Discard {
    fn columns(&mut self, _: &[Column]) -> std::io::Result<()> {
        Ok(())
    }
    fn row(&mut self, _: &[Option<&str>]) -> std::io::Result<()> {
        Ok(())
    }
}

/// How a statement ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatementResult {
    /// The command tag (`SELECT 3`, `DELETE 2`, …); empty when fetching stopped early.
    pub tag: String,
    /// Rows handed to the sink.
    pub rows: u64,
    /// Whether it returns rows at all.
    pub has_rows: bool,
    /// Why fetching stopped before the end, if it did.
    pub truncated: Option<Truncation>,
    /// The value cut to fit the byte budget, if one was.
    pub cut: Option<Cut>,
    pub notices: Vec<String>,
}

/// A value larger than what was left of the byte budget: only its first
/// `kept` bytes (of `total`) were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// 0-based column index.
    pub column: usize,
    pub kept: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    MaxRows(u64),
    MaxBytes(u64),
}

/// Limits for one statement's result.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    pub max_rows: u64,
    pub max_bytes: u64,
}

pub struct Client {
    stream: Stream,
    input: BytesMut,
    output: BytesMut,
    cancel: CancelToken,
    /// `I` idle, `T` in a transaction, `E` in a failed transaction.
    transaction_status: u8,
    /// `connection 'name' (user@host:port/db)`, for every error after connect.
    who: String,
    /// How long the server may stay silent (no byte read or written) before
    /// the run times out; `None` waits for ever (statement timeout 0).
    io_timeout: Option<Duration>,
    /// Before this, the connection must be up (connect_timeout).
    connect_deadline: Option<Instant>,
    /// When bytes last moved.
    last_progress: Instant,
    /// When the client first saw it was told to stop.
    stop_seen: Option<Instant>,
    /// Set once the socket was given up on: nothing more is sent.
    broken: Option<String>,
}

impl Client {
    /// Connects and authenticates. Errors name the connection and what to
    /// check, never the password.
    pub fn connect(params: &ConnectParams, home: Option<&Path>) -> Result<Client, PgError> {
        // One connect_timeout for the whole connect, fallback included: a
        // server that accepts and never speaks is not waited on twice.
        let deadline = Instant::now() + Duration::from_secs(params.connect_timeout.max(1));
        let first = !matches!(params.sslmode, SslMode::Disable | SslMode::Allow);
        match Client::connect_once(params, home, first, deadline) {
            Err(e @ (PgError::TimedOut(_) | PgError::Cancelled(_))) => Err(e),
            // libpq's fallbacks: prefer retries without TLS, allow with it.
            Err(_) if params.sslmode == SslMode::Prefer => {
                Client::connect_once(params, home, false, deadline)
            }
            Err(_) if params.sslmode == SslMode::Allow => {
                Client::connect_once(params, home, true, deadline)
            }
            other => other,
        }
    }

    fn connect_once(
        params: &ConnectParams,
        home: Option<&Path>,
        use_tls: bool,
        deadline: Instant,
    ) -> Result<Client, PgError> {
        let (stream, target) = Stream::open(params, home, use_tls, deadline)?;
        let mut client = Client {
            stream,
            input: BytesMut::with_capacity(64 * 1024),
            output: BytesMut::with_capacity(8 * 1024),
            cancel: CancelToken::new(target),
            transaction_status: b'I',
            who: format!("connection '{}' ({})", params.name, params.describe()),
            io_timeout: None,
            connect_deadline: Some(deadline),
            last_progress: Instant::now(),
            stop_seen: None,
            broken: None,
        };
        client.startup(params)?;
        client.connect_deadline = None;
        client.io_timeout = Some(Duration::from_secs(params.connect_timeout.max(1)));
        Ok(client)
    }

    /// Bounds every later wait on the server by the statement timeout plus a
    /// margin (the server's own timeout should fire first); 0 means none.
    pub fn set_statement_timeout(&mut self, seconds: u64) {
        self.io_timeout = (seconds > 0).then(|| Duration::from_secs(seconds) + TIMEOUT_MARGIN);
    }

    /// `connection 'name' (user@host:port/db)`.
    pub fn who(&self) -> &str {
        &self.who
    }

    fn startup(&mut self, params: &ConnectParams) -> Result<(), PgError> {
        let startup = [
            ("user", params.user.as_str()),
            ("database", params.database.as_str()),
            ("application_name", params.application_name.as_str()),
            ("client_encoding", "UTF8"),
        ];
        frontend::startup_message(startup.iter().copied(), &mut self.output).map_err(io_error)?;
        self.flush()?;
        let missing_password = || {
            PgError::Connection(format!(
                "the server asks connection '{}' for a password, and none is configured (set \"password\" to \"${{VAR}}\", PGPASSWORD, or ~/.pgpass)",
                params.name
            ))
        };
        let mut scram: Option<ScramSha256> = None;
        loop {
            match self.read_message()? {
                Message::AuthenticationOk => {}
                Message::AuthenticationCleartextPassword => {
                    // As libpq's require_auth: a password in clear text goes
                    // only to a server whose certificate and name were verified.
                    if params.sslmode != SslMode::VerifyFull {
                        return Err(PgError::Connection(format!(
                            "the server asked connection '{}' for its password in clear text; refused (it is sent in clear text only with sslmode verify-full). Use scram-sha-256 on the server, or sslmode verify-full",
                            params.name
                        )));
                    }
                    let password = params.password.as_ref().ok_or_else(missing_password)?;
                    frontend::password_message(password.expose().as_bytes(), &mut self.output).map_err(io_error)?;
                    self.flush()?;
                }
                Message::AuthenticationMd5Password(body) => {
                    let password = params.password.as_ref().ok_or_else(missing_password)?;
                    let hash = postgres_protocol::authentication::md5_hash(
                        params.user.as_bytes(),
                        password.expose().as_bytes(),
                        body.salt(),
                    );
                    frontend::password_message(hash.as_bytes(), &mut self.output).map_err(io_error)?;
                    self.flush()?;
                }
                Message::AuthenticationSasl(body) => {
                    let password = params.password.as_ref().ok_or_else(missing_password)?;
                    let mut mechanisms = body.mechanisms();
                    let mut offered = false;
                    while let Some(mechanism) = mechanisms.next().map_err(io_error)? {
                        offered |= mechanism == "SCRAM-SHA-256";
                    }
                    if !offered {
                        return Err(PgError::Connection(
                            "the server offers no SASL mechanism dev-postgres supports (SCRAM-SHA-256)".into(),
                        ));
                    }
                    let state = ScramSha256::new(password.expose().as_bytes(), ChannelBinding::unsupported());
                    frontend::sasl_initial_response("SCRAM-SHA-256", state.message(), &mut self.output)
                        .map_err(io_error)?;
                    self.flush()?;
                    scram = Some(state);
                }
                Message::AuthenticationSaslContinue(body) => {
                    let state = scram.as_mut().ok_or_else(|| protocol("unexpected SASL continue"))?;
                    state
                        .update(body.data())
                        .map_err(|_| PgError::Connection("SCRAM authentication failed".into()))?;
                    frontend::sasl_response(state.message(), &mut self.output).map_err(io_error)?;
                    self.flush()?;
                }
                Message::AuthenticationSaslFinal(body) => {
                    let mut state = scram.take().ok_or_else(|| protocol("unexpected SASL final"))?;
                    state.finish(body.data()).map_err(|_| {
                        PgError::Connection("the server's SCRAM proof is wrong: not the server you meant?".into())
                    })?;
                }
                Message::BackendKeyData(body) => {
                    self.cancel.set_key(body.process_id(), body.secret_key());
                }
                Message::ParameterStatus(_) | Message::NoticeResponse(_) => {}
                Message::ReadyForQuery(body) => {
                    self.transaction_status = body.status();
                    return Ok(());
                }
                Message::ErrorResponse(body) => return Err(PgError::Db(Box::new(db_error(body.fields())?))),
                _ => {
                    return Err(PgError::Connection(
                        "the server asks for an authentication method dev-postgres does not support (use scram-sha-256, md5 or password)".into(),
                    ))
                }
            }
        }
    }

    /// A handle that cancels whatever this connection is running.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Whether the server session is in a transaction (`T`), failed (`E`) or idle (`I`).
    pub fn transaction_status(&self) -> u8 {
        self.transaction_status
    }

    /// Runs one of dev-postgres's own statements, discarding any rows.
    pub fn execute(&mut self, sql: &str) -> Result<StatementResult, PgError> {
        self.run(
            sql,
            FetchLimits {
                max_rows: u64::MAX - 1,
                max_bytes: u64::MAX,
            },
            &mut Discard,
        )
    }

    /// The first column of the first row of `sql`.
    pub fn query_value(&mut self, sql: &str) -> Result<Option<String>, PgError> {
        self.query_value_with(sql, &[])
    }

    /// `query_value` with parameters.
    pub fn query_value_with(
        &mut self,
        sql: &str,
        params: &[Option<&str>],
    ) -> Result<Option<String>, PgError> {
        struct First(Option<Option<String>>);
        impl RowSink for First {
            fn columns(&mut self, _: &[Column]) -> std::io::Result<()> {
                Ok(())
            }
            fn row(&mut self, values: &[Option<&str>]) -> std::io::Result<()> {
                if self.0.is_none() {
                    self.0 = Some(values.first().copied().flatten().map(String::from));
                }
                Ok(())
            }
        }
        let mut first = First(None);
        self.run_with(
            sql,
            params,
            FetchLimits {
                max_rows: 1,
                max_bytes: u64::MAX,
            },
            &mut first,
        )?;
        Ok(first.0.flatten())
    }

    /// Runs one statement: Parse, Bind and Execute on the unnamed statement
    /// and portal, text results, fetched in batches until the end or a limit.
    pub fn run(
        &mut self,
        sql: &str,
        limits: FetchLimits,
        sink: &mut dyn RowSink,
    ) -> Result<StatementResult, PgError> {
        self.run_with(sql, &[], limits, sink)
    }

    /// `run` with parameters `$1…`, sent as text (`None` is NULL); the
    /// server infers their types from the statement (`$1::regclass`).
    pub fn run_with(
        &mut self,
        sql: &str,
        params: &[Option<&str>],
        limits: FetchLimits,
        sink: &mut dyn RowSink,
    ) -> Result<StatementResult, PgError> {
        frontend::parse("", sql, std::iter::empty(), &mut self.output).map_err(io_error)?;
        frontend::bind(
            "",
            "",
            std::iter::once(0i16),
            params.iter().copied(),
            |param: Option<&str>, buf: &mut BytesMut| match param {
                Some(text) => {
                    buf.extend_from_slice(text.as_bytes());
                    Ok(postgres_protocol::IsNull::No)
                }
                None => Ok(postgres_protocol::IsNull::Yes),
            },
            [0i16],
            &mut self.output,
        )
        .map_err(|_| protocol("cannot encode Bind"))?;
        frontend::describe(b'P', "", &mut self.output).map_err(io_error)?;
        let wanted = limits.max_rows.saturating_add(1);
        frontend::execute("", batch(wanted, 0, FIRST_BATCH), &mut self.output).map_err(io_error)?;
        frontend::flush(&mut self.output);
        self.flush()?;

        let mut result = StatementResult::default();
        let mut fetched: u64 = 0;
        let mut bytes: u64 = 0;
        let mut widest_row: u64 = ROW_COST;
        let outcome = loop {
            // A row larger than what is left of the budget is read value by
            // value and cut, never buffered whole.
            if let Some((b'D', length)) = self.peek_header()? {
                let left = limits.max_bytes.saturating_sub(bytes);
                if length as u64 > left {
                    fetched += 1;
                    if fetched > limits.max_rows {
                        result.truncated = Some(Truncation::MaxRows(limits.max_rows));
                        break Ok(());
                    }
                    let (values, cut) = self.read_cut_row(length, left)?;
                    sink.row_owned(values).map_err(output_error)?;
                    result.rows += 1;
                    result.cut = cut;
                    result.truncated = Some(Truncation::MaxBytes(limits.max_bytes));
                    break Ok(());
                }
            }
            match self.read_message()? {
                Message::ParseComplete | Message::BindComplete => {}
                Message::RowDescription(body) => {
                    let mut columns = Vec::new();
                    let mut fields = body.fields();
                    while let Some(field) = fields.next().map_err(io_error)? {
                        columns.push(Column {
                            name: field.name().to_string(),
                            type_oid: field.type_oid(),
                        });
                    }
                    result.has_rows = true;
                    sink.columns(&columns).map_err(output_error)?;
                }
                Message::NoData => {}
                Message::DataRow(body) => {
                    fetched += 1;
                    if fetched > limits.max_rows {
                        result.truncated = Some(Truncation::MaxRows(limits.max_rows));
                        break Ok(());
                    }
                    let buffer = body.buffer();
                    let mut ranges = body.ranges();
                    let mut values: Vec<Option<&str>> = Vec::with_capacity(16);
                    let mut cost = ROW_COST;
                    // client_encoding is UTF8: values borrow the message buffer.
                    while let Some(range) = ranges.next().map_err(io_error)? {
                        cost += VALUE_COST;
                        values.push(match range {
                            Some(r) => {
                                cost += r.len() as u64;
                                let value = buffer.get(r).ok_or_else(|| {
                                    protocol("a value runs past the end of its row")
                                })?;
                                Some(std::str::from_utf8(value).map_err(|_| {
                                    protocol("the server sent a value that is not UTF-8")
                                })?)
                            }
                            None => None,
                        });
                    }
                    if bytes.saturating_add(cost) > limits.max_bytes {
                        result.truncated = Some(Truncation::MaxBytes(limits.max_bytes));
                        break Ok(());
                    }
                    bytes += cost;
                    widest_row = widest_row.max(cost);
                    sink.row(&values).map_err(output_error)?;
                    result.rows += 1;
                }
                Message::PortalSuspended => {
                    // As many rows as the budget can still take, at the widest row's cost.
                    let fits = limits.max_bytes.saturating_sub(bytes) / widest_row;
                    frontend::execute("", batch(wanted, fetched, fits.max(1)), &mut self.output)
                        .map_err(io_error)?;
                    frontend::flush(&mut self.output);
                    self.flush()?;
                }
                Message::CommandComplete(body) => {
                    result.tag = body.tag().map_err(io_error)?.to_string();
                    break Ok(());
                }
                Message::EmptyQueryResponse => break Ok(()),
                Message::NoticeResponse(body) => {
                    if let Ok(notice) = db_error(body.fields()) {
                        result
                            .notices
                            .push(format!("{}: {}", notice.severity, notice.message));
                    }
                }
                Message::ParameterStatus(_) | Message::NotificationResponse(_) => {}
                Message::ErrorResponse(body) => {
                    break Err(PgError::Db(Box::new(db_error(body.fields())?)))
                }
                Message::CopyInResponse(_) | Message::CopyOutResponse(_) => {
                    break Err(protocol("COPY is not supported over this connection"));
                }
                _ => return Err(protocol("unexpected message while running a statement")),
            }
        };
        self.sync()?;
        outcome.map(|()| result)
    }

    /// Ends the extended-protocol exchange: Sync, then everything up to
    /// ReadyForQuery. What was in flight when fetching stopped (and a late
    /// error) is skipped as it streams, never buffered.
    fn sync(&mut self) -> Result<(), PgError> {
        frontend::sync(&mut self.output);
        self.flush()?;
        loop {
            match self.peek_header()? {
                Some((b'Z', _)) => {
                    if let Message::ReadyForQuery(body) = self.read_message()? {
                        self.transaction_status = body.status();
                    }
                    return Ok(());
                }
                Some((_, length)) => self.skip(length)?,
                None => {}
            }
        }
    }

    /// Says goodbye to the server (unless the connection was given up on).
    pub fn close(mut self) {
        if self.broken.is_none() {
            frontend::terminate(&mut self.output);
            let _ = self.flush();
        }
        self.stream.shutdown();
    }

    /// The tag and length (type byte included) of the next message, once
    /// its first five bytes are in.
    fn peek_header(&mut self) -> Result<Option<(u8, usize)>, PgError> {
        while self.input.len() < 5 {
            self.read_some()?;
        }
        match postgres_protocol::message::backend::Header::parse(&self.input) {
            Ok(Some(header)) => {
                let length = usize::try_from(header.len()).unwrap_or(0);
                Ok(Some((header.tag(), length.saturating_add(1))))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }

    /// Drops the next `n` bytes as they arrive.
    fn skip(&mut self, mut n: usize) -> Result<(), PgError> {
        while n > 0 {
            if self.input.is_empty() {
                self.read_some()?;
            }
            let take = n.min(self.input.len());
            self.input.advance(take);
            n -= take;
        }
        Ok(())
    }

    /// The next `n` bytes, as they arrive (`n` is small or within the budget).
    fn take(&mut self, n: usize) -> Result<BytesMut, PgError> {
        while self.input.len() < n {
            self.read_some()?;
        }
        Ok(self.input.split_to(n))
    }

    /// Reads a DataRow of `length` bytes that does not fit in `left` bytes
    /// of budget: values are kept until the budget runs out, the value that
    /// crosses it is cut (at a character boundary), the rest are dropped
    /// unread (shown as NULL).
    fn read_cut_row(
        &mut self,
        length: usize,
        left: u64,
    ) -> Result<(Vec<Option<String>>, Option<Cut>), PgError> {
        self.skip(5)?;
        let count = self.take(2)?.get_i16();
        let mut left = left.saturating_sub(ROW_COST);
        let mut consumed = 4 + 2;
        let mut values = Vec::new();
        let mut cut = None;
        for column in 0..usize::try_from(count).unwrap_or(0) {
            let size = self.take(4)?.get_i32();
            consumed += 4;
            left = left.saturating_sub(VALUE_COST);
            let Ok(size) = usize::try_from(size) else {
                values.push(None);
                continue;
            };
            let keep = size.min(usize::try_from(left).unwrap_or(usize::MAX));
            // Straight into a buffer of its final size: no doubling, no copy.
            let mut kept = Vec::new();
            kept.try_reserve_exact(keep)
                .map_err(|_| protocol("not enough memory for a value within the budget"))?;
            while kept.len() < keep {
                if self.input.is_empty() {
                    self.read_some()?;
                }
                let part = (keep - kept.len()).min(self.input.len());
                kept.extend_from_slice(self.input.split_to(part).as_ref());
            }
            self.skip(size - keep)?;
            consumed += size;
            left -= keep as u64;
            if keep < size && cut.is_none() {
                cut = Some(Cut {
                    column,
                    kept: keep as u64,
                    total: size as u64,
                });
            }
            let text = match String::from_utf8(kept) {
                Ok(text) => text,
                // Cut inside a character: keep the characters before it.
                Err(e) if keep < size && keep - e.utf8_error().valid_up_to() < 4 => {
                    let valid = e.utf8_error().valid_up_to();
                    let mut bytes = e.into_bytes();
                    bytes.truncate(valid);
                    String::from_utf8(bytes).map_err(|_| protocol("not UTF-8"))?
                }
                Err(_) => return Err(protocol("the server sent a value that is not UTF-8")),
            };
            values.push(Some(text));
        }
        if consumed + 1 != length {
            return Err(protocol("a row's length does not match its values"));
        }
        Ok((values, cut))
    }

    fn flush(&mut self) -> Result<(), PgError> {
        if let Some(why) = &self.broken {
            return Err(PgError::Connection(why.clone()));
        }
        self.last_progress = Instant::now();
        let mut written = 0;
        while written < self.output.len() {
            let pending = self.output.get(written..).unwrap_or_default();
            match self.stream.write(pending) {
                Ok(0) => return Err(self.closed()),
                Ok(n) => {
                    written += n;
                    self.last_progress = Instant::now();
                }
                Err(e) if waiting(&e) => self.check_wait()?,
                Err(e) => return Err(self.lost(&e)),
            }
        }
        loop {
            match self.stream.flush() {
                Ok(()) => break,
                Err(e) if waiting(&e) => self.check_wait()?,
                Err(e) => return Err(self.lost(&e)),
            }
        }
        self.output.clear();
        // The server's answer is awaited from now.
        self.last_progress = Instant::now();
        Ok(())
    }

    fn read_message(&mut self) -> Result<Message, PgError> {
        loop {
            if let Some((tag, length)) = self.peek_header()? {
                if length > MAX_MESSAGE && tag != b'D' {
                    return Err(self.give_up(PgError::Protocol(format!(
                        "{}: the server sent a message of {length} bytes: refusing to buffer it",
                        self.who
                    ))));
                }
            }
            if let Some(message) = Message::parse(&mut self.input).map_err(io_error)? {
                return Ok(message);
            }
            self.read_some()?;
        }
    }

    /// Reads what the socket has, waiting one poll at most; between polls,
    /// checks the deadline and whether the run was told to stop.
    fn read_some(&mut self) -> Result<(), PgError> {
        if let Some(why) = &self.broken {
            return Err(PgError::Connection(why.clone()));
        }
        let mut chunk = [0u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(self.closed()),
            Ok(n) => {
                self.input
                    .extend_from_slice(chunk.get(..n).unwrap_or_default());
                self.last_progress = Instant::now();
                Ok(())
            }
            Err(e) if waiting(&e) => self.check_wait(),
            Err(e) => Err(self.lost(&e)),
        }
    }

    /// Between polls: ends the wait when the deadline passed, or when the run
    /// was told to stop and the server has not answered the cancel in time.
    fn check_wait(&mut self) -> Result<(), PgError> {
        let now = Instant::now();
        let stop = self.cancel.stop.load(Ordering::SeqCst);
        let interrupted = interrupt_flag().load(Ordering::SeqCst);
        if stop != stream::RUNNING || interrupted {
            let seen = *self.stop_seen.get_or_insert(now);
            // Before the session exists there is nothing to cancel: stop at once.
            if !self.cancel.has_key() || now.duration_since(seen) >= CANCEL_GRACE {
                let error = if stop == stream::TIMED_OUT {
                    PgError::TimedOut(format!(
                        "{}: timed out, and the server did not answer the cancel within {} ms: the connection was closed",
                        self.who,
                        CANCEL_GRACE.as_millis()
                    ))
                } else {
                    PgError::Cancelled(format!(
                        "{}: interrupted, and the server did not answer the cancel within {} ms: the connection was closed",
                        self.who,
                        CANCEL_GRACE.as_millis()
                    ))
                };
                return Err(self.give_up(error));
            }
        }
        if let Some(deadline) = self.connect_deadline {
            if now >= deadline {
                let error = PgError::TimedOut(format!(
                    "{}: the server did not finish the connection within connect_timeout: timed out",
                    self.who
                ));
                return Err(self.give_up(error));
            }
        } else if let Some(limit) = self.io_timeout {
            if now.duration_since(self.last_progress) >= limit {
                let error = PgError::TimedOut(format!(
                    "{}: no answer from the server for {} s (the statement timeout plus a margin): timed out, the connection was closed",
                    self.who,
                    limit.as_secs()
                ));
                return Err(self.give_up(error));
            }
        }
        Ok(())
    }

    /// Stops using the socket: nothing more is read or sent on it.
    fn give_up(&mut self, error: PgError) -> PgError {
        self.broken = Some(error.to_string());
        self.stream.shutdown();
        error
    }

    fn closed(&mut self) -> PgError {
        let error = PgError::Connection(format!("{}: the server closed the connection", self.who));
        self.give_up(error)
    }

    fn lost(&mut self, e: &std::io::Error) -> PgError {
        let error = PgError::Connection(format!(
            "{}: the connection to the server failed: {e}",
            self.who
        ));
        self.give_up(error)
    }
}

/// A socket read or write that returned because its poll time ran out.
fn waiting(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::Interrupted
    )
}

fn batch(wanted: u64, fetched: u64, most: u64) -> i32 {
    let left = wanted
        .saturating_sub(fetched)
        .clamp(1, most.clamp(1, FETCH_BATCH));
    i32::try_from(left).unwrap_or(1000)
}

fn db_error(mut fields: ErrorFields<'_>) -> Result<DbError, PgError> {
    let mut error = DbError::default();
    while let Some(field) = fields.next().map_err(io_error)? {
        let value = String::from_utf8_lossy(field.value_bytes()).into_owned();
        match field.type_() {
            b'V' => error.severity = value,
            b'S' if error.severity.is_empty() => error.severity = value,
            b'C' => error.code = value,
            b'M' => error.message = value,
            b'D' => error.detail = Some(value),
            b'H' => error.hint = Some(value),
            b'P' => error.position = value.parse().ok(),
            _ => {}
        }
    }
    Ok(error)
}

fn io_error(e: std::io::Error) -> PgError {
    PgError::Protocol(format!("malformed message from the server: {e}"))
}

fn protocol(what: &str) -> PgError {
    PgError::Protocol(what.to_string())
}

fn output_error(e: std::io::Error) -> PgError {
    PgError::Connection(format!("cannot write the result: {e}"))
}
