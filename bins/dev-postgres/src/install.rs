//! `dev-postgres install` and `uninstall`: put the binaries where the hook can
//! reach them, register the hook, deny psql and friends, install the skill,
//! create the config from the example, ignore the config and the log in git
//! — and record every change in a manifest so uninstall reverses exactly that.
// Reading a serde_json::Value by key (`v["k"]`) yields Null when the key or
// the shape is missing and never panics; assignments go through as_object_mut.
#![allow(clippy::indexing_slicing)]

use devpg_policy::config::{paths, trust};
use devpg_policy::json::parse_strict;
use devpg_policy::text::shell_quote;
use devpg_policy::Error;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// What install copies into the binaries' folder.
pub const BINARIES: &[&str] = &[
    "dev-postgres",
    "pg-hook",
    "pg-query",
    "pg-schema",
    "pg-validate",
];
const SKILL: &str = include_str!("../../../skills/dev-postgres/SKILL.md");
const EXAMPLE_CONFIG: &str = include_str!("../../../.dev-postgres.json.example");
/// The one template of the settings install merges: hook registration and deny rules.
pub const SETTINGS_TEMPLATE: &str = include_str!("../../../templates/claude-settings.json");
const HOOK_PLACEHOLDER: &str = "@PG_HOOK@";
const MANIFEST: &str = "dev-postgres-install.json";
const GITIGNORE_LINES: &[&str] = &[".dev-postgres.json", ".dev-postgres-query.log*"];

/// Where an installation goes.
pub struct Target {
    /// `.claude` of the project, or `~/.claude` with `--user`.
    pub claude_dir: PathBuf,
    /// The project folder (None with `--user`).
    pub project: Option<PathBuf>,
    /// Where the binaries go: outside every project, so the agent cannot
    /// replace the hook it is judged by.
    pub bin_dir: PathBuf,
    /// The account's home (for the user-level files the deny rules protect).
    pub home: PathBuf,
}

impl Target {
    pub fn project(dir: &Path, bin_dir: &Path, home: &Path) -> Target {
        Target {
            claude_dir: dir.join(".claude"),
            project: Some(dir.to_path_buf()),
            bin_dir: bin_dir.to_path_buf(),
            home: home.to_path_buf(),
        }
    }

    pub fn user(home: &Path, bin_dir: &Path) -> Target {
        Target {
            claude_dir: home.join(".claude"),
            project: None,
            bin_dir: bin_dir.to_path_buf(),
            home: home.to_path_buf(),
        }
    }

    fn settings(&self) -> PathBuf {
        self.claude_dir.join("settings.json")
    }

    /// The registered command: the hook by absolute path; `|| exit 2` turns
    /// a missing or crashing hook into a block (Claude Code runs the tool on
    /// any other failure).
    pub fn hook_command(&self) -> String {
        format!(
            "{} || exit 2",
            shell_quote(&self.bin_dir.join("pg-hook").display().to_string())
        )
    }

    /// `permissions.deny` rules for the guard's own files: the edit tools run
    /// in the client's process, outside any sandbox and before any hook
    /// could be trusted, so they are fenced here too. `//` makes a path absolute.
    pub fn protected_rules(&self) -> Vec<String> {
        let absolute = |path: &Path| format!("/{}", path.display());
        let mut rules = vec![
            "Edit(**/.dev-postgres.json)".to_string(),
            "Edit(**/.dev-postgres-query.log*)".to_string(),
            format!("Edit({}/**)", absolute(&self.bin_dir)),
            "Edit(//etc/claude-code/**)".to_string(),
        ];
        if let Some(data) = paths::data_dir() {
            rules.push(format!("Edit({}/**)", absolute(&data)));
            rules.push(format!("Read({})", absolute(&data.join("trust.json"))));
        }
        if let Some(user_config) =
            paths::user_config().and_then(|p| p.parent().map(Path::to_path_buf))
        {
            rules.push(format!("Edit({}/**)", absolute(&user_config)));
        }
        // `~/` is the home Claude Code itself reads its user settings from.
        let mut claude_dirs = vec!["~/.claude".to_string()];
        claude_dirs.extend(self.project.as_ref().map(|p| absolute(&p.join(".claude"))));
        for dir in claude_dirs {
            for file in ["settings.json", "settings.local.json", MANIFEST] {
                rules.push(format!("Edit({dir}/{file})"));
            }
            rules.push(format!("Edit({dir}/skills/dev-postgres/**)"));
        }
        for secret in [".pgpass", ".pg_service.conf"] {
            rules.push(format!("Read(~/{secret})"));
        }
        rules.sort();
        rules.dedup();
        rules
    }
}

