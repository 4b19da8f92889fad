#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
//! The real Gemini, Codex and GitHub Copilot CLIs (npm, pinned in tests/agents/package.json),
//! run offline against scripted stand-ins for their model APIs
//! (tests/agents/*_stand_in.py), in projects set up by
//! `dev-postgres install --agent NAME`: the installed hook receives the
//! clients' real payloads and the clients act on pg-hook's answers.
use devpg_testing::cmd::Cmd;
use devpg_testing::repo_root;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const DEV_POSTGRES: &str = env!("CARGO_BIN_EXE_dev-postgres");

/// The stand-in API, reaped on every path.
struct StandIn {
    child: Child,
    port: u16,
}

impl StandIn {
    fn start(dir: &Path, script: &str) -> StandIn {
        let port_file = dir.join("port");
        let child = Command::new("python3")
            .arg(repo_root().join("tests/agents").join(script))
            .arg(&port_file)
            .spawn()
            .unwrap();
        let mut stand_in = StandIn { child, port: 0 };
        let started = Instant::now();
        while stand_in.port == 0 {
            match std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|p| p.trim().parse().ok())
            {
                Some(port) => stand_in.port = port,
                None => {
                    assert!(started.elapsed() < Duration::from_secs(10), "no stand-in");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        stand_in
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(name: &str) -> PathBuf {
    let binary = repo_root()
        .join("tests/agents/node_modules/.bin")
        .join(name);
    assert!(
        binary.exists(),
        "{name} is not installed: npm install --prefix tests/agents (scripts/test.sh does)"
    );
    binary
}

/// `gemini -p "run: COMMAND" --yolo`: the final answer is the stand-in's
/// `TOOL_RESULT: {…}` echo of what the tool call returned.
fn run(project: &Path, home: &Path, port: u16, command: &str) -> String {
    let out = Cmd::new(client("gemini"))
        .current_dir(project)
        .env("HOME", home)
        .env("GEMINI_API_KEY", "test")
        .env("GOOGLE_GEMINI_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("NO_BROWSER", "true")
        .args([
            "-p",
            &format!("run: {command}"),
            "--yolo",
            "-m",
            "gemini-2.5-flash",
            "-o",
            "json",
        ])
        .run();
    assert_eq!(out.code, Some(0), "{out:?}");
    let answer: Value = serde_json::from_str(&out.stdout).unwrap();
    answer["response"].as_str().unwrap().to_string()
}

#[test]
#[ignore = "needs the Gemini CLI from npm (scripts/test.sh installs it)"]
fn the_real_gemini_cli_runs_the_installed_hook() {
    let root = std::env::temp_dir().join(format!("dev-postgres-gemini-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let project = root.join("project");
    let home = root.join("home");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(home.join(".gemini")).unwrap();
    let project = project.canonicalize().unwrap();
    Cmd::new(DEV_POSTGRES)
        .current_dir(&project)
        .env("HOME", &home)
        .args(["install", "--agent", "gemini", "--from"])
        .arg(Path::new(DEV_POSTGRES).parent().unwrap())
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .run()
        .status(0);
    // A trusted folder (an untrusted one ignores project settings) and an
    // API-key login, whose base URL the environment points at the stand-in.
    std::fs::write(
        home.join(".gemini/trustedFolders.json"),
        json!({project.to_string_lossy(): "TRUST_FOLDER"}).to_string(),
    )
    .unwrap();
    std::fs::write(
        home.join(".gemini/settings.json"),
        json!({"security": {"auth": {"selectedType": "gemini-api-key"}}}).to_string(),
    )
    .unwrap();
    let stand_in = StandIn::start(&root, "gemini_stand_in.py");
    let port = stand_in.port;

    let psql = run(&project, &home, port, "psql -c 'select 1'");
    assert!(
        psql.contains("Tool execution blocked: pg-hook blocked this command [pg-client-program]"),
        "{psql}"
    );
    let uri = run(&project, &home, port, "echo postgres://u:p@db/app");
    assert!(uri.contains("[postgres-uri]"), "{uri}");
    let confirm = run(&project, &home, port, "pg-query --confirm 'DROP TABLE t'");
    assert!(
        confirm.contains("Tool execution blocked") && confirm.contains("[agent-confirm]"),
        "{confirm}"
    );
    let ls = run(&project, &home, port, "ls -a");
    assert!(ls.contains("GEMINI.md") && !ls.contains("blocked"), "{ls}");
    // A hook that cannot run blocks too.
    std::fs::remove_file(root.join("bin/pg-hook")).unwrap();
    let missing = run(&project, &home, port, "ls -a");
    assert!(missing.contains("Tool execution blocked"), "{missing}");
    drop(stand_in);
    let _ = std::fs::remove_dir_all(&root);
}

/// `codex exec "run: COMMAND"`: the last message is the stand-in's
/// `TOOL_RESULT: …` echo of what the tool call returned.
fn codex(project: &Path, home: &Path, command: &str, extra: &[&str]) -> String {
    let last = home.join("last.txt");
    let _ = std::fs::remove_file(&last);
    let out = Cmd::new(client("codex"))
        .current_dir(project)
        .env("HOME", home)
        .env("CODEX_HOME", home.join(".codex"))
        .env("STANDIN_API_KEY", "test")
        .args([
            "exec",
            "--skip-git-repo-check",
            "-s",
            "danger-full-access",
            "-o",
        ])
        .arg(&last)
        .args(extra)
        .arg(format!("run: {command}"))
        .run();
    assert_eq!(out.code, Some(0), "{out:?}");
    std::fs::read_to_string(&last).unwrap()
}

#[test]
#[ignore = "needs the Codex CLI from npm (scripts/test.sh installs it)"]
fn the_real_codex_cli_runs_the_installed_hook_once_it_is_trusted() {
    let root = std::env::temp_dir().join(format!("dev-postgres-codex-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let project = root.join("project");
    let home = root.join("home");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(home.join(".codex")).unwrap();
    let project = project.canonicalize().unwrap();
    Cmd::new(DEV_POSTGRES)
        .current_dir(&project)
        .env("HOME", &home)
        .args(["install", "--agent", "codex", "--from"])
        .arg(Path::new(DEV_POSTGRES).parent().unwrap())
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .run()
        .status(0)
        .stdout_has("/hooks");
    let stand_in = StandIn::start(&root, "responses_stand_in.py");
    // A model provider at the stand-in, and a trusted project (Codex loads
    // a project's hooks only there).
    std::fs::write(
        home.join(".codex/config.toml"),
        format!(
            "model = \"gpt-5-codex\"\nmodel_provider = \"standin\"\n\n[model_providers.standin]\nname = \"standin\"\nbase_url = \"http://127.0.0.1:{}/v1\"\nwire_api = \"responses\"\nenv_key = \"STANDIN_API_KEY\"\n\n[projects.{}]\ntrust_level = \"trusted\"\n",
            stand_in.port,
            json!(project.to_string_lossy())
        ),
    )
    .unwrap();
    // Until a human trusts the hook in /hooks, Codex skips it silently; the
    // command rules install wrote (they need only the project's trust) still
    // forbid the clients, but a URI gets through.
    let untrusted = codex(&project, &home, "psql --version; echo RAN", &[]);
    assert!(
        untrusted.contains("rejected: Direct PostgreSQL clients are blocked here"),
        "{untrusted}"
    );
    let uri = codex(&project, &home, "echo postgres://u:p@db/app", &[]);
    assert!(
        uri.contains("postgres://u:p@db/app") && !uri.contains("blocked"),
        "{uri}"
    );
    // Trusted (here by the flag for automation), it blocks.
    let trusted = ["--dangerously-bypass-hook-trust"];
    let psql = codex(&project, &home, "psql -c 'select 1'", &trusted);
    assert!(
        psql.contains(
            "Command blocked by PreToolUse hook: pg-hook blocked this command [pg-client-program]"
        ),
        "{psql}"
    );
    let uri = codex(&project, &home, "echo postgres://u:p@db/app", &trusted);
    assert!(uri.contains("[postgres-uri]"), "{uri}");
    let confirm = codex(
        &project,
        &home,
        "pg-query --confirm 'DROP TABLE t'",
        &trusted,
    );
    assert!(
        confirm.contains("Command blocked by PreToolUse hook")
            && confirm.contains("[agent-confirm]"),
        "{confirm}"
    );
    let ls = codex(&project, &home, "ls -a", &trusted);
    assert!(ls.contains("AGENTS.md") && !ls.contains("blocked"), "{ls}");
    std::fs::remove_file(root.join("bin/pg-hook")).unwrap();
    let missing = codex(&project, &home, "ls -a", &trusted);
    assert!(missing.contains("blocked to be safe"), "{missing}");
    drop(stand_in);
    let _ = std::fs::remove_dir_all(&root);
}

/// `copilot -p "run: COMMAND"` with a custom provider at the stand-in
/// (BYOK, offline): the output holds the stand-in's `TOOL_RESULT: …`.
fn copilot(project: &Path, home: &Path, port: u16, command: &str) -> String {
    let out = Cmd::new(client("copilot"))
        .current_dir(project)
        .env("HOME", home)
        .env("COPILOT_OFFLINE", "true")
        .env(
            "COPILOT_PROVIDER_BASE_URL",
            format!("http://127.0.0.1:{port}/v1"),
        )
        .env("COPILOT_PROVIDER_WIRE_API", "responses")
        .env("COPILOT_PROVIDER_API_KEY", "test")
        .env("COPILOT_MODEL", "gpt-5")
        .args(["-p", &format!("run: {command}"), "--allow-all-tools"])
        .run();
    assert_eq!(out.code, Some(0), "{out:?}");
    let at = out
        .stdout
        .find("TOOL_RESULT:")
        .unwrap_or_else(|| panic!("{out:?}"));
    // The client wraps long lines: compare on single spaces.
    out.stdout[at..]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
#[ignore = "needs the GitHub Copilot CLI from npm (scripts/test.sh installs it)"]
fn the_real_copilot_cli_runs_the_user_level_hook() {
    let root = std::env::temp_dir().join(format!("dev-postgres-copilot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let project = root.join("project");
    let home = root.join("home");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(home.join(".copilot")).unwrap();
    let project = project.canonicalize().unwrap();
    // A trusted folder, as the client records it after asking.
    std::fs::write(
        home.join(".copilot/settings.json"),
        json!({"trustedFolders": [project]}).to_string(),
    )
    .unwrap();
    Cmd::new(DEV_POSTGRES)
        .current_dir(&project)
        .env("HOME", &home)
        .args(["install", "--user", "--agent", "copilot", "--from"])
        .arg(Path::new(DEV_POSTGRES).parent().unwrap())
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .run()
        .status(0);
    let stand_in = StandIn::start(&root, "responses_stand_in.py");
    let port = stand_in.port;
    let psql = copilot(&project, &home, port, "psql -c 'select 1'");
    assert!(
        psql.contains(
            "Denied by preToolUse hook: pg-hook blocked this command [pg-client-program]"
        ),
        "{psql}"
    );
    let uri = copilot(&project, &home, port, "echo postgres://u:p@db/app");
    assert!(uri.contains("[postgres-uri]"), "{uri}");
    // An ask cannot be answered in -p: the client denies it.
    let confirm = copilot(&project, &home, port, "pg-query --confirm 'DROP TABLE t'");
    assert!(
        confirm.contains("Denied by preToolUse hook (unable to ask user for confirmation)"),
        "{confirm}"
    );
    let ls = copilot(&project, &home, port, "echo ran-it");
    assert!(ls.contains("ran-it") && !ls.contains("Denied"), "{ls}");
    std::fs::remove_file(root.join("bin/pg-hook")).unwrap();
    let missing = copilot(&project, &home, port, "echo ran-it");
    assert!(missing.contains("blocked to be safe"), "{missing}");
    drop(stand_in);
    let _ = std::fs::remove_dir_all(&root);
}
