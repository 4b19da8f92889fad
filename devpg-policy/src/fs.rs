//! Opening the guard's own files: never through a symbolic link, only
//! regular files owned by this account, created private (0600, folders
//! 0700). A link planted where the audit log or the trust store should be
//! (say, to a shell start-up file) must not receive what the guard writes.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Options that never follow a symbolic link in the last component.
fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options
}

/// Opens (creating if needed) a private file for reading and writing.
pub fn open_private(path: &Path) -> io::Result<File> {
    let file = options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    check_own_regular(&file)?;
    Ok(file)
}

/// Opens (creating if needed) a private file for appending.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let file = options().append(true).create(true).open(path)?;
    check_own_regular(&file)?;
    Ok(file)
}

/// Creates a new private file; fails if anything is already there.
pub fn create_private_new(path: &Path) -> io::Result<File> {
    options().read(true).write(true).create_new(true).open(path)
}

/// Opens an existing file of the guard's for reading.
pub fn open_own(path: &Path) -> io::Result<File> {
    let file = options().read(true).open(path)?;
    check_own_regular(&file)?;
    Ok(file)
}

/// Creates a private folder (0700) and its parents.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The open file (not the name, which may change under us) must be a
/// regular file owned by this process's user.
fn check_own_regular(file: &File) -> io::Result<()> {
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
        if me.is_some_and(|uid| uid != metadata.uid()) {
            return Err(io::Error::other("owned by another user"));
        }
    }
    Ok(())
}

/// Is the file writable by users other than its owner (group or others)?
pub fn writable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o022 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_never_followed() {
        let dir = std::env::temp_dir().join(format!("dp-fs-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("bashrc");
        std::fs::write(&target, "# start-up file\n").unwrap();
        let link = dir.join("audit.log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_private_append(&link).is_err());
        assert!(open_private(&link).is_err());
        assert!(open_own(&link).is_err());
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "# start-up file\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_folder_is_not_a_regular_file() {
        let dir = std::env::temp_dir().join(format!("dp-fs-dir-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        assert!(open_own(&dir.join("sub")).is_err());
    }

    #[test]
    fn new_files_are_private() {
        let dir = std::env::temp_dir().join(format!("dp-fs-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        create_private_dir(&dir).unwrap();
        let path = dir.join("f");
        create_private_new(&path).unwrap();
        assert!(create_private_new(&path).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            assert!(!writable_by_others(&path));
        }
    }
}
