//! `explain-analyze-not-select`, `explain-execute`: EXPLAIN runs its statement
//! only with ANALYZE; below a plain EXPLAIN nothing executes.

use crate::mode::Mode;
use crate::sql::class::{decide, statement_kind, StatementClass};
use crate::sql::inspect::Inspector;
use crate::sql::rules::Rule;
use crate::sql::walk::walk_enum;
use pg_query::protobuf::{ExplainStmt, Node};
use pg_query::{NodeEnum, NodeRef};

impl<'a> Inspector<'a> {
    pub(crate) fn inspect_explain(&mut self, explain: &'a ExplainStmt) {
        let Some(inner) = explain.query.as_deref().and_then(|q| q.node.as_ref()) else {
            return;
        };
        let analyze = explain_analyzes(&explain.options);
        if self.executes {
            let inner_ref = inner.to_ref();
            let inner_class = StatementClass::of(inner_ref);
            if analyze {
                let allowed = match self.mode {
                    Mode::ReadOnly => inner_class == StatementClass::Read,
                    Mode::Dml | Mode::ReadWrite => decide(self.mode, inner_class),
                };
                if !allowed {
                    self.block(
                        Rule::ExplainAnalyzeNotSelect,
                        format!(
                            "EXPLAIN ANALYZE runs its statement ({}): only what a {} connection allows may be analyzed; use EXPLAIN without ANALYZE to see the plan",
                            statement_kind(inner_ref).to_uppercase().replace('-', " "),
                            self.mode
                        ),
                        None,
                    );
                }
            } else if matches!(inner_ref, NodeRef::ExecuteStmt(_)) && self.mode != Mode::ReadWrite {
                self.block(
                    Rule::ExplainExecute,
                    "EXPLAIN EXECUTE evaluates the prepared statement's arguments".into(),
                    None,
                );
            }
        }
        let saved = self.executes;
        self.executes = saved && analyze;
        walk_enum(self, inner);
        self.executes = saved;
    }
}

/// Whether EXPLAIN's options turn ANALYZE on. PostgreSQL takes the last
/// value given; anything but an explicit false/off/0 counts as on (the
/// server would reject the rest anyway).
pub(crate) fn explain_analyzes(options: &[Node]) -> bool {
    options
        .iter()
        .filter_map(|option| match &option.node {
            Some(NodeEnum::DefElem(def)) if def.defname.eq_ignore_ascii_case("analyze") => {
                Some(def)
            }
            _ => None,
        })
        .next_back()
        .is_some_and(
            |def| match def.arg.as_deref().and_then(|a| a.node.as_ref()) {
                None => true,
                Some(NodeEnum::Integer(i)) => i.ival != 0,
                Some(NodeEnum::Boolean(b)) => b.boolval,
                Some(NodeEnum::String(s)) => {
                    !(s.sval.eq_ignore_ascii_case("false") || s.sval.eq_ignore_ascii_case("off"))
                }
                Some(_) => true,
            },
        )
}
