//! The append-only audit log: one JSON line per attempt, allowed or blocked.
//!
//! Each record carries `prev`, the SHA-256 of the line before it (across
//! rotations), so a deleted, edited or torn line shows. Records are written
//! with one `write` to a file opened with O_APPEND, under an exclusive lock on
//! a separate lock file (the log itself is renamed on rotation), created 0600.

use devpg_policy::error::Error;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// `prev` of the very first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// How many rotated files are kept (`log.1` … `log.N`).
pub const KEEP_ROTATED: usize = 5;

/// What happened to one attempt.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub tool: &'static str,
    pub connection: String,
    pub mode: String,
    pub database: String,
    pub user: String,
    pub host: String,
    pub sql: String,
    /// `allowed`, `destructive` or `blocked`.
    pub verdict: String,
    pub rule: Option<String>,
    pub confirmed: bool,
    /// `ok`, `error`, `cancelled`, `timed-out`, `blocked`, `needs-confirmation`, `not-run`.
    pub outcome: String,
    pub sqlstate: Option<String>,
    pub error: Option<String>,
    pub rows: u64,
    pub truncated: bool,
    pub duration_ms: u64,
}

impl Record {
    fn to_json(&self, time: &str, prev: &str) -> Value {
        let mut map = Map::new();
        let mut put = |key: &str, value: Value| {
            map.insert(key.to_string(), value);
        };
        put("time", json!(time));
        put("tool", json!(self.tool));
        put("connection", json!(self.connection));
        put("mode", json!(self.mode));
        put("database", json!(self.database));
        put("user", json!(self.user));
        put("host", json!(self.host));
        put("sql", json!(self.sql));
        put("verdict", json!(self.verdict));
        put("rule", json!(self.rule));
        put("confirmed", json!(self.confirmed));
        put("outcome", json!(self.outcome));
        put("sqlstate", json!(self.sqlstate));
        put("error", json!(self.error));
        put("rows", json!(self.rows));
        put("truncated", json!(self.truncated));
        put("duration_ms", json!(self.duration_ms));
        put("prev", json!(prev));
        Value::Object(map)
    }
}

pub struct AuditLog {
    path: PathBuf,
    max_bytes: u64,
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Execution(format!(
        "audit log {}: cannot {what}: {e}. Nothing was run: dev-postgres does not run what it cannot log",
        path.display()
    ))
}

fn hash(line: &[u8]) -> String {
    Sha256::digest(line)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

impl AuditLog {
    /// Opens the log for appending, creating it (0600) if needed, and checks
    /// that a record can be written — before anything runs.
    pub fn open(path: &Path, max_bytes: u64) -> Result<AuditLog, Error> {
        let log = AuditLog {
            path: path.to_path_buf(),
            max_bytes,
        };
        let _lock = log.lock()?;
        log.open_append()?;
        Ok(log)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> Result<File, Error> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        let file = create_private(Path::new(&name))
            .map_err(|e| io(&self.path, "create its lock file", e))?;
        file.lock().map_err(|e| io(&self.path, "lock it", e))?;
        Ok(file)
    }

    fn open_append(&self) -> Result<File, Error> {
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(&self.path)
            .map_err(|e| io(&self.path, "open it for appending", e))
    }

    /// Appends one record: one line, one write, under the lock.
    pub fn append(&self, record: &Record) -> Result<(), Error> {
        let _lock = self.lock()?;
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if self.max_bytes > 0 && size >= self.max_bytes {
            self.rotate()?;
        }
        let mut file = self.open_append()?;
        let prev =
            match last_line(&self.path).map_err(|e| io(&self.path, "read its last line", e))? {
                Some(LastLine { text, terminated }) => {
                    if !terminated {
                        // A torn record (a crash mid-write): end its line so the
                        // next record starts clean; verify reports it.
                        file.write_all(b"\n")
                            .map_err(|e| io(&self.path, "write", e))?;
                    }
                    hash(&text)
                }
                None => match last_line(&rotated(&self.path, 1)).ok().flatten() {
                    Some(last) => hash(&last.text),
                    None => GENESIS.to_string(),
                },
            };
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut line = record.to_json(&time, &prev).to_string();
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(|e| io(&self.path, "write", e))?;
        Ok(())
    }

    fn rotate(&self) -> Result<(), Error> {
        for n in (1..KEEP_ROTATED).rev() {
            let from = rotated(&self.path, n);
            if from.exists() {
                std::fs::rename(&from, rotated(&self.path, n + 1))
                    .map_err(|e| io(&self.path, "rotate", e))?;
            }
        }
        std::fs::rename(&self.path, rotated(&self.path, 1)).map_err(|e| io(&self.path, "rotate", e))
    }
}

fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

struct LastLine {
    text: Vec<u8>,
    terminated: bool,
}

/// The last line of a file (without its newline), reading backwards from the end.
fn last_line(path: &Path) -> std::io::Result<Option<LastLine>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let size = file.seek(SeekFrom::End(0))?;
    if size == 0 {
        return Ok(None);
    }
    let mut tail = Vec::new();
    let mut end = size;
    let mut last_byte = [0u8; 1];
    file.seek(SeekFrom::Start(size - 1))?;
    file.read_exact(&mut last_byte)?;
    let terminated = last_byte[0] == b'\n';
    if terminated {
        end -= 1;
    }
    let mut position = end;
    loop {
        let step = position.min(8192);
        position -= step;
        file.seek(SeekFrom::Start(position))?;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(8192)];
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        let limit = usize::try_from(end - position)
            .unwrap_or(tail.len())
            .min(tail.len());
        if let Some(i) = tail[..limit].iter().rposition(|b| *b == b'\n') {
            return Ok(Some(LastLine {
                text: tail[i + 1..limit].to_vec(),
                terminated,
            }));
        }
        if position == 0 {
            return Ok(Some(LastLine {
                text: tail[..limit].to_vec(),
                terminated,
            }));
        }
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub records: u64,
    pub files: Vec<PathBuf>,
    /// The first problem: file, 1-based line, what.
    pub problem: Option<(PathBuf, u64, String)>,
}

