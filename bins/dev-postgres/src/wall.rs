//! `dev-postgres install --wall`: Claude Code's own Bash sandbox (bubblewrap
//! and socat on Linux, Seatbelt on macOS) as the wall between the agent's
//! shell and the database. Every Bash command and its children lose the
//! network to the database hosts and the secrets; only the wrappers
//! (`pg-query`, `pg-schema`), excluded from the sandbox by their bare names,
//! reach the server — behind their own policy.
//!
//! The policy goes into a settings tier the agent cannot override: the user
//! settings Claude Code reads (`~/.claude/settings.json`) or, with
//! `--managed`, the managed settings file. A record beside it keeps what each
//! key held before, so `uninstall --wall` restores exactly that.
// Reading a serde_json::Value by key (`v["k"]`) yields Null when the key or
// the shape is missing and never panics; assignments go through as_object_mut.
#![allow(clippy::indexing_slicing)]

use devpg_policy::config::{self, paths, Config};
use devpg_policy::json::parse_strict;
use devpg_policy::Error;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The wrappers that run outside the sandbox (permission-rule syntax: `:*`
/// is "with any arguments"; a bare name matches only the bare command).
pub const EXCLUDED_COMMANDS: &[&str] = &["pg-query:*", "pg-schema:*"];
/// Loopback spellings the sandbox proxy must refuse whatever the configuration says.
pub const LOOPBACK: &[&str] = &["0.0.0.0", "127.0.0.1", "::1", "localhost"];
/// Switches that weaken the sandbox: none may be set in any tier.
pub const WEAKENING: &[&str] = &[
    "allowAllUnixSockets",
    "allowNestedUserNamespaces",
    "enableWeakerNestedSandbox",
];
const RECORD: &str = "dev-postgres-wall.json";

/// The managed settings file of this platform.
pub fn managed_settings() -> PathBuf {
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/ClaudeCode/managed-settings.json")
    } else {
        PathBuf::from("/etc/claude-code/managed-settings.json")
    }
}

/// What the wall keeps away from the agent's shell, from the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Database hosts and their addresses, and the loopback spellings.
    pub denied_hosts: BTreeSet<String>,
    /// PGPASSWORD and every variable the configuration references.
    pub secret_variables: BTreeSet<String>,
    /// Password and service files, the configuration files, the trust store.
    pub secret_files: BTreeSet<String>,
    /// `permissions.deny` rules.
    pub deny_rules: BTreeSet<String>,
}

impl Policy {
    pub fn new(config: &Config, project: &Path, bin_dir: &Path) -> Policy {
        let mut policy = Policy::default();
        policy
            .denied_hosts
            .extend(LOOPBACK.iter().map(|h| h.to_string()));
        policy.secret_variables.insert("PGPASSWORD".into());
        let env = |name: &str| std::env::var(name).ok();
        for connection in config.connections.values() {
            let fields = [
                &connection.host,
                &connection.port,
                &connection.database,
                &connection.user,
                &connection.password,
                &connection.service,
            ];
            for value in fields.into_iter().flatten() {
                policy.secret_variables.extend(config::variables_in(value));
            }
            let host = connection
                .host
                .as_deref()
                .map(|h| config::expand(h, "host", &env).unwrap_or_else(|_| h.to_string()));
            if let Some(host) = host.filter(|h| !h.starts_with('/') && !h.is_empty()) {
                policy.denied_hosts.extend(addresses_of(&host));
                policy.denied_hosts.insert(host);
            }
        }
        let absolute = |path: &Path| format!("/{}", path.display());
        for file in [
            "~/.pgpass",
            "~/.pg_service.conf",
            "/etc/postgresql-common/pg_service.conf",
        ] {
            policy.secret_files.insert(file.to_string());
        }
        for file in config.files.iter().chain(config.path.iter()) {
            policy.secret_files.insert(file.display().to_string());
        }
        policy
            .secret_files
            .insert(project.join(config::FILE_NAME).display().to_string());
        if let Some(store) = paths::trust_store() {
            policy.secret_files.insert(store.display().to_string());
        }
        for file in &policy.secret_files {
            let rule_path = if file.starts_with('/') {
                absolute(Path::new(file))
            } else {
                file.clone()
            };
            policy.deny_rules.insert(format!("Read({rule_path})"));
        }
        // The edit tools are not sandboxed: they must not replace a wrapper,
        // plant settings or a hook that opens the wall for the next session.
        policy
            .deny_rules
            .insert(format!("Edit({}/**)", absolute(bin_dir)));
        policy.deny_rules.insert("Edit(~/.claude/**)".into());
        if let Some(dir) = user_path_dir() {
            for wrapper in WRAPPERS {
                policy
                    .deny_rules
                    .insert(format!("Edit({})", absolute(&dir.join(wrapper))));
            }
        }
        policy
            .deny_rules
            .insert(format!("Edit({}/**)", absolute(&project.join(".claude"))));
        if let Some(dir) = managed_settings().parent() {
            policy
                .deny_rules
                .insert(format!("Edit({}/**)", absolute(dir)));
        }
        // WebFetch runs in the client's process, outside the sandbox, and
        // can open a connection to a database host: off in walled mode.
        policy.deny_rules.insert("WebFetch".into());
        policy
    }
}

