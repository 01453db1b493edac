//! Capacity: how full each plugin and namespace is against the runtime's caps, how fast
//! it fills, what the runtime does when it gets there, the largest values, and where the
//! file's bytes are. The SQL is here; the forecast and the cap-deadlock rule are pure
//! functions over the scan, so `top` and `check` share one definition.

use super::known::{self, Overflow, Policy, PruneSafety};
use super::rules::{AtCap, LISTING_INDEX_NAME, LIVE_SQL, PluginCap, RuleSet, StoredTimes};
use crate::error::Result;
use crate::timefmt::Ms;
use rusqlite::Connection;
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;

pub const HOUR: Ms = 3_600_000;
pub const DAY: Ms = 24 * HOUR;
pub const WEEK: Ms = 7 * DAY;
/// Hours of write history behind a sparkline.
pub const SPARK_HOURS: usize = 48;

/// The forecast's definition, printed by `top --help` and in its footnote.
pub const FORECAST_DEFINITION: &str = "Forecast over a window W (--window, default 24h): writes = live rows whose created_at \
falls in the last W (now-W < created_at <= now; a rewrite resets created_at, so it counts as a write), expiries = rows \
whose expires_at falls in the next W (now < expires_at <= now+W); net growth = (writes - expiries) / W; \
time-to-full = headroom / net growth when that is positive, else \"not filling\". A row written and already expired \
within the last W counts as neither. Headroom is maxEntries - live for a namespace and the version's cap - live for \
a plugin. --sample DUR instead takes a second snapshot DUR later and uses the measured change of live rows.";

/// What the forecast cannot see, stated under every forecast.
pub const FORECAST_BLIND_SPOTS: &str = "Blind spots: rows evicted or deleted in the window leave no trace, and rewrites of \
existing keys look like growth.";

/// The cap-deadlock rule in words (see [`find_deadlocks`]).
pub const DEADLOCK_DEFINITION: &str = "Cap deadlock: a plugin at or near its version's live-row cap (95%, or full \
within W) while one of its namespaces grows, where the runtime cannot make room: 2026.5.6 fails every write at \
the cap; later capped versions evict only in the namespace written, so a growing namespace loses its own oldest \
rows and a new namespace cannot be written at all, and 2026.8 refuses reject-new namespaces. The namespace named \
to prune is the largest other one that may be pruned (prune safety not never). A legacy file may be 2026.5.6's \
(cap 1,000) or 2026.5.28's (cap 50,000): both are judged.";

/// Per-(plugin, namespace) figures from one pass over the table, at `now` over a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NsScan {
    pub plugin_id: String,
    pub namespace: String,
    pub live: u64,
    pub expired: u64,
    pub no_expiry: u64,
    /// UTF-8 bytes of the keys and values of live rows.
    pub bytes: u64,
    /// The largest live `value_json` in UTF-8 bytes.
    pub largest_value: u64,
    /// Live rows created in the last hour, day and window.
    pub writes_1h: u64,
    pub writes_24h: u64,
    pub writes_window: u64,
    /// Rows whose expiry falls in the next hour, day, week and window.
    pub expiring_1h: u64,
    pub expiring_24h: u64,
    pub expiring_7d: u64,
    pub expiring_window: u64,
}

/// The forecast's writes: live rows created in the last `:window` ms.
pub const WRITTEN_IN_WINDOW_SQL: &str = "((expires_at IS NULL OR expires_at > :now) AND created_at > :now - :window AND created_at <= :now)";
/// The forecast's expiries: rows whose expiry falls in the next `:window` ms.
pub const EXPIRING_IN_WINDOW_SQL: &str = "(expires_at > :now AND expires_at <= :now + :window)";

/// [`WRITTEN_IN_WINDOW_SQL`] of one row's stored times.
pub fn written_in_window(t: &StoredTimes<'_>, now: Ms, window: Ms) -> bool {
    t.live(now) && t.created_in(now.saturating_sub(window), now)
}

/// [`EXPIRING_IN_WINDOW_SQL`] of one row's stored times.
pub fn expiring_in_window(t: &StoredTimes<'_>, now: Ms, window: Ms) -> bool {
    t.expires_in(now, now.saturating_add(window))
}