/// The settings template with the hook command filled in.
pub fn settings_template(hook_command: &str) -> Result<Value, Error> {
    let text = SETTINGS_TEMPLATE.replace(HOOK_PLACEHOLDER, &json_string_body(hook_command));
    parse_strict(&text)
        .map_err(|e| Error::Execution(format!("templates/claude-settings.json: {e}")))
}

/// `text` escaped for the inside of a JSON string.
fn json_string_body(text: &str) -> String {
    let quoted = Value::String(text.to_string()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Execution(format!("{}: cannot {what}: {e}", path.display()))
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, "create the folder", e))?;
    }
    std::fs::write(path, text).map_err(|e| io(path, "write", e))
}

pub(crate) fn read_json(path: &Path) -> Result<Value, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(json!({})),
        Ok(text) => parse_strict(&text).map_err(|e| Error::Config {
            place: path.display().to_string(),
            message: format!("not valid JSON ({e}): fix it, then run install again"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(json!({})),
        Err(e) => Err(io(path, "read", e)),
    }
}

fn object<'a>(value: &'a mut Value, key: &str) -> Result<&'a mut Map<String, Value>, Error> {
    let map = value
        .as_object_mut()
        .ok_or_else(|| Error::usage("settings.json is not a JSON object"))?;
    let entry = map.entry(key).or_insert_with(|| json!({}));
    entry
        .as_object_mut()
        .ok_or_else(|| Error::usage(format!("settings.json: \"{key}\" is not an object")))
}

fn array<'a>(map: &'a mut Map<String, Value>, key: &str) -> Result<&'a mut Vec<Value>, Error> {
    map.entry(key)
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| Error::usage(format!("settings.json: \"{key}\" is not an array")))
}

/// Whether a PreToolUse entry is ours (runs pg-hook).
fn is_ours(entry: &Value) -> bool {
    entry["hooks"].as_array().is_some_and(|hooks| {
        hooks
            .iter()
            .any(|h| h["command"].as_str().is_some_and(|c| c.contains("pg-hook")))
    })
}

/// Merges the template's hook entries, its deny rules and the protected
/// paths' rules into settings; returns the deny rules it added. Other keys
/// stay as they are.
pub fn merge_settings(settings: &mut Value, target: &Target) -> Result<Vec<String>, Error> {
    let template = settings_template(&target.hook_command())?;
    let hooks = object(settings, "hooks")?;
    let pre = array(hooks, "PreToolUse")?;
    for entry in template["hooks"]["PreToolUse"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let present = pre
            .iter()
            .any(|e| e["matcher"] == entry["matcher"] && is_ours(e));
        if !present {
            pre.push(entry.clone());
        }
    }
    let mut rules: Vec<String> = template["permissions"]["deny"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(String::from))
        .collect();
    rules.extend(target.protected_rules());
    let permissions = object(settings, "permissions")?;
    let deny = array(permissions, "deny")?;
    let mut added = Vec::new();
    for rule in rules {
        if !deny.iter().any(|r| *r == rule) {
            deny.push(json!(rule));
            added.push(rule);
        }
    }
    Ok(added)
}

