//! One pass over `plugin_state_entries` for `check`: per-(plugin, namespace) counts of
//! what the health checks judge and the findings of the decoded namespaces (each row
//! read and parsed once), example rows of a finding, and the integrity pragma.

use super::Db;
use super::capacity::{expiring_in_window, written_in_window};
use super::catalog::{self, Spec};
use super::integrity::NsIntegrity;
use super::query::{Unreadable, UnreadableNs, text_ref};
use super::rules::{CREATED_AFTER_SQL, EXPIRES_BEFORE_CREATED_SQL, LIVE_SQL, StoredTimes};
use super::value::{CORRUPT_SQL, corrupt, register_sql};
use crate::error::{Error, Kind, Result};
use rusqlite::Row;
use rusqlite::types::ValueRef;
use std::collections::{BTreeMap, HashMap};
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
    /// Whether to decode the live rows of the namespaces the catalog knows
    /// (`namespace_integrity`).
    pub decode: bool,
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

/// What the pass over the table found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scanned {
    pub namespaces: ScanMap,
    /// The decoded namespaces whose live rows disagree with their key or shape, in name
    /// order (`store::integrity`); none looked at unless [`ScanParams::decode`].
    pub decoded: Vec<NsIntegrity>,
    /// The namespaces with rows whose time the runtime cannot read, in name order.
    pub unreadable: Vec<UnreadableNs>,
}

/// `MAX(created_at)` as SQLite's aggregate takes it (NULLs left out, numbers below
/// text and BLOBs, the first of equals kept), for `newest_write`.
#[derive(Debug, Clone, Copy, Default)]
enum Newest {
    #[default]
    Nothing,
    Int(i64),
    Real(f64),
    NotNumber,
}

impl Newest {
    fn see(&mut self, v: ValueRef<'_>) {
        use Newest::*;
        *self = match (*self, v) {
            (_, ValueRef::Null) | (NotNumber, _) => return,
            (_, ValueRef::Text(_) | ValueRef::Blob(_)) => NotNumber,
            (Nothing, ValueRef::Integer(i)) => Int(i),
            (Nothing, ValueRef::Real(f)) => Real(f),
            (Int(m), ValueRef::Integer(i)) if i > m => Int(i),
            (Real(m), ValueRef::Integer(i)) if i as f64 > m => Int(i),
            (Int(m), ValueRef::Real(f)) if f > m as f64 => Real(f),
            (Real(m), ValueRef::Real(f)) if f > m => Real(f),
            _ => return,
        }
    }

    /// The newest write: the greatest `created_at` when it is an INTEGER, else 0.
    fn ms(self) -> i64 {
        match self {
            Newest::Int(i) => i,
            _ => 0,
        }
    }
}

