//! `dev-postgres install|uninstall --agent codex|gemini|copilot|cursor` and
//! the doctor's checks of those agents: each agent's hook registration (the
//! absolute path of pg-hook plus `--agent NAME`, wrapped so that a hook that
//! cannot run denies in that agent's terms), its instructions file where it
//! has one, and a record of exactly what was added so uninstall removes
//! exactly that. The contracts are in docs/agents.md.
// Reading a serde_json::Value by key (`v["k"]`) yields Null when the key or
// the shape is missing and never panics; assignments go through as_object_mut.
#![allow(clippy::indexing_slicing)]

use crate::doctor::Check;
use crate::install::{install_binaries, io, pretty, read_json, write};
use devpg_policy::hook::agents::Agent;
use devpg_policy::text::shell_quote;
use devpg_policy::Error;
use serde_json::{json, Map, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The agents `--agent` installs for (Claude Code is the default install).
pub const OTHER_AGENTS: &[Agent] = &[Agent::Codex, Agent::Gemini, Agent::Copilot, Agent::Cursor];

const RECORD: &str = "dev-postgres-install.json";
const BEGIN: &str =
    "<!-- dev-postgres: begin (managed by dev-postgres install; uninstall removes it) -->";
const END: &str = "<!-- dev-postgres: end -->";
const SECTION: &str = "## PostgreSQL: use pg-query and pg-schema

Direct PostgreSQL clients (`psql`, `pg_dump`, `pgcli`, …) and connection URIs are
blocked by a hook here. Every database access goes through:

- `pg-schema connections` — the configured connections and their modes;
- `pg-schema overview`, `pg-schema describe TABLE`, `pg-schema search PATTERN` — the schema;
- `pg-query -c NAME \"SELECT …\"` — SQL behind server-side guards, every attempt in an audit log.

Never look for passwords or connection strings. Destructive statements need
`pg-query --confirm`, which only the user may run: ask them to run it themselves.";

/// Codex's own command rules (execpolicy): a second layer that needs only
/// the project's trust, not the per-hook review an untrusted hook waits for.
const CODEX_RULES: &str = r#"# Installed by dev-postgres (uninstall removes it): direct PostgreSQL clients
# are forbidden; pg-query and pg-schema are the way to the database.
prefix_rule(
    pattern = [["psql", "pg_dump", "pg_dumpall", "pg_restore", "pgcli", "createdb", "dropdb"]],
    decision = "forbidden",
    justification = "Direct PostgreSQL clients are blocked here: use `pg-query -c CONNECTION \"SQL\"` and `pg-schema`.",
    match = [["psql", "-c", "select 1"], ["pg_dump", "app"]],
    not_match = [["pg-query", "-c", "dev", "SELECT 1"]],
)
"#;

/// Where one agent's installation goes.
pub struct AgentTarget {
    pub agent: Agent,
    /// The project folder, or the home folder with `--user`.
    pub root: PathBuf,
    pub user: bool,
    pub bin_dir: PathBuf,
}

impl AgentTarget {
    fn dir(&self) -> PathBuf {
        match self.agent {
            Agent::Codex => self.root.join(".codex"),
            Agent::Gemini => self.root.join(".gemini"),
            Agent::Copilot if self.user => self.root.join(".copilot"),
            Agent::Copilot => self.root.join(".github"),
            Agent::Cursor | Agent::Claude => self.root.join(".cursor"),
        }
    }

    /// The file the agent reads its hooks from.
    pub fn registration(&self) -> PathBuf {
        match self.agent {
            Agent::Codex => self.dir().join("hooks.json"),
            Agent::Gemini => self.dir().join("settings.json"),
            // Copilot reads every JSON file in .github/hooks: this one is ours alone.
            Agent::Copilot if self.user => self.dir().join("settings.json"),
            Agent::Copilot => self.dir().join("hooks/dev-postgres.json"),
            Agent::Cursor | Agent::Claude => self.dir().join("hooks.json"),
        }
    }

    /// The instructions file the agent reads (none for user installs).
    fn instructions(&self) -> Option<PathBuf> {
        if self.user {
            return None;
        }
        match self.agent {
            Agent::Gemini => Some(self.root.join("GEMINI.md")),
            Agent::Codex | Agent::Copilot | Agent::Cursor => Some(self.root.join("AGENTS.md")),
            Agent::Claude => None,
        }
    }

    /// Files that are wholly ours, with their text.
    fn owned_files(&self) -> Vec<(PathBuf, &'static str)> {
        match self.agent {
            Agent::Codex => vec![(self.dir().join("rules/dev-postgres.rules"), CODEX_RULES)],
            _ => Vec::new(),
        }
    }

    fn record(&self) -> PathBuf {
        self.dir().join(RECORD)
    }

    /// The registered command: pg-hook by absolute path, and what the shell
    /// answers when pg-hook cannot run, in the agent's terms.
    pub fn hook_command(&self) -> String {
        let hook = format!(
            "{} --agent {}",
            shell_quote(&self.bin_dir.join("pg-hook").display().to_string()),
            self.agent.name()
        );
        let failed = "pg-hook could not run: blocked to be safe";
        match self.agent {
            // Exit 2 with a reason blocks; exit 2 without one counts as a
            // failed hook in Codex, so the wrapper writes one.
            Agent::Codex | Agent::Claude => {
                format!("{hook} || {{ s=$?; [ \"$s\" -eq 2 ] || echo '{failed}' >&2; exit 2; }}")
            }
            Agent::Gemini => format!("{hook} || {{ echo '{failed}' >&2; exit 2; }}"),
            // Copilot runs the tool when a hook fails: answer its denial.
            Agent::Copilot => format!(
                "{hook} || echo '{}'",
                json!({"permissionDecision": "deny", "permissionDecisionReason": failed})
            ),
            Agent::Cursor => format!(
                "{hook} || {{ echo '{}'; exit 2; }}",
                json!({"permission": "deny", "user_message": failed, "agent_message": failed})
            ),
        }
    }

    /// The hook entries install adds, keyed by event.
    fn entries(&self) -> Vec<(&'static str, Value)> {
        let command = self.hook_command();
        match self.agent {
            Agent::Codex | Agent::Claude => ["Bash", "mcp__.*"]
                .into_iter()
                .map(|matcher| {
                    (
                        "PreToolUse",
                        json!({"matcher": matcher, "hooks": [{"type": "command", "command": command, "timeout": 10}]}),
                    )
                })
                .collect(),
            Agent::Gemini => vec![(
                "BeforeTool",
                json!({"matcher": "^(run_shell_command|mcp_.*)$", "hooks": [{"type": "command", "name": "pg-hook", "command": command, "timeout": 10000}]}),
            )],
            // No matcher: MCP tools are `<server>-<tool>`, any name at all.
            Agent::Copilot => vec![(
                "preToolUse",
                json!({"type": "command", "bash": command, "timeoutSec": 10}),
            )],
            Agent::Cursor => ["beforeShellExecution", "beforeMCPExecution"]
                .into_iter()
                .map(|event| {
                    (
                        event,
                        json!({"command": command, "timeout": 10, "failClosed": true}),
                    )
                })
                .collect(),
        }
    }
}

/// Whether a hook entry (or a handler inside one) runs pg-hook for `agent`.
fn runs_pg_hook(entry: &Value, agent: Agent) -> bool {
    let marker = format!("--agent {}", agent.name());
    let hit = |v: &Value| {
        ["command", "bash"].iter().any(|key| {
            v[key]
                .as_str()
                .is_some_and(|c| c.contains("pg-hook") && c.contains(&marker))
        })
    };
    hit(entry) || entry["hooks"].as_array().is_some_and(|h| h.iter().any(hit))
}

fn hooks_map<'a>(
    settings: &'a mut Value,
    path: &Path,
) -> Result<&'a mut Map<String, Value>, Error> {
    let not_object = || Error::usage(format!("{}: not a JSON object", path.display()));
    let map = settings.as_object_mut().ok_or_else(not_object)?;
    map.entry("hooks")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| Error::usage(format!("{}: \"hooks\" is not an object", path.display())))
}

