//! Where the guard's own files live. Everything here is resolved from the OS
//! account, never from `HOME` or `XDG_*`: the agent can set those on its
//! command line, and must not be able to move the trust store, the audit
//! heads or the binaries somewhere it writes (as ssh finds `~/.ssh`).

use std::path::{Path, PathBuf};

/// The folder name under the data directory.
const PRODUCT: &str = "dev-postgres";

/// The current user's home as the account database records it.
pub fn account_home() -> Option<PathBuf> {
    let uid = current_uid()?;
    let passwd = std::fs::read_to_string("/etc/passwd").ok();
    passwd
        .as_deref()
        .and_then(|text| home_in_passwd(text, uid))
        .or_else(|| home_from_getent(uid))
}

#[cfg(unix)]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    // The owner of /proc/self is the process's effective uid.
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

/// The home field of the `/etc/passwd` line whose uid is `uid`.
fn home_in_passwd(passwd: &str, uid: u32) -> Option<PathBuf> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            [_, _, line_uid, _, _, home, ..] if line_uid.parse() == Ok(uid) && !home.is_empty() => {
                Some(PathBuf::from(home))
            }
            _ => None,
        }
    })
}

/// The current user's login name as the account database records it.
pub fn account_name() -> Option<String> {
    let uid = current_uid()?;
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let line_uid = fields.nth(1)?;
        (line_uid.parse() == Ok(uid)).then(|| name.to_string())
    })
}

/// Accounts from NSS (LDAP, sssd) are not in /etc/passwd.
fn home_from_getent(uid: u32) -> Option<PathBuf> {
    let output = std::process::Command::new("getent")
        .args(["passwd", &uid.to_string()])
        .env_clear()
        .output()
        .ok()?;
    home_in_passwd(&String::from_utf8_lossy(&output.stdout), uid)
}

/// The guard's data directory: trust store, audit heads, installed binaries.
pub fn data_dir() -> Option<PathBuf> {
    account_home().map(|home| data_dir_under(&home))
}

fn data_dir_under(home: &Path) -> PathBuf {
    if cfg!(target_os = "macos") {
        home.join("Library/Application Support").join(PRODUCT)
    } else {
        home.join(".local/share").join(PRODUCT)
    }
}

/// The trust store: which configuration files a human approved, by SHA-256.
pub fn trust_store() -> Option<PathBuf> {
    data_dir().map(|dir| dir.join("trust.json"))
}

/// Where each audit log's head (record count, last hash) is kept.
pub fn audit_heads_dir() -> Option<PathBuf> {
    data_dir().map(|dir| dir.join("audit-heads"))
}

/// Where `dev-postgres install` puts the binaries unless told otherwise.
pub fn default_bin_dir() -> Option<PathBuf> {
    data_dir().map(|dir| dir.join("bin"))
}

/// The user-level configuration, shared across projects.
pub fn user_config() -> Option<PathBuf> {
    account_home().map(|home| {
        if cfg!(target_os = "macos") {
            home.join("Library/Application Support")
                .join(PRODUCT)
                .join("config.json")
        } else {
            home.join(".config").join(PRODUCT).join("config.json")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        dev:x:1000:1000:Dev,,,:/home/dev:/bin/zsh\n\
        broken line\n\
        nohome:x:1001:1001::::/bin/sh\n";

    #[test]
    fn the_home_comes_from_the_account_line_with_that_uid() {
        assert_eq!(home_in_passwd(PASSWD, 0), Some(PathBuf::from("/root")));
        assert_eq!(
            home_in_passwd(PASSWD, 1000),
            Some(PathBuf::from("/home/dev"))
        );
        assert_eq!(home_in_passwd(PASSWD, 1001), None);
        assert_eq!(home_in_passwd(PASSWD, 42), None);
    }

    #[test]
    fn the_account_home_ignores_the_home_variable() {
        // The test process's HOME is whatever the runner set; the account's is fixed.
        let from_account = account_home();
        assert!(from_account.is_some());
        assert!(data_dir().is_some_and(|d| d.ends_with(PRODUCT)));
    }
}
