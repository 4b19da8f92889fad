//! The hook's rule IDs, defined once (one list below), shown in every block
//! message.

macro_rules! hook_rules {
    ($($(#[$doc:meta])* $variant:ident => $id:literal,)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum HookRule {
            $($(#[$doc])* $variant,)+
        }

        impl HookRule {
            pub const ALL: &'static [HookRule] = &[$(HookRule::$variant,)+];

            pub const fn id(self) -> &'static str {
                match self {
                    $(HookRule::$variant => $id,)+
                }
            }
        }
    };
}

hook_rules! {
    /// A PostgreSQL program in a command position.
    PgClientProgram => "pg-client-program",
    /// A connection URI of any scheme PostgreSQL drivers accept, anywhere.
    PostgresUri => "postgres-uri",
    /// A vendor CLI subcommand that opens psql itself.
    VendorCli => "vendor-psql",
    /// A copy or link of a PostgreSQL program under another name.
    CopiesPgClient => "copies-pg-client",
    /// A command word or code assembled at run time.
    DynamicCommand => "dynamic-command",
    /// Code of another language that runs a client or loads a driver.
    InterpreterRunsPgClient => "interpreter-runs-pg-client",
    /// A mention of a program or driver the hook cannot prove is only data.
    UnprovenMention => "unproven-mention",
    /// A change to one of the guard's own files.
    ProtectedPath => "protected-path",
    /// A read of a secret (pgpass, service file, trust store).
    SecretRead => "secret-read",
    Unparsable => "unparsable-command",
    TooDeep => "too-deep",
    /// A command too large to inspect within the hook's time budget.
    TooLarge => "too-large",
    MalformedInput => "malformed-input",
    McpSql => "mcp-sql",
    /// A database MCP server's call when the configuration cannot be read.
    McpUnverifiable => "mcp-unverifiable",
    AgentConfirm => "agent-confirm",
    /// `dev-postgres trust`, `install` or `uninstall` typed by the agent: a human's decision.
    AgentGuardChange => "agent-guard-change",
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
    fn rule_ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = HookRule::ALL.iter().map(|r| r.id()).collect();
        for id in &ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
        }
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
