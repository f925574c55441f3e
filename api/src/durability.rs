//! A write is acknowledged only once it is on the disk.
//!
//! SQLite syncs every commit (`synchronous = FULL`), but a sync is only as
//! good as the file system's word. ext4 that has turned itself read-only
//! after a disk error (`errors=remount-ro`) answers every later `fsync` with
//! success and writes nothing: `loadtest/run.sh` lost two comments that way.
//! So on SQLite, after a mutation, the database's file system must still be
//! writable; if it is not, the caller is told the change failed (it may or
//! may not have been kept), never that it succeeded. A sync that began while
//! the file system was writable did reach the disk, or failed loudly.
use std::path::{Path, PathBuf};

use rustix::fs::StatVfsMountFlags;

pub struct DiskWatch {
    /// The directory of the SQLite database file; `None` for PostgreSQL and
    /// for in-memory databases.
    directory: Option<PathBuf>,
}

impl DiskWatch {
    pub fn for_database(url: &str) -> Self {
        let directory = crate::startup::sqlite_path(url).map(|file| match Path::new(file).parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        });
        Self { directory }
    }

    /// Whether writes made so far can be trusted to be on the disk. A file
    /// system that cannot be asked counts as not writable.
    pub fn writes_are_kept(&self) -> bool {
        let Some(directory) = &self.directory else { return true };
        rustix::fs::statvfs(directory).is_ok_and(|fs| !fs.f_flag.contains(StatVfsMountFlags::RDONLY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_files_are_watched_and_a_writable_directory_keeps_writes() {
        assert!(DiskWatch::for_database("postgres://u@h/db").directory.is_none());
        assert!(DiskWatch::for_database("sqlite::memory:").directory.is_none());
        let file = DiskWatch::for_database("sqlite:///tmp/trustfeed.db?mode=rwc");
        assert_eq!(file.directory.as_deref(), Some(Path::new("/tmp")));
        assert!(file.writes_are_kept());
        assert_eq!(DiskWatch::for_database("sqlite:data.db").directory.as_deref(), Some(Path::new(".")));
        // A directory that cannot be asked does not keep writes.
        assert!(!DiskWatch::for_database("sqlite:///no/such/dir/x.db").writes_are_kept());
    }
}
