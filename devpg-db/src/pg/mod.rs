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

pub use error::{sqlstate, DbError, PgError};
pub use stream::CancelToken;

use bytes::{Buf, BytesMut};
use devpg_policy::config::{ConnectParams, SslMode};
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};
use postgres_protocol::message::backend::{ErrorFields, Message};
use postgres_protocol::message::frontend;
use std::io::{Read, Write};
use std::path::Path;
use stream::Stream;

/// Rows asked for per `Execute`: enough to keep the pipe full, small enough
/// to keep memory flat.
const FETCH_BATCH: u64 = 1000;

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
    pub notices: Vec<String>,
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
}

impl Client {
    /// Connects and authenticates. Errors name the connection and what to
    /// check, never the password.
    pub fn connect(params: &ConnectParams, home: Option<&Path>) -> Result<Client, PgError> {
        let first = !matches!(params.sslmode, SslMode::Disable | SslMode::Allow);
        match Client::connect_once(params, home, first) {
            // libpq's fallbacks: prefer retries without TLS, allow with it.
            Err(_) if params.sslmode == SslMode::Prefer => {
                Client::connect_once(params, home, false)
            }
            Err(_) if params.sslmode == SslMode::Allow => Client::connect_once(params, home, true),
            other => other,
        }
    }

    fn connect_once(
        params: &ConnectParams,
        home: Option<&Path>,
        use_tls: bool,
    ) -> Result<Client, PgError> {
        let (stream, target) = Stream::open(params, home, use_tls)?;
        let mut client = Client {
            stream,
            input: BytesMut::with_capacity(64 * 1024),
            output: BytesMut::with_capacity(8 * 1024),
            cancel: CancelToken::new(target),
            transaction_status: b'I',
        };
        client.startup(params)?;
        client.stream.clear_timeouts();
        Ok(client)
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
        frontend::execute("", batch(wanted, 0), &mut self.output).map_err(io_error)?;
        frontend::flush(&mut self.output);
        self.flush()?;

        let mut result = StatementResult::default();
        let mut fetched: u64 = 0;
        let mut bytes: u64 = 0;
        let outcome = loop {
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
                    // client_encoding is UTF8: values borrow the message buffer.
                    while let Some(range) = ranges.next().map_err(io_error)? {
                        values.push(match range {
                            Some(r) => {
                                bytes += r.len() as u64;
                                Some(std::str::from_utf8(&buffer[r]).map_err(|_| {
                                    protocol("the server sent a value that is not UTF-8")
                                })?)
                            }
                            None => None,
                        });
                    }
                    sink.row(&values).map_err(output_error)?;
                    result.rows += 1;
                    if bytes > limits.max_bytes {
                        result.truncated = Some(Truncation::MaxBytes(limits.max_bytes));
                        break Ok(());
                    }
                }
                Message::PortalSuspended => {
                    frontend::execute("", batch(wanted, fetched), &mut self.output)
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

    /// Ends the extended-protocol exchange: Sync, then everything up to ReadyForQuery.
    fn sync(&mut self) -> Result<(), PgError> {
        frontend::sync(&mut self.output);
        self.flush()?;
        loop {
            match self.read_message()? {
                Message::ReadyForQuery(body) => {
                    self.transaction_status = body.status();
                    return Ok(());
                }
                // What was in flight when fetching stopped, and a late error.
                _ => continue,
            }
        }
    }

    /// Says goodbye to the server.
    pub fn close(mut self) {
        frontend::terminate(&mut self.output);
        let _ = self.flush();
    }

    fn flush(&mut self) -> Result<(), PgError> {
        self.stream.write_all(&self.output).map_err(|e| lost(&e))?;
        self.stream.flush().map_err(|e| lost(&e))?;
        self.output.clear();
        Ok(())
    }

    fn read_message(&mut self) -> Result<Message, PgError> {
        loop {
            if let Some(message) = Message::parse(&mut self.input).map_err(io_error)? {
                return Ok(message);
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.stream.read(&mut chunk).map_err(|e| lost(&e))?;
            if n == 0 {
                return Err(PgError::Connection(
                    "the server closed the connection".into(),
                ));
            }
            self.input.extend_from_slice(&chunk[..n]);
            if self.input.remaining() > 0 {
                continue;
            }
        }
    }
}

fn batch(wanted: u64, fetched: u64) -> i32 {
    let left = wanted.saturating_sub(fetched).clamp(1, FETCH_BATCH);
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

fn lost(e: &std::io::Error) -> PgError {
    PgError::Connection(format!("the connection to the server failed: {e}"))
}

fn protocol(what: &str) -> PgError {
    PgError::Protocol(what.to_string())
}

fn output_error(e: std::io::Error) -> PgError {
    PgError::Connection(format!("cannot write the result: {e}"))
}