/// Checks the chain from the oldest rotated file to the live one.
pub fn verify(path: &Path) -> Result<Verification, Error> {
    let mut files: Vec<PathBuf> = (1..=KEEP_ROTATED)
        .rev()
        .map(|n| rotated(path, n))
        .filter(|p| p.exists())
        .collect();
    if path.exists() {
        files.push(path.to_path_buf());
    }
    let mut result = Verification {
        records: 0,
        files: files.clone(),
        problem: None,
    };
    let mut previous: Option<String> = None;
    for file in &files {
        let reader = BufReader::new(File::open(file).map_err(|e| io(file, "read it", e))?);
        for (index, line) in reader.split(b'\n').enumerate() {
            let line = line.map_err(|e| io(file, "read it", e))?;
            let number = index as u64 + 1;
            let problem = |what: String| Some((file.clone(), number, what));
            let record: Option<Value> = serde_json::from_slice(&line).ok();
            let prev = record
                .as_ref()
                .and_then(|r| r.get("prev"))
                .and_then(Value::as_str);
            match (prev, &previous) {
                (None, _) => {
                    result.problem =
                        problem("torn or corrupt record (not a JSON record with prev)".into());
                    return Ok(result);
                }
                (Some(prev), Some(expected)) if prev != expected => {
                    result.problem = problem("broken chain: prev does not match the record before (a record was removed or changed)".into());
                    return Ok(result);
                }
                (Some(prev), None) if file == path && files.len() == 1 && prev != GENESIS => {
                    result.problem =
                        problem("broken chain: the first record does not start the chain".into());
                    return Ok(result);
                }
                _ => {}
            }
            previous = Some(hash(&line));
            result.records += 1;
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dp-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("audit.log")
    }

    fn record(n: u64) -> Record {
        Record {
            tool: "test",
            sql: format!("SELECT {n}"),
            outcome: "ok".into(),
            rows: n,
            ..Record::default()
        }
    }

    #[test]
    fn records_chain_and_verify() {
        let path = temp("chain");
        let log = AuditLog::open(&path, 0).unwrap();
        for n in 0..5 {
            log.append(&record(n)).unwrap();
        }
        let v = verify(&path).unwrap();
        assert_eq!((v.records, v.problem), (5, None));
        let text = std::fs::read_to_string(&path).unwrap();
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["prev"], GENESIS);
        assert_eq!(first["sql"], "SELECT 0");
    }

    #[test]
    fn a_removed_or_changed_line_breaks_the_chain() {
        let path = temp("tamper");
        let log = AuditLog::open(&path, 0).unwrap();
        for n in 0..4 {
            log.append(&record(n)).unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n{}\n", lines[0], lines[2], lines[3])).unwrap();
        let v = verify(&path).unwrap();
        assert_eq!(v.problem.as_ref().map(|p| p.1), Some(2), "{v:?}");
        std::fs::write(&path, text.replace("SELECT 2", "SELECT 9")).unwrap();
        assert_eq!(verify(&path).unwrap().problem.map(|p| p.1), Some(4));
    }

    #[test]
    fn a_torn_line_is_reported_and_the_log_goes_on() {
        let path = temp("torn");
        let log = AuditLog::open(&path, 0).unwrap();
        log.append(&record(1)).unwrap();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"time\":\"x\",\"sq").unwrap();
        log.append(&record(2)).unwrap();
        let v = verify(&path).unwrap();
        assert_eq!(v.problem.as_ref().map(|p| p.1), Some(2));
        assert!(v.problem.unwrap().2.contains("torn"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
    }

    #[test]
    fn rotation_keeps_the_chain() {
        let path = temp("rotate");
        let log = AuditLog::open(&path, 600).unwrap();
        for n in 0..20 {
            log.append(&record(n)).unwrap();
        }
        assert!(rotated(&path, 1).exists());
        let v = verify(&path).unwrap();
        assert_eq!(v.problem, None, "{v:?}");
        assert!(v.files.len() > 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("mode");
        AuditLog::open(&path, 0)
            .unwrap()
            .append(&record(1))
            .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn an_unwritable_log_is_an_error_before_anything_runs() {
        let err = AuditLog::open(Path::new("/proc/definitely/not/here.log"), 0)
            .err()
            .unwrap();
        assert!(err.to_string().contains("Nothing was run"), "{err}");
    }
}
