//! Errors from the server or the connection. None carries a password: the
//! password is only ever written into the authentication message.

use std::fmt;

/// An error the server reported, with its SQLSTATE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbError {
    pub severity: String,
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement, if the server gave one.
    pub position: Option<u32>,
}

#[derive(Debug)]
pub enum PgError {
    /// The server answered with an error.
    Db(Box<DbError>),
    /// The connection failed: what happened, in words that hold no secret.
    Connection(String),
    /// The server said something the protocol does not allow here.
    Protocol(String),
    /// A deadline on the socket passed: the server (or the network) went
    /// silent for longer than the statement may run.
    TimedOut(String),
    /// The run was interrupted (a signal, or a cancel after the deadline)
    /// and the server did not answer the cancel in time.
    Cancelled(String),
}

/// How a failed run ended, for the audit log's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `error`: the server refused, the connection broke, or the output failed.
    Error,
    /// `timed-out`: a deadline passed (server-side statement timeout included).
    TimedOut,
    /// `cancelled`: a signal asked the run to stop.
    Cancelled,
}

impl Ending {
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Error => "error",
            Ending::TimedOut => "timed-out",
            Ending::Cancelled => "cancelled",
        }
    }
}

impl PgError {
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            PgError::Db(db) => Some(&db.code),
            _ => None,
        }
    }

    /// How this error ends a run. A server-side cancel (SQLSTATE 57014) is a
    /// timeout unless the caller knows a signal asked for it.
    pub fn ending(&self) -> Ending {
        match self {
            PgError::TimedOut(_) => Ending::TimedOut,
            PgError::Cancelled(_) => Ending::Cancelled,
            PgError::Db(db) if db.code == sqlstate::QUERY_CANCELED => Ending::TimedOut,
            PgError::Db(db) if db.code == sqlstate::IDLE_IN_TRANSACTION_TIMEOUT => Ending::TimedOut,
            _ => Ending::Error,
        }
    }

    /// This error as dev-postgres's one error type, on the named connection
    /// (the SQLSTATE kept for whoever matches on it).
    pub fn on(self, connection: &str) -> devpg_policy::Error {
        devpg_policy::Error::Database {
            connection: connection.to_string(),
            sqlstate: self.sqlstate().map(String::from),
            message: self.to_string(),
        }
    }
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::Db(db) => {
                write!(f, "{} {}: {}", db.severity, db.code, db.message)?;
                if let Some(detail) = &db.detail {
                    write!(f, "\nDETAIL: {detail}")?;
                }
                if let Some(hint) = &db.hint {
                    write!(f, "\nHINT: {hint}")?;
                }
                Ok(())
            }
            PgError::Connection(message)
            | PgError::Protocol(message)
            | PgError::TimedOut(message)
            | PgError::Cancelled(message) => f.write_str(message),
        }
    }
}

/// SQLSTATE codes the runner matches on (from PostgreSQL's errcodes.txt).
pub mod sqlstate {
    pub const QUERY_CANCELED: &str = "57014";
    pub const READ_ONLY_SQL_TRANSACTION: &str = "25006";
    pub const INVALID_PASSWORD: &str = "28P01";
    pub const INVALID_AUTHORIZATION: &str = "28000";
    pub const LOCK_NOT_AVAILABLE: &str = "55P03";
    pub const IDLE_IN_TRANSACTION_TIMEOUT: &str = "25P03";
}
