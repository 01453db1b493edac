//! A private in-memory `plugin_state_entries` table, so rows read from an export file
//! are selected by exactly the same SQL as rows in a database.

use super::query::Entry;
use crate::error::Result;
use rusqlite::Connection;

/// An in-memory database holding `entries` in a table of the runtime's shape.
pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    super::query::register_sql(&conn)?;
    conn.execute_batch(
        "CREATE TABLE plugin_state_entries (
           plugin_id TEXT NOT NULL, namespace TEXT NOT NULL, entry_key TEXT NOT NULL,
           value_json TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER,
           PRIMARY KEY (plugin_id, namespace, entry_key));
         BEGIN;",
    )?;
    {
        let mut stmt = conn.prepare(
            "INSERT OR REPLACE INTO plugin_state_entries VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for e in entries {
            stmt.execute(rusqlite::params![
                e.plugin_id,
                e.namespace,
                e.key,
                e.value_json,
                e.created_at,
                e.expires_at
            ])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(conn)
}