/// Removes our hook entries and the deny rules we added.
pub fn unmerge_settings(settings: &mut Value, added_rules: &[String]) {
    if let Some(pre) = settings["hooks"]["PreToolUse"].as_array_mut() {
        pre.retain(|e| !is_ours(e));
    }
    if settings["hooks"]["PreToolUse"]
        .as_array()
        .is_some_and(Vec::is_empty)
    {
        if let Some(hooks) = settings["hooks"].as_object_mut() {
            hooks.remove("PreToolUse");
        }
    }
    if settings["hooks"].as_object().is_some_and(Map::is_empty) {
        if let Some(map) = settings.as_object_mut() {
            map.remove("hooks");
        }
    }
    if let Some(deny) = settings["permissions"]["deny"].as_array_mut() {
        deny.retain(|r| {
            !r.as_str()
                .is_some_and(|r| added_rules.iter().any(|a| a == r))
        });
    }
    if settings["permissions"]["deny"]
        .as_array()
        .is_some_and(Vec::is_empty)
    {
        if let Some(permissions) = settings["permissions"].as_object_mut() {
            permissions.remove("deny");
        }
    }
    if settings["permissions"]
        .as_object()
        .is_some_and(Map::is_empty)
    {
        if let Some(map) = settings.as_object_mut() {
            map.remove("permissions");
        }
    }
}

pub(crate) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// Copies the binaries into `bin_dir` (replacing, never writing through a
/// file a running hook holds). Returns what it did and the installed paths.
pub fn install_binaries(
    bin_dir: &Path,
    binaries_from: &Path,
) -> Result<(Vec<String>, Vec<PathBuf>), Error> {
    let mut done = Vec::new();
    let mut files = Vec::new();
    for binary in BINARIES {
        let from = binaries_from.join(binary);
        if !from.is_file() {
            return Err(Error::usage(format!(
                "{} is missing: build the binaries first (scripts/install.sh builds them once and installs)",
                from.display()
            )));
        }
        let to = bin_dir.join(binary);
        let same = std::fs::read(&to).ok() == std::fs::read(&from).ok();
        if !same {
            std::fs::create_dir_all(bin_dir).map_err(|e| io(bin_dir, "create the folder", e))?;
            let temp = to.with_extension("new");
            std::fs::copy(&from, &temp).map_err(|e| io(&to, "copy the binary", e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| io(&to, "set its mode", e))?;
            }
            std::fs::rename(&temp, &to).map_err(|e| io(&to, "install the binary", e))?;
            done.push(format!("installed {}", to.display()));
        }
        files.push(to);
    }
    Ok((done, files))
}

