#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! pg-hook over its corpus, fed exact bytes as Claude Code sends them: the
//! folder is the verdict (block, allow, ask, malformed).
use devpg_testing::cmd::{Cmd, Output};
use devpg_testing::corpus::text_cases;
use devpg_testing::repo_root;
use serde_json::json;
use std::path::{Path, PathBuf};

const PG_HOOK: &str = env!("CARGO_BIN_EXE_pg-hook");

fn corpus() -> PathBuf {
    repo_root().join("tests/corpus/hook")
}

/// A home with no user-level dev-postgres configuration.
fn empty_home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pg-hook-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hook(bytes: Vec<u8>) -> Output {
    let home = empty_home();
    Cmd::new(PG_HOOK)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .stdin(bytes)
        .run()
}

fn call(tool: &str, tool_input: serde_json::Value, cwd: &Path) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "session_id": "test-session",
        "transcript_path": "/tmp/transcript.jsonl",
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_test",
    }))
    .unwrap()
}

fn bash(command: &str) -> Output {
    hook(call(
        "Bash",
        json!({"command": command, "description": "test"}),
        &corpus().join("project"),
    ))
}

fn check(verdict: &str, failures: &mut Vec<String>) -> usize {
    let cases = text_cases(&corpus().join(verdict));
    for (file, line, command) in &cases {
        let out = bash(command);
        let ok = match verdict {
            "block" => {
                out.code == Some(2)
                    && out.stdout.is_empty()
                    && out.stderr.contains("pg-hook blocked")
            }
            "allow" => out.code == Some(0) && out.stdout.is_empty(),
            "ask" => {
                out.code == Some(0)
                    && serde_json::from_str::<serde_json::Value>(&out.stdout)
                        .is_ok_and(|v| v["hookSpecificOutput"]["permissionDecision"] == "ask")
            }
            _ => unreachable!(),
        };
        if !ok {
            failures.push(format!(
                "{}:{line}: expected {verdict}: {command:?}\n    exit {:?} stdout {:?} stderr {:?}",
                file.file_name().unwrap().to_string_lossy(),
                out.code,
                out.stdout,
                out.stderr
            ));
        }
    }
    cases.len()
}