/// One pass over `plugin_state_entries` (of one plugin, when given), grouped by
/// (plugin, namespace). `window` is the forecast's W.
pub fn scan(conn: &Connection, now: Ms, window: Ms, plugin: Option<&str>) -> Result<Vec<NsScan>> {
    // One definition of each, with the window's length substituted for 1 h, 24 h, 7 d.
    let written = |span: &str| {
        format!(
            "count(*) FILTER (WHERE {})",
            WRITTEN_IN_WINDOW_SQL.replace(":window", span)
        )
    };
    let expiring = |span: &str| {
        format!(
            "count(*) FILTER (WHERE {})",
            EXPIRING_IN_WINDOW_SQL.replace(":window", span)
        )
    };
    let sql = format!(
        "SELECT plugin_id, namespace,
                count(*) FILTER (WHERE {LIVE_SQL}),
                count(*) FILTER (WHERE expires_at <= :now),
                count(*) FILTER (WHERE expires_at IS NULL),
                total(octet_length(entry_key) + octet_length(value_json)) FILTER (WHERE {LIVE_SQL}),
                max(octet_length(value_json)) FILTER (WHERE {LIVE_SQL}),
                {}, {}, {}, {}, {}, {}, {}
         FROM plugin_state_entries {}
         GROUP BY plugin_id, namespace",
        written(&HOUR.to_string()),
        written(&DAY.to_string()),
        written(":window"),
        expiring(&HOUR.to_string()),
        expiring(&DAY.to_string()),
        expiring(&WEEK.to_string()),
        expiring(":window"),
        if plugin.is_some() {
            "WHERE plugin_id = :plugin"
        } else {
            ""
        },
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = vec![(":now", &now), (":window", &window)];
    if let Some(p) = &plugin {
        params.push((":plugin", p));
    }
    let rows = stmt.query_map(params.as_slice(), |r| {
        let n = |i| {
            r.get::<_, Option<i64>>(i)
                .map(|v| v.unwrap_or(0).max(0) as u64)
        };
        Ok(NsScan {
            plugin_id: super::query::text(r.get_ref(0)?),
            namespace: super::query::text(r.get_ref(1)?),
            live: n(2)?,
            expired: n(3)?,
            no_expiry: n(4)?,
            bytes: r.get::<_, f64>(5)? as u64,
            largest_value: n(6)?,
            writes_1h: n(7)?,
            writes_24h: n(8)?,
            writes_window: n(9)?,
            expiring_1h: n(10)?,
            expiring_24h: n(11)?,
            expiring_7d: n(12)?,
            expiring_window: n(13)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Live rows created per hour over the last [`SPARK_HOURS`] hours, per namespace; index
/// 0 is the hour ending at `now`. Reads only the listing index's columns.
pub fn writes_per_hour(
    conn: &Connection,
    now: Ms,
    plugin: Option<&str>,
) -> Result<HashMap<(String, String), [u64; SPARK_HOURS]>> {
    let sql = format!(
        "SELECT plugin_id, namespace, (:now - created_at) / {HOUR}, count(*)
         FROM plugin_state_entries
         WHERE created_at > :now - {} AND created_at <= :now AND {LIVE_SQL} {}
         GROUP BY 1, 2, 3",
        HOUR * SPARK_HOURS as Ms,
        if plugin.is_some() {
            "AND plugin_id = :plugin"
        } else {
            ""
        }
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = vec![(":now", &now)];
    if let Some(p) = &plugin {
        params.push((":plugin", p));
    }
    let mut out: HashMap<(String, String), [u64; SPARK_HOURS]> = HashMap::new();
    let mut rows = stmt.query(params.as_slice())?;
    while let Some(r) = rows.next()? {
        let key = (
            super::query::text(r.get_ref(0)?),
            super::query::text(r.get_ref(1)?),
        );
        let hour = r.get::<_, i64>(2)?.clamp(0, SPARK_HOURS as i64 - 1) as usize;
        out.entry(key).or_insert([0; SPARK_HOURS])[hour] += r.get::<_, i64>(3)? as u64;
    }
    Ok(out)
}

/// When a limit is reached at the current rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FullIn {
    /// At or above the limit now.
    Full,
    /// Reached in this many ms.
    In(Ms),
    /// Net growth is zero or negative.
    NotFilling,
    /// There is no limit to reach.
    NoLimit,
}

impl FullIn {
    pub fn as_str(self) -> &'static str {
        match self {
            FullIn::Full => "full",
            FullIn::In(_) => "filling",
            FullIn::NotFilling => "not_filling",
            FullIn::NoLimit => "no_limit",
        }
    }
    pub fn ms(self) -> Option<Ms> {
        match self {
            FullIn::Full => Some(0),
            FullIn::In(t) => Some(t),
            _ => None,
        }
    }
    /// Full now, or full within `within` ms.
    pub fn within(self, within: Ms) -> bool {
        self.ms().is_some_and(|t| t <= within)
    }
}

/// The forecast: time until `live` reaches `limit` when `writes` rows were written in
/// the last `window` ms and `expiries` rows expire in the next `window` ms.
pub fn time_to_full(
    limit: Option<u64>,
    live: u64,
    writes: u64,
    expiries: u64,
    window: Ms,
) -> FullIn {
    let Some(limit) = limit else {
        return FullIn::NoLimit;
    };
    if live >= limit {
        return FullIn::Full;
    }
    let net = i128::from(writes) - i128::from(expiries);
    if net <= 0 || window <= 0 {
        return FullIn::NotFilling;
    }
    let headroom = i128::from(limit - live);
    FullIn::In((headroom * i128::from(window) / net).min(i128::from(Ms::MAX)) as Ms)
}

/// A plugin against one version's cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapState {
    pub cap: PluginCap,
    pub headroom: u64,
    pub full_in: FullIn,
}

impl CapState {
    pub fn fill_pct(&self, live: u64) -> u64 {
        live * 100 / self.cap.cap.max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginCapacity {
    pub plugin_id: String,
    pub live: u64,
    pub namespaces: usize,
    pub writes_window: u64,
    pub expiring_window: u64,
    /// One per cap the rule set knows (two for a legacy file, none for 2026.9).
    pub caps: Vec<CapState>,
}

impl PluginCapacity {
    /// The strictest cap's forecast.
    pub fn full_in(&self) -> FullIn {
        self.caps.first().map_or(FullIn::NoLimit, |c| c.full_in)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsCapacity {
    pub scan: NsScan,
    pub policy: Policy,
    /// `maxEntries - live` when maxEntries is known.
    pub headroom: Option<u64>,
    /// Against the namespace's own maxEntries.
    pub full_in: FullIn,
    /// The earlier of `full_in` and the plugin's strictest cap, and which it is.
    pub first_full: FullIn,
    pub first_full_by: Limit,
}

/// Which limit a forecast is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Namespace,
    Plugin,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Namespace => "namespace",
            Limit::Plugin => "plugin",
        }
    }
}

impl NsCapacity {
    /// Net rows per window: writes minus expiries.
    pub fn net(&self) -> i64 {
        self.scan.writes_window as i64 - self.scan.expiring_window as i64
    }
    pub fn fill_pct(&self) -> Option<u64> {
        self.policy
            .max_entries
            .filter(|m| *m > 0)
            .map(|m| self.scan.live * 100 / m)
    }
    pub fn policy_str(&self) -> &'static str {
        overflow_str(self.policy.overflow)
    }
}

pub fn overflow_str(o: Overflow) -> &'static str {
    match o {
        Overflow::EvictOldest => "evict",
        Overflow::RejectNew => "reject",
        Overflow::Retained => "retained",
        Overflow::Unknown => "-",
    }
}

/// A plugin at or near a cap whose growing namespaces cannot get room: the runtime
/// evicts only in the namespace written (or not at all, or refuses reject-new), while
/// the room is held by other namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlock {
    pub plugin_id: String,
    pub cap: PluginCap,
    pub live: u64,
    /// Namespaces that grew in the window (writes above expiries), largest growth first.
    pub growing: Vec<String>,
    /// The namespace whose rows to prune to make room, and its live rows.
    pub prune: Option<(String, u64, PruneSafety)>,
    /// One line for people.
    pub message: String,
}

/// Everything `top` shows and `check` judges, from one scan.
#[derive(Debug, Clone)]
pub struct Capacity {
    pub now: Ms,
    pub window: Ms,
    pub rules: RuleSet,
    /// Sorted by urgency.
    pub plugins: Vec<PluginCapacity>,
    /// Sorted by urgency.
    pub namespaces: Vec<NsCapacity>,
    pub deadlocks: Vec<Deadlock>,
}

/// A plugin counts as near its cap from this share of it (or when it fills within the window).
pub const NEAR_CAP_PCT: u64 = 95;

/// Turns a scan into capacities, forecasts and deadlocks under `rules`.
pub fn assess(scans: Vec<NsScan>, rules: RuleSet, now: Ms, window: Ms, near_pct: u64) -> Capacity {
    let (mut by_plugin, index) = plugin_totals(&scans, &rules, window);
    let mut namespaces: Vec<NsCapacity> = scans
        .into_iter()
        .map(|s| {
            let policy = known::policy(&s.plugin_id, &s.namespace);
            let full_in = time_to_full(
                policy.max_entries,
                s.live,
                s.writes_window,
                s.expiring_window,
                window,
            );
            let plugin_full = by_plugin[index[&s.plugin_id]].full_in();
            let (first_full, first_full_by) = if plugin_full < full_in {
                (plugin_full, Limit::Plugin)
            } else {
                (full_in, Limit::Namespace)
            };
            NsCapacity {
                headroom: policy.max_entries.map(|m| m.saturating_sub(s.live)),
                scan: s,
                policy,
                full_in,
                first_full,
                first_full_by,
            }
        })
        .collect();
    let deadlocks = find_deadlocks(&by_plugin, &namespaces, window, near_pct);
    sort_by_urgency(&mut by_plugin, &mut namespaces);
    Capacity {
        now,
        window,
        rules,
        plugins: by_plugin,
        namespaces,
        deadlocks,
    }
}

/// Each plugin's totals over its namespaces and its state against every cap of `rules`,
/// in the scan's order, with the index of each plugin id.
fn plugin_totals(
    scans: &[NsScan],
    rules: &RuleSet,
    window: Ms,
) -> (Vec<PluginCapacity>, HashMap<String, usize>) {
    let mut by_plugin: Vec<PluginCapacity> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for s in scans {
        let i = *index.entry(s.plugin_id.clone()).or_insert_with(|| {
            by_plugin.push(PluginCapacity {
                plugin_id: s.plugin_id.clone(),
                live: 0,
                namespaces: 0,
                writes_window: 0,
                expiring_window: 0,
                caps: Vec::new(),
            });
            by_plugin.len() - 1
        });
        let p = &mut by_plugin[i];
        p.live += s.live;
        p.namespaces += 1;
        p.writes_window += s.writes_window;
        p.expiring_window += s.expiring_window;
    }
    for p in &mut by_plugin {
        p.caps = rules
            .plugin_caps
            .iter()
            .map(|c| CapState {
                cap: *c,
                headroom: c.cap.saturating_sub(p.live),
                full_in: time_to_full(
                    Some(c.cap),
                    p.live,
                    p.writes_window,
                    p.expiring_window,
                    window,
                ),
            })
            .collect();
    }
    (by_plugin, index)
}

/// Soonest full first; then the fuller, the larger, and by name.
fn sort_by_urgency(plugins: &mut [PluginCapacity], namespaces: &mut [NsCapacity]) {
    plugins.sort_by(|a, b| {
        a.full_in()
            .cmp(&b.full_in())
            .then(b.live.cmp(&a.live))
            .then(a.plugin_id.cmp(&b.plugin_id))
    });
    namespaces.sort_by(|a, b| {
        a.first_full
            .cmp(&b.first_full)
            .then(b.fill_pct().cmp(&a.fill_pct()))
            .then(b.scan.live.cmp(&a.scan.live))
            .then(a.scan.plugin_id.cmp(&b.scan.plugin_id))
            .then(a.scan.namespace.cmp(&b.scan.namespace))
    });
}

/// The cap-deadlock rule: for every cap of the rule set, a plugin at or above
/// `near_pct`% of it (or forecast to fill within the window) with a namespace that grew
/// in the window, where the runtime cannot make room for that growth: it fails the write
/// (2026.5.6), refuses a reject-new namespace (2026.8), or evicts only in the namespace
/// written while other namespaces hold the room. Names the namespace to prune: the
/// largest other namespace that a prune may touch (not `never`), else the largest.
pub fn find_deadlocks(
    plugins: &[PluginCapacity],
    namespaces: &[NsCapacity],
    window: Ms,
    near_pct: u64,
) -> Vec<Deadlock> {
    let mut out = Vec::new();
    for p in plugins {
        let mine: Vec<&NsCapacity> = namespaces
            .iter()
            .filter(|n| n.scan.plugin_id == p.plugin_id)
            .collect();
        let mut growing: Vec<&NsCapacity> = mine.iter().copied().filter(|n| n.net() > 0).collect();
        growing.sort_by(|a, b| {
            b.net()
                .cmp(&a.net())
                .then(a.scan.namespace.cmp(&b.scan.namespace))
        });
        for c in &p.caps {
            let near = p.live * 100 >= c.cap.cap * near_pct || c.full_in.within(window);
            if !near || growing.is_empty() {
                continue;
            }
            let others_hold = |g: &NsCapacity| p.live > g.scan.live;
            let stuck: Vec<&NsCapacity> = growing
                .iter()
                .copied()
                .filter(|g| match c.cap.at_cap {
                    AtCap::WriteFails => true,
                    AtCap::EvictWrittenNamespace { reject_new_refused } => {
                        (reject_new_refused && g.policy.overflow == Overflow::RejectNew)
                            || others_hold(g)
                    }
                })
                .collect();
            if stuck.is_empty() {
                continue;
            }
            let prune = prune_target(&mine, &stuck);
            let names: Vec<String> = stuck.iter().map(|g| g.scan.namespace.clone()).collect();
            out.push(Deadlock {
                plugin_id: p.plugin_id.clone(),
                cap: c.cap,
                live: p.live,
                message: deadlock_message(p, c.cap, &names, prune.as_ref()),
                growing: names,
                prune,
            });
        }
    }
    out
}

/// The namespace to prune to make room: the largest other namespace a prune may touch
/// (not `never`), else the largest a prune may touch, else the largest; by the room it
/// holds that will not come back by itself (live rows not expiring in the window).
fn prune_target(mine: &[&NsCapacity], stuck: &[&NsCapacity]) -> Option<(String, u64, PruneSafety)> {
    let is_growing = |n: &NsCapacity| stuck.iter().any(|g| g.scan.namespace == n.scan.namespace);
    let held = |n: &NsCapacity| n.scan.live.saturating_sub(n.scan.expiring_window);
    let pick = |pred: &dyn Fn(&NsCapacity) -> bool| {
        mine.iter()
            .copied()
            .filter(|n| pred(n) && held(n) > 0)
            .max_by(|a, b| {
                held(a)
                    .cmp(&held(b))
                    .then(b.scan.namespace.cmp(&a.scan.namespace))
            })
    };
    pick(&|n| !is_growing(n) && n.policy.prune != PruneSafety::Never)
        .or_else(|| pick(&|n| n.policy.prune != PruneSafety::Never))
        .or_else(|| pick(&|_| true))
        .map(|n| (n.scan.namespace.clone(), n.scan.live, n.policy.prune))
}

/// The deadlock in words: the plugin, its count against the cap, what grows, what the
/// runtime does at the cap, and what to prune.
fn deadlock_message(
    p: &PluginCapacity,
    cap: PluginCap,
    names: &[String],
    prune: Option<&(String, u64, PruneSafety)>,
) -> String {
    let effect = match cap.at_cap {
        AtCap::WriteFails => "the runtime fails every new write of the plugin".to_string(),
        AtCap::EvictWrittenNamespace { reject_new_refused } => {
            let mut e = "the runtime evicts only in the namespace written, so a growing namespace loses its own oldest rows and a new namespace cannot be written".to_string();
            if reject_new_refused {
                e.push_str("; reject-new namespaces are refused");
            }
            e
        }
    };
    let prune_text = match prune {
        Some((ns, live, safety)) => format!(
            "; prune {}/{ns} ({} live rows, prune {}) to make room",
            p.plugin_id,
            crate::output::thousands(*live),
            safety.as_str()
        ),
        None => String::new(),
    };
    format!(
        "cap deadlock: plugin {} at {}/{} live rows ({}) while {} grows: {}{prune_text}",
        p.plugin_id,
        crate::output::thousands(p.live),
        crate::output::thousands(cap.cap),
        cap.versions,
        names.join(", "),
        effect
    )
}

/// A live value among the largest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LargeValue {
    pub bytes: u64,
    pub plugin_id: String,
    pub namespace: String,
    pub key: String,
}

/// Value sizes of one namespace: approximate quantiles from a fixed-size histogram
/// (about 3% relative error), exact count and maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeDist {
    pub plugin_id: String,
    pub namespace: String,
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

/// Sizes below this are counted exactly; above, 32 buckets per power of two.
const EXACT_BELOW: u64 = 64;
const SUB_BUCKETS: u32 = 32;
const HIST_BUCKETS: usize = EXACT_BELOW as usize + (64 - 6) * SUB_BUCKETS as usize;

/// A log-linear histogram of sizes in constant memory.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Box<[u64; HIST_BUCKETS]>,
    pub count: u64,
    pub max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: Box::new([0; HIST_BUCKETS]),
            count: 0,
            max: 0,
        }
    }
}

