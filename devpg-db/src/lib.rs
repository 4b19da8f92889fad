//! dev-postgres database side: the wire client with TLS ([`pg`]), the guarded
//! session that holds the server-side guarantees ([`session`]), output
//! formats ([`output`]), the catalog queries pg-schema runs ([`schema`]) and
//! the catalog check of the functions a statement runs ([`catalog_check`]).
#![forbid(unsafe_code)]

pub mod catalog_check;
pub mod output;
pub mod pg;
pub mod schema;
pub mod session;
