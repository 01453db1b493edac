//! The health checks of `statectl check`: one gathering pass ([`gather`]: the table
//! scan, the integrity pragma, file facts) and one pure function per check over what
//! it found, each testable on a hand-built [`Facts`]; [`fold`] gives the overall status.

use crate::output::{human_bytes, thousands};
use crate::store::capacity::{self, Capacity, FullIn};
use crate::store::known::Overflow;
use crate::store::rules::{AtCap, PluginCap, RuleSet, is_stale};
use crate::store::scan::{self, Finding, ScanMap, ScanParams};
use crate::store::{Db, Layout, known};
use crate::timefmt::format_span;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Severity, in the fold's order (Nagios plugin guidelines): a CRITICAL finding beats a
/// WARNING, which beats an UNKNOWN (a check that could not run), which beats OK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Unknown,
    Warning,
    Critical,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
        }
    }
    /// The monitoring-plugin exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub message: String,
    /// The database it is about, under `--all-dbs` (relative to the state dir).
    pub db: Option<String>,
}

pub fn check(name: &'static str, status: Status, message: impl Into<String>) -> Check {
    Check {
        name,
        status,
        message: message.into(),
        db: None,
    }
}

/// The overall status: the most severe of the checks (OK for none).
pub fn fold(checks: &[Check]) -> Status {
    checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok)
}

/// The thresholds, from the command line.
#[derive(Debug, Clone)]
pub struct Limits {
    pub plugin_warn: u64,
    pub plugin_crit: u64,
    pub expired_warn: u64,
    pub expired_warn_share: u64,
    pub skew_ms: i64,
    /// `--skew` as the user wrote it, for messages.
    pub skew_text: String,
    pub db_warn_mib: u64,
    pub wal_warn_mib: u64,
    pub full: bool,
    /// The forecast's window, and how soon a forecast fill is CRITICAL or WARNING.
    pub window_ms: i64,
    pub full_crit_ms: i64,
    pub full_warn_ms: i64,
    /// Values above this % of the value cap are a WARNING.
    pub value_warn: u64,
    /// A plugin is near its cap for `cap_deadlock` from this %.
    pub deadlock_pct: u64,
    /// `--stale`: namespaces (NAMESPACE or PLUGIN/NAMESPACE) that must have been written
    /// within the duration (ms); the text as given, for messages.
    pub stale: Vec<(String, i64, String)>,
    /// Whether `namespace_integrity` runs: it decodes every live row of the decoded
    /// namespaces, so it is skipped when not asked for.
    pub decode_rows: bool,
}

/// Everything the checks judge, gathered in one pass. A fact that could not be
/// gathered is an `Err(message)`, which makes its check UNKNOWN and no other.
#[derive(Debug, Clone)]
pub struct Facts {
    pub layout: Layout,
    pub effective_version: i64,
    pub rules_name: &'static str,
    pub newer_than_known: bool,
    /// Why the runtime from 2026.8.1 would refuse to write the database (`Schema::meta_mismatch`).
    pub meta_mismatch: Option<String>,
    pub plugin_live_cap: Option<u64>,
    /// The rule set (caps per version, value cap, listing index, journal size limit).
    pub rules: RuleSet,
    pub now: i64,
    /// The columns of `idx_plugin_state_listing` (`None`: missing).
    pub listing_index: Result<Option<Vec<String>>, String>,
    pub large_examples: Result<String, String>,
    /// `ok`, or what the pragma reported.
    pub integrity: Result<String, String>,
    pub scan: Result<ScanMap, String>,
    /// Example rows of each finding, gathered only when the scan counted some.
    pub corrupt_examples: Result<String, String>,
    pub bad_order_examples: Result<String, String>,
    pub future_examples: Result<String, String>,
    /// Permission and ownership problems of the directory and files.
    pub permissions: Result<Vec<String>, String>,
    pub db_size: u64,
    pub wal_size: u64,
    pub legacy: Option<PathBuf>,
    /// Per namespace, the rows with a time the runtime cannot read, and example keys.
    pub unreadable: Result<Vec<crate::store::query::UnreadableNs>, String>,
    /// Decoded namespaces whose rows disagree with their key or shape.
    pub decoded: Result<Vec<crate::store::integrity::NsIntegrity>, String>,
}

/// The one pass over the database and its files.
pub fn gather(db: &Db, legacy_beside: Option<PathBuf>, now: i64, lim: &Limits) -> Facts {
    let path = db.path.clone();
    // The integrity check reads every page: run it beside the table scan.
    let (ipath, timeout, full) = (path.clone(), db.busy_timeout_ms, lim.full);
    let integrity = std::thread::spawn(move || scan::integrity(&ipath, timeout, full));
    let future = now.saturating_add(lim.skew_ms);
    let large_value = large_value_bytes(db.schema.rules, lim);
    let params = ScanParams {
        now,
        future,
        window: lim.window_ms,
        large_value,
        decode: lim.decode_rows,
    };
    let (scanned, decoded, unreadable) = match scan::scan_all(db, params) {
        Ok(s) => (Ok(s.namespaces), Ok(s.decoded), Ok(s.unreadable)),
        Err(e) => (Err(e.to_string()), Err(e.to_string()), Err(e.to_string())),
    };
    let total = |f: fn(&scan::NsScan) -> u64| match &scanned {
        Ok(s) => s.values().map(f).sum::<u64>(),
        Err(_) => 0,
    };
    let examples = |n: u64, f: Finding| {
        if n == 0 {
            Ok(String::new())
        } else {
            scan::examples(db, f).map_err(|e| e.to_string())
        }
    };
    let s = &db.schema;
    let facts = Facts {
        layout: s.layout,
        effective_version: s.effective_version,
        rules_name: s.rules.name,
        newer_than_known: s.newer_than_known,
        meta_mismatch: s.meta_mismatch.clone(),
        plugin_live_cap: s.rules.plugin_live_cap,
        rules: s.rules,
        now,
        listing_index: capacity::listing_index_columns(&db.conn).map_err(|e| e.to_string()),
        unreadable,
        decoded,
        large_examples: examples(
            total(|x| x.large_values),
            Finding::LargeValue(now, large_value),
        ),
        integrity: Err(String::new()),
        corrupt_examples: examples(total(|x| x.corrupt), Finding::Corrupt),
        bad_order_examples: examples(
            total(|x| x.expires_before_created),
            Finding::ExpiresBeforeCreated,
        ),
        future_examples: examples(
            total(|x| x.created_in_future),
            Finding::CreatedAfter(future),
        ),
        scan: scanned,
        permissions: permission_problems(&path),
        db_size: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        wal_size: std::fs::metadata(sidecar(&path, "-wal"))
            .map(|m| m.len())
            .unwrap_or(0),
        legacy: legacy_beside.or_else(|| legacy_of(&path, s.layout)),
    };
    let integrity = match integrity.join() {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(String::new()),
    };
    Facts { integrity, ..facts }
}

