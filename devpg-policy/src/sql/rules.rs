//! Every reason a statement is blocked or needs confirmation has a stable
//! kebab-case rule ID, defined here once and shown in messages, JSON and audit lines.

/// How strict a finding is. Ordered: the strictest verdict wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Allowed,
    /// Runs only with `--confirm`.
    Destructive,
    Blocked,
}

impl Verdict {
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Destructive => "destructive",
            Verdict::Blocked => "blocked",
        }
    }
}

macro_rules! rules {
    ($($variant:ident => $id:literal,)*) => {
        /// A stable rule ID.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule { $($variant,)* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub const fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }
        }
    };
}

rules! {
    // Input that cannot be judged.
    ParseError => "parse-error",
    PsqlMetaCommand => "psql-meta-command",
    EmptyInput => "empty-input",
    // Statement classes a mode does not allow.
    WriteStatement => "write-statement",
    DdlStatement => "ddl-statement",
    PrivilegeStatement => "privilege-statement",
    TransactionControl => "transaction-control",
    SessionSetting => "session-setting",
    CopyStatement => "copy-statement",
    ProceduralCode => "procedural-code",
    PreparedStatement => "prepared-statement",
    CursorStatement => "cursor-statement",
    Notification => "notification",
    LockStatement => "lock-statement",
    MaintenanceStatement => "maintenance-statement",
    ServerAdministration => "server-administration",
    // What a statement holds.
    SelectInto => "select-into",
    LockingClause => "locking-clause",
    DataModifyingStatement => "data-modifying-statement",
    SideEffectFunction => "side-effect-function",
    VolatileFunction => "volatile-function",
    ExplainAnalyzeNotSelect => "explain-analyze-not-select",
    ExplainExecute => "explain-execute",
    ShowAll => "show-all",
    ShowSensitiveSetting => "show-sensitive-setting",
    // Destructive: needs --confirm.
    Drop => "drop",
    Truncate => "truncate",
    DeleteWithoutWhere => "delete-without-where",
    UpdateWithoutWhere => "update-without-where",
    MergeEveryRow => "merge-every-row",
    AlterDrop => "alter-drop",
    Cascade => "cascade",
    Revoke => "revoke",
    OwnerChange => "owner-change",
    DoUnreadableBody => "do-unreadable-body",
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut seen = HashSet::new();
        for rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "duplicate rule id {id}");
            assert!(
                id.split('-').all(|w| !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
                "{id} is not kebab-case"
            );
        }
    }

    #[test]
    fn verdicts_order_from_allowed_to_blocked() {
        assert!(Verdict::Allowed < Verdict::Destructive);
        assert!(Verdict::Destructive < Verdict::Blocked);
    }
}