/// One (plugin, namespace) of a rowid range.
struct Tally {
    plugin: String,
    namespace: String,
    scan: NsScan,
    newest: Newest,
    /// The catalog's decoder of the namespace and what it found, when the scan decodes
    /// and the catalog knows the namespace.
    decoded: Option<(&'static Spec, NsIntegrity)>,
    unreadable: Unreadable,
}

/// The (plugin, namespace)s of a rowid range, in the order first met.
#[derive(Default)]
struct Tallies {
    list: Vec<Tally>,
    index: HashMap<Vec<u8>, HashMap<Vec<u8>, usize>>,
    /// The last one met: consecutive rows are mostly of one namespace.
    last: usize,
}

impl Tallies {
    /// The tally of the row `r`, whose plugin and namespace are `p` and `n`.
    fn of(&mut self, r: &Row<'_>, (p, n): (&[u8], &[u8]), decode: bool) -> Result<&mut Tally> {
        if let Some(t) = self.list.get(self.last)
            && t.plugin.as_bytes() == p
            && t.namespace.as_bytes() == n
        {
            return Ok(&mut self.list[self.last]);
        }
        self.last = match self.index.get(p).and_then(|m| m.get(n)) {
            Some(&i) => i,
            None => {
                // New: read as the owned names (which also refuses invalid UTF-8).
                let (plugin, namespace): (String, String) = (r.get(0)?, r.get(1)?);
                let decoded = catalog::spec(&plugin, &namespace)
                    .filter(|_| decode)
                    .map(|spec| (spec, NsIntegrity::new(&plugin, &namespace)));
                let i = self.list.len();
                self.index
                    .entry(p.to_vec())
                    .or_default()
                    .insert(n.to_vec(), i);
                self.list.push(Tally {
                    plugin,
                    namespace,
                    scan: NsScan::default(),
                    newest: Newest::Nothing,
                    decoded,
                    unreadable: Unreadable::default(),
                });
                i
            }
        };
        Ok(&mut self.list[self.last])
    }
}

/// Column `i` as the text it must be (a name), or the error reading it as a String gives.
fn name<'r>(r: &'r Row<'_>, i: usize) -> rusqlite::Result<&'r [u8]> {
    match r.get_ref(i)? {
        ValueRef::Text(t) => Ok(t),
        other => Err(rusqlite::Error::InvalidColumnType(
            i,
            r.as_ref().column_name(i)?.to_string(),
            other.data_type(),
        )),
    }
}

/// Per-namespace counts over the rows whose rowid lies in `lo..=hi`, read once each in
/// table order (`LIMIT`-free so no sorter holds the table): the figures of the rules
/// (judged by `rules::StoredTimes` on the stored times, not by SQLite per row), whether
/// the runtime can read the value (`value::corrupt`), the rows with an unreadable time,
/// and with `decode` the decoded namespaces' findings.
fn scan(conn: &rusqlite::Connection, p: ScanParams, lo: i64, hi: i64) -> Result<Vec<Tally>> {
    let mut stmt = conn.prepare(
        "SELECT plugin_id, namespace, entry_key, value_json, created_at, expires_at,
                octet_length(value_json)
         FROM plugin_state_entries WHERE rowid BETWEEN ?1 AND ?2",
    )?;
    let mut rows = stmt.query([lo, hi])?;
    let mut tallies = Tallies::default();
    let mut stack = Vec::new();
    while let Some(r) = rows.next()? {
        let t = tallies.of(r, (name(r, 0)?, name(r, 1)?), p.decode)?;
        count_row(r, t, p, &mut stack)?;
    }
    Ok(tallies.list)
}

/// Adds the row `r` of [`scan`]'s query to its namespace's tally.
fn count_row(
    r: &Row<'_>,
    t: &mut Tally,
    p: ScanParams,
    stack: &mut Vec<u8>,
) -> rusqlite::Result<()> {
    let times = StoredTimes {
        created_at: r.get_ref(4)?,
        expires_at: r.get_ref(5)?,
    };
    let live = times.live(p.now);
    let large = live && matches!(r.get_ref(6)?, ValueRef::Integer(n) if n > p.large_value);
    let s = &mut t.scan;
    s.live += u64::from(live);
    s.expired += u64::from(times.expired(p.now));
    s.no_expiry += u64::from(times.no_expiry());
    s.expires_before_created += u64::from(times.expires_before_created());
    s.created_in_future += u64::from(times.created_after(p.future));
    s.writes_window += u64::from(written_in_window(&times, p.now, p.window));
    s.expiring_window += u64::from(expiring_in_window(&times, p.now, p.window));
    s.large_values += u64::from(large);
    s.corrupt += u64::from(corrupt(r.get_ref(3)?, stack));
    t.newest.see(times.created_at);
    if times.unreadable() {
        t.unreadable.add(text_ref(r.get_ref(2)?).into_owned());
    }
    if live && let Some((spec, found)) = &mut t.decoded {
        found.judge(spec, &text_ref(r.get_ref(2)?), &text_ref(r.get_ref(3)?));
    }
    Ok(())
}

/// How many rowid ranges [`scan_all`] cuts the table into: enough that the two
/// workers finish together even when the costly rows (decoded namespaces, long values)
/// sit in one part of the table.
const PARTS: i64 = 16;

/// The whole table, scanned in [`PARTS`] rowid ranges by two workers on two
/// connections at once (parsing every value is CPU work, and the machine has more than
/// one core), each taking the next range when done with one. Each range is its own
/// snapshot: a row the gateway moves meanwhile can count once too often or not at all,
/// which a health check can bear.
pub fn scan_all(db: &Db, params: ScanParams) -> Result<Scanned> {
    let max: i64 = db.conn.query_row(
        "SELECT IFNULL(MAX(rowid), 0) FROM plugin_state_entries",
        [],
        |r| r.get(0),
    )?;
    // Range i holds the rowids in (bound(i), bound(i + 1)].
    let bound = move |i: i64| match i {
        0 => i64::MIN,
        PARTS => i64::MAX,
        i => (i128::from(max) * i128::from(i) / i128::from(PARTS)) as i64,
    };
    let next = std::sync::atomic::AtomicI64::new(0);
    let work = |conn: &rusqlite::Connection| -> Result<Vec<(i64, Vec<Tally>)>> {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= PARTS {
                return Ok(done);
            }
            let lo = bound(i).saturating_add(i64::from(i > 0));
            done.push((i, scan(conn, params, lo, bound(i + 1))?));
        }
    };
    let (path, timeout) = (db.path.clone(), db.busy_timeout_ms);
    let mut parts = std::thread::scope(|s| -> Result<Vec<(i64, Vec<Tally>)>> {
        let other = s.spawn(|| work(&Db::open_read_only(&path, timeout)?.conn));
        let mut parts = work(&db.conn)?;
        let theirs = other
            .join()
            .map_err(|_| Error::new(Kind::Scan, "the table scan thread failed"))??;
        parts.extend(theirs);
        Ok(parts)
    })?;
    parts.sort_by_key(|(i, _)| *i);
    Ok(combine(parts.into_iter().map(|(_, t)| t)))
}

