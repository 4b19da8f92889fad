//! pg-hook's logic: a Claude Code `PreToolUse` hook that blocks direct
//! PostgreSQL clients and connection URIs however the command is spelled.
//!
//! It fails closed: input it cannot read, a panic, anything unexpected is a
//! block (Claude Code lets a command run when a hook crashes or exits with
//! anything but 2).

mod input;
pub mod programs;
pub mod rules;
pub mod shell;
pub mod words;

pub use input::{parse_input, HookInput, MAX_INPUT_BYTES};
pub use rules::{HookRule, Problem};

use crate::config::{Config, ConfirmDecision};
use serde_json::Value;
use std::path::Path;

/// What the hook answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Exit 0, nothing on stdout: the normal permission flow runs.
    Allow,
    /// Exit 2, the reason on stderr: Claude sees it, nothing overrides it.
    Block(Problem),
    /// Exit 0 with `permissionDecision: "ask"`: the human decides.
    Ask(String),
}

const INSTEAD: &str = "Direct PostgreSQL access is not allowed here: run SQL with `pg-query -c CONNECTION \"SQL\"` (server-side read-only guards, audit log), explore with `pg-schema`, and see the connections with `pg-schema connections`";

impl Decision {
    /// The message for a block: rule, what was found, what to use instead.
    pub fn block_message(problem: &Problem) -> String {
        match problem.rule {
            HookRule::MalformedInput => format!(
                "pg-hook blocked this call [{}]: {}. The hook fails closed when it cannot read its input.",
                problem.rule.id(),
                problem.detail
            ),
            HookRule::AgentConfirm | HookRule::McpSql => {
                format!("pg-hook blocked this call [{}]: {}", problem.rule.id(), problem.detail)
            }
            _ => format!(
                "pg-hook blocked this command [{}]: {}. {INSTEAD}.",
                problem.rule.id(),
                problem.detail
            ),
        }
    }

    /// The JSON Claude Code reads for an ask.
    pub fn ask_json(reason: &str) -> String {
        serde_json::json!({
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "ask",
                "permissionDecisionReason": reason,
            }
        })
        .to_string()
    }
}

fn malformed(detail: impl Into<String>) -> Decision {
    Decision::Block(Problem {
        rule: HookRule::MalformedInput,
        detail: detail.into(),
    })
}

/// Decides on the raw bytes of a hook call.
pub fn decide(bytes: &[u8]) -> Decision {
    let input = match parse_input(bytes) {
        Ok(input) => input,
        Err(why) => return malformed(why),
    };
    let cwd = input.cwd.clone();
    match input.tool_name.as_str() {
        "Bash" | "PowerShell" | "Monitor" => {
            let Some(command) = input.tool_input.get("command") else {
                return malformed(format!("{} input has no command", input.tool_name));
            };
            let Some(command) = command.as_str() else {
                return malformed(format!("{}'s command is not a string", input.tool_name));
            };
            let findings = shell::Shell::analyze(command, &cwd);
            if let Some(problem) = findings.block {
                return Decision::Block(problem);
            }
            if findings.confirm {
                return confirm_decision(&cwd);
            }
            Decision::Allow
        }
        name if name.starts_with("mcp__") => mcp(name, &input.tool_input, &cwd),
        _ => Decision::Allow,
    }
}

/// An agent-typed `pg-query --confirm`: the human decides (or, by config, nobody).
fn confirm_decision(cwd: &Path) -> Decision {
    // A configuration that cannot be read cannot say "ask": deny.
    let choice = Config::load(None, cwd).map_or(ConfirmDecision::Deny, |c| c.hook.confirm);
    match choice {
        ConfirmDecision::Ask => Decision::Ask(
            "The agent wants to run a destructive statement with `pg-query --confirm`. Allow it only if you meant it; you can also run it yourself by typing `! pg-query --confirm …`.".into(),
        ),
        ConfirmDecision::Deny => Decision::Block(Problem {
            rule: HookRule::AgentConfirm,
            detail: "`pg-query --confirm` runs destructive statements and is for humans only: ask the user to run it themselves by typing `! pg-query --confirm …` in Claude Code".into(),
        }),
    }
}

/// MCP tools of database servers: classify the SQL they carry.
fn mcp(tool: &str, tool_input: &Value, cwd: &Path) -> Decision {
    let server = tool
        .strip_prefix("mcp__")
        .and_then(|rest| rest.split("__").next())
        .unwrap_or_default();
    // Fail closed: a configuration that cannot be read, or that no human
    // trusted, cannot say which servers are safe.
    let config = match Config::load(None, cwd) {
        Ok(config) => config,
        Err(error) => {
            return Decision::Block(Problem {
                rule: HookRule::McpSql,
                detail: format!(
                    "MCP tool {tool}: the dev-postgres configuration cannot be used ({error}), so its SQL cannot be judged"
                ),
            })
        }
    };
    if !server_matches(server, &config.hook.mcp_servers) {
        return Decision::Allow;
    }
    let Some(object) = tool_input.as_object() else {
        return Decision::Allow;
    };
    for key in ["sql", "query", "statement"] {
        let Some(sql) = object.get(key).and_then(Value::as_str) else {
            continue;
        };
        let mode = config.hook.mcp_mode;
        let analysis = crate::sql::classify(sql, mode);
        if analysis.verdict() != crate::sql::Verdict::Allowed {
            let reason = analysis
                .primary()
                .map(|f| format!("[{}] {}", f.rule.id(), f.reason))
                .unwrap_or_default();
            return Decision::Block(Problem {
                rule: HookRule::McpSql,
                detail: format!(
                    "the SQL this MCP tool ({tool}) would run is not allowed in {mode} mode: {reason}. Use pg-query, which guards the session on the server and logs every attempt"
                ),
            });
        }
    }
    Decision::Allow
}

/// Whether an MCP server's name matches one of the patterns: a pattern with
/// `*` is a glob over the whole name; otherwise it must equal the name or one
/// of its words (`postgres-mcp` has the words `postgres` and `mcp`).
pub fn server_matches(server: &str, patterns: &[String]) -> bool {
    let server = server.to_lowercase();
    let words: Vec<&str> = server
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    patterns.iter().any(|pattern| {
        let pattern = pattern.to_lowercase();
        if pattern.contains('*') {
            words::glob_matches(&pattern, &server)
        } else {
            server == pattern || words.contains(&pattern.as_str())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcp_servers_match_by_word_not_substring() {
        let patterns: Vec<String> = ["postgres", "pg", "db", "*supa*"]
            .map(String::from)
            .to_vec();
        for (server, expected) in [
            ("postgres", true),
            ("postgres-mcp", true),
            ("my_pg", true),
            ("app-db", true),
            ("mongodb", false),
            ("pgvector", false),
            ("supabase", true),
            ("github", false),
        ] {
            assert_eq!(server_matches(server, &patterns), expected, "{server}");
        }
    }
}
