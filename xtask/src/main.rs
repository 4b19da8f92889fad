//! `cargo run -p xtask -- gen [--check]`: regenerates every generated file of
//! the tree from its one source, or with `--check` fails (exit 1) naming each
//! file that is stale, so CI catches a generator changed without its output.
//!
//! - `devpg-policy/src/sql/walk.rs` from pg_query's `protobuf.rs`
//!   (`devpg-policy/tools/gen_walk.py`);
//! - the side-effect function corpus under `tests/corpus/sql/`
//!   (`tests/corpus/generate_functions.py`).
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen"] => false,
        ["gen", "--check"] => true,
        _ => {
            eprintln!("usage: cargo run -p xtask -- gen [--check]");
            return ExitCode::from(3);
        }
    };
    match generate(check) {
        Ok(stale) if stale.is_empty() => ExitCode::SUCCESS,
        Ok(stale) => {
            for path in &stale {
                eprintln!(
                    "xtask: stale: {} (run `cargo run -p xtask -- gen`)",
                    path.display()
                );
            }
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::from(4)
        }
    }
}

/// One generated file: where it lives in the tree, and its fresh content.
struct Generated {
    path: PathBuf,
    content: Vec<u8>,
}

/// Writes every generated file, or with `check` only compares; returns the
/// files that were (or would be) changed.
fn generate(check: bool) -> Result<Vec<PathBuf>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace root above xtask")?
        .to_path_buf();
    let mut outputs = vec![walk(&root)?];
    outputs.extend(function_corpus(&root)?);
    let mut stale = Vec::new();
    for output in outputs {
        let current = std::fs::read(&output.path).unwrap_or_default();
        if current == output.content {
            continue;
        }
        if !check {
            std::fs::write(&output.path, &output.content)
                .map_err(|e| format!("cannot write {}: {e}", output.path.display()))?;
            eprintln!("xtask: wrote {}", output.path.display());
        }
        stale.push(output.path);
    }
    if !check {
        stale.clear();
    }
    Ok(stale)
}

/// walk.rs from the protobuf.rs of the pg_query version Cargo.lock holds.
fn walk(root: &Path) -> Result<Generated, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let metadata = run(Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root))?;
    let metadata: serde_json::Value = serde_json::from_slice(&metadata)
        .map_err(|e| format!("cargo metadata is not JSON: {e}"))?;
    let manifest = metadata
        .get("packages")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| p.get("name").and_then(serde_json::Value::as_str) == Some("pg_query"))
        .and_then(|p| p.get("manifest_path").and_then(serde_json::Value::as_str))
        .ok_or("pg_query is not in cargo metadata")?;
    let protobuf = Path::new(manifest)
        .parent()
        .ok_or("pg_query's manifest has no folder")?
        .join("src/protobuf.rs");
    let content = run(Command::new("python3")
        .arg(root.join("devpg-policy/tools/gen_walk.py"))
        .arg(&protobuf))?;
    Ok(Generated {
        path: root.join("devpg-policy/src/sql/walk.rs"),
        content,
    })
}

/// The side-effect function corpus: the script writes into a scratch copy
/// of the corpus folders, and every file it writes is one output.
fn function_corpus(root: &Path) -> Result<Vec<Generated>, String> {
    let corpus = root.join("tests/corpus");
    let scratch = std::env::temp_dir().join(format!("dev-postgres-xtask-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    mirror_folders(&corpus.join("sql"), &scratch.join("sql"))?;
    let outcome = run(Command::new("python3")
        .arg(corpus.join("generate_functions.py"))
        .current_dir(&scratch))
    .and_then(|_| {
        let mut files = Vec::new();
        collect_files(&scratch, &mut files)?;
        files
            .into_iter()
            .map(|file| {
                let relative = file
                    .strip_prefix(&scratch)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                let content = std::fs::read(&file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                Ok(Generated {
                    path: corpus.join(relative),
                    content,
                })
            })
            .collect()
    });
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}

fn mirror_folders(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            mirror_folders(&entry.path(), &to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    files.sort();
    Ok(())
}

/// A command's standard output, or why it failed.
fn run(command: &mut Command) -> Result<Vec<u8>, String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}