/// The tallies of the rowid ranges, in rowid order, as one result (the findings of a
/// lower range first: samples are the first rows in table order).
fn combine(parts: impl Iterator<Item = Vec<Tally>>) -> Scanned {
    let mut namespaces = ScanMap::new();
    let mut decoded: BTreeMap<(String, String), NsIntegrity> = BTreeMap::new();
    let mut unreadable: BTreeMap<(String, String), Unreadable> = BTreeMap::new();
    for t in parts.flatten() {
        let key = (t.plugin, t.namespace);
        let scan = NsScan {
            newest_write: t.newest.ms(),
            ..t.scan
        };
        if let Some((_, found)) = t.decoded {
            match decoded.get_mut(&key) {
                Some(earlier) => earlier.merge(found),
                None => {
                    decoded.insert(key.clone(), found);
                }
            }
        }
        if t.unreadable.rows > 0 {
            unreadable
                .entry(key.clone())
                .or_default()
                .merge(t.unreadable);
        }
        namespaces.entry(key).or_default().add(&scan);
    }
    let decoded = decoded.into_values().filter(|f| f.has_findings()).collect();
    let unreadable = unreadable
        .into_iter()
        .map(|((p, n), u)| (p, n, u.rows, u.keys))
        .collect();
    Scanned {
        namespaces,
        decoded,
        unreadable,
    }
}

/// Up to three rows of a finding, as `plugin/namespace "key"`, comma-separated.
pub fn examples(db: &Db, finding: Finding) -> Result<String> {
    let (where_sql, future) = match finding {
        Finding::Corrupt => {
            register_sql(&db.conn)?;
            (CORRUPT_SQL.to_string(), None)
        }
        Finding::ExpiresBeforeCreated => (EXPIRES_BEFORE_CREATED_SQL.to_string(), None),
        Finding::CreatedAfter(t) => (CREATED_AFTER_SQL.to_string(), Some(t)),
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
