#![allow(clippy::panic)]
//! Reading the SQL corpus (`tests/corpus/sql`), shared by the corpus tests of
//! the core, of pg-validate and of the live server test.
//!
//! Layout: `read-only=V/dml=V/read-write=V/*.sql`, where each V is `allowed`,
//! `destructive` or `blocked`: the folder is the verdict. In a file, each line
//! is one case; `#` lines are notes; a case spanning lines stands between a
//! `<<<` line and a `>>>` line.

use devpg_policy::Mode;
use std::path::{Path, PathBuf};

/// One corpus case and its expected verdict per mode.
#[derive(Debug, Clone)]
pub struct Case {
    pub sql: String,
    pub file: PathBuf,
    pub line: usize,
    /// Expected verdict names (`allowed`, `destructive`, `blocked`) for
    /// read-only, dml and read-write.
    pub expected: [String; 3],
}

impl Case {
    pub fn expected_for(&self, mode: Mode) -> &str {
        match mode {
            Mode::ReadOnly => &self.expected[0],
            Mode::Dml => &self.expected[1],
            Mode::ReadWrite => &self.expected[2],
        }
    }
}

/// Every case below `root` (the `tests/corpus/sql` folder).
pub fn load(root: &Path) -> Result<Vec<Case>, String> {
    let mut files = Vec::new();
    collect_files(root, &mut files)?;
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let relative = file.strip_prefix(root).map_err(|e| e.to_string())?;
        let expected = expected_from_path(relative)?;
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (line, sql) in split_cases(&text).map_err(|e| format!("{}: {e}", file.display()))? {
            cases.push(Case {
                sql,
                file: file.clone(),
                line,
                expected: expected.clone(),
            });
        }
    }
    Ok(cases)
}

/// The cases of one corpus file: `(line, text)`. Each line is a case; `#`
/// lines and blank lines are notes; a case spanning lines stands between a
/// `<<<` line and a `>>>` line.
pub fn split_cases(text: &str) -> Result<Vec<(usize, String)>, String> {
    let mut cases = Vec::new();
    let mut block: Option<(usize, Vec<&str>)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        match (&mut block, line) {
            (None, "<<<") => block = Some((number + 1, Vec::new())),
            (Some((start, lines)), ">>>") => {
                cases.push((*start, lines.join("\n")));
                block = None;
            }
            (Some((_, lines)), _) => lines.push(line),
            (None, _) if line.starts_with('#') || line.trim().is_empty() => {}
            (None, _) => cases.push((number, line.to_string())),
        }
    }
    if block.is_some() {
        return Err("a <<< block is not closed".into());
    }
    Ok(cases)
}

/// Every case of every `*.txt` file in `dir`: `(file, line, text)`.
pub fn text_cases(dir: &Path) -> Vec<(PathBuf, usize, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (line, case) in split_cases(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        {
            cases.push((file.clone(), line, case));
        }
    }
    cases
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "sql") {
            files.push(path);
        }
    }
    Ok(())
}

fn expected_from_path(relative: &Path) -> Result<[String; 3], String> {
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let wanted = ["read-only", "dml", "read-write"];
    if parts.len() != 4 {
        return Err(format!(
            "{}: expected read-only=V/dml=V/read-write=V/FILE.sql",
            relative.display()
        ));
    }
    let mut expected: [String; 3] = Default::default();
    for (i, mode) in wanted.iter().enumerate() {
        let verdict = parts[i]
            .strip_prefix(&format!("{mode}="))
            .filter(|v| ["allowed", "destructive", "blocked"].contains(v))
            .ok_or_else(|| {
                format!(
                    "{}: folder {} is not {mode}=VERDICT",
                    relative.display(),
                    parts[i]
                )
            })?;
        expected[i] = verdict.to_string();
    }
    Ok(expected)
}

/// The SQL corpus of this repository.
pub fn sql_corpus() -> Vec<Case> {
    load(&crate::repo_root().join("tests/corpus/sql"))
        .unwrap_or_else(|e| panic!("cannot load the SQL corpus: {e}"))
}