/// Installs into `target`, taking the binaries from `binaries_from`. Returns what it did.
pub fn install(target: &Target, binaries_from: &Path) -> Result<Vec<String>, Error> {
    let mut done = Vec::new();
    let manifest_path = target.claude_dir.join(MANIFEST);
    let mut manifest = read_json(&manifest_path)?;
    if manifest.get("files").is_none() {
        manifest = json!({"files": [], "deny_rules": [], "gitignore_lines": [], "config": null, "bin_dir": null});
    }
    if let Some(project) = &target.project {
        let inside = match (target.bin_dir.canonicalize(), project.canonicalize()) {
            (Ok(bin), Ok(project)) => bin.starts_with(project),
            _ => target.bin_dir.starts_with(project),
        };
        if inside {
            return Err(Error::usage(format!(
                "--bin-dir {} is inside the project, where the agent writes: choose a folder outside every project",
                target.bin_dir.display()
            )));
        }
    }
    if let Some(map) = manifest.as_object_mut() {
        map.insert("bin_dir".into(), json!(target.bin_dir));
    }
    fn remember(manifest: &mut Value, key: &str, value: Value) {
        if let Some(list) = manifest[key].as_array_mut() {
            if !list.contains(&value) {
                list.push(value);
            }
        }
    }
    // The binaries, where the hook command finds them.
    let (copied, files) = install_binaries(&target.bin_dir, binaries_from)?;
    done.extend(copied);
    for file in files {
        remember(&mut manifest, "files", json!(file));
    }
    // The hook and the deny rules, merged into settings without touching anything else.
    let settings_path = target.settings();
    let before = std::fs::read_to_string(&settings_path).ok();
    let mut settings = read_json(&settings_path)?;
    let added = merge_settings(&mut settings, target)?;
    let after = pretty(&settings);
    if before.as_deref() != Some(after.as_str()) {
        if let Some(before) = &before {
            let backup = settings_path.with_extension("json.bak");
            write(&backup, before)?;
            done.push(format!("kept a backup of settings in {}", backup.display()));
        }
        write(&settings_path, &after)?;
        done.push(format!("registered pg-hook in {}", settings_path.display()));
    }
    for rule in added {
        remember(&mut manifest, "deny_rules", json!(rule));
    }
    // The skill.
    let skill = target.claude_dir.join("skills/dev-postgres/SKILL.md");
    if std::fs::read_to_string(&skill).ok().as_deref() != Some(SKILL) {
        write(&skill, SKILL)?;
        done.push(format!("installed the skill in {}", skill.display()));
    }
    remember(&mut manifest, "files", json!(skill));
    if let Some(project) = &target.project {
        // The configuration, from the example, private.
        let config = project.join(".dev-postgres.json");
        if !config.exists() {
            write(&config, EXAMPLE_CONFIG)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| io(&config, "make it private", e))?;
            }
            if let Some(map) = manifest.as_object_mut() {
                map.insert("config".into(), json!(config));
            }
            trust::trust(&config, EXAMPLE_CONFIG.as_bytes())?;
            done.push(format!(
                "created {} from the example and trusted it: edit its connections, then run dev-postgres trust",
                config.display()
            ));
        } else if let Ok(bytes) = std::fs::read(&config) {
            if trust::check(&config, &bytes).is_err() {
                done.push(format!(
                    "{} is not trusted: review it, then run dev-postgres trust",
                    config.display()
                ));
            }
        }
        // Keep the config and the audit log out of git.
        let gitignore = project.join(".gitignore");
        let text = std::fs::read_to_string(&gitignore).unwrap_or_default();
        let missing: Vec<&str> = GITIGNORE_LINES
            .iter()
            .copied()
            .filter(|line| !text.lines().any(|l| l.trim() == *line))
            .collect();
        if !missing.is_empty() {
            let mut new = text.clone();
            if !new.is_empty() && !new.ends_with('\n') {
                new.push('\n');
            }
            for line in &missing {
                new.push_str(line);
                new.push('\n');
                remember(&mut manifest, "gitignore_lines", json!(line));
            }
            write(&gitignore, &new)?;
            done.push(format!(
                "added {} to {}",
                missing.join(", "),
                gitignore.display()
            ));
        }
    }
    write(&manifest_path, &pretty(&manifest))?;
    Ok(done)
}