/// Adds our entries to the registration; true when something changed.
pub fn merge(settings: &mut Value, target: &AgentTarget, path: &Path) -> Result<bool, Error> {
    let own_file =
        target.agent == Agent::Cursor || (target.agent == Agent::Copilot && !target.user);
    if own_file {
        if let Some(map) = settings.as_object_mut() {
            map.entry("version").or_insert(json!(1));
        }
    }
    let mut changed = false;
    for (event, entry) in target.entries() {
        let hooks = hooks_map(settings, path)?;
        let list = hooks
            .entry(event)
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .ok_or_else(|| {
                Error::usage(format!("{}: hooks.{event} is not a list", path.display()))
            })?;
        if !list.contains(&entry) {
            // A stale entry of ours (another path, an older command) is replaced.
            list.retain(|e| {
                !(runs_pg_hook(e, target.agent) && e.get("matcher") == entry.get("matcher"))
            });
            list.push(entry);
            changed = true;
        }
    }
    Ok(changed)
}

/// Removes our entries, and the containers left empty.
pub fn unmerge(settings: &mut Value, agent: Agent) {
    let Some(hooks) = settings.get_mut("hooks").and_then(Value::as_object_mut) else {
        return;
    };
    for list in hooks.values_mut().filter_map(Value::as_array_mut) {
        list.retain(|e| !runs_pg_hook(e, agent));
    }
    hooks.retain(|_, v| !v.as_array().is_some_and(Vec::is_empty));
    if hooks.is_empty() {
        if let Some(map) = settings.as_object_mut() {
            map.remove("hooks");
        }
    }
}

