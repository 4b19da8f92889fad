#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
//! dev-postgres install / uninstall / doctor --agent NAME, as a user runs them:
//! the registration each agent reads, the instructions file, exact reversal,
//! and doctor running the registered command with a psql call in the agent's
//! shape.
use devpg_testing::cmd::Cmd;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const DEV_POSTGRES: &str = env!("CARGO_BIN_EXE_dev-postgres");

fn binaries() -> PathBuf {
    let dir = Path::new(DEV_POSTGRES).parent().unwrap().to_path_buf();
    for binary in ["pg-hook", "pg-query", "pg-schema", "pg-validate"] {
        assert!(
            dir.join(binary).is_file(),
            "{binary} is not built beside dev-postgres: run the workspace's tests (scripts/test.sh)"
        );
    }
    dir
}

fn temp_project(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("dev-postgres-agents-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(dir.with_extension("bin"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tool(project: &Path) -> Cmd {
    Cmd::new(DEV_POSTGRES)
        .current_dir(project)
        .env("HOME", project.join("home"))
        .env("XDG_CONFIG_HOME", project.join("home"))
}

fn install(project: &Path, agent: &str) -> devpg_testing::cmd::Output {
    tool(project)
        .args(["install", "--agent", agent, "--from"])
        .arg(binaries())
        .arg("--bin-dir")
        .arg(project.with_extension("bin"))
        .run()
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hook_command(project: &Path, agent: &str) -> String {
    format!(
        "{}/pg-hook --agent {agent}",
        project.with_extension("bin").display()
    )
}

/// The agent's checks in doctor's JSON report.
fn doctor_checks(project: &Path, title: &str) -> Vec<Value> {
    let out = tool(project).args(["doctor", "--json"]).run();
    out.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"].as_str().unwrap().starts_with(title))
        .cloned()
        .collect()
}

fn assert_doctor_passes(project: &Path, title: &str) {
    let checks = doctor_checks(project, title);
    assert!(
        checks
            .iter()
            .any(|c| c["check"] == format!("{title}: hook fires")),
        "{checks:?}"
    );
    assert!(checks.iter().all(|c| c["ok"] == true), "{checks:#?}");
}

#[test]
fn codex_install_registers_the_hook_and_agents_md_and_uninstall_reverses_it() {
    let project = temp_project("codex");
    let hooks = project.join(".codex/hooks.json");
    std::fs::create_dir_all(project.join(".codex")).unwrap();
    let original =
        json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]}});
    std::fs::write(&hooks, original.to_string()).unwrap();
    std::fs::write(project.join("AGENTS.md"), "# Rules\n\nBe kind.\n").unwrap();
    install(&project, "codex")
        .status(0)
        .stdout_has("registered")
        .stdout_has("/hooks");
    let merged = read(&hooks);
    assert_eq!(merged["hooks"]["Stop"], original["hooks"]["Stop"]);
    let pre = merged["hooks"]["PreToolUse"].as_array().unwrap();
    let matchers: Vec<&str> = pre.iter().map(|e| e["matcher"].as_str().unwrap()).collect();
    assert_eq!(matchers, ["Bash", "mcp__.*"]);
    let command = pre[0]["hooks"][0]["command"].as_str().unwrap();
    assert!(
        command.starts_with(&hook_command(&project, "codex")),
        "{command}"
    );
    assert!(command.contains("exit 2"), "{command}");
    let rules = std::fs::read_to_string(project.join(".codex/rules/dev-postgres.rules")).unwrap();
    assert!(rules.contains("decision = \"forbidden\"") && rules.contains("\"psql\""));
    let agents_md = std::fs::read_to_string(project.join("AGENTS.md")).unwrap();
    assert!(agents_md.starts_with("# Rules\n\nBe kind.\n\n<!-- dev-postgres: begin"));
    assert!(agents_md.contains("pg-query") && agents_md.contains("pg-schema"));
    // Again: nothing changes.
    install(&project, "codex")
        .status(0)
        .stdout_has("nothing changed");
    assert_eq!(read(&hooks), merged);
    assert_doctor_passes(&project, "Codex CLI");
    tool(&project)
        .args(["uninstall", "--agent", "codex"])
        .run()
        .status(0);
    assert_eq!(read(&hooks), original);
    assert_eq!(
        std::fs::read_to_string(project.join("AGENTS.md")).unwrap(),
        "# Rules\n\nBe kind.\n"
    );
    assert!(!project.with_extension("bin").join("pg-hook").exists());
    assert!(!project.join(".codex/rules").exists());
    assert!(doctor_checks(&project, "Codex CLI").is_empty());
    tool(&project)
        .args(["uninstall", "--agent", "codex"])
        .run()
        .status(3)
        .stderr_has("nothing to uninstall");
}

