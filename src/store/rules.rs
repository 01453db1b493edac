//! The OpenClaw runtime's rules as code: liveness, order, input validation and the
//! limits that differ between runtime versions. Every number here is the runtime's.

use crate::timefmt::Ms;
use rusqlite::types::ValueRef;
use std::cmp::Ordering;

/// Liveness exactly as the runtime evaluates it: `expires_at IS NULL OR expires_at > now`.
/// At `now == expires_at` a row is already expired.
/// A namespace whose newest write (`created_at`) is `after` or more before `now` has
/// stopped receiving writes: `watch --stale-after` and `check --stale` both ask this.
pub fn is_stale(newest_write: Ms, now: Ms, after: Ms) -> bool {
    now.saturating_sub(newest_write) >= after
}

/// From this schema version (2026.8.1's 15; 2026.9.6 is 18) the runtime refuses to
/// write a shared database whose `schema_meta` disagrees with `PRAGMA user_version`
/// (PLUGIN_STATE_OPEN_FAILED; its reads still work). 2026.6.1 (schema 1) writes it
/// anyway. Measured with each runtime; statectl follows: refuse from here, warn below.
pub const SCHEMA_META_REFUSED_FROM: i64 = 15;

/// Whether the runtime of this schema version refuses to write a database whose
/// `schema_meta` disagrees with its `user_version`.
pub fn schema_meta_refuses_writes(user_version: i64) -> bool {
    user_version >= SCHEMA_META_REFUSED_FROM
}

pub fn is_live(expires_at: Option<Ms>, now: Ms) -> bool {
    match expires_at {
        None => true,
        Some(e) => e > now,
    }
}

/// The SQL form of [`is_live`]; `?now` must be bound to the evaluation time.
pub const LIVE_SQL: &str = "(expires_at IS NULL OR expires_at > :now)";
/// The SQL form of "expired": what the runtime's sweep deletes.
pub const EXPIRED_SQL: &str = "(expires_at IS NOT NULL AND expires_at <= :now)";
/// The SQL form of a row that expires before it was written.
pub const EXPIRES_BEFORE_CREATED_SQL: &str = "(expires_at IS NOT NULL AND expires_at < created_at)";
/// The SQL form of a row written after `:future`.
pub const CREATED_AFTER_SQL: &str = "(created_at > :future)";
/// The runtime's `entries()` order. SQLite's BINARY collation compares the key's bytes.
pub const ORDER_SQL: &str = "created_at ASC, entry_key ASC";

/// The latest time the runtime can read: a valid JavaScript Date (which 2026.6.1 and
/// later require of `expires_at`/`created_at`) is at most 8.64e15 ms from the epoch.
pub const MAX_TIME_MS: Ms = 8_640_000_000_000_000;
/// The earliest time statectl computes or writes: the epoch (the runtime never writes a
/// negative time).
pub const MIN_TIME_MS: Ms = 0;

/// Whether `ms` is a time statectl may compute or write: `MIN_TIME_MS..=MAX_TIME_MS`.
/// Every time statectl parses (`--now`, `--at`, a `+DUR`) or computes from `--now`
/// (`--in`, `--older-than`, ...) goes through this one rule.
pub fn time_in_range(ms: Ms) -> bool {
    (MIN_TIME_MS..=MAX_TIME_MS).contains(&ms)
}

/// JavaScript's `Number.MAX_SAFE_INTEGER`. node:sqlite throws `ERR_OUT_OF_RANGE` reading
/// an INTEGER beyond it, so a row whose `created_at` or `expires_at` is one makes every
/// runtime version's `entries()` of its namespace, and `lookup()` of its key, fail with
/// `PLUGIN_STATE_READ_FAILED` (measured on 2026.5.6, 6.1, 8.1 and 9.6; other keys'
/// `lookup()` still works).
pub const MAX_SAFE_INTEGER: Ms = (1 << 53) - 1;

/// Whether the runtime can read this stored INTEGER time.
pub fn time_readable(ms: Ms) -> bool {
    (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&ms)
}

/// The SQL form of "a time the runtime cannot read": an INTEGER `created_at` or
/// `expires_at` beyond [`MAX_SAFE_INTEGER`]. A REAL time reads as a JavaScript number
/// (only a non-STRICT table holds one; the runtime compares it unrounded).
pub const UNREADABLE_TIME_SQL: &str = "((typeof(created_at) = 'integer' AND (created_at > 9007199254740991 OR created_at < -9007199254740991)) \
     OR (typeof(expires_at) = 'integer' AND (expires_at > 9007199254740991 OR expires_at < -9007199254740991)))";

