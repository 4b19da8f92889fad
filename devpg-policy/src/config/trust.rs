//! Trusted configuration. A human approves the exact bytes of a
//! configuration file once, as `direnv allow` and `mise trust` do; every
//! binary refuses a file that is not trusted or has changed since. The store
//! lives in the account's data directory (see [`super::paths`]), 0600, and
//! holds each file's canonical path and SHA-256.

use super::paths;
use crate::error::Error;
use crate::fs::{create_private_dir, create_private_new, open_private};
use crate::json::parse_strict;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn store_path() -> Result<PathBuf, Error> {
    paths::trust_store().ok_or_else(|| {
        Error::Execution(
            "cannot find this account's home in the account database: the trust store has no place"
                .into(),
        )
    })
}

fn canonical(path: &Path) -> Result<PathBuf, Error> {
    path.canonicalize().map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the store: canonical path → SHA-256. A missing store is empty; a
/// store that is not strict JSON of the expected shape is an error.
fn read_store(store: &Path) -> Result<Map<String, Value>, Error> {
    let text = match std::fs::read_to_string(store) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(source) => {
            return Err(Error::Read {
                path: store.to_path_buf(),
                source,
            })
        }
    };
    let bad = |message: String| Error::Config {
        place: store.display().to_string(),
        message,
    };
    let value = parse_strict(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    match value.get("files") {
        Some(Value::Object(files)) => Ok(files.clone()),
        _ => Err(bad("has no \"files\" object".into())),
    }
}

/// Is `path` with exactly these `bytes` trusted? The reason when not.
pub fn check(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let canonical = canonical(path)?;
    let files = read_store(&store_path()?)?;
    let key = canonical.display().to_string();
    let trusted = files
        .get(&key)
        .and_then(|entry| entry.get("sha256"))
        .and_then(Value::as_str);
    let reason = match trusted {
        Some(hash) if hash == sha256_hex(bytes) => return Ok(()),
        Some(_) => "changed since a human trusted it",
        None => "not trusted",
    };
    Err(Error::Untrusted {
        path: canonical,
        reason: reason.into(),
    })
}

/// Records `path`'s current bytes as trusted; returns their SHA-256.
pub fn trust(path: &Path, bytes: &[u8]) -> Result<String, Error> {
    let canonical = canonical(path)?;
    let hash = sha256_hex(bytes);
    update(|files| {
        files.insert(canonical.display().to_string(), json!({ "sha256": hash }));
    })?;
    Ok(hash)
}

/// Forgets `path` (uninstall, or a human withdrawing approval).
pub fn forget(path: &Path) -> Result<(), Error> {
    let key = canonical(path).unwrap_or_else(|_| path.to_path_buf());
    update(|files| {
        files.remove(&key.display().to_string());
    })
}

/// Changes the store under its lock and replaces it atomically (0600).
/// Entries whose file no longer exists are dropped on the way.
fn update(change: impl FnOnce(&mut Map<String, Value>)) -> Result<(), Error> {
    let store = store_path()?;
    let failed = |what: &str, e: std::io::Error| {
        Error::Execution(format!(
            "trust store {}: cannot {what}: {e}",
            store.display()
        ))
    };
    if let Some(dir) = store.parent() {
        create_private_dir(dir).map_err(|e| failed("create its folder", e))?;
    }
    let lock = open_private(&store.with_extension("lock")).map_err(|e| failed("lock it", e))?;
    lock.lock().map_err(|e| failed("lock it", e))?;
    let mut files = read_store(&store)?;
    files.retain(|path, _| Path::new(path).exists());
    change(&mut files);
    let text = serde_json::to_string_pretty(&json!({ "version": 1, "files": files }))
        .map_err(|e| Error::Execution(format!("trust store: {e}")))?;
    let temp = store.with_extension(format!("tmp.{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let mut file = create_private_new(&temp).map_err(|e| failed("write it", e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| failed("write it", e))?;
    std::fs::rename(&temp, &store).map_err(|e| failed("replace it", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dp-trust-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".dev-postgres.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_file_is_untrusted_until_trusted_and_again_once_changed() {
        let path = temp_file("cycle", "{}");
        let err = check(&path, b"{}").unwrap_err();
        assert!(err.to_string().contains("not trusted"), "{err}");
        assert!(err.to_string().contains("dev-postgres trust"), "{err}");
        trust(&path, b"{}").unwrap();
        check(&path, b"{}").unwrap();
        let err = check(&path, b"{ }").unwrap_err();
        assert!(err.to_string().contains("changed since"), "{err}");
        forget(&path).unwrap();
        assert!(check(&path, b"{}").is_err());
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
