#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
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
    // PG_HOOK_BINARY: the same corpus against pg-hook as shipped (static-pie).
    let binary = std::env::var("PG_HOOK_BINARY").unwrap_or_else(|_| PG_HOOK.to_string());
    Cmd::new(binary)
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
    assert!(allowed >= 400, "only {allowed} allow cases");
    assert!(
        blocked + allowed + asked + malformed >= 1200,
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
    for command in [
        "Start-Process psql -ArgumentList shop",
        "& 'C:\\Program Files\\PostgreSQL\\16\\bin\\psql.exe' shop",
        "Invoke-Expression 'pg_dump shop'",
        "iex \"psql shop\"",
        "cmd /c psql shop",
        "& (\"ps\" + \"ql\") shop",
        "Get-Content seed.sql | psql shop",
        "$env:DATABASE_URL = 'postgres://u@h/db'",
        "python -c \"import psycopg2\"",
    ] {
        hook(call("PowerShell", json!({ "command": command }), &project)).status(2);
    }
    for command in [
        "Get-ChildItem -Recurse *.md",
        "Write-Output 'psql is not used here'",
        "Select-String -Pattern psql -Path docs\\*.md",
        "cargo test",
        "git status",
        "pg-query -c dev 'SELECT 1'",
    ] {
        hook(call("PowerShell", json!({ "command": command }), &project))
            .status(0)
            .stdout_is("");
    }
    let ask = hook(call(
        "PowerShell",
        json!({"command": "pg-query --confirm 'DROP TABLE t'"}),
        &project,
    ));
    assert!(ask.status(0).stdout.contains("\"ask\""));
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
fn edit_tools_may_not_change_the_guard_s_files() {
    let project = corpus().join("project");
    for (tool, input) in [
        (
            "Write",
            json!({"file_path": ".dev-postgres.json", "content": "{}"}),
        ),
        (
            "Edit",
            json!({"file_path": ".dev-postgres.json", "old_string": "read-only", "new_string": "read-write"}),
        ),
        (
            "MultiEdit",
            json!({"file_path": ".claude/settings.json", "edits": []}),
        ),
        (
            "Write",
            json!({"file_path": ".claude/settings.local.json", "content": "{}"}),
        ),
        (
            "Write",
            json!({"file_path": "/etc/claude-code/managed-settings.json", "content": "{}"}),
        ),
        (
            "Edit",
            json!({"file_path": ".claude/skills/dev-postgres/SKILL.md", "old_string": "a", "new_string": "b"}),
        ),
        (
            "Write",
            json!({"file_path": ".dev-postgres-query.log", "content": ""}),
        ),
        (
            "NotebookEdit",
            json!({"notebook_path": ".claude/bin/pg-hook", "new_source": ""}),
        ),
    ] {
        hook(call(tool, input.clone(), &project))
            .status(2)
            .stderr_has("[protected-path]");
    }
    // A configured audit log is guarded too, with its rotations.
    let dir = std::env::temp_dir().join(format!("pg-hook-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".dev-postgres.json"),
        json!({"security": {"log_file": "logs/audit.jsonl"}}).to_string(),
    )
    .unwrap();
    devpg_testing::trust(&dir.join(".dev-postgres.json"));
    hook(call(
        "Write",
        json!({"file_path": "logs/audit.jsonl", "content": ""}),
        &dir,
    ))
    .status(2)
    .stderr_has("[protected-path]");
    hook(call(
        "Bash",
        json!({"command": "rm logs/audit.jsonl.1"}),
        &dir,
    ))
    .status(2)
    .stderr_has("[protected-path]");
    hook(call(
        "Bash",
        json!({"command": ": > logs/audit.jsonl"}),
        &dir,
    ))
    .status(2);
    hook(call(
        "Bash",
        json!({"command": "tail logs/audit.jsonl"}),
        &dir,
    ))
    .status(0);
    hook(call(
        "Write",
        json!({"file_path": "logs/other.txt", "content": ""}),
        &dir,
    ))
    .status(0);
    std::fs::remove_dir_all(&dir).unwrap();
    hook(call("Read", json!({"file_path": "~/.pgpass"}), &project))
        .status(2)
        .stderr_has("[secret-read]");
    hook(call(
        "Read",
        json!({"file_path": ".dev-postgres.json"}),
        &project,
    ))
    .status(0);
    hook(call(
        "Write",
        json!({"file_path": "src/lib.rs", "content": ""}),
        &project,
    ))
    .status(0);
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
        ("mcp__postgresql__query", json!({"sql": "DROP TABLE t"}), 2),
        (
            "mcp__dbhub__execute",
            json!({"params": {"sql": "DROP TABLE t"}}),
            2,
        ),
        (
            "mcp__toolbox__run",
            json!({"sqlStatements": ["SELECT 1", "TRUNCATE t"]}),
            2,
        ),
        ("mcp__neon__run", json!({"sql": 42}), 2),
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
    // Configured patterns add to the database families; they remove none.
    mcp("mcp__postgres__query", "DROP TABLE t").status(2);
    mcp("mcp__github__search", "DROP TABLE t").status(0);
    // An untrusted (edited) configuration cannot say "ask", nor which MCP servers are safe.
    std::fs::write(
        dir.join(".dev-postgres.json"),
        json!({"hook": {"confirm": "ask", "mcp_servers": []}}).to_string(),
    )
    .unwrap();
    confirm().status(2).stderr_has("[agent-confirm]");
    mcp("mcp__warehouse__query", "SELECT 1").status(2);
    // A configuration that cannot be read blocks an MCP call.
    std::fs::write(dir.join(".dev-postgres.json"), "{broken").unwrap();
    mcp("mcp__postgres__query", "SELECT 1")
        .status(2)
        .stderr_has("[mcp-unverifiable]");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_human_allows_an_unproven_mention_with_hook_allow() {
    let dir = std::env::temp_dir().join(format!("pg-hook-allow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |command: &str| hook(call("Bash", json!({"command": command}), &dir));
    let write = |allow: serde_json::Value| {
        let path = dir.join(".dev-postgres.json");
        std::fs::write(&path, json!({"hook": {"allow": allow}}).to_string()).unwrap();
        devpg_testing::trust(&path);
    };
    run("tool-we-trust --with psql")
        .status(2)
        .stderr_has("[unproven-mention]")
        .stderr_has("hook.allow");
    write(json!(["tool-we-trust --with psql", "make db-*"]));
    run("tool-we-trust --with psql").status(0);
    run("make db-psql").status(0);
    run("tool-we-trust --with psql; psql").status(2);
    // A program in a command position is never allowed this way.
    write(json!(["psql*"]));
    run("psql shop").status(2).stderr_has("[pg-client-program]");
    // An untrusted (edited) list allows nothing.
    std::fs::write(
        dir.join(".dev-postgres.json"),
        json!({"hook": {"allow": ["tool-we-trust --with psql"]}}).to_string(),
    )
    .unwrap();
    run("tool-we-trust --with psql").status(2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_blocked_attempt_in_a_project_is_recorded_in_its_audit_log() {
    let dir = std::env::temp_dir().join(format!("pg-hook-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join(".dev-postgres.json");
    std::fs::write(&config, json!({"connections": {}}).to_string()).unwrap();
    devpg_testing::trust(&config);
    hook(call("Bash", json!({"command": "psql -h db app"}), &dir)).status(2);
    hook(call(
        "Write",
        json!({"file_path": config, "content": "{}"}),
        &dir,
    ))
    .status(2);
    hook(call("Bash", json!({"command": "ls -la"}), &dir)).status(0);
    let log = std::fs::read_to_string(dir.join(".dev-postgres-query.log")).unwrap();
    let records: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let attempts: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["kind"] == "attempt").collect();
    assert_eq!(attempts.len(), 2, "{log}");
    assert_eq!(attempts[0]["tool"], "pg-hook");
    assert_eq!(attempts[0]["sql"], "Bash: psql -h db app");
    assert_eq!(attempts[0]["verdict"], "blocked");
    assert_eq!(attempts[1]["rule"], "protected-path");
    assert!(records
        .iter()
        .any(|r| r["kind"] == "outcome" && r["outcome"] == "blocked"));
    // Outside any project nothing is written.
    let elsewhere = std::env::temp_dir().join(format!("pg-hook-noproject-{}", std::process::id()));
    std::fs::create_dir_all(&elsewhere).unwrap();
    hook(call("Bash", json!({"command": "psql"}), &elsewhere)).status(2);
    assert!(!elsewhere.join(".dev-postgres-query.log").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
