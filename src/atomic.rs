//! Files written whole or not at all: a private temp file beside the destination,
//! renamed into place only when complete. A failed write (disk full, an error, Ctrl-C
//! with cleanup) leaves no partial file under the destination's name.

use crate::error::{Error, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
    overwrite: bool,
}

impl AtomicFile {
    /// Starts a file with mode 0600; refuses an existing destination unless `overwrite`.
    pub fn create(dest: &Path, overwrite: bool) -> Result<AtomicFile> {
        if dest.exists() && !overwrite {
            return Err(Error::refused(
                "file_exists",
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
                Error::runtime(
                    "io",
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
            Error::runtime(
                "io",
                format!("cannot write {}: {}", dest.display(), e.error),
            )
        })
    }
}
