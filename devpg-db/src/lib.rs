//! dev-postgres database side: the wire client with TLS ([`pg`]), the guarded
//! session that holds the server-side guarantees ([`session`]), the
//! hash-chained audit log ([`audit`]), output formats ([`output`]) and the
//! catalog queries pg-schema runs ([`schema`]).
#![forbid(unsafe_code)]

pub mod audit;
pub mod catalog_check;
pub mod output;
pub mod pg;
pub mod schema;
pub mod session;
#[cfg(unix)]
pub mod syslog;
