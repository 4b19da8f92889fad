//! `data-modifying-statement`, `delete-without-where`, `update-without-where`,
//! `merge-every-row`, and `UPDATE pg_settings` as the `session-setting` it is.

use super::conditions::{filters_rows, Target, Truth};
use crate::mode::Mode;
use crate::sql::inspect::Inspector;
use crate::sql::rules::Rule;
use crate::sql::walk::node_kind;
use pg_query::protobuf::{CmdType, MergeStmt, MergeWhenClause, RangeVar, UpdateStmt};
use pg_query::{NodeEnum, NodeRef};

impl Inspector<'_> {
    pub(crate) fn check_write(&mut self, node: NodeRef<'_>) {
        if !self.executes {
            return;
        }
        self.writes = true;
        if self.mode == Mode::ReadOnly && !self.is_top(node) {
            self.block(
                Rule::DataModifyingStatement,
                format!(
                    "a nested {} changes data: not allowed on a read-only connection",
                    node_kind(node).to_uppercase()
                ),
                None,
            );
        }
        match node {
            NodeRef::DeleteStmt(d) => {
                let target = Target::of(d.relation.as_ref());
                if !filters_rows(d.where_clause.as_deref(), &target) {
                    self.destructive(
                        Rule::DeleteWithoutWhere,
                        "DELETE without a WHERE that filters rows removes every row".into(),
                        None,
                    );
                }
            }
            NodeRef::UpdateStmt(u) => {
                self.check_pg_settings(u);
                let target = Target::of(u.relation.as_ref());
                if !filters_rows(u.where_clause.as_deref(), &target) {
                    self.destructive(
                        Rule::UpdateWithoutWhere,
                        "UPDATE without a WHERE that filters rows changes every row".into(),
                        None,
                    );
                }
            }
            NodeRef::MergeStmt(m) => self.check_merge(m),
            _ => {}
        }
    }

    fn is_top(&self, node: NodeRef<'_>) -> bool {
        std::ptr::eq(top_ptr(node), top_ptr(self.top.to_ref()))
    }

    /// `UPDATE pg_settings SET setting = …` is `SET` by another name.
    fn check_pg_settings(&mut self, update: &UpdateStmt) {
        if self.mode == Mode::ReadWrite || !is_pg_settings(update.relation.as_ref()) {
            return;
        }
        self.block(
            Rule::SessionSetting,
            format!(
                "UPDATE pg_settings changes session settings as SET does, which dev-postgres owns: not allowed on a {} connection",
                self.mode
            ),
            None,
        );
    }

    /// A MERGE whose ON is always true matches every target row: its
    /// DELETE or UPDATE action reaches all of them.
    fn check_merge(&mut self, merge: &MergeStmt) {
        let target = Target::of(merge.relation.as_ref());
        let on = target.fold(merge.join_condition.as_deref());
        for clause in &merge.merge_when_clauses {
            let Some(NodeEnum::MergeWhenClause(when)) = &clause.node else {
                continue;
            };
            if !changes_rows(when) {
                continue;
            }
            use pg_query::protobuf::MergeMatchKind::*;
            // WHEN NOT MATCHED BY SOURCE acts on the target rows the ON rejects.
            let reaches_all = if when.match_kind == MergeWhenNotMatchedBySource as i32 {
                matches!(on, Truth::False | Truth::Constant)
            } else if when.match_kind == MergeWhenMatched as i32 {
                matches!(on, Truth::True | Truth::Constant)
            } else {
                false
            };
            if reaches_all && !filters_rows(when.condition.as_deref(), &target) {
                self.destructive(
                    Rule::MergeEveryRow,
                    "MERGE whose ON matches every row, with a DELETE or UPDATE action, changes every row".into(),
                    None,
                );
            }
        }
    }
}

fn changes_rows(when: &MergeWhenClause) -> bool {
    when.command_type == CmdType::CmdDelete as i32 || when.command_type == CmdType::CmdUpdate as i32
}

fn is_pg_settings(relation: Option<&RangeVar>) -> bool {
    relation.is_some_and(|r| {
        r.relname == "pg_settings" && (r.schemaname.is_empty() || r.schemaname == "pg_catalog")
    })
}

fn top_ptr(node: NodeRef<'_>) -> *const () {
    match node {
        NodeRef::InsertStmt(n) => std::ptr::from_ref(n).cast(),
        NodeRef::UpdateStmt(n) => std::ptr::from_ref(n).cast(),
        NodeRef::DeleteStmt(n) => std::ptr::from_ref(n).cast(),
        NodeRef::MergeStmt(n) => std::ptr::from_ref(n).cast(),
        _ => std::ptr::null(),
    }
}
