//! The rules: statement classes per mode, and the walk over every node.

use super::functions::side_effect;
use super::plpgsql;
use super::report::{Analysis, Finding, Statement};
use super::rules::{Rule, Verdict};
use super::walk::{node_kind, walk_enum, Visitor};
use crate::mode::Mode;
use crate::text::table_lines;
use pg_query::protobuf::{
    AlterPublicationAction, AlterSubscriptionType, AlterTableType, AlterTsConfigType, DropBehavior,
    ExplainStmt, Node, Token,
};
use pg_query::{NodeEnum, NodeRef};

const SENSITIVE_SETTINGS: &str = include_str!("sensitive_settings.txt");
/// How deep DO blocks may nest inside DO blocks before the body counts as unreadable.
const MAX_DO_DEPTH: usize = 4;

/// What a statement is, as far as the decision per mode goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementClass {
    /// SELECT, VALUES, TABLE.
    Read,
    Show,
    Explain,
    /// INSERT, UPDATE, DELETE, MERGE.
    Write,
    /// CREATE, ALTER, DROP, COMMENT, … on schema objects.
    Ddl,
    /// GRANT, REVOKE, roles, ownership.
    Privilege,
    Transaction,
    /// SET, RESET, SET ROLE, DISCARD, SET CONSTRAINTS.
    Session,
    Copy,
    /// DO, CALL.
    Procedural,
    /// PREPARE, EXECUTE, DEALLOCATE.
    Prepared,
    /// DECLARE, FETCH, MOVE, CLOSE.
    Cursor,
    /// LISTEN, UNLISTEN, NOTIFY.
    Notification,
    Lock,
    /// VACUUM, ANALYZE, CLUSTER, REINDEX, CHECKPOINT, REFRESH MATERIALIZED VIEW.
    Maintenance,
    /// ALTER SYSTEM, LOAD.
    Administration,
}

impl StatementClass {
    fn of(node: NodeRef<'_>) -> Self {
        use StatementClass::*;
        match node {
            NodeRef::SelectStmt(_) => Read,
            NodeRef::VariableShowStmt(_) => Show,
            NodeRef::ExplainStmt(_) => Explain,
            NodeRef::InsertStmt(_)
            | NodeRef::UpdateStmt(_)
            | NodeRef::DeleteStmt(_)
            | NodeRef::MergeStmt(_) => Write,
            NodeRef::TransactionStmt(_) => Transaction,
            NodeRef::VariableSetStmt(_)
            | NodeRef::DiscardStmt(_)
            | NodeRef::ConstraintsSetStmt(_) => Session,
            NodeRef::CopyStmt(_) => Copy,
            NodeRef::DoStmt(_) | NodeRef::CallStmt(_) => Procedural,
            NodeRef::PrepareStmt(_) | NodeRef::ExecuteStmt(_) | NodeRef::DeallocateStmt(_) => {
                Prepared
            }
            NodeRef::DeclareCursorStmt(_) | NodeRef::FetchStmt(_) | NodeRef::ClosePortalStmt(_) => {
                Cursor
            }
            NodeRef::ListenStmt(_) | NodeRef::UnlistenStmt(_) | NodeRef::NotifyStmt(_) => {
                Notification
            }
            NodeRef::LockStmt(_) => Lock,
            NodeRef::VacuumStmt(_)
            | NodeRef::ClusterStmt(_)
            | NodeRef::ReindexStmt(_)
            | NodeRef::CheckPointStmt(_)
            | NodeRef::RefreshMatViewStmt(_) => Maintenance,
            NodeRef::AlterSystemStmt(_) | NodeRef::LoadStmt(_) => Administration,
            NodeRef::GrantStmt(_)
            | NodeRef::GrantRoleStmt(_)
            | NodeRef::AlterDefaultPrivilegesStmt(_)
            | NodeRef::CreateRoleStmt(_)
            | NodeRef::AlterRoleStmt(_)
            | NodeRef::AlterRoleSetStmt(_)
            | NodeRef::DropRoleStmt(_)
            | NodeRef::ReassignOwnedStmt(_)
            | NodeRef::DropOwnedStmt(_)
            | NodeRef::AlterOwnerStmt(_) => Privilege,
            // Everything else changes the schema or the server: an allow-list
            // must not let an unknown kind through.
            _ => Ddl,
        }
    }

