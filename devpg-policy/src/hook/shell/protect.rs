//! The guard's own files (issue 10): configuration, trust store, audit log
//! and its companions, installed binaries, the skill, Claude Code's
//! settings. A command that writes, truncates, moves, deletes, links, copies
//! over or changes the mode of one is blocked; reading them is allowed,
//! except the secrets (pgpass, service files, the trust store).
//!
//! Paths are matched by their components after `~`, `$HOME`, `.` and `..`
//! are resolved lexically, so `HOME=/tmp/x` on the command line moves
//! nothing: `.pgpass` is a secret wherever it lives.

use super::super::rules::{HookRule, Problem};
use super::super::words::{glob_matches, Word};
use super::{Findings, Shell};
use std::path::{Component, Path, PathBuf};

/// What a path is to the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Read freely, never changed by the agent.
    Guarded,
    /// Neither read nor changed by the agent.
    Secret,
}

/// File names that are guarded wherever they stand. Sorted.
const GUARDED_NAMES: &[&str] = &[".dev-postgres.json", "managed-settings.json"];
/// File names that are secrets wherever they stand. Sorted.
const SECRET_NAMES: &[&str] = &[
    ".pg_service.conf",
    ".pgpass",
    "pg_service.conf",
    "pgpass.conf",
];
/// Folders whose whole content is guarded (as path components in a row).
const GUARDED_FOLDERS: &[&[&str]] = &[
    &[".claude", "bin"],
    &[".claude", "skills", "dev-postgres"],
    &[".config", "dev-postgres"],
    &[".local", "share", "dev-postgres"],
    &["Application Support", "dev-postgres"],
    &["claude-code"],
    &["ClaudeCode"],
];

/// Programs that change the files they are given (every operand).
const CHANGES_OPERANDS: &[&str] = &[
    "chattr", "chgrp", "chmod", "chown", "rm", "rmdir", "shred", "touch", "truncate", "unlink",
];
/// Programs that only look at a path's name or metadata, never its content.
const METADATA_ONLY: &[&str] = &[
    "basename", "dirname", "du", "echo", "file", "ls", "printf", "readlink", "realpath", "stat",
    "test", "type", "which",
];

/// Text every guarded or secret path holds (a cheap first look).
const PATH_HINTS: &[&str] = &[
    ".claude",
    ".dev-postgres",
    "ClaudeCode",
    "claude-code",
    "dev-postgres",
    "pg_service",
    "pgpass",
];

/// Classifies a path as the guard sees it.
pub fn protection(path: &str, cwd: &Path) -> Option<Protection> {
    let hinted = |text: &str| PATH_HINTS.iter().any(|hint| text.contains(hint));
    // After `cd .claude`, a bare `settings.json` is the guard's.
    if !hinted(path) && !hinted(&cwd.to_string_lossy()) {
        return None;
    }
    let full = normalize(path, cwd);
    let base = full
        .file_name()
        .map(|b| b.to_string_lossy().into_owned())
        .unwrap_or_default();
    if SECRET_NAMES.binary_search(&base.as_str()).is_ok() {
        return Some(Protection::Secret);
    }
    let parts: Vec<String> = full
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let within = |folder: &[&str]| {
        parts
            .windows(folder.len())
            .any(|w| w.iter().zip(folder).all(|(a, b)| a == b))
    };
    if within(&[".local", "share", "dev-postgres"]) && base == "trust.json" {
        return Some(Protection::Secret);
    }
    if GUARDED_NAMES.binary_search(&base.as_str()).is_ok()
        || base.starts_with(crate::config::DEFAULT_LOG_NAME)
        || GUARDED_FOLDERS.iter().any(|f| within(f))
    {
        return Some(Protection::Guarded);
    }
    // Claude Code's settings: `.claude/settings.json`, `.claude/settings.local.json`.
    let in_claude = parts.len() >= 2 && parts.get(parts.len() - 2).is_some_and(|p| p == ".claude");
    if in_claude && base.starts_with("settings") && base.ends_with(".json") {
        return Some(Protection::Guarded);
    }
    None
}

