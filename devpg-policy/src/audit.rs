//! The append-only audit log: one JSON line per record, written ahead.
//!
//! A run writes an `attempt` record (tool, connection, mode, SQL, verdict)
//! and makes it reach the file before anything is sent to the server, then
//! an `outcome` record that names the attempt's sequence number. A run whose
//! attempt cannot be written does not run.
//!
//! Each record carries `seq` (1, 2, … across rotations) and `prev`, the
//! SHA-256 of the line before it, so a removed, edited or torn line shows.
//! The chain is anchored outside the project: a head file in the account's
//! data directory (see `crate::config::paths`) keeps the log's
//! identity, its record count and its last hash, updated with every append;
//! verification compares the log with it, so truncating, emptying, deleting
//! or re-forging the log from the start is reported too. Log, lock and head
//! are opened without following symbolic links, as regular files of this
//! account, created 0600. Records go one `write` each to a file opened with
//! O_APPEND, under an exclusive lock on a separate lock file.

use crate::config::paths;
use crate::config::trust::sha256_hex;
use crate::error::Error;
use crate::fs::{
    create_private_dir, create_private_new, open_own, open_private, open_private_append,
};
use crate::json::parse_strict;
use crate::sql::Verdict;
use crate::Mode;
use serde_json::{json, Map, Value};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// `prev` of the very first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// SQL longer than this is recorded by its start, SHA-256 and length.
pub const MAX_SQL_BYTES: usize = 64 * 1024;
/// How many rotated files are kept (`log.1` … `log.N`).
pub const KEEP_ROTATED: usize = 5;

/// How an attempt ended. The serialized names are defined here only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Ok,
    Error,
    Cancelled,
    TimedOut,
    Blocked,
    NeedsConfirmation,
    NotRun,
}

impl RunOutcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Error => "error",
            RunOutcome::Cancelled => "cancelled",
            RunOutcome::TimedOut => "timed-out",
            RunOutcome::Blocked => "blocked",
            RunOutcome::NeedsConfirmation => "needs-confirmation",
            RunOutcome::NotRun => "not-run",
        }
    }
}

/// What is about to be tried: written before anything runs.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub tool: &'static str,
    pub connection: String,
    pub mode: Mode,
    pub database: String,
    pub user: String,
    pub host: String,
    /// The port actually used (None when the settings did not resolve).
    pub port: Option<u16>,
    /// The SQL as given, secrets already replaced.
    pub sql: String,
    pub verdict: Verdict,
    pub rule: Option<&'static str>,
    pub confirmed: bool,
}

/// How the attempt ended: written after.
#[derive(Debug, Clone)]
pub struct Finish {
    pub outcome: RunOutcome,
    pub sqlstate: Option<String>,
    /// The error's first line, secrets already replaced.
    pub error: Option<String>,
    pub rows: u64,
    pub truncated: bool,
    pub duration_ms: u64,
}

impl Finish {
    pub fn new(outcome: RunOutcome) -> Finish {
        Finish {
            outcome,
            sqlstate: None,
            error: None,
            rows: 0,
            truncated: false,
            duration_ms: 0,
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone)]
pub enum Record<'a> {
    Attempt(&'a Attempt),
    /// The outcome of the attempt with this sequence number.
    Outcome(u64, &'a Finish),
}

impl Record<'_> {
    fn fields(&self, map: &mut Map<String, Value>) {
        let mut put = |key: &str, value: Value| {
            map.insert(key.to_string(), value);
        };
        match self {
            Record::Attempt(a) => {
                put("kind", json!("attempt"));
                put("tool", json!(a.tool));
                put("connection", json!(a.connection));
                put("mode", json!(a.mode.as_str()));
                put("database", json!(a.database));
                put("user", json!(a.user));
                put("host", json!(a.host));
                put("port", json!(a.port));
                // A record stays small whatever the SQL: padding the SQL must
                // not push earlier records out of the kept rotations. The
                // full text is pinned by its hash and length.
                if a.sql.len() > MAX_SQL_BYTES {
                    let kept: String = a.sql.chars().take(MAX_SQL_BYTES / 4).collect();
                    put("sql", json!(kept));
                    put("sql_sha256", json!(sha256_hex(a.sql.as_bytes())));
                    put("sql_bytes", json!(a.sql.len()));
                } else {
                    put("sql", json!(a.sql));
                }
                put("verdict", json!(a.verdict.as_str()));
                put("rule", json!(a.rule));
                put("confirmed", json!(a.confirmed));
            }
            Record::Outcome(attempt, f) => {
                put("kind", json!("outcome"));
                put("attempt", json!(attempt));
                put("outcome", json!(f.outcome.as_str()));
                put("sqlstate", json!(f.sqlstate));
                put("error", json!(f.error));
                put("rows", json!(f.rows));
                put("truncated", json!(f.truncated));
                put("duration_ms", json!(f.duration_ms));
            }
        }
    }
}

/// The anchor of a log's chain, kept where the project cannot reach: both
/// ends of what is kept, so cutting records from the front (or deleting the
/// oldest rotations) shows as much as cutting them from the end.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    log_id: String,
    records: u64,
    last_hash: String,
    /// `seq` and hash of the oldest record still kept (moves only on rotation).
    first_seq: u64,
    first_hash: String,
}

