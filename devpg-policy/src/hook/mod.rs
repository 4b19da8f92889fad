//! pg-hook's logic: a Claude Code `PreToolUse` hook that blocks direct
//! PostgreSQL clients and connection URIs however the command is spelled,
//! and any mention of a PostgreSQL program or driver it cannot prove is
//! only data (`shell`, `data_positions.txt`); that guards the guard's own
//! files against the edit tools and Bash (`shell::protect`); and that
//! classifies the SQL of database MCP tools (`mcp`).
//!
//! It fails closed: input it cannot read, a panic, anything unexpected is a
//! block (Claude Code lets a command run when a hook crashes or exits with
//! anything but 2).
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod agents;
pub mod data;
mod input;
pub mod mcp;
pub mod mention;
mod powershell;
pub mod programs;
mod record;
pub mod rules;
pub mod runners;
pub mod shell;
pub mod words;

pub use input::{parse_input, HookInput, MAX_INPUT_BYTES};
pub use mcp::server_matches;
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
            HookRule::AgentConfirm
            | HookRule::McpSql
            | HookRule::McpUnverifiable
            | HookRule::ProtectedPath
            | HookRule::SecretRead => {
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
    let decision = decide_input(&input);
    if let Decision::Block(problem) = &decision {
        // The agent's attempt is recorded where the project's runs are.
        record::block(&input, problem);
    }
    decision
}

fn decide_input(input: &HookInput) -> Decision {
    let cwd = input.cwd.clone();
    match input.tool_name.as_str() {
        tool @ ("Bash" | "PowerShell" | "Monitor") => {
            let Some(command) = input.tool_input.get("command") else {
                return malformed(format!("{tool} input has no command"));
            };
            let Some(command) = command.as_str() else {
                return malformed(format!("{tool}'s command is not a string"));
            };
            let (block, confirm) = if tool == "PowerShell" {
                let findings = powershell::analyze(command);
                (findings.block, findings.confirm)
            } else {
                let findings = shell::Shell::analyze(command, &cwd);
                (findings.block, findings.confirm)
            };
            if let Some(problem) = block {
                if problem.rule == HookRule::UnprovenMention && allowed_by_human(command, &cwd) {
                    return Decision::Allow;
                }
                return Decision::Block(problem);
            }
            if confirm {
                return confirm_decision(&cwd);
            }
            Decision::Allow
        }
        "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => {
            edit_tool(&input.tool_name, &input.tool_input, &cwd)
        }
        "Read" | "Grep" | "Glob" | "NotebookRead" => {
            read_tool(&input.tool_name, &input.tool_input, &cwd)
        }
        name if name.starts_with("mcp__") => mcp::decide(name, &input.tool_input, &cwd),
        // Codex's `apply_patch`: the files its patch adds, updates, deletes or moves.
        "apply_patch" => {
            let mut texts = Vec::new();
            strings_in(&input.tool_input, &mut texts);
            let targets: Vec<&str> = texts.iter().flat_map(|t| patch_targets(t)).collect();
            guard_paths("apply_patch", &targets, &cwd)
        }
        // Other agents' file tools (`write_file`, `replace`, `edit`, `create`):
        // by what their names say they do.
        name => {
            let lower = name.to_ascii_lowercase();
            let paths = tool_paths(&input.tool_input);
            if [
                "write", "edit", "replace", "create", "patch", "delete", "move",
            ]
            .iter()
            .any(|verb| lower.contains(verb))
            {
                guard_paths(name, &paths, &cwd)
            } else if lower.contains("read") {
                read_tool(name, &input.tool_input, &cwd)
            } else {
                Decision::Allow
            }
        }
    }
}