    /// The rule that blocks this class where a mode does not allow it.
    fn rule(self) -> Rule {
        use StatementClass::*;
        match self {
            Read | Show | Explain | Write => Rule::WriteStatement,
            Ddl => Rule::DdlStatement,
            Privilege => Rule::PrivilegeStatement,
            Transaction => Rule::TransactionControl,
            Session => Rule::SessionSetting,
            Copy => Rule::CopyStatement,
            Procedural => Rule::ProceduralCode,
            Prepared => Rule::PreparedStatement,
            Cursor => Rule::CursorStatement,
            Notification => Rule::Notification,
            Lock => Rule::LockStatement,
            Maintenance => Rule::MaintenanceStatement,
            Administration => Rule::ServerAdministration,
        }
    }

    fn describe(self) -> &'static str {
        use StatementClass::*;
        match self {
            Read | Show | Explain => "reads",
            Write => "changes data",
            Ddl => "changes the schema",
            Privilege => "changes roles or privileges",
            Transaction => "controls the transaction, which dev-postgres owns",
            Session => "changes session settings, which dev-postgres owns",
            Copy => "copies data to or from files, programs or the client",
            Procedural => "runs procedural code",
            Prepared => "uses prepared statements, which would outlive the check",
            Cursor => "uses a cursor",
            Notification => "sends or listens for notifications",
            Lock => "takes explicit locks",
            Maintenance => "runs maintenance that writes or holds locks",
            Administration => "administers the server",
        }
    }
}

/// Whether `mode` allows statements of `class` at all. One exhaustive match:
/// what a statement *holds* is judged by the walk afterwards.
pub fn decide(mode: Mode, class: StatementClass) -> bool {
    use StatementClass::*;
    match (mode, class) {
        (_, Read | Show | Explain) => true,
        (Mode::Dml | Mode::ReadWrite, Write) => true,
        (Mode::ReadWrite, _) => true,
        (Mode::ReadOnly, Write) => false,
        (
            Mode::ReadOnly | Mode::Dml,
            Ddl | Privilege | Transaction | Session | Copy | Procedural | Prepared | Cursor
            | Notification | Lock | Maintenance | Administration,
        ) => false,
    }
}

/// Stack for classification: the walk recurses once per tree level, and the
/// parser accepts trees deep enough to overflow a small thread stack.
const CLASSIFY_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Classifies every statement of `sql` for `mode`.
pub fn classify(sql: &str, mode: Mode) -> Analysis {
    let run = || classify_nested(sql, mode, 0);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("classify".into())
            .stack_size(CLASSIFY_STACK_BYTES)
            .spawn_scoped(scope, run)
            .ok()
            .and_then(|handle| handle.join().ok())
    })
    .unwrap_or_else(|| Analysis {
        mode,
        statements: vec![whole_input(
            sql,
            "unparsed",
            Rule::ParseError,
            "the SQL could not be classified (internal error): blocked to be safe".into(),
            0,
        )],
    })
}

fn classify_nested(sql: &str, mode: Mode, do_depth: usize) -> Analysis {
    let statements = if sql.contains('\0') {
        vec![whole_input(
            sql,
            "unparsed",
            Rule::ParseError,
            "the input contains a NUL character, which is not SQL".into(),
            sql.find('\0').unwrap_or(0),
        )]
    } else {
        match pg_query::parse(sql, 0) {
            Ok(parsed) if parsed.protobuf.stmts.is_empty() => vec![whole_input(
                sql,
                "empty",
                Rule::EmptyInput,
                "no SQL statement found (empty or only comments): nothing to allow".into(),
                0,
            )],
            Ok(parsed) => parsed
                .protobuf
                .stmts
                .iter()
                .map(|raw| {
                    let start = usize::try_from(raw.stmt_location).unwrap_or(0);
                    let len = usize::try_from(raw.stmt_len).unwrap_or(0);
                    let end = if len == 0 { sql.len() } else { start + len };
                    let (start, end) = trim_statement(sql, start, end);
                    let node = raw.stmt.as_deref();
                    judge_statement(node, mode, start, end, do_depth)
                })
                .collect(),
            Err(error) => vec![unparsable(sql, &error)],
        }
    };
    Analysis { mode, statements }
}

