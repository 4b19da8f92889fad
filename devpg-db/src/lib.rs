//! dev-postgres database side: the wire client with TLS ([`pg`]), the guarded
//! session that holds the server-side guarantees ([`session`]), output
//! formats ([`output`]) and the catalog queries pg-schema runs ([`schema`]).
#![forbid(unsafe_code)]

pub mod output;
pub mod pg;
pub mod schema;
pub mod session;
