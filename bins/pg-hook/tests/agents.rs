#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
//! pg-hook --agent NAME over the built binary, fed each agent's payloads in
//! the shapes its documentation and code show (docs/agents.md), checked
//! against that agent's contract: exit code and the exact output fields.
use devpg_testing::cmd::{Cmd, Output};
use devpg_testing::repo_root;
use serde_json::{json, Value};
use std::path::PathBuf;

const PG_HOOK: &str = env!("CARGO_BIN_EXE_pg-hook");

fn project() -> PathBuf {
    repo_root().join("tests/corpus/hook/project")
}

fn home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pg-hook-agents-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(agent: &str, payload: &Value) -> Output {
    run_bytes(agent, payload.to_string().into_bytes())
}

fn run_bytes(agent: &str, bytes: Vec<u8>) -> Output {
    let home = home();
    Cmd::new(PG_HOOK)
        .args(["--agent", agent])
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .stdin(bytes)
        .run()
}

/// Each agent's shell call, as it sends it.
fn shell(agent: &str, command: &str) -> Value {
    let cwd = project();
    match agent {
        "codex" => json!({
            "session_id": "019a0000-0000-7000-8000-000000000000", "turn_id": "turn-1",
            "transcript_path": null, "cwd": cwd, "hook_event_name": "PreToolUse",
            "model": "gpt-5-codex", "permission_mode": "default", "tool_name": "Bash",
            "tool_input": {"command": command}, "tool_use_id": "call_1",
        }),
        "gemini" => json!({
            "session_id": "s1", "transcript_path": "/tmp/t.json", "cwd": cwd,
            "hook_event_name": "BeforeTool", "timestamp": "2026-11-29T05:00:00.000Z",
            "tool_name": "run_shell_command",
            "tool_input": {"command": command, "description": "test"},
        }),
        "copilot" => json!({
            "timestamp": 1_764_392_400_000_u64, "cwd": cwd, "toolName": "bash",
            "toolArgs": json!({"command": command, "description": "test"}).to_string(),
        }),
        "cursor" => json!({
            "conversation_id": "c1", "generation_id": "g1", "model": "gpt-5",
            "hook_event_name": "beforeShellExecution", "cursor_version": "1.7.2",
            "workspace_roots": [cwd], "user_email": null, "command": command, "cwd": cwd,
        }),
        other => panic!("no shell payload for {other}"),
    }
}