impl Head {
    fn to_json(&self, log: &Path) -> Value {
        json!({
            "log": log.display().to_string(),
            "log_id": self.log_id,
            "records": self.records,
            "last_hash": self.last_hash,
            "first_seq": self.first_seq,
            "first_hash": self.first_hash,
        })
    }

    fn from_json(value: &Value) -> Option<Head> {
        Some(Head {
            log_id: value.get("log_id")?.as_str()?.to_string(),
            records: value.get("records")?.as_u64()?,
            last_hash: value.get("last_hash")?.as_str()?.to_string(),
            first_seq: value.get("first_seq")?.as_u64()?,
            first_hash: value.get("first_hash")?.as_str()?.to_string(),
        })
    }
}

pub struct AuditLog {
    path: PathBuf,
    head: PathBuf,
    max_bytes: u64,
    /// The syslog socket every record is copied to, if any.
    syslog: Option<PathBuf>,
}

const NOTHING_RUN: &str = "Nothing was run: dev-postgres does not run what it cannot log";

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Audit(format!(
        "audit log {}: cannot {what}: {e}. {NOTHING_RUN}",
        path.display()
    ))
}

fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// A record as syslog gets it: the log's identity and the SHA-256 of the
/// file's line added (so `--verify-log --syslog-file` can match the two
/// sides), and at most a few KiB (syslog daemons cut longer messages): a long
/// SQL text is cut short but pinned by its SHA-256 and length.
fn syslog_copy(line: &str, log_id: &str) -> String {
    const LIMIT: usize = 4096;
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(line) else {
        return line.chars().take(LIMIT).collect();
    };
    map.insert("log_id".into(), json!(log_id));
    map.insert("line_sha256".into(), json!(sha256_hex(line.as_bytes())));
    if line.len() > LIMIT {
        if let Some(Value::String(sql)) = map.get("sql").cloned() {
            map.insert(
                "sql".into(),
                json!(sql.chars().take(1024).collect::<String>()),
            );
            map.insert("sql_sha256".into(), json!(sha256_hex(sql.as_bytes())));
            map.insert("sql_bytes".into(), json!(sql.len()));
        }
    }
    let copy = Value::Object(map).to_string();
    if copy.len() <= LIMIT {
        copy
    } else {
        copy.chars().take(LIMIT).collect()
    }
}

/// Compares the file log with the copies a syslog daemon wrote to
/// `syslog_text` (any format that keeps the message: RFC 5424 or rsyslog's
/// traditional lines): every record of this log must be on both sides.
/// Returns what is missing where.
pub fn compare_with_syslog(path: &Path, syslog_text: &str) -> Result<Vec<String>, Error> {
    let log = AuditLog {
        path: path.to_path_buf(),
        head: head_path(path)?,
        max_bytes: 0,
        syslog: None,
    };
    let Some(head) = log.read_head()? else {
        return Ok(vec![
            "the log has no head: nothing to match syslog against".into()
        ]);
    };
    let mut in_syslog = std::collections::BTreeMap::new();
    for line in syslog_text.lines() {
        let Some(start) = line.find("{\"") else {
            continue;
        };
        let Some(Ok(record)) = line.get(start..).map(serde_json::from_str::<Value>) else {
            continue;
        };
        if record.get("log_id").and_then(Value::as_str) != Some(head.log_id.as_str()) {
            continue;
        }
        if let (Some(seq), Some(hash)) = (
            record.get("seq").and_then(Value::as_u64),
            record.get("line_sha256").and_then(Value::as_str),
        ) {
            in_syslog.insert(seq, hash.to_string());
        }
    }
    let mut in_file = std::collections::BTreeMap::new();
    let files: Vec<PathBuf> = (1..=KEEP_ROTATED)
        .rev()
        .map(|n| rotated(path, n))
        .chain(std::iter::once(path.to_path_buf()))
        .filter(|p| p.exists())
        .collect();
    for file in &files {
        let reader = BufReader::new(open_own(file).map_err(|e| io(file, "read it", e))?);
        for line in reader.split(b'\n') {
            let line = line.map_err(|e| io(file, "read it", e))?;
            let seq = serde_json::from_slice::<Value>(&line)
                .ok()
                .and_then(|v| v.get("seq").and_then(Value::as_u64));
            if let Some(seq) = seq {
                in_file.insert(seq, sha256_hex(&line));
            }
        }
    }
    let first_kept = in_file.keys().next().copied().unwrap_or(head.first_seq);
    let mut problems = Vec::new();
    for (seq, hash) in &in_syslog {
        match in_file.get(seq) {
            None if *seq >= first_kept => problems.push(format!(
                "record {seq} is in syslog but not in the file log (cut or deleted)"
            )),
            Some(file_hash) if file_hash != hash => problems.push(format!(
                "record {seq} differs between syslog and the file log (edited)"
            )),
            _ => {}
        }
    }
    for seq in in_file.keys() {
        if !in_syslog.contains_key(seq) {
            problems.push(format!("record {seq} never reached syslog"));
        }
    }
    Ok(problems)
}