#[test]
fn gemini_install_registers_before_tool_and_gemini_md() {
    let project = temp_project("gemini");
    let settings = project.join(".gemini/settings.json");
    std::fs::create_dir_all(project.join(".gemini")).unwrap();
    std::fs::write(
        &settings,
        json!({"model": {"name": "gemini-2.5-pro"}}).to_string(),
    )
    .unwrap();
    install(&project, "gemini").status(0);
    let merged = read(&settings);
    assert_eq!(merged["model"]["name"], "gemini-2.5-pro");
    let entry = &merged["hooks"]["BeforeTool"][0];
    assert_eq!(entry["matcher"], "^(run_shell_command|mcp_.*)$");
    assert_eq!(entry["hooks"][0]["type"], "command");
    assert_eq!(entry["hooks"][0]["timeout"], 10000, "milliseconds");
    assert!(entry["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .starts_with(&hook_command(&project, "gemini")));
    assert!(std::fs::read_to_string(project.join("GEMINI.md"))
        .unwrap()
        .contains("pg-query"));
    assert_doctor_passes(&project, "Gemini CLI");
    tool(&project)
        .args(["uninstall", "--agent", "gemini"])
        .run()
        .status(0);
    assert_eq!(
        read(&settings),
        json!({"model": {"name": "gemini-2.5-pro"}})
    );
    assert!(
        !project.join("GEMINI.md").exists(),
        "created by install, removed"
    );
}

#[test]
fn copilot_install_writes_its_own_hooks_file() {
    let project = temp_project("copilot");
    install(&project, "copilot").status(0);
    let file = project.join(".github/hooks/dev-postgres.json");
    let registration = read(&file);
    assert_eq!(registration["version"], 1);
    let entry = &registration["hooks"]["preToolUse"][0];
    assert_eq!(entry["type"], "command");
    assert_eq!(entry["timeoutSec"], 10);
    let bash = entry["bash"].as_str().unwrap();
    assert!(
        bash.starts_with(&hook_command(&project, "copilot")),
        "{bash}"
    );
    assert!(bash.contains("\"permissionDecision\":\"deny\""), "{bash}");
    assert_doctor_passes(&project, "GitHub Copilot CLI");
    // --user: Copilot's user settings, other keys untouched.
    let home = project.join("home");
    let user_settings = home.join(".copilot/settings.json");
    std::fs::create_dir_all(home.join(".copilot")).unwrap();
    std::fs::write(
        &user_settings,
        json!({"trustedFolders": ["/w"]}).to_string(),
    )
    .unwrap();
    tool(&project)
        .args(["install", "--user", "--agent", "copilot", "--from"])
        .arg(binaries())
        .arg("--bin-dir")
        .arg(project.with_extension("bin"))
        .run()
        .status(0);
    let user = read(&user_settings);
    assert_eq!(user["trustedFolders"], json!(["/w"]));
    assert_eq!(user["hooks"]["preToolUse"][0]["bash"], entry["bash"]);
    assert!(
        user.get("version").is_none(),
        "settings.json has no version"
    );
    tool(&project)
        .args(["uninstall", "--user", "--agent", "copilot"])
        .run()
        .status(0);
    assert_eq!(read(&user_settings), json!({"trustedFolders": ["/w"]}));
    tool(&project)
        .args(["uninstall", "--agent", "copilot"])
        .run()
        .status(0);
    assert!(!file.exists());
    assert!(
        !project.join(".github").exists(),
        "folders install made are gone"
    );
    assert!(!project.join("AGENTS.md").exists());
}

#[test]
fn cursor_install_fails_closed_for_the_shell_and_mcp() {
    let project = temp_project("cursor");
    install(&project, "cursor").status(0);
    let hooks = read(&project.join(".cursor/hooks.json"));
    assert_eq!(hooks["version"], 1);
    for event in ["beforeShellExecution", "beforeMCPExecution"] {
        let entry = &hooks["hooks"][event][0];
        assert_eq!(entry["failClosed"], true, "{event}");
        assert!(entry["command"]
            .as_str()
            .unwrap()
            .starts_with(&hook_command(&project, "cursor")));
    }
    assert_doctor_passes(&project, "Cursor");
    tool(&project)
        .args(["uninstall", "--agent", "cursor"])
        .run()
        .status(0);
    assert!(!project.join(".cursor").exists());
}

#[test]
fn agents_sharing_agents_md_keep_it_until_the_last_one_goes() {
    let project = temp_project("shared");
    install(&project, "codex").status(0);
    install(&project, "cursor").status(0);
    let agents_md = project.join("AGENTS.md");
    let text = std::fs::read_to_string(&agents_md).unwrap();
    assert_eq!(text.matches("dev-postgres: begin").count(), 1);
    tool(&project)
        .args(["uninstall", "--agent", "codex"])
        .run()
        .status(0);
    assert_eq!(std::fs::read_to_string(&agents_md).unwrap(), text);
    assert!(
        project.with_extension("bin").join("pg-hook").exists(),
        "Cursor still uses it"
    );
    tool(&project)
        .args(["uninstall", "--agent", "cursor"])
        .run()
        .status(0);
    assert!(!agents_md.exists());
    assert!(!project.with_extension("bin").join("pg-hook").exists());
}

#[test]
fn doctor_reports_a_registration_that_does_not_block() {
    let project = temp_project("broken");
    install(&project, "cursor").status(0);
    let path = project.join(".cursor/hooks.json");
    let mut hooks = read(&path);
    for event in ["beforeShellExecution", "beforeMCPExecution"] {
        hooks["hooks"][event][0]["command"] = json!("/nowhere/pg-hook --agent cursor; true");
        hooks["hooks"][event][0]["failClosed"] = json!(false);
    }
    std::fs::write(&path, hooks.to_string()).unwrap();
    let checks = doctor_checks(&project, "Cursor");
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        ["Cursor: hook fails closed", "Cursor: hook fires"],
        "{checks:#?}"
    );
}

#[test]
fn an_unknown_agent_is_a_usage_error() {
    let project = temp_project("unknown");
    install(&project, "vim")
        .status(3)
        .stderr_has("unknown agent");
}