/// The addresses a host name resolves to now (so a spelling by address is denied too).
fn addresses_of(host: &str) -> Vec<String> {
    use std::net::ToSocketAddrs;
    (host, 5432)
        .to_socket_addrs()
        .map(|addrs| addrs.map(|a| a.ip().to_string()).collect())
        .unwrap_or_default()
}

/// What `merge` changed, so that `unmerge` can put it back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// JSON pointer → the value it held before (None: absent).
    pub previous: Map<String, Value>,
    /// JSON pointer of an array → the items we added to it.
    pub added: Map<String, Value>,
}

fn pointer_parent<'a>(
    settings: &'a mut Value,
    pointer: &str,
) -> Option<(&'a mut Map<String, Value>, String)> {
    let mut parts: Vec<&str> = pointer.split('/').skip(1).collect();
    let last = parts.pop()?.to_string();
    let mut node = settings;
    for part in parts {
        let map = node.as_object_mut()?;
        node = map.entry(part).or_insert_with(|| json!({}));
    }
    node.as_object_mut().map(|map| (map, last))
}

/// Sets `pointer` to `value`, remembering what was there.
fn set(
    settings: &mut Value,
    changes: &mut Changes,
    pointer: &str,
    value: Value,
) -> Result<(), Error> {
    let (map, key) = pointer_parent(settings, pointer)
        .ok_or_else(|| Error::usage(format!("settings: {pointer} is not inside an object")))?;
    let before = map.get(&key).cloned();
    if before.as_ref() != Some(&value) {
        changes
            .previous
            .entry(pointer.to_string())
            .or_insert(before.unwrap_or(Value::Null).clone());
        map.insert(key, value);
    }
    Ok(())
}

/// Adds `items` to the array at `pointer`, remembering which were new.
fn add(
    settings: &mut Value,
    changes: &mut Changes,
    pointer: &str,
    items: &[Value],
) -> Result<(), Error> {
    let (map, key) = pointer_parent(settings, pointer)
        .ok_or_else(|| Error::usage(format!("settings: {pointer} is not inside an object")))?;
    let array = map
        .entry(key)
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| Error::usage(format!("settings: {pointer} is not an array")))?;
    for item in items {
        if !array.contains(item) {
            array.push(item.clone());
            if let Some(list) = changes
                .added
                .entry(pointer.to_string())
                .or_insert_with(|| json!([]))
                .as_array_mut()
            {
                list.push(item.clone());
            }
        }
    }
    Ok(())
}