impl Histogram {
    fn bucket(v: u64) -> usize {
        if v < EXACT_BELOW {
            return v as usize;
        }
        let e = 63 - v.leading_zeros(); // floor(log2 v), at least 6
        let sub = (v >> (e - 5)) & u64::from(SUB_BUCKETS - 1);
        EXACT_BELOW as usize + (e as usize - 6) * SUB_BUCKETS as usize + sub as usize
    }
    /// The largest value a bucket holds.
    fn upper(b: usize) -> u64 {
        if b < EXACT_BELOW as usize {
            return b as u64;
        }
        let i = b - EXACT_BELOW as usize;
        let e = (i / SUB_BUCKETS as usize + 6) as u32;
        let sub = (i % SUB_BUCKETS as usize) as u64;
        let lo = (1u64 << e) + (sub << (e - 5));
        lo + (1u64 << (e - 5)) - 1
    }
    pub fn add(&mut self, v: u64) {
        self.counts[Self::bucket(v)] += 1;
        self.count += 1;
        self.max = self.max.max(v);
    }
    /// The `q`-quantile (0..=1): the upper end of the bucket holding it, at most `max`.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (b, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::upper(b).min(self.max);
            }
        }
        self.max
    }
}

/// Streams every live row's key and value size (never the value itself): the `n`
/// largest values, and each namespace's size distribution.
pub fn largest_values(
    conn: &Connection,
    now: Ms,
    plugin: Option<&str>,
    namespace: Option<&str>,
    n: usize,
) -> Result<(Vec<LargeValue>, Vec<SizeDist>)> {
    let mut filter = String::new();
    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = vec![(":now", &now)];
    if let Some(p) = &plugin {
        filter.push_str(" AND plugin_id = :plugin");
        params.push((":plugin", p));
    }
    if let Some(ns) = &namespace {
        filter.push_str(" AND namespace = :ns");
        params.push((":ns", ns));
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT plugin_id, namespace, entry_key, octet_length(value_json)
         FROM plugin_state_entries WHERE {LIVE_SQL}{filter}"
    ))?;
    let mut rows = stmt.query(params.as_slice())?;
    // A min-heap of the n largest so far.
    let mut heap: BinaryHeap<std::cmp::Reverse<LargeValue>> = BinaryHeap::with_capacity(n + 1);
    let mut hists: HashMap<String, HashMap<String, Histogram>> = HashMap::new();
    while let Some(r) = rows.next()? {
        let bytes = r.get::<_, i64>(3)?.max(0) as u64;
        let (p, ns) = (lossy(r.get_ref(0)?), lossy(r.get_ref(1)?));
        let (p, ns) = (p.as_ref(), ns.as_ref());
        let per = match hists.get_mut(p) {
            Some(m) => m,
            None => hists.entry(p.to_string()).or_default(),
        };
        match per.get_mut(ns) {
            Some(h) => h.add(bytes),
            None => per.entry(ns.to_string()).or_default().add(bytes),
        }
        if n > 0 && (heap.len() < n || heap.peek().is_some_and(|m| bytes > m.0.bytes)) {
            heap.push(std::cmp::Reverse(LargeValue {
                bytes,
                plugin_id: p.to_string(),
                namespace: ns.to_string(),
                key: super::query::text(r.get_ref(2)?),
            }));
            if heap.len() > n {
                heap.pop();
            }
        }
    }
    let mut largest: Vec<LargeValue> = heap.into_iter().map(|r| r.0).collect();
    largest.sort_by(|a, b| {
        b.bytes.cmp(&a.bytes).then_with(|| {
            (&a.plugin_id, &a.namespace, &a.key).cmp(&(&b.plugin_id, &b.namespace, &b.key))
        })
    });
    let mut dists: Vec<SizeDist> = hists
        .into_iter()
        .flat_map(|(p, per)| {
            per.into_iter().map(move |(ns, h)| SizeDist {
                plugin_id: p.clone(),
                namespace: ns,
                count: h.count,
                p50: h.quantile(0.50),
                p90: h.quantile(0.90),
                p99: h.quantile(0.99),
                max: h.max,
            })
        })
        .collect();
    dists.sort_by(|a, b| {
        b.max
            .cmp(&a.max)
            .then_with(|| (&a.plugin_id, &a.namespace).cmp(&(&b.plugin_id, &b.namespace)))
    });
    Ok((largest, dists))
}