/// `text` with the managed section added or brought up to date.
pub fn with_section(text: &str) -> String {
    let block = format!("{BEGIN}\n{SECTION}\n{END}\n");
    if let Some((before, rest)) = text.split_once(BEGIN) {
        let after = rest.split_once(END).map_or("", |(_, after)| after);
        let after = after.strip_prefix('\n').unwrap_or(after);
        return format!("{before}{block}{after}");
    }
    let mut out = text.to_string();
    if !out.is_empty() {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&block);
    out
}

/// `text` without the managed section (and the blank line put before it).
pub fn without_section(text: &str) -> String {
    let Some((before, rest)) = text.split_once(BEGIN) else {
        return text.to_string();
    };
    let after = rest.split_once(END).map_or("", |(_, after)| after);
    let after = after.strip_prefix('\n').unwrap_or(after);
    let before = before
        .strip_suffix("\n\n")
        .map_or(before.to_string(), |b| format!("{b}\n"));
    let before = if before == "\n" {
        String::new()
    } else {
        before
    };
    format!("{before}{after}")
}

/// Installs the hook for one agent. Returns what it did.
pub fn install(target: &AgentTarget, binaries_from: &Path) -> Result<Vec<String>, Error> {
    if !target.user {
        let inside = match (target.bin_dir.canonicalize(), target.root.canonicalize()) {
            (Ok(bin), Ok(root)) => bin.starts_with(root),
            _ => target.bin_dir.starts_with(&target.root),
        };
        if inside {
            return Err(Error::usage(format!(
                "--bin-dir {} is inside the project, where the agent writes: choose a folder outside every project",
                target.bin_dir.display()
            )));
        }
    }
    let (mut done, binaries) = install_binaries(&target.bin_dir, binaries_from)?;
    let mut record = read_json(&target.record())?;
    if record.get("agent").is_none() {
        record = json!({"agent": target.agent.name(), "binaries": [], "created": [], "files": [], "instructions": null});
    }
    for binary in binaries {
        if let Some(list) = record["binaries"].as_array_mut() {
            if !list.contains(&json!(binary)) {
                list.push(json!(binary));
            }
        }
    }
    let path = target.registration();
    let existed = path.exists();
    let mut settings = read_json(&path)?;
    if merge(&mut settings, target, &path)? {
        write(&path, &pretty(&settings))?;
        done.push(format!(
            "registered `{}` in {}",
            target.hook_command(),
            path.display()
        ));
    }
    if !existed {
        if let Some(list) = record["created"].as_array_mut() {
            list.push(json!(path));
        }
    }
    for (file, text) in target.owned_files() {
        if std::fs::read_to_string(&file).ok().as_deref() != Some(text) {
            write(&file, text)?;
            done.push(format!("installed {}", file.display()));
        }
        if let Some(list) = record["files"].as_array_mut() {
            if !list.contains(&json!(file)) {
                list.push(json!(file));
            }
        }
    }
    if let Some(file) = target.instructions() {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let new = with_section(&text);
        if new != text {
            if !file.exists() {
                if let Some(list) = record["created"].as_array_mut() {
                    list.push(json!(file));
                }
            }
            write(&file, &new)?;
            done.push(format!(
                "added the pg-query/pg-schema section to {}",
                file.display()
            ));
        }
        if let Some(map) = record.as_object_mut() {
            map.insert("instructions".into(), json!(file));
        }
    }
    write(&target.record(), &pretty(&record))?;
    if done.is_empty() {
        return Ok(done);
    }
    done.extend(notes(target.agent).iter().map(|n| format!("note: {n}")));
    Ok(done)
}

