//! `side-effect-function`: calls of functions with effects a READ ONLY
//! transaction does not stop. Every call is also recorded (with the
//! operators and casts the statement uses) for the catalog check.

use crate::mode::Mode;
use crate::sql::functions::{side_effect, CallKind, FunctionCall};
use crate::sql::inspect::{string_value, Inspector};
use crate::sql::rules::Rule;
use crate::sql::walk::{walk_enum, Visitor};
use pg_query::protobuf::a_const::Val;
use pg_query::protobuf::{AExpr, AIndirection, ColumnRef, FuncCall, Node, TypeCast};
use pg_query::{NodeEnum, NodeRef};
use std::collections::HashSet;

impl<'a> Inspector<'a> {
    pub(crate) fn check_func_call(&mut self, call: &FuncCall) {
        if !self.executes {
            return;
        }
        let Some(name) = call.funcname.last().and_then(string_value) else {
            return;
        };
        let nargs = call.args.len();
        self.record(
            CallKind::Function,
            qualifier(&call.funcname),
            name,
            Some(nargs),
            call.location,
        );
        self.check_function(name, Some(nargs), call.location, "");
    }

    /// `x.f` is PostgreSQL's functional notation for `f(x)`, unless `f` is a column.
    pub(crate) fn check_column_ref(&mut self, column: &ColumnRef) {
        if !self.executes || column.fields.len() < 2 {
            return;
        }
        let Some(name) = column.fields.last().and_then(string_value) else {
            return;
        };
        if self.is_defined_column(name) {
            return;
        }
        self.record(
            CallKind::FieldNotation,
            None,
            name,
            Some(1),
            column.location,
        );
        self.check_function(name, Some(1), column.location, " (written x.f)");
    }

    /// `(x).f`, the same functional notation.
    pub(crate) fn check_indirection(&mut self, indirection: &AIndirection) {
        if !self.executes {
            return;
        }
        for name in indirection.indirection.iter().filter_map(string_value) {
            if self.is_defined_column(name) {
                continue;
            }
            self.record(CallKind::FieldNotation, None, name, Some(1), -1);
            self.check_function(name, Some(1), -1, " (written (x).f)");
        }
    }

    /// The function behind an operator is resolved by the catalog check.
    pub(crate) fn record_operator(&mut self, expr: &AExpr) {
        if !self.executes {
            return;
        }
        if let Some(name) = expr.name.last().and_then(string_value) {
            let nargs = if expr.lexpr.is_some() { 2 } else { 1 };
            self.record(
                CallKind::Operator,
                qualifier(&expr.name),
                name,
                Some(nargs),
                expr.location,
            );
        }
    }

    /// The functions behind a cast are resolved by the catalog check.
    pub(crate) fn record_cast(&mut self, cast: &TypeCast) {
        if !self.executes {
            return;
        }
        let Some(type_name) = &cast.type_name else {
            return;
        };
        let literal = matches!(
            cast.arg.as_deref().and_then(|a| a.node.as_ref()),
            Some(NodeEnum::AConst(c)) if matches!(c.val, Some(Val::Sval(_))) || c.isnull
        );
        let kind = if literal {
            CallKind::Literal
        } else {
            CallKind::Cast
        };
        if let Some(name) = type_name.names.last().and_then(string_value) {
            self.record(kind, qualifier(&type_name.names), name, None, cast.location);
        }
    }

    /// Records a call once per kind, schema, name and argument count: the
    /// first place it stands is the one shown.
    fn record(
        &mut self,
        kind: CallKind,
        schema: Option<&str>,
        name: &str,
        nargs: Option<usize>,
        location: i32,
    ) {
        let key = (kind, schema.map(str::to_string), name.to_string(), nargs);
        if !self.call_keys.insert(key) {
            return;
        }
        let offset = usize::try_from(location).unwrap_or(self.statement_offset);
        self.calls.push(FunctionCall {
            kind,
            schema: schema.map(str::to_string),
            name: name.to_string(),
            nargs,
            offset,
        });
    }