fn whole_input(
    sql: &str,
    kind: &'static str,
    rule: Rule,
    reason: String,
    offset: usize,
) -> Statement {
    let (start, end) = trim_statement(sql, 0, sql.len());
    Statement {
        kind,
        class: None,
        start: start.min(offset),
        end: end.max(start.min(offset)),
        findings: vec![Finding {
            verdict: Verdict::Blocked,
            rule,
            reason,
            offset,
        }],
    }
}

fn judge_statement(
    node: Option<&Node>,
    mode: Mode,
    start: usize,
    end: usize,
    do_depth: usize,
) -> Statement {
    let Some(node) = node.and_then(|n| n.node.as_ref()) else {
        return Statement {
            kind: "empty",
            class: None,
            start,
            end,
            findings: vec![Finding {
                verdict: Verdict::Blocked,
                rule: Rule::EmptyInput,
                reason: "empty statement".into(),
                offset: start,
            }],
        };
    };
    let top = node.to_ref();
    let class = StatementClass::of(top);
    let kind = statement_kind(top);
    let mut findings = Vec::new();
    if !decide(mode, class) {
        findings.push(Finding {
            verdict: Verdict::Blocked,
            rule: class.rule(),
            reason: format!(
                "{} {}: not allowed on a {mode} connection",
                kind.to_uppercase().replace('-', " "),
                class.describe()
            ),
            offset: start,
        });
    }
    let mut inspector = Inspector {
        mode,
        top: node,
        executes: true,
        statement_offset: start,
        do_depth,
        findings,
    };
    walk_enum(&mut inspector, node);
    Statement {
        kind,
        class: Some(class),
        start,
        end,
        findings: inspector.findings,
    }
}

/// The kind shown to people: the node's name, with friendlier names for the common ones.
fn statement_kind(node: NodeRef<'_>) -> &'static str {
    match node {
        NodeRef::SelectStmt(s) if !s.values_lists.is_empty() => "values",
        NodeRef::VariableSetStmt(_) => "set",
        NodeRef::VariableShowStmt(_) => "show",
        NodeRef::CreateStmt(_) => "create-table",
        NodeRef::CreateTableAsStmt(_) => "create-table-as",
        NodeRef::TransactionStmt(t) => transaction_kind(t.kind),
        NodeRef::VacuumStmt(s) if !s.is_vacuumcmd => "analyze",
        other => node_kind(other),
    }
}

fn transaction_kind(kind: i32) -> &'static str {
    use pg_query::protobuf::TransactionStmtKind::*;
    let kinds = [
        (TransStmtBegin, "begin"),
        (TransStmtStart, "start-transaction"),
        (TransStmtCommit, "commit"),
        (TransStmtRollback, "rollback"),
        (TransStmtSavepoint, "savepoint"),
        (TransStmtRelease, "release-savepoint"),
        (TransStmtRollbackTo, "rollback-to-savepoint"),
        (TransStmtPrepare, "prepare-transaction"),
        (TransStmtCommitPrepared, "commit-prepared"),
        (TransStmtRollbackPrepared, "rollback-prepared"),
    ];
    kinds
        .iter()
        .find(|(k, _)| *k as i32 == kind)
        .map_or("transaction", |(_, name)| name)
}

