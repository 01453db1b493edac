//! One pass over `plugin_state_entries` for `check`: per-(plugin, namespace) counts of
//! what the health checks judge, example rows of a finding, and the integrity pragma.

use super::Db;
use super::capacity::{EXPIRING_IN_WINDOW_SQL, WRITTEN_IN_WINDOW_SQL};
use super::rules::{EXPIRED_SQL, LIVE_SQL};
use super::value::{CORRUPT_SQL, register_sql};
use crate::error::{Error, Kind, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Per-(plugin, namespace) figures from one pass over the table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NsScan {
    pub live: u64,
    pub expired: u64,
    pub no_expiry: u64,
    pub corrupt: u64,
    pub expires_before_created: u64,
    pub created_in_future: u64,
    /// The forecast's inputs (`store::capacity`): live rows written in the last window,
    /// rows expiring in the next.
    pub writes_window: u64,
    pub expiring_window: u64,
    /// Live values longer than the scan's `large_value` bytes.
    pub large_values: u64,
    /// The newest `created_at` (the last write), 0 for none.
    pub newest_write: i64,
}

/// What the scan counts against besides its rules.
#[derive(Debug, Clone, Copy)]
pub struct ScanParams {
    pub now: i64,
    /// `created_at` beyond it counts as in the future.
    pub future: i64,
    /// The forecast's window in ms.
    pub window: i64,
    /// Values above this many UTF-8 bytes count as large.
    pub large_value: i64,
}

impl NsScan {
    fn add(&mut self, x: &NsScan) {
        self.live += x.live;
        self.expired += x.expired;
        self.no_expiry += x.no_expiry;
        self.corrupt += x.corrupt;
        self.expires_before_created += x.expires_before_created;
        self.created_in_future += x.created_in_future;
        self.writes_window += x.writes_window;
        self.expiring_window += x.expiring_window;
        self.large_values += x.large_values;
        self.newest_write = self.newest_write.max(x.newest_write);
    }
}

pub type ScanMap = BTreeMap<(String, String), NsScan>;

/// Rows of one kind of finding, to name a few examples of it.
#[derive(Debug, Clone, Copy)]
pub enum Finding {
    /// `value_json` the runtime cannot parse.
    Corrupt,
    ExpiresBeforeCreated,
    /// `created_at` after this time.
    CreatedAfter(i64),
    /// Live (at the first time) values longer than the second's bytes.
    LargeValue(i64, i64),
}

/// Per-namespace counts over the rows whose rowid lies in `lo..=hi`.
fn scan(conn: &rusqlite::Connection, p: ScanParams, lo: i64, hi: i64) -> Result<ScanMap> {
    register_sql(conn)?;
    // The per-row figures are computed in a subquery that is not flattened (`LIMIT -1`):
    // the GROUP BY's sorter then holds a few integers per row, not every value_json
    // (which made it spill the whole table to a temporary file).
    let mut stmt = conn.prepare(&format!(
        "SELECT plugin_id, namespace, SUM(a), SUM(b), SUM(c), SUM(d), SUM(e), SUM(f), SUM(g),
                SUM(h), SUM(i), MAX(created_at)
         FROM (SELECT plugin_id, namespace, {LIVE_SQL} AS a, {EXPIRED_SQL} AS b,
                      expires_at IS NULL AS c, {CORRUPT_SQL} AS d,
                      expires_at IS NOT NULL AND expires_at < created_at AS e,
                      created_at > :future AS f,
                      {WRITTEN_IN_WINDOW_SQL} AS g, {EXPIRING_IN_WINDOW_SQL} AS h,
                      {LIVE_SQL} AND octet_length(value_json) > :large AS i, created_at
               FROM plugin_state_entries WHERE rowid BETWEEN :lo AND :hi LIMIT -1)
         GROUP BY plugin_id, namespace"
    ))?;
    let rows = stmt.query_map(
        rusqlite::named_params! {":now": p.now, ":future": p.future, ":lo": lo, ":hi": hi,
        ":window": p.window, ":large": p.large_value},
        |r| {
            let n = |i| r.get::<_, Option<i64>>(i).map(|v| v.unwrap_or(0) as u64);
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                NsScan {
                    live: n(2)?,
                    expired: n(3)?,
                    no_expiry: n(4)?,
                    corrupt: n(5)?,
                    expires_before_created: n(6)?,
                    created_in_future: n(7)?,
                    writes_window: n(8)?,
                    expiring_window: n(9)?,
                    large_values: n(10)?,
                    newest_write: r.get::<_, Option<i64>>(11).unwrap_or(None).unwrap_or(0),
                },
            ))
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The whole table, scanned in two rowid halves on two connections at once (parsing
/// every value is CPU work, and the machine has more than one core). The halves are
/// two snapshots: a row the gateway moves meanwhile can count once too often or not
/// at all, which a health check can bear. `future`: `created_at` beyond it counts.
pub fn scan_all(db: &Db, params: ScanParams) -> Result<ScanMap> {
    let max: i64 = db.conn.query_row(
        "SELECT IFNULL(MAX(rowid), 0) FROM plugin_state_entries",
        [],
        |r| r.get(0),
    )?;
    let mid = max / 2;
    let (path, timeout) = (db.path.clone(), db.busy_timeout_ms);
    let upper = std::thread::spawn(move || -> Result<ScanMap> {
        let other = Db::open_read_only(&path, timeout)?;
        scan(&other.conn, params, mid + 1, i64::MAX)
    });
    let mut all = scan(&db.conn, params, i64::MIN, mid)?;
    let upper = upper
        .join()
        .map_err(|_| Error::new(Kind::Scan, "the table scan thread failed"))??;
    for (key, x) in upper {
        all.entry(key).or_default().add(&x);
    }
    Ok(all)
}

/// Up to three rows of a finding, as `plugin/namespace "key"`, comma-separated.
pub fn examples(db: &Db, finding: Finding) -> Result<String> {
    let (where_sql, future) = match finding {
        Finding::Corrupt => {
            register_sql(&db.conn)?;
            (CORRUPT_SQL.to_string(), None)
        }
        Finding::ExpiresBeforeCreated => (
            "expires_at IS NOT NULL AND expires_at < created_at".to_string(),
            None,
        ),
        Finding::CreatedAfter(t) => ("created_at > :future".to_string(), Some(t)),
        // Both numbers are the caller's integers, never user text.
        Finding::LargeValue(now, bytes) => (
            format!(
                "{} AND octet_length(value_json) > {bytes}",
                LIVE_SQL.replace(":now", &now.to_string())
            ),
            None,
        ),
    };
    let mut stmt = db.conn.prepare(&format!(
        "SELECT plugin_id, namespace, entry_key FROM plugin_state_entries WHERE {where_sql} LIMIT 3"
    ))?;
    let future = future.unwrap_or_default();
    let params = if where_sql.contains(":future") {
        rusqlite::named_params! {":future": future}.to_vec()
    } else {
        Vec::new()
    };
    let rows = stmt.query_map(params.as_slice(), |r| {
        Ok(format!(
            "{}/{} {:?}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.join(", "))
}

/// `PRAGMA quick_check` (or `integrity_check` when `full`) on its own read-only
/// connection: its lines joined with "; " (`ok` when healthy).
pub fn integrity(path: &Path, busy_timeout_ms: u64, full: bool) -> Result<String> {
    let db = Db::open_read_only(path, busy_timeout_ms)?;
    let pragma = if full {
        "integrity_check"
    } else {
        "quick_check"
    };
    let mut stmt = db.conn.prepare(&format!("PRAGMA {pragma}"))?;
    let lines = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(lines.collect::<rusqlite::Result<Vec<_>>>()?.join("; "))
}
