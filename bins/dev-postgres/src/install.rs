//! `dev-postgres install` and `uninstall`: put the binaries where the hook can
//! reach them, register the hook, deny psql and friends, install the skill,
//! create the config from the example, ignore the config and the log in git
//! — and record every change in a manifest so uninstall reverses exactly that.

use devpg_policy::Error;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

pub const BINARIES: &[&str] = &["pg-hook", "pg-query", "pg-schema", "pg-validate"];
const SKILL: &str = include_str!("../../../skill/dev-postgres/SKILL.md");
const EXAMPLE_CONFIG: &str = include_str!("../../../.dev-postgres.json.example");
const MANIFEST: &str = "dev-postgres-install.json";
const GITIGNORE_LINES: &[&str] = &[".dev-postgres.json", ".dev-postgres-query.log*"];
/// `permissions.deny` rules: a cheap second layer in front of the hook.
const DENY_RULES: &[&str] = &[
    "Bash(createdb:*)",
    "Bash(dropdb:*)",
    "Bash(pg_dump:*)",
    "Bash(pg_dumpall:*)",
    "Bash(pg_restore:*)",
    "Bash(pgcli:*)",
    "Bash(psql:*)",
];

/// Where an installation goes.
pub struct Target {
    /// `.claude` of the project, or `~/.claude` with `--user`.
    pub claude_dir: PathBuf,
    /// The project folder (None with `--user`).
    pub project: Option<PathBuf>,
    /// How the hook command names the folder holding `.claude`.
    pub hook_root: &'static str,
}

impl Target {
    pub fn project(dir: &Path) -> Target {
        Target {
            claude_dir: dir.join(".claude"),
            project: Some(dir.to_path_buf()),
            hook_root: "\"$CLAUDE_PROJECT_DIR\"/.claude",
        }
    }

    pub fn user(home: &Path) -> Target {
        Target {
            claude_dir: home.join(".claude"),
            project: None,
            hook_root: "\"$HOME\"/.claude",
        }
    }

    fn settings(&self) -> PathBuf {
        self.claude_dir.join("settings.json")
    }

    pub fn hook_command(&self) -> String {
        format!("{}/bin/pg-hook || exit 2", self.hook_root)
    }
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Execution(format!("{}: cannot {what}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, "create the folder", e))?;
    }
    std::fs::write(path, text).map_err(|e| io(path, "write", e))
}

fn read_json(path: &Path) -> Result<Value, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(json!({})),
        Ok(text) => serde_json::from_str(&text).map_err(|e| Error::Config {
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
        hooks.iter().any(|h| {
            h["command"]
                .as_str()
                .is_some_and(|c| c.contains("/bin/pg-hook"))
        })
    })
}

/// Merges the hook entries and deny rules into settings; returns the deny
/// rules it added. Other keys stay as they are.
pub fn merge_settings(settings: &mut Value, target: &Target) -> Result<Vec<String>, Error> {
    let command = target.hook_command();
    let hooks = object(settings, "hooks")?;
    let pre = array(hooks, "PreToolUse")?;
    for matcher in ["Bash|PowerShell|Monitor", "mcp__.*"] {
        let present = pre.iter().any(|e| e["matcher"] == matcher && is_ours(e));
        if !present {
            pre.push(json!({
                "matcher": matcher,
                "hooks": [{"type": "command", "command": command, "timeout": 10}],
            }));
        }
    }
    let permissions = object(settings, "permissions")?;
    let deny = array(permissions, "deny")?;
    let mut added = Vec::new();
    for rule in DENY_RULES {
        if !deny.iter().any(|r| r == rule) {
            deny.push(json!(rule));
            added.push(rule.to_string());
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

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// Installs into `target`, taking the binaries from `binaries_from`. Returns what it did.
pub fn install(target: &Target, binaries_from: &Path) -> Result<Vec<String>, Error> {
    let mut done = Vec::new();
    let manifest_path = target.claude_dir.join(MANIFEST);
    let mut manifest = read_json(&manifest_path)?;
    if manifest.get("files").is_none() {
        manifest = json!({"files": [], "deny_rules": [], "gitignore_lines": [], "config": null});
    }
    fn remember(manifest: &mut Value, key: &str, value: Value) {
        if let Some(list) = manifest[key].as_array_mut() {
            if !list.contains(&value) {
                list.push(value);
            }
        }
    }
    // The binaries, where the hook command finds them.
    for binary in BINARIES {
        let from = binaries_from.join(binary);
        if !from.is_file() {
            return Err(Error::usage(format!(
                "{} is missing: build the binaries first (cargo install --path bins/{binary}, or scripts/build-plugin.sh)",
                from.display()
            )));
        }
        let to = target.claude_dir.join("bin").join(binary);
        let same = std::fs::read(&to).ok() == std::fs::read(&from).ok();
        if !same {
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, "create the folder", e))?;
            }
            std::fs::copy(&from, &to).map_err(|e| io(&to, "copy the binary", e))?;
            done.push(format!("installed {}", to.display()));
        }
        remember(&mut manifest, "files", json!(to));
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
            manifest["config"] = json!(config);
            done.push(format!(
                "created {} from the example: edit its connections",
                config.display()
            ));
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
            if dir == target.claude_dir || std::fs::remove_dir(dir).is_err() {
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
    use super::*;

    #[test]
    fn merging_twice_adds_once_and_unmerging_restores() {
        let target = Target::project(Path::new("/p"));
        let original = json!({"model": "x", "hooks": {"PostToolUse": [{"matcher": "Write"}]}, "permissions": {"deny": ["Bash(rm:*)"]}});
        let mut settings = original.clone();
        let added = merge_settings(&mut settings, &target).unwrap();
        assert_eq!(added.len(), DENY_RULES.len());
        let once = settings.clone();
        assert!(merge_settings(&mut settings, &target).unwrap().is_empty());
        assert_eq!(settings, once);
        assert_eq!(settings["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        unmerge_settings(&mut settings, &added);
        assert_eq!(settings, original);
    }

    #[test]
    fn deny_rules_are_sorted_and_unique() {
        for pair in DENY_RULES.windows(2) {
            assert!(pair[0] < pair[1]);
        }
    }
}