/// Merges the wall into `settings`; the user's other settings stay.
pub fn merge(settings: &mut Value, policy: &Policy) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    if !settings.is_object() {
        return Err(Error::usage("settings is not a JSON object"));
    }
    set(settings, &mut changes, "/sandbox/enabled", json!(true))?;
    set(
        settings,
        &mut changes,
        "/sandbox/failIfUnavailable",
        json!(true),
    )?;
    set(
        settings,
        &mut changes,
        "/sandbox/allowUnsandboxedCommands",
        json!(false),
    )?;
    let excluded: Vec<Value> = EXCLUDED_COMMANDS.iter().map(|c| json!(c)).collect();
    add(
        settings,
        &mut changes,
        "/sandbox/excludedCommands",
        &excluded,
    )?;
    set(
        settings,
        &mut changes,
        "/sandbox/network/strictAllowlist",
        json!(true),
    )?;
    // The user's allow-list stays, less every database host.
    let allowed: Vec<Value> = settings
        .pointer("/sandbox/network/allowedDomains")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|d| !d.as_str().is_some_and(|d| policy.denied_hosts.contains(d)))
        .collect();
    set(
        settings,
        &mut changes,
        "/sandbox/network/allowedDomains",
        Value::Array(allowed),
    )?;
    let denied: Vec<Value> = policy.denied_hosts.iter().map(|h| json!(h)).collect();
    add(
        settings,
        &mut changes,
        "/sandbox/network/deniedDomains",
        &denied,
    )?;
    let variables: Vec<Value> = policy
        .secret_variables
        .iter()
        .map(|name| json!({"name": name, "mode": "deny"}))
        .collect();
    add(
        settings,
        &mut changes,
        "/sandbox/credentials/envVars",
        &variables,
    )?;
    let files: Vec<Value> = policy
        .secret_files
        .iter()
        .map(|path| json!({"path": path, "mode": "deny"}))
        .collect();
    add(settings, &mut changes, "/sandbox/credentials/files", &files)?;
    let deny_read: Vec<Value> = policy.secret_files.iter().map(|p| json!(p)).collect();
    add(
        settings,
        &mut changes,
        "/sandbox/filesystem/denyRead",
        &deny_read,
    )?;
    let rules: Vec<Value> = policy.deny_rules.iter().map(|r| json!(r)).collect();
    add(settings, &mut changes, "/permissions/deny", &rules)?;
    Ok(changes)
}

/// Puts back what `merge` changed, and drops the objects it left empty.
pub fn unmerge(settings: &mut Value, changes: &Changes) {
    for (pointer, items) in &changes.added {
        if let Some(array) = settings.pointer_mut(pointer).and_then(Value::as_array_mut) {
            array.retain(|item| !items.as_array().is_some_and(|added| added.contains(item)));
        }
        if settings
            .pointer(pointer)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
            && !changes.previous.contains_key(pointer)
        {
            remove(settings, pointer);
        }
    }
    for (pointer, before) in &changes.previous {
        match before {
            Value::Null => remove(settings, pointer),
            value => {
                if let Some((map, key)) = pointer_parent(settings, pointer) {
                    map.insert(key, value.clone());
                }
            }
        }
    }
    for pointer in [
        "/sandbox/credentials",
        "/sandbox/filesystem",
        "/sandbox/network",
        "/sandbox",
        "/permissions",
    ] {
        if settings
            .pointer(pointer)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            remove(settings, pointer);
        }
    }
}

fn remove(settings: &mut Value, pointer: &str) {
    if let Some((parent, key)) = pointer.rsplit_once('/') {
        let parent = if parent.is_empty() {
            Some(&mut *settings)
        } else {
            settings.pointer_mut(parent)
        };
        if let Some(map) = parent.and_then(Value::as_object_mut) {
            map.remove(key);
        }
    }
}

/// Where the wall goes, and what it protects.
pub struct WallTarget {
    pub settings: PathBuf,
    pub project: PathBuf,
    pub bin_dir: PathBuf,
}

impl WallTarget {
    fn record(&self) -> PathBuf {
        self.settings.with_file_name(RECORD)
    }
}

/// Says what to install when the sandbox cannot run here.
pub fn sandbox_available() -> Result<(), Error> {
    if cfg!(target_os = "macos") {
        return if Path::new("/usr/bin/sandbox-exec").exists() {
            Ok(())
        } else {
            Err(Error::usage(
                "the wall needs Seatbelt (/usr/bin/sandbox-exec), which this macOS lacks",
            ))
        };
    }
    let missing: Vec<&str> = ["bwrap", "socat"]
        .into_iter()
        .filter(|program| find_on_path(program).is_none())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "the wall needs Claude Code's sandbox, which needs {} here: apt-get install bubblewrap socat (or your system's packages), then run again",
            missing.join(" and ")
        )))
    }
}

/// The wrappers the wall lets out of the sandbox.
const WRAPPERS: &[&str] = &["pg-query", "pg-schema"];

