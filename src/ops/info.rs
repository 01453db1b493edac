//! The work of `statectl info`: the facts about the opened database beyond its schema
//! (journal mode, file sizes, row and namespace counts).

use crate::error::Result;
use crate::store::{Db, query};
use crate::timefmt::Ms;

/// What `info` reports beside the schema and rules.
pub struct Info {
    pub journal: String,
    pub db_size: u64,
    /// None without a WAL file.
    pub wal_size: Option<u64>,
    pub total: u64,
    pub live: u64,
    pub namespaces: usize,
}

fn file_size(path: &std::path::Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

pub fn gather(db: &Db, now: Ms) -> Result<Info> {
    let journal = db.journal_mode()?;
    let wal_path = {
        let mut p = db.path.clone().into_os_string();
        p.push("-wal");
        std::path::PathBuf::from(p)
    };
    let db_size = file_size(&db.path).unwrap_or(0);
    let wal_size = file_size(&wal_path);
    let (total, live) = query::row_counts(&db.conn, now)?;
    let namespaces = query::summarize(&db.conn, None, now, false)?.len();
    Ok(Info {
        journal,
        db_size,
        wal_size,
        total,
        live,
        namespaces,
    })
}
