//! dev-postgres core: everything the four binaries share.
//!
//! The binaries are thin: they parse arguments, call into this crate and turn
//! the result into an exit code through [`exit::ExitCode`], the one place that
//! maps outcomes to process exit codes.
#![forbid(unsafe_code)]

#[cfg(feature = "db")]
pub mod audit;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "config")]
pub mod config;
pub mod error;
pub mod exit;
#[cfg(feature = "hook")]
pub mod hook;
pub mod mode;
#[cfg(feature = "db")]
pub mod output;
#[cfg(feature = "db")]
pub mod pg;
#[cfg(feature = "db")]
pub mod schema;
#[cfg(feature = "db")]
pub mod session;
pub mod text;

#[cfg(feature = "sql")]
pub mod sql;

pub use error::Error;
pub use exit::ExitCode;
pub use mode::Mode;
