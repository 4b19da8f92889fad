#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
//! dev-postgres install / uninstall / doctor / sandbox, as a user runs them.
use devpg_testing::cmd::Cmd;
use devpg_testing::server::{Project, TestServer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const DEV_POSTGRES: &str = env!("CARGO_BIN_EXE_dev-postgres");

/// The folder holding the built binaries (pg-hook, pg-query, … beside dev-postgres).
fn binaries() -> PathBuf {
    let dir = Path::new(DEV_POSTGRES).parent().unwrap().to_path_buf();
    for binary in ["pg-hook", "pg-query", "pg-schema", "pg-validate"] {
        assert!(dir.join(binary).is_file(), "{binary} is not built beside dev-postgres: run the workspace's tests (scripts/test.sh)");
    }
    dir
}

fn temp_project(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("dev-postgres-setup-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".claude")).unwrap();
    dir
}

/// Where a test installs the binaries: beside the project, never inside it.
fn bin_dir(project: &Path) -> PathBuf {
    project.with_extension("bin")
}

fn tool(project: &Path) -> Cmd {
    Cmd::new(DEV_POSTGRES)
        .current_dir(project)
        .env("HOME", project.join("home"))
        .env("XDG_CONFIG_HOME", project.join("home"))
}

#[test]
fn install_merges_is_idempotent_and_uninstall_reverses_it() {
    let project = temp_project("install");
    let original = json!({"model": "opus", "permissions": {"allow": ["Bash(ls:*)"], "deny": ["Bash(psql:*)"]},
                          "hooks": {"PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]}]}});
    let settings = project.join(".claude/settings.json");
    std::fs::write(&settings, serde_json::to_string_pretty(&original).unwrap()).unwrap();
    std::fs::write(project.join(".gitignore"), "target\n").unwrap();
    tool(&project)
        .args(["install", "--from"])
        .arg(binaries())
        .arg("--bin-dir")
        .arg(bin_dir(&project))
        .run()
        .status(0)
        .stdout_has("registered pg-hook");
    let merged: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(merged["model"], "opus");
    assert_eq!(
        merged["hooks"]["PostToolUse"], original["hooks"]["PostToolUse"],
        "other hooks untouched"
    );
    assert_eq!(merged["permissions"]["allow"], json!(["Bash(ls:*)"]));
    let pre = merged["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 3, "Bash, the edit tools and MCP");
    assert_eq!(
        pre[0]["hooks"][0]["command"],
        format!("{}/pg-hook || exit 2", bin_dir(&project).display())
    );
    assert_eq!(pre[1]["matcher"], "Write|Edit|MultiEdit|NotebookEdit|Read");
    let deny = merged["permissions"]["deny"].as_array().unwrap();
    assert_eq!(
        deny.iter().filter(|r| *r == "Bash(psql:*)").count(),
        1,
        "no duplicate rule"
    );
    assert!(deny.contains(&json!("Bash(pg_dump:*)")));
    for protected in [
        "Edit(**/.dev-postgres.json)",
        "Read(~/.pgpass)",
        "Edit(~/.claude/settings.json)",
    ] {
        assert!(deny.contains(&json!(protected)), "{protected}");
    }
    assert!(deny.contains(&json!(format!("Edit(/{}/**)", bin_dir(&project).display()))));
    // The configuration install creates is trusted: pg-query takes it.
    assert_eq!(
        std::fs::read_to_string(project.join(".claude/settings.json.bak")).unwrap(),
        serde_json::to_string_pretty(&original).unwrap()
    );
    for file in [".claude/skills/dev-postgres/SKILL.md", ".dev-postgres.json"] {
        assert!(project.join(file).is_file(), "{file}");
    }
    for binary in [
        "pg-hook",
        "pg-query",
        "pg-schema",
        "pg-validate",
        "dev-postgres",
    ] {
        assert!(bin_dir(&project).join(binary).is_file(), "{binary}");
    }
    assert!(
        !project.join(".claude/bin").exists(),
        "nothing of the guard in the project"
    );
    let config = project.join(".dev-postgres.json");
    devpg_policy::config::trust::check(&config, &std::fs::read(&config).unwrap()).unwrap();
    let gitignore = std::fs::read_to_string(project.join(".gitignore")).unwrap();
    assert_eq!(
        gitignore,
        "target\n.dev-postgres.json\n.dev-postgres-query.log*\n"
    );
    // Twice: nothing changes.
    let before = std::fs::read_to_string(&settings).unwrap();
    tool(&project)
        .args(["install", "--from"])
        .arg(binaries())
        .arg("--bin-dir")
        .arg(bin_dir(&project))
        .run()
        .status(0)
        .stdout_has("nothing changed");
    assert_eq!(before, std::fs::read_to_string(&settings).unwrap());
    // The registered command, run exactly as Claude Code runs it, blocks psql.
    let command = pre[0]["hooks"][0]["command"].as_str().unwrap();
    let event = json!({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "psql -c 'select 1'"}, "cwd": project});
    Cmd::new("sh")
        .args(["-c", command])
        .env("CLAUDE_PROJECT_DIR", &project)
        .stdin(event.to_string())
        .run()
        .status(2)
        .stderr_has("pg-client-program");
    let ls = json!({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}, "cwd": project});
    Cmd::new("sh")
        .args(["-c", command])
        .env("CLAUDE_PROJECT_DIR", &project)
        .stdin(ls.to_string())
        .run()
        .status(0)
        .stdout_is("");
    // Uninstall puts everything back.
    tool(&project).arg("uninstall").run().status(0);
    // With the binary gone, `|| exit 2` still blocks.
    Cmd::new("sh")
        .args(["-c", command])
        .stdin(ls.to_string())
        .run()
        .status(2);
    let restored: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(restored, original);
    assert_eq!(
        std::fs::read_to_string(project.join(".gitignore")).unwrap(),
        "target\n"
    );
    assert!(!bin_dir(&project).join("pg-hook").exists());
    for file in [
        ".claude/skills/dev-postgres/SKILL.md",
        ".dev-postgres.json",
        ".claude/dev-postgres-install.json",
    ] {
        assert!(!project.join(file).exists(), "{file} is still there");
    }
    assert!(
        project.join(".claude/settings.json.bak").exists(),
        "the backup is kept"
    );
    tool(&project)
        .arg("uninstall")
        .run()
        .status(3)
        .stderr_has("nothing to uninstall");
    std::fs::remove_dir_all(&project).unwrap();
}

#[test]
fn uninstall_keeps_a_config_the_user_edited() {
    let project = temp_project("edited");
    tool(&project)
        .args(["install", "--from"])
        .arg(binaries())
        .arg("--bin-dir")
        .arg(bin_dir(&project))
        .run()
        .status(0);
    std::fs::write(project.join(".dev-postgres.json"), "{\"connections\": {}}").unwrap();
    tool(&project)
        .arg("uninstall")
        .run()
        .status(0)
        .stdout_has("kept");
    assert!(project.join(".dev-postgres.json").exists());
    std::fs::remove_dir_all(&project).unwrap();
}

fn doctor(project: &Path) -> Value {
    let out = tool(project).args(["doctor", "--json"]).run();
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(
        out.code,
        Some(if report["ok"] == true { 0 } else { 3 }),
        "{out:?}"
    );
    report
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report}"))
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn doctor_passes_a_read_only_role_and_fails_an_owner() {
    let server = TestServer::from_env();
    let database = server.fixture_database("doctor");
    let mut admin = server.connect(&database);
    let role = format!("doctor_ro_{}", std::process::id());
    for sql in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN PASSWORD '{}'", server.password),
        format!("ALTER ROLE {role} SET default_transaction_read_only = on"),
        format!("GRANT USAGE ON SCHEMA public, analytics TO {role}"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public, analytics TO {role}"),
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC".to_string(),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
    let project = Project::new(
        &server,
        json!({"reader": {"database": database, "user": role, "mode": "read-only"},
               "owner": {"database": database, "mode": "read-only"}}),
    );
    tool(&project.dir)
        .args(["install", "--from"])
        .arg(binaries())
        .arg("--bin-dir")
        .arg(bin_dir(&project.dir))
        .run()
        .status(0);
    // install created no config: the project's own is kept.
    let report = doctor(&project.dir);
    assert_eq!(
        check(&report, "connection reader: role cannot write")["ok"],
        true,
        "{report}"
    );
    assert_eq!(
        check(&report, "connection reader: default_transaction_read_only")["ok"],
        true
    );
    let owner = check(&report, "connection owner: role cannot write");
    assert_eq!(owner["ok"], false);
    assert!(
        owner["detail"].as_str().unwrap().contains("superuser"),
        "{owner}"
    );
    assert!(owner["fix"].as_str().unwrap().contains("setup-roles.sql"));
    assert_eq!(check(&report, "hook fires")["ok"], true, "{report}");
    assert_eq!(check(&report, "audit log")["ok"], true);
    assert_eq!(
        report["ok"], false,
        "an owner on a read-only connection fails the doctor"
    );
    // Only the reader: everything passes.
    project.write_config(&json!({"connections": {"reader": {"host": server.host, "port": server.port, "database": database,
        "user": role, "password": "${DEV_POSTGRES_TEST_PASSWORD}", "sslmode": "disable"}}}));
    let report = doctor(&project.dir);
    assert_eq!(report["ok"], true, "{report}");
    // No hook registered: doctor says so and how to fix it.
    tool(&project.dir).arg("uninstall").run().status(0);
    let report = doctor(&project.dir);
    let hook = check(&report, "hook registered");
    assert_eq!(hook["ok"], false);
    assert!(hook["fix"]
        .as_str()
        .unwrap()
        .contains("dev-postgres install"));
    admin
        .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .unwrap();
}

#[test]
#[ignore = "needs PostgreSQL's server programs (scripts/test.sh installs them)"]
fn the_sandbox_starts_with_two_connections_and_stops_clean() {
    let project = temp_project("sandbox");
    let sandbox_dir =
        std::env::temp_dir().join(format!("dev-postgres-sandbox-test-{}", std::process::id()));
    let dir_flag = sandbox_dir.to_str().unwrap().to_string();
    tool(&project)
        .args(["sandbox", "start", "--dir", &dir_flag])
        .run()
        .status(0)
        .stdout_has("sandbox-ro");
    tool(&project)
        .args(["sandbox", "status", "--dir", &dir_flag])
        .run()
        .status(0)
        .stdout_has("running");
    let query = Path::new(DEV_POSTGRES).parent().unwrap().join("pg-query");
    Cmd::new(&query)
        .current_dir(&project)
        .args([
            "-c",
            "sandbox-ro",
            "--format",
            "csv",
            "SELECT count(*) FROM users",
        ])
        .run()
        .status(0)
        .stdout_is("count\r\n20\r\n");
    Cmd::new(&query)
        .current_dir(&project)
        .args(["-c", "sandbox-ro", "DELETE FROM users WHERE id = 1"])
        .run()
        .status(1);
    Cmd::new(&query)
        .current_dir(&project)
        .args(["-c", "sandbox-rw", "INSERT INTO t VALUES (99) RETURNING a"])
        .run()
        .status(0)
        .stdout_has("99");
    tool(&project)
        .args(["sandbox", "start", "--dir", &dir_flag])
        .run()
        .status(3)
        .stderr_has("already runs");
    tool(&project)
        .args(["sandbox", "stop", "--dir", &dir_flag])
        .run()
        .status(0);
    assert!(!sandbox_dir.exists());
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(project.join(".dev-postgres.json")).unwrap())
            .unwrap();
    assert!(config["connections"].get("sandbox-ro").is_none());
    std::fs::remove_dir_all(&project).unwrap();
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn the_sandbox_can_copy_another_connection_s_schema_without_data() {
    let server = TestServer::from_env();
    let database = server.database_from(
        "sandbox_source",
        &[
            devpg_testing::server::SAMPLE_SCHEMA,
            devpg_testing::server::CATALOG_FIXTURE,
        ],
    );
    let project = Project::new(&server, json!({"source": {"database": database}}));
    let sandbox_dir =
        std::env::temp_dir().join(format!("dev-postgres-sandbox-copy-{}", std::process::id()));
    let dir_flag = sandbox_dir.to_str().unwrap().to_string();
    tool(&project.dir)
        .args([
            "sandbox",
            "start",
            "--dir",
            &dir_flag,
            "--schema-from",
            "source",
        ])
        .run()
        .status(0)
        .stdout_has("schema copied from 'source' (no data)");
    let schema = Path::new(DEV_POSTGRES).parent().unwrap().join("pg-schema");
    let tables = Cmd::new(&schema)
        .current_dir(&project.dir)
        .args(["-c", "sandbox-rw", "--format", "json", "tables"])
        .run()
        .status(0)
        .json();
    let names: Vec<String> = tables
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}.{}",
                t["schema"].as_str().unwrap(),
                t["table"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        names.contains(&"sales.orders".to_string()) && names.contains(&"public.users".to_string()),
        "{names:?}"
    );
    let query = Path::new(DEV_POSTGRES).parent().unwrap().join("pg-query");
    Cmd::new(&query)
        .current_dir(&project.dir)
        .args([
            "-c",
            "sandbox-rw",
            "--format",
            "csv",
            "SELECT count(*) FROM users",
        ])
        .run()
        .status(0)
        .stdout_is("count\r\n0\r\n");
    // A migration can be tried on the copy.
    Cmd::new(&query)
        .current_dir(&project.dir)
        .args([
            "-c",
            "sandbox-rw",
            "ALTER TABLE users ADD COLUMN nickname text",
        ])
        .run()
        .status(0);
    tool(&project.dir)
        .args(["sandbox", "stop", "--dir", &dir_flag])
        .run()
        .status(0);
    // The source is untouched.
    let mut client = server.connect(&database);
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

/// `dev-postgres trust FILE` at a pseudo-terminal, typing `answer`, started
/// by a shell named `shell_name` (a stand-in for the agent's process).
fn trust_at_a_terminal(shell_name: &str, file: &Path, answer: &str, dir: &Path) {
    let shell = dir.join(shell_name);
    let _ = std::fs::remove_file(&shell);
    std::os::unix::fs::symlink("/bin/bash", &shell).unwrap();
    let inner = format!("{DEV_POSTGRES} trust {}", file.display());
    let script = format!("printf '%s\\n' {answer} | script -qec '{inner}' /dev/null");
    let _ = std::process::Command::new(&shell)
        .args(["-c", &script])
        .output()
        .unwrap();
}

#[test]
fn only_a_human_at_a_terminal_outside_any_agent_trusts_a_configuration() {
    let dir = temp_project("trust");
    let config = dir.join(".dev-postgres.json");
    std::fs::write(
        &config,
        r#"{"connections": {"x": {"database": "d", "host": "h"}}}"#,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let bytes = std::fs::read(&config).unwrap();
    let short = &devpg_policy::config::trust::sha256_hex(&bytes)[..8];
    let trusted = || devpg_policy::config::trust::check(&config, &bytes).is_ok();
    // No terminal: refused.
    tool(&dir)
        .args(["trust"])
        .run()
        .status(3)
        .stderr_has("asks a human");
    assert!(!trusted());
    // A terminal, but the wrong answer: refused.
    trust_at_a_terminal("sh-human", &config, "nope", &dir);
    assert!(!trusted());
    // A pseudo-terminal made under a coding agent's process: refused.
    trust_at_a_terminal("claude", &config, short, &dir);
    assert!(
        !trusted(),
        "a process under `claude` trusted a configuration"
    );
    // A human at a terminal typing the hash: trusted.
    trust_at_a_terminal("sh-human", &config, short, &dir);
    assert!(trusted());
    std::fs::remove_dir_all(&dir).unwrap();
}
