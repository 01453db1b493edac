//! Files written whole or not at all: a private temp file beside the destination,
//! renamed into place only when complete. A failed write (disk full, an error, Ctrl-C
//! with cleanup) leaves no partial file under the destination's name.

use crate::error::{Error, Kind, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
    overwrite: bool,
}

/// What a non-regular file is, for an error message.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// The database file and the sidecars SQLite keeps beside it.
fn database_files(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

/// `path` with its directory resolved (symlinks, `..`), the last component kept:
/// where a file of that name is, whether or not it exists yet.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = std::fs::canonicalize(path) {
        return Some(real);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(name))
}

/// Refuses a destination that is, or resolves to (through symlinks or hard links),
/// the database `db` or one of its `-wal`, `-shm`, `-journal` files.
pub fn refuse_database_destination(dest: &Path, db: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let dest_meta = std::fs::metadata(dest).ok();
    let dest_real = resolved(dest);
    let db_real = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    for file in database_files(&db_real) {
        let same_inode = match (&dest_meta, std::fs::metadata(&file)) {
            (Some(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        if same_inode || dest_real.as_deref() == Some(file.as_path()) {
            return Err(Error::new(
                Kind::DestinationIsDatabase,
                format!(
                    "{} is the database being read ({}); writing there would destroy it; choose another file",
                    dest.display(),
                    file.display()
                ),
            ));
        }
    }
    Ok(())
}

impl AtomicFile {
    /// [`AtomicFile::create`] for `--backup FILE`, which never overwrites a file: the
    /// `--force` of prune, expire and import means something else, so a file already
    /// there is refused with advice that works.
    pub fn create_backup(dest: &Path, db: &Path) -> Result<AtomicFile> {
        AtomicFile::create(dest, false, db).map_err(|e| match e.kind {
            Kind::FileExists => Error::new(
                Kind::FileExists,
                format!(
                    "{} already exists and --backup never overwrites a file; name another file, or move this one away",
                    dest.display()
                ),
            ),
            _ => e,
        })
    }

    /// Starts a file with mode 0600; refuses an existing destination unless `overwrite`,
    /// and anything that is not a regular file (a directory, FIFO, device or socket:
    /// `--force` never replaces those; `-` is how to write to stdout).
    /// `db` is the database being read: a destination that is it, or one of its
    /// sidecars, is refused ([`refuse_database_destination`]).
    pub fn create(dest: &Path, overwrite: bool, db: &Path) -> Result<AtomicFile> {
        // `/dev/stdout` and friends: links into /proc's file descriptors.
        let via_proc = dest.starts_with("/proc")
            || resolved(dest).is_some_and(|r| r.starts_with("/proc"))
            || std::fs::read_link(dest).is_ok_and(|t| t.starts_with("/proc"));
        if via_proc {
            return Err(Error::new(
                Kind::NotARegularFile,
                format!(
                    "{} is a process's file descriptor, not a regular file; statectl writes only regular files (use - for stdout)",
                    dest.display()
                ),
            ));
        }
        if let Ok(meta) = std::fs::metadata(dest)
            && !meta.is_file()
        {
            return Err(Error::new(
                Kind::NotARegularFile,
                format!(
                    "{} is {}, not a regular file; statectl writes only regular files (use - for stdout)",
                    dest.display(),
                    kind_of(meta.file_type())
                ),
            ));
        }
        refuse_database_destination(dest, db)?;
        if dest.exists() && !overwrite {
            return Err(Error::new(
                Kind::FileExists,
                format!(
                    "{} already exists; choose another name or add --force to overwrite it",
                    dest.display()
                ),
            ));
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".statectl-")
            .suffix(".tmp")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .tempfile_in(dir)
            .map_err(|e| {
                Error::new(
                    Kind::Io,
                    format!("cannot create a file in {}: {e}", dir.display()),
                )
            })?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            overwrite,
        })
    }

    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// Where the content is being written until `commit`.
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Flushes to disk and renames into place.
    pub fn commit(self) -> Result<()> {
        self.tmp.as_file().sync_all()?;
        let dest = self.dest.clone();
        let result = if self.overwrite {
            self.tmp.persist(&dest).map(|_| ())
        } else {
            self.tmp.persist_noclobber(&dest).map(|_| ())
        };
        result.map_err(|e| {
            Error::new(
                Kind::Io,
                format!("cannot write {}: {}", dest.display(), e.error),
            )
        })
    }
}
