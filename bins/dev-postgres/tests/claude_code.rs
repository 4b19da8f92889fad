#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The real Claude Code client, run offline against a scripted stand-in for
//! its API (tests/claude/stand_in_api.py), in a project set up by
//! `dev-postgres install`: the installed hook receives the client's real
//! PreToolUse payloads. scripts/test.sh installs the client with npm.
use devpg_testing::claude::{self, trusting_home, StandIn};
use devpg_testing::cmd::Cmd;
use devpg_testing::repo_root;
use serde_json::json;
use std::path::Path;

const DEV_POSTGRES: &str = env!("CARGO_BIN_EXE_dev-postgres");

fn run(project: &Path, home: &Path, port: u16, command: &str) -> String {
    claude::run(
        project,
        home,
        port,
        &format!("run: {command}"),
        &["--allowedTools", "Bash"],
        &[],
    )
}

fn run_with(project: &Path, home: &Path, port: u16, command: &str, extra: &[&str]) -> String {
    let mut args = vec!["--allowedTools", "Bash"];
    args.extend_from_slice(extra);
    claude::run(project, home, port, &format!("run: {command}"), &args, &[])
}

#[test]
#[ignore = "needs the Claude Code client from npm (scripts/test.sh installs it)"]
fn the_real_client_runs_the_installed_hook() {
    let root = std::env::temp_dir().join(format!("dev-postgres-claude-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let project = root.join("project");
    let home = root.join("home");
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let project = project.canonicalize().unwrap();
    let binaries = Path::new(DEV_POSTGRES).parent().unwrap();
    let bin_dir = root.join("bin");
    Cmd::new(DEV_POSTGRES)
        .current_dir(&project)
        .env("HOME", &home)
        .args(["install", "--from"])
        .arg(binaries)
        .arg("--bin-dir")
        .arg(&bin_dir)
        .run()
        .status(0);
    std::fs::write(
        project.join(".dev-postgres.json"),
        json!({"connections": {"warehouse": {"database": "wh", "description": "the analytics warehouse"}}}).to_string(),
    )
    .unwrap();
    devpg_testing::trust(&project.join(".dev-postgres.json"));
    // A trusted workspace: an untrusted one ignores parts of the project settings.
    let trust = json!({"hasCompletedOnboarding": true, "projects": {project.to_string_lossy(): {"hasTrustDialogAccepted": true}}});
    std::fs::write(home.join(".claude.json"), trust.to_string()).unwrap();
    let api = StandIn::start(&root);
    let marker = root.join("ran");
    let marker = marker.to_string_lossy();
    let path = format!("PATH={}:\"$PATH\"", bin_dir.display());
    let path = path.as_str();

    for command in [
        "psql -c 'select 1'".to_string(),
        "p''sql -h db -c 'select 1'".to_string(),
        "bash -c \"pg_dump app > dump.sql\"".to_string(),
        "X=ps; ${X}ql -c x".to_string(),
        "echo cHNxbA== | base64 -d | sh".to_string(),
        "cp /usr/bin/psql ./q".to_string(),
        "echo postgres://u:p@db/app".to_string(),
        format!("psql -c x; touch {marker}"),
    ] {
        let result = run(&project, &home, api.port, &command);
        assert!(
            result.starts_with("TOOL_RESULT is_error=True") && result.contains("pg-hook blocked"),
            "{command}: {result}"
        );
    }
    // An agent-typed --confirm goes to the human; in -p mode nothing runs.
    let confirm = run(
        &project,
        &home,
        api.port,
        &format!("{path} pg-query --confirm 'DROP TABLE t'; touch {marker}"),
    );
    assert!(confirm.contains("--confirm"), "{confirm}");
    assert!(!root.join("ran").exists(), "a blocked or asked command ran");
    // Everyday commands and the wrappers run.
    let ls = run(&project, &home, api.port, "ls -a");
    assert!(
        ls.starts_with("TOOL_RESULT is_error=False") && ls.contains(".dev-postgres.json"),
        "{ls}"
    );
    let schema = run(
        &project,
        &home,
        api.port,
        &format!("{path} pg-schema connections"),
    );
    assert!(
        schema.starts_with("TOOL_RESULT is_error=False") && schema.contains("warehouse"),
        "{schema}"
    );
    drop(api);
    std::fs::remove_dir_all(&root).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
#[ignore = "needs the Claude Code client from npm (scripts/test.sh installs it)"]
fn the_plugin_layout_loads_the_hook_and_puts_the_binaries_on_path() {
    let root = std::env::temp_dir().join(format!("dev-postgres-plugin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    // The plugin as scripts/build-plugin.sh leaves it: the repository's
    // plugin files, and the built binaries in bin/.
    let plugin = root.join("plugin");
    let repo = repo_root();
    copy_dir(&repo.join(".claude-plugin"), &plugin.join(".claude-plugin"));
    copy_dir(&repo.join("hooks"), &plugin.join("hooks"));
    copy_dir(
        &repo.join("skills/dev-postgres"),
        &plugin.join("skills/dev-postgres"),
    );
    let binaries = Path::new(DEV_POSTGRES).parent().unwrap();
    std::fs::create_dir_all(plugin.join("bin")).unwrap();
    for binary in ["pg-hook", "pg-query", "pg-schema", "pg-validate"] {
        std::fs::copy(binaries.join(binary), plugin.join("bin").join(binary)).unwrap();
    }
    let project = root.join("project");
    std::fs::create_dir_all(&project).unwrap();
    let project = project.canonicalize().unwrap();
    let home = trusting_home(&root, &project);
    let api = StandIn::start(&root);
    let plugin_dir = plugin.to_string_lossy().to_string();
    let extra = ["--plugin-dir", plugin_dir.as_str()];
    let blocked = run_with(&project, &home, api.port, "psql -c 'select 1'", &extra);
    assert!(
        blocked.starts_with("TOOL_RESULT is_error=True") && blocked.contains("pg-hook blocked"),
        "{blocked}"
    );
    let on_path = run_with(
        &project,
        &home,
        api.port,
        "pg-validate 'DELETE FROM t'",
        &extra,
    );
    assert!(on_path.contains("[write-statement]"), "{on_path}");
    drop(api);
    std::fs::remove_dir_all(&root).unwrap();
}
