//! Ctrl-C. A command with something to finish cleanly (a temp file to remove, a batch
//! to commit, a transaction to roll back) arms the handler and checks [`check`] at its
//! safe points: the first Ctrl-C stops it there, with exit 130. Commands that never
//! arm keep the default (SQLite rolls back whatever was open), and a second Ctrl-C
//! exits at once.

use crate::error::{Error, Kind, Result};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static ARMED: AtomicBool = AtomicBool::new(false);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Until the returned guard drops, Ctrl-C sets a flag instead of exiting.
pub fn arm() -> Armed {
    INSTALL.call_once(|| {
        // Runs on ctrlc's own thread, never in the signal handler itself.
        let installed = ctrlc::set_handler(|| {
            if ARMED.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
                return;
            }
            std::process::exit(130);
        });
        // Without a handler Ctrl-C keeps its default: the process ends at once.
        drop(installed);
    });
    ARMED.store(true, Ordering::SeqCst);
    Armed(())
}

pub struct Armed(());

impl Drop for Armed {
    fn drop(&mut self) {
        ARMED.store(false, Ordering::SeqCst);
    }
}

/// A safe point: stops with `what_happened` (what was and was not done) after Ctrl-C.
pub fn check(what_happened: impl FnOnce() -> String) -> Result<()> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        Err(error(&what_happened()))
    } else {
        Ok(())
    }
}

/// The error of an interruption: exit 130, saying what was and was not done.
pub fn error(what_happened: &str) -> Error {
    Error::new(Kind::Interrupted, format!("interrupted: {what_happened}"))
}

/// Rewords an interruption for a caller that knows better what was left undone.
pub fn reword(e: Error, what_happened: impl FnOnce() -> String) -> Error {
    match e.kind {
        Kind::Interrupted => error(&what_happened()),
        _ => e,
    }
}
