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
}

impl PgError {
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            PgError::Db(db) => Some(&db.code),
            _ => None,
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
            PgError::Connection(message) | PgError::Protocol(message) => f.write_str(message),
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
