//! Comparing two states of plugin state: each side a database, a state dir or an
//! export file; rows matched by (plugin, namespace, key) and classified, and the
//! legacy-sidecar verdict ("safe to archive, or these rows would be lost").

use crate::error::{Error, Kind, Result};
use crate::export;
use crate::store::{self, Db, Liveness, Selection, known, locate, query, scratch};
use crate::timefmt::Ms;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// (plugin, namespace, key): how rows are matched across the two sides.
pub type RowKey = (String, String, String);

/// A row of one side, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub value_json: String,
    /// Stored as a BLOB (the runtime cannot read it): an export marks it so.
    pub blob: bool,
    pub created_at: Ms,
    pub expires_at: Option<Ms>,
}

/// What one side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Database,
    Export,
}

/// One side of a comparison, opened and ready to select from.
pub struct Source {
    pub path: PathBuf,
    pub kind: SourceKind,
    /// The database, or a private in-memory copy of the export's rows.
    conn: Connection,
    /// An export's recorded selection: the other side is compared within it.
    recorded: Option<Vec<Selection>>,
    /// An export that excluded secret namespaces.
    excludes_secrets: bool,
    /// Layout and versions, for the report.
    pub describe: serde_json::Value,
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

fn is_sqlite(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| {
        Error::new(
            Kind::FileNotFound,
            format!("cannot open {}: {e}", path.display()),
        )
    })?;
    let mut head = [0u8; 16];
    let n = f.read(&mut head)?;
    Ok(n == 16 && head == SQLITE_MAGIC)
}

fn open_db(path: &Path, busy_timeout_ms: u64) -> Result<Source> {
    let db = Db::open_read_only(path, busy_timeout_ms)?;
    let describe = serde_json::json!({
        "layout": db.schema.layout.as_str(),
        "schema_version": db.schema.effective_version,
        "app_version": db.schema.app_version,
    });
    Ok(Source {
        path: path.to_path_buf(),
        kind: SourceKind::Database,
        conn: db.conn,
        recorded: None,
        excludes_secrets: false,
        describe,
    })
}

impl Source {
    /// A database file, a state dir (either layout; the shared file when both exist)
    /// or an export file, told apart by what is there.
    pub fn open(arg: &Path, busy_timeout_ms: u64) -> Result<Source> {
        if arg.is_dir() {
            let env = |_: &str| None;
            let found = locate::locate(
                &locate::Hints {
                    db: None,
                    state_dir: Some(arg),
                },
                &env,
            )?;
            return open_db(&found.path, busy_timeout_ms);
        }
        if is_sqlite(arg)? {
            return open_db(arg, busy_timeout_ms);
        }
        let mut entries = Vec::new();
        let summary = export::read(export::open(arg)?, None, |ie| {
            entries.push(ie.entry);
            Ok(())
        })
        .map_err(|e| {
            Error::new(
                e.kind,
                format!(
                    "{} is neither a SQLite database nor a valid statectl export: {}",
                    arg.display(),
                    e.message
                ),
            )
        })?;
        let header = &summary.header;
        let sel = &header.selection;
        Ok(Source {
            path: arg.to_path_buf(),
            kind: SourceKind::Export,
            conn: scratch::from_entries(entries)?,
            recorded: Some(recorded_selections(sel, header.now)?),
            excludes_secrets: sel["exclude_secrets"].as_bool().unwrap_or(false),
            describe: serde_json::json!({
                "exported_at": header.exported_at,
                "now": header.now,
                "source": header.source,
                "selection": header.selection,
            }),
        })
    }

