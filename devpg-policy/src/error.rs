//! The one error type of dev-postgres. Each variant carries what a user needs
//! to act on it; [`crate::exit::for_error`] is the single mapping to exit codes.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// Bad command-line usage: what is wrong and what to do.
    Usage(String),
    /// A file the user named could not be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Standard input could not be read.
    Stdin(std::io::Error),
    /// Configuration is wrong: where, and what.
    Config { place: String, message: String },
    /// A configuration file a human has not approved (or that changed since).
    Untrusted { path: PathBuf, reason: String },
    /// The server or the connection failed, on a named connection.
    Database {
        connection: String,
        /// The server's SQLSTATE, when the server reported the error.
        sqlstate: Option<String>,
        message: String,
    },
    /// The audit log cannot be written or does not verify: nothing runs.
    Audit(String),
    /// Something else failed while running.
    Execution(String),
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// The SQLSTATE, for a database error the server reported.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Database { sqlstate, .. } => sqlstate.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) | Error::Execution(message) | Error::Audit(message) => {
                f.write_str(message)
            }
            Error::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            Error::Stdin(source) => write!(f, "cannot read standard input: {source}"),
            Error::Config { place, message } => write!(f, "{place}: {message}"),
            Error::Untrusted { path, reason } => write!(
                f,
                "{}: {reason}; nothing was run. A human must review it and run: dev-postgres trust {}",
                path.display(),
                crate::text::shell_quote(&path.display().to_string())
            ),
            Error::Database {
                connection,
                message,
                ..
            } => write!(f, "connection '{connection}': {message}"),
        }
    }
}

impl std::error::Error for Error {}
