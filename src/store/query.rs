//! Selecting entries: one `Selection` turns into one parameterised WHERE clause, used
//! by every command that reads or changes rows, so they all select the same rows.

use super::rules::{EXPIRED_SQL, LIVE_SQL, ORDER_SQL};
use crate::error::Result;
use crate::timefmt::Ms;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, Row};

/// Which rows by expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Liveness {
    /// What the runtime returns: `expires_at IS NULL OR expires_at > now`.
    #[default]
    Live,
    /// Only rows the runtime treats as gone but has not swept yet.
    Expired,
    /// Both.
    All,
}

/// A set of rows, as the user described it. User text is always bound, never spliced.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub plugin: Option<String>,
    /// Exact namespaces; empty means every namespace.
    pub namespaces: Vec<String>,
    pub keys: Vec<String>,
    pub prefix: Option<String>,
    /// A glob with `*` and `?`; `[` is literal.
    pub glob: Option<String>,
    /// `created_at <= this` (`--older-than`).
    pub created_at_most: Option<Ms>,
    /// `created_at > this` (`--newer-than`).
    pub created_after: Option<Ms>,
    /// `expires_at <= this`, rows with a TTL only (`--expires-within`).
    pub expires_at_most: Option<Ms>,
    pub no_expiry: bool,
    pub liveness: Liveness,
    /// The evaluation time for liveness.
    pub now: Ms,
    /// `--where` on decoded fields: applied in Rust to the rows the SQL selects.
    pub decoded: super::catalog::Where,
    /// What a write run guards (`Guard::None` for reads).
    pub guard: Guard,
}

/// The rewrite guard of a write run. Every runtime write sets `created_at = now`, so a
/// row the gateway rewrites after the plan has `created_at` at or beyond the plan clock:
/// ordinary rows are changed only while `created_at < clock`, and the few rows that
/// already had `created_at` at or beyond the clock when planned (a clock ahead, a
/// hand-made row) are listed with the `created_at` they had, and changed only while
/// they still have it. No value is compared. Rows without `created_at` (hand-made
/// tables; the runtime always sets it) are never selected by a write, in the plan as
/// in the batches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Guard {
    #[default]
    None,
    /// Planning a write: rows with a NULL `created_at` are left out.
    Plan,
    /// Applying a planned write.
    Apply {
        clock: Ms,
        /// `(rowid, created_at)` of the planned rows created at or after `clock`.
        rows: Vec<(i64, Ms)>,
    },
}

/// Named parameters as rusqlite binds them.
pub fn named(params: &[(String, Value)]) -> Vec<(&str, &dyn rusqlite::ToSql)> {
    params
        .iter()
        .map(|(n, v)| (n.as_str(), v as &dyn rusqlite::ToSql))
        .collect()
}

impl Selection {
    /// True when nothing narrows the rows beyond the namespace (a destructive command
    /// then needs `--all`).
    pub fn has_filter(&self) -> bool {
        !self.keys.is_empty()
            || self.prefix.is_some()
            || self.glob.is_some()
            || self.created_at_most.is_some()
            || self.created_after.is_some()
            || self.expires_at_most.is_some()
            || self.no_expiry
            || self.liveness == Liveness::Expired
            || !self.decoded.is_empty()
    }

    /// The WHERE clause (without the keyword) and its named parameters.
    pub fn to_sql(&self) -> (String, Vec<(String, Value)>) {
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<(String, Value)> = vec![(":now".into(), Value::Integer(self.now))];
        let bind = |name: String, v: Value, params: &mut Vec<(String, Value)>| {
            params.push((name.clone(), v));
            name
        };
        if let Some(p) = &self.plugin {
            let n = bind(":plugin".into(), Value::Text(p.clone()), &mut params);
            clauses.push(format!("plugin_id = {n}"));
        }
        if !self.namespaces.is_empty() {
            let names: Vec<String> = self
                .namespaces
                .iter()
                .enumerate()
                .map(|(i, ns)| bind(format!(":ns{i}"), Value::Text(ns.clone()), &mut params))
                .collect();
            clauses.push(format!("namespace IN ({})", names.join(", ")));
        }
        if !self.keys.is_empty() {
            let names: Vec<String> = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| bind(format!(":key{i}"), Value::Text(k.clone()), &mut params))
                .collect();
            clauses.push(format!("entry_key IN ({})", names.join(", ")));
        }
        if let Some(p) = &self.prefix {
            // Case-sensitive and byte-exact, unlike LIKE: compare the leading substring.
            let n = bind(":prefix".into(), Value::Text(p.clone()), &mut params);
            clauses.push(format!("substr(entry_key, 1, length({n})) = {n}"));
        }
        if let Some(g) = &self.glob {
            let n = bind(":glob".into(), Value::Text(g.clone()), &mut params);
            clauses.push(format!("statectl_glob({n}, entry_key)"));
        }
        if let Some(t) = self.created_at_most {
            let n = bind(":created_max".into(), Value::Integer(t), &mut params);
            clauses.push(format!("created_at <= {n}"));
        }
        if let Some(t) = self.created_after {
            let n = bind(":created_min".into(), Value::Integer(t), &mut params);
            clauses.push(format!("created_at > {n}"));
        }
        if let Some(t) = self.expires_at_most {
            let n = bind(":expires_max".into(), Value::Integer(t), &mut params);
            clauses.push(format!("(expires_at IS NOT NULL AND expires_at <= {n})"));
        }
        if self.no_expiry {
            clauses.push("expires_at IS NULL".into());
        }
        clauses.extend(self.guard.clause(&mut params));
        match self.liveness {
            Liveness::Live => clauses.push(LIVE_SQL.into()),
            Liveness::Expired => clauses.push(EXPIRED_SQL.into()),
            Liveness::All => {}
        }
        let sql = if clauses.is_empty() {
            "1".to_string()
        } else {
            clauses.join(" AND ")
        };
        // `:now` is passed only when the clause uses it: rusqlite refuses to bind a name
        // the statement does not have (callers that add `:now` elsewhere bind it again).
        if !sql.contains(":now") {
            params.retain(|(n, _)| n != ":now");
        }
        (sql, params)
    }
}

