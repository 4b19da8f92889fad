//! `select-into`, `locking-clause`: a SELECT that creates a table or locks rows.

use crate::mode::Mode;
use crate::sql::inspect::Inspector;
use crate::sql::rules::Rule;
use pg_query::protobuf::SelectStmt;

impl Inspector<'_> {
    pub(crate) fn check_select(&mut self, select: &SelectStmt) {
        if !self.executes {
            return;
        }
        if select.into_clause.is_some() && self.mode != Mode::ReadWrite {
            self.block(
                Rule::SelectInto,
                format!(
                    "SELECT … INTO creates a table: not allowed on a {} connection",
                    self.mode
                ),
                None,
            );
        }
        if !select.locking_clause.is_empty() && self.mode == Mode::ReadOnly {
            self.block(
                Rule::LockingClause,
                "SELECT … FOR UPDATE/SHARE locks rows: not allowed on a read-only connection"
                    .into(),
                None,
            );
        }
    }
}
