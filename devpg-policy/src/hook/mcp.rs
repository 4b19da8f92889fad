//! MCP tools of database servers: the SQL they carry is classified in the
//! configured mode. A server is a database server when a word of its name
//! is one of the families (`postgres`, `pg`, `sql`, `db`, `supabase`,
//! `neon`, `dbhub`, `toolbox` …) or matches a configured pattern; its SQL is
//! found under any key that carries SQL, at any depth. When the
//! configuration cannot be read, a database server's call is blocked.

use super::rules::{HookRule, Problem};
use super::words;
use super::Decision;
use crate::config::{Config, HookSettings};
use serde_json::Value;
use std::path::Path;

/// How deep the SQL search goes into a tool's input.
const MAX_DEPTH: usize = 32;

/// Keys (lower case, without `_` and `-`) whose string values are SQL. Sorted.
const SQL_KEYS: &[&str] = &[
    "command",
    "commands",
    "queries",
    "query",
    "querytext",
    "script",
    "sql",
    "sqlquery",
    "sqlstatement",
    "sqlstatements",
    "sqltext",
    "statement",
    "statements",
];

/// Decides on a call of the MCP tool `tool` (`mcp__SERVER__TOOL`).
pub fn decide(tool: &str, tool_input: &Value, cwd: &Path) -> Decision {
    let server = tool
        .strip_prefix("mcp__")
        .and_then(|rest| rest.split("__").next())
        .unwrap_or_default();
    let config = match Config::load(None, cwd) {
        Ok(config) => config,
        // Fail closed: a configuration that cannot be read, or that no human
        // trusted, cannot say which servers are safe.
        Err(e) => {
            return Decision::Block(Problem {
                rule: HookRule::McpUnverifiable,
                detail: format!(
                    "MCP tool {tool}: the dev-postgres configuration cannot be used ({e}), so the SQL it may carry cannot be judged"
                ),
            });
        }
    };
    // The configured patterns add to the families; they never remove one.
    let mut patterns = HookSettings::default().mcp_servers;
    patterns.extend(config.hook.mcp_servers.iter().cloned());
    if !server_matches(server, &patterns) {
        return Decision::Allow;
    }
    let mut statements = Vec::new();
    collect_sql(tool_input, false, 0, &mut statements);
    let mode = config.hook.mcp_mode;
    for sql in statements {
        let Some(sql) = sql else {
            return Decision::Block(Problem {
                rule: HookRule::McpSql,
                detail: format!(
                    "the MCP tool {tool} carries SQL the hook cannot read (not text, or nested too deeply)"
                ),
            });
        };
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

fn is_sql_key(key: &str) -> bool {
    let folded: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SQL_KEYS.binary_search(&folded.as_str()).is_ok()
}

/// Every SQL text under an SQL key; `None` for a value under such a key that
/// is not text (a number, an object the hook cannot read as SQL).
fn collect_sql<'v>(
    value: &'v Value,
    under_sql_key: bool,
    depth: usize,
    out: &mut Vec<Option<&'v str>>,
) {
    if depth > MAX_DEPTH {
        out.push(None);
        return;
    }
    match value {
        Value::String(text) if under_sql_key => out.push(Some(text)),
        Value::Array(items) => {
            for item in items {
                collect_sql(item, under_sql_key, depth + 1, out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                // `{"sql": {"text": "…"}}`: what is under an SQL key stays SQL.
                collect_sql(item, under_sql_key || is_sql_key(key), depth + 1, out);
            }
        }
        Value::Bool(_) | Value::Number(_) if under_sql_key => out.push(None),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Whether an MCP server's name matches one of the patterns: a pattern with
/// `*` is a glob over the whole name; otherwise it must equal the name or one
/// of its words (`postgres-mcp` has the words `postgres` and `mcp`). A word
/// that starts with `postgres` or `pgsql` is a PostgreSQL server's.
pub fn server_matches(server: &str, patterns: &[String]) -> bool {
    let server = server.to_lowercase();
    let words: Vec<&str> = server
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words
        .iter()
        .any(|w| w.starts_with("postgres") || w.starts_with("pgsql"))
    {
        return true;
    }
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
    use serde_json::json;

    #[test]
    fn sql_keys_are_sorted() {
        for pair in SQL_KEYS.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
    }

    #[test]
    fn mcp_servers_match_by_word_or_family_not_substring() {
        let patterns: Vec<String> = ["postgres", "pg", "db", "*supa*"]
            .map(String::from)
            .to_vec();
        for (server, expected) in [
            ("postgres", true),
            ("postgresql", true),
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

    #[test]
    fn sql_is_found_under_any_key_at_any_depth() {
        let input = json!({
            "params": {"sql": "DROP TABLE t"},
            "sqlStatements": ["SELECT 1", "DELETE FROM t"],
            "options": {"limit": 5, "label": "x"},
            "batch": [{"query": "SELECT 2"}],
            "SQL_Text": "SELECT 3",
        });
        let mut found = Vec::new();
        collect_sql(&input, false, 0, &mut found);
        let mut texts: Vec<&str> = found.into_iter().flatten().collect();
        texts.sort_unstable();
        assert_eq!(
            texts,
            [
                "DELETE FROM t",
                "DROP TABLE t",
                "SELECT 1",
                "SELECT 2",
                "SELECT 3"
            ]
        );
    }
}
