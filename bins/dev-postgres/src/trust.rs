//! `dev-postgres trust`: shows a human what a configuration grants, then
//! records their approval of exactly these bytes. Every binary refuses a
//! configuration that is not trusted or has changed since.

use devpg_policy::config::{self, paths, trust, Config, FILE_NAME};
use devpg_policy::text::shell_quote;
use devpg_policy::Error;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Trusts `path` (or the project's configuration, or with `user` the
/// user-level one); returns the lines to show.
pub fn trust(path: Option<&Path>, user: bool, cwd: &Path) -> Result<Vec<String>, Error> {
    let file: PathBuf = match (path, user) {
        (Some(path), _) => cwd.join(path),
        (None, true) => paths::user_config()
            .ok_or_else(|| Error::usage("cannot find this account's home folder"))?,
        (None, false) => config::project_dir(cwd).join(FILE_NAME),
    };
    let bytes = std::fs::read(&file).map_err(|source| Error::Read {
        path: file.clone(),
        source,
    })?;
    if devpg_policy::fs::writable_by_others(&file) {
        return Err(Error::Config {
            place: file.display().to_string(),
            message: format!(
                "is writable by other users: not trusted. Run: chmod 600 {}",
                shell_quote(&file.display().to_string())
            ),
        });
    }
    let text = String::from_utf8(bytes.clone()).map_err(|_| Error::Config {
        place: file.display().to_string(),
        message: "is not UTF-8 text".into(),
    })?;
    // The same strict parse every binary applies: a file that would be
    // refused later is not trusted now.
    let config = Config::parse(&text, &file.display().to_string())?;
    let hash = trust::sha256_hex(&bytes);
    let short = hash.get(..8).unwrap_or(&hash).to_string();
    // A human approves: at a terminal, after reading the grants, by typing
    // the file's short hash. The agent's shell has no terminal, and the hook
    // refuses an agent-typed `dev-postgres trust`.
    let mut stderr = std::io::stderr();
    // A pseudo-terminal is easy to make (script, expect, python's pty): a
    // process started by a coding agent does not approve configuration, even
    // at a terminal. pg-hook refuses the command too; this is the second wall.
    if let Some(agent) = agent_ancestor() {
        return Err(Error::usage(format!(
            "dev-postgres trust is running under a coding agent ({agent}): a human runs it in their own terminal, outside the agent"
        )));
    }
    if !std::io::stdin().is_terminal() || !stderr.is_terminal() {
        return Err(Error::usage(format!(
            "dev-postgres trust asks a human: run it yourself in a terminal (not through the agent) to review {}",
            shell_quote(&file.display().to_string())
        )));
    }
    for line in grants(&config, &file) {
        let _ = writeln!(stderr, "{line}");
    }
    let _ = write!(
        stderr,
        "To trust exactly this file, type {short} (anything else leaves it untrusted): "
    );
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(Error::Stdin)?;
    if answer.trim() != short {
        return Err(Error::usage(format!(
            "not trusted: {} stays refused by every dev-postgres binary",
            file.display()
        )));
    }
    trust::trust(&file, &bytes)?;
    Ok(vec![format!(
        "trusted {} (sha256 {short}…): every dev-postgres binary uses it until it changes",
        file.display()
    )])
}

/// The coding agents whose descendants never approve configuration: process
/// names, and what their command lines hold when they run under node.
const AGENT_PROCESSES: &[&str] = &["claude", "codex", "copilot", "cursor-agent", "gemini"];
const AGENT_PACKAGES: &[&str] = &[
    "@anthropic-ai/claude-code",
    "@github/copilot",
    "@google/gemini-cli",
    "@openai/codex",
];

/// The first ancestor process that is a coding agent, as `name (pid N)`.
fn agent_ancestor() -> Option<String> {
    let field = |pid: u32, name: &str| -> Option<String> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let mut pid = std::process::id();
    for _ in 0..64 {
        let parent: u32 = field(pid, "PPid:")?.parse().ok()?;
        if parent <= 1 {
            return None;
        }
        let comm = std::fs::read_to_string(format!("/proc/{parent}/comm")).unwrap_or_default();
        let cmdline = std::fs::read(format!("/proc/{parent}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let program = cmdline
            .split_whitespace()
            .next()
            .and_then(|p| Path::new(p).file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let is_agent = AGENT_PROCESSES
            .iter()
            .any(|a| comm.trim() == *a || program == *a)
            || AGENT_PACKAGES.iter().any(|p| cmdline.contains(p));
        if is_agent {
            return Some(format!("{} (pid {parent})", comm.trim()));
        }
        pid = parent;
    }
    None
}

/// What the file lets the agent do, one line per grant.
fn grants(config: &Config, file: &Path) -> Vec<String> {
    // Every value is shown escaped: a name holding terminal escapes must not
    // redraw the lines a human is approving.
    let shown = |text: &str| devpg_policy::text::visible(text);
    let mut lines = vec![format!("{} grants:", file.display())];
    let or_env = |value: &Option<String>, what: &str| match value {
        Some(v) if v.contains("${") => {
            format!("{} (CHOSEN AT RUN TIME by the environment)", shown(v))
        }
        Some(v) => shown(v),
        None => format!("<{what} default>"),
    };
    for (name, c) in &config.connections {
        let default = if config.default_connection.as_deref() == Some(name.as_str()) {
            " (default)"
        } else {
            ""
        };
        lines.push(format!(
            "  connection {}{default}: {} as {} on {}:{}/{} sslmode {}",
            shown(name),
            c.mode,
            or_env(&c.user, "account"),
            or_env(&c.host, "localhost"),
            or_env(&c.port, "5432"),
            or_env(&c.database, "no"),
            or_env(&c.sslmode, "prefer"),
        ));
        if let Some(service) = &c.service {
            lines.push(format!(
                "    service {} (its entries come from a service file)",
                shown(service)
            ));
        }
        if c.from_environment {
            lines.push("    takes host, port, database, user and sslmode from PG* variables and service files when the file leaves them out".into());
        }
        if c.require_confirmation == Some(false) {
            lines.push("    destructive statements run WITHOUT --confirm".into());
        }
        if c.password.is_some() {
            lines.push("    has a password in the file (prefer \"${VAR}\")".into());
        }
    }
    let s = &config.security;
    lines.push(format!(
        "  security: destructive statements need --confirm: {}; max_rows {}; timeout {} s; audit log {}{}",
        s.require_confirmation_for_destructive,
        s.max_rows,
        s.query_timeout_seconds,
        s.log_file.as_deref().unwrap_or(config::DEFAULT_LOG_NAME),
        if s.audit_syslog.is_some() { " (+ syslog)" } else { "" }
    ));
    lines.push(format!(
        "  hook: agent-typed --confirm: {:?}; MCP servers judged: {}; MCP mode {}",
        config.hook.confirm,
        config.hook.mcp_servers.join(", "),
        config.hook.mcp_mode
    ));
    lines
}