/// What the human still has to do for the hook to run.
fn notes(agent: Agent) -> &'static [&'static str] {
    match agent {
        Agent::Codex => &[
            "until you trust it, Codex skips this hook silently and runs every command: start codex in the project, trust the project, open /hooks and trust pg-hook (doctor cannot see that trust)",
            "Codex versions before hooks were on by default need `[features] codex_hooks = true` in ~/.codex/config.toml",
        ],
        Agent::Gemini => &[
            "Gemini CLI asks before running changed project hooks: accept pg-hook when it asks",
        ],
        Agent::Cursor => &["Cursor runs project hooks only in a trusted workspace"],
        Agent::Copilot => &[
            "Copilot CLI 1.0.102 was seen running user-level hooks (~/.copilot/settings.json, `install --agent copilot --user`) but not a repository's .github/hooks in an offline run: check with a psql request that it is denied",
        ],
        Agent::Claude => &[],
    }
}

/// Other installs that still use a shared file (AGENTS.md, the binaries).
fn others_use(target: &AgentTarget, key: &str, value: &Value) -> bool {
    OTHER_AGENTS
        .iter()
        .filter(|a| **a != target.agent)
        .map(|a| AgentTarget {
            agent: *a,
            root: target.root.clone(),
            user: target.user,
            bin_dir: target.bin_dir.clone(),
        })
        .filter_map(|t| read_json(&t.record()).ok())
        .any(|record| match &record[key] {
            Value::Array(items) => items.contains(value),
            other => other == value,
        })
}