/// SQLite's comparison of two stored values (`sqlite3MemCompare` with the BINARY
/// collation): numbers by value (an INTEGER against a REAL exactly), every number below
/// every TEXT, every TEXT below every BLOB, TEXT and BLOB by their bytes; `None` where
/// either is NULL (the comparison is NULL, which a `WHERE` or `FILTER` takes as false).
/// The time columns are compared with bound INTEGERs and with each other, where SQLite
/// converts nothing, so this is exactly what the SQL forms above compute.
pub fn sql_cmp(a: ValueRef<'_>, b: ValueRef<'_>) -> Option<Ordering> {
    use ValueRef::*;
    let class = |v: ValueRef<'_>| match v {
        Null => 0,
        Integer(_) | Real(_) => 1,
        Text(_) => 2,
        Blob(_) => 3,
    };
    Some(match (a, b) {
        (Null, _) | (_, Null) => return None,
        (Integer(x), Integer(y)) => x.cmp(&y),
        (Integer(x), Real(y)) => int_real_cmp(x, y),
        (Real(x), Integer(y)) => int_real_cmp(y, x).reverse(),
        (Real(x), Real(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Text(x), Text(y)) | (Blob(x), Blob(y)) => x.cmp(y),
        _ => class(a).cmp(&class(b)),
    })
}

/// An INTEGER against a REAL, exactly (SQLite's `sqlite3IntFloatCompare`).
fn int_real_cmp(i: i64, r: f64) -> Ordering {
    if r.is_nan() {
        return Ordering::Greater;
    }
    if r < -9_223_372_036_854_775_808.0 {
        return Ordering::Greater;
    }
    if r >= 9_223_372_036_854_775_808.0 {
        return Ordering::Less;
    }
    // trunc(r) is an integer-valued double within i64, so both steps are exact.
    let whole = r.trunc();
    i.cmp(&(whole as i64))
        .then_with(|| whole.partial_cmp(&r).unwrap_or(Ordering::Equal))
}

/// A row's `created_at` and `expires_at` as SQLite hands them over, judged by the SQL
/// forms' rules without SQLite evaluating each form per row (`check`'s scan reads a
/// million rows): each method is the SQL form it names, tested against it on every
/// storage class.
#[derive(Debug, Clone, Copy)]
pub struct StoredTimes<'a> {
    pub created_at: ValueRef<'a>,
    pub expires_at: ValueRef<'a>,
}

impl StoredTimes<'_> {
    fn expires_vs(&self, t: Ms) -> Option<Ordering> {
        sql_cmp(self.expires_at, ValueRef::Integer(t))
    }

    fn created_vs(&self, t: Ms) -> Option<Ordering> {
        sql_cmp(self.created_at, ValueRef::Integer(t))
    }

    /// [`LIVE_SQL`].
    pub fn live(&self, now: Ms) -> bool {
        matches!(self.expires_at, ValueRef::Null) || self.expires_vs(now) == Some(Ordering::Greater)
    }

    /// [`EXPIRED_SQL`].
    pub fn expired(&self, now: Ms) -> bool {
        matches!(self.expires_vs(now), Some(Ordering::Less | Ordering::Equal))
    }

    /// `expires_at IS NULL`.
    pub fn no_expiry(&self) -> bool {
        matches!(self.expires_at, ValueRef::Null)
    }

    /// [`EXPIRES_BEFORE_CREATED_SQL`].
    pub fn expires_before_created(&self) -> bool {
        sql_cmp(self.expires_at, self.created_at) == Some(Ordering::Less)
    }

    /// [`CREATED_AFTER_SQL`] with `:future` = `t`.
    pub fn created_after(&self, t: Ms) -> bool {
        self.created_vs(t) == Some(Ordering::Greater)
    }

    /// `created_at > lo AND created_at <= hi`.
    pub fn created_in(&self, lo: Ms, hi: Ms) -> bool {
        self.created_after(lo)
            && matches!(self.created_vs(hi), Some(Ordering::Less | Ordering::Equal))
    }

    /// `expires_at > lo AND expires_at <= hi`.
    pub fn expires_in(&self, lo: Ms, hi: Ms) -> bool {
        self.expires_vs(lo) == Some(Ordering::Greater)
            && matches!(self.expires_vs(hi), Some(Ordering::Less | Ordering::Equal))
    }

    /// [`UNREADABLE_TIME_SQL`].
    pub fn unreadable(&self) -> bool {
        let bad = |v: ValueRef<'_>| matches!(v, ValueRef::Integer(i) if !time_readable(i));
        bad(self.created_at) || bad(self.expires_at)
    }
}