/// Every string in a JSON value.
fn strings_in<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::String(text) => out.push(text),
        Value::Array(items) => items.iter().for_each(|i| strings_in(i, out)),
        Value::Object(map) => map.values().for_each(|v| strings_in(v, out)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The files a Codex patch names (`*** Update File: PATH` …).
fn patch_targets(patch: &str) -> Vec<&str> {
    const MARKERS: &[&str] = &[
        "*** Add File: ",
        "*** Delete File: ",
        "*** Move to: ",
        "*** Update File: ",
    ];
    patch
        .lines()
        .filter_map(|line| {
            MARKERS
                .iter()
                .find_map(|m| line.trim_start().strip_prefix(m))
        })
        .map(str::trim)
        .collect()
}

/// The path fields of the file tools (Claude Code's, Gemini's, Copilot's).
const PATH_FIELDS: &[&str] = &[
    "absolute_path",
    "filePath",
    "file_path",
    "notebook_path",
    "path",
];

fn tool_paths(tool_input: &Value) -> Vec<&str> {
    PATH_FIELDS
        .iter()
        .filter_map(|f| tool_input.get(f).and_then(Value::as_str))
        .collect()
}

/// The edit tools may not change the guard's own files.
fn edit_tool(tool: &str, tool_input: &Value, cwd: &Path) -> Decision {
    let paths = tool_paths(tool_input);
    if paths.is_empty() {
        return malformed(format!("{tool} input has no file path"));
    }
    guard_paths(tool, &paths, cwd)
}

/// Blocks a change to any of `paths` that is one of the guard's files.
fn guard_paths(tool: &str, paths: &[&str], cwd: &Path) -> Decision {
    if paths.is_empty() {
        return Decision::Allow;
    }
    let log = shell::configured_log(cwd);
    for &path in paths {
        let configured = log
            .as_deref()
            .is_some_and(|log| shell::is_configured_log(path, cwd, log));
        if shell::protection(path, cwd).is_some() || configured {
            return Decision::Block(Problem {
                rule: HookRule::ProtectedPath,
                detail: format!(
                    "{tool} would change {path}, one of the guard's own files (configuration, trust store, audit log, binaries, skill, Claude Code settings); a human changes these, then runs `dev-postgres trust`"
                ),
            });
        }
    }
    Decision::Allow
}

/// The read tools may not read the secrets.
fn read_tool(tool: &str, tool_input: &Value, cwd: &Path) -> Decision {
    for path in tool_paths(tool_input) {
        if shell::protection(path, cwd) == Some(shell::Protection::Secret) {
            return Decision::Block(Problem {
                rule: HookRule::SecretRead,
                detail: format!(
                    "{tool} would read {path}, which holds secrets (passwords, service entries or the trust store)"
                ),
            });
        }
    }
    Decision::Allow
}

/// `hook.allow` in the configuration: exact commands, or prefixes ending in `*`.
fn allowed_by_human(command: &str, cwd: &Path) -> bool {
    let Ok(config) = Config::load(None, cwd) else {
        return false;
    };
    let command = command.trim();
    // A prefix covers one simple command, never what follows `;`, `|`, `$(`…
    let simple = !command.contains([';', '&', '|', '\n', '`', '$', '<', '>', '(', ')']);
    config
        .hook
        .allow
        .iter()
        .any(|entry| match entry.strip_suffix('*') {
            Some(prefix) => simple && !prefix.trim().is_empty() && command.starts_with(prefix),
            None => command == entry.trim(),
        })
}

/// An agent-typed `pg-query --confirm`: the human decides (or, by config, nobody).
fn confirm_decision(cwd: &Path) -> Decision {
    // A configuration that cannot be read cannot say "ask": deny.
    let choice = Config::load(None, cwd).map_or(ConfirmDecision::Deny, |c| c.hook.confirm);
    match choice {
        ConfirmDecision::Ask => Decision::Ask(
            "The agent wants to run pg-query with `--confirm` (or with arguments the hook cannot see, which may hold it): destructive statements. Allow it only if you meant it; you can also run it yourself by typing `! pg-query --confirm …`.".into(),
        ),
        ConfirmDecision::Deny => Decision::Block(Problem {
            rule: HookRule::AgentConfirm,
            detail: "`pg-query --confirm` runs destructive statements and is for humans only: ask the user to run it themselves by typing `! pg-query --confirm …` in Claude Code".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(tool: &str, input: Value) -> Decision {
        let bytes = serde_json::json!({
            "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input, "cwd": "/nonexistent/project",
        });
        decide(bytes.to_string().as_bytes())
    }

    fn rule(decision: &Decision) -> Option<&'static str> {
        match decision {
            Decision::Block(problem) => Some(problem.rule.id()),
            _ => None,
        }
    }

    #[test]
    fn edit_tools_may_not_change_the_guard_s_files() {
        use serde_json::json;
        for (tool, input) in [
            (
                "Write",
                json!({"file_path": ".dev-postgres.json", "content": "{}"}),
            ),
            (
                "Edit",
                json!({"file_path": "/p/.claude/settings.json", "old_string": "a", "new_string": "b"}),
            ),
            (
                "MultiEdit",
                json!({"file_path": "~/.claude/settings.local.json", "edits": []}),
            ),
            (
                "NotebookEdit",
                json!({"notebook_path": "/p/.claude/skills/dev-postgres/SKILL.md", "new_source": ""}),
            ),
        ] {
            assert_eq!(rule(&call(tool, input)), Some("protected-path"), "{tool}");
        }
        assert_eq!(
            call(
                "Write",
                json!({"file_path": "src/main.rs", "content": "psql"})
            ),
            Decision::Allow
        );
        assert_eq!(
            rule(&call("Read", json!({"file_path": "/home/u/.pgpass"}))),
            Some("secret-read")
        );
        assert_eq!(
            call("Read", json!({"file_path": ".dev-postgres.json"})),
            Decision::Allow
        );
    }
}
