//! Script files a command runs: what kind of code they hold, and reading them.

use super::super::programs;
use std::path::Path;
use tree_sitter::Node;

/// How much of a script file is read.
pub const SCRIPT_CAP: u64 = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptKind {
    Shell,
    Code,
    ByContent,
    Binary,
}

pub fn script_kind(path: &str, text: &str) -> ScriptKind {
    let first = text.lines().next().unwrap_or_default();
    if text.as_bytes().starts_with(b"\x7fELF") {
        return ScriptKind::Binary;
    }
    if let Some(shebang) = first.strip_prefix("#!") {
        let interpreter = shebang
            .split_whitespace()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .find(|w| *w != "env" && !w.starts_with('-'))
            .unwrap_or_default();
        return if programs::is_shell(interpreter) {
            ScriptKind::Shell
        } else {
            ScriptKind::Code
        };
    }
    let extension = path.rsplit('.').next().unwrap_or_default();
    match extension {
        "sh" | "bash" | "zsh" | "ksh" => ScriptKind::Shell,
        "py" | "js" | "mjs" | "cjs" | "ts" | "rb" | "pl" | "php" | "lua" => ScriptKind::Code,
        _ => ScriptKind::Shell,
    }
}

/// A script file under `root`, size-capped, if it can be read.
pub fn read_script(path: &Path, root: &Path) -> Option<String> {
    let canonical = path.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    if !canonical.starts_with(&root) || !canonical.is_file() {
        return None;
    }
    use std::io::Read;
    let file = std::fs::File::open(&canonical).ok()?;
    let mut bytes = Vec::new();
    file.take(SCRIPT_CAP).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Standard input named as a file (`bash /dev/stdin`, `python -`).
pub fn names_stdin(path: &str) -> bool {
    matches!(
        path,
        "-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0" | "/dev/fd/3"
    )
}

/// Start-up files by name. Sorted.
const STARTUP_NAMES: &[&str] = &[
    ".bash_login",
    ".bash_logout",
    ".bash_profile",
    ".bashrc",
    ".envrc",
    ".gdbinit",
    ".gitconfig",
    ".inputrc",
    ".profile",
    ".psqlrc",
    ".sqliterc",
    ".vimrc",
    ".zlogin",
    ".zprofile",
    ".zshenv",
    ".zshrc",
    "config.fish",
];

/// Files that a shell or a tool runs by itself, later, without being
/// named: start-up files, git hooks, `.pth` files. Writing a mention into
/// one blocks even when nothing on the line runs it.
pub fn starts_by_itself(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    STARTUP_NAMES.binary_search(&base).is_ok()
        || base.ends_with(".pth")
        || path.contains("hooks/")
        || path.contains("/etc/profile")
        || path.contains("/.config/")
}

/// The commands that read a pipeline stage's or statement's standard input.
pub fn first_commands(node: Node<'_>) -> Vec<Node<'_>> {
    match node.kind() {
        "command" => vec![node],
        "redirected_statement" => node
            .child_by_field_name("body")
            .map(first_commands)
            .unwrap_or_default(),
        "pipeline" => node.named_child(0).map(first_commands).unwrap_or_default(),
        "subshell" | "compound_statement" | "list" => {
            let mut cursor = node.walk();
            node.named_children(&mut cursor)
                .flat_map(first_commands)
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_names_are_sorted() {
        for pair in STARTUP_NAMES.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
    }

    #[test]
    fn startup_files_start_by_themselves() {
        for path in [
            "x/.bashrc",
            ".git/hooks/pre-commit",
            "h/hooks/post-checkout",
            "/usr/lib/python3/site-packages/zz.pth",
        ] {
            assert!(starts_by_itself(path), "{path}");
        }
        for path in ["notes.md", "commands.txt", "Makefile", "run.sh"] {
            assert!(!starts_by_itself(path), "{path}");
        }
    }
}
