//! The real Claude Code client (npm, pinned in tests/claude/package.json),
//! run offline against the scripted stand-in for its API
//! (tests/claude/stand_in_api.py).

use crate::cmd::Cmd;
use crate::repo_root;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The stand-in API, reaped on every path.
pub struct StandIn {
    child: Child,
    pub port: u16,
}

impl StandIn {
    pub fn start(dir: &Path) -> StandIn {
        let port_file = dir.join("port");
        let _ = std::fs::remove_file(&port_file);
        let child = Command::new("python3")
            .arg(repo_root().join("tests/claude/stand_in_api.py"))
            .arg(&port_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the stand-in API: {e}"));
        let mut stand_in = StandIn { child, port: 0 };
        let started = Instant::now();
        while stand_in.port == 0 {
            match std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|p| p.trim().parse().ok())
            {
                Some(port) => stand_in.port = port,
                None => {
                    assert!(
                        started.elapsed() < Duration::from_secs(10),
                        "the stand-in API did not start"
                    );
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

pub fn binary() -> PathBuf {
    let binary = repo_root().join("tests/claude/node_modules/.bin/claude");
    assert!(binary.exists(), "the Claude Code client is not installed: npm install --prefix tests/claude (scripts/test.sh does)");
    binary
}

/// Runs `claude -p PROMPT` (the stand-in reads `run: COMMAND` as one Bash
/// call, `tool: NAME JSON` as one call of another tool) with `args`, in
/// `project` with `HOME=home` and the extra environment `env`; returns the
/// final result text (`TOOL_RESULT is_error=…: …`).
pub fn run(
    project: &Path,
    home: &Path,
    port: u16,
    prompt: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> String {
    let mut cmd = Cmd::new(binary())
        .current_dir(project)
        .env("HOME", home)
        .env("ANTHROPIC_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("ANTHROPIC_API_KEY", "stand-in-key")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_AUTOUPDATER", "1");
    for (key, value) in env {
        cmd = cmd.env(key, value);
    }
    let out = cmd
        .args(["-p", prompt, "--output-format", "json"])
        .args(args)
        .run();
    let line = out
        .stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON from claude: {out:?}"));
    let result: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    result["result"].as_str().unwrap_or_default().to_string()
}

/// A home where onboarding is done and `project` is a trusted workspace (an
/// untrusted one ignores parts of the project settings).
pub fn trusting_home(root: &Path, project: &Path) -> PathBuf {
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("{e}"));
    let trust = serde_json::json!({"hasCompletedOnboarding": true, "projects": {project.to_string_lossy(): {"hasTrustDialogAccepted": true}}});
    std::fs::write(home.join(".claude.json"), trust.to_string()).unwrap_or_else(|e| panic!("{e}"));
    home
}