/// Whether changing `path` as a whole (`rm -rf .claude`, `cp -r x .claude`)
/// would change a guarded file inside it; with `ancestors`, also a folder
/// that holds the project (`rm -rf .`, `mv . ../x`).
fn holds_guarded(path: &str, cwd: &Path, ancestors: bool) -> bool {
    let full = normalize(path, cwd);
    let base = full
        .file_name()
        .map(|b| b.to_string_lossy().into_owned())
        .unwrap_or_default();
    matches!(
        base.as_str(),
        ".claude" | "dev-postgres" | ".local" | ".config"
    ) || (ancestors && normalize(".", cwd).starts_with(&full))
}

/// `~`, `$HOME`, relative paths, `.` and `..`, resolved without the file system.
fn normalize(path: &str, cwd: &Path) -> PathBuf {
    let home = || PathBuf::from("/home/~");
    let joined = if let Some(rest) = path.strip_prefix("~/") {
        home().join(rest)
    } else if let Some(rest) = path
        .strip_prefix("$HOME/")
        .or_else(|| path.strip_prefix("${HOME}/"))
    {
        home().join(rest)
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The guard's view of one command line's paths.
pub struct Guarded {
    /// The project, where the configuration is looked up.
    root: PathBuf,
    /// A configured audit log (`security.log_file`), looked up on first need.
    configured_log: std::cell::OnceCell<Option<PathBuf>>,
}

/// The audit log the configuration names when it is not the default, with
/// `.` and `..` resolved: its rotations, lock and head start with it.
pub fn configured_log(root: &Path) -> Option<PathBuf> {
    let config = crate::config::Config::load(None, root).ok()?;
    config.security.log_file.as_ref()?;
    let log = config.log_path(root);
    Some(normalize(&log.to_string_lossy(), root))
}

/// Whether `path` is the configured audit log or one of its companions.
pub fn is_configured_log(path: &str, cwd: &Path, log: &Path) -> bool {
    normalize(path, cwd)
        .to_string_lossy()
        .starts_with(&*log.to_string_lossy())
}

impl Guarded {
    pub fn new(root: &Path) -> Guarded {
        Guarded {
            root: root.to_path_buf(),
            configured_log: std::cell::OnceCell::new(),
        }
    }

    fn block(findings: &mut Findings, rule: HookRule, detail: String) {
        if findings.block.is_none() {
            findings.block = Some(Problem { rule, detail });
        }
    }

    /// `path` is written, truncated, moved, deleted or changed by `how`.
    pub fn written(&self, findings: &mut Findings, cwd: &Path, path: &str, how: &str) {
        let glob = path.contains(['*', '?', '[']);
        let hit = if glob {
            glob_hits_guarded(path)
        } else {
            protection(path, cwd).is_some()
                || self
                    .configured_log
                    .get_or_init(|| configured_log(&self.root))
                    .as_deref()
                    .is_some_and(|log| is_configured_log(path, cwd, log))
        };
        if hit {
            Self::block(
                findings,
                HookRule::ProtectedPath,
                format!(
                    "{how} would change {path}, one of the guard's own files (configuration, trust store, audit log, binaries, skill, Claude Code settings); a human changes these, then runs `dev-postgres trust`"
                ),
            );
        }
    }

    /// `path` is read by `how`.
    pub fn read(&self, findings: &mut Findings, cwd: &Path, path: &str, how: &str) {
        if protection(path, cwd) == Some(Protection::Secret) {
            Self::block(
                findings,
                HookRule::SecretRead,
                format!(
                    "{how} would read {path}, which holds secrets (passwords, service entries or the trust store)"
                ),
            );
        }
    }
}

/// A glob that can stand for a guarded file name (`.dev-postgres*`, `.claude/*`).
fn glob_hits_guarded(pattern: &str) -> bool {
    let base = pattern.rsplit('/').next().unwrap_or(pattern);
    let in_claude = pattern.contains(".claude/");
    GUARDED_NAMES
        .iter()
        .chain(SECRET_NAMES)
        .chain([&crate::config::DEFAULT_LOG_NAME])
        .any(|name| glob_matches(base, name))
        || (in_claude && glob_matches(base, "settings.json"))
}

impl Shell {
    /// The guard's files among a command's operands.
    pub(super) fn protect_words(&mut self, name: &str, words: &[Word]) {
        if self.blocked() {
            return;
        }
        let args: Vec<String> = words.iter().skip(1).filter_map(Word::value).collect();
        let operands: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let how = format!("`{name}`");
        let in_place = args.iter().any(|a| {
            a == "-i"
                || a.starts_with("--in-place")
                || (a.starts_with("-i") && name != "perl")
                || a.starts_with("-pi")
                || a == "-i.bak"
        });
        let folder_change =
            |shell: &Shell, path: &str, ancestors: bool| holds_guarded(path, &shell.cwd, ancestors);
        let mut changed: Vec<&str> = Vec::new();
        let mut read: Vec<&str> = Vec::new();
        match name {
            _ if CHANGES_OPERANDS.contains(&name) => changed.extend(&operands),
            "mv" => changed.extend(&operands),
            "cp" | "install" | "rsync" | "scp" | "ln" => {
                if let Some((last, sources)) = operands.split_last() {
                    changed.push(last);
                    // `cp -r evil/.claude .`: into a folder, under the source's name.
                    let folder = last.ends_with('/')
                        || matches!(*last, "." | "..")
                        || self.cwd.join(last).is_dir();
                    for source in sources.iter().filter(|_| folder) {
                        let base = source
                            .trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .unwrap_or(source);
                        let inside = format!("{}/{base}", last.trim_end_matches('/'));
                        if protection(&inside, &self.cwd).is_some()
                            || holds_guarded(&inside, &self.cwd, false)
                        {
                            Guarded::block(
                                &mut self.findings,
                                HookRule::ProtectedPath,
                                format!("{how} would put {source} over {inside}, which holds the guard's own files"),
                            );
                            return;
                        }
                    }
                    if name == "ln" && sources.is_empty() {
                        // `ln -s TARGET`: the link is made in the current folder.
                    }
                    read.extend(sources);
                }
            }
            "tee" => changed.extend(&operands),
            // Editors write what they open (`vim -c 'wq'`, `ed`), patch its target.
            "ed" | "ex" | "vi" | "vim" | "nvim" | "nano" | "emacs" | "patch" => {
                changed.extend(&operands)
            }
            // Archives extract members over files; download tools write their output.
            "unzip" | "7z" | "bsdtar" => changed.extend(operands.iter().skip(1)),
            "tar"
                if args.iter().any(|a| {
                    !a.starts_with("--") && a.trim_start_matches('-').contains('x') && a.len() < 8
                }) =>
            {
                changed.extend(operands.iter().skip(1))
            }
            "curl" | "wget" => {
                for (i, arg) in args.iter().enumerate() {
                    let value = match arg.as_str() {
                        "-o" | "--output" | "-O" | "--output-document" => {
                            args.get(i + 1).map(String::as_str)
                        }
                        a => a
                            .strip_prefix("--output=")
                            .or_else(|| a.strip_prefix("--output-document=")),
                    };
                    changed.extend(value);
                }
            }
            "dd" => {
                for operand in &operands {
                    if let Some(path) = operand.strip_prefix("of=") {
                        changed.push(path);
                    }
                    if let Some(path) = operand.strip_prefix("if=") {
                        read.push(path);
                    }
                }
            }
            "sed" | "gsed" | "perl" if in_place => changed.extend(operands.iter().skip(1)),
            // `find . -name .dev-postgres.json -delete`: the names it deletes.
            "find" if args.iter().any(|a| a == "-delete") => changed.extend(
                args.iter()
                    .map(String::as_str)
                    .filter(|a| !a.starts_with('-') && *a != "."),
            ),
            // `git apply x.patch`: the files the patch names.
            "git" if operands.first() == Some(&"apply") => {
                for patch in operands.iter().skip(1) {
                    let text = super::scripts::read_script(&self.cwd.join(patch), &self.root);
                    for target in text.as_deref().map(patched_files).unwrap_or_default() {
                        self.protect
                            .written(&mut self.findings, &self.cwd, &target, "the patch");
                    }
                }
            }
            // `git checkout -- FILE` and friends overwrite or remove files.
            "git" => {
                if matches!(
                    operands.first(),
                    Some(&("checkout" | "restore" | "rm" | "mv" | "reset" | "stash" | "clean"))
                ) {
                    changed.extend(operands.iter().skip(1));
                }
            }
            _ if METADATA_ONLY.contains(&name) => {}
            _ => read.extend(&operands),
        }
        for path in changed {
            let ancestors = matches!(name, "rm" | "mv" | "rmdir");
            let whole = folder_change(self, path, ancestors);
            if whole {
                Guarded::block(
                    &mut self.findings,
                    HookRule::ProtectedPath,
                    format!("{how} would change {path}, which holds the guard's own files"),
                );
                return;
            }
            self.protect
                .written(&mut self.findings, &self.cwd, path, &how);
        }
        for path in read {
            self.protect.read(&mut self.findings, &self.cwd, path, &how);
        }
        // Interpreter one-liners that open a guarded file for writing.
        if super::super::programs::interpreter(name).is_some() {
            for arg in &args {
                if opens_guarded_for_writing(arg) {
                    Guarded::block(
                        &mut self.findings,
                        HookRule::ProtectedPath,
                        format!("{how}'s code would change one of the guard's own files"),
                    );
                    return;
                }
            }
        }
    }
}

/// The files a unified or git diff changes.
fn patched_files(patch: &str) -> Vec<String> {
    patch
        .lines()
        .filter_map(|line| {
            line.strip_prefix("+++ ")
                .or_else(|| line.strip_prefix("--- "))
                .or_else(|| line.strip_prefix("rename to "))
        })
        .map(|path| {
            let path = path.split('\t').next().unwrap_or(path).trim();
            path.strip_prefix("b/")
                .or_else(|| path.strip_prefix("a/"))
                .unwrap_or(path)
                .to_string()
        })
        .filter(|path| path != "/dev/null")
        .collect()
}

/// Code that names a guarded file and writes, moves or deletes something.
fn opens_guarded_for_writing(code: &str) -> bool {
    let names_guarded = [
        ".dev-postgres",
        ".claude/",
        "settings.json",
        "settings.local.json",
        "dev-postgres/",
        ".pgpass",
    ]
    .iter()
    .any(|n| code.contains(n));
    if !names_guarded {
        return false;
    }
    let lower = code.to_ascii_lowercase();
    [
        "'w", "\"w", "'a", "\"a", "write", "unlink", "remove", "rename", "truncate", "chmod",
        "replace", "rmtree", "copy", "move", "symlink", ">",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted() {
        for table in [
            GUARDED_NAMES,
            SECRET_NAMES,
            CHANGES_OPERANDS,
            METADATA_ONLY,
            PATH_HINTS,
        ] {
            for pair in table.windows(2) {
                assert!(pair[0] < pair[1], "{pair:?}");
            }
        }
    }

    #[test]
    fn the_guard_s_files_are_recognised() {
        let cwd = Path::new("/work/app");
        for (path, expected) in [
            (".dev-postgres.json", Some(Protection::Guarded)),
            ("../app/.dev-postgres.json", Some(Protection::Guarded)),
            (".claude/settings.json", Some(Protection::Guarded)),
            (".claude/settings.local.json", Some(Protection::Guarded)),
            ("~/.claude/settings.json", Some(Protection::Guarded)),
            (
                "/etc/claude-code/managed-settings.json",
                Some(Protection::Guarded),
            ),
            (
                ".claude/skills/dev-postgres/SKILL.md",
                Some(Protection::Guarded),
            ),
            (".claude/bin/pg-hook", Some(Protection::Guarded)),
            (
                "~/.local/share/dev-postgres/trust.json",
                Some(Protection::Secret),
            ),
            (
                "$HOME/.local/share/dev-postgres/bin/pg-query",
                Some(Protection::Guarded),
            ),
            (".dev-postgres-query.log.1", Some(Protection::Guarded)),
            ("~/.pgpass", Some(Protection::Secret)),
            (
                "/etc/postgresql-common/pg_service.conf",
                Some(Protection::Secret),
            ),
            ("src/main.rs", None),
            (".claude/agents/x.md", None),
            ("settings.json", None),
        ] {
            assert_eq!(protection(path, cwd), expected, "{path}");
        }
    }
}