    /// The rows of `sels`, keyed for matching.
    fn rows(&self, sels: &[Selection]) -> Result<BTreeMap<RowKey, Row>> {
        let mut out = BTreeMap::new();
        for sel in sels {
            query::for_each_entry(&self.conn, sel, None, |e| {
                out.insert(
                    (e.plugin_id, e.namespace, e.key),
                    Row {
                        value_json: e.value_json,
                        blob: e.blob,
                        created_at: e.created_at,
                        expires_at: e.expires_at,
                    },
                );
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// The rows of `sels` that also fall inside what `other` covers (an export's
    /// recorded selection; a database covers everything).
    fn rows_within(&self, sels: &[Selection], other: &Source) -> Result<BTreeMap<RowKey, Row>> {
        let mut rows = self.rows(sels)?;
        if let Some(recorded) = &other.recorded {
            let inside = self.rows(recorded)?;
            rows.retain(|k, _| inside.contains_key(k));
        }
        if other.excludes_secrets {
            rows.retain(|(p, n, _), _| !known::policy(p, n).secret);
        }
        Ok(rows)
    }
}

/// The selection an export header records, evaluated at the export's own `now`.
/// Exports written before the header carried `filters` record only namespaces,
/// plugin and liveness: a filtered one of those cannot be compared exactly.
fn recorded_selections(sel: &serde_json::Value, now: Ms) -> Result<Vec<Selection>> {
    let bad = |what: &str| {
        Error::new(
            Kind::InvalidExport,
            format!(
                "the export header's selection has an invalid {what}; re-export the file with this statectl"
            ),
        )
    };
    if sel["sidecar_lost"].as_bool() == Some(true) {
        return Err(Error::new(
            Kind::UnsupportedExport,
            "this export holds the rows `diff --sidecar` found would be lost, not a selection; restore it with `statectl import FILE --on-conflict newer`",
        ));
    }
    let filters = &sel["filters"];
    if sel["filtered"].as_bool() == Some(true) && filters.is_null() {
        return Err(Error::new(
            Kind::UnsupportedExport,
            "this export was filtered (--key, --prefix, --match or a time filter) by an older statectl that did not record the filter; compare against an unfiltered export",
        ));
    }
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let opt_ms = |name: &str| -> Result<Option<Ms>> {
        match &filters[name] {
            serde_json::Value::Null => Ok(None),
            v => v.as_i64().map(Some).ok_or_else(|| bad(name)),
        }
    };
    let base = Selection {
        plugin: sel["plugin"].as_str().map(str::to_string),
        namespaces: Vec::new(),
        keys: strings(&filters["keys"]),
        prefix: filters["prefix"].as_str().map(str::to_string),
        glob: filters["glob"].as_str().map(str::to_string),
        created_at_most: opt_ms("created_at_most")?,
        created_after: opt_ms("created_after")?,
        expires_at_most: opt_ms("expires_at_most")?,
        no_expiry: filters["no_expiry"].as_bool().unwrap_or(false),
        liveness: if sel["only_expired"].as_bool() == Some(true) {
            Liveness::Expired
        } else if sel["include_expired"].as_bool() == Some(true) {
            Liveness::All
        } else {
            Liveness::Live
        },
        now,
        // An export header does not record `--where` yet (issue 17 follow-up).
        decoded: Default::default(),
        guard: Default::default(),
    };
    let names = strings(&sel["namespaces"]);
    if names.is_empty() {
        return Ok(vec![base]);
    }
    names
        .iter()
        .map(|arg| {
            let (plugin, ns) = crate::split_namespace(arg, base.plugin.as_deref())?;
            Ok(Selection {
                plugin,
                namespaces: vec![ns],
                ..base.clone()
            })
        })
        .collect()
}

/// How a matched key compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Identical,
    OnlyInA,
    OnlyInB,
    /// `value_json` differs.
    Value,
    /// Same value, different `expires_at`.
    Expiry,
    /// Same value and expiry, rewritten at another time (`created_at` differs).
    Created,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Identical => "identical",
            Change::OnlyInA => "only_in_a",
            Change::OnlyInB => "only_in_b",
            Change::Value => "value",
            Change::Expiry => "expiry",
            Change::Created => "created",
        }
    }
}

/// Which side holds the newer write (`created_at`: every runtime write resets it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Newer {
    A,
    B,
    Same,
}

/// One compared key.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub plugin_id: String,
    pub namespace: String,
    pub key: String,
    pub change: Change,
    /// Only for keys on both sides.
    pub newer: Option<Newer>,
    pub a: Option<Row>,
    pub b: Option<Row>,
}

/// Classifies one key present on at least one side.
pub fn classify(a: Option<&Row>, b: Option<&Row>) -> (Change, Option<Newer>) {
    match (a, b) {
        (Some(_), None) => (Change::OnlyInA, None),
        (None, Some(_)) => (Change::OnlyInB, None),
        (None, None) => unreachable!("a compared key is on at least one side"),
        (Some(a), Some(b)) => {
            let newer = match a.created_at.cmp(&b.created_at) {
                std::cmp::Ordering::Greater => Newer::A,
                std::cmp::Ordering::Less => Newer::B,
                std::cmp::Ordering::Equal => Newer::Same,
            };
            let change = if a.value_json != b.value_json || a.blob != b.blob {
                Change::Value
            } else if a.expires_at != b.expires_at {
                Change::Expiry
            } else if a.created_at != b.created_at {
                Change::Created
            } else {
                return (Change::Identical, None);
            };
            (change, Some(newer))
        }
    }
}