/// The head file of the log at `path`: one per log, named by the hash of the
/// log's absolute path, in the account's data directory.
pub fn head_path(path: &Path) -> Result<PathBuf, Error> {
    let absolute = absolute(path);
    let dir = paths::audit_heads_dir().ok_or_else(|| {
        Error::Audit(
            "cannot find this account's home: the audit log's head has no place. Nothing was run"
                .into(),
        )
    })?;
    let name = sha256_hex(absolute.display().to_string().as_bytes());
    Ok(dir.join(format!("{}.json", name.get(..32).unwrap_or(&name))))
}

/// The log's path made absolute through its folder (the file itself may not exist yet).
fn absolute(path: &Path) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (parent.canonicalize(), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// A new log's identity: random, so a chain forged from the start differs.
fn new_log_id() -> String {
    let mut bytes = [0u8; 16];
    let read = File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No /dev/urandom: time and process still make a forged start unlikely to match.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        return sha256_hex(format!("{now}-{}", std::process::id()).as_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditLog {
    /// Opens the log for appending, creating it (0600) if needed, and checks
    /// that it can be written and still matches its head — before anything runs.
    pub fn open(path: &Path, max_bytes: u64) -> Result<AuditLog, Error> {
        let log = AuditLog {
            path: path.to_path_buf(),
            head: head_path(path)?,
            max_bytes,
            syslog: None,
        };
        let _lock = log.lock()?;
        log.open_append()?;
        log.check_against_head()?;
        Ok(log)
    }

    /// Also send every record to the syslog socket `socket` (`/dev/log` for the local daemon).
    pub fn with_syslog(mut self, socket: Option<PathBuf>) -> AuditLog {
        self.syslog = socket;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> Result<File, Error> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".lock");
        let file =
            open_private(Path::new(&name)).map_err(|e| io(&self.path, "open its lock file", e))?;
        // Another process may hold it for a moment; one holding it for good
        // must not hang every run.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(io(
                        &self.path,
                        "lock it",
                        std::io::Error::other("another process has held its lock for 10 s"),
                    ))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(&self.path, "lock it", e)),
            }
        }
    }

    fn open_append(&self) -> Result<File, Error> {
        open_private_append(&self.path).map_err(|e| io(&self.path, "open it for appending", e))
    }

    fn read_head(&self) -> Result<Option<Head>, Error> {
        let mut file = match open_own(&self.head) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&self.head, "read the log's head", e)),
        };
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| io(&self.head, "read the log's head", e))?;
        let head = parse_strict(&text).ok().as_ref().and_then(Head::from_json);
        head.map(Some).ok_or_else(|| {
            Error::Audit(format!(
                "the audit log's head {} is corrupt. Nothing was run",
                self.head.display()
            ))
        })
    }

    fn write_head(&self, head: &Head) -> Result<(), Error> {
        if let Some(dir) = self.head.parent() {
            create_private_dir(dir).map_err(|e| io(&self.head, "create the heads folder", e))?;
        }
        let temp = self
            .head
            .with_extension(format!("tmp.{}", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        let mut file =
            create_private_new(&temp).map_err(|e| io(&self.head, "write the log's head", e))?;
        file.write_all(head.to_json(&absolute(&self.path)).to_string().as_bytes())
            .map_err(|e| io(&self.head, "write the log's head", e))?;
        std::fs::rename(&temp, &self.head).map_err(|e| io(&self.head, "write the log's head", e))
    }

    /// The log's last record must be the one its head remembers: a log that
    /// was cut, edited, emptied or replaced is not written to until a human
    /// has looked (`pg-query --verify-log` says what is wrong).
    fn check_against_head(&self) -> Result<(), Error> {
        let Some(head) = self.read_head()? else {
            return Ok(());
        };
        let last = self.last_record()?;
        let matches = match &last {
            Some((hash, seq)) => *hash == head.last_hash && *seq == head.records,
            None => head.records == 0,
        };
        if matches {
            Ok(())
        } else {
            Err(Error::Audit(format!(
                "the audit log {} no longer matches its head (it was cut, edited, emptied or replaced). Nothing was run. Tell the human: pg-query --verify-log shows what changed, and docs/security-model.md (\"Starting the audit log over\") says how a human starts over",
                self.path.display()
            )))
        }
    }

    /// The hash and `seq` of the last record, in the live file or the newest rotation.
    fn last_record(&self) -> Result<Option<(String, u64)>, Error> {
        for file in [self.path.clone(), rotated(&self.path, 1)] {
            if let Some(last) = last_line(&file).map_err(|e| io(&file, "read its last line", e))? {
                let seq = serde_json::from_slice::<Value>(&last.text)
                    .ok()
                    .and_then(|v| v.get("seq").and_then(Value::as_u64))
                    .unwrap_or(0);
                return Ok(Some((sha256_hex(&last.text), seq)));
            }
        }
        Ok(None)
    }

    /// Appends one record (one line, one write, under the lock) and moves the
    /// head; returns the record's sequence number. When an outcome cannot be
    /// written, the run it belongs to has already happened: the error says so.
    pub fn append(&self, record: &Record<'_>) -> Result<u64, Error> {
        match (self.append_line(record), record) {
            (Err(Error::Audit(message)), Record::Outcome(attempt, _)) => Err(Error::Audit(
                message.replace(
                    NOTHING_RUN,
                    &format!("The run of record {attempt} happened; only its outcome could not be recorded"),
                ),
            )),
            (result, _) => result,
        }
    }

    fn append_line(&self, record: &Record<'_>) -> Result<u64, Error> {
        let _lock = self.lock()?;
        self.check_against_head()?;
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        let rotating = self.max_bytes > 0 && size >= self.max_bytes;
        if rotating {
            self.rotate()?;
        }
        let mut file = self.open_append()?;
        if let Some(last) =
            last_line(&self.path).map_err(|e| io(&self.path, "read its last line", e))?
        {
            if !last.terminated {
                // A torn record (a crash mid-write): end its line so the next
                // record starts clean; verify reports it.
                file.write_all(b"\n")
                    .map_err(|e| io(&self.path, "write", e))?;
            }
        }
        let head = self.read_head()?;
        let (log_id, seq, prev) = match (&head, self.last_record()?) {
            (Some(head), _) => (
                head.log_id.clone(),
                head.records + 1,
                head.last_hash.clone(),
            ),
            // A log from before heads existed: anchor it where it stands.
            (None, Some((hash, seq))) => (new_log_id(), seq + 1, hash),
            (None, None) => (new_log_id(), 1, GENESIS.to_string()),
        };
        let mut map = Map::new();
        map.insert("seq".into(), json!(seq));
        map.insert("time".into(), json!(crate::text::utc_now_rfc3339(3)));
        if seq == 1 {
            map.insert("log_id".into(), json!(log_id));
        }
        record.fields(&mut map);
        map.insert("prev".into(), json!(prev));
        let line = Value::Object(map).to_string();
        let mut bytes = line.clone().into_bytes();
        bytes.push(b'\n');
        let before = file.metadata().map(|m| m.len()).unwrap_or(0);
        if let Err(e) = file.write_all(&bytes).and_then(|()| file.flush()) {
            // Never leave half a record: cut the file back to where it was.
            let _ = file.set_len(before);
            return Err(io(&self.path, "write", e));
        }
        // Reached the kernel: a SIGKILL after this leaves the record in place.
        let line_hash = sha256_hex(line.as_bytes());
        let (first_seq, first_hash) = match (&head, rotating) {
            (Some(head), false) if head.first_seq > 0 => (head.first_seq, head.first_hash.clone()),
            _ => self
                .oldest_record()?
                .map(|(hash, seq)| (seq, hash))
                .unwrap_or((seq, line_hash.clone())),
        };
        let log_id_for_syslog = log_id.clone();
        self.write_head(&Head {
            log_id,
            records: seq,
            last_hash: line_hash,
            first_seq,
            first_hash,
        })?;
        #[cfg(unix)]
        if let Some(socket) = &self.syslog {
            let copy = syslog_copy(&line, &log_id_for_syslog);
            if let Err(e) = crate::syslog::send_to(socket, &copy) {
                let message = format!(
                    "the syslog copy of audit record {seq} was not sent ({}: {e})",
                    socket.display()
                );
                // What is about to run must be in both places; an outcome that
                // did not reach syslog is still in the file.
                if matches!(record, Record::Attempt(_)) {
                    return Err(Error::Audit(format!("{message}. {NOTHING_RUN}")));
                }
                eprintln!("dev-postgres: {message}");
            }
        }
        Ok(seq)
    }

    /// The hash and `seq` of the first record of the oldest file kept.
    fn oldest_record(&self) -> Result<Option<(String, u64)>, Error> {
        let oldest = (1..=KEEP_ROTATED)
            .rev()
            .map(|n| rotated(&self.path, n))
            .chain(std::iter::once(self.path.clone()))
            .find(|p| p.exists());
        let Some(file) = oldest else {
            return Ok(None);
        };
        let reader = BufReader::new(open_own(&file).map_err(|e| io(&file, "read it", e))?);
        let first = reader
            .split(b'\n')
            .next()
            .transpose()
            .map_err(|e| io(&file, "read it", e))?;
        Ok(first.map(|line| {
            let seq = serde_json::from_slice::<Value>(&line)
                .ok()
                .and_then(|v| v.get("seq").and_then(Value::as_u64))
                .unwrap_or(0);
            (sha256_hex(&line), seq)
        }))
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

struct LastLine {
    text: Vec<u8>,
    terminated: bool,
}

/// The last line of a file (without its newline), reading backwards from the end.
fn last_line(path: &Path) -> std::io::Result<Option<LastLine>> {
    let mut file = match open_own(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let size = file.seek(SeekFrom::End(0))?;
    if size == 0 {
        return Ok(None);
    }
    let mut last_byte = [0u8; 1];
    file.seek(SeekFrom::Start(size - 1))?;
    file.read_exact(&mut last_byte)?;
    let terminated = last_byte == [b'\n'];
    let end = if terminated { size - 1 } else { size };
    let mut tail: Vec<u8> = Vec::new();
    let mut position = end;
    loop {
        let step = position.min(8192);
        position -= step;
        file.seek(SeekFrom::Start(position))?;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(8192)];
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        if let Some(i) = tail.iter().rposition(|b| *b == b'\n') {
            return Ok(Some(LastLine {
                text: tail.get(i + 1..).unwrap_or_default().to_vec(),
                terminated,
            }));
        }
        if position == 0 {
            return Ok(Some(LastLine {
                text: tail,
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
    /// The first problem: file, 1-based line (0: the log as a whole), what.
    pub problem: Option<(PathBuf, u64, String)>,
    /// Attempts with no outcome record: runs killed (or still running).
    pub unfinished: Vec<u64>,
    /// The `seq` of the oldest record kept (above 1 once rotations were dropped).
    pub first_seq: Option<u64>,
}

/// Checks the chain from the oldest rotated file to the live one, and the
/// end of the chain against the log's head.
pub fn verify(path: &Path) -> Result<Verification, Error> {
    let head_file = head_path(path)?;
    let log = AuditLog {
        path: path.to_path_buf(),
        head: head_file.clone(),
        max_bytes: 0,
        syslog: None,
    };
    let head = log.read_head()?;
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
        unfinished: Vec::new(),
        first_seq: None,
    };
    let whole = |what: String| Some((path.to_path_buf(), 0, what));
    if files.is_empty() {
        if head.as_ref().is_some_and(|h| h.records > 0) {
            result.problem = whole("the log is gone: its head remembers records (deleted)".into());
        }
        return Ok(result);
    }
    let mut previous: Option<(String, u64)> = None;
    for file in &files {
        let reader = BufReader::new(open_own(file).map_err(|e| io(file, "read it", e))?);
        for (index, line) in reader.split(b'\n').enumerate() {
            let line = line.map_err(|e| io(file, "read it", e))?;
            let number = index as u64 + 1;
            let problem = |what: &str| Some((file.clone(), number, what.to_string()));
            let record: Option<Value> = serde_json::from_slice(&line).ok();
            let field = |key: &str| record.as_ref().and_then(|r| r.get(key)).cloned();
            let prev = field("prev").and_then(|v| v.as_str().map(String::from));
            let seq = field("seq").and_then(|v| v.as_u64());
            let (Some(prev), Some(seq)) = (prev, seq) else {
                result.problem =
                    problem("torn or corrupt record (not a JSON record with seq and prev)");
                return Ok(result);
            };
            if previous.is_none() {
                if let Some(head) = &head {
                    if seq != head.first_seq || sha256_hex(&line) != head.first_hash {
                        result.problem = problem("the log does not start where its head says: records were cut from the front, or the oldest rotations deleted");
                        return Ok(result);
                    }
                }
            }
            match &previous {
                Some((hash, _)) if prev != *hash => {
                    result.problem = problem("broken chain: prev does not match the record before (a record was removed or changed)");
                    return Ok(result);
                }
                Some((_, last_seq)) if seq != last_seq + 1 => {
                    result.problem = problem("broken chain: seq does not follow the record before");
                    return Ok(result);
                }
                None if seq == 1 && prev != GENESIS => {
                    result.problem =
                        problem("broken chain: the first record does not start the chain");
                    return Ok(result);
                }
                None if seq == 1 => {
                    let log_id = field("log_id").and_then(|v| v.as_str().map(String::from));
                    if head
                        .as_ref()
                        .is_some_and(|h| Some(&h.log_id) != log_id.as_ref())
                    {
                        result.problem = problem("a different log: its identity is not the one its head remembers (replaced or forged)");
                        return Ok(result);
                    }
                }
                _ => {}
            }
            match field("kind").as_ref().and_then(Value::as_str) {
                Some("attempt") => result.unfinished.push(seq),
                Some("outcome") => {
                    let attempt = field("attempt").and_then(|v| v.as_u64());
                    result.unfinished.retain(|s| Some(*s) != attempt);
                }
                _ => {}
            }
            if previous.is_none() {
                result.first_seq = Some(seq);
            }
            previous = Some((sha256_hex(&line), seq));
            result.records += 1;
        }
    }
    match (&head, &previous) {
        // Nothing recorded yet.
        (None, None) => {}
        (None, Some(_)) => {
            result.problem = whole(format!(
                "the log has no head ({}): it cannot be shown complete (the head was deleted, or the log was made elsewhere)",
                head_file.display()
            ));
        }
        (Some(head), Some((hash, seq))) if *seq < head.records => {
            result.problem = whole(format!(
                "the log ends at record {seq} but its head remembers {}: records were cut off",
                head.records
            ));
            let _ = hash;
        }
        (Some(head), Some((hash, seq))) if *hash != head.last_hash || *seq != head.records => {
            result.problem = whole("the log's last record is not the one its head remembers (edited, or the log was replaced)".into());
        }
        (Some(head), None) if head.records > 0 => {
            result.problem = whole(format!(
                "the log is empty but its head remembers {} records (emptied)",
                head.records
            ));
        }
        _ => {}
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use std::fs::OpenOptions;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dp-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.log");
        let _ = std::fs::remove_file(head_path(&path).unwrap());
        path
    }

    fn attempt(n: u64) -> Attempt {
        Attempt {
            tool: "test",
            connection: "dev".into(),
            mode: Mode::ReadOnly,
            database: "app".into(),
            user: "agent".into(),
            host: "127.0.0.1".into(),
            port: Some(5432),
            sql: format!("SELECT {n}"),
            verdict: Verdict::Allowed,
            rule: None,
            confirmed: false,
        }
    }

    fn run(log: &AuditLog, n: u64) {
        let seq = log.append(&Record::Attempt(&attempt(n))).unwrap();
        log.append(&Record::Outcome(seq, &Finish::new(RunOutcome::Ok)))
            .unwrap();
    }

    fn problem(path: &Path) -> Option<String> {
        verify(path).unwrap().problem.map(|p| p.2)
    }

    #[test]
    fn attempts_and_outcomes_chain_and_verify() {
        let path = temp("chain");
        let log = AuditLog::open(&path, 0).unwrap();
        for n in 0..3 {
            run(&log, n);
        }
        let v = verify(&path).unwrap();
        assert_eq!((v.records, v.problem), (6, None));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["prev"], GENESIS);
        assert_eq!(lines[0]["seq"], 1);
        assert_eq!(lines[0]["kind"], "attempt");
        assert_eq!(lines[0]["sql"], "SELECT 0");
        assert_eq!(lines[0]["mode"], "read-only");
        assert_eq!(lines[1]["kind"], "outcome");
        assert_eq!(lines[1]["attempt"], 1);
        assert_eq!(lines[1]["outcome"], "ok");
    }

    #[test]
    fn a_removed_or_changed_line_breaks_the_chain() {
        let path = temp("tamper");
        let log = AuditLog::open(&path, 0).unwrap();
        for n in 0..2 {
            run(&log, n);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n{}\n", lines[0], lines[2], lines[3])).unwrap();
        assert_eq!(verify(&path).unwrap().problem.map(|p| p.1), Some(2));
        std::fs::write(&path, text.replace("SELECT 1", "SELECT 9")).unwrap();
        assert_eq!(verify(&path).unwrap().problem.map(|p| p.1), Some(4));
    }

    #[test]
    fn truncation_is_caught_by_the_head() {
        let path = temp("truncate");
        let log = AuditLog::open(&path, 0).unwrap();
        for n in 0..3 {
            run(&log, n);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let first_two: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        std::fs::write(&path, first_two).unwrap();
        assert!(
            problem(&path).unwrap().contains("cut off"),
            "{:?}",
            problem(&path)
        );
        // And the cut log is not written to again until a human looks.
        let err = AuditLog::open(&path, 0).err().unwrap();
        assert!(
            err.to_string().contains("no longer matches its head"),
            "{err}"
        );
    }

    #[test]
    fn editing_the_last_record_is_caught_by_the_head() {
        let path = temp("edit-last");
        let log = AuditLog::open(&path, 0).unwrap();
        run(&log, 1);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"ok\"", "\"error\"")).unwrap();
        assert!(
            problem(&path).unwrap().contains("last record"),
            "{:?}",
            problem(&path)
        );
    }

    #[test]
    fn emptying_or_deleting_the_log_is_caught_by_the_head() {
        let path = temp("empty");
        let log = AuditLog::open(&path, 0).unwrap();
        run(&log, 1);
        std::fs::write(&path, "").unwrap();
        assert!(
            problem(&path).unwrap().contains("emptied"),
            "{:?}",
            problem(&path)
        );
        std::fs::remove_file(&path).unwrap();
        assert!(
            problem(&path).unwrap().contains("deleted"),
            "{:?}",
            problem(&path)
        );
    }

    #[test]
    fn a_chain_forged_from_the_start_is_caught_by_the_head() {
        let path = temp("forged");
        let log = AuditLog::open(&path, 0).unwrap();
        run(&log, 1);
        // The forger rebuilds a valid-looking chain from GENESIS with other SQL.
        let forged_dir = temp("forged-scratch");
        let forger = AuditLog::open(&forged_dir, 0).unwrap();
        run(&forger, 2);
        std::fs::copy(&forged_dir, &path).unwrap();
        let found = problem(&path).unwrap();
        assert!(
            found.contains("identity")
                || found.contains("does not start")
                || found.contains("last record"),
            "{found}"
        );
    }

    #[test]
    fn cutting_records_from_the_front_is_caught_by_the_head() {
        let path = temp("front");
        let log = AuditLog::open(&path, 0).unwrap();
        for n in 0..3 {
            run(&log, n);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let last_two: String = text.lines().skip(4).map(|l| format!("{l}\n")).collect();
        std::fs::write(&path, last_two).unwrap();
        assert!(
            problem(&path).unwrap().contains("does not start"),
            "{:?}",
            problem(&path)
        );
    }

    #[test]
    fn deleting_the_oldest_rotation_is_caught_by_the_head() {
        let path = temp("rotations");
        let log = AuditLog::open(&path, 900).unwrap();
        for n in 0..10 {
            run(&log, n);
        }
        assert_eq!(verify(&path).unwrap().problem, None);
        let oldest = (1..=KEEP_ROTATED)
            .rev()
            .map(|n| rotated(&path, n))
            .find(|p| p.exists())
            .unwrap();
        std::fs::remove_file(oldest).unwrap();
        assert!(
            problem(&path).unwrap().contains("does not start"),
            "{:?}",
            problem(&path)
        );
    }

    #[test]
    fn padding_the_sql_cannot_push_records_out_of_the_log() {
        let path = temp("padding");
        let log = AuditLog::open(&path, 10 * 1024 * 1024).unwrap();
        let mut padded = attempt(1);
        padded.sql = format!("/* {} */ SELECT 1", "x".repeat(11_000_000));
        log.append(&Record::Attempt(&padded)).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() < 100_000);
        let record: Value = serde_json::from_str(
            std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .next()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(record["sql_bytes"], padded.sql.len());
        assert_eq!(record["sql_sha256"], sha256_hex(padded.sql.as_bytes()));
    }

    #[test]
    fn a_long_record_goes_to_syslog_short_but_pinned() {
        let sql = format!("/* {} */ INSERT INTO t VALUES (1)", "x".repeat(300_000));
        let line = json!({"seq": 3, "kind": "attempt", "sql": sql}).to_string();
        let copy: Value = serde_json::from_str(&syslog_copy(&line, "id")).unwrap();
        assert!(copy.to_string().len() <= 4096);
        assert_eq!(copy["sql_sha256"], sha256_hex(sql.as_bytes()));
        assert_eq!(copy["sql_bytes"], sql.len());
        assert_eq!(copy["line_sha256"], sha256_hex(line.as_bytes()));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_log_and_its_syslog_copy_are_compared_both_ways() {
        use std::os::unix::net::UnixDatagram;
        let path = temp("syslog-compare");
        let socket_path = path.with_file_name("syslog.sock");
        let receiver = UnixDatagram::bind(&socket_path).unwrap();
        let log = AuditLog::open(&path, 0)
            .unwrap()
            .with_syslog(Some(socket_path.clone()));
        for n in 0..3 {
            run(&log, n);
        }
        let mut syslog = String::new();
        let mut buffer = vec![0u8; 65536];
        for _ in 0..6 {
            let n = receiver.recv(&mut buffer).unwrap();
            // As rsyslog's traditional file format writes it.
            syslog.push_str(&format!(
                "Nov 29 05:01:12 host dev-postgres[42]: {}\n",
                String::from_utf8_lossy(&buffer[..n])
                    .split(" audit - ")
                    .nth(1)
                    .unwrap()
            ));
        }
        assert_eq!(
            compare_with_syslog(&path, &syslog).unwrap(),
            Vec::<String>::new()
        );
        // The agent edits the file (and even rebuilds the head by running on):
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("SELECT 1", "SELECT 7")).unwrap();
        let problems = compare_with_syslog(&path, &syslog).unwrap();
        assert!(
            problems.iter().any(|p| p.contains("record 3 differs")),
            "{problems:?}"
        );
        // A record that never reached syslog.
        let lines: Vec<&str> = syslog.lines().take(5).collect();
        std::fs::write(&path, &text).unwrap();
        let problems = compare_with_syslog(&path, &lines.join("\n")).unwrap();
        assert_eq!(problems, ["record 6 never reached syslog"]);
    }

    #[cfg(unix)]
    #[test]
    fn an_attempt_that_cannot_reach_syslog_does_not_run() {
        let path = temp("nosyslog");
        let log = AuditLog::open(&path, 0)
            .unwrap()
            .with_syslog(Some(path.with_file_name("no-such-socket")));
        let err = log.append(&Record::Attempt(&attempt(1))).unwrap_err();
        assert!(err.to_string().contains("Nothing was run"), "{err}");
    }

    #[test]
    fn a_log_without_its_head_is_reported() {
        let path = temp("headless");
        let log = AuditLog::open(&path, 0).unwrap();
        run(&log, 1);
        std::fs::remove_file(head_path(&path).unwrap()).unwrap();
        assert!(
            problem(&path).unwrap().contains("no head"),
            "{:?}",
            problem(&path)
        );
    }

    #[test]
    fn a_torn_line_is_reported_and_the_log_goes_on() {
        let path = temp("torn");
        let log = AuditLog::open(&path, 0).unwrap();
        run(&log, 1);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"time\":\"x\",\"sq").unwrap();
        // The head no longer matches the file's last line: a torn write is
        // reported, and the log waits for a human.
        assert!(AuditLog::open(&path, 0).is_err());
        let v = verify(&path).unwrap();
        assert_eq!(v.problem.as_ref().map(|p| p.1), Some(3));
        assert!(v.problem.unwrap().2.contains("torn"));
    }

    #[test]
    fn rotation_keeps_the_chain() {
        let path = temp("rotate");
        let log = AuditLog::open(&path, 900).unwrap();
        for n in 0..10 {
            run(&log, n);
        }
        assert!(rotated(&path, 1).exists());
        let v = verify(&path).unwrap();
        assert_eq!(v.problem, None, "{v:?}");
        assert!(v.files.len() > 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_created_private_and_never_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("mode");
        run(&AuditLog::open(&path, 0).unwrap(), 1);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let linked = temp("link");
        let target = linked.with_file_name("bashrc");
        std::fs::write(&target, "").unwrap();
        std::os::unix::fs::symlink(&target, &linked).unwrap();
        assert!(AuditLog::open(&linked, 0).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    }

    #[test]
    fn an_unwritable_log_is_an_error_before_anything_runs() {
        let err = AuditLog::open(Path::new("/proc/definitely/not/here.log"), 0)
            .err()
            .unwrap();
        assert!(err.to_string().contains("Nothing was run"), "{err}");
    }
}