/// Prefix that 2026.9.6 gives "retained" namespaces: never pruned, no TTL, no cap.
pub const RETAINED_PREFIX: &str = "@retained.";

pub const MAX_NAMESPACE_BYTES: usize = 128;
pub const MAX_KEY_BYTES: usize = 512;
pub const MAX_JSON_DEPTH: usize = 64;

/// JavaScript's `String.prototype.trim`: WhiteSpace (TAB, VT, FF, SP, NBSP, ZWNBSP and
/// the Zs category) plus LineTerminator (LF, CR, LS, PS). Unlike Rust's `trim` it strips
/// U+FEFF and keeps U+0085.
pub fn js_trim(s: &str) -> &str {
    fn is_js_space(c: char) -> bool {
        matches!(
            c,
            '\u{0009}'
                | '\u{000B}'
                | '\u{000C}'
                | '\u{0020}'
                | '\u{00A0}'
                | '\u{FEFF}'
                | '\u{000A}'
                | '\u{000D}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{1680}'
                | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
        )
    }
    s.trim_matches(is_js_space)
}

/// Validates a namespace as the runtime does (after trimming) and returns the trimmed
/// form. A `@retained.` namespace is valid when its logical name is.
pub fn validate_namespace(raw: &str) -> Result<&str, String> {
    let ns = js_trim(raw);
    let logical = ns.strip_prefix(RETAINED_PREFIX).unwrap_or(ns);
    // `/^[a-z0-9][a-z0-9._-]*$/iu`: under `iu` JavaScript folds case the Unicode way,
    // so `[a-z]` also admits U+017F (ſ, folds to s) and U+212A (Kelvin sign, folds to
    // k), and nothing else outside ASCII (checked with node over every code point).
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '\u{017F}' | '\u{212A}');
    let mut chars = logical.chars();
    let first_ok = chars.next().is_some_and(word);
    let rest_ok = chars.all(|c| word(c) || matches!(c, '.' | '_' | '-'));
    if !first_ok || !rest_ok {
        return Err(format!(
            "invalid namespace '{raw}': it must start with a letter or digit and contain only letters, digits, '.', '_' and '-'"
        ));
    }
    if logical.len() > MAX_NAMESPACE_BYTES {
        return Err(format!(
            "invalid namespace '{raw}': longer than {MAX_NAMESPACE_BYTES} bytes"
        ));
    }
    Ok(ns)
}

/// Validates an entry key as the runtime does and returns the trimmed key it would store.
pub fn validate_key(raw: &str) -> Result<&str, String> {
    let key = js_trim(raw);
    if key.is_empty() {
        return Err("invalid key: it is empty after trimming whitespace".to_string());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "invalid key: {} bytes, the runtime allows at most {MAX_KEY_BYTES}",
            key.len()
        ));
    }
    Ok(key)
}

/// The behaviour of one family of runtime versions, chosen from the database's layout
/// and schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet {
    /// Which runtime versions these rules come from.
    pub name: &'static str,
    /// Largest `value_json` in UTF-8 bytes.
    pub max_value_bytes: usize,
    /// Live rows per plugin across all its namespaces; `None` = no cap.
    pub plugin_live_cap: Option<u64>,
    /// Expired rows the runtime itself deletes per write or sweep; `None` = all of them.
    /// Only reported (`info`): statectl's own batches are `store::write::BATCH_ROWS`.
    pub runtime_sweep_limit: Option<u64>,
    /// The runtime's busy timeout in ms.
    pub runtime_busy_timeout_ms: u64,
    /// Writers coordinate through `state-lifecycle` lock files (2026.9.6).
    pub lifecycle_locks: bool,
    /// `@retained.` namespaces exist (2026.9.6).
    pub retained_namespaces: bool,
    /// What the runtime versions of this rule set do at their plugin cap, strictest
    /// first; empty when there is no cap. A legacy file does not say which version
    /// wrote it, so it has two. `plugin_live_cap` is the first of them.
    pub plugin_caps: &'static [PluginCap],
    /// The runtime's `PRAGMA journal_size_limit` in bytes: the WAL is truncated to it
    /// after a checkpoint (it does not cap growth between checkpoints).
    pub journal_size_limit: Option<u64>,
    /// Columns of the runtime's canonical `idx_plugin_state_listing`.
    pub listing_index: &'static [&'static str],
}

