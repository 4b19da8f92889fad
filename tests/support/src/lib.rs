#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Test support shared by every crate's tests: the SQL corpus and the
//! throwaway PostgreSQL server that `scripts/test.sh` starts.
pub mod claude;
pub mod cmd;
pub mod corpus;
pub mod fuzz;
pub mod server;

use std::path::PathBuf;

/// The repository's top folder.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Records `path`'s current bytes as trusted, as `dev-postgres trust` does.
pub fn trust(path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    devpg_policy::config::trust::trust(path, &bytes)
        .unwrap_or_else(|e| panic!("cannot trust {}: {e}", path.display()));
}
