//! Keys already seen in an export file, kept in a private temporary SQLite database
//! (never the user's), so finding duplicates takes the same memory at a million
//! entries as at ten. The index is kept by a worker thread, fed in batches, so the
//! reader goes on parsing the file on the other core meanwhile: the first duplicate is
//! known a batch or two after its line was read.

use crate::error::{Error, Kind, Result};
use sha2::{Digest, Sha256};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Rows per batch sent to the worker; with [`QUEUED`] batches in flight, this bounds
/// the memory of keys not yet indexed.
const BATCH: usize = 4096;
const QUEUED: usize = 2;

/// The first (plugin, namespace, key) that occurred twice, and the line of its second
/// occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub line: u64,
    pub plugin: String,
    pub namespace: String,
    pub key: String,
}

/// Keys of one batch, back to back in `names`; `rows` gives each one's line and the
/// lengths of its three parts.
#[derive(Default)]
struct Batch {
    names: Vec<u8>,
    rows: Vec<(u64, [usize; 3])>,
}

type Outcome = Result<Option<Duplicate>>;

pub struct Seen {
    batch: Batch,
    queue: Option<SyncSender<Batch>>,
    worker: Option<JoinHandle<Outcome>>,
}

impl Seen {
    pub fn new() -> Result<Seen> {
        // An empty path: a private on-disk temporary database, deleted on close.
        let conn = rusqlite::Connection::open("")?;
        conn.execute_batch(
            "PRAGMA cache_size = -1024; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE seen (id BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN;",
        )?;
        let (queue, batches) = sync_channel(QUEUED);
        let worker = std::thread::Builder::new()
            .name("seen".into())
            .spawn(move || index(&conn, batches))?;
        Ok(Seen {
            batch: Batch::default(),
            queue: Some(queue),
            worker: Some(worker),
        })
    }

    /// Notes (plugin, namespace, key) of `line`. `Some` once the worker has found a
    /// duplicate (of this line or an earlier one): the first of the file so far.
    pub fn insert(
        &mut self,
        line: u64,
        plugin: &str,
        namespace: &str,
        key: &str,
    ) -> Result<Option<Duplicate>> {
        let b = &mut self.batch;
        for part in [plugin, namespace, key] {
            b.names.extend_from_slice(part.as_bytes());
        }
        b.rows
            .push((line, [plugin.len(), namespace.len(), key.len()]));
        if b.rows.len() < BATCH {
            return Ok(None);
        }
        let full = std::mem::take(&mut self.batch);
        match self.queue.as_ref().map(|q| q.send(full)) {
            // The worker stopped: at a duplicate, or at an error.
            Some(Err(_)) => self.finish(),
            _ => Ok(None),
        }
    }

    /// Indexes the rest and says whether any key occurred twice (the first duplicate).
    pub fn finish(&mut self) -> Outcome {
        let rest = std::mem::take(&mut self.batch);
        if let Some(q) = self.queue.take() {
            // A failed send means the worker has already stopped, with its outcome.
            let _ = q.send(rest);
        }
        match self.worker.take() {
            Some(w) => w
                .join()
                .map_err(|_| Error::new(Kind::Scan, "the duplicate-key index thread failed"))?,
            None => Ok(None),
        }
    }
}

/// The worker: inserts every key's id, stopping at the first that was there already.
fn index(conn: &rusqlite::Connection, batches: Receiver<Batch>) -> Outcome {
    let mut stmt = conn.prepare("INSERT OR IGNORE INTO seen (id) VALUES (?1)")?;
    for b in batches {
        let mut at = 0;
        for &(line, lens) in &b.rows {
            let mut id = Sha256::new();
            let mut parts = [""; 3];
            for (part, len) in parts.iter_mut().zip(lens) {
                // The parts were &str, cut here at their own ends.
                *part = std::str::from_utf8(&b.names[at..at + len]).unwrap_or_default();
                id.update(part.as_bytes());
                id.update([0u8]);
                at += len;
            }
            if stmt.execute([&id.finalize()[..16]])? == 0 {
                let [plugin, namespace, key] = parts.map(String::from);
                return Ok(Some(Duplicate {
                    line,
                    plugin,
                    namespace,
                    key,
                }));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_duplicate_is_found_across_batches_with_its_line() {
        let mut seen = Seen::new().unwrap();
        let mut early = None;
        // Three batches and more of distinct keys, then two repeats: the first wins.
        let n = 3 * BATCH as u64 + 10;
        for line in 1..=n {
            early = early.or(seen.insert(line, "p", "n", &line.to_string()).unwrap());
        }
        for (line, key) in [(n + 1, "7"), (n + 2, "8")] {
            early = early.or(seen.insert(line, "p", "n", key).unwrap());
        }
        let dup = early.or(seen.finish().unwrap()).unwrap();
        assert_eq!(
            dup,
            Duplicate {
                line: n + 1,
                plugin: "p".into(),
                namespace: "n".into(),
                key: "7".into()
            }
        );
    }

    #[test]
    fn the_same_key_in_two_namespaces_is_no_duplicate() {
        let mut seen = Seen::new().unwrap();
        for line in 1..=2 * BATCH as u64 {
            let ns = if line % 2 == 0 { "a" } else { "b" };
            assert_eq!(
                seen.insert(line, "p", ns, &(line / 2).to_string()).unwrap(),
                None
            );
        }
        assert_eq!(seen.finish().unwrap(), None);
    }
}