#[test]
fn every_corpus_case_gets_its_folder_s_verdict() {
    let mut failures = Vec::new();
    let blocked = check("block", &mut failures);
    let allowed = check("allow", &mut failures);
    let asked = check("ask", &mut failures);
    let mut malformed = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join("malformed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let out = hook(std::fs::read(&file).unwrap());
        malformed += 1;
        if out.code != Some(2) || !out.stderr.contains("[malformed-input]") {
            failures.push(format!(
                "{}: expected malformed → block: {out:?}",
                file.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(allowed >= 200, "only {allowed} allow cases");
    assert!(
        blocked + allowed + asked + malformed >= 500,
        "only {} cases",
        blocked + allowed + asked + malformed
    );
}

#[test]
fn input_larger_than_one_mebibyte_is_blocked() {
    let big = call(
        "Bash",
        json!({"command": format!("echo {}", "a".repeat(1_048_576))}),
        Path::new("/tmp"),
    );
    hook(big).status(2).stderr_has("larger than 1048576 bytes");
    let just_under = call("Bash", json!({"command": "ls"}), Path::new("/tmp"));
    hook(just_under).status(0).stdout_is("");
}

#[test]
fn the_block_message_names_the_rule_and_what_to_use_instead() {
    bash("psql -c 'select 1'")
        .status(2)
        .stderr_has("[pg-client-program]")
        .stderr_has("pg-query")
        .stderr_has("pg-schema");
    bash("echo postgres://x")
        .status(2)
        .stderr_has("[postgres-uri]");
}

#[test]
fn powershell_and_monitor_commands_are_checked_too() {
    let project = corpus().join("project");
    hook(call(
        "PowerShell",
        json!({"command": "psql -c x"}),
        &project,
    ))
    .status(2);
    hook(call(
        "PowerShell",
        json!({"command": "& 'pg_dump' db"}),
        &project,
    ))
    .status(2);
    hook(call(
        "PowerShell",
        json!({"command": "Get-ChildItem"}),
        &project,
    ))
    .status(0);
    hook(call(
        "Monitor",
        json!({"command": "pg_isready -h db"}),
        &project,
    ))
    .status(2);
    hook(call(
        "Monitor",
        json!({"command": "tail -f app.log"}),
        &project,
    ))
    .status(0);
}

#[test]
fn other_tools_pass_untouched() {
    let project = corpus().join("project");
    for (tool, input) in [
        ("Read", json!({"file_path": "/usr/bin/psql"})),
        (
            "Write",
            json!({"file_path": "x.sh", "content": "psql -c 'drop table x'"}),
        ),
        (
            "Edit",
            json!({"file_path": "x", "old_string": "a", "new_string": "postgres://u@h/db"}),
        ),
        ("Grep", json!({"pattern": "psql"})),
        ("WebFetch", json!({"url": "https://example.com"})),
        (
            "mcp__github__search_code",
            json!({"query": "DROP TABLE users"}),
        ),
        ("mcp__mongodb__find", json!({"query": "{\"a\": 1}"})),
    ] {
        hook(call(tool, input, &project)).status(0).stdout_is("");
    }
}

#[test]
fn database_mcp_tools_have_their_sql_classified() {
    let project = corpus().join("project");
    let cases = [
        (
            "mcp__postgres__query",
            json!({"sql": "SELECT * FROM users"}),
            0,
        ),
        (
            "mcp__postgres__query",
            json!({"sql": "DELETE FROM users WHERE id = 1"}),
            2,
        ),
        (
            "mcp__postgres__execute_sql",
            json!({"query": "DROP TABLE users"}),
            2,
        ),
        (
            "mcp__supabase__execute_sql",
            json!({"query": "SELECT set_config('a', 'b', false)"}),
            2,
        ),
        (
            "mcp__neon__run_sql",
            json!({"statement": "COMMIT; DELETE FROM t"}),
            2,
        ),
        ("mcp__my-db__query", json!({"sql": "SELECT 1"}), 0),
        ("mcp__pg__query", json!({"sql": "not sql at all"}), 2),
        ("mcp__postgres__list_tables", json!({}), 0),
    ];
    for (tool, input, code) in cases {
        let out = hook(call(tool, input.clone(), &project));
        assert_eq!(out.code, Some(code), "{tool} {input}: {out:?}");
        if code == 2 {
            assert!(out.stderr.contains("[mcp-sql]"), "{out:?}");
        }
    }
}

#[test]
fn configuration_chooses_ask_or_deny_and_the_mcp_mode() {
    let dir = std::env::temp_dir().join(format!("pg-hook-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |hook_block: serde_json::Value| {
        let path = dir.join(".dev-postgres.json");
        std::fs::write(&path, json!({"hook": hook_block}).to_string()).unwrap();
        devpg_testing::trust(&path);
    };
    let confirm = || {
        hook(call(
            "Bash",
            json!({"command": "pg-query --confirm 'DROP TABLE t'"}),
            &dir,
        ))
    };
    write(json!({"confirm": "ask"}));
    assert!(confirm().status(0).stdout.contains("\"ask\""));
    write(json!({"confirm": "deny"}));
    confirm()
        .status(2)
        .stderr_has("[agent-confirm]")
        .stderr_has("! pg-query --confirm");
    // A configuration that cannot be read cannot say "ask".
    std::fs::write(dir.join(".dev-postgres.json"), "{broken").unwrap();
    confirm().status(2).stderr_has("[agent-confirm]");
    write(json!({"mcp_mode": "dml", "mcp_servers": ["warehouse"]}));
    let mcp = |tool: &str, sql: &str| hook(call(tool, json!({"sql": sql}), &dir));
    mcp("mcp__warehouse__query", "DELETE FROM t WHERE id = 1").status(0);
    mcp("mcp__warehouse__query", "DROP TABLE t").status(2);
    mcp("mcp__postgres__query", "DROP TABLE t").status(0);
    // An untrusted (edited) configuration cannot say "ask", nor which MCP servers are safe.
    std::fs::write(
        dir.join(".dev-postgres.json"),
        json!({"hook": {"confirm": "ask", "mcp_servers": []}}).to_string(),
    )
    .unwrap();
    confirm().status(2).stderr_has("[agent-confirm]");
    mcp("mcp__warehouse__query", "SELECT 1").status(2);
    std::fs::remove_dir_all(&dir).unwrap();
}