/// Text without a copy when it is valid UTF-8 (a legacy table is not STRICT).
fn lossy(v: rusqlite::types::ValueRef<'_>) -> std::borrow::Cow<'_, str> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t),
        _ => std::borrow::Cow::Owned(super::query::text(v)),
    }
}

/// Bytes of one table or index of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSpace {
    pub name: String,
    /// `table` or `index` (`sqlite_schema` is a table).
    pub kind: String,
    pub table: String,
    pub pages: u64,
    pub bytes: u64,
}

/// Where the bytes of the database file are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub page_size: u64,
    pub page_count: u64,
    pub free_pages: u64,
    /// Pages in no b-tree and not free: auto_vacuum's pointer maps (and the lock-byte page).
    pub other_pages: u64,
    /// `PRAGMA auto_vacuum`: 0 none, 1 full, 2 incremental.
    pub auto_vacuum: u64,
    /// Largest first.
    pub objects: Vec<ObjectSpace>,
    pub wal_bytes: u64,
    /// The columns of `idx_plugin_state_listing`, `None` when the index is missing.
    pub listing_index: Option<Vec<String>>,
}

/// Reads every b-tree's page count through SQLite's `dbstat` (reads every page; the
/// database is never changed) and the file-level figures.
pub fn space(conn: &Connection, path: &Path) -> Result<Space> {
    let pragma = |name: &str| -> Result<u64> {
        Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0))? as u64)
    };
    let mut stmt = conn.prepare(
        "SELECT d.name, IFNULL(s.type, 'table'), IFNULL(s.tbl_name, d.name), d.pageno, d.pgsize
         FROM dbstat AS d LEFT JOIN sqlite_schema AS s ON s.name = d.name
         WHERE d.aggregate = TRUE ORDER BY d.pgsize DESC, d.name",
    )?;
    let objects = stmt
        .query_map([], |r| {
            Ok(ObjectSpace {
                name: r.get(0)?,
                kind: r.get(1)?,
                table: r.get(2)?,
                pages: r.get::<_, i64>(3)? as u64,
                bytes: r.get::<_, i64>(4)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let (page_count, free_pages) = (pragma("page_count")?, pragma("freelist_count")?);
    let in_trees: u64 = objects.iter().map(|o| o.pages).sum();
    Ok(Space {
        page_size: pragma("page_size")?,
        page_count,
        free_pages,
        other_pages: page_count.saturating_sub(in_trees + free_pages),
        auto_vacuum: pragma("auto_vacuum")?,
        objects,
        wal_bytes: std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0),
        listing_index: listing_index_columns(conn)?,
    })
}

/// The columns of `idx_plugin_state_listing` in order, `None` when it does not exist.
pub fn listing_index_columns(conn: &Connection) -> Result<Option<Vec<String>>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?;
    let cols = stmt
        .query_map([LISTING_INDEX_NAME], |r| r.get::<_, Option<String>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((!cols.is_empty()).then(|| cols.into_iter().map(|c| c.unwrap_or_default()).collect()))
}

/// Whether the listing index has the columns this version's runtime defines, and a line
/// saying so (for `top --space` and `check`).
pub fn listing_index_verdict(cols: Option<&[String]>, want: &[&str]) -> (bool, String) {
    match cols {
        None => (
            false,
            "idx_plugin_state_listing is missing: listings scan the whole table (report only: statectl never rebuilds an index)".to_string(),
        ),
        Some(c) if c.iter().map(String::as_str).eq(want.iter().copied()) => (
            true,
            format!(
                "idx_plugin_state_listing has the {}-column definition this version uses ({})",
                c.len(),
                c.join(", ")
            ),
        ),
        Some(c) => (
            false,
            format!(
                "idx_plugin_state_listing has {} columns ({}) but this version's runtime defines {} ({}){}",
                c.len(),
                c.join(", "),
                want.len(),
                want.join(", "),
                if want.len() == 5 {
                    "; 2026.9.6 rebuilds non-canonical objects when it validates the schema"
                } else {
                    ""
                }
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rules;

    #[test]
    fn the_forecasts_writes_are_live_rows_as_the_runtime_defines_them() {
        assert!(WRITTEN_IN_WINDOW_SQL.contains(LIVE_SQL));
    }

    #[test]
    fn the_window_rules_judge_stored_times_as_their_sql_forms_do() {
        use crate::store::rules::tests::agrees_with_sql;
        agrees_with_sql(WRITTEN_IN_WINDOW_SQL, |t, now, _, w| {
            written_in_window(t, now, w)
        });
        agrees_with_sql(EXPIRING_IN_WINDOW_SQL, |t, now, _, w| {
            expiring_in_window(t, now, w)
        });
    }

    #[test]
    fn time_to_full_is_headroom_over_net_growth() {
        // 600 rows of headroom, 300 written and 100 expiring per day: 3 days.
        assert_eq!(
            time_to_full(Some(1000), 400, 300, 100, DAY),
            FullIn::In(3 * DAY)
        );
        assert_eq!(time_to_full(Some(1000), 1000, 0, 0, DAY), FullIn::Full);
        assert_eq!(time_to_full(Some(1000), 1200, 0, 500, DAY), FullIn::Full);
        assert_eq!(
            time_to_full(Some(1000), 10, 50, 50, DAY),
            FullIn::NotFilling
        );
        assert_eq!(time_to_full(Some(1000), 10, 5, 50, DAY), FullIn::NotFilling);
        assert_eq!(time_to_full(None, 10, 50, 0, DAY), FullIn::NoLimit);
        // One row of headroom, 24 rows a day: one hour.
        assert_eq!(
            time_to_full(Some(50_000), 49_999, 24, 0, DAY),
            FullIn::In(HOUR)
        );
        assert!(FullIn::Full < FullIn::In(1) && FullIn::In(5) < FullIn::NotFilling);
        assert!(FullIn::NotFilling < FullIn::NoLimit);
    }

    #[test]
    fn the_histogram_keeps_quantiles_within_a_few_percent() {
        let mut h = Histogram::default();
        for v in 1..=10_000u64 {
            h.add(v);
        }
        for (q, want) in [(0.5, 5000.0), (0.9, 9000.0), (0.99, 9900.0)] {
            let got = h.quantile(q) as f64;
            assert!((got - want).abs() / want < 0.035, "q{q}: {got} vs {want}");
        }
        assert_eq!(h.max, 10_000);
        assert_eq!(h.quantile(1.0), 10_000);
        let mut small = Histogram::default();
        for v in [3, 3, 3, 40] {
            small.add(v);
        }
        assert_eq!(small.quantile(0.5), 3, "small sizes are exact");
        assert_eq!(small.quantile(0.99), 40);
        // Every bucket's upper end maps back to that bucket.
        for b in 0..HIST_BUCKETS - 1 {
            assert_eq!(Histogram::bucket(Histogram::upper(b)), b);
            assert_eq!(Histogram::bucket(Histogram::upper(b) + 1), b + 1);
        }
    }

    fn ns(plugin: &str, name: &str, live: u64, writes: u64, expiring: u64) -> NsScan {
        NsScan {
            plugin_id: plugin.into(),
            namespace: name.into(),
            live,
            writes_window: writes,
            expiring_window: expiring,
            ..NsScan::default()
        }
    }

    #[test]
    fn a_plugin_at_the_cap_with_a_growing_namespace_is_a_deadlock_naming_the_holder() {
        let scans = vec![
            ns("memory-core", "short-term-recall", 49_990, 0, 0),
            ns("memory-core", "dreaming-sessions", 9, 9, 0),
            ns("memory-core", "dreaming-new", 1, 1, 0),
        ];
        let c = assess(scans, rules::SHARED_V15, 0, DAY, NEAR_CAP_PCT);
        assert_eq!(c.deadlocks.len(), 1);
        let d = &c.deadlocks[0];
        assert_eq!(d.growing, ["dreaming-sessions", "dreaming-new"]);
        assert_eq!(d.prune.as_ref().unwrap().0, "short-term-recall");
        assert!(
            d.message.contains("prune memory-core/short-term-recall"),
            "{}",
            d.message
        );
        assert_eq!(c.plugins[0].full_in(), FullIn::Full);
    }

    #[test]
    fn no_deadlock_below_the_cap_or_without_growth_or_without_a_cap() {
        let below = vec![ns("p", "a", 10_000, 50, 0), ns("p", "b", 10, 10, 0)];
        assert!(
            assess(below, rules::SHARED_V15, 0, DAY, NEAR_CAP_PCT)
                .deadlocks
                .is_empty()
        );
        let still = vec![ns("p", "a", 50_000, 0, 0)];
        assert!(
            assess(still, rules::SHARED_V15, 0, DAY, NEAR_CAP_PCT)
                .deadlocks
                .is_empty()
        );
        let uncapped = vec![ns("p", "a", 90_000, 0, 0), ns("p", "b", 10, 10, 0)];
        assert!(
            assess(uncapped, rules::SHARED_V18, 0, DAY, NEAR_CAP_PCT)
                .deadlocks
                .is_empty()
        );
        // One namespace holding everything evicts its own oldest rows: no deadlock when
        // the version evicts, a deadlock when it fails the write (2026.5.6).
        let alone = vec![ns("p", "a", 50_000, 100, 0)];
        assert!(
            assess(alone, rules::SHARED_V1, 0, DAY, NEAR_CAP_PCT)
                .deadlocks
                .is_empty()
        );
        let legacy = vec![ns("p", "a", 1_000, 100, 0)];
        let c = assess(legacy, rules::LEGACY, 0, DAY, NEAR_CAP_PCT);
        assert_eq!(c.deadlocks.len(), 1, "2026.5.6's cap of 1,000 only");
        assert_eq!(c.deadlocks[0].cap.versions, "2026.5.6");
    }

    #[test]
    fn a_legacy_file_is_judged_against_both_caps() {
        let c = assess(
            vec![ns("telegram", "x", 1_000, 0, 0)],
            rules::LEGACY,
            0,
            DAY,
            NEAR_CAP_PCT,
        );
        let caps: Vec<(u64, FullIn)> = c.plugins[0]
            .caps
            .iter()
            .map(|s| (s.cap.cap, s.full_in))
            .collect();
        assert_eq!(caps, [(1_000, FullIn::Full), (50_000, FullIn::NotFilling)]);
    }

    #[test]
    fn namespaces_sort_by_the_first_limit_they_reach() {
        let scans = vec![
            ns("slack", "slack.thread-participation", 100, 0, 0),
            // 2026.8 plugin cap: 1,000 rows of headroom at 1,000 a day: full in a day,
            // before the namespace's own 10,000 rows of headroom.
            ns("memory-core", "short-term-recall", 40_000, 1_000, 0),
            ns("memory-core", "dreaming-x", 9_000, 0, 0),
            // reject-new, 5,000 max: 4,000 headroom at 4,000 a day: full in a day too.
            ns("browser", "browser.session-tabs", 1_000, 8_000, 4_000),
        ];
        let c = assess(scans, rules::SHARED_V15, 0, DAY, NEAR_CAP_PCT);
        let order: Vec<(&str, FullIn, Limit)> = c
            .namespaces
            .iter()
            .map(|n| (n.scan.namespace.as_str(), n.first_full, n.first_full_by))
            .collect();
        assert_eq!(
            order,
            [
                ("short-term-recall", FullIn::In(DAY), Limit::Plugin),
                ("browser.session-tabs", FullIn::In(DAY), Limit::Namespace),
                ("dreaming-x", FullIn::In(DAY), Limit::Plugin),
                (
                    "slack.thread-participation",
                    FullIn::NotFilling,
                    Limit::Namespace
                ),
            ]
        );
    }
}
