//! What decoding needs beyond one row, computed once per listing: `--now`, and the
//! highest event sequence of each memory-host workspace (for the cursors' lag), in
//! one grouped query rather than one query per cursor row.

use super::catalog::Context;
use super::query::Selection;
use super::rules::LIVE_SQL;
use crate::error::Result;
use rusqlite::Connection;

const MEMORY_PLUGIN: &str = "memory-core";
const CURSORS: &str = "memory-host.event-cursors";

/// The decoding context of a selection: journal tails only when it may list cursors.
pub fn for_selection(conn: &Connection, sel: &Selection) -> Result<Context> {
    let plugin_ok = sel.plugin.as_deref().is_none_or(|p| p == MEMORY_PLUGIN);
    let names_ok = sel.namespaces.is_empty() || sel.namespaces.iter().any(|n| n == CURSORS);
    let journal_tails = if plugin_ok && names_ok {
        journal_tails(conn, sel.now)?
    } else {
        Default::default()
    };
    Ok(Context {
        now: Some(sel.now),
        journal_tails,
    })
}

/// `memory-host.events`: per workspace hash (the key up to its first ':'), the highest
/// `sequence` of its live rows, as the runtime's journal reads its tail. Values that
/// are not JSON, or whose sequence is not an integer, do not count.
pub fn journal_tails(
    conn: &Connection,
    now: crate::timefmt::Ms,
) -> Result<std::collections::BTreeMap<String, i64>> {
    let sql = format!(
        "SELECT substr(entry_key, 1, instr(entry_key, ':') - 1) AS ws,
                MAX(CASE WHEN typeof(value_json) = 'text' THEN
                      CASE WHEN json_valid(value_json)
                            AND json_type(value_json, '$.sequence') = 'integer'
                      THEN json_extract(value_json, '$.sequence') END END)
         FROM plugin_state_entries
         WHERE plugin_id = :plugin AND namespace = 'memory-host.events'
           AND instr(entry_key, ':') > 1 AND {LIVE_SQL}
         GROUP BY ws"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        rusqlite::named_params! {":plugin": MEMORY_PLUGIN, ":now": now},
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)),
    )?;
    let mut out = std::collections::BTreeMap::new();
    for row in rows {
        if let (ws, Some(max)) = row? {
            out.insert(ws, max);
        }
    }
    Ok(out)
}
