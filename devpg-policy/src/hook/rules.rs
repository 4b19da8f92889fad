//! The hook's rule IDs, defined once, shown in every block message.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookRule {
    PgClientProgram,
    PostgresUri,
    VendorCli,
    CopiesPgClient,
    DynamicCommand,
    InterpreterRunsPgClient,
    Unparsable,
    TooDeep,
    MalformedInput,
    McpSql,
    AgentConfirm,
}

impl HookRule {
    pub const ALL: &'static [HookRule] = &[
        HookRule::PgClientProgram,
        HookRule::PostgresUri,
        HookRule::VendorCli,
        HookRule::CopiesPgClient,
        HookRule::DynamicCommand,
        HookRule::InterpreterRunsPgClient,
        HookRule::Unparsable,
        HookRule::TooDeep,
        HookRule::MalformedInput,
        HookRule::McpSql,
        HookRule::AgentConfirm,
    ];

    pub const fn id(self) -> &'static str {
        match self {
            HookRule::PgClientProgram => "pg-client-program",
            HookRule::PostgresUri => "postgres-uri",
            HookRule::VendorCli => "vendor-psql",
            HookRule::CopiesPgClient => "copies-pg-client",
            HookRule::DynamicCommand => "dynamic-command",
            HookRule::InterpreterRunsPgClient => "interpreter-runs-pg-client",
            HookRule::Unparsable => "unparsable-command",
            HookRule::TooDeep => "too-deep",
            HookRule::MalformedInput => "malformed-input",
            HookRule::McpSql => "mcp-sql",
            HookRule::AgentConfirm => "agent-confirm",
        }
    }
}

/// Why a command is blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub rule: HookRule,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = HookRule::ALL.iter().map(|r| r.id()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
