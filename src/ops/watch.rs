//! The work of `statectl watch` besides the pure event logic of src/watch.rs: streaming
//! a snapshot of row stamps into the watcher, and reading the values an event shows.

use crate::error::Result;
use crate::store::{Liveness, Selection, known, query, stamps};
use crate::watch::{Event, EventType, Watcher};

/// Streams one snapshot of the watched rows into the watcher (a pass it has begun):
/// nothing is collected.
pub fn read(conn: &rusqlite::Connection, sels: &[Selection], watcher: &mut Watcher) -> Result<()> {
    for s in sels {
        stamps::for_each_stamp(conn, s, |st| watcher.observe(st))?;
    }
    Ok(())
}

/// The current value of a row that was added or updated (None when gone again).
fn value(conn: &rusqlite::Connection, e: &Event) -> Result<Option<String>> {
    if !matches!(e.kind, EventType::Added | EventType::Updated) {
        return Ok(None);
    }
    let sel = Selection {
        plugin: Some(e.plugin_id.clone()),
        namespaces: vec![e.namespace.clone()],
        keys: vec![e.key.clone()],
        liveness: Liveness::All,
        ..Default::default()
    };
    let mut value = None;
    query::for_each_entry(conn, &sel, Some(1), |entry| {
        value = Some(entry.value_json);
        Ok(())
    })?;
    Ok(value)
}

/// The value each event shows: a secret namespace's only with `show_secrets`.
pub fn values(
    conn: &rusqlite::Connection,
    events: &[Event],
    show_secrets: bool,
) -> Result<Vec<Option<String>>> {
    events
        .iter()
        .map(|e| {
            let secret = known::policy(&e.plugin_id, &e.namespace).secret && !show_secrets;
            if secret { Ok(None) } else { value(conn, e) }
        })
        .collect()
}