impl Selection {
    /// The selection one write batch of `rowids` applies: a guard lists only its rows
    /// among them (`guarded`: [`Guard::sorted_rows`]), so that no transaction parses the
    /// whole list (30,000 guarded rows made every batch of 16 rows take 20 to 45 ms).
    pub fn for_batch(&self, guarded: &[(i64, Ms)], rowids: &[i64]) -> Selection {
        let Guard::Apply { clock, .. } = &self.guard else {
            return self.clone();
        };
        let rows = rowids
            .iter()
            .filter_map(|id| {
                let i = guarded.binary_search_by_key(id, |g| g.0).ok()?;
                Some(guarded[i])
            })
            .collect();
        Selection {
            guard: Guard::Apply {
                clock: *clock,
                rows,
            },
            ..self.clone()
        }
    }
}

impl Guard {
    /// The guarded `(rowid, created_at)` rows, by rowid (for [`Selection::for_batch`]).
    pub fn sorted_rows(&self) -> Vec<(i64, Ms)> {
        match self {
            Guard::Apply { rows, .. } => {
                let mut rows = rows.clone();
                rows.sort_unstable();
                rows
            }
            _ => Vec::new(),
        }
    }

    /// The rewrite guard's clause, its parameters added to `params`.
    fn clause(&self, params: &mut Vec<(String, Value)>) -> Option<String> {
        match self {
            Guard::None => None,
            Guard::Plan => Some("created_at IS NOT NULL".into()),
            Guard::Apply { clock, rows } => {
                params.push((":guard_clock".into(), Value::Integer(*clock)));
                if rows.is_empty() {
                    return Some("created_at IS NOT NULL AND created_at < :guard_clock".into());
                }
                // Integers read from the database, never user text, inlined as VALUES:
                // a table-valued function here (json_each of a bound list) makes SQLite
                // keep a statement journal of every page a batch changes, a third more
                // time per batch.
                let listed: Vec<String> = rows.iter().map(|(r, c)| format!("({r}, {c})")).collect();
                Some(format!(
                    "created_at IS NOT NULL AND (created_at < :guard_clock OR (rowid, created_at) IN \
                     (VALUES {}))",
                    listed.join(", ")
                ))
            }
        }
    }
}

/// `--match GLOB` and `--where FIELD~GLOB`: `*` any run, `?` one character (a Unicode
/// scalar value); everything else literal and case-sensitive. The one definition: SQL
/// selection calls it as `statectl_glob` (see [`register_sql`]), never SQLite's
/// `GLOB`, which stops at a NUL (`"k\u{0}nul"` matched `?`) and knows `[...]`.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Makes [`glob`] callable from SQL on `conn` as `statectl_glob(pattern, text)`: every
/// connection a [`Selection`] runs on needs it (`Db::open` and the scratch tables do it).
/// A key that is not valid UTF-8 is matched as its lossy text, so it never blocks a
/// prune or expire of its namespace.
pub fn register_sql(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "statectl_glob",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let as_text = |i: usize| -> rusqlite::Result<Option<String>> {
                Ok(match ctx.get_raw(i) {
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(r) => Some(r.to_string()),
                })
            };
            Ok(match (as_text(0)?, as_text(1)?) {
                (Some(p), Some(t)) => glob(&p, &t),
                _ => false,
            })
        },
    )
}

