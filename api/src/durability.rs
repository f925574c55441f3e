//! A write is acknowledged only once it is on the disk.
//!
//! SQLite syncs every commit (`synchronous = FULL`), but a sync is only as
//! good as the file system's word. ext4 that has stopped writing after a
//! disk error (`errors=remount-ro`; Linux 6.x marks it `emergency_ro` and
//! leaves the mount `rw`) answers every later `fsync` with success and
//! writes nothing: `loadtest/run.sh` lost acknowledged comments that way.
//! So on SQLite, after a mutation, the database's file system must still be
//! writable, as the mount table says; if it is not, the caller is told the
//! change failed (it may or may not have been kept), never that it
//! succeeded. A sync that began while the file system was writable reached
//! the disk, or failed loudly.
use std::path::{Path, PathBuf};

use rustix::fs::StatVfsMountFlags;

/// Linux's mount table: one line per mount, its options in fields 6 and,
/// after the `-` separator, the super block's.
const MOUNT_TABLE: &str = "/proc/self/mountinfo";

pub struct DiskWatch {
    /// The directory of the SQLite database file; `None` for PostgreSQL and
    /// for in-memory databases.
    directory: Option<PathBuf>,
}

impl DiskWatch {
    pub fn for_database(url: &str) -> Self {
        let directory = crate::startup::sqlite_path(url).map(|file| {
            let directory = match Path::new(file).parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            };
            // Mount points are absolute and resolved.
            std::fs::canonicalize(&directory).unwrap_or(directory)
        });
        Self { directory }
    }

    /// Whether writes made so far can be trusted to be on the disk. A file
    /// system that cannot be asked counts as not writable.
    pub fn writes_are_kept(&self) -> bool {
        let Some(directory) = &self.directory else { return true };
        let Ok(fs) = rustix::fs::statvfs(directory) else { return false };
        if fs.f_flag.contains(StatVfsMountFlags::RDONLY) {
            return false;
        }
        // Elsewhere than Linux, the file system's own flag is all there is.
        std::fs::read_to_string(MOUNT_TABLE).map_or(true, |table| !read_only_in(&table, directory))
    }
}

/// A mount point as the table writes it: space, tab, newline and backslash
/// as octal escapes (`\040`).
fn unescape(point: &str) -> String {
    point.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
}

/// Whether the mount holding `directory` (the last of the longest mount
/// points above it) is read-only, by its options or its super block's.
fn read_only_in(table: &str, directory: &Path) -> bool {
    let mut holder: Option<(usize, bool)> = None;
    for line in table.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(point), Some(options)) = (fields.get(4), fields.get(5)) else { continue };
        let point = unescape(point);
        if !directory.starts_with(&point) {
            continue;
        }
        let super_options = fields.iter().position(|f| *f == "-").and_then(|dash| fields.get(dash + 3));
        let read_only = [Some(options), super_options]
            .into_iter()
            .flatten()
            .flat_map(|options| options.split(','))
            .any(|option| option == "ro" || option == "emergency_ro");
        if holder.is_none_or(|(length, _)| point.len() >= length) {
            holder = Some((point.len(), read_only));
        }
    }
    holder.is_some_and(|(_, read_only)| read_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_files_are_watched_and_a_writable_directory_keeps_writes() {
        assert!(DiskWatch::for_database("postgres://u@h/db").directory.is_none());
        assert!(DiskWatch::for_database("sqlite::memory:").directory.is_none());
        let file = DiskWatch::for_database("sqlite:///tmp/trustfeed.db?mode=rwc");
        assert!(file.directory.as_deref().is_some_and(Path::is_absolute));
        assert!(file.writes_are_kept());
        assert!(DiskWatch::for_database("sqlite:data.db").directory.as_deref().is_some_and(Path::is_absolute));
        // A directory that cannot be asked does not keep writes.
        assert!(!DiskWatch::for_database("sqlite:///no/such/dir/x.db").writes_are_kept());
    }

    /// As Linux 6.18 lists an ext4 file system that a disk error stopped.
    const TABLE: &str = "\
22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
97 22 7:0 / /mnt/db rw,relatime shared:50 - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro
98 22 7:1 / /mnt/dbx rw,relatime shared:51 - ext4 /dev/loop1 rw
99 22 7:2 / /srv ro,relatime shared:52 - ext4 /dev/loop2 rw
100 99 7:3 / /srv/data rw,relatime shared:53 - ext4 /dev/loop3 rw
101 22 7:4 / /mnt/my\\040disk rw,relatime shared:54 - ext4 /dev/loop4 rw,errors=remount-ro,emergency_ro";

    #[test]
    fn the_mount_holding_the_directory_decides_whether_it_is_read_only() {
        assert!(read_only_in(TABLE, Path::new("/mnt/db")), "emergency_ro in the super block's options");
        assert!(read_only_in(TABLE, Path::new("/mnt/db/sub")));
        assert!(!read_only_in(TABLE, Path::new("/mnt/dbx")), "a neighbour with a longer name is another mount");
        assert!(read_only_in(TABLE, Path::new("/srv/app")), "ro in the mount's options");
        assert!(!read_only_in(TABLE, Path::new("/srv/data/trustfeed")), "the longest mount point decides");
        assert!(!read_only_in(TABLE, Path::new("/home")));
        assert!(read_only_in(TABLE, Path::new("/mnt/my disk/db")), "an escaped space in the mount point");
    }
}
