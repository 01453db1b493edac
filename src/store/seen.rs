//! Keys already seen in an export file, kept in a private temporary SQLite database
//! (never the user's), so finding duplicates takes the same memory at a million
//! entries as at ten.

use crate::error::Result;
use sha2::{Digest, Sha256};

pub struct Seen {
    conn: rusqlite::Connection,
}

impl Seen {
    pub fn new() -> Result<Seen> {
        // An empty path: a private on-disk temporary database, deleted on close.
        let conn = rusqlite::Connection::open("")?;
        conn.execute_batch(
            "PRAGMA cache_size = -1024; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE seen (id BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN;",
        )?;
        Ok(Seen { conn })
    }

    /// False when (plugin, namespace, key) was seen before.
    pub fn insert(&self, plugin: &str, namespace: &str, key: &str) -> Result<bool> {
        let mut id = Sha256::new();
        for part in [plugin, namespace, key] {
            id.update(part.as_bytes());
            id.update([0u8]);
        }
        let digest = id.finalize();
        let mut stmt = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO seen (id) VALUES (?1)")?;
        Ok(stmt.execute([&digest[..16]])? == 1)
    }
}