/// One runtime version's per-plugin live-row cap and what a write does at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginCap {
    /// The runtime versions that behave this way.
    pub versions: &'static str,
    pub cap: u64,
    pub at_cap: AtCap,
}

/// What a write does when its plugin is at the live-row cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtCap {
    /// The write fails with `PLUGIN_STATE_LIMIT_EXCEEDED` (2026.5.6).
    WriteFails,
    /// The write goes in, then the plugin's excess is evicted from the namespace just
    /// written (oldest first, never the key written); it fails when that namespace has
    /// nothing else to evict (a new namespace). With `reject_new_refused` (2026.8.1) a
    /// `reject-new` namespace is refused up front.
    EvictWrittenNamespace { reject_new_refused: bool },
}

impl AtCap {
    /// What happens, in a few words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            AtCap::WriteFails => "every new write fails",
            AtCap::EvictWrittenNamespace {
                reject_new_refused: false,
            } => "evicts only in the namespace written; new namespaces fail",
            AtCap::EvictWrittenNamespace {
                reject_new_refused: true,
            } => "evicts only in the namespace written; new and reject-new namespaces fail",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AtCap::WriteFails => "write-fails",
            AtCap::EvictWrittenNamespace { .. } => "evict-written-namespace",
        }
    }
}

/// The 4-column listing index of every version before 2026.9.6.
pub const LISTING_INDEX_4: &[&str] = &["plugin_id", "namespace", "created_at", "entry_key"];
/// 2026.9.6 appends `expires_at`.
pub const LISTING_INDEX_5: &[&str] = &[
    "plugin_id",
    "namespace",
    "created_at",
    "entry_key",
    "expires_at",
];
/// The name of the listing index in every version.
pub const LISTING_INDEX_NAME: &str = "idx_plugin_state_listing";

/// 2026.4.29 .. 2026.5.28, `plugin-state/state.sqlite`. The per-plugin cap was 1000 in
/// 2026.5.6 and 50000 in 2026.5.28; the file does not say which wrote it, so the
/// stricter cap applies.
pub const LEGACY: RuleSet = RuleSet {
    name: "legacy layout, OpenClaw 2026.4.29-2026.5.28",
    max_value_bytes: 65_536,
    plugin_live_cap: Some(1_000),
    runtime_sweep_limit: None,
    runtime_busy_timeout_ms: 5_000,
    lifecycle_locks: false,
    retained_namespaces: false,
    plugin_caps: &[
        PluginCap {
            versions: "2026.5.6",
            cap: 1_000,
            at_cap: AtCap::WriteFails,
        },
        PluginCap {
            versions: "2026.5.28",
            cap: 50_000,
            at_cap: AtCap::EvictWrittenNamespace {
                reject_new_refused: false,
            },
        },
    ],
    journal_size_limit: None,
    listing_index: LISTING_INDEX_4,
};
/// Shared schema 1..14: 2026.6.x .. 2026.7.x.
pub const SHARED_V1: RuleSet = RuleSet {
    name: "shared layout schema 1, OpenClaw 2026.6-2026.7",
    max_value_bytes: 65_536,
    plugin_live_cap: Some(50_000),
    runtime_sweep_limit: None,
    runtime_busy_timeout_ms: 30_000,
    lifecycle_locks: false,
    retained_namespaces: false,
    plugin_caps: &[PluginCap {
        versions: "2026.6-2026.7",
        cap: 50_000,
        at_cap: AtCap::EvictWrittenNamespace {
            reject_new_refused: false,
        },
    }],
    journal_size_limit: None,
    listing_index: LISTING_INDEX_4,
};
/// Shared schema 15..17: 2026.8.x.
pub const SHARED_V15: RuleSet = RuleSet {
    name: "shared layout schema 15, OpenClaw 2026.8",
    max_value_bytes: 1_048_576,
    plugin_live_cap: Some(50_000),
    runtime_sweep_limit: Some(1024),
    runtime_busy_timeout_ms: 5_000,
    lifecycle_locks: false,
    retained_namespaces: false,
    plugin_caps: &[PluginCap {
        versions: "2026.8",
        cap: 50_000,
        at_cap: AtCap::EvictWrittenNamespace {
            reject_new_refused: true,
        },
    }],
    journal_size_limit: None,
    listing_index: LISTING_INDEX_4,
};
/// Shared schema 18: 2026.9.6.
pub const SHARED_V18: RuleSet = RuleSet {
    name: "shared layout schema 18, OpenClaw 2026.9",
    max_value_bytes: 1_048_576,
    plugin_live_cap: None,
    runtime_sweep_limit: Some(1024),
    runtime_busy_timeout_ms: 5_000,
    lifecycle_locks: true,
    retained_namespaces: true,
    plugin_caps: &[],
    journal_size_limit: Some(67_108_864),
    listing_index: LISTING_INDEX_5,
};