    fn check_function(&mut self, name: &str, nargs: Option<usize>, offset: i32, notation: &str) {
        if self.mode == Mode::ReadWrite {
            return;
        }
        let Some(rule) = side_effect(name, nargs) else {
            return;
        };
        if self.mode == Mode::Dml && rule.dml_ok {
            return;
        }
        self.block(
            Rule::SideEffectFunction,
            format!(
                "{name}(){notation} has side effects ({}) that a {} connection must not run",
                rule.family, self.mode
            ),
            Some(offset),
        );
    }

    /// Whether the statement itself names a column `name` (an output name,
    /// a column alias, a CTE's or a new table's column): `x.name` then reads
    /// that column, as PostgreSQL prefers a column to a function.
    fn is_defined_column(&mut self, name: &str) -> bool {
        let top = self.top;
        self.defined_columns
            .get_or_insert_with(|| {
                let mut names = DefinedColumns(HashSet::new());
                walk_enum(&mut names, top);
                names.0
            })
            .contains(name)
    }
}

/// The schema of a qualified name (`schema.name`), if it has one.
fn qualifier(names: &[Node]) -> Option<&str> {
    names
        .len()
        .checked_sub(2)
        .and_then(|i| names.get(i))
        .and_then(string_value)
}

struct DefinedColumns<'a>(HashSet<&'a str>);

impl<'a> Visitor<'a> for DefinedColumns<'a> {
    fn enter(&mut self, node: NodeRef<'a>) -> bool {
        match node {
            NodeRef::ResTarget(target) if !target.name.is_empty() => {
                self.0.insert(target.name.as_str());
            }
            NodeRef::Alias(alias) => self
                .0
                .extend(alias.colnames.iter().filter_map(string_value)),
            NodeRef::CommonTableExpr(cte) => self
                .0
                .extend(cte.aliascolnames.iter().filter_map(string_value)),
            NodeRef::ColumnDef(def) => {
                self.0.insert(def.colname.as_str());
            }
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::mode::Mode;
    use crate::sql::{classify, CallKind};

    fn calls(sql: &str) -> Vec<(CallKind, Option<String>, String, Option<usize>)> {
        classify(sql, Mode::ReadOnly)
            .statements
            .into_iter()
            .flat_map(|s| s.calls)
            .map(|c| (c.kind, c.schema, c.name, c.nargs))
            .collect()
    }

    fn call(
        kind: CallKind,
        schema: Option<&str>,
        name: &str,
        nargs: Option<usize>,
    ) -> (CallKind, Option<String>, String, Option<usize>) {
        (kind, schema.map(String::from), name.to_string(), nargs)
    }

    #[test]
    fn every_call_operator_and_cast_is_recorded_once() {
        let found = calls(
            "SELECT f(1), s.g(a, b), a + b, x::regclass, 'calm'::mood FROM t \
             WHERE a + b > 0 GROUP BY f(1) ORDER BY h()",
        );
        for expected in [
            call(CallKind::Function, None, "f", Some(1)),
            call(CallKind::Function, Some("s"), "g", Some(2)),
            call(CallKind::Operator, None, "+", Some(2)),
            call(CallKind::Operator, None, ">", Some(2)),
            call(CallKind::Cast, None, "regclass", None),
            call(CallKind::Literal, None, "mood", None),
            call(CallKind::Function, None, "h", Some(0)),
        ] {
            assert!(found.contains(&expected), "{expected:?} not in {found:?}");
        }
        let f = found.iter().filter(|c| c.2 == "f").count();
        assert_eq!(f, 1, "{found:?}");
    }

    #[test]
    fn field_notation_is_a_call_unless_the_statement_names_that_column() {
        assert!(calls("SELECT u.touch FROM users u").contains(&call(
            CallKind::FieldNotation,
            None,
            "touch",
            Some(1)
        )));
        assert!(calls("SELECT j.touch FROM (SELECT 1 AS touch) j").is_empty());
    }

    #[test]
    fn nothing_runs_below_explain_without_analyze() {
        assert!(calls("EXPLAIN SELECT f()").is_empty());
        assert!(!calls("EXPLAIN ANALYZE SELECT f()").is_empty());
    }
}
