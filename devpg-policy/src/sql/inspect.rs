//! The tree inspector: walks one statement's tree and hands each node to the
//! rule families in `checks/`, which record what the statement holds.

use super::functions::{CallKind, FunctionCall};
use super::report::Finding;
use super::rules::{Rule, Verdict};
use super::walk::Visitor;
use crate::mode::Mode;
use pg_query::{NodeEnum, NodeRef};
use std::collections::HashSet;

/// A recorded call's identity: kind, schema, name, argument count.
pub(crate) type CallKey = (CallKind, Option<String>, String, Option<usize>);

/// Walks one statement's tree and records what it holds.
pub(crate) struct Inspector<'a> {
    pub(crate) mode: Mode,
    pub(crate) top: &'a NodeEnum,
    /// False below EXPLAIN without ANALYZE, in function bodies and view
    /// definitions: what is there is planned or stored, not run now.
    pub(crate) executes: bool,
    pub(crate) statement_offset: usize,
    pub(crate) do_depth: usize,
    pub(crate) findings: Vec<Finding>,
    /// Every function the statement runs, for the catalog check.
    pub(crate) calls: Vec<FunctionCall>,
    /// The keys of `calls`, to record each call once.
    pub(crate) call_keys: HashSet<CallKey>,
    /// Whether it runs an INSERT, UPDATE, DELETE or MERGE (assignment casts).
    pub(crate) writes: bool,
    /// Column names the statement itself defines (output names, aliases),
    /// computed when first needed.
    pub(crate) defined_columns: Option<HashSet<&'a str>>,
}

impl<'a> Inspector<'a> {
    pub(crate) fn new(
        mode: Mode,
        top: &'a NodeEnum,
        statement_offset: usize,
        do_depth: usize,
        findings: Vec<Finding>,
    ) -> Self {
        Inspector {
            mode,
            top,
            executes: true,
            statement_offset,
            do_depth,
            findings,
            calls: Vec::new(),
            call_keys: HashSet::new(),
            writes: false,
            defined_columns: None,
        }
    }

    pub(crate) fn finish(mut self) -> (Vec<Finding>, Vec<FunctionCall>) {
        if !self.calls.is_empty() || self.writes {
            self.calls.push(FunctionCall {
                kind: CallKind::ImplicitCasts,
                schema: None,
                name: String::new(),
                nargs: None,
                offset: self.statement_offset,
            });
        }
        (self.findings, self.calls)
    }

    pub(crate) fn block(&mut self, rule: Rule, reason: String, offset: Option<i32>) {
        self.push(Verdict::Blocked, rule, reason, offset);
    }

    pub(crate) fn destructive(&mut self, rule: Rule, reason: String, offset: Option<i32>) {
        self.push(Verdict::Destructive, rule, reason, offset);
    }

    fn push(&mut self, verdict: Verdict, rule: Rule, reason: String, offset: Option<i32>) {
        let offset = offset
            .and_then(|o| usize::try_from(o).ok())
            .unwrap_or(self.statement_offset);
        self.findings.push(Finding {
            verdict,
            rule,
            reason,
            offset,
        });
    }

    /// Walks below `node` with `executes` switched off: a stored body or
    /// query is planned, not run now.
    pub(crate) fn walk_stored(&mut self, node: NodeRef<'a>) {
        let saved = self.executes;
        self.executes = false;
        super::walk::walk_children(self, node);
        self.executes = saved;
    }
}

impl<'a> Visitor<'a> for Inspector<'a> {
    fn enter(&mut self, node: NodeRef<'a>) -> bool {
        match node {
            NodeRef::SelectStmt(select) => {
                self.check_select(select);
                true
            }
            NodeRef::InsertStmt(_)
            | NodeRef::UpdateStmt(_)
            | NodeRef::DeleteStmt(_)
            | NodeRef::MergeStmt(_) => {
                self.check_write(node);
                true
            }
            NodeRef::FuncCall(call) => {
                self.check_func_call(call);
                true
            }
            NodeRef::ColumnRef(column) => {
                self.check_column_ref(column);
                true
            }
            NodeRef::AIndirection(indirection) => {
                self.check_indirection(indirection);
                true
            }
            NodeRef::AExpr(expr) => {
                self.record_operator(expr);
                true
            }
            NodeRef::TypeCast(cast) => {
                self.record_cast(cast);
                true
            }
            NodeRef::ExplainStmt(explain) => {
                self.inspect_explain(explain);
                false
            }
            NodeRef::CreateFunctionStmt(_) | NodeRef::ViewStmt(_) => {
                self.walk_stored(node);
                false
            }
            NodeRef::DoStmt(d) => {
                if self.executes {
                    self.inspect_do(&d.args);
                }
                false
            }
            NodeRef::VariableShowStmt(show) => {
                self.check_show(show);
                false
            }
            _ => {
                if self.executes {
                    self.check_destructive(node);
                }
                true
            }
        }
    }
}

/// The text of a `String` node.
pub(crate) fn string_value(node: &pg_query::protobuf::Node) -> Option<&str> {
    match &node.node {
        Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
        _ => None,
    }
}