/// One row of `plugin_state_entries`, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub plugin_id: String,
    pub namespace: String,
    pub key: String,
    pub value_json: String,
    pub created_at: Ms,
    pub expires_at: Option<Ms>,
    /// `value_json` holds a BLOB (`value_json` is then its bytes, lossily as text).
    pub blob: bool,
}

impl Entry {
    pub fn size_bytes(&self) -> usize {
        self.value_json.len()
    }
}

pub const ENTRY_COLUMNS: &str =
    "plugin_id, namespace, entry_key, value_json, created_at, expires_at";

pub(crate) fn text(v: ValueRef<'_>) -> String {
    text_ref(v).into_owned()
}

/// A stored text column as statectl reads it (invalid UTF-8 replaced, a number in its
/// decimal form), borrowed from the row where it can be.
pub(crate) fn text_ref(v: ValueRef<'_>) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match v {
        // `from_utf8` first: it is much faster than the lossy scan on valid text.
        ValueRef::Text(t) | ValueRef::Blob(t) => match std::str::from_utf8(t) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(t),
        },
        ValueRef::Integer(i) => Cow::Owned(i.to_string()),
        ValueRef::Real(f) => Cow::Owned(f.to_string()),
        ValueRef::Null => Cow::Borrowed(""),
    }
}

/// A stored `expires_at`. A REAL one (a non-STRICT table) is compared by the runtime
/// unrounded (`expires_at > now`): its ceiling gives the same answer for every whole
/// `now`, so liveness here is the runtime's (a truncated 1000.5 would be expired at
/// 1000, where the runtime still returns the row). A REAL beyond the safe range stays a
/// readable number.
pub(crate) fn expiry(v: ValueRef<'_>) -> Option<Ms> {
    match v {
        ValueRef::Real(f) => Some(f.ceil().clamp(
            -super::rules::MAX_SAFE_INTEGER as f64,
            super::rules::MAX_SAFE_INTEGER as f64,
        ) as Ms),
        v => int(v),
    }
}

/// A time of the summary: a REAL one (a non-STRICT legacy table) is read as a row is
/// read; TEXT or a BLOB stays the error that names the column and the value's type.
fn summary_time(
    r: &Row<'_>,
    i: usize,
    read: fn(ValueRef<'_>) -> Option<Ms>,
) -> rusqlite::Result<Option<Ms>> {
    match r.get_ref(i)? {
        ValueRef::Text(_) | ValueRef::Blob(_) => r.get(i),
        v => Ok(read(v)),
    }
}

pub(crate) fn int(v: ValueRef<'_>) -> Option<Ms> {
    match v {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(f) => Some(f as Ms),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// Reads an entry from a row whose first six columns are [`ENTRY_COLUMNS`]. Tolerates
/// the loose typing of a non-STRICT legacy table instead of failing the listing.
pub fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
    entry_at(row, 0)
}

/// Like [`entry_from_row`], with [`ENTRY_COLUMNS`] starting at column `at`.
pub fn entry_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Entry> {
    Ok(Entry {
        plugin_id: text(row.get_ref(at)?),
        namespace: text(row.get_ref(at + 1)?),
        key: text(row.get_ref(at + 2)?),
        value_json: text(row.get_ref(at + 3)?),
        created_at: int(row.get_ref(at + 4)?).unwrap_or(0),
        expires_at: expiry(row.get_ref(at + 5)?),
        blob: matches!(row.get_ref(at + 3)?, ValueRef::Blob(_)),
    })
}

/// The order entries are listed in, within each plugin and namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// The runtime's order: `created_at`, then key
    #[default]
    Runtime,
    /// By key (byte order)
    Key,
    /// Oldest first, by `created_at`
    Created,
    /// Soonest expiry first; rows without a TTL last
    Expires,
    /// Largest value first
    Size,
}

impl Order {
    fn sql(self) -> &'static str {
        match self {
            Order::Runtime | Order::Created => ORDER_SQL,
            Order::Key => "entry_key ASC",
            Order::Expires => "expires_at IS NULL, expires_at ASC, entry_key ASC",
            Order::Size => "length(CAST(value_json AS BLOB)) DESC, entry_key ASC",
        }
    }
}

/// Streams the selected entries in the runtime's order (per plugin and namespace:
/// `created_at`, then key) to `f`, at most `limit` of them.
pub fn for_each_entry(
    conn: &Connection,
    sel: &Selection,
    limit: Option<u64>,
    f: impl FnMut(Entry) -> Result<()>,
) -> Result<u64> {
    for_each_entry_in(conn, sel, Order::Runtime, limit, f)
}

