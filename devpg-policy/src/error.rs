//! The one error type of dev-postgres. Each variant carries what a user needs
//! to act on it; [`Error::exit_code`] is the single mapping to exit codes.

use crate::exit::ExitCode;
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
    /// Something failed while running (server, network, log).
    Execution(String),
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::Read { .. } | Error::Stdin(_) | Error::Config { .. } => {
                ExitCode::Usage
            }
            Error::Execution(_) => ExitCode::Execution,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "{message}"),
            Error::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            Error::Stdin(source) => write!(f, "cannot read standard input: {source}"),
            Error::Config { place, message } => write!(f, "{place}: {message}"),
            Error::Execution(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_and_config_errors_exit_3_execution_errors_exit_4() {
        assert_eq!(Error::usage("x").exit_code(), ExitCode::Usage);
        let config = Error::Config {
            place: "a.json".into(),
            message: "bad".into(),
        };
        assert_eq!(config.exit_code(), ExitCode::Usage);
        assert_eq!(
            Error::Execution("x".into()).exit_code(),
            ExitCode::Execution
        );
    }
}