/// Reverses what install recorded in its manifest.
pub fn uninstall(target: &Target) -> Result<Vec<String>, Error> {
    let manifest_path = target.claude_dir.join(MANIFEST);
    if !manifest_path.exists() {
        return Err(Error::usage(format!(
            "nothing to uninstall: no {} (dev-postgres was not installed here)",
            manifest_path.display()
        )));
    }
    let manifest = read_json(&manifest_path)?;
    let mut done = Vec::new();
    let settings_path = target.settings();
    if settings_path.exists() {
        let mut settings = read_json(&settings_path)?;
        let rules: Vec<String> = manifest["deny_rules"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        unmerge_settings(&mut settings, &rules);
        write(&settings_path, &pretty(&settings))?;
        done.push(format!("removed pg-hook from {}", settings_path.display()));
    }
    for file in manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let path = Path::new(file);
        if path.exists() {
            std::fs::remove_file(path).map_err(|e| io(path, "remove", e))?;
            done.push(format!("removed {file}"));
        }
        // Folders we created and left empty go too.
        let mut parent = path.parent();
        while let Some(dir) = parent {
            if dir == target.claude_dir || dir == target.home || std::fs::remove_dir(dir).is_err() {
                break;
            }
            parent = dir.parent();
        }
    }
    if let Some(project) = &target.project {
        let gitignore = project.join(".gitignore");
        let lines: Vec<&str> = manifest["gitignore_lines"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !lines.is_empty() {
            if let Ok(text) = std::fs::read_to_string(&gitignore) {
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|l| !lines.contains(&l.trim()))
                    .collect();
                let mut new = kept.join("\n");
                if !new.is_empty() {
                    new.push('\n');
                }
                write(&gitignore, &new)?;
                done.push(format!(
                    "removed {} from {}",
                    lines.join(", "),
                    gitignore.display()
                ));
            }
        }
        if let Some(config) = manifest["config"].as_str() {
            let path = Path::new(config);
            // Only the untouched example goes; an edited config is the user's.
            if std::fs::read_to_string(path).ok().as_deref() == Some(EXAMPLE_CONFIG) {
                trust::forget(path)?;
                std::fs::remove_file(path).map_err(|e| io(path, "remove", e))?;
                done.push(format!("removed {config} (unchanged from the example)"));
            } else if path.exists() {
                done.push(format!("kept {config}: it was edited"));
            }
        }
    }
    std::fs::remove_file(&manifest_path).map_err(|e| io(&manifest_path, "remove", e))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn target() -> Target {
        Target::project(
            Path::new("/p"),
            Path::new("/opt/dp bin"),
            Path::new("/home/dev"),
        )
    }

    #[test]
    fn merging_twice_adds_once_and_unmerging_restores() {
        let target = target();
        let original = json!({"model": "x", "hooks": {"PostToolUse": [{"matcher": "Write"}]}, "permissions": {"deny": ["Bash(rm:*)"]}});
        let mut settings = original.clone();
        let added = merge_settings(&mut settings, &target).unwrap();
        assert!(added.contains(&"Bash(psql:*)".to_string()));
        assert!(added.contains(&"Read(~/.pgpass)".to_string()));
        assert!(added.contains(&"Edit(~/.claude/settings.json)".to_string()));
        assert!(added.contains(&"Edit(//opt/dp bin/**)".to_string()));
        assert!(added.contains(&"Edit(//p/.claude/settings.json)".to_string()));
        let once = settings.clone();
        assert!(merge_settings(&mut settings, &target).unwrap().is_empty());
        assert_eq!(settings, once);
        let pre = settings["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 3);
        assert!(pre
            .iter()
            .any(|e| e["matcher"] == "Write|Edit|MultiEdit|NotebookEdit|Read"));
        assert_eq!(
            pre[0]["hooks"][0]["command"],
            "'/opt/dp bin/pg-hook' || exit 2"
        );
        unmerge_settings(&mut settings, &added);
        assert_eq!(settings, original);
    }

    #[test]
    fn the_template_deny_rules_are_sorted_and_unique() {
        let template = settings_template("x").unwrap();
        let rules: Vec<&str> = template["permissions"]["deny"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(rules.windows(2).all(|pair| pair[0] < pair[1]), "{rules:?}");
    }

    #[test]
    fn the_plugin_registers_the_same_matchers_as_the_template() {
        let plugin: Value =
            serde_json::from_str(include_str!("../../../hooks/hooks.json")).unwrap();
        let template = settings_template("x").unwrap();
        let matchers = |v: &Value| -> Vec<(String, u64)> {
            v["hooks"]["PreToolUse"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["matcher"].as_str().unwrap().to_string(),
                        e["hooks"][0]["timeout"].as_u64().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(matchers(&plugin), matchers(&template));
        for entry in plugin["hooks"]["PreToolUse"].as_array().unwrap() {
            assert!(entry["hooks"][0]["command"]
                .as_str()
                .unwrap()
                .ends_with("pg-hook || exit 2"));
        }
    }

    #[test]
    fn a_command_with_quotes_stays_valid_json_in_the_template() {
        let template = settings_template(r#"'/a "b"/pg-hook' || exit 2"#).unwrap();
        assert_eq!(
            template["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            r#"'/a "b"/pg-hook' || exit 2"#
        );
    }
}
