//! dev-postgres policy: everything that decides what the agent may do, with
//! no network and no database driver (pg-hook links only this crate).
//!
//! SQL classification on PostgreSQL's own grammar ([`sql`]), the hook's shell
//! analysis ([`hook`]), configuration ([`config`]), connection modes
//! ([`Mode`]), the one error type ([`Error`]), the one mapping from
//! verdicts and errors to exit codes ([`exit`]), and the audit log every
//! decision is written to ([`audit`]: plain file I/O, so the hook can record
//! its blocks too).
#![forbid(unsafe_code)]

pub mod audit;
pub mod config;
pub mod error;
pub mod exit;
pub mod fs;
pub mod hook;
pub mod json;
pub mod mode;
pub mod sql;
#[cfg(unix)]
pub mod syslog;
pub mod text;

pub use error::Error;
pub use exit::ExitCode;
pub use mode::Mode;
