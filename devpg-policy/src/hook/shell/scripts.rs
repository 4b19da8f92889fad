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

/// Files whose text a build, a shell or a compiler runs: writing a mention
/// into one is writing code (`printf 'all:\n\tpsql' > Makefile && make`).
pub fn runs_as_code(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    const NAMES: &[&str] = &[
        ".bash_login",
        ".bash_logout",
        ".bash_profile",
        ".bashrc",
        ".envrc",
        ".gitconfig",
        ".justfile",
        ".profile",
        ".zlogin",
        ".zprofile",
        ".zshenv",
        ".zshrc",
        "BUILD",
        "Containerfile",
        "Dockerfile",
        "GNUmakefile",
        "Justfile",
        "Makefile",
        "Procfile",
        "Rakefile",
        "Taskfile.yml",
        "build.gradle",
        "build.rs",
        "compose.yaml",
        "compose.yml",
        "config",
        "docker-compose.yaml",
        "docker-compose.yml",
        "justfile",
        "makefile",
        "package.json",
        "pyproject.toml",
        "setup.py",
    ];
    const EXTENSIONS: &[&str] = &[
        "bash", "c", "cc", "cjs", "cpp", "cs", "go", "java", "js", "kt", "lua", "mjs", "mk", "php",
        "pl", "ps1", "py", "rb", "rs", "sh", "swift", "ts", "zsh",
    ];
    if NAMES.binary_search(&base).is_ok() || base.starts_with("Dockerfile") {
        return true;
    }
    if path.contains(".git/hooks/") || path.contains("/etc/profile") {
        return true;
    }
    base.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.binary_search(&ext).is_ok())
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
    fn build_and_startup_files_run_as_code() {
        for path in [
            "Makefile",
            "x/.bashrc",
            "a.sh",
            ".git/hooks/pre-commit",
            "Dockerfile.dev",
        ] {
            assert!(runs_as_code(path), "{path}");
        }
        for path in ["notes.md", "commands.txt", "out.log"] {
            assert!(!runs_as_code(path), "{path}");
        }
    }
}
