//! Class rules: what kind of statement this is, and which modes allow its
//! class at all. What a statement *holds* is judged by the inspector.

use super::rules::Rule;
use super::walk::node_kind;
use crate::mode::Mode;
use pg_query::NodeRef;

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
    pub(crate) fn of(node: NodeRef<'_>) -> Self {
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
    pub(crate) fn rule(self) -> Rule {
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

    pub(crate) fn describe(self) -> &'static str {
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

/// The kind shown to people: the node's name, with friendlier names for the common ones.
pub(crate) fn statement_kind(node: NodeRef<'_>) -> &'static str {
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