/// Merges two keyed row sets into one classified list, in key order.
pub fn compare(a: BTreeMap<RowKey, Row>, b: BTreeMap<RowKey, Row>) -> Vec<Difference> {
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    let mut out = Vec::new();
    loop {
        let side = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((ka, _)), Some((kb, _))) => ka.cmp(kb),
        };
        let (key, ra, rb) = match side {
            std::cmp::Ordering::Less => {
                let (k, r) = a.next().expect("peeked");
                (k, Some(r), None)
            }
            std::cmp::Ordering::Greater => {
                let (k, r) = b.next().expect("peeked");
                (k, None, Some(r))
            }
            std::cmp::Ordering::Equal => {
                let (k, ra) = a.next().expect("peeked");
                let (_, rb) = b.next().expect("peeked");
                (k, Some(ra), Some(rb))
            }
        };
        let (change, newer) = classify(ra.as_ref(), rb.as_ref());
        out.push(Difference {
            plugin_id: key.0,
            namespace: key.1,
            key: key.2,
            change,
            newer,
            a: ra,
            b: rb,
        });
    }
    out
}

/// Compares the rows `sels` selects on both sides, each within what the other covers.
pub fn diff(a: &Source, b: &Source, sels: &[Selection]) -> Result<Vec<Difference>> {
    Ok(compare(a.rows_within(sels, b)?, b.rows_within(sels, a)?))
}

/// Counts per (plugin, namespace).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NamespaceCounts {
    pub plugin_id: String,
    pub namespace: String,
    pub identical: u64,
    pub only_in_a: u64,
    pub only_in_b: u64,
    pub value: u64,
    pub expiry: u64,
    pub created: u64,
    /// Of the differing keys on both sides, how many are newer in A / in B.
    pub newer_in_a: u64,
    pub newer_in_b: u64,
}

impl NamespaceCounts {
    /// The counts in column order: identical, only in A, only in B, value, expiry,
    /// created, newer in A, newer in B.
    pub fn figures(&self) -> [u64; 8] {
        [
            self.identical,
            self.only_in_a,
            self.only_in_b,
            self.value,
            self.expiry,
            self.created,
            self.newer_in_a,
            self.newer_in_b,
        ]
    }

    pub fn differences(&self) -> u64 {
        self.only_in_a + self.only_in_b + self.value + self.expiry + self.created
    }
}

pub fn summarize(diffs: &[Difference]) -> Vec<NamespaceCounts> {
    let mut by: BTreeMap<(&str, &str), NamespaceCounts> = BTreeMap::new();
    for d in diffs {
        let c = by
            .entry((&d.plugin_id, &d.namespace))
            .or_insert_with(|| NamespaceCounts {
                plugin_id: d.plugin_id.clone(),
                namespace: d.namespace.clone(),
                ..Default::default()
            });
        match d.change {
            Change::Identical => c.identical += 1,
            Change::OnlyInA => c.only_in_a += 1,
            Change::OnlyInB => c.only_in_b += 1,
            Change::Value => c.value += 1,
            Change::Expiry => c.expiry += 1,
            Change::Created => c.created += 1,
        }
        match d.newer {
            Some(Newer::A) => c.newer_in_a += 1,
            Some(Newer::B) => c.newer_in_b += 1,
            _ => {}
        }
    }
    by.into_values().collect()
}

/// The legacy sidecar beside a shared database: the files `diff --sidecar` compares.
pub struct SidecarPair {
    pub legacy: PathBuf,
    pub shared: PathBuf,
}

/// Finds the legacy sidecar (or its `.migrated` leftover) and the shared file.
pub fn sidecar_pair(state_dir: &Path) -> Result<SidecarPair> {
    let shared = state_dir.join(locate::SHARED_REL);
    let legacy = state_dir.join(locate::LEGACY_REL);
    let migrated = PathBuf::from(format!("{}.migrated", legacy.display()));
    let legacy = if legacy.exists() {
        legacy
    } else if migrated.exists() {
        migrated
    } else {
        return Err(Error::new(
            Kind::NoSidecar,
            format!(
                "no legacy sidecar in {}: neither {} nor its .migrated leftover exists, so there is nothing to archive",
                state_dir.display(),
                legacy.display()
            ),
        ));
    };
    if !shared.exists() {
        return Err(Error::new(
            Kind::DbNotFound,
            format!(
                "no shared database at {}: the legacy file has not been migrated; run `openclaw doctor --fix` first",
                shared.display()
            ),
        ));
    }
    Ok(SidecarPair { legacy, shared })
}

/// The sidecar verdict: which live legacy rows the shared file does not keep.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SidecarVerdict {
    /// Live legacy rows compared.
    pub legacy_rows: u64,
    pub identical: u64,
    /// Present in the shared file with a newer write.
    pub newer_in_shared: u64,
    /// Absent from the shared file, or older there: what archiving the sidecar loses.
    pub lost: Vec<Difference>,
    /// Same `created_at` on both sides with different content: no side is newer, so
    /// `import --on-conflict newer` keeps the shared row; decide by hand.
    pub conflicts: Vec<Difference>,
}

impl SidecarVerdict {
    pub fn safe(&self) -> bool {
        self.lost.is_empty() && self.conflicts.is_empty()
    }
}

