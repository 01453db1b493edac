//! `statectl backup DEST`: a consistent online copy of the whole database.

use crate::Ctx;
use crate::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::output::human_bytes;
use clap::Args;
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(
    about = "Copy the whole database consistently through SQLite's online backup API, then verify the copy",
    after_help = "Examples:\n  statectl backup ~/openclaw-state-$(date +%F).sqlite\n  statectl --state-dir ~/.openclaw backup /backups/state.sqlite --force"
)]
pub struct BackupArgs {
    /// Where to write the copy (mode 0600)
    pub dest: PathBuf,
    /// Overwrite DEST if it exists
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &mut Ctx, args: &BackupArgs) -> Result<()> {
    let _armed = crate::interrupt::arm();
    let db = ctx.open_read()?;
    let file = AtomicFile::create(&args.dest, args.force)?;
    {
        let mut dst = Connection::open(file.temp_path())?;
        // One step copies one consistent snapshot; a WAL reader never blocks the gateway.
        let backup = Backup::new(&db.conn, &mut dst)?;
        let deadline = std::time::Instant::now() + Duration::from_millis(ctx.global.busy_timeout);
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => continue,
                StepResult::Busy | StepResult::Locked if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                _ => {
                    return Err(Error::new(
                        crate::error::Kind::Busy,
                        "busy",
                        "the database stayed locked past the busy timeout; nothing was written; retry, or raise --busy-timeout",
                    ));
                }
            }
        }
    }
    let not_written = || format!("{} was not written", args.dest.display());
    crate::interrupt::check(not_written)?;
    let copy = Connection::open(file.temp_path())?;
    let check: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    drop(copy);
    if check != "ok" {
        return Err(Error::runtime(
            "backup_check_failed",
            format!(
                "the copy failed PRAGMA quick_check ({check}); nothing was written to {}",
                args.dest.display()
            ),
        ));
    }
    crate::interrupt::check(not_written)?;
    let size = std::fs::metadata(file.temp_path())
        .map(|m| m.len())
        .unwrap_or(0);
    file.commit()?;
    writeln!(
        ctx.err,
        "backed up {} to {} ({}, quick_check ok)",
        db.path.display(),
        args.dest.display(),
        human_bytes(size)
    )?;
    Ok(())
}
