//! `dev-postgres doctor`: checks that the setup really is safe, each finding
//! with what to do about it.
// Reading a serde_json::Value by key (`v["k"]`) yields Null when the key or
// the shape is missing and never panics; assignments go through as_object_mut.
#![allow(clippy::indexing_slicing)]

use devpg_db::session::Session;
use devpg_policy::audit::{self, AuditLog};
use devpg_policy::config::{self, paths, trust, Config};
use devpg_policy::text::shell_quote;
use devpg_policy::Mode;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub(crate) fn pass(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({"check": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix})
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// What the role of a read-only connection is able to do.
const ROLE_QUERY: &str = "SELECT json_build_object(
    'role', r.rolname, 'superuser', r.rolsuper, 'bypassrls', r.rolbypassrls,
    'writable_tables', (SELECT coalesce(json_agg(x.name), '[]') FROM (
        SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r','p') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
          AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') ORDER BY 1 LIMIT 5) x),
    'create_schemas', (SELECT coalesce(json_agg(n.nspname ORDER BY n.nspname), '[]') FROM pg_namespace n
        WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' AND has_schema_privilege(n.oid, 'CREATE')),
    'create_on_database', has_database_privilege(current_database(), 'CREATE'),
    'writing_roles', (SELECT coalesce(json_agg(b.rolname ORDER BY b.rolname), '[]') FROM pg_roles b
        WHERE b.rolname <> current_user AND pg_has_role(current_user, b.oid, 'MEMBER')
          AND (b.rolsuper OR b.rolname IN ('pg_write_all_data', 'pg_write_server_files', 'pg_execute_server_program', 'pg_signal_backend'))),
    'default_read_only', coalesce((SELECT bool_or(s = 'default_transaction_read_only=on') FROM pg_db_role_setting d, unnest(d.setconfig) s
        WHERE d.setrole = r.oid), false))
  FROM pg_roles r WHERE r.rolname = current_user";

pub fn doctor(config_path: Option<&Path>, cwd: &Path, home: Option<&Path>) -> Vec<Check> {
    let mut checks = Vec::new();
    let config = match Config::load_for_review(config_path, cwd) {
        Ok(config) => {
            let place = config
                .path
                .as_ref()
                .map_or("no project file".to_string(), |p| p.display().to_string());
            checks.push(Check::pass("configuration parses", place));
            for warning in &config.warnings {
                checks.push(Check::fail(
                    "configuration is private",
                    warning.trim_start_matches("warning: ").to_string(),
                    "chmod 600 the file",
                ));
            }
            if config.connections.is_empty() {
                checks.push(Check::fail(
                    "connections configured",
                    "no connections",
                    "add connections to .dev-postgres.json (see .dev-postgres.json.example), or run `dev-postgres sandbox start`",
                ));
            }
            config
        }
        Err(error) => {
            checks.push(Check::fail(
                "configuration parses",
                error.to_string(),
                "fix the file as the message says",
            ));
            return checks;
        }
    };
    let mut trusted = true;
    for file in &config.files {
        let verdict = std::fs::read(file)
            .map_err(|source| devpg_policy::Error::Read {
                path: file.clone(),
                source,
            })
            .and_then(|bytes| trust::check(file, &bytes));
        checks.push(match verdict {
            Ok(()) => Check::pass(
                "configuration trusted",
                format!("{}: unchanged since a human trusted it", file.display()),
            ),
            Err(error) => {
                trusted = false;
                Check::fail(
                    "configuration trusted",
                    error.to_string(),
                    format!(
                        "review the file, then run: dev-postgres trust {}",
                        shell_quote(&file.display().to_string())
                    ),
                )
            }
        });
    }
    // Nothing connects on a configuration no human approved.
    let connections: Vec<_> = if trusted {
        config.connections.values().collect()
    } else {
        Vec::new()
    };
    for connection in connections {
        let name = &connection.name;
        let mut warnings = Vec::new();
        let params = match config::resolve(connection, &env, home, &mut warnings) {
            Ok(params) => params,
            Err(error) => {
                checks.push(Check::fail(
                    format!("connection {name}: settings resolve"),
                    error.to_string(),
                    "set the variable in the environment Claude Code runs in, or fix the connection",
                ));
                continue;
            }
        };
        let mut session = match Session::open_as(&params, Mode::ReadOnly, home, 10) {
            Ok(session) => session,
            Err(error) => {
                checks.push(Check::fail(
                    format!("connection {name}: connects"),
                    format!("{} ({})", error, params.describe()),
                    "check host, port, user, password and sslmode",
                ));
                continue;
            }
        };
        checks.push(Check::pass(
            format!("connection {name}: connects"),
            format!(
                "{} (sslmode {})",
                params.describe(),
                params.sslmode.as_str()
            ),
        ));
        if connection.mode == Mode::ReadOnly {
            match session
                .query_value(ROLE_QUERY, &[])
                .map(|v| v.and_then(|v| serde_json::from_str::<Value>(&v).ok()))
            {
                Ok(Some(role)) => checks.extend(role_checks(name, &role)),
                Ok(None) => checks.push(Check::fail(
                    format!("connection {name}: role cannot write"),
                    "the role's privileges could not be read",
                    "check the role by hand",
                )),
                Err(error) => checks.push(Check::fail(
                    format!("connection {name}: role cannot write"),
                    error.to_string(),
                    "check the role by hand",
                )),
            }
        }
        let _ = session.finish(false);
    }
    let project = config.path.as_deref().and_then(Path::parent).unwrap_or(cwd);
    checks.extend(hook_checks(project, home));
    checks.extend(crate::agents::doctor_checks(project, home));
    checks.extend(protection_checks(project, home));
    checks.extend(wall_checks(project, home, &config));
    let log = config.log_path(cwd);
    match AuditLog::open(&log, config.security.log_max_bytes).and_then(|_| audit::verify(&log)) {
        Ok(report) => match report.problem {
            None => checks.push(Check::pass("audit log", format!("{}: writable, {} records, chain intact", log.display(), report.records))),
            Some((file, line, what)) => checks.push(Check::fail(
                "audit log",
                format!("{}:{line}: {what}", file.display()),
                "the log was edited or truncated: keep the file as evidence, move it aside, and find out who changed it",
            )),
        },
        Err(error) => checks.push(Check::fail("audit log", error.to_string(), "make the log's folder writable")),
    }
    if let Some(socket) = &config.security.audit_syslog {
        checks.push(syslog_check(socket));
    }
    checks
}

/// Walled mode, as Claude Code will read it: only when a wall is installed
/// (a wall record, or a sandbox enabled in the user or managed settings).
fn wall_checks(project: &Path, home: Option<&Path>, config: &Config) -> Vec<Check> {
    let tiers: Vec<PathBuf> = [crate::wall::managed_settings()]
        .into_iter()
        .chain(home.map(|h| h.join(".claude/settings.json")))
        .collect();
    let walled = tiers.iter().find_map(|file| {
        let text = std::fs::read_to_string(file).ok()?;
        let settings = devpg_policy::json::parse_strict(&text).ok()?;
        let recorded = file.with_file_name("dev-postgres-wall.json").exists();
        (recorded || settings.pointer("/sandbox/enabled") == Some(&json!(true)))
            .then(|| (file.clone(), settings))
    });
    let Some((file, settings)) = walled else {
        let project_only = read_settings(project, None)
            .iter()
            .any(|(_, s)| s.pointer("/sandbox/enabled") == Some(&json!(true)));
        return if project_only {
            vec![Check::fail(
                "wall in a trusted tier",
                "the sandbox is enabled only in the project's settings, which a file the agent writes can undo",
                "run `dev-postgres install --wall` (user settings) or `--wall --managed` (as root)",
            )]
        } else {
            Vec::new()
        };
    };
    let mut checks = vec![Check::pass(
        "wall in a trusted tier",
        file.display().to_string(),
    )];
    let is = |pointer: &str, value: Value| settings.pointer(pointer) == Some(&value);
    let mut missing = Vec::new();
    for (pointer, value) in [
        ("/sandbox/enabled", json!(true)),
        ("/sandbox/failIfUnavailable", json!(true)),
        ("/sandbox/allowUnsandboxedCommands", json!(false)),
        ("/sandbox/network/strictAllowlist", json!(true)),
    ] {
        if !is(pointer, value.clone()) {
            missing.push(format!("{pointer} = {value}"));
        }
    }
    let holds = |pointer: &str, item: Value| {
        settings
            .pointer(pointer)
            .and_then(Value::as_array)
            .is_some_and(|a| a.contains(&item))
    };
    for command in crate::wall::EXCLUDED_COMMANDS {
        if !holds("/sandbox/excludedCommands", json!(command)) {
            missing.push(format!("excludedCommands {command}"));
        }
    }
    let bin_dir = paths::default_bin_dir().unwrap_or_default();
    let policy = crate::wall::Policy::new(config, project, &bin_dir);
    for host in &policy.denied_hosts {
        if !holds("/sandbox/network/deniedDomains", json!(host)) {
            missing.push(format!("deniedDomains {host}"));
        }
        if holds("/sandbox/network/allowedDomains", json!(host)) {
            missing.push(format!("allowedDomains must not hold {host}"));
        }
    }
    for variable in &policy.secret_variables {
        if !holds(
            "/sandbox/credentials/envVars",
            json!({"name": variable, "mode": "deny"}),
        ) {
            missing.push(format!("credentials.envVars {variable}"));
        }
    }
    for secret in &policy.secret_files {
        if !holds("/sandbox/filesystem/denyRead", json!(secret)) {
            missing.push(format!("filesystem.denyRead {secret}"));
        }
    }
    checks.push(if missing.is_empty() {
        Check::pass("wall settings", "sandbox on and required, no escape hatch, wrappers excluded, database hosts and secrets denied")
    } else {
        Check::fail(
            "wall settings",
            format!("missing or wrong: {}", missing.join("; ")),
            "run `dev-postgres install --wall` again (after `dev-postgres trust` if the configuration changed)",
        )
    });
    // Nothing in any tier may weaken it.
    let mut weakened = Vec::new();
    let mut all = read_settings(project, None);
    all.push((file.clone(), settings.clone()));
    for (tier, tier_settings) in &all {
        for switch in crate::wall::WEAKENING {
            if tier_settings.pointer(&format!("/sandbox/{switch}")) == Some(&json!(true)) {
                weakened.push(format!("{}: sandbox.{switch}", tier.display()));
            }
        }
        if tier_settings.pointer("/sandbox/filesystem/disabled") == Some(&json!(true)) {
            weakened.push(format!("{}: sandbox.filesystem.disabled", tier.display()));
        }
        if tier != &file && tier_settings.pointer("/sandbox/enabled") == Some(&json!(false)) {
            weakened.push(format!("{}: sandbox.enabled false", tier.display()));
        }
        for excluded in tier_settings
            .pointer("/sandbox/excludedCommands")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = excluded.as_str().unwrap_or_default();
            if tier != &file && !crate::wall::EXCLUDED_COMMANDS.contains(&name) {
                weakened.push(format!("{}: excludedCommands {name}", tier.display()));
            }
        }
    }
    checks.push(if weakened.is_empty() {
        Check::pass(
            "nothing weakens the wall",
            "no weakening switch or extra exclusion in any tier",
        )
    } else {
        Check::fail(
            "nothing weakens the wall",
            weakened.join("; "),
            "remove those settings (and find out who added them)",
        )
    });
    let missing_tools: Vec<&str> = if cfg!(target_os = "linux") {
        ["bwrap", "socat"]
            .into_iter()
            .filter(|p| crate::wall::find_on_path(p).is_none())
            .collect()
    } else {
        Vec::new()
    };
    checks.push(if missing_tools.is_empty() {
        Check::pass("sandbox can run", "bubblewrap and socat are installed")
    } else {
        Check::fail(
            "sandbox can run",
            format!("missing: {}", missing_tools.join(", ")),
            "apt-get install bubblewrap socat",
        )
    });
    let wrappers: Vec<String> = ["pg-query", "pg-schema"]
        .into_iter()
        .filter(|w| crate::wall::find_on_path(w).is_none())
        .map(String::from)
        .collect();
    checks.push(if wrappers.is_empty() {
        Check::pass(
            "wrappers on PATH",
            "pg-query and pg-schema run by their bare names (the only way out of the sandbox)",
        )
    } else {
        Check::fail(
            "wrappers on PATH",
            format!("{} not found on PATH", wrappers.join(", ")),
            format!(
                "add {} to the PATH Claude Code starts with",
                bin_dir.display()
            ),
        )
    });
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    });
    checks.push(if root {
        Check::fail(
            "agent not root",
            "this account is root: file ownership protects nothing and bypassPermissions is allowed",
            "run the agent as a non-root user, with the binaries and managed settings owned by root",
        )
    } else {
        Check::pass("agent not root", "this account is not root")
    });
    checks
}

