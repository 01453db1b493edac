//! The statements an import runs on its target: live counts before, the existing row
//! of a key, and the upsert of an entry. The import's decisions stay in the command.

use super::rules::LIVE_SQL;
use crate::error::Result;
use crate::timefmt::Ms;
use rusqlite::Connection;
use std::collections::BTreeMap;

const UPSERT: &str = "INSERT INTO plugin_state_entries (plugin_id, namespace, entry_key, value_json, created_at, expires_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (plugin_id, namespace, entry_key) DO UPDATE SET
       value_json = excluded.value_json, created_at = excluded.created_at, expires_at = excluded.expires_at";

/// Live rows per (plugin, namespace) at `now`.
pub fn live_counts(conn: &Connection, now: Ms) -> Result<BTreeMap<(String, String), u64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT plugin_id, namespace, COUNT(*) FROM plugin_state_entries WHERE {LIVE_SQL} GROUP BY plugin_id, namespace"
    ))?;
    let rows = stmt.query_map(rusqlite::named_params! {":now": now}, |r| {
        Ok(((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u64))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The stored row of a key, as it is (for a backup of what an import replaces).
pub fn stored_row(
    conn: &Connection,
    plugin: &str,
    ns: &str,
    key: &str,
) -> Result<Option<super::Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM plugin_state_entries WHERE plugin_id = ?1 AND namespace = ?2 AND entry_key = ?3",
        super::query::ENTRY_COLUMNS
    ))?;
    match stmt.query_row((plugin, ns, key), super::query::entry_from_row) {
        Ok(r) => Ok(Some(r)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// One row to write, with its stored text and times exactly as exported.
pub struct NewRow<'a> {
    pub plugin_id: &'a str,
    pub namespace: &'a str,
    pub key: &'a str,
    pub value_json: &'a str,
    pub created_at: Ms,
    pub expires_at: Option<Ms>,
}

/// The prepared statements of one import on one connection.
pub struct Target<'c> {
    lookup: rusqlite::CachedStatement<'c>,
    upsert: rusqlite::CachedStatement<'c>,
}

impl<'c> Target<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(Target {
            lookup: conn.prepare_cached(
                "SELECT created_at, expires_at FROM plugin_state_entries WHERE plugin_id = ?1 AND namespace = ?2 AND entry_key = ?3",
            )?,
            upsert: conn.prepare_cached(UPSERT)?,
        })
    }

    /// `(created_at, expires_at)` of the stored row of this key, live or not.
    pub fn existing(
        &mut self,
        plugin: &str,
        ns: &str,
        key: &str,
    ) -> Result<Option<(Ms, Option<Ms>)>> {
        match self
            .lookup
            .query_row((plugin, ns, key), |r| Ok((r.get(0)?, r.get(1)?)))
        {
            Ok(r) => Ok(Some(r)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Inserts the row, or replaces the stored row of its key.
    pub fn upsert(&mut self, row: &NewRow) -> Result<()> {
        self.upsert.execute((
            row.plugin_id,
            row.namespace,
            row.key,
            row.value_json,
            row.created_at,
            row.expires_at,
        ))?;
        Ok(())
    }
}
