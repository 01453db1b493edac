//! An online copy of the whole database with SQLite's backup API, and the check of
//! the copy. The destination file's safety (temp file, rename) is `atomic.rs`'s job.

use super::Db;
use crate::error::{Error, Kind, Result};
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use std::path::Path;
use std::time::{Duration, Instant};

/// Copies `db` into the new file `dest` in one step (one consistent snapshot; a WAL
/// reader never blocks the gateway), retrying a locked source until `busy_timeout_ms`.
pub fn copy_to(db: &Db, dest: &Path, busy_timeout_ms: u64) -> Result<()> {
    let mut dst = Connection::open(dest)?;
    // The copy is private until renamed: no journal file is needed beside it.
    dst.execute_batch("PRAGMA journal_mode = MEMORY")?;
    let backup = Backup::new(&db.conn, &mut dst)?;
    let deadline = Instant::now() + Duration::from_millis(busy_timeout_ms);
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => continue,
            StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => {
                return Err(Error::new(
                    Kind::Busy,
                    "the database stayed locked past the busy timeout; nothing was written; retry, or raise --busy-timeout",
                ));
            }
        }
    }
}

/// `PRAGMA quick_check` of a file: `ok` when healthy.
pub fn quick_check(path: &Path) -> Result<String> {
    let copy = Connection::open(path)?;
    Ok(copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?)
}
