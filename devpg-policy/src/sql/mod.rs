//! SQL classification on the real PostgreSQL grammar (libpg_query).
//!
//! [`classify`] parses the whole input once, then judges every statement for
//! a [`Mode`](crate::Mode): the statement's class gives a first decision (one
//! exhaustive `match` in `class::decide`), and the inspector walks every node
//! of its tree, handing each to the rule families in `checks/` (one file per
//! family) — side-effect functions, data-modifying CTEs, `SELECT … INTO`,
//! locking clauses, conditions that filter no row, destructive operations.
//! The strictest finding wins. The inspector also records every function the
//! statement runs ([`FunctionCall`]) for the catalog check that pg-query
//! makes where it has a connection.
//!
//! Layout: `class` (statement classes per mode), `classify` (entry),
//! `inspect` (the tree inspector), `checks/` (rule families), `position`
//! (text positions), `report` (what classification returns), `rules` (rule
//! IDs), `functions` (the function tables), `explain` (EXPLAIN for pg-query).

mod checks;
mod class;
mod classify;
pub mod explain;
mod functions;
mod inspect;
mod plpgsql;
mod position;
mod report;
mod rules;
mod runner;
#[rustfmt::skip]
mod walk;

pub use class::{decide, StatementClass};
pub use classify::classify;
pub use functions::{effect_free_volatile, side_effect, CallKind, FunctionCall, SideEffect};
pub use report::{Analysis, Finding, Statement};
pub use rules::{Rule, Verdict};
pub use runner::{judge, owned_transaction_line, Judgement, Runner, OWNED_TRANSACTION_NOTE};