/// Reverses what install recorded for one agent.
pub fn uninstall(target: &AgentTarget, claude_manifest: &Path) -> Result<Vec<String>, Error> {
    let record_path = target.record();
    if !record_path.exists() {
        return Err(Error::usage(format!(
            "nothing to uninstall: no {} (dev-postgres was not installed for {} here)",
            record_path.display(),
            target.agent.title()
        )));
    }
    let record = read_json(&record_path)?;
    let created: Vec<PathBuf> = record["created"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(PathBuf::from)
        .collect();
    let mut done = Vec::new();
    let path = target.registration();
    if path.exists() {
        let mut settings = read_json(&path)?;
        unmerge(&mut settings, target.agent);
        let only_version = settings
            .as_object()
            .is_some_and(|m| m.keys().all(|k| k == "version"));
        if created.contains(&path) && only_version {
            std::fs::remove_file(&path).map_err(|e| io(&path, "remove", e))?;
        } else {
            write(&path, &pretty(&settings))?;
        }
        done.push(format!("removed pg-hook from {}", path.display()));
    }
    if let Some(file) = record["instructions"].as_str().map(PathBuf::from) {
        if !others_use(target, "instructions", &json!(file)) {
            if let Ok(text) = std::fs::read_to_string(&file) {
                let new = without_section(&text);
                // Nothing but our section: the file was ours (perhaps made by
                // another agent's install that is gone already).
                if new.trim().is_empty() {
                    std::fs::remove_file(&file).map_err(|e| io(&file, "remove", e))?;
                } else if new != text {
                    write(&file, &new)?;
                }
                done.push(format!(
                    "removed the dev-postgres section from {}",
                    file.display()
                ));
            }
        }
    }
    for file in record["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(Path::new)
    {
        if file.exists() {
            std::fs::remove_file(file).map_err(|e| io(file, "remove", e))?;
            done.push(format!("removed {}", file.display()));
        }
        if let Some(dir) = file.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
    // The binaries stay while Claude Code's install or another agent's uses them.
    if !claude_manifest.exists() {
        for binary in record["binaries"].as_array().into_iter().flatten() {
            if others_use(target, "binaries", binary) {
                continue;
            }
            if let Some(file) = binary.as_str().map(Path::new) {
                if file.exists() {
                    std::fs::remove_file(file).map_err(|e| io(file, "remove", e))?;
                    done.push(format!("removed {}", file.display()));
                }
            }
        }
    }
    std::fs::remove_file(&record_path).map_err(|e| io(&record_path, "remove", e))?;
    // Folders install created and left empty go too.
    for dir in [path.parent(), Some(target.dir().as_path())]
        .into_iter()
        .flatten()
    {
        if dir != target.root {
            let _ = std::fs::remove_dir(dir);
        }
    }
    Ok(done)
}

/// A psql call in the agent's shape, as the agent would send it.
pub fn psql_call(agent: Agent, project: &Path) -> Value {
    let command = "psql -c 'select 1'";
    match agent {
        Agent::Claude | Agent::Codex => json!({
            "session_id": "doctor", "turn_id": "doctor", "cwd": project,
            "hook_event_name": "PreToolUse", "model": "doctor", "permission_mode": "default",
            "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "doctor",
        }),
        Agent::Gemini => json!({
            "session_id": "doctor", "transcript_path": "", "cwd": project,
            "hook_event_name": "BeforeTool", "timestamp": "1970-01-01T00:00:00.000Z",
            "tool_name": "run_shell_command", "tool_input": {"command": command},
        }),
        Agent::Copilot => json!({
            "timestamp": 0, "cwd": project, "toolName": "bash",
            "toolArgs": json!({"command": command}).to_string(),
        }),
        Agent::Cursor => json!({
            "conversation_id": "doctor", "generation_id": "doctor",
            "hook_event_name": "beforeShellExecution", "workspace_roots": [project],
            "command": command, "cwd": project,
        }),
    }
}

/// Whether the output is the agent's block of a pg-hook rule.
pub fn is_block(agent: Agent, code: Option<i32>, stdout: &str, stderr: &str) -> bool {
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    let by_pg_hook = |reason: &Value| {
        reason
            .as_str()
            .is_some_and(|r| r.contains("pg-hook blocked"))
    };
    match agent {
        Agent::Claude | Agent::Codex => code == Some(2) && stderr.contains("pg-hook blocked"),
        Agent::Gemini => {
            code == Some(0) && answer["decision"] == "deny" && by_pg_hook(&answer["reason"])
        }
        Agent::Copilot => {
            code == Some(0)
                && answer["permissionDecision"] == "deny"
                && by_pg_hook(&answer["permissionDecisionReason"])
        }
        Agent::Cursor => {
            code == Some(0)
                && answer["permission"] == "deny"
                && by_pg_hook(&answer["agent_message"])
        }
    }
}

/// The commands of our entries in a registration.
fn registered_commands(settings: &Value, agent: Agent) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for (event, list) in settings["hooks"].as_object().into_iter().flatten() {
        for entry in list.as_array().into_iter().flatten() {
            let handlers: Vec<&Value> = match entry["hooks"].as_array() {
                Some(hooks) => hooks.iter().collect(),
                None => vec![entry],
            };
            for handler in handlers {
                if runs_pg_hook(handler, agent) {
                    let command = handler["command"]
                        .as_str()
                        .or_else(|| handler["bash"].as_str())
                        .unwrap_or_default();
                    found.push((format!("{event}: {command}"), handler.clone()));
                }
            }
        }
    }
    found
}

/// The doctor's checks for every agent installed in the project or home.
pub fn doctor_checks(project: &Path, home: Option<&Path>) -> Vec<Check> {
    let mut checks = Vec::new();
    for agent in OTHER_AGENTS {
        let roots = [Some((project, false)), home.map(|h| (h, true))];
        for (root, user) in roots.into_iter().flatten() {
            let target = AgentTarget {
                agent: *agent,
                root: root.to_path_buf(),
                user,
                bin_dir: PathBuf::new(),
            };
            if target.record().exists() || registration_mentions_pg_hook(&target) {
                checks.extend(check_agent(&target, project));
            }
        }
    }
    checks
}

fn registration_mentions_pg_hook(target: &AgentTarget) -> bool {
    std::fs::read_to_string(target.registration()).is_ok_and(|t| t.contains("pg-hook"))
}

fn check_agent(target: &AgentTarget, project: &Path) -> Vec<Check> {
    let agent = target.agent;
    let name = |what: &str| format!("{}: {what}", agent.title());
    let path = target.registration();
    let fix = format!(
        "run `dev-postgres install --agent {}{}`",
        agent.name(),
        if target.user { " --user" } else { "" }
    );
    let settings = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| devpg_policy::json::parse_strict(&t).map_err(|e| e.to_string()))
    {
        Ok(settings) => settings,
        Err(e) => {
            return vec![Check::fail(
                name("hook registered"),
                format!("{}: {e}", path.display()),
                fix,
            )]
        }
    };
    let commands = registered_commands(&settings, agent);
    let Some((described, handler)) = commands.first() else {
        return vec![Check::fail(
            name("hook registered"),
            format!(
                "{} has no pg-hook --agent {} entry",
                path.display(),
                agent.name()
            ),
            fix,
        )];
    };
    let mut checks = vec![Check::pass(
        name("hook registered"),
        format!("{}: {described}", path.display()),
    )];
    let command = handler["command"]
        .as_str()
        .or_else(|| handler["bash"].as_str())
        .unwrap_or_default()
        .to_string();
    let fails_closed =
        command.contains("||") && (agent != Agent::Cursor || handler["failClosed"] == json!(true));
    checks.push(if fails_closed {
        Check::pass(name("hook fails closed"), "a hook that cannot run denies")
    } else {
        Check::fail(
            name("hook fails closed"),
            "the registration lets the tool run when pg-hook cannot run",
            fix.clone(),
        )
    });
    if agent == Agent::Cursor {
        let both = ["beforeShellExecution", "beforeMCPExecution"]
            .iter()
            .all(|e| {
                commands
                    .iter()
                    .any(|(d, _)| d.starts_with(&format!("{e}:")))
            });
        if !both {
            checks.push(Check::fail(
                name("hook registered for the shell and MCP"),
                "beforeShellExecution or beforeMCPExecution is missing",
                fix.clone(),
            ));
        }
    }
    for (file, text) in target.owned_files() {
        checks.push(
            if std::fs::read_to_string(&file).ok().as_deref() == Some(text) {
                Check::pass(
                    name("command rules"),
                    format!("{}: direct clients forbidden", file.display()),
                )
            } else {
                Check::fail(
                    name("command rules"),
                    format!("{} is missing or changed", file.display()),
                    fix.clone(),
                )
            },
        );
    }
    checks.push(fire(agent, &command, project, &fix));
    checks
}

/// Runs the registered command as the agent would, with a psql call it must block.
fn fire(agent: Agent, command: &str, project: &Path, fix: &str) -> Check {
    let name = format!("{}: hook fires", agent.title());
    let call = psql_call(agent, project).to_string();
    let outcome = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(call.as_bytes());
            }
            child.wait_with_output()
        });
    match outcome {
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if is_block(agent, out.status.code(), &stdout, &stderr) {
                Check::pass(name, "a sample psql call was denied in the agent's terms")
            } else {
                Check::fail(
                    name,
                    format!(
                        "a sample psql call was not denied by pg-hook (exit {:?}, stdout {:?}, stderr {:?})",
                        out.status.code(),
                        stdout.trim(),
                        stderr.trim()
                    ),
                    fix.to_string(),
                )
            }
        }
        Err(e) => Check::fail(
            name,
            format!("cannot run the hook command: {e}"),
            "check that sh exists",
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn target(agent: Agent) -> AgentTarget {
        AgentTarget {
            agent,
            root: PathBuf::from("/p"),
            user: false,
            bin_dir: PathBuf::from("/opt/dp bin"),
        }
    }

    #[test]
    fn merging_twice_adds_once_and_unmerging_restores() {
        for agent in OTHER_AGENTS {
            let target = target(*agent);
            let original = json!({"model": "x", "hooks": {"Other": [{"command": "lint"}]}});
            let mut settings = original.clone();
            assert!(merge(&mut settings, &target, Path::new("x")).unwrap());
            let once = settings.clone();
            assert!(!merge(&mut settings, &target, Path::new("x")).unwrap());
            assert_eq!(settings, once);
            assert!(settings
                .to_string()
                .contains("'/opt/dp bin/pg-hook' --agent"));
            unmerge(&mut settings, *agent);
            if let Some(map) = settings.as_object_mut() {
                map.remove("version");
            }
            assert_eq!(settings, original, "{agent:?}");
        }
    }

    #[test]
    fn the_section_is_added_once_and_removed_exactly() {
        for original in ["", "# Project\n\nRules.\n", "no newline at end"] {
            let once = with_section(original);
            assert_eq!(with_section(&once), once);
            assert!(once.contains("pg-query"));
            let back = without_section(&once);
            let expected = if original.ends_with('\n') || original.is_empty() {
                original.to_string()
            } else {
                format!("{original}\n")
            };
            assert_eq!(back, expected, "{original:?}");
        }
        let edited = with_section("a\n").replace("## PostgreSQL", "## Postgres (old)");
        assert_eq!(with_section(&edited), with_section("a\n"));
    }
}