/// The first word of a shell command, with single or double quotes removed
/// (the hook command install writes: a path, then `|| exit 2`).
fn first_word(command: &str) -> Option<String> {
    let command = command.trim_start();
    match command.chars().next()? {
        quote @ ('\'' | '"') => {
            let rest = command.get(1..)?;
            rest.find(quote)
                .and_then(|end| rest.get(..end))
                .map(String::from)
        }
        _ => command.split_whitespace().next().map(String::from),
    }
}

fn syslog_check(socket: &Path) -> Check {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let is_socket = std::fs::metadata(socket).is_ok_and(|m| m.file_type().is_socket());
        if is_socket
            && devpg_policy::syslog::send_to(socket, r#"{"doctor":"syslog check"}"#).is_ok()
        {
            return Check::pass(
                "audit syslog copy",
                format!("{} accepts records", socket.display()),
            );
        }
    }
    Check::fail(
        "audit syslog copy",
        format!(
            "security.audit_syslog is on, but {} does not accept records",
            "/dev/log"
        ),
        "start the system's syslog daemon (e.g. apt-get install rsyslog), or turn audit_syslog off",
    )
}

/// Every settings file Claude Code reads for the project, parsed; unreadable ones skipped.
fn read_settings(project: &Path, home: Option<&Path>) -> Vec<(PathBuf, Value)> {
    settings_files(project, home)
        .into_iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(&file).ok()?;
            let value = devpg_policy::json::parse_strict(&text).ok()?;
            Some((file, value))
        })
        .collect()
}

