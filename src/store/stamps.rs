//! What `watch` re-reads on every change: each selected row's identity and times,
//! never its value, and `PRAGMA data_version` to notice other connections' commits.

use super::query::{Selection, expiry, int, text};
use crate::error::Result;
use crate::timefmt::Ms;
use rusqlite::Connection;

/// A row without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub plugin_id: String,
    pub namespace: String,
    pub key: String,
    pub created_at: Ms,
    pub expires_at: Option<Ms>,
}

/// Streams the stamps of every row `sel` selects, through the listing index.
pub fn for_each_stamp(
    conn: &Connection,
    sel: &Selection,
    mut f: impl FnMut(Stamp) -> Result<()>,
) -> Result<()> {
    let (where_sql, params) = sel.to_sql();
    let sql = format!(
        "SELECT plugin_id, namespace, entry_key, created_at, expires_at
         FROM plugin_state_entries WHERE {where_sql}
         ORDER BY plugin_id, namespace, created_at, entry_key"
    );
    let mut stmt = conn.prepare(&sql)?;
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> = super::query::named(&params);
    let mut rows = stmt.query(bound.as_slice())?;
    while let Some(row) = rows.next()? {
        f(Stamp {
            plugin_id: text(row.get_ref(0)?),
            namespace: text(row.get_ref(1)?),
            key: text(row.get_ref(2)?),
            created_at: int(row.get_ref(3)?).unwrap_or(0),
            expires_at: expiry(row.get_ref(4)?),
        })?;
    }
    Ok(())
}

/// `PRAGMA data_version`: changes whenever another connection commits.
pub fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}