/// Newest schema versions statectl knows, per layout. A newer database is readable
/// with a warning; writes to it are refused.
pub const NEWEST_LEGACY_VERSION: i64 = 1;
pub const NEWEST_SHARED_VERSION: i64 = 18;

/// The rule set for a shared-layout schema version. Versions between the ones seen in
/// the field take the rules of the nearest older known version; newer ones the newest.
pub fn shared_rules(version: i64) -> RuleSet {
    match version {
        ..=14 => SHARED_V1,
        15..=17 => SHARED_V15,
        _ => SHARED_V18,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn the_unreadable_time_sql_names_max_safe_integer() {
        assert!(UNREADABLE_TIME_SQL.contains(&MAX_SAFE_INTEGER.to_string()));
        assert!(time_readable(MAX_SAFE_INTEGER) && !time_readable(MAX_SAFE_INTEGER + 1));
        assert!(time_readable(-MAX_SAFE_INTEGER) && !time_readable(i64::MIN));
    }

    /// Every storage class a time column of a non-STRICT table can hold, near `now` and
    /// `now + window` and at the limits.
    fn stored_values(now: Ms, window: Ms) -> Vec<rusqlite::types::Value> {
        use rusqlite::types::Value::*;
        let mut v = vec![
            Null,
            Text(String::new()),
            Text("abc".into()),
            Text("5".into()),
        ];
        v.extend([vec![], vec![0u8], vec![0xff]].map(Blob));
        for i in [
            0,
            1,
            -1,
            now,
            now + window,
            now - window,
            MAX_SAFE_INTEGER,
            -MAX_SAFE_INTEGER,
        ] {
            v.extend([i - 1, i, i + 1].map(Integer));
        }
        v.extend([i64::MIN, i64::MAX].map(Integer));
        let (n, w) = (now as f64, (now + window) as f64);
        v.extend([n - 0.5, n + 0.5, w - 0.25, w + 0.25, 0.5, -0.5].map(Real));
        v.extend([1e300, -1e300, 9.3e18, -9.3e18, 9_223_372_036_854_775_808.0].map(Real));
        v
    }

    /// Asserts that `rust` gives what SQLite gives for `sql` (with `:now`, `:future` and
    /// `:window` bound) on every pair of [`stored_values`] as `created_at, expires_at`.
    pub(crate) fn agrees_with_sql(sql: &str, rust: impl Fn(&StoredTimes<'_>, Ms, Ms, Ms) -> bool) {
        let (now, future, window) = (1_000_000, 1_000_500, 1_000);
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE plugin_state_entries (created_at INTEGER, expires_at INTEGER)",
        )
        .unwrap();
        let values = stored_values(now, window);
        for c in &values {
            for e in &values {
                conn.execute("INSERT INTO plugin_state_entries VALUES (?1, ?2)", (c, e))
                    .unwrap();
            }
        }
        let mut stmt = conn
            .prepare(&format!(
                "SELECT created_at, expires_at, IFNULL({sql}, 0) FROM plugin_state_entries"
            ))
            .unwrap();
        for (name, v) in [(":now", now), (":future", future), (":window", window)] {
            if let Some(i) = stmt.parameter_index(name).unwrap() {
                stmt.raw_bind_parameter(i, v).unwrap();
            }
        }
        let mut rows = stmt.raw_query();
        let mut n = 0;
        while let Some(r) = rows.next().unwrap() {
            let t = StoredTimes {
                created_at: r.get_ref(0).unwrap(),
                expires_at: r.get_ref(1).unwrap(),
            };
            let want: i64 = r.get(2).unwrap();
            assert_eq!(rust(&t, now, future, window), want != 0, "{sql} on {t:?}");
            n += 1;
        }
        assert_eq!(n, values.len() * values.len());
    }

    #[test]
    fn stored_times_judge_as_the_sql_forms_do_on_every_storage_class() {
        agrees_with_sql(LIVE_SQL, |t, now, _, _| t.live(now));
        agrees_with_sql(EXPIRED_SQL, |t, now, _, _| t.expired(now));
        agrees_with_sql("expires_at IS NULL", |t, _, _, _| t.no_expiry());
        agrees_with_sql(EXPIRES_BEFORE_CREATED_SQL, |t, _, _, _| {
            t.expires_before_created()
        });
        agrees_with_sql(CREATED_AFTER_SQL, |t, _, future, _| t.created_after(future));
        agrees_with_sql(UNREADABLE_TIME_SQL, |t, _, _, _| t.unreadable());
    }

    #[test]
    fn an_integer_and_a_real_compare_exactly() {
        use ValueRef::{Integer, Real};
        let big = (1i64 << 53) + 1; // not a double: (big as f64) rounds down
        assert_eq!(
            sql_cmp(Integer(big), Real((1u64 << 53) as f64)),
            Some(Ordering::Greater)
        );
        assert_eq!(sql_cmp(Integer(5), Real(5.5)), Some(Ordering::Less));
        assert_eq!(sql_cmp(Integer(-5), Real(-5.5)), Some(Ordering::Greater));
        assert_eq!(sql_cmp(Real(5.0), Integer(5)), Some(Ordering::Equal));
        assert_eq!(
            sql_cmp(Integer(i64::MAX), Real(9.3e18)),
            Some(Ordering::Less)
        );
    }

    #[test]
    fn a_row_expires_exactly_at_expires_at() {
        assert!(is_live(None, 100));
        assert!(is_live(Some(101), 100));
        assert!(!is_live(Some(100), 100), "now == expires_at is expired");
        assert!(!is_live(Some(99), 100));
    }

    #[test]
    fn js_trim_differs_from_rust_trim_where_javascript_does() {
        assert_eq!(js_trim("\u{FEFF} key\u{00A0}\n"), "key");
        assert_eq!(js_trim("\u{0085}key\u{0085}"), "\u{0085}key\u{0085}");
        assert_eq!(js_trim("\u{3000}k\u{2029}"), "k");
    }

    #[test]
    fn namespaces_follow_the_runtime_pattern() {
        assert_eq!(
            validate_namespace(" discord.modals ").unwrap(),
            "discord.modals"
        );
        assert!(validate_namespace("@retained.telegram.message-cache").is_ok());
        assert!(validate_namespace("A9_x-y.z").is_ok());
        // The `u` flag: ſ and the Kelvin sign fold into [a-z]; other letters do not.
        for ok in ["\u{017F}", "a\u{212A}", "\u{212A}.x"] {
            assert!(validate_namespace(ok).is_ok(), "{ok:?}");
        }
        for bad in ["\u{0130}", "\u{00DF}", "\u{FB05}"] {
            assert!(validate_namespace(bad).is_err(), "{bad:?}");
        }
        for bad in ["", ".x", "-x", "a/b", "a b", "é", "@retained.", "@other.x"] {
            assert!(validate_namespace(bad).is_err(), "{bad:?}");
        }
        assert!(validate_namespace(&"a".repeat(128)).is_ok());
        assert!(validate_namespace(&"a".repeat(129)).is_err());
    }

    #[test]
    fn keys_are_trimmed_and_bounded_in_bytes() {
        assert_eq!(validate_key("  a:b  ").unwrap(), "a:b");
        assert!(validate_key(" \t ").is_err());
        assert!(validate_key(&"k".repeat(512)).is_ok());
        assert!(validate_key(&"k".repeat(513)).is_err());
        // 171 three-byte characters = 513 bytes.
        assert!(validate_key(&"€".repeat(171)).is_err());
        assert!(validate_key(&"€".repeat(170)).is_ok());
    }

    #[test]
    fn the_strict_plugin_cap_is_the_first_of_the_versions_caps() {
        for r in [LEGACY, SHARED_V1, SHARED_V15, SHARED_V18] {
            assert_eq!(
                r.plugin_live_cap,
                r.plugin_caps.first().map(|c| c.cap),
                "{}",
                r.name
            );
        }
        assert_eq!(
            LEGACY.plugin_caps.len(),
            2,
            "a legacy file may be 2026.5.6's or 2026.5.28's"
        );
    }

    #[test]
    fn shared_versions_map_to_the_nearest_known_rules() {
        assert_eq!(shared_rules(1), SHARED_V1);
        assert_eq!(shared_rules(14), SHARED_V1);
        assert_eq!(shared_rules(15), SHARED_V15);
        assert_eq!(shared_rules(18), SHARED_V18);
        assert_eq!(shared_rules(25), SHARED_V18);
    }
}