/// Each agent's call of a tool named `query` on an MCP server named `postgres`.
fn mcp(agent: &str, sql: &str) -> Value {
    let cwd = project();
    match agent {
        "codex" => json!({
            "session_id": "s", "turn_id": "t", "transcript_path": null, "cwd": cwd,
            "hook_event_name": "PreToolUse", "model": "gpt-5-codex", "permission_mode": "default",
            "tool_name": "mcp__postgres__query", "tool_input": {"sql": sql}, "tool_use_id": "call_2",
        }),
        "gemini" => json!({
            "session_id": "s", "transcript_path": "/tmp/t.json", "cwd": cwd,
            "hook_event_name": "BeforeTool", "timestamp": "2026-11-29T05:00:00.000Z",
            "tool_name": "mcp_postgres_query", "tool_input": {"sql": sql},
            "mcp_context": {"server_name": "postgres", "tool_name": "query", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres"]},
        }),
        "copilot" => json!({
            "timestamp": 1_764_392_400_000_u64, "cwd": cwd, "toolName": "postgres-query",
            "toolArgs": json!({"sql": sql}).to_string(),
        }),
        "cursor" => json!({
            "conversation_id": "c1", "generation_id": "g1", "hook_event_name": "beforeMCPExecution",
            "workspace_roots": [cwd], "tool_name": "query",
            "tool_input": json!({"sql": sql}).to_string(),
            "command": "npx -y @modelcontextprotocol/server-postgres",
        }),
        other => panic!("no MCP payload for {other}"),
    }
}

const AGENTS: &[&str] = &["codex", "gemini", "copilot", "cursor"];

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

/// The agent's denial, exactly: its exit code and only the fields it reads.
fn assert_denied(agent: &str, out: &Output, rule: &str) {
    let reason = match agent {
        "codex" => {
            assert_eq!(out.code, Some(2), "{out:?}");
            assert_eq!(out.stdout, "", "{out:?}");
            out.stderr.clone()
        }
        "gemini" => {
            assert_eq!(out.code, Some(0), "{out:?}");
            let answer = out.json();
            assert_eq!(keys(&answer), ["decision", "reason"], "{out:?}");
            assert_eq!(answer["decision"], "deny");
            answer["reason"].as_str().unwrap().to_string()
        }
        "copilot" => {
            assert_eq!(out.code, Some(0), "{out:?}");
            let answer = out.json();
            assert_eq!(
                keys(&answer),
                ["permissionDecision", "permissionDecisionReason"],
                "{out:?}"
            );
            assert_eq!(answer["permissionDecision"], "deny");
            answer["permissionDecisionReason"]
                .as_str()
                .unwrap()
                .to_string()
        }
        "cursor" => {
            assert_eq!(out.code, Some(0), "{out:?}");
            let answer = out.json();
            assert_eq!(
                keys(&answer),
                ["agent_message", "permission", "user_message"],
                "{out:?}"
            );
            assert_eq!(answer["permission"], "deny");
            assert_eq!(answer["user_message"], answer["agent_message"]);
            answer["agent_message"].as_str().unwrap().to_string()
        }
        other => panic!("{other}"),
    };
    assert!(
        reason.contains("pg-hook blocked") && reason.contains(&format!("[{rule}")),
        "{agent}: {reason}"
    );
}

/// No decision: the agent's own permission flow runs.
fn assert_no_decision(agent: &str, out: &Output) {
    assert_eq!(out.code, Some(0), "{agent}: {out:?}");
    assert_eq!(out.stderr, "", "{agent}: {out:?}");
    let expected = if agent == "cursor" { "{}\n" } else { "" };
    assert_eq!(out.stdout, expected, "{agent}: {out:?}");
}

#[test]
fn a_blocked_client_is_denied_in_each_agents_terms() {
    for agent in AGENTS {
        for command in ["psql -c 'select 1'", "cd /tmp && PGPASSWORD=x psql -h db"] {
            assert_denied(
                agent,
                &run(agent, &shell(agent, command)),
                "pg-client-program",
            );
        }
    }
}

#[test]
fn an_everyday_command_gets_no_decision() {
    for agent in AGENTS {
        for command in ["ls", "git status && cargo test"] {
            assert_no_decision(agent, &run(agent, &shell(agent, command)));
        }
    }
}

#[test]
fn a_connection_uri_is_denied() {
    for agent in AGENTS {
        let out = run(agent, &shell(agent, "echo postgres://u:p@host/db"));
        assert_denied(agent, &out, "postgres-uri");
    }
}

#[test]
fn an_agent_typed_confirm_asks_only_where_the_agent_can_ask() {
    let command = "pg-query --confirm \"DROP TABLE users\"";
    for agent in AGENTS {
        let out = run(agent, &shell(agent, command));
        if *agent == "copilot" {
            assert_eq!(out.code, Some(0), "{out:?}");
            let answer = out.json();
            assert_eq!(
                keys(&answer),
                ["permissionDecision", "permissionDecisionReason"]
            );
            assert_eq!(answer["permissionDecision"], "ask");
        } else {
            assert_denied(agent, &out, "agent-confirm");
            let text = format!("{}{}", out.stdout, out.stderr);
            assert!(text.contains("run the command themselves"), "{text}");
        }
    }
}

#[test]
fn a_configuration_that_denies_confirm_is_followed_by_copilot_too() {
    let dir = std::env::temp_dir().join(format!("pg-hook-agents-deny-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(".dev-postgres.json");
    std::fs::write(&path, json!({"hook": {"confirm": "deny"}}).to_string()).unwrap();
    devpg_testing::trust(&path);
    let mut call = shell("copilot", "pg-query --confirm 'DROP TABLE t'");
    call["cwd"] = json!(dir);
    assert_denied("copilot", &run("copilot", &call), "agent-confirm");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn database_mcp_tools_have_their_sql_checked() {
    for agent in AGENTS {
        assert_no_decision(agent, &run(agent, &mcp(agent, "SELECT * FROM users")));
        assert_denied(
            agent,
            &run(agent, &mcp(agent, "DROP TABLE users")),
            "mcp-sql",
        );
    }
}

#[test]
fn other_mcp_servers_and_tools_pass() {
    let github = [
        (
            "codex",
            json!({"hook_event_name": "PreToolUse", "tool_name": "mcp__github__search_code", "tool_input": {"query": "DROP TABLE"}}),
        ),
        (
            "gemini",
            json!({"hook_event_name": "BeforeTool", "tool_name": "mcp_github_search_code", "tool_input": {"query": "DROP TABLE"}, "mcp_context": {"server_name": "github", "tool_name": "search_code"}}),
        ),
        (
            "copilot",
            json!({"toolName": "github-search_code", "toolArgs": "{\"query\": \"DROP TABLE\"}"}),
        ),
        (
            "cursor",
            json!({"hook_event_name": "beforeMCPExecution", "tool_name": "search_code", "tool_input": "{\"query\": \"DROP TABLE\"}", "url": "https://api.githubcopilot.com/mcp/"}),
        ),
        (
            "gemini",
            json!({"hook_event_name": "BeforeTool", "tool_name": "read_file", "tool_input": {"absolute_path": "/etc/hosts"}}),
        ),
        (
            "copilot",
            json!({"toolName": "view", "toolArgs": "{\"path\": \"README.md\"}"}),
        ),
    ];
    for (agent, mut call) in github {
        call["cwd"] = json!(project());
        assert_no_decision(agent, &run(agent, &call));
    }
}

#[test]
fn gemini_runs_the_command_where_dir_path_says() {
    // The hook judges the command in the folder it will run in.
    let mut call = shell("gemini", "ls");
    call["tool_input"]["dir_path"] = json!("bin");
    assert_no_decision("gemini", &run("gemini", &call));
    call["tool_input"]["dir_path"] = json!(7);
    assert_denied("gemini", &run("gemini", &call), "malformed-input");
}

#[test]
fn copilot_answers_claude_code_shaped_calls_in_claude_code_shape() {
    let call = json!({
        "session_id": "s", "cwd": project(), "hook_event_name": "PreToolUse",
        "tool_name": "bash", "tool_input": {"command": "psql"},
    });
    let out = run("copilot", &call);
    assert_eq!(out.code, Some(0), "{out:?}");
    let answer = out.json();
    assert_eq!(keys(&answer), ["hookSpecificOutput"]);
    assert_eq!(answer["hookSpecificOutput"]["permissionDecision"], "deny");
    assert_eq!(answer["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    let mut ls = call.clone();
    ls["tool_input"]["command"] = json!("ls");
    assert_no_decision("copilot", &run("copilot", &ls));
}

#[test]
fn unreadable_input_is_denied_in_each_agents_terms() {
    for agent in AGENTS {
        for bytes in [
            b"".to_vec(),
            b"not json".to_vec(),
            b"[]".to_vec(),
            b"{\"a\":1,\"a\":2}".to_vec(),
            vec![b' '; 1_048_577],
        ] {
            assert_denied(agent, &run_bytes(agent, bytes), "malformed-input");
        }
    }
    // Another agent's event is not this agent's call.
    assert_denied(
        "gemini",
        &run("gemini", &shell("codex", "ls")),
        "malformed-input",
    );
    assert_denied(
        "cursor",
        &run("cursor", &shell("gemini", "ls")),
        "malformed-input",
    );
    assert_denied(
        "codex",
        &run("codex", &shell("cursor", "ls")),
        "malformed-input",
    );
}

#[test]
fn the_agent_comes_from_the_command_line_only() {
    // A Claude Code payload to the default hook is judged as Claude Code's.
    let out = Cmd::new(PG_HOOK)
        .stdin(
            json!({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "psql"}, "cwd": project()})
                .to_string(),
        )
        .run();
    assert_eq!(out.code, Some(2));
    // An unknown agent or argument blocks (exit 2) and says why.
    for args in [vec!["--agent", "vim"], vec!["--agent"], vec!["--verbose"]] {
        let out = Cmd::new(PG_HOOK).args(&args).stdin("{}").run();
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(out.stderr.contains("pg-hook:"), "{out:?}");
        assert_eq!(out.stdout, "");
    }
}

/// tests/corpus/agents/AGENT/VERDICT/*.json: payloads as the agents send them
/// (captured from the real clients where they run here).
#[test]
fn every_agent_corpus_payload_gets_its_folder_s_verdict() {
    let root = repo_root().join("tests/corpus/agents");
    let project = project().to_string_lossy().replace('\\', "\\\\");
    let mut seen = 0;
    for agent in AGENTS {
        for verdict in ["block", "allow", "confirm"] {
            let dir = root.join(agent).join(verdict);
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|entry| entry.unwrap().path())
                .collect();
            files.sort();
            assert!(!files.is_empty(), "{} is empty", dir.display());
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                let out = run_bytes(agent, text.replace("@PROJECT@", &project).into_bytes());
                let case = file.strip_prefix(&root).unwrap().display().to_string();
                eprintln!("{case}");
                match (verdict, *agent) {
                    ("allow", _) => assert_no_decision(agent, &out),
                    ("confirm", "copilot") => {
                        assert_eq!(out.json()["permissionDecision"], "ask", "{case}: {out:?}")
                    }
                    ("confirm", _) => assert_denied(agent, &out, "agent-confirm"),
                    // Any rule: the prefix of every rule ID's bracket.
                    _ => assert_denied(agent, &out, ""),
                }
                seen += 1;
            }
        }
    }
    assert!(seen >= 30, "{seen} cases");
}