/// Walks one statement's tree and records what it holds.
struct Inspector<'a> {
    mode: Mode,
    top: &'a NodeEnum,
    /// False below EXPLAIN without ANALYZE, in function bodies and view
    /// definitions: what is there is planned or stored, not run now.
    executes: bool,
    statement_offset: usize,
    do_depth: usize,
    findings: Vec<Finding>,
}

impl<'a> Inspector<'a> {
    fn block(&mut self, rule: Rule, reason: String, offset: Option<i32>) {
        self.push(Verdict::Blocked, rule, reason, offset);
    }

    fn destructive(&mut self, rule: Rule, reason: String, offset: Option<i32>) {
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

    fn is_top(&self, node: NodeRef<'_>) -> bool {
        std::ptr::eq(top_ptr(node), top_ptr(self.top.to_ref()))
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

    fn inspect_explain(&mut self, explain: &'a ExplainStmt) {
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

    fn inspect_do(&mut self, args: &[Node]) {
        let mut body = None;
        let mut language = "plpgsql".to_string();
        for arg in args {
            if let Some(NodeEnum::DefElem(def)) = &arg.node {
                let value = def.arg.as_deref().and_then(string_value);
                match (def.defname.as_str(), value) {
                    ("as", Some(v)) => body = Some(v),
                    ("language", Some(v)) => language = v.to_lowercase(),
                    _ => {}
                }
            }
        }
        let unreadable = |why: String| why;
        let outcome = match body {
            None => Err(unreadable("the DO block has no body".into())),
            Some(_) if language != "plpgsql" => Err(format!(
                "the DO block is in language {language}, which cannot be inspected"
            )),
            Some(_) if self.do_depth >= MAX_DO_DEPTH => {
                Err("DO blocks are nested too deeply to inspect".into())
            }
            Some(body) => plpgsql::embedded_sql(body),
        };
        match outcome {
            Err(why) => self.destructive(
                Rule::DoUnreadableBody,
                format!("{why}: what it does cannot be known before it runs"),
                None,
            ),
            Ok(statements) => {
                for sql in statements {
                    let inner = classify_nested(&sql, Mode::ReadWrite, self.do_depth + 1);
                    for statement in inner.statements {
                        for finding in statement.findings {
                            let reason = if finding.rule == Rule::ParseError {
                                format!(
                                    "the DO block holds SQL that cannot be read: {}",
                                    finding.reason
                                )
                            } else {
                                format!("in the DO block: {}", finding.reason)
                            };
                            let rule = if finding.rule == Rule::ParseError {
                                Rule::DoUnreadableBody
                            } else {
                                finding.rule
                            };
                            self.destructive(rule, reason, None);
                        }
                    }
                }
            }
        }
    }
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

impl<'a> Visitor<'a> for Inspector<'a> {
    fn enter(&mut self, node: NodeRef<'a>) -> bool {
        match node {
            NodeRef::SelectStmt(select) => {
                if self.executes {
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
                            "SELECT … FOR UPDATE/SHARE locks rows: not allowed on a read-only connection".into(),
                            None,
                        );
                    }
                }
                true
            }
            NodeRef::InsertStmt(_)
            | NodeRef::UpdateStmt(_)
            | NodeRef::DeleteStmt(_)
            | NodeRef::MergeStmt(_) => {
                if self.executes {
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
                        NodeRef::DeleteStmt(d) if !filters_rows(d.where_clause.as_deref()) => self
                            .destructive(
                                Rule::DeleteWithoutWhere,
                                "DELETE without a WHERE that filters rows removes every row".into(),
                                None,
                            ),
                        NodeRef::UpdateStmt(u) if !filters_rows(u.where_clause.as_deref()) => self
                            .destructive(
                                Rule::UpdateWithoutWhere,
                                "UPDATE without a WHERE that filters rows changes every row".into(),
                                None,
                            ),
                        _ => {}
                    }
                }
                true
            }
            NodeRef::FuncCall(call) => {
                if self.executes {
                    if let Some(name) = call.funcname.last().and_then(string_value) {
                        self.check_function(name, Some(call.args.len()), call.location, "");
                    }
                }
                true
            }
            // `x.f` and `(x).f` are PostgreSQL's functional notation for `f(x)`.
            NodeRef::ColumnRef(column) => {
                if self.executes && column.fields.len() >= 2 {
                    if let Some(name) = column.fields.last().and_then(string_value) {
                        self.check_function(name, Some(1), column.location, " (written x.f)");
                    }
                }
                true
            }
            NodeRef::AIndirection(indirection) => {
                if self.executes {
                    let names: Vec<&str> = indirection
                        .indirection
                        .iter()
                        .filter_map(string_value)
                        .collect();
                    for name in names {
                        self.check_function(name, Some(1), -1, " (written (x).f)");
                    }
                }
                true
            }
            NodeRef::ExplainStmt(explain) => {
                self.inspect_explain(explain);
                false
            }
            NodeRef::CreateFunctionStmt(_) | NodeRef::ViewStmt(_) => {
                // A body or view query is stored, not run: walk it as planned only.
                let saved = self.executes;
                self.executes = false;
                super::walk::walk_children(self, node);
                self.executes = saved;
                false
            }
            NodeRef::DoStmt(d) => {
                if self.executes {
                    self.inspect_do(&d.args);
                }
                false
            }
            NodeRef::VariableShowStmt(show) => {
                if self.mode != Mode::ReadWrite {
                    let name = show.name.to_lowercase();
                    if name == "all" {
                        self.block(
                            Rule::ShowAll,
                            "SHOW ALL reveals the server's file paths and commands; SHOW one setting instead".into(),
                            None,
                        );
                    } else if table_lines(SENSITIVE_SETTINGS).any(|s| s == name) {
                        self.block(
                            Rule::ShowSensitiveSetting,
                            format!(
                                "SHOW {name} reveals the server's files, commands or credentials"
                            ),
                            None,
                        );
                    }
                }
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

impl Inspector<'_> {
    fn check_destructive(&mut self, node: NodeRef<'_>) {
        let kind = node_kind(node);
        if kind.starts_with("drop") {
            self.destructive(
                Rule::Drop,
                format!("{} removes objects", kind.to_uppercase().replace('-', " ")),
                None,
            );
        }
        let cascade = |behavior: i32| behavior == DropBehavior::DropCascade as i32;
        match node {
            NodeRef::DropStmt(d) if cascade(d.behavior) => self.cascade(),
            NodeRef::DropOwnedStmt(d) if cascade(d.behavior) => self.cascade(),
            NodeRef::TruncateStmt(t) => {
                self.destructive(Rule::Truncate, "TRUNCATE removes every row".into(), None);
                if cascade(t.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterTableCmd(cmd) => {
                use AlterTableType::*;
                let drops = [
                    AtDropColumn,
                    AtDropConstraint,
                    AtDropNotNull,
                    AtDropExpression,
                    AtDropIdentity,
                ];
                if drops.iter().any(|t| *t as i32 == cmd.subtype)
                    || (cmd.subtype == AtColumnDefault as i32 && cmd.def.is_none())
                {
                    self.destructive(
                        Rule::AlterDrop,
                        "ALTER … DROP removes a column, constraint, default or property".into(),
                        None,
                    );
                }
                if cmd.subtype == AtChangeOwner as i32 {
                    self.owner_change();
                }
                if cascade(cmd.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterDomainStmt(d) => {
                if d.subtype == "X" || d.subtype == "N" || (d.subtype == "T" && d.def.is_none()) {
                    self.destructive(
                        Rule::AlterDrop,
                        "ALTER DOMAIN … DROP removes a constraint or default".into(),
                        None,
                    );
                }
                if cascade(d.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterExtensionContentsStmt(a) if a.action < 0 => {
                self.alter_drop("ALTER EXTENSION … DROP")
            }
            NodeRef::AlterPublicationStmt(a)
                if a.action == AlterPublicationAction::ApDropObjects as i32 =>
            {
                self.alter_drop("ALTER PUBLICATION … DROP")
            }
            NodeRef::AlterOpFamilyStmt(a) if a.is_drop => {
                self.alter_drop("ALTER OPERATOR FAMILY … DROP")
            }
            NodeRef::AlterTsconfigurationStmt(a)
                if a.kind == AlterTsConfigType::AlterTsconfigDropMapping as i32 =>
            {
                self.alter_drop("ALTER TEXT SEARCH CONFIGURATION … DROP MAPPING")
            }
            NodeRef::AlterSubscriptionStmt(a)
                if a.kind == AlterSubscriptionType::AlterSubscriptionDropPublication as i32 =>
            {
                self.alter_drop("ALTER SUBSCRIPTION … DROP PUBLICATION")
            }
            NodeRef::AlterRoleStmt(a) if a.action < 0 => self.alter_drop("ALTER GROUP … DROP USER"),
            NodeRef::GrantStmt(g) => {
                if !g.is_grant {
                    self.revoke();
                }
                if cascade(g.behavior) {
                    self.cascade();
                }
            }
            NodeRef::GrantRoleStmt(g) => {
                if !g.is_grant {
                    self.revoke();
                }
                if cascade(g.behavior) {
                    self.cascade();
                }
            }
            NodeRef::AlterOwnerStmt(_) | NodeRef::ReassignOwnedStmt(_) => self.owner_change(),
            _ => {}
        }
    }

    fn cascade(&mut self) {
        self.destructive(
            Rule::Cascade,
            "CASCADE also removes every object that depends on it".into(),
            None,
        );
    }

    fn alter_drop(&mut self, what: &str) {
        self.destructive(
            Rule::AlterDrop,
            format!("{what} removes part of an object"),
            None,
        );
    }

    fn revoke(&mut self) {
        self.destructive(Rule::Revoke, "REVOKE takes privileges away".into(), None);
    }

    fn owner_change(&mut self) {
        self.destructive(
            Rule::OwnerChange,
            "changing an owner hands over control of objects".into(),
            None,
        );
    }
}

/// Whether a WHERE clause can tell rows apart. One that refers to no column,
/// parameter, cursor or subquery (`WHERE true`, `WHERE 1 = 1`) is constant:
/// it matches every row or none, so it counts as no WHERE at all.
fn filters_rows(clause: Option<&Node>) -> bool {
    struct RowDependent(bool);
    impl<'a> Visitor<'a> for RowDependent {
        fn enter(&mut self, node: NodeRef<'a>) -> bool {
            if matches!(
                node,
                NodeRef::ColumnRef(_)
                    | NodeRef::ParamRef(_)
                    | NodeRef::CurrentOfExpr(_)
                    | NodeRef::SubLink(_)
            ) {
                self.0 = true;
            }
            !self.0
        }
    }
    let Some(node) = clause.and_then(|c| c.node.as_ref()) else {
        return false;
    };
    let mut found = RowDependent(false);
    walk_enum(&mut found, node);
    found.0
}

/// Whether EXPLAIN's options turn ANALYZE on. Anything but an explicit
/// false/off/0 counts as on: the server would reject the rest anyway.
fn explain_analyzes(options: &[Node]) -> bool {
    options.iter().any(|option| {
        let Some(NodeEnum::DefElem(def)) = &option.node else {
            return false;
        };
        if !def.defname.eq_ignore_ascii_case("analyze") {
            return false;
        }
        match def.arg.as_deref().and_then(|a| a.node.as_ref()) {
            None => true,
            Some(NodeEnum::Integer(i)) => i.ival != 0,
            Some(NodeEnum::Boolean(b)) => b.boolval,
            Some(NodeEnum::String(s)) => {
                !(s.sval.eq_ignore_ascii_case("false") || s.sval.eq_ignore_ascii_case("off"))
            }
            Some(_) => true,
        }
    })
}

fn string_value(node: &Node) -> Option<&str> {
    match &node.node {
        Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
        _ => None,
    }
}

/// Trims whitespace and comments before, and whitespace and `;` after, a statement.
fn trim_statement(sql: &str, start: usize, end: usize) -> (usize, usize) {
    let end = end.min(sql.len());
    let start = skip_space_and_comments(sql, start.min(end)).min(end);
    let text = sql.get(start..end).unwrap_or_default();
    let trimmed = text.trim_end_matches(|c: char| c.is_whitespace() || c == ';');
    (start, start + trimmed.len())
}

fn skip_space_and_comments(sql: &str, mut at: usize) -> usize {
    let bytes = sql.as_bytes();
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if bytes[at..].starts_with(b"--") {
            at = sql[at..].find('\n').map_or(sql.len(), |i| at + i + 1);
        } else if bytes[at..].starts_with(b"/*") {
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if bytes[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            at = i;
        } else {
            return at;
        }
    }
}

/// Input the parser rejects: blocked in every mode, with the parser's message
/// and where it stopped. psql meta-commands get their own rule.
fn unparsable(sql: &str, error: &pg_query::Error) -> Statement {
    if let Some(offset) = meta_command_offset(sql) {
        let command: String = sql[offset..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        return whole_input(
            sql,
            "psql-meta-command",
            Rule::PsqlMetaCommand,
            format!("{command} is a psql meta-command, not SQL: it would run outside the database's control"),
            offset,
        );
    }
    let message = match error {
        pg_query::Error::Parse(message) => message.clone(),
        other => other.to_string(),
    };
    let offset = error_offset(sql, &message);
    whole_input(
        sql,
        "unparsed",
        Rule::ParseError,
        format!("the SQL does not parse: {message}"),
        offset,
    )
}

/// Where a backslash stands outside literals and comments: psql would take it
/// as a meta-command (`\!`, `\copy`, `\gexec`, `\set`, …).
fn meta_command_offset(sql: &str) -> Option<usize> {
    if let Ok(scan) = pg_query::scan(sql) {
        return scan
            .tokens
            .iter()
            .find(|t| t.token == Token::Ascii92 as i32)
            .and_then(|t| usize::try_from(t.start).ok());
    }
    // The scanner failed (an unterminated literal, say): a line that starts
    // with a backslash is still a meta-command.
    let mut offset = 0;
    for line in sql.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start().starts_with('\\') {
            return Some(offset + indent);
        }
        offset += line.len();
    }
    None
}

/// Where the parser stopped. The parser's cursor position is not exposed by
/// pg_query, so find the first token at which a prefix of the input stops
/// being a valid beginning of SQL (a prefix that is only incomplete fails
/// "at end of input").
fn error_offset(sql: &str, message: &str) -> usize {
    let fallback = || {
        near_snippet(message)
            .and_then(|snippet| sql.find(snippet))
            .unwrap_or_else(|| skip_space_and_comments(sql, 0).min(sql.len()))
    };
    if message.ends_with("at end of input") {
        return sql.trim_end().len();
    }
    let Ok(scan) = pg_query::scan(sql) else {
        return fallback();
    };
    let ends: Vec<(usize, usize)> = scan
        .tokens
        .iter()
        .filter_map(|t| Some((usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?)))
        .filter(|(_, end)| *end <= sql.len())
        .collect();
    let fails_within = |k: usize| -> bool {
        let Some(prefix) = sql.get(..ends[k].1) else {
            return true;
        };
        match pg_query::parse(prefix, 0) {
            Ok(_) => false,
            Err(pg_query::Error::Parse(m)) => !m.ends_with("at end of input"),
            Err(_) => true,
        }
    };
    let (mut lo, mut hi) = (0, ends.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails_within(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    ends.get(lo).map_or_else(fallback, |(start, _)| *start)
}

/// The `X` of a parser message `… at or near "X"`.
fn near_snippet(message: &str) -> Option<&str> {
    let rest = message.split("at or near \"").nth(1)?;
    rest.strip_suffix('"').filter(|s| !s.is_empty())
}