/// Judges a diff of A = legacy sidecar, B = shared file (rows only in the shared file
/// do not matter: archiving the sidecar cannot lose them).
pub fn sidecar_verdict(diffs: Vec<Difference>) -> SidecarVerdict {
    let mut v = SidecarVerdict::default();
    for d in diffs {
        match (d.change, d.newer) {
            (Change::OnlyInB, _) => continue,
            (Change::Identical, _) => v.identical += 1,
            (Change::OnlyInA, _) | (_, Some(Newer::A)) => v.lost.push(d.clone()),
            (_, Some(Newer::B)) => v.newer_in_shared += 1,
            _ => v.conflicts.push(d.clone()),
        }
        v.legacy_rows += 1;
    }
    v
}

/// The legacy rows of `lost` as entries, in the runtime's order, for an export.
pub fn lost_entries(lost: &[Difference]) -> Vec<store::Entry> {
    let mut out: Vec<store::Entry> = lost
        .iter()
        .filter_map(|d| {
            d.a.as_ref().map(|r| store::Entry {
                plugin_id: d.plugin_id.clone(),
                namespace: d.namespace.clone(),
                key: d.key.clone(),
                value_json: r.value_json.clone(),
                created_at: r.created_at,
                expires_at: r.expires_at,
                blob: r.blob,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        (&x.plugin_id, &x.namespace, x.created_at, &x.key).cmp(&(
            &y.plugin_id,
            &y.namespace,
            y.created_at,
            &y.key,
        ))
    });
    out
}

/// Writes exactly the lost legacy rows as an export to `path`; returns how many.
pub fn write_lost(
    path: &Path,
    force: bool,
    legacy: &Path,
    lost: &[Difference],
    now: crate::timefmt::Ms,
    busy_timeout_ms: u64,
) -> Result<u64> {
    let db = crate::store::Db::open_read_only(legacy, busy_timeout_ms)?;
    let header = crate::export::header(
        &db,
        now,
        serde_json::json!({"sidecar_lost": true, "namespaces": [], "plugin": null,
               "include_expired": false, "only_expired": false,
               "exclude_secrets": false, "filtered": true, "filters": null}),
    );
    let mut file = crate::atomic::AtomicFile::create(path, force, legacy)?;
    let mut w = crate::export::ExportWriter::new(std::io::BufWriter::new(file.file()), &header)?;
    for e in lost_entries(lost) {
        w.entry(&e)?;
    }
    let (mut buf, n) = w.finish()?;
    std::io::Write::flush(&mut buf)?;
    drop(buf);
    file.commit()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: &str, c: Ms, e: Option<Ms>) -> Row {
        Row {
            value_json: v.into(),
            blob: false,
            created_at: c,
            expires_at: e,
        }
    }

    #[test]
    fn classification_follows_value_then_expiry_then_time() {
        let a = row("1", 10, Some(20));
        assert_eq!(
            classify(Some(&a), Some(&a.clone())),
            (Change::Identical, None)
        );
        assert_eq!(
            classify(Some(&a), Some(&row("2", 11, Some(20)))),
            (Change::Value, Some(Newer::B))
        );
        assert_eq!(
            classify(Some(&row("1", 12, Some(30))), Some(&a)),
            (Change::Expiry, Some(Newer::A))
        );
        assert_eq!(
            classify(Some(&row("1", 9, Some(20))), Some(&a)),
            (Change::Created, Some(Newer::B))
        );
        assert_eq!(classify(Some(&a), None), (Change::OnlyInA, None));
        assert_eq!(classify(None, Some(&a)), (Change::OnlyInB, None));
    }

    #[test]
    fn sidecar_verdict_keeps_newer_shared_rows_and_names_the_rest() {
        let k = |s: &str| ("p".to_string(), "n".to_string(), s.to_string());
        let legacy = BTreeMap::from([
            (k("same"), row("1", 10, None)),
            (k("shared-newer"), row("1", 10, None)),
            (k("legacy-newer"), row("1", 20, None)),
            (k("only-legacy"), row("1", 10, None)),
            (k("tie"), row("1", 10, None)),
        ]);
        let shared = BTreeMap::from([
            (k("same"), row("1", 10, None)),
            (k("shared-newer"), row("2", 30, None)),
            (k("legacy-newer"), row("2", 10, None)),
            (k("tie"), row("2", 10, None)),
            (k("only-shared"), row("1", 10, None)),
        ]);
        let v = sidecar_verdict(compare(legacy, shared));
        assert_eq!(v.legacy_rows, 5);
        assert_eq!((v.identical, v.newer_in_shared), (1, 1));
        let lost: Vec<&str> = v.lost.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(lost, ["legacy-newer", "only-legacy"]);
        assert_eq!(v.conflicts.len(), 1);
        assert!(!v.safe());
    }
}
