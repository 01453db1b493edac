//! The work of `statectl export` besides writing the file (src/export.rs): refusing a
//! selection that names nothing stored, and counting the rows for the progress bar.

use crate::error::Result;
use crate::store::{Db, Selection, names, query};

/// A namespace or plugin named that exists nowhere is refused (with a did-you-mean):
/// a typo would otherwise write an empty "backup" and succeed.
pub fn check_named(db: &Db, sels: &[Selection]) -> Result<()> {
    for sel in sels {
        match sel.namespaces.first() {
            Some(ns) => names::check_named(&db.conn, &db.path, sel.plugin.as_deref(), ns)?,
            None => {
                if let Some(p) = &sel.plugin {
                    names::check_plugin(&db.conn, &db.path, p)?;
                }
            }
        }
    }
    Ok(())
}

/// How many rows the selections export.
pub fn total_rows(db: &Db, sels: &[Selection]) -> Result<u64> {
    sels.iter()
        .map(|s| query::plan(&db.conn, s, 0).map(|(g, _)| g.iter().map(|g| g.rows).sum::<u64>()))
        .sum()
}