/// The guard's own files are fenced from the agent's edit tools, and the
/// binaries live outside the project.
fn protection_checks(project: &Path, home: Option<&Path>) -> Vec<Check> {
    let settings = read_settings(project, home);
    let denied: Vec<String> = settings
        .iter()
        .flat_map(|(_, s)| {
            s["permissions"]["deny"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|r| r.as_str().map(String::from))
        .collect();
    let mut checks = Vec::new();
    let wanted = [
        "Edit(**/.dev-postgres.json)",
        "Read(~/.pgpass)",
        "Edit(~/.claude/settings.json)",
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|rule| !denied.iter().any(|d| d == rule))
        .collect();
    checks.push(if missing.is_empty() {
        Check::pass(
            "protected paths denied",
            "the edit and read tools are denied the guard's files and the secrets",
        )
    } else {
        Check::fail(
            "protected paths denied",
            format!("permissions.deny lacks {}", missing.join(", ")),
            "run `dev-postgres install` again",
        )
    });
    let hook_commands: Vec<(String, String)> = settings
        .iter()
        .flat_map(|(_, s)| {
            s["hooks"]["PreToolUse"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|entry| {
            let matcher = entry["matcher"].as_str().unwrap_or_default().to_string();
            entry["hooks"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(move |h| {
                    h["command"]
                        .as_str()
                        .map(|c| (matcher.clone(), c.to_string()))
                })
        })
        .filter(|(_, command)| command.contains("pg-hook"))
        .collect();
    let edits_covered = ["Write", "Edit", "MultiEdit", "NotebookEdit"]
        .iter()
        .all(|tool| {
            hook_commands
                .iter()
                .any(|(matcher, _)| matcher.split('|').any(|m| m == *tool) || matcher == "*")
        });
    checks.push(if edits_covered {
        Check::pass("hook registered for the edit tools", "Write, Edit, MultiEdit and NotebookEdit")
    } else {
        Check::fail(
            "hook registered for the edit tools",
            "no pg-hook entry for Write|Edit|MultiEdit|NotebookEdit: the agent could edit the guard's files",
            "run `dev-postgres install` again",
        )
    });
    let inside: Vec<&str> = hook_commands
        .iter()
        .map(|(_, c)| c.as_str())
        .filter(|c| {
            c.contains("CLAUDE_PROJECT_DIR")
                || first_word(c).is_none_or(|binary| Path::new(&binary).starts_with(project))
        })
        .collect();
    checks.push(if inside.is_empty() && !hook_commands.is_empty() {
        Check::pass("binaries outside the project", "the hook runs from a folder the project does not hold")
    } else if hook_commands.is_empty() {
        Check::fail("binaries outside the project", "no hook registered", "run `dev-postgres install`")
    } else {
        Check::fail(
            "binaries outside the project",
            format!("the hook runs from inside the project ({}), where the agent writes", inside.join("; ")),
            "run `dev-postgres install` again: it installs the binaries in the account's data folder",
        )
    });
    checks
}

fn role_checks(name: &str, role: &Value) -> Vec<Check> {
    let check = format!("connection {name}: role cannot write");
    let user = role["role"].as_str().unwrap_or("ROLE");
    let mut problems = Vec::new();
    if role["superuser"] == true {
        problems.push("it is a superuser".to_string());
    }
    if let Some(tables) = role["writable_tables"].as_array().filter(|t| !t.is_empty()) {
        let names: Vec<&str> = tables.iter().filter_map(Value::as_str).collect();
        problems.push(format!("it can write tables ({})", names.join(", ")));
    }
    if let Some(schemas) = role["create_schemas"].as_array().filter(|s| !s.is_empty()) {
        let names: Vec<&str> = schemas.iter().filter_map(Value::as_str).collect();
        problems.push(format!("it can CREATE in schemas {}", names.join(", ")));
    }
    if role["create_on_database"] == true {
        problems.push("it can CREATE schemas in the database".into());
    }
    if let Some(roles) = role["writing_roles"].as_array().filter(|r| !r.is_empty()) {
        let names: Vec<&str> = roles.iter().filter_map(Value::as_str).collect();
        problems.push(format!("it is a member of {}", names.join(", ")));
    }
    let mut checks = vec![if problems.is_empty() {
        Check::pass(&check, format!("role {user} has no write privileges"))
    } else {
        Check::fail(
            &check,
            format!("role {user}: {}", problems.join("; ")),
            "connect as a read-only role: see templates/setup-roles.sql (pg-query still refuses writes, but the role is the final guarantee)",
        )
    }];
    let default_name = format!("connection {name}: default_transaction_read_only");
    checks.push(if role["default_read_only"] == true {
        Check::pass(default_name, format!("set on role {user}"))
    } else {
        Check::fail(
            default_name,
            format!("not set on role {user}"),
            format!("ALTER ROLE {user} SET default_transaction_read_only = on"),
        )
    });
    checks
}

/// The settings files Claude Code reads for a project, most specific first.
pub fn settings_files(project: &Path, home: Option<&Path>) -> Vec<PathBuf> {
    let mut files = vec![
        project.join(".claude/settings.local.json"),
        project.join(".claude/settings.json"),
    ];
    files.extend(home.map(|h| h.join(".claude/settings.json")));
    files
}

fn hook_checks(project: &Path, home: Option<&Path>) -> Vec<Check> {
    let mut registered = None;
    for file in settings_files(project, home) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(settings) = devpg_policy::json::parse_strict(&text) else {
            continue;
        };
        for entry in settings["hooks"]["PreToolUse"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let matcher = entry["matcher"].as_str().unwrap_or_default();
            let covers_bash =
                matcher.is_empty() || matcher == "*" || matcher.split('|').any(|m| m == "Bash");
            for hook in entry["hooks"].as_array().into_iter().flatten() {
                let command = hook["command"].as_str().unwrap_or_default();
                if covers_bash && command.contains("pg-hook") {
                    registered = Some((file.clone(), command.to_string()));
                }
            }
        }
        if registered.is_some() {
            break;
        }
    }
    let Some((file, command)) = registered else {
        return vec![Check::fail(
            "hook registered",
            "no PreToolUse hook for Bash runs pg-hook in the settings Claude Code reads",
            "run `dev-postgres install` in the project (or `--user`)",
        )];
    };
    let mut checks = vec![Check::pass(
        "hook registered",
        format!("{}: {command}", file.display()),
    )];
    if !command.contains("|| exit 2") {
        checks.push(Check::fail(
            "hook fails closed",
            "the command does not end in `|| exit 2`: a missing or crashing hook would let commands run",
            "append `|| exit 2` to the hook command",
        ));
    }
    // Run it exactly as Claude Code does, with a psql call it must block.
    let event = json!({
        "session_id": "doctor", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "psql -c 'select 1'"}, "cwd": project,
    });
    let outcome = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .env("CLAUDE_PROJECT_DIR", project)
        .current_dir(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(event.to_string().as_bytes());
            }
            child.wait_with_output()
        });
    checks.push(match outcome {
        Ok(output) if output.status.code() == Some(2) && String::from_utf8_lossy(&output.stderr).contains("pg-hook blocked") => {
            Check::pass("hook fires", "a sample psql call was blocked (exit 2)")
        }
        Ok(output) if output.status.code() == Some(2) => Check::fail(
            "hook fires",
            "the command exits 2 but pg-hook did not answer (is the binary where the command says?)",
            "run `dev-postgres install` again",
        ),
        Ok(output) => Check::fail(
            "hook fires",
            format!("a sample psql call was not blocked (exit {:?})", output.status.code()),
            "run `dev-postgres install` again",
        ),
        Err(error) => Check::fail("hook fires", format!("cannot run the hook command: {error}"), "check that sh exists"),
    });
    checks
}