/// Values above this many bytes count against `--value-warn`.
fn large_value_bytes(rules: RuleSet, lim: &Limits) -> i64 {
    (rules.max_value_bytes as u64 * lim.value_warn / 100) as i64
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The legacy file that `openclaw doctor --fix` should have migrated and renamed.
fn legacy_of(path: &Path, layout: Layout) -> Option<PathBuf> {
    use crate::store::locate::{LEGACY_REL, SHARED_REL};
    if layout != Layout::Shared || !path.ends_with(SHARED_REL) {
        return None;
    }
    let legacy = path.parent()?.parent()?.join(LEGACY_REL);
    legacy.is_file().then_some(legacy)
}

fn permission_problems(path: &Path) -> Result<Vec<String>, String> {
    let meta = std::fs::metadata(path).map_err(|_| format!("cannot stat {}", path.display()))?;
    let mut problems = Vec::new();
    if let Some((dir, m)) = path
        .parent()
        .and_then(|d| std::fs::metadata(d).ok().map(|m| (d, m)))
    {
        let mode = m.mode() & 0o777;
        if mode & 0o077 != 0 {
            problems.push(format!(
                "directory {} is {mode:o} (want 700)",
                dir.display()
            ));
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = sidecar(path, suffix);
        let Ok(m) = std::fs::metadata(&p) else {
            continue;
        };
        let mode = m.mode() & 0o777;
        if mode & 0o077 != 0 {
            problems.push(format!("{} is {mode:o} (want 600)", p.display()));
        }
        if m.uid() != meta.uid() {
            problems.push(format!(
                "{} is owned by uid {} but the database by uid {}: the gateway may not be able to write",
                p.display(),
                m.uid(),
                meta.uid()
            ));
        }
    }
    Ok(problems)
}

/// `1 expired row`, `12,544 expired rows`.
fn expired_rows(n: u64) -> String {
    crate::output::rows(n).replacen(" row", " expired row", 1)
}

/// Every check name, in report order (`--only` / `--skip` take these).
pub const CHECK_NAMES: &[&str] = &[
    "open",
    "integrity",
    "table_scan",
    "corrupt_values",
    "unreadable_times",
    "namespace_integrity",
    "plugin_cap",
    "namespace_cap",
    "expired_backlog",
    "missing_ttl",
    "timestamps",
    "permissions",
    "wal_size",
    "db_size",
    "legacy_file",
    "forecast",
    "cap_deadlock",
    "value_size",
    "listing_index",
    "stale",
];

/// One performance figure: a number, its unit, and the thresholds it is judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Perf {
    pub name: String,
    pub value: u64,
    /// `""` for counts, `"B"` for bytes (the monitoring-plugin units).
    pub unit: &'static str,
    pub warn: Option<u64>,
    pub crit: Option<u64>,
}

impl Perf {
    pub fn count(name: &str, value: u64) -> Perf {
        Perf {
            name: name.into(),
            value,
            unit: "",
            warn: None,
            crit: None,
        }
    }
    pub fn bytes(name: &str, value: u64, warn: u64) -> Perf {
        Perf {
            name: name.into(),
            value,
            unit: "B",
            warn: Some(warn),
            crit: None,
        }
    }
    /// `name=value[unit][;warn[;crit]]`, as monitoring plugins print it.
    pub fn text(&self) -> String {
        let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        let mut t = format!("{}={}{}", perf_label(&self.name), self.value, self.unit);
        if self.warn.is_some() || self.crit.is_some() {
            t.push_str(&format!(";{}", opt(self.warn)));
        }
        if self.crit.is_some() {
            t.push_str(&format!(";{}", opt(self.crit)));
        }
        t
    }
}

/// A perfdata label as monitoring plugins parse it: quoted in `'` (one written `''`)
/// unless it is plain; `=` cannot be in a label and becomes `_`; control characters
/// escaped. Under `--all-dbs` a label starts with the database's path, any name at all.
fn perf_label(name: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:".contains(c);
    if name.chars().all(plain) {
        return name.to_string();
    }
    let escaped = crate::output::escape_control(name);
    format!("'{}'", escaped.replace('=', "_").replace('\'', "''"))
}

/// Every check, in report order, with the perfdata.
pub fn evaluate(f: &Facts, lim: &Limits) -> (Vec<Check>, Vec<Perf>) {
    let mut checks = vec![open(f), integrity(f, lim)];
    let empty = ScanMap::new();
    let scanned = match &f.scan {
        Ok(s) => s,
        Err(e) => {
            // A damaged table is the finding, not a reason to give up on the other checks.
            checks.push(check(
                "table_scan",
                Status::Critical,
                format!("cannot read plugin_state_entries: {e}"),
            ));
            &empty
        }
    };
    let total = |g: fn(&scan::NsScan) -> u64| scanned.values().map(g).sum::<u64>();
    let (live, expired) = (total(|x| x.live), total(|x| x.expired));
    let mut perf = vec![
        Perf::count("rows", live + expired),
        Perf::count("live", live),
        Perf::count("expired", expired),
    ];
    checks.push(corrupt_values(total(|x| x.corrupt), &f.corrupt_examples));
    checks.push(unreadable_times(&f.unreadable));
    checks.push(namespace_integrity(&f.decoded));
    let (cap_check, cap_perf) = plugin_cap(scanned, f.plugin_live_cap, f.rules.plugin_caps, lim);
    checks.push(cap_check);
    perf.extend(cap_perf);
    checks.push(namespace_cap(scanned));
    checks.push(expired_backlog(live, expired, lim));
    checks.push(missing_ttl(scanned));
    checks.push(timestamps(
        (total(|x| x.expires_before_created), &f.bad_order_examples),
        (total(|x| x.created_in_future), &f.future_examples),
        lim,
    ));
    checks.push(permissions(&f.permissions));
    let mib = 1024 * 1024;
    perf.push(Perf::bytes("db_bytes", f.db_size, lim.db_warn_mib * mib));
    perf.push(Perf::bytes("wal_bytes", f.wal_size, lim.wal_warn_mib * mib));
    checks.push(wal_size(f.wal_size, f.rules.journal_size_limit, lim));
    checks.push(db_size(f.db_size, lim));
    checks.push(legacy_file(f.legacy.as_deref()));
    let cap = capacity_of(scanned, f.rules, f.now, lim);
    checks.push(forecast(&cap, lim));
    checks.push(cap_deadlock(&cap));
    checks.push(value_size(
        total(|x| x.large_values),
        &f.large_examples,
        f.rules,
        lim,
    ));
    checks.push(listing_index(&f.listing_index, f.rules));
    if !lim.stale.is_empty() {
        checks.push(stale(scanned, f.now, &lim.stale));
    }
    (checks, perf)
}

/// `statectl top`'s capacity model over the scan: the forecast and the deadlock rule.
pub fn capacity_of(scanned: &ScanMap, rules: RuleSet, now: i64, lim: &Limits) -> Capacity {
    let scans = scanned
        .iter()
        .map(|((p, n), x)| capacity::NsScan {
            plugin_id: p.clone(),
            namespace: n.clone(),
            live: x.live,
            writes_window: x.writes_window,
            expiring_window: x.expiring_window,
            ..capacity::NsScan::default()
        })
        .collect();
    capacity::assess(scans, rules, now, lim.window_ms, lim.deadlock_pct)
}

/// Plugin caps and reject-new namespaces forecast full (by `statectl top`'s forecast)
/// within `--full-crit` (CRITICAL) or `--full-warn` (WARNING). Evict-oldest namespaces
/// reaching their maxEntries are normal operation and not judged here.
pub fn forecast(cap: &Capacity, lim: &Limits) -> Check {
    let mut worst = Status::Ok;
    let mut msgs = Vec::new();
    let mut judge = |what: String, f: FullIn| {
        let st = if f.within(lim.full_crit_ms) {
            Status::Critical
        } else if f.within(lim.full_warn_ms) {
            Status::Warning
        } else {
            return;
        };
        worst = worst.max(st);
        msgs.push(match f {
            FullIn::Full => format!("{what} full now"),
            f => format!("{what} full in {}", format_span(f.ms().unwrap_or(0))),
        });
    };
    for p in &cap.plugins {
        for c in &p.caps {
            judge(
                format!(
                    "plugin {} ({}/{} live rows, cap of {})",
                    p.plugin_id,
                    thousands(p.live),
                    thousands(c.cap.cap),
                    c.cap.versions
                ),
                c.full_in,
            );
        }
    }
    for n in &cap.namespaces {
        if n.policy.overflow == Overflow::RejectNew {
            judge(
                format!(
                    "reject-new {}/{} ({}/{} live rows)",
                    n.scan.plugin_id,
                    n.scan.namespace,
                    thousands(n.scan.live),
                    thousands(n.policy.max_entries.unwrap_or(0))
                ),
                n.full_in,
            );
        }
    }
    if msgs.is_empty() {
        check(
            "forecast",
            Status::Ok,
            format!(
                "no plugin cap or reject-new namespace fills within {} (forecast over {})",
                format_span(lim.full_warn_ms),
                format_span(cap.window)
            ),
        )
    } else {
        check("forecast", worst, msgs.join(", "))
    }
}

/// CRITICAL for every cap deadlock `statectl top` finds, naming the namespace to prune.
pub fn cap_deadlock(cap: &Capacity) -> Check {
    if cap.deadlocks.is_empty() {
        return check(
            "cap_deadlock",
            Status::Ok,
            "no plugin is stuck at its cap with a growing namespace",
        );
    }
    let msgs: Vec<String> = cap.deadlocks.iter().map(|d| d.message.clone()).collect();
    check("cap_deadlock", Status::Critical, msgs.join("; "))
}

/// WARNING for live values above `--value-warn` % of the version's value cap.
/// `--stale`: a WARNING for each named namespace whose newest write is older than its
/// duration (the rule of `watch --stale-after`), UNKNOWN for one without rows.
pub fn stale(scanned: &ScanMap, now: i64, wanted: &[(String, i64, String)]) -> Check {
    let mut stale = Vec::new();
    let mut unknown = Vec::new();
    for (name, after, text) in wanted {
        let (plugin, ns) = match name.split_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, name.as_str()),
        };
        let newest = scanned
            .iter()
            .filter(|((p, n), _)| n == ns && plugin.is_none_or(|want| want == p))
            .map(|(_, x)| x.newest_write)
            .max();
        match newest {
            None => unknown.push(format!("{name} has no rows")),
            Some(t) if is_stale(t, now, *after) => stale.push(format!(
                "{name}: no write for {} (over {text})",
                format_span(now - t)
            )),
            Some(_) => {}
        }
    }
    let n = wanted.len();
    if !stale.is_empty() {
        stale.extend(unknown);
        check("stale", Status::Warning, stale.join("; "))
    } else if !unknown.is_empty() {
        check("stale", Status::Unknown, unknown.join("; "))
    } else {
        check(
            "stale",
            Status::Ok,
            format!(
                "{n} namespace{} written within {}",
                if n == 1 { "" } else { "s" },
                wanted
                    .iter()
                    .map(|w| w.2.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    }
}

pub fn value_size(
    large: u64,
    examples: &Result<String, String>,
    rules: RuleSet,
    lim: &Limits,
) -> Check {
    let cap = thousands(rules.max_value_bytes as u64);
    if large == 0 {
        return check(
            "value_size",
            Status::Ok,
            format!(
                "no live value above {}% of the {cap}-byte value cap",
                lim.value_warn
            ),
        );
    }
    let ex = match examples {
        Ok(e) => e.clone(),
        Err(e) => format!("(examples unavailable: {e})"),
    };
    check(
        "value_size",
        Status::Warning,
        format!(
            "{} live values above {}% of the {cap}-byte value cap (a larger write fails): {ex}; `statectl top --values 20` lists them",
            thousands(large),
            lim.value_warn
        ),
    )
}

/// WARNING when `idx_plugin_state_listing` is missing or not this version's definition.
pub fn listing_index(cols: &Result<Option<Vec<String>>, String>, rules: RuleSet) -> Check {
    match cols {
        Err(e) => check(
            "listing_index",
            Status::Unknown,
            format!("cannot read the listing index: {e}"),
        ),
        Ok(cols) => {
            let (ok, text) = capacity::listing_index_verdict(cols.as_deref(), rules.listing_index);
            check(
                "listing_index",
                if ok { Status::Ok } else { Status::Warning },
                text,
            )
        }
    }
}

pub fn open(f: &Facts) -> Check {
    if let Some(why) = &f.meta_mismatch {
        if crate::store::rules::schema_meta_refuses_writes(f.effective_version) {
            check(
                "open",
                Status::Critical,
                format!(
                    "{why}: OpenClaw 2026.8.1 and later refuse to write this database, and statectl refuses to write it"
                ),
            )
        } else {
            check(
                "open",
                Status::Warning,
                format!(
                    "{why}: OpenClaw 2026.6.1 still writes this database, later versions refuse to"
                ),
            )
        }
    } else if f.newer_than_known {
        check(
            "open",
            Status::Warning,
            format!(
                "{} layout, schema {} is newer than statectl knows (read-only)",
                f.layout.as_str(),
                f.effective_version
            ),
        )
    } else {
        check(
            "open",
            Status::Ok,
            format!(
                "{} layout, schema {} ({})",
                f.layout.as_str(),
                f.effective_version,
                // The rule set's name repeats the layout: keep the versions it names.
                f.rules_name
                    .rsplit_once(", ")
                    .map_or(f.rules_name, |(_, versions)| versions)
            ),
        )
    }
}

pub fn integrity(f: &Facts, lim: &Limits) -> Check {
    let pragma = if lim.full {
        "integrity_check"
    } else {
        "quick_check"
    };
    match &f.integrity {
        Ok(r) if r == "ok" => check("integrity", Status::Ok, format!("{pragma} ok")),
        Ok(r) => check("integrity", Status::Critical, format!("{pragma}: {r}")),
        Err(e) if e.is_empty() => check(
            "integrity",
            Status::Unknown,
            format!("{pragma} could not run"),
        ),
        Err(e) => check(
            "integrity",
            Status::Unknown,
            format!("{pragma} could not run: {e}"),
        ),
    }
}

pub fn corrupt_values(corrupt: u64, examples: &Result<String, String>) -> Check {
    if corrupt == 0 {
        return check("corrupt_values", Status::Ok, "every value_json parses");
    }
    let what = format!(
        "{} whose value_json does not parse (the runtime fails reading them with PLUGIN_STATE_CORRUPT)",
        crate::output::rows(corrupt)
    );
    match examples {
        Ok(ex) => check("corrupt_values", Status::Critical, format!("{what}: {ex}")),
        // The count alone is the finding; only the examples are missing.
        Err(e) => check(
            "corrupt_values",
            Status::Critical,
            format!("{what} (examples unavailable: {e})"),
        ),
    }
}

/// Decoded namespaces whose keys disagree with their values or whose values lack the
/// namespace's shape: WARNING, with counts and sample keys per namespace.
pub fn namespace_integrity(
    found: &Result<Vec<crate::store::integrity::NsIntegrity>, String>,
) -> Check {
    const NAME: &str = "namespace_integrity";
    let found = match found {
        Err(e) => return check(NAME, Status::Unknown, format!("cannot decode rows: {e}")),
        Ok(f) if f.is_empty() => {
            return check(
                NAME,
                Status::Ok,
                "every live row of a decoded namespace has its key and shape",
            );
        }
        Ok(f) => f,
    };
    let samples = |s: &[(String, String)]| {
        s.iter()
            .map(|(k, why)| format!("{k}: {why}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let parts: Vec<String> = found
        .iter()
        .map(|n| {
            let mut what = Vec::new();
            if n.key_mismatches > 0 {
                what.push(format!(
                    "{} of {} whose key disagrees with the value ({})",
                    crate::output::thousands(n.key_mismatches),
                    crate::output::rows(n.rows),
                    samples(&n.key_samples)
                ));
            }
            if n.shape_problems > 0 {
                what.push(format!(
                    "{} of {} not of the namespace's shape ({})",
                    crate::output::thousands(n.shape_problems),
                    crate::output::rows(n.rows),
                    samples(&n.shape_samples)
                ));
            }
            format!("{}/{}: {}", n.plugin_id, n.namespace, what.join(", "))
        })
        .collect();
    check(
        NAME,
        Status::Warning,
        format!(
            "{}; the plugin cannot use such rows as written (`statectl ls NAMESPACE` marks them)",
            parts.join("; ")
        ),
    )
}

/// Rows whose `created_at`/`expires_at` is an INTEGER beyond 2^53-1: every runtime
/// version's `entries()` of that namespace fails, so the namespace is lost to its plugin.
pub fn unreadable_times(found: &Result<Vec<crate::store::query::UnreadableNs>, String>) -> Check {
    match found {
        Err(e) => check("unreadable_times", Status::Unknown, e.clone()),
        Ok(v) if v.is_empty() => check(
            "unreadable_times",
            Status::Ok,
            "every created_at and expires_at is a number the runtime can read",
        ),
        Ok(v) => {
            let parts: Vec<String> = v
                .iter()
                .map(|(p, n, count, keys)| {
                    let keys: Vec<String> = keys
                        .iter()
                        .map(|k| format!("\"{}\"", crate::output::escape_control(k)))
                        .collect();
                    format!(
                        "{p}/{n} ({}: {})",
                        crate::output::rows(*count),
                        keys.join(", ")
                    )
                })
                .collect();
            check(
                "unreadable_times",
                Status::Critical,
                format!(
                    "the runtime can no longer read namespace {}: a created_at or expires_at above 2^53-1 makes its entries() fail (PLUGIN_STATE_READ_FAILED); remove the rows with `statectl prune NAMESPACE --key KEY`",
                    parts.join(", ")
                ),
            )
        }
    }
}

/// Per-plugin live rows against the version's cap, with perfdata for those over a threshold.
pub fn plugin_cap(
    scanned: &ScanMap,
    cap: Option<u64>,
    caps: &[PluginCap],
    lim: &Limits,
) -> (Check, Vec<Perf>) {
    let Some(cap) = cap else {
        return (
            check(
                "plugin_cap",
                Status::Ok,
                "no per-plugin cap in this version",
            ),
            Vec::new(),
        );
    };
    let mut per_plugin: std::collections::BTreeMap<&str, u64> = Default::default();
    for ((p, _), x) in scanned {
        *per_plugin.entry(p).or_default() += x.live;
    }
    let (mut worst, mut msgs, mut perf) = (Status::Ok, Vec::new(), Vec::new());
    for (p, n) in &per_plugin {
        let pct = n * 100 / cap;
        let st = if pct >= lim.plugin_crit {
            Status::Critical
        } else if pct >= lim.plugin_warn {
            Status::Warning
        } else {
            Status::Ok
        };
        if st > Status::Ok {
            msgs.push(format!(
                "plugin {p} at {}/{} live rows",
                thousands(*n),
                thousands(cap)
            ));
            perf.push(Perf {
                name: format!("live_{p}"),
                value: *n,
                unit: "",
                warn: Some(cap * lim.plugin_warn / 100),
                crit: Some(cap * lim.plugin_crit / 100),
            });
        }
        worst = worst.max(st);
    }
    if msgs.is_empty() {
        let top = per_plugin.iter().max_by_key(|(_, n)| **n);
        let msg = match top {
            Some((p, n)) => format!(
                "largest plugin {p} at {}/{} live rows",
                thousands(*n),
                thousands(cap)
            ),
            None => format!("no rows; cap {} live rows per plugin", thousands(cap)),
        };
        return (check("plugin_cap", Status::Ok, msg), perf);
    }
    let mut notes = Vec::new();
    if worst == Status::Critical {
        for (p, n) in &per_plugin {
            if n * 100 / cap >= lim.plugin_crit {
                notes.push(at_cap_effects(scanned, p, *n, caps));
            }
        }
    }
    let note = if notes.is_empty() {
        String::new()
    } else {
        format!(": {}", notes.join("; "))
    };
    (
        check("plugin_cap", worst, format!("{}{note}", msgs.join(", "))),
        perf,
    )
}

/// What the runtime versions of the rule set do with `plugin`'s writes at its cap,
/// naming the namespaces at risk. A legacy file may be 2026.5.6's or 2026.5.28's: both.
pub fn at_cap_effects(scanned: &ScanMap, plugin: &str, live: u64, caps: &[PluginCap]) -> String {
    let mut mine: Vec<(&str, u64, Overflow)> = scanned
        .iter()
        .filter(|((p, _), _)| p == plugin)
        .map(|((p, n), x)| (n.as_str(), x.live, known::policy(p, n).overflow))
        .collect();
    mine.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let named = |v: &[&(&str, u64, Overflow)]| -> String {
        let mut parts: Vec<String> = v
            .iter()
            .take(5)
            .map(|(n, l, _)| format!("{n} ({})", thousands(*l)))
            .collect();
        if v.len() > 5 {
            parts.push(format!("{} more", v.len() - 5));
        }
        parts.join(", ")
    };
    let all: Vec<&(&str, u64, Overflow)> = mine.iter().collect();
    let mut out = Vec::new();
    for c in caps {
        let text = if live < c.cap {
            format!(
                "{}: under its cap of {}, writes go in",
                c.versions,
                thousands(c.cap)
            )
        } else {
            match c.at_cap {
                AtCap::WriteFails => format!(
                    "{}: every new write of plugin {plugin} fails (PLUGIN_STATE_LIMIT_EXCEEDED) in all its namespaces: {}",
                    c.versions,
                    named(&all)
                ),
                AtCap::EvictWrittenNamespace { reject_new_refused } => {
                    let busy: Vec<&(&str, u64, Overflow)> =
                        mine.iter().filter(|(_, l, _)| *l > 0).collect();
                    let mut t = format!(
                        "{}: each write silently evicts the oldest rows of the namespace written (at risk: {}); a write fails only where that namespace has nothing to evict (a new namespace)",
                        c.versions,
                        named(&busy)
                    );
                    let reject: Vec<&(&str, u64, Overflow)> = mine
                        .iter()
                        .filter(|(_, _, o)| *o == Overflow::RejectNew)
                        .collect();
                    if reject_new_refused && !reject.is_empty() {
                        t.push_str(&format!(
                            "; reject-new namespaces are refused up front: {}",
                            named(&reject)
                        ));
                    } else if reject_new_refused {
                        t.push_str("; reject-new namespaces are refused up front");
                    }
                    t
                }
            }
        };
        out.push(text);
    }
    out.join("; ")
}

pub fn namespace_cap(scanned: &ScanMap) -> Check {
    let over: Vec<String> = scanned
        .iter()
        .filter_map(|((p, n), x)| {
            let max = known::policy(p, n).max_entries?;
            (x.live > max).then(|| format!("{p}/{n} {}/{}", thousands(x.live), thousands(max)))
        })
        .collect();
    if over.is_empty() {
        check(
            "namespace_cap",
            Status::Ok,
            "no namespace above its known maxEntries",
        )
    } else {
        check(
            "namespace_cap",
            Status::Warning,
            format!(
                "above maxEntries (the runtime evicts on its next write): {}",
                over.join(", ")
            ),
        )
    }
}

pub fn expired_backlog(live: u64, expired: u64, lim: &Limits) -> Check {
    let share = (expired * 100).checked_div(live + expired).unwrap_or(0);
    if expired > lim.expired_warn || (expired >= 100 && share > lim.expired_warn_share) {
        check(
            "expired_backlog",
            Status::Warning,
            format!(
                "{} ({share}% of all) not swept yet; `statectl prune --expired` removes them",
                expired_rows(expired)
            ),
        )
    } else {
        check(
            "expired_backlog",
            Status::Ok,
            format!("{} waiting for the sweep", expired_rows(expired)),
        )
    }
}

pub fn missing_ttl(scanned: &ScanMap) -> Check {
    let missing: Vec<String> = scanned
        .iter()
        .filter(|((p, n), x)| x.no_expiry > 0 && known::policy(p, n).ttl_expected)
        .map(|((p, n), x)| {
            let ttl = known::policy(p, n)
                .default_ttl_ms
                .map(format_span)
                .unwrap_or_default();
            format!("{p}/{n} {} (TTL {ttl})", crate::output::rows(x.no_expiry))
        })
        .collect();
    if missing.is_empty() {
        check(
            "missing_ttl",
            Status::Ok,
            "rows of TTL namespaces all expire",
        )
    } else {
        check(
            "missing_ttl",
            Status::Warning,
            format!(
                "rows without expiry in namespaces that have a TTL: {}",
                missing.join(", ")
            ),
        )
    }
}

/// `(count, examples)` of rows expiring before their creation and created in the future.
pub fn timestamps(
    bad_order: (u64, &Result<String, String>),
    in_future: (u64, &Result<String, String>),
    lim: &Limits,
) -> Check {
    if bad_order.0 + in_future.0 == 0 {
        return check(
            "timestamps",
            Status::Ok,
            "created_at and expires_at are consistent",
        );
    }
    let ex = |r: &Result<String, String>| match r {
        Ok(s) => s.clone(),
        Err(e) => format!("examples unavailable: {e}"),
    };
    let mut parts = Vec::new();
    if bad_order.0 > 0 {
        parts.push(format!(
            "{} {} before {} created ({})",
            crate::output::rows(bad_order.0),
            if bad_order.0 == 1 {
                "expires"
            } else {
                "expire"
            },
            if bad_order.0 == 1 {
                "it was"
            } else {
                "they were"
            },
            ex(bad_order.1)
        ));
    }
    if in_future.0 > 0 {
        parts.push(format!(
            "{} created more than {} in the future ({})",
            crate::output::rows(in_future.0),
            lim.skew_text,
            ex(in_future.1)
        ));
    }
    check("timestamps", Status::Warning, parts.join("; "))
}

pub fn permissions(problems: &Result<Vec<String>, String>) -> Check {
    match problems {
        Err(e) => check("permissions", Status::Unknown, e.clone()),
        Ok(p) if p.is_empty() => check(
            "permissions",
            Status::Ok,
            "directory 700, files 600, one owner",
        ),
        Ok(p) => check("permissions", Status::Warning, p.join("; ")),
    }
}

const MIB: u64 = 1024 * 1024;

/// `journal_size_limit`: the runtime's, when its version sets one (2026.9.6).
pub fn wal_size(wal: u64, journal_size_limit: Option<u64>, lim: &Limits) -> Check {
    let note = journal_size_limit
        .map(|l| {
            format!(
                "; the runtime truncates it to {} (journal_size_limit) after a checkpoint",
                human_bytes(l)
            )
        })
        .unwrap_or_default();
    if wal > lim.wal_warn_mib * MIB {
        check(
            "wal_size",
            Status::Warning,
            format!(
                "WAL is {}, above {} MiB: checkpoints are not keeping up (a long-lived reader?){note}",
                human_bytes(wal),
                lim.wal_warn_mib
            ),
        )
    } else {
        check(
            "wal_size",
            Status::Ok,
            format!("WAL {}{note}", human_bytes(wal)),
        )
    }
}

pub fn db_size(size: u64, lim: &Limits) -> Check {
    if size > lim.db_warn_mib * MIB {
        check(
            "db_size",
            Status::Warning,
            format!(
                "database is {}, above {} MiB",
                human_bytes(size),
                lim.db_warn_mib
            ),
        )
    } else {
        check(
            "db_size",
            Status::Ok,
            format!("database {}", human_bytes(size)),
        )
    }
}

pub fn legacy_file(legacy: Option<&Path>) -> Check {
    match legacy {
        Some(l) => check(
            "legacy_file",
            Status::Warning,
            format!(
                "legacy {} still present beside the shared database: run `openclaw doctor --fix`, or it left conflicts",
                l.display()
            ),
        ),
        None => check("legacy_file", Status::Ok, "no unmigrated legacy database"),
    }
}

/// `--all-dbs`: every check of every database under the state dir, each naming its
/// file; perfdata keyed `FILE:NAME`.
pub fn every_db(
    report: &crate::ops::dbs::Report,
    busy_timeout: u64,
    now: i64,
    lim: &Limits,
) -> (Vec<Check>, Vec<Perf>) {
    use crate::store::discover::Role;
    let legacy = report
        .databases
        .iter()
        .find(|d| d.found.role == Role::LegacySidecar)
        .map(|d| d.found.path.clone());
    let (mut checks, mut perf) = (Vec::new(), Vec::new());
    if report.databases.is_empty() && report.unreadable.is_empty() {
        checks.push(check(
            "open",
            Status::Unknown,
            format!(
                "no plugin-state database under {}",
                report.state_dir.display()
            ),
        ));
    }
    // A directory the walk could not read may hold a database nobody checks.
    for (dir, why) in &report.unreadable {
        let mut c = check(
            "open",
            Status::Unknown,
            format!(
                "cannot read this directory ({why}): a database in it is not checked; run statectl as the gateway's user"
            ),
        );
        c.db = Some(dir.clone());
        checks.push(c);
    }
    for d in &report.databases {
        let beside = legacy.clone().filter(|_| d.found.role == Role::Main);
        let (c, p) = match crate::store::Db::open_read_only(&d.found.path, busy_timeout) {
            Ok(db) => evaluate(&gather(&db, beside, now, lim), lim),
            Err(e) => (vec![check("open", Status::Unknown, e.message)], Vec::new()),
        };
        checks.extend(c.into_iter().map(|mut c| {
            c.db = Some(d.found.rel.clone());
            c
        }));
        perf.extend(p.into_iter().map(|mut p| {
            p.name = format!("{}:{}", d.found.rel, p.name);
            p
        }));
    }
    (checks, perf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::scan::NsScan;

    fn limits() -> Limits {
        Limits {
            plugin_warn: 80,
            plugin_crit: 100,
            expired_warn: 10_000,
            expired_warn_share: 50,
            skew_ms: 300_000,
            skew_text: "5m".into(),
            db_warn_mib: 256,
            wal_warn_mib: 64,
            full: false,
            window_ms: 86_400_000,
            full_crit_ms: 86_400_000,
            full_warn_ms: 7 * 86_400_000,
            value_warn: 90,
            deadlock_pct: 95,
            stale: Vec::new(),
            decode_rows: true,
        }
    }

    /// A healthy database's facts, for each test to spoil one.
    fn healthy() -> Facts {
        let mut scan = ScanMap::new();
        scan.insert(
            ("discord".into(), "discord.modals".into()),
            NsScan {
                live: 10,
                ..Default::default()
            },
        );
        Facts {
            layout: Layout::Legacy,
            effective_version: 1,
            rules_name: "2026.5.6",
            newer_than_known: false,
            meta_mismatch: None,
            plugin_live_cap: Some(1000),
            rules: crate::store::rules::LEGACY,
            now: 0,
            listing_index: Ok(Some(
                crate::store::rules::LISTING_INDEX_4
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            )),
            large_examples: Ok(String::new()),
            unreadable: Ok(Vec::new()),
            decoded: Ok(Vec::new()),
            integrity: Ok("ok".into()),
            scan: Ok(scan),
            corrupt_examples: Ok(String::new()),
            bad_order_examples: Ok(String::new()),
            future_examples: Ok(String::new()),
            permissions: Ok(Vec::new()),
            db_size: 4096,
            wal_size: 0,
            legacy: None,
        }
    }

    fn status_of(checks: &[Check], name: &str) -> Status {
        checks.iter().find(|c| c.name == name).unwrap().status
    }

    #[test]
    fn healthy_facts_are_ok() {
        let (checks, perf) = evaluate(&healthy(), &limits());
        assert_eq!(fold(&checks), Status::Ok, "{checks:?}");
        assert_eq!(perf[1], Perf::count("live", 10));
    }

    #[test]
    fn critical_beats_unknown_and_warning_beats_unknown() {
        let mut f = healthy();
        f.integrity = Err("disk I/O error".into());
        let (checks, _) = evaluate(&f, &limits());
        assert_eq!(status_of(&checks, "integrity"), Status::Unknown);
        assert_eq!(fold(&checks), Status::Unknown);
        f.wal_size = 65 * MIB;
        assert_eq!(fold(&evaluate(&f, &limits()).0), Status::Warning);
        if let Ok(s) = &mut f.scan {
            s.values_mut().next().unwrap().corrupt = 2;
        }
        let (checks, _) = evaluate(&f, &limits());
        assert_eq!(status_of(&checks, "corrupt_values"), Status::Critical);
        assert_eq!(fold(&checks), Status::Critical);
        assert_eq!(Status::Critical.exit_code(), 2);
        assert_eq!(Status::Unknown.exit_code(), 3);
    }

    /// Issue 13 defect 4: what the cap does is said per detected version, naming the
    /// namespaces at risk; a legacy file says both 2026.5.6's and 2026.5.28's.
    #[test]
    fn the_cap_message_says_what_the_detected_version_does() {
        use crate::store::rules::{LEGACY, SHARED_V1, SHARED_V15, SHARED_V18};
        let mut scan = ScanMap::new();
        for (ns, live) in [
            ("telegram.poll-registry", 400u64),
            ("telegram.message-cache", 50_100),
        ] {
            scan.insert(
                ("telegram".into(), ns.into()),
                NsScan {
                    live,
                    ..Default::default()
                },
            );
        }
        let msg = |r: RuleSet| {
            let (c, _) = plugin_cap(&scan, r.plugin_live_cap, r.plugin_caps, &limits());
            (c.status, c.message)
        };
        let (st, m) = msg(LEGACY);
        assert_eq!(st, Status::Critical);
        assert!(
            m.contains("2026.5.6: every new write of plugin telegram fails"),
            "{m}"
        );
        assert!(
            m.contains("2026.5.28: each write silently evicts the oldest rows"),
            "{m}"
        );
        assert!(
            m.contains("telegram.message-cache (50,500)")
                || m.contains("telegram.message-cache (50,100)"),
            "{m}"
        );
        assert!(!m.contains("new writes of that plugin fail"), "{m}");
        let (_, m) = msg(SHARED_V1);
        assert!(
            m.contains("2026.6-2026.7: each write silently evicts"),
            "{m}"
        );
        assert!(m.contains("a new namespace"), "{m}");
        assert!(
            !m.contains("fails (PLUGIN_STATE_LIMIT_EXCEEDED) in all"),
            "{m}"
        );
        assert!(!m.contains("reject-new"), "{m}");
        let (_, m) = msg(SHARED_V15);
        assert!(
            m.contains("reject-new namespaces are refused up front: telegram.poll-registry (400)"),
            "{m}"
        );
        let (st, m) = msg(SHARED_V18);
        assert_eq!(st, Status::Ok);
        assert!(m.contains("no per-plugin cap"), "{m}");
    }

    #[test]
    fn a_check_that_cannot_run_is_unknown_alone() {
        let mut f = healthy();
        f.permissions = Err("cannot stat /x".into());
        f.wal_size = 65 * MIB;
        let (checks, _) = evaluate(&f, &limits());
        assert_eq!(status_of(&checks, "permissions"), Status::Unknown);
        assert_eq!(status_of(&checks, "wal_size"), Status::Warning);
        assert_eq!(status_of(&checks, "integrity"), Status::Ok);
        assert_eq!(checks.len(), 18, "every other check still reported");
    }

    #[test]
    fn the_capacity_checks_judge_the_scan_with_tops_rules() {
        let mut f = healthy();
        let mut scan = ScanMap::new();
        // 990 old rows and 10 written in the window: 2026.5.6's cap of 1,000 is reached.
        scan.insert(
            ("telegram".into(), "telegram.sticker-cache".into()),
            NsScan {
                live: 990,
                ..Default::default()
            },
        );
        scan.insert(
            ("telegram".into(), "telegram.thread-bindings".into()),
            NsScan {
                live: 10,
                writes_window: 10,
                large_values: 2,
                ..Default::default()
            },
        );
        f.scan = Ok(scan);
        f.large_examples = Ok("telegram/telegram.thread-bindings \"k\"".into());
        f.listing_index = Ok(None);
        let (checks, _) = evaluate(&f, &limits());
        assert_eq!(status_of(&checks, "forecast"), Status::Critical);
        assert_eq!(status_of(&checks, "cap_deadlock"), Status::Critical);
        let d = checks.iter().find(|c| c.name == "cap_deadlock").unwrap();
        assert!(
            d.message.contains("prune telegram/telegram.sticker-cache"),
            "{}",
            d.message
        );
        assert_eq!(status_of(&checks, "value_size"), Status::Warning);
        assert_eq!(status_of(&checks, "listing_index"), Status::Warning);
        f.listing_index = Err("locked".into());
        let (checks, _) = evaluate(&f, &limits());
        assert_eq!(status_of(&checks, "listing_index"), Status::Unknown);
        assert_eq!(status_of(&healthy_checks(), "forecast"), Status::Ok);
        assert_eq!(status_of(&healthy_checks(), "cap_deadlock"), Status::Ok);
    }

    fn healthy_checks() -> Vec<Check> {
        evaluate(&healthy(), &limits()).0
    }

    #[test]
    fn missing_examples_keep_the_finding() {
        let c = corrupt_values(3, &Err("database is locked".into()));
        assert_eq!(c.status, Status::Critical);
        assert!(c.message.contains("3 rows") && c.message.contains("examples unavailable"));
    }

    #[test]
    fn the_plugin_cap_warns_then_goes_critical() {
        let mut f = healthy();
        let set = |f: &mut Facts, n| {
            if let Ok(s) = &mut f.scan {
                s.values_mut().next().unwrap().live = n;
            }
        };
        set(&mut f, 800);
        let (c, perf) = plugin_cap(
            f.scan.as_ref().unwrap(),
            f.plugin_live_cap,
            f.rules.plugin_caps,
            &limits(),
        );
        assert_eq!(
            (c.status, perf[0].text().as_str()),
            (Status::Warning, "live_discord=800;800;1000")
        );
        set(&mut f, 1000);
        let (c, _) = plugin_cap(
            f.scan.as_ref().unwrap(),
            f.plugin_live_cap,
            f.rules.plugin_caps,
            &limits(),
        );
        assert_eq!(c.status, Status::Critical);
    }
}