/// Like [`for_each_entry`], in `order` within each plugin and namespace.
pub fn for_each_entry_in(
    conn: &Connection,
    sel: &Selection,
    order: Order,
    limit: Option<u64>,
    mut f: impl FnMut(Entry) -> Result<()>,
) -> Result<u64> {
    for_each_row(conn, sel, order, limit, |_, e| f(e))
}

/// The page cache of an export, in SQLite's negative KiB. An export walks the listing
/// index (`created_at` order within a namespace) and reads each row from the table in
/// that order, so it comes back to table pages: rows written in key order share them.
/// With SQLite's default 2 MiB a 30,000-row namespace on 4,286 pages took 19,231 page
/// reads; 16 MiB took 4,925, and a grouped 300,000-row export ran 0.64x `sqlite3`
/// instead of 0.77x. The cache fills to its size and no further, so memory stays flat.
/// `ls NAMESPACE` keeps SQLite's default: one namespace is too short for the re-reads
/// to outweigh the page faults of filling 16 MiB (0.67x to 0.79x `sqlite3` with the
/// default against 0.74x to 0.86x with 16 MiB, at 300,000 and 1,000,000 rows). `watch`
/// keeps it too: its snapshot sits beside the cache within its 64 MiB bound.
const EXPORT_CACHE_KIB: i64 = -16 * 1024;

/// Gives `conn` the page cache of an export ([`EXPORT_CACHE_KIB`]).
pub fn widen_cache_for_export(conn: &Connection) -> Result<()> {
    Ok(conn.pragma_update(None, "cache_size", EXPORT_CACHE_KIB)?)
}

/// Like [`for_each_entry_in`], with each entry's rowid. Decoded conditions (`--where`)
/// are applied here, after the SQL selection and before the limit.
pub fn for_each_row(
    conn: &Connection,
    sel: &Selection,
    order: Order,
    limit: Option<u64>,
    mut f: impl FnMut(i64, Entry) -> Result<()>,
) -> Result<u64> {
    let (where_sql, params) = sel.to_sql();
    let mut sql = format!(
        "SELECT rowid, {ENTRY_COLUMNS} FROM plugin_state_entries WHERE {where_sql} ORDER BY plugin_id, namespace, {}",
        order.sql()
    );
    let filtered = !sel.decoded.is_empty();
    let cx = if filtered {
        super::context::for_selection(conn, sel)?
    } else {
        Default::default()
    };
    if let Some(n) = limit
        && !filtered
    {
        sql.push_str(&format!(" LIMIT {n}"));
    }
    let mut stmt = conn.prepare(&sql)?;
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> = named(&params);
    let mut rows = stmt.query(bound.as_slice())?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        if limit.is_some_and(|n| count >= n) {
            break;
        }
        let e = entry_at(row, 1)?;
        if filtered
            && !sel
                .decoded
                .holds(&cx, &e.plugin_id, &e.namespace, &e.key, &e.value_json)
        {
            continue;
        }
        f(row.get(0)?, e)?;
        count += 1;
    }
    Ok(count)
}

/// Per-(plugin, namespace) figures for `statectl ls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceSummary {
    pub plugin_id: String,
    pub namespace: String,
    pub live: u64,
    pub expired: u64,
    pub no_expiry: u64,
    /// UTF-8 bytes of the values of the rows counted (live, or all with expired ones).
    pub bytes: u64,
    pub oldest_created_at: Option<Ms>,
    pub newest_created_at: Option<Ms>,
    /// The soonest expiry among live rows.
    pub next_expires_at: Option<Ms>,
}