/// A folder on PATH inside the user's home that exists and can take links
/// (`~/.local/bin`, `~/bin`, …); none when PATH has no such folder.
fn user_path_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| {
        dir.starts_with(&home)
            && dir.is_dir()
            && std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
    })
}

/// The first `program` on PATH.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    })
}

fn read(path: &Path) -> Result<Value, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(json!({})),
        Ok(text) => parse_strict(&text).map_err(|e| Error::Config {
            place: path.display().to_string(),
            message: format!("not valid JSON ({e}): fix it, then run again"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(json!({})),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn write(path: &Path, value: &Value) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::Execution(format!("{}: cannot create: {e}", parent.display())))?;
    }
    let text = serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
    std::fs::write(path, text)
        .map_err(|e| Error::Execution(format!("{}: cannot write: {e}", path.display())))
}

/// Installs the wall for the project's (trusted) configuration.
pub fn install(target: &WallTarget, config: &Config) -> Result<Vec<String>, Error> {
    sandbox_available()?;
    let policy = Policy::new(config, &target.project, &target.bin_dir);
    let mut settings = read(&target.settings)?;
    let mut changes = merge(&mut settings, &policy)?;
    let record_path = target.record();
    // A second run merges into what the first left: keep the first record's
    // "before" values, which are the user's own.
    let old = read(&record_path)?;
    if let Some(previous) = old.get("previous").and_then(Value::as_object) {
        for (pointer, value) in previous {
            changes.previous.insert(pointer.clone(), value.clone());
        }
    }
    if let Some(added) = old.get("added").and_then(Value::as_object) {
        for (pointer, items) in added {
            let mut all = items.as_array().cloned().unwrap_or_default();
            for item in changes
                .added
                .get(pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !all.contains(item) {
                    all.push(item.clone());
                }
            }
            changes.added.insert(pointer.clone(), Value::Array(all));
        }
    }
    let before = std::fs::read_to_string(&target.settings).ok();
    let after = serde_json::to_string_pretty(&settings).unwrap_or_default() + "\n";
    let mut done = Vec::new();
    if before.as_deref() != Some(after.as_str()) {
        write(&target.settings, &settings)?;
        done.push(format!(
            "walled the agent's shell in {}",
            target.settings.display()
        ));
    }
    // The sandbox lets the wrappers out only by their bare names: they must
    // be on the PATH the agent's shell has. Where a folder of the user's on
    // PATH can hold them, links are made there (and recorded for uninstall).
    let mut links: Vec<Value> = old
        .get("links")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let reachable = |name: &str| {
        find_on_path(name).is_some_and(|found| {
            found.starts_with(&target.bin_dir)
                || found
                    .canonicalize()
                    .is_ok_and(|real| real.starts_with(&target.bin_dir))
        })
    };
    if !WRAPPERS.iter().all(|w| reachable(w)) {
        match user_path_dir() {
            Some(dir) => {
                for wrapper in WRAPPERS {
                    let link = dir.join(wrapper);
                    if reachable(wrapper) || link.symlink_metadata().is_ok() {
                        continue;
                    }
                    #[cfg(unix)]
                    std::os::unix::fs::symlink(target.bin_dir.join(wrapper), &link).map_err(
                        |e| Error::Execution(format!("{}: cannot link: {e}", link.display())),
                    )?;
                    links.push(json!(link));
                    done.push(format!("linked {} (on PATH) to the wrapper", link.display()));
                }
            }
            None => done.push(format!(
                "put {} on the PATH Claude Code starts with: the sandbox lets the wrappers out only by their bare names",
                target.bin_dir.display()
            )),
        }
    }
    write(
        &record_path,
        &json!({"settings": target.settings, "previous": changes.previous, "added": changes.added, "links": links}),
    )?;
    Ok(done)
}

