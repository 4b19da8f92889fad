//! Whether a condition can tell the target's rows apart. Boolean constants
//! fold through AND, OR, NOT, CASE and COALESCE; a condition that does not
//! refer to the target table (an uncorrelated EXISTS, `(SELECT true)`, a
//! comparison of constants, a column of another table) is the same for
//! every row, so it is no filter at all.

use crate::sql::inspect::string_value;
use crate::sql::walk::{walk_children, walk_enum, Visitor};
use pg_query::protobuf::{a_const::Val, AConst, AExpr, BoolExprType, Node, RangeVar};
use pg_query::{NodeEnum, NodeRef};

/// What a condition is for the rows of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Truth {
    True,
    /// False or NULL: no row.
    False,
    /// The same for every row, value unknown here.
    Constant,
    /// Depends on the row.
    Row,
}

/// The table a DELETE, UPDATE or MERGE changes, by the name its columns are
/// qualified with (the alias when there is one).
pub(crate) struct Target<'a> {
    name: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub(crate) fn of(relation: Option<&'a RangeVar>) -> Self {
        let name = relation.map(|r| match &r.alias {
            Some(alias) if !alias.aliasname.is_empty() => alias.aliasname.as_str(),
            _ => r.relname.as_str(),
        });
        Target { name }
    }

    pub(crate) fn fold(&self, condition: Option<&Node>) -> Truth {
        let Some(node) = condition.and_then(|c| c.node.as_ref()) else {
            return Truth::True;
        };
        match node {
            NodeEnum::AConst(c) => constant(c),
            NodeEnum::BoolExpr(b) => {
                let args: Vec<Truth> = b.args.iter().map(|a| self.fold(Some(a))).collect();
                if b.boolop == BoolExprType::AndExpr as i32 {
                    and(&args)
                } else if b.boolop == BoolExprType::OrExpr as i32 {
                    or(&args)
                } else {
                    match args.first() {
                        Some(Truth::True) => Truth::False,
                        Some(Truth::False) => Truth::True,
                        Some(other) => *other,
                        None => Truth::Constant,
                    }
                }
            }
            NodeEnum::CaseExpr(case) => {
                // A row-dependent CASE can still hand every row a constant
                // true: by its ELSE, or by a branch whose test is constant.
                let subject = self.fold(case.arg.as_deref());
                let mut row = subject == Truth::Row;
                let mut maybe_all = false;
                for when in &case.args {
                    let Some(NodeEnum::CaseWhen(when)) = &when.node else {
                        continue;
                    };
                    let test = self.fold(when.expr.as_deref());
                    let result = self.fold(when.result.as_deref());
                    row |= test == Truth::Row || result == Truth::Row;
                    if matches!(result, Truth::True | Truth::Constant)
                        && !matches!(test, Truth::Row | Truth::False)
                        && subject != Truth::Row
                    {
                        maybe_all = true;
                    }
                }
                let default = match case.defresult.as_deref() {
                    None => Truth::False,
                    some => self.fold(some),
                };
                row |= default == Truth::Row;
                if maybe_all || matches!(default, Truth::True | Truth::Constant) {
                    Truth::Constant
                } else if row {
                    Truth::Row
                } else {
                    Truth::False
                }
            }
            NodeEnum::CoalesceExpr(coalesce) => {
                let mut row = false;
                for arg in &coalesce.args {
                    match self.fold(Some(arg)) {
                        Truth::Row => row = true,
                        Truth::False if is_null(arg) => {}
                        Truth::True if !row => return Truth::True,
                        Truth::True | Truth::Constant => return Truth::Constant,
                        Truth::False => return if row { Truth::Row } else { Truth::False },
                    }
                }
                if row {
                    Truth::Row
                } else {
                    Truth::False
                }
            }
            // A cast keeps what its operand is (`NULL::boolean` is still no row).
            NodeEnum::TypeCast(cast) if cast.arg.is_some() => self.fold(cast.arg.as_deref()),
            NodeEnum::AExpr(expr) => match compare_constants(expr) {
                Some(true) => Truth::True,
                Some(false) => Truth::False,
                None => self.generic(node),
            },
            _ => self.generic(node),
        }
    }

    /// Row when anything below refers to the target, else Constant.
    fn generic(&self, node: &NodeEnum) -> Truth {
        let mut refers = RefersToTarget {
            target: self.name,
            unqualified: true,
            found: false,
        };
        walk_enum(&mut refers, node);
        if refers.found {
            Truth::Row
        } else {
            Truth::Constant
        }
    }
}

/// Whether a WHERE clause tells rows apart. A missing or row-independent
/// one matches every row (or none), so it counts as no WHERE at all.
pub(crate) fn filters_rows(clause: Option<&Node>, target: &Target<'_>) -> bool {
    clause.is_some() && target.fold(clause) == Truth::Row
}

fn and(args: &[Truth]) -> Truth {
    if args.contains(&Truth::False) {
        Truth::False
    } else if args.contains(&Truth::Row) {
        Truth::Row
    } else if args.iter().all(|a| *a == Truth::True) {
        Truth::True
    } else {
        Truth::Constant
    }
}