/// One summary row per (plugin, namespace) that has any stored row. `bytes` and the
/// oldest/newest times cover live rows, or all rows with `include_expired`.
pub fn summarize(
    conn: &Connection,
    plugin: Option<&str>,
    now: Ms,
    include_expired: bool,
) -> Result<Vec<NamespaceSummary>> {
    let scope = if include_expired { "1" } else { LIVE_SQL };
    let sql = format!(
        "SELECT plugin_id, namespace,
                SUM({LIVE_SQL}), SUM({EXPIRED_SQL}), SUM(expires_at IS NULL),
                SUM(CASE WHEN {scope} THEN length(CAST(value_json AS BLOB)) ELSE 0 END),
                MIN(CASE WHEN {scope} THEN created_at END),
                MAX(CASE WHEN {scope} THEN created_at END),
                MIN(CASE WHEN expires_at > :now THEN expires_at END)
         FROM plugin_state_entries
         WHERE (:plugin IS NULL OR plugin_id = :plugin)
         GROUP BY plugin_id, namespace
         ORDER BY plugin_id, namespace"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        rusqlite::named_params! {":now": now, ":plugin": plugin},
        |r| {
            Ok(NamespaceSummary {
                plugin_id: text(r.get_ref(0)?),
                namespace: text(r.get_ref(1)?),
                live: r.get::<_, i64>(2)? as u64,
                expired: r.get::<_, i64>(3)? as u64,
                no_expiry: r.get::<_, i64>(4)? as u64,
                bytes: r.get::<_, i64>(5)? as u64,
                oldest_created_at: summary_time(r, 6, int)?,
                newest_created_at: summary_time(r, 7, int)?,
                next_expires_at: summary_time(r, 8, expiry)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The rows a mutation would touch in one (plugin, namespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanGroup {
    pub plugin_id: String,
    pub namespace: String,
    pub rows: u64,
    /// Of `rows`, how many are live at the selection's `now`.
    pub live: u64,
    /// The first few keys, in runtime order.
    pub sample: Vec<String>,
    /// With decoded conditions: exactly the rows to change, as the plan found them.
    pub rowids: Option<Vec<i64>>,
}

/// Counts the selected rows per (plugin, namespace), with a sample of keys, and the
/// newest `created_at` among them.
pub fn plan(
    conn: &Connection,
    sel: &Selection,
    sample: usize,
) -> Result<(Vec<PlanGroup>, Option<Ms>)> {
    if !sel.decoded.is_empty() {
        return plan_decoded(conn, sel, sample);
    }
    let (where_sql, params) = sel.to_sql();
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> = named(&params);
    let mut params_now = bound.clone();
    if !where_sql.contains(":now") {
        params_now.push((":now", &sel.now));
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT plugin_id, namespace, COUNT(*), SUM({LIVE_SQL}), MAX(created_at)
         FROM plugin_state_entries WHERE {where_sql}
         GROUP BY plugin_id, namespace ORDER BY plugin_id, namespace"
    ))?;
    let mut groups = Vec::new();
    let mut newest: Option<Ms> = None;
    let mut rows = stmt.query(params_now.as_slice())?;
    while let Some(r) = rows.next()? {
        let created: Option<Ms> = r.get(4)?;
        newest = newest.max(created);
        groups.push(PlanGroup {
            plugin_id: text(r.get_ref(0)?),
            namespace: text(r.get_ref(1)?),
            rows: r.get::<_, i64>(2)? as u64,
            live: r.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64,
            sample: Vec::new(),
            rowids: None,
        });
    }
    add_samples(conn, sel, &mut groups, sample)?;
    Ok((groups, newest))
}

/// Each group's first `sample` keys of the selection, in runtime order.
fn add_samples(
    conn: &Connection,
    sel: &Selection,
    groups: &mut [PlanGroup],
    sample: usize,
) -> Result<()> {
    for g in groups {
        let one = Selection {
            plugin: Some(g.plugin_id.clone()),
            namespaces: vec![g.namespace.clone()],
            ..sel.clone()
        };
        for_each_entry(conn, &one, Some(sample as u64), |e| {
            g.sample.push(e.key);
            Ok(())
        })?;
    }
    Ok(())
}

/// A plan's groups, its guarded `(rowid, created_at)` rows, its NULL-`created_at` count.
pub type PlanScan = (Vec<PlanGroup>, Vec<(i64, Ms)>, u64);

/// What a write's plan reads, in one scan of the selected rows (without decoded
/// conditions): the groups with their sample keys, the rows created at or after `clock`
/// (guarded one by one) and the count of rows with a NULL `created_at` (skipped).
/// One pass instead of three: on a large database each is a full read of the rows.
pub fn plan_scan(conn: &Connection, sel: &Selection, sample: usize, clock: Ms) -> Result<PlanScan> {
    let all = Selection {
        guard: Guard::None,
        ..sel.clone()
    };
    let (where_sql, params) = all.to_sql();
    let mut bound: Vec<(&str, &dyn rusqlite::ToSql)> = named(&params);
    if !where_sql.contains(":now") {
        bound.push((":now", &sel.now));
    }
    // A selection over every namespace reads the table in rowid order: through an
    // index (the expiry one, for --expired) every row would cost a random table read
    // (2.0 s against 0.8 s for 300,000 expired rows of 1,000,000).
    let hint = if sel.plugin.is_none() && sel.namespaces.is_empty() {
        "NOT INDEXED"
    } else {
        ""
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT rowid, plugin_id, namespace, created_at, {LIVE_SQL} FROM plugin_state_entries {hint} WHERE {where_sql}"
    ))?;
    // (rows, live) per plugin, then namespace: byte order, as SQL's ORDER BY.
    let mut counts: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, (u64, u64)>,
    > = Default::default();
    let (mut guarded, mut no_created) = (Vec::new(), 0u64);
    let mut rows = stmt.query(bound.as_slice())?;
    while let Some(r) = rows.next()? {
        let Some(created) = r.get::<_, Option<Ms>>(3)? else {
            no_created += 1;
            continue;
        };
        if created >= clock {
            guarded.push((r.get(0)?, created));
        }
        let (plugin, ns) = (text_ref(r.get_ref(1)?), text_ref(r.get_ref(2)?));
        let per_ns = match counts.get_mut(plugin.as_ref()) {
            Some(m) => m,
            None => counts.entry(plugin.into_owned()).or_default(),
        };
        let c = match per_ns.get_mut(ns.as_ref()) {
            Some(c) => c,
            None => per_ns.entry(ns.into_owned()).or_default(),
        };
        c.0 += 1;
        c.1 += u64::from(r.get::<_, Option<i64>>(4)?.unwrap_or(0) != 0);
    }
    let mut groups = Vec::new();
    for (plugin_id, per_ns) in counts {
        for (namespace, (rows, live)) in per_ns {
            groups.push(PlanGroup {
                plugin_id: plugin_id.clone(),
                namespace,
                rows,
                live,
                sample: Vec::new(),
                rowids: None,
            });
        }
    }
    add_samples(conn, sel, &mut groups, sample)?;
    Ok((groups, guarded, no_created))
}

/// (plugin, namespace, rows, up to three keys) of a namespace the runtime cannot list.
pub type UnreadableNs = (String, String, u64, Vec<String>);

/// The rows of one (plugin, namespace) the runtime can no longer list (a time beyond
/// `MAX_SAFE_INTEGER`, `rules::UNREADABLE_TIME_SQL`): how many, and the first three
/// keys in key order. `check` tallies them in its pass over the table (`store::scan`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub rows: u64,
    pub keys: Vec<String>,
}

impl Unreadable {
    /// One more such row.
    pub fn add(&mut self, key: String) {
        self.rows += 1;
        self.keep(key);
    }

    /// Adds the rows another part of the table found.
    pub fn merge(&mut self, other: Unreadable) {
        self.rows += other.rows;
        for k in other.keys {
            self.keep(k);
        }
    }

    /// The first three keys in key order.
    fn keep(&mut self, key: String) {
        let at = self.keys.partition_point(|x| x.as_bytes() < key.as_bytes());
        if at < 3 {
            self.keys.insert(at, key);
            self.keys.truncate(3);
        }
    }
}

/// Rows of a write's selection whose `created_at` is NULL (hand-made tables): a write
/// skips them, and says so.
pub fn count_null_created(conn: &Connection, sel: &Selection) -> Result<u64> {
    let one = Selection {
        guard: Guard::None,
        ..sel.clone()
    };
    let (where_sql, params) = one.to_sql();
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> = named(&params);
    let n: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM plugin_state_entries WHERE created_at IS NULL AND {where_sql}"
        ),
        bound.as_slice(),
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// `(rowid, created_at)` of the rows of `sel` created at or after `clock`: the rows a
/// write's [`Guard::Apply`] lists one by one.
pub fn created_at_or_after(
    conn: &Connection,
    sel: &Selection,
    clock: Ms,
) -> Result<Vec<(i64, Ms)>> {
    let (where_sql, mut params) = sel.to_sql();
    params.push((":guard_from".into(), Value::Integer(clock)));
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> = named(&params);
    let mut stmt = conn.prepare(&format!(
        "SELECT rowid, created_at FROM plugin_state_entries WHERE created_at >= :guard_from AND {where_sql}"
    ))?;
    let rows = stmt
        .query_map(bound.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The plan of a selection with decoded conditions: the rows are found in Rust, and
/// their rowids are what the batches change, so a dry run and the real run agree.
fn plan_decoded(
    conn: &Connection,
    sel: &Selection,
    sample: usize,
) -> Result<(Vec<PlanGroup>, Option<Ms>)> {
    let mut groups: Vec<PlanGroup> = Vec::new();
    let mut newest: Option<Ms> = None;
    for_each_row(conn, sel, Order::Runtime, None, |rowid, e| {
        newest = newest.max(Some(e.created_at));
        let live = super::rules::is_live(e.expires_at, sel.now);
        let g = match groups.last_mut() {
            Some(g) if g.plugin_id == e.plugin_id && g.namespace == e.namespace => g,
            _ => {
                groups.push(PlanGroup {
                    plugin_id: e.plugin_id.clone(),
                    namespace: e.namespace.clone(),
                    rows: 0,
                    live: 0,
                    sample: Vec::new(),
                    rowids: Some(Vec::new()),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        g.rows += 1;
        g.live += live as u64;
        if g.sample.len() < sample {
            g.sample.push(e.key);
        }
        if let Some(ids) = g.rowids.as_mut() {
            ids.push(rowid);
        }
        Ok(())
    })?;
    Ok((groups, newest))
}

/// The plugins under which a namespace exists (namespaces are unique only per plugin).
pub fn plugins_of_namespace(conn: &Connection, namespace: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT plugin_id FROM plugin_state_entries WHERE namespace = ?1 ORDER BY plugin_id",
    )?;
    let rows = stmt.query_map([namespace], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// How many rows `sel` matches.
pub fn count(conn: &Connection, sel: &Selection) -> Result<u64> {
    let (where_sql, params) = sel.to_sql();
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> = named(&params);
    let n: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM plugin_state_entries WHERE {where_sql}"),
        bound.as_slice(),
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Live rows per plugin, across all its namespaces (what a per-plugin cap counts).
///
/// It reads the table in rowid order, not through the listing index: per-plugin caps
/// exist only in schemas whose listing index lacks `expires_at` (before 2026.9), where
/// the index order costs one table lookup per row, a random read when rows of many
/// namespaces share the table's pages (3.5 s against 0.9 s at 1,000,000 such rows).
pub fn plugin_live_counts(
    conn: &Connection,
    now: Ms,
) -> Result<std::collections::BTreeMap<String, u64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT plugin_id, COUNT(*) FROM plugin_state_entries NOT INDEXED WHERE {LIVE_SQL} GROUP BY plugin_id"
    ))?;
    let rows = stmt.query_map(rusqlite::named_params! {":now": now}, |r| {
        Ok((text(r.get_ref(0)?), r.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every key of a namespace (under `plugin`, when given), in byte order.
pub fn keys_of(conn: &Connection, plugin: Option<&str>, namespace: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT entry_key FROM plugin_state_entries
         WHERE namespace = ?1 AND (?2 IS NULL OR plugin_id = ?2) ORDER BY entry_key",
    )?;
    let rows = stmt.query_map(rusqlite::params![namespace, plugin], |r| {
        Ok(text(r.get_ref(0)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Up to `limit` keys of a namespace starting with `prefix`, in byte order (completion).
pub fn keys_starting(
    conn: &Connection,
    plugin: Option<&str>,
    namespace: &str,
    prefix: &str,
    limit: u32,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT entry_key FROM plugin_state_entries
         WHERE namespace = ?1 AND (?2 IS NULL OR plugin_id = ?2)
           AND substr(entry_key, 1, length(?3)) = ?3
         ORDER BY entry_key LIMIT ?4",
    )?;
    let rows = stmt.query_map(rusqlite::params![namespace, plugin, prefix, limit], |r| {
        Ok(text(r.get_ref(0)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `PLUGIN/NAMESPACE` of every namespace that has `key`.
pub fn namespaces_with_key(conn: &Connection, key: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT plugin_id, namespace FROM plugin_state_entries WHERE entry_key = ?1 ORDER BY 1, 2 LIMIT 5",
    )?;
    let rows = stmt.query_map([key], |r| {
        Ok(format!("{}/{}", text(r.get_ref(0)?), text(r.get_ref(1)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Total rows and live rows in the table.
pub fn row_counts(conn: &Connection, now: Ms) -> Result<(u64, u64)> {
    let (total, live): (i64, Option<i64>) = conn.query_row(
        &format!("SELECT COUNT(*), SUM({LIVE_SQL}) FROM plugin_state_entries"),
        rusqlite::named_params! {":now": now},
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((total as u64, live.unwrap_or(0) as u64))
}

/// Every (plugin, namespace) with its row count, live or not.
pub fn namespace_row_counts(conn: &Connection) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT plugin_id, namespace, COUNT(*) FROM plugin_state_entries GROUP BY plugin_id, namespace",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_lists_only_its_own_guarded_rows() {
        let sel = Selection {
            guard: Guard::Apply {
                clock: 100,
                rows: vec![(9, 200), (3, 150), (7, 300)],
            },
            ..Selection::default()
        };
        let guarded = sel.guard.sorted_rows();
        assert_eq!(guarded, [(3, 150), (7, 300), (9, 200)]);
        let batch = sel.for_batch(&guarded, &[1, 7, 3, 8]);
        assert_eq!(
            batch.guard,
            Guard::Apply {
                clock: 100,
                rows: vec![(7, 300), (3, 150)]
            }
        );
        let (sql, _) = batch.to_sql();
        assert!(sql.contains("VALUES (7, 300), (3, 150)"), "{sql}");
        let none = sel.for_batch(&guarded, &[1, 2]).to_sql().0;
        assert!(!none.contains("VALUES"), "{none}");
        let plain = Selection::default();
        assert_eq!(plain.for_batch(&[], &[1]).to_sql().0, plain.to_sql().0);
    }

    fn db(rows: &[(&str, &str, &str, i64, Option<i64>)]) -> Connection {
        let c = Connection::open_in_memory().unwrap();
        register_sql(&c).unwrap();
        c.execute_batch(
            "CREATE TABLE plugin_state_entries (plugin_id TEXT NOT NULL, namespace TEXT NOT NULL,
             entry_key TEXT NOT NULL, value_json TEXT NOT NULL, created_at INTEGER NOT NULL,
             expires_at INTEGER, PRIMARY KEY (plugin_id, namespace, entry_key));",
        )
        .unwrap();
        for (p, n, k, c_at, e_at) in rows {
            c.execute(
                "INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, '{}', ?4, ?5)",
                rusqlite::params![p, n, k, c_at, e_at],
            )
            .unwrap();
        }
        c
    }

    fn keys(c: &Connection, sel: &Selection) -> Vec<String> {
        let mut out = Vec::new();
        for_each_entry(c, sel, None, |e| {
            out.push(e.key);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn unreadable_rows_keep_the_first_three_keys_over_every_part() {
        let part = |keys: &[&str]| {
            let mut u = Unreadable::default();
            keys.iter().for_each(|k| u.add(k.to_string()));
            u
        };
        let mut u = part(&["k5", "k2", "k9"]);
        u.merge(part(&["k1", "k7"]));
        assert_eq!(
            (u.rows, u.keys),
            (5, vec!["k1".into(), "k2".into(), "k5".into()])
        );
    }

    #[test]
    fn live_rows_in_runtime_order_and_expiry_boundary() {
        let c = db(&[
            ("p", "n", "b", 10, None),
            ("p", "n", "a", 10, Some(100)),
            ("p", "n", "c", 5, Some(101)),
        ]);
        let sel = Selection {
            now: 100,
            ..Default::default()
        };
        assert_eq!(keys(&c, &sel), ["c", "b"], "a expires exactly at now");
        let all = Selection {
            liveness: Liveness::All,
            ..sel.clone()
        };
        assert_eq!(keys(&c, &all), ["c", "a", "b"]);
        let expired = Selection {
            liveness: Liveness::Expired,
            ..sel
        };
        assert_eq!(keys(&c, &expired), ["a"]);
    }

    #[test]
    fn key_filters_are_literal_and_case_sensitive() {
        let c = db(&[
            ("p", "n", "a%b", 1, None),
            ("p", "n", "aXb", 2, None),
            ("p", "n", "A%b", 3, None),
            ("p", "n", "[x]1", 4, None),
            ("p", "n", "x1", 5, None),
        ]);
        let base = Selection::default();
        let prefix = Selection {
            prefix: Some("a%".into()),
            ..base.clone()
        };
        assert_eq!(keys(&c, &prefix), ["a%b"]);
        let glob = Selection {
            glob: Some("[x]?".into()),
            ..base.clone()
        };
        assert_eq!(keys(&c, &glob), ["[x]1"]);
        let star = Selection {
            glob: Some("a*".into()),
            ..base
        };
        assert_eq!(keys(&c, &star), ["a%b", "aXb"]);
    }

    #[test]
    fn time_filters_select_by_created_and_expiry() {
        let c = db(&[
            ("p", "n", "old", 100, None),
            ("p", "n", "mid", 200, Some(1_000)),
            ("p", "n", "new", 300, Some(5_000)),
        ]);
        let base = Selection {
            now: 400,
            ..Default::default()
        };
        let older = Selection {
            created_at_most: Some(200),
            ..base.clone()
        };
        assert_eq!(keys(&c, &older), ["old", "mid"]);
        let newer = Selection {
            created_after: Some(200),
            ..base.clone()
        };
        assert_eq!(keys(&c, &newer), ["new"]);
        let soon = Selection {
            expires_at_most: Some(1_000),
            ..base.clone()
        };
        assert_eq!(keys(&c, &soon), ["mid"]);
        let forever = Selection {
            no_expiry: true,
            ..base
        };
        assert_eq!(keys(&c, &forever), ["old"]);
    }

    #[test]
    fn summary_counts_live_expired_and_no_expiry() {
        let c = db(&[
            ("p", "n", "a", 1, None),
            ("p", "n", "b", 2, Some(50)),
            ("p", "n", "c", 3, Some(500)),
            ("q", "n", "a", 4, None),
        ]);
        let s = summarize(&c, None, 100, false).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].live, s[0].expired, s[0].no_expiry), (2, 1, 1));
        assert_eq!(
            (s[0].oldest_created_at, s[0].newest_created_at),
            (Some(1), Some(3))
        );
        assert_eq!(s[0].next_expires_at, Some(500));
        assert_eq!(s[0].bytes, 4);
        assert_eq!(plugins_of_namespace(&c, "n").unwrap(), ["p", "q"]);
    }
}
