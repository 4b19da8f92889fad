//! SQL classification on the real PostgreSQL grammar (libpg_query).
//!
//! [`classify`] parses the whole input once, then judges every statement for
//! a [`Mode`]: the statement's class gives a first decision (one exhaustive
//! `match` in [`decide`]), and a walk over every node of its tree adds what it
//! holds — side-effect functions, data-modifying CTEs, `SELECT … INTO`,
//! locking clauses, destructive operations. The strictest finding wins.

mod classify;
pub mod explain;
mod functions;
mod plpgsql;
mod report;
mod rules;
mod runner;
#[rustfmt::skip]
mod walk;

pub use classify::{classify, StatementClass};
pub use functions::{side_effect, SideEffect};
pub use report::{Analysis, Finding, Statement};
pub use rules::{Rule, Verdict};
pub use runner::{judge, owned_transaction_line, Judgement, Runner, OWNED_TRANSACTION_NOTE};