/// A constant that may be true makes the whole OR match every row.
fn or(args: &[Truth]) -> Truth {
    if args.contains(&Truth::True) {
        Truth::True
    } else if args.contains(&Truth::Constant) {
        Truth::Constant
    } else if args.contains(&Truth::Row) {
        Truth::Row
    } else {
        Truth::False
    }
}

fn constant(c: &AConst) -> Truth {
    match &c.val {
        _ if c.isnull => Truth::False,
        Some(Val::Boolval(b)) if b.boolval => Truth::True,
        Some(Val::Boolval(_)) => Truth::False,
        _ => Truth::Constant,
    }
}

fn is_null(node: &Node) -> bool {
    match &node.node {
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(cast)) => cast.arg.as_deref().is_some_and(is_null),
        _ => false,
    }
}

/// `1 = 1`, `'a' <> 'b'`, `2 > 1`: a comparison of two literals.
fn compare_constants(expr: &AExpr) -> Option<bool> {
    use std::cmp::Ordering;
    if expr.kind != pg_query::protobuf::AExprKind::AexprOp as i32 || expr.name.len() != 1 {
        return None;
    }
    let op = expr.name.first().and_then(string_value)?;
    let literal = |n: Option<&Node>| match n.and_then(|n| n.node.as_ref()) {
        Some(NodeEnum::AConst(c)) if !c.isnull => c.val.clone(),
        _ => None,
    };
    let ordering = match (
        literal(expr.lexpr.as_deref())?,
        literal(expr.rexpr.as_deref())?,
    ) {
        (Val::Ival(a), Val::Ival(b)) => a.ival.cmp(&b.ival),
        (Val::Sval(a), Val::Sval(b)) if a.sval == b.sval => Ordering::Equal,
        (Val::Boolval(a), Val::Boolval(b)) => a.boolval.cmp(&b.boolval),
        _ => return None,
    };
    match op {
        "=" => Some(ordering == Ordering::Equal),
        "<>" | "!=" => Some(ordering != Ordering::Equal),
        "<" => Some(ordering == Ordering::Less),
        ">" => Some(ordering == Ordering::Greater),
        "<=" => Some(ordering != Ordering::Greater),
        ">=" => Some(ordering != Ordering::Less),
        _ => None,
    }
}

/// Finds a reference to the target's row: a column qualified with the
/// target's name, an unqualified column where it can only be the target's, a
/// parameter or `CURRENT OF`. Inside a subquery with its own FROM, an
/// unqualified column is taken as that FROM's (PostgreSQL looks innermost
/// first), and a FROM item named like the target hides it: write correlated
/// references qualified (`t.id`) for them to count as filters.
struct RefersToTarget<'t> {
    target: Option<&'t str>,
    /// Whether an unqualified column may be the target's here.
    unqualified: bool,
    found: bool,
}

impl<'a> Visitor<'a> for RefersToTarget<'_> {
    fn enter(&mut self, node: NodeRef<'a>) -> bool {
        match node {
            NodeRef::ColumnRef(column) => {
                let qualifier = column
                    .fields
                    .len()
                    .checked_sub(2)
                    .and_then(|i| column.fields.get(i))
                    .and_then(string_value);
                let found = match qualifier {
                    Some(name) => Some(name) == self.target,
                    None if column.fields.len() >= 2 => true,
                    None => self.unqualified,
                };
                self.found |= found;
            }
            NodeRef::ParamRef(_) | NodeRef::CurrentOfExpr(_) => self.found = true,
            NodeRef::SelectStmt(select) if !select.from_clause.is_empty() => {
                let mut names = Vec::new();
                from_names(&select.from_clause, &mut names);
                let mut inner = RefersToTarget {
                    target: self.target.filter(|t| !names.contains(t)),
                    unqualified: false,
                    found: false,
                };
                walk_children(&mut inner, node);
                self.found |= inner.found;
                return false;
            }
            _ => {}
        }
        !self.found
    }
}

/// The names a FROM list declares: aliases, else table names.
fn from_names<'a>(items: &'a [Node], names: &mut Vec<&'a str>) {
    for item in items {
        match &item.node {
            Some(NodeEnum::RangeVar(r)) => names.push(match &r.alias {
                Some(alias) => alias.aliasname.as_str(),
                None => r.relname.as_str(),
            }),
            Some(NodeEnum::RangeSubselect(r)) => {
                names.extend(r.alias.as_ref().map(|a| a.aliasname.as_str()))
            }
            Some(NodeEnum::RangeFunction(r)) => {
                names.extend(r.alias.as_ref().map(|a| a.aliasname.as_str()))
            }
            Some(NodeEnum::JoinExpr(j)) => {
                names.extend(j.alias.as_ref().map(|a| a.aliasname.as_str()));
                for side in [j.larg.as_deref(), j.rarg.as_deref()].into_iter().flatten() {
                    from_names(std::slice::from_ref(side), names);
                }
            }
            _ => {}
        }
    }
}
