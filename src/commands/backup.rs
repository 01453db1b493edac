//! `statectl backup DEST`: a consistent online copy of the whole database.

use crate::Ctx;
use crate::atomic::AtomicFile;
use crate::error::{Error, Kind};
use crate::output::human_bytes;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    about = "Copy the whole database consistently through SQLite's online backup API, then verify the copy",
    after_help = "Examples:\n  statectl backup ~/openclaw-state-$(date +%F).sqlite\n  statectl --state-dir ~/.openclaw backup /backups/state.sqlite --force"
)]
pub struct BackupArgs {
    /// Where to write the copy (mode 0600); a directory gets openclaw-state-<UTC time>.sqlite
    pub dest: PathBuf,
    /// Overwrite DEST if it exists
    #[arg(long)]
    pub force: bool,
}

/// The files SQLite may make beside the copy while it is written and checked; removed
/// whatever happens, so a failed backup (a full disk) leaves nothing behind.
struct Sidecars(PathBuf);

impl Drop for Sidecars {
    fn drop(&mut self) {
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut name = self.0.as_os_str().to_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

/// `DEST`, or `DEST/openclaw-state-<UTC time>.sqlite` when DEST is a directory.
fn destination(dest: &std::path::Path, now: crate::timefmt::Ms) -> PathBuf {
    if dest.is_dir() {
        let stamp = crate::timefmt::format_abs(now).replace([':', '-'], "");
        dest.join(format!("openclaw-state-{stamp}.sqlite"))
    } else {
        dest.to_path_buf()
    }
}

pub fn run(ctx: &mut Ctx, args: &BackupArgs) -> anyhow::Result<()> {
    let _armed = crate::interrupt::arm();
    let db = ctx.open_read()?;
    let dest = destination(&args.dest, crate::timefmt::system_now_ms());
    let file = AtomicFile::create(&dest, args.force, &db.path)?;
    let sidecars = Sidecars(file.temp_path().to_path_buf());
    crate::store::backup::copy_to(&db, file.temp_path(), ctx.global.busy_timeout)
        .with_context(|| format!("copying to {}", dest.display()))?;
    let not_written = || format!("{} was not written", dest.display());
    crate::interrupt::check(not_written)?;
    let check = crate::store::backup::quick_check(file.temp_path())?;
    if check != "ok" {
        anyhow::bail!(Error::new(
            Kind::BackupCheckFailed,
            format!(
                "the copy failed PRAGMA quick_check ({check}); nothing was written to {}",
                dest.display()
            ),
        ));
    }
    crate::interrupt::check(not_written)?;
    let size = std::fs::metadata(file.temp_path())
        .map(|m| m.len())
        .unwrap_or(0);
    file.commit()?;
    if ctx.format.is_json() {
        let doc = serde_json::json!({
            "source": db.path,
            "dest": dest,
            "bytes": size,
            "quick_check": "ok",
        });
        crate::output::write_json(ctx.out, ctx.format, &doc)?;
    }
    writeln!(
        ctx.err,
        "backed up {} to {} ({}, quick_check ok)",
        db.path.display(),
        dest.display(),
        human_bytes(size)
    )?;
    drop(sidecars);
    Ok(())
}