/// Takes the wall out again, restoring what each key held before.
pub fn uninstall(settings_path: &Path) -> Result<Vec<String>, Error> {
    let record_path = settings_path.with_file_name(RECORD);
    if !record_path.exists() {
        return Ok(Vec::new());
    }
    let record = read(&record_path)?;
    let changes = Changes {
        previous: record["previous"].as_object().cloned().unwrap_or_default(),
        added: record["added"].as_object().cloned().unwrap_or_default(),
    };
    let mut settings = read(settings_path)?;
    unmerge(&mut settings, &changes);
    write(settings_path, &settings)?;
    for link in record["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let link = Path::new(link);
        if link
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            let _ = std::fs::remove_file(link);
        }
    }
    std::fs::remove_file(&record_path)
        .map_err(|e| Error::Execution(format!("{}: cannot remove: {e}", record_path.display())))?;
    Ok(vec![format!(
        "removed the wall from {}",
        settings_path.display()
    )])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn policy() -> Policy {
        let config = Config::parse(
            r#"{"connections": {"prod": {"host": "db.internal", "database": "app", "password": "${PROD_PW}"},
                                 "local": {"host": "127.0.0.1", "database": "dev", "user": "${DEV_USER}"}}}"#,
            "test",
        )
        .unwrap();
        Policy::new(&config, Path::new("/work/p"), Path::new("/opt/guard/bin"))
    }

    #[test]
    fn the_policy_names_hosts_variables_files_and_rules() {
        let p = policy();
        for host in ["db.internal", "127.0.0.1", "localhost", "::1", "0.0.0.0"] {
            assert!(p.denied_hosts.contains(host), "{host}");
        }
        for var in ["PGPASSWORD", "PROD_PW", "DEV_USER"] {
            assert!(p.secret_variables.contains(var), "{var}");
        }
        assert!(p.secret_files.contains("~/.pgpass"));
        assert!(p.secret_files.contains("/work/p/.dev-postgres.json"));
        assert!(p.deny_rules.contains("Read(~/.pgpass)"));
        assert!(p.deny_rules.contains("Read(//work/p/.dev-postgres.json)"));
        assert!(p.deny_rules.contains("Edit(//opt/guard/bin/**)"));
        assert!(p.deny_rules.contains("Edit(~/.claude/**)"));
        assert!(p.deny_rules.contains("Edit(//work/p/.claude/**)"));
        assert!(p.deny_rules.contains("WebFetch"));
    }

    #[test]
    fn the_wall_merges_keeps_the_users_settings_and_unmerges_exactly() {
        let original = json!({
            "model": "opus",
            "sandbox": {"network": {"allowedDomains": ["github.com", "db.internal"]}, "excludedCommands": ["docker:*"]},
            "permissions": {"allow": ["Bash(ls:*)"], "deny": ["Bash(rm:*)"]}
        });
        let mut settings = original.clone();
        let changes = merge(&mut settings, &policy()).unwrap();
        assert_eq!(settings["model"], "opus");
        assert_eq!(settings["sandbox"]["enabled"], true);
        assert_eq!(settings["sandbox"]["failIfUnavailable"], true);
        assert_eq!(settings["sandbox"]["allowUnsandboxedCommands"], false);
        assert_eq!(settings["sandbox"]["network"]["strictAllowlist"], true);
        assert_eq!(
            settings["sandbox"]["network"]["allowedDomains"],
            json!(["github.com"])
        );
        let excluded = settings["sandbox"]["excludedCommands"].as_array().unwrap();
        assert!(excluded.contains(&json!("pg-query:*")) && excluded.contains(&json!("docker:*")));
        let env = settings["sandbox"]["credentials"]["envVars"]
            .as_array()
            .unwrap();
        assert!(env.contains(&json!({"name": "PROD_PW", "mode": "deny"})));
        // Twice: nothing more changes.
        let once = settings.clone();
        let again = merge(&mut settings, &policy()).unwrap();
        assert_eq!(settings, once);
        assert!(again.previous.is_empty() && again.added.is_empty());
        unmerge(&mut settings, &changes);
        assert_eq!(settings, original);
    }

    #[test]
    fn an_empty_settings_file_comes_back_empty() {
        let mut settings = json!({});
        let changes = merge(&mut settings, &policy()).unwrap();
        unmerge(&mut settings, &changes);
        assert_eq!(settings, json!({}));
    }

    #[test]
    fn the_tables_are_sorted() {
        for table in [EXCLUDED_COMMANDS, LOOPBACK, WEAKENING] {
            assert!(table.windows(2).all(|w| w[0] < w[1]), "{table:?}");
        }
    }
}
