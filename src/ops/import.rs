//! The work of `statectl import`: which rows of the file to take, the verifying pass,
//! the plan (and backup) before replacing live rows, and the one pass that classifies
//! and applies every selected row; the runtime's caps are checked before committing.

use crate::atomic::AtomicFile;
use crate::error::{Error, Kind, Result};
use crate::export;
use crate::output::{rows, thousands};
use crate::store::import as store_import;
use crate::store::rules::{RuleSet, is_live};
use crate::store::write;
use crate::store::{Db, known};
use crate::timefmt::Ms;
use clap::ValueEnum;
use rusqlite::Connection;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnConflict {
    /// Keep the existing live row
    Skip,
    /// Overwrite the existing row
    Replace,
    /// Keep whichever row has the later created_at (like `openclaw doctor`)
    Newer,
    /// Refuse the whole import (exit 4)
    Fail,
}

/// Per (plugin, namespace) outcome.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub added: u64,
    pub replaced: u64,
    pub skipped: u64,
    pub dropped_expired: u64,
    /// Rows the target runtime cannot take (`export::Refused`): skipped and named.
    pub not_taken: u64,
    /// Added rows live at `--now`: only these count toward the plugin cap.
    pub added_live: u64,
}

pub fn nothing_imported() -> String {
    "nothing was imported (an import is one transaction)".into()
}

/// statectl's import speed inside one transaction, as `bench/run.py` measured it
/// (BENCHMARKS.md: 35,761 rows/s at 1,000,000 rows, the slow end of the runs): the
/// estimate of how long one transaction would hold the write lock.
pub const MEASURED_ROWS_PER_SEC: u64 = 35_000;

/// How an import writes: one transaction, or batches that leave the lock free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Atomic,
    /// `estimate_ms`: one transaction's estimated lock time; `limit_ms`: a tenth of the
    /// runtime's busy timeout, which it exceeds.
    Batched {
        estimate_ms: u64,
        limit_ms: u64,
    },
}

/// The deterministic rule: when one transaction would hold the write lock (rows ×
/// [`MEASURED_ROWS_PER_SEC`]) longer than a tenth of the gateway's busy timeout, the
/// import runs in batches; below it, or with `--atomic`, in one transaction; `--atomic`
/// past the estimate needs `--force`.
pub fn choose_mode(selected: u64, rules: &RuleSet, atomic: bool, force: bool) -> Result<Mode> {
    let estimate_ms = selected.saturating_mul(1000) / MEASURED_ROWS_PER_SEC;
    let limit_ms = rules.runtime_busy_timeout_ms / 10;
    if estimate_ms <= limit_ms {
        return Ok(Mode::Atomic);
    }
    if !atomic {
        return Ok(Mode::Batched {
            estimate_ms,
            limit_ms,
        });
    }
    if force {
        return Ok(Mode::Atomic);
    }
    Err(Error::new(
        Kind::AtomicTooLong,
        format!(
            "--atomic: one transaction of {} would hold the write lock for about {:.1} s, past a tenth ({:.1} s) of the gateway's {:.0} s busy timeout, so its writes may fail meanwhile; nothing was imported; add --force to do it anyway, or leave out --atomic to import in batches",
            rows(selected),
            estimate_ms as f64 / 1000.0,
            limit_ms as f64 / 1000.0,
            rules.runtime_busy_timeout_ms as f64 / 1000.0
        ),
    ))
}

/// One batch of a batched import, in one transaction: each row decided against the
/// database as it is now. Returns the verdicts of the rows it took, in order: all of
/// them, or fewer once `stop` says the transaction has run long enough (at least one
/// row); the rest wait for the next batch.
fn import_batch(
    writer: &mut write::Writer,
    batch: &[export::ImportEntry],
    req: &ImportRequest,
    now: Ms,
    stop: Option<write::StopRule>,
) -> Result<Vec<Verdict>> {
    writer.transaction(|tx| {
        let started = std::time::Instant::now();
        let mut target = store_import::Target::new(tx)?;
        let mut verdicts = Vec::with_capacity(batch.len());
        for ie in batch {
            let e = &ie.entry;
            let existing = target.existing(&e.plugin_id, &e.namespace, &e.key)?;
            let verdict = decide(req, existing, ie, now)?;
            if !matches!(verdict, Verdict::Skip) {
                target.upsert(&new_row(e))?;
            }
            verdicts.push(verdict);
            if stop.is_some_and(|stop| stop.reached(started.elapsed(), verdicts.len())) {
                break;
            }
        }
        Ok(verdicts)
    })
}

/// Imports the selected rows in short transactions paced by [`write::Pacer`]. Caps and
/// `--on-conflict fail` were checked by the caller's dry-run pass before. Ctrl-C or a
/// busy database stops between batches; the error says how many rows went in and what
/// a re-run does.
pub fn apply_batched(
    writer: &mut write::Writer,
    file: &export::Verified,
    rules: &RuleSet,
    req: &ImportRequest,
    now: Ms,
) -> Result<Stats> {
    let mut stats = Stats::new();
    let mut pacer = write::Pacer::new(writer, write::IMPORT_PACE)?;
    let mut batch: Vec<export::ImportEntry> = Vec::with_capacity(write::IMPORT_PACE.max_rows);
    let mut done = 0u64;
    let mut flush = |writer: &mut write::Writer,
                     batch: &mut Vec<export::ImportEntry>,
                     stats: &mut Stats,
                     pacer: &mut write::Pacer|
     -> Result<()> {
        crate::interrupt::check(|| partial_import(done, req.on_conflict))?;
        pacer.before_batch(writer);
        let verdicts = import_batch(writer, batch, req, now, pacer.stop_rule()).map_err(|e| {
            let why = partial_import(done, req.on_conflict);
            Error::new(e.kind, format!("{}; {why}", e.message))
        })?;
        let taken = verdicts.len();
        for (ie, verdict) in batch.iter().zip(verdicts) {
            let e = &ie.entry;
            let c = stats
                .entry((e.plugin_id.clone(), e.namespace.clone()))
                .or_default();
            c.count(&verdict, e, now);
        }
        done += taken as u64;
        batch.drain(..taken);
        pacer.after_batch(writer, taken)
    };
    file.read(Some(rules), |ie| {
        if taken(req, &mut stats, &ie, now).is_none() {
            return Ok(());
        }
        batch.push(ie);
        while batch.len() >= pacer.limit() {
            flush(writer, &mut batch, &mut stats, &mut pacer)?;
        }
        Ok(())
    })?;
    while !batch.is_empty() {
        flush(writer, &mut batch, &mut stats, &mut pacer)?;
    }
    Ok(stats)
}

/// What an interrupted batched import did, and what a re-run does.
fn partial_import(done: u64, on_conflict: OnConflict) -> String {
    let rerun = match on_conflict {
        OnConflict::Skip | OnConflict::Newer => {
            "run the same command again to finish: it leaves the rows already in as they are"
                .to_string()
        }
        OnConflict::Replace => format!(
            "a re-run with --on-conflict replace writes the {} already in again (the same rows); --on-conflict skip finishes without touching them",
            rows(done)
        ),
        OnConflict::Fail => format!(
            "a re-run with --on-conflict fail stops at the first of the {} already in; re-run with --on-conflict skip to finish",
            rows(done)
        ),
    };
    format!(
        "{} imported in whole batches before it stopped; {rerun}",
        rows(done)
    )
}

/// Which entries of the file to import: the namespaces named (each may name its
/// plugin), `--plugin`, `--key`, `--prefix`. One pure predicate over the file's
/// entries, so the plan, the real run (and later a batched run) select alike.
#[derive(Debug, Clone, Default)]
pub struct ImportSelection {
    /// (plugin, namespace) pairs; empty: every namespace.
    namespaces: Vec<(Option<String>, String)>,
    plugin: Option<String>,
    keys: Vec<String>,
    prefix: Option<String>,
}

impl ImportSelection {
    /// From the command line: namespace arguments (each may name its plugin),
    /// `--plugin`, `--key` (trimmed as the runtime trims keys), `--prefix`.
    pub fn new(
        namespaces: &[String],
        plugin: Option<&str>,
        keys: &[String],
        prefix: Option<&str>,
    ) -> Result<Self> {
        let namespaces = namespaces
            .iter()
            .map(|a| crate::split_namespace(a, plugin))
            .collect::<Result<Vec<_>>>()?;
        Ok(ImportSelection {
            namespaces,
            plugin: plugin.map(str::to_string),
            keys: keys
                .iter()
                .map(|k| crate::store::rules::js_trim(k).to_string())
                .collect(),
            prefix: prefix.map(str::to_string),
        })
    }

    pub fn matches(&self, e: &crate::store::Entry) -> bool {
        self.plugin.as_ref().is_none_or(|p| *p == e.plugin_id)
            && (self.namespaces.is_empty()
                || self.namespaces.iter().any(|(p, n)| {
                    *n == e.namespace && p.as_ref().is_none_or(|p| *p == e.plugin_id)
                }))
            && (self.keys.is_empty() || self.keys.contains(&e.key))
            && self
                .prefix
                .as_ref()
                .is_none_or(|p| e.key.starts_with(p.as_str()))
    }

    pub fn is_everything(&self) -> bool {
        self.namespaces.is_empty()
            && self.plugin.is_none()
            && self.keys.is_empty()
            && self.prefix.is_none()
    }

    /// Refuses (exit 3, with a did-you-mean) a namespace or plugin named that is not in
    /// the file: for an import, "exists" means in the file.
    pub fn check_in_file(&self, in_file: &[(String, String)], path: &Path) -> Result<()> {
        let checks = self
            .namespaces
            .iter()
            .map(|(p, n)| (p.clone(), Some(n.as_str())))
            .chain(
                self.plugin
                    .iter()
                    .filter(|_| self.namespaces.is_empty())
                    .map(|p| (Some(p.clone()), None)),
            );
        for (plugin, ns) in checks {
            let found = in_file.iter().any(|(p, n)| {
                plugin.as_ref().is_none_or(|want| want == p) && ns.is_none_or(|want| want == n)
            });
            if found {
                continue;
            }
            let (what, word, candidates): (&str, &str, Vec<&str>) = match ns {
                Some(n) => (
                    "namespace",
                    n,
                    in_file.iter().map(|(_, n)| n.as_str()).collect(),
                ),
                None => {
                    let p = plugin.as_deref().unwrap_or_default();
                    (
                        "plugin",
                        p,
                        in_file.iter().map(|(p, _)| p.as_str()).collect(),
                    )
                }
            };
            let hint = match crate::store::names::did_you_mean(word, candidates) {
                Some(best) => format!("did you mean '{best}'?"),
                None => format!(
                    "see what it holds with `statectl verify {}`",
                    path.display()
                ),
            };
            return Err(Error::new(
                Kind::NamespaceNotFound,
                format!(
                    "no {what} '{word}'{} in {}; {hint}",
                    match (&plugin, ns) {
                        (Some(p), Some(_)) => format!(" under plugin '{p}'"),
                        _ => String::new(),
                    },
                    path.display()
                ),
            ));
        }
        Ok(())
    }
}

/// What the plan pass hands on: a replaced live row, as it is before the import.
pub type OnReplace<'a> = &'a mut dyn FnMut(&crate::store::Entry) -> Result<()>;

/// What `import` was asked: which rows, and what to do with a key that has a live row.
pub struct ImportRequest {
    pub pick: ImportSelection,
    pub on_conflict: OnConflict,
    pub include_expired: bool,
}

/// What a selected row does at its key.
enum Verdict {
    Add,
    Replace,
    Skip,
}

impl Counts {
    /// Counts one row's verdict; an added row live at `now` also counts toward the cap.
    fn count(&mut self, verdict: &Verdict, e: &crate::store::Entry, now: Ms) {
        match verdict {
            Verdict::Skip => self.skipped += 1,
            Verdict::Replace => self.replaced += 1,
            Verdict::Add => {
                self.added += 1;
                self.added_live += u64::from(is_live(e.expires_at, now));
            }
        }
    }
}

/// The row against the live row already at its key (`existing`: its created_at and
/// expires_at); `--on-conflict fail` refuses the whole import.
fn decide(
    req: &ImportRequest,
    existing: Option<(Ms, Option<Ms>)>,
    ie: &export::ImportEntry,
    now: Ms,
) -> Result<Verdict> {
    let e = &ie.entry;
    Ok(match existing {
        // An expired row is gone as far as the runtime is concerned.
        None => Verdict::Add,
        Some((_, exp)) if !is_live(exp, now) => Verdict::Add,
        Some((created, _)) => match req.on_conflict {
            OnConflict::Skip => Verdict::Skip,
            OnConflict::Replace => Verdict::Replace,
            OnConflict::Newer if e.created_at > created => Verdict::Replace,
            OnConflict::Newer => Verdict::Skip,
            OnConflict::Fail => {
                return Err(Error::new(
                    Kind::ImportConflict,
                    format!(
                        "line {}: key '{}' in {}/{} already has a live row; nothing was imported; choose --on-conflict skip, replace or newer",
                        ie.line, e.key, e.plugin_id, e.namespace
                    ),
                ));
            }
        },
    })
}

/// The counts of a selected entry's namespace when the import takes it; `None` (and
/// counted) when it is not selected, already expired, or one the target cannot take.
fn taken<'s>(
    req: &ImportRequest,
    stats: &'s mut Stats,
    ie: &export::ImportEntry,
    now: Ms,
) -> Option<&'s mut Counts> {
    let e = &ie.entry;
    if !req.pick.matches(e) {
        return None;
    }
    let c = stats
        .entry((e.plugin_id.clone(), e.namespace.clone()))
        .or_default();
    if !req.include_expired && !is_live(e.expires_at, now) {
        c.dropped_expired += 1;
        return None;
    }
    if ie.refused.is_some() {
        c.not_taken += 1;
        return None;
    }
    Some(c)
}

/// The row to write for an entry.
fn new_row(e: &crate::store::Entry) -> store_import::NewRow<'_> {
    store_import::NewRow {
        plugin_id: &e.plugin_id,
        namespace: &e.namespace,
        key: &e.key,
        value_json: &e.value_json,
        created_at: e.created_at,
        expires_at: e.expires_at,
    }
}

/// Classifies every selected entry against the database and, when `write`, applies
/// it. The dry run, the plan before a confirmation and the real import go through
/// this one function (the checks before a batched import through [`survey`], which
/// runs the same [`Pass`]).
pub fn apply(
    conn: &Connection,
    file: &export::Verified,
    rules: &RuleSet,
    req: &ImportRequest,
    now: Ms,
    write: bool,
    mut on_replace: Option<OnReplace>,
) -> Result<Stats> {
    let mut pass = Pass::new(conn, req, now, write)?;
    file.read(Some(rules), |ie| {
        crate::interrupt::check(nothing_imported)?;
        pass.row(&ie, &mut on_replace)
    })?;
    pass.finish(rules)
}

/// One pass classifying the file's entries against the database (and writing them
/// when `write`), then checking the caps.
struct Pass<'c, 'r> {
    conn: &'c Connection,
    target: store_import::Target<'c>,
    before: BTreeMap<(String, String), u64>,
    stats: Stats,
    req: &'r ImportRequest,
    now: Ms,
    write: bool,
}

impl<'c, 'r> Pass<'c, 'r> {
    fn new(conn: &'c Connection, req: &'r ImportRequest, now: Ms, write: bool) -> Result<Self> {
        Ok(Pass {
            conn,
            target: store_import::Target::new(conn)?,
            before: store_import::live_counts(conn, now)?,
            stats: Stats::new(),
            req,
            now,
            write,
        })
    }

    fn row(&mut self, ie: &export::ImportEntry, on_replace: &mut Option<OnReplace>) -> Result<()> {
        let (req, now, e) = (self.req, self.now, &ie.entry);
        let Some(c) = taken(req, &mut self.stats, ie, now) else {
            return Ok(());
        };
        let existing = self.target.existing(&e.plugin_id, &e.namespace, &e.key)?;
        let verdict = decide(req, existing, ie, now)?;
        c.count(&verdict, e, now);
        match verdict {
            Verdict::Skip => return Ok(()),
            Verdict::Replace => {
                if let Some(f) = on_replace.as_mut()
                    && let Some(old) =
                        store_import::stored_row(self.conn, &e.plugin_id, &e.namespace, &e.key)?
                {
                    f(&old)?;
                }
            }
            Verdict::Add => {}
        }
        if self.write {
            self.target.upsert(&new_row(e))?;
        }
        Ok(())
    }

    fn finish(self, rules: &RuleSet) -> Result<Stats> {
        check_caps(&self.before, &self.stats, rules)?;
        Ok(self.stats)
    }
}

/// Refuses an import that would push a plugin over its version's live-row cap: the
/// runtime would then fail every write of that plugin.
fn check_caps(
    before: &BTreeMap<(String, String), u64>,
    stats: &Stats,
    rules: &RuleSet,
) -> Result<()> {
    let Some(cap) = rules.plugin_live_cap else {
        return Ok(());
    };
    let mut per_plugin: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for ((p, _), n) in before {
        per_plugin.entry(p).or_default().0 += n;
    }
    // Live rows only, as the runtime counts: a row already expired at --now (imported
    // with --include-expired) takes no room.
    for ((p, _), c) in stats {
        per_plugin.entry(p).or_default().1 += c.added_live;
    }
    for (plugin, (live, added)) in per_plugin {
        if added > 0 && live + added > cap {
            // The namespaces at risk: every one of the plugin's, here or imported.
            let mut at_risk: Vec<&str> = before
                .keys()
                .chain(stats.keys())
                .filter(|(p, _)| p == plugin)
                .map(|(_, n)| n.as_str())
                .collect();
            at_risk.sort_unstable();
            at_risk.dedup();
            let effects: Vec<String> = rules
                .plugin_caps
                .iter()
                .map(|c| {
                    if live + added > c.cap {
                        format!(
                            "{} (cap {}): {}",
                            c.versions,
                            thousands(c.cap),
                            c.at_cap.describe()
                        )
                    } else {
                        format!("{} (cap {}): under its cap", c.versions, thousands(c.cap))
                    }
                })
                .collect();
            return Err(Error::new(
                Kind::PluginCap,
                format!(
                    "importing would give plugin '{plugin}' {} live rows, over this database's cap of {} ({}); then {}; namespaces at risk: {}; nothing was imported; import fewer namespaces or prune first",
                    thousands(live + added),
                    thousands(cap),
                    rules.name,
                    effects.join("; "),
                    at_risk.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Outcome per (plugin, namespace).
pub type Stats = BTreeMap<(String, String), Counts>;

/// Every namespace's counts added up.
pub fn total(stats: &Stats) -> Counts {
    stats.values().fold(Counts::default(), |a, c| Counts {
        added: a.added + c.added,
        replaced: a.replaced + c.replaced,
        skipped: a.skipped + c.skipped,
        dropped_expired: a.dropped_expired + c.dropped_expired,
        not_taken: a.not_taken + c.not_taken,
        added_live: a.added_live + c.added_live,
    })
}

/// What the verifying pass found: the file's entry count and the selected rows the
/// target cannot take, as the import will skip them.
pub struct Survey {
    pub entries: u64,
    /// Selected rows the import weighs (live ones, or all with `--include-expired`).
    pub selected: u64,
    pub refused: Vec<export::Refused>,
    /// The file, verified: what the later passes read.
    pub file: export::Verified,
    /// With `check`: every selected row classified against it without writing, the
    /// caps and `--on-conflict fail` checked (what a batched import needs before its
    /// first batch), in the same read of the file.
    pub checked: Option<Stats>,
}

/// The first pass: the whole file is verified before the database is touched; a
/// namespace or plugin named that the file lacks is refused, and with `strict` so is
/// any selected row the target cannot take. `shown` is the file as the user named it.
/// With `check` (a read connection) it also runs [`apply`]'s dry classification,
/// whose refusal comes only after the file has been verified, as if it ran after.
pub fn survey(
    file: &Path,
    shown: &Path,
    rules: &RuleSet,
    req: &ImportRequest,
    strict: bool,
    now: Ms,
    check: Option<&Connection>,
) -> Result<Survey> {
    let mut in_file: Vec<(String, String)> = Vec::new();
    let mut refused: Vec<export::Refused> = Vec::new();
    let mut selected = 0u64;
    let mut pass = check.map(|c| Pass::new(c, req, now, false)).transpose()?;
    let mut refusal: Option<Error> = None;
    // Read transactions of many rows each, not one per row looked up.
    let mut snapshot = check.map(crate::store::Snapshot::begin).transpose()?;
    let summary = export::read(export::open(file)?, Some(rules), |ie| {
        if let Some(p) = pass.as_mut().filter(|_| refusal.is_none()) {
            refusal = p.row(&ie, &mut None).err();
        }
        if let Some(s) = snapshot.as_mut() {
            s.row()?;
        }
        let e = &ie.entry;
        if req.pick.matches(e) && (req.include_expired || is_live(e.expires_at, now)) {
            refused.extend(export::Refused::of(&ie));
            selected += 1;
        }
        if in_file
            .last()
            .is_none_or(|(p, n)| *p != e.plugin_id || *n != e.namespace)
        {
            in_file.push((e.plugin_id.clone(), e.namespace.clone()));
        }
        crate::interrupt::check(nothing_imported)
    })?;
    if let Some(s) = snapshot {
        s.end()?;
    }
    in_file.sort();
    in_file.dedup();
    if !req.pick.is_everything() {
        req.pick.check_in_file(&in_file, shown)?;
    }
    if strict && !refused.is_empty() {
        return Err(Error::new(
            Kind::ImportNotTaken,
            format!(
                "{} of {} cannot be taken by this database's runtime ({}), first: line {}: {}/{} '{}': {}; nothing was imported (--strict); without --strict they are skipped and named",
                rows(refused.len() as u64),
                shown.display(),
                rules.name,
                refused[0].line,
                refused[0].plugin_id,
                refused[0].namespace,
                refused[0].key,
                refused[0].reason
            ),
        ));
    }
    let checked = match (refusal, pass) {
        (Some(e), _) => return Err(e),
        (None, p) => p.map(|p| p.finish(rules)).transpose()?,
    };
    Ok(Survey {
        entries: summary.entries,
        selected,
        refused,
        file: export::Verified {
            path: file.to_path_buf(),
            sha256: summary.sha256,
        },
        checked,
    })
}

/// The live rows an import would replace, saved as an export before they are; written
/// in full only when [`Backup::commit`] is called (after the confirmation).
pub struct Backup {
    file: AtomicFile,
    writer: export::ExportWriter<std::io::BufWriter<std::fs::File>>,
}

impl Backup {
    /// Commits the file; returns how many rows it holds.
    pub fn commit(self) -> Result<u64> {
        let (mut out, n) = self.writer.finish()?;
        std::io::Write::flush(&mut out)?;
        drop(out);
        self.file.commit()?;
        Ok(n)
    }
}

/// The plan before replacing live rows: how many would be replaced, with the rows
/// saved to `backup` (not yet committed) when asked. `shown`: the file as named.
pub fn plan_replacements(
    db: &Db,
    file: &export::Verified,
    shown: &Path,
    rules: &RuleSet,
    req: &ImportRequest,
    backup: Option<&Path>,
    now: Ms,
) -> Result<(u64, Option<Backup>)> {
    let mut backup = match backup {
        Some(path) => {
            let header = export::header(
                db,
                now,
                json!({"backup_before": "import", "import_file": shown.display().to_string()}),
            );
            let mut file = AtomicFile::create_backup(path, &db.path)?;
            let writer = export::ExportWriter::new(
                std::io::BufWriter::new(file.file().try_clone()?),
                &header,
            )?;
            Some(Backup { file, writer })
        }
        None => None,
    };
    let planned = {
        let mut save = |old: &crate::store::Entry| match backup.as_mut() {
            Some(b) => b.writer.entry(old),
            None => Ok(()),
        };
        apply(&db.conn, file, rules, req, now, false, Some(&mut save))?
    };
    let replaced = planned.values().map(|c| c.replaced).sum();
    Ok((replaced, backup))
}

/// After the import: the namespaces it touched that now hold more live rows than their
/// maxEntries, as (plugin, namespace, live, maxEntries).
pub fn over_max_entries(
    db: &Db,
    stats: &Stats,
    now: Ms,
) -> Result<Vec<(String, String, u64, u64)>> {
    let after = store_import::live_counts(&db.conn, now)?;
    let mut over = Vec::new();
    for (plugin, ns) in stats.keys() {
        let live = after
            .get(&(plugin.clone(), ns.clone()))
            .copied()
            .unwrap_or(0);
        if let Some(m) = known::policy(plugin, ns).max_entries
            && live > m
        {
            over.push((plugin.clone(), ns.clone(), live, m));
        }
    }
    Ok(over)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Entry;

    fn entry(i: u64) -> export::ImportEntry {
        export::ImportEntry {
            line: i + 2,
            entry: Entry {
                plugin_id: "p".into(),
                namespace: "ns.b".into(),
                key: format!("k{i}"),
                value_json: i.to_string(),
                created_at: 1_000,
                expires_at: None,
                blob: false,
            },
            refused: None,
            readable: true,
        }
    }

    /// Issue 22: a batch past its time (`Pacer::stop_rule`) commits the rows it took,
    /// at least one, and leaves the rest for the next batch.
    #[test]
    fn a_batch_out_of_time_commits_the_rows_it_took_and_leaves_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.sqlite");
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/shared-2026.9.6.sqlite"
        );
        // Real rows of 2026.9.6, none of them in `p/ns.b`.
        std::fs::copy(fixture, &db).unwrap();
        let env = write::WriteEnv {
            busy_timeout_ms: 5_000,
            supervisor_mode: None,
            lock_root: dir.path().to_path_buf(),
        };
        let mut writer = write::Writer::open(&db, &env).unwrap();
        let req = ImportRequest {
            pick: ImportSelection::default(),
            on_conflict: OnConflict::Fail,
            include_expired: true,
        };
        let batch: Vec<_> = (0..5).map(entry).collect();
        let count = |w: &write::Writer| -> u64 {
            let live = store_import::live_counts(&w.db.conn, 2_000).unwrap();
            live.get(&("p".into(), "ns.b".into())).copied().unwrap_or(0)
        };
        let zero = Some(write::StopRule {
            most: std::time::Duration::ZERO,
            commit_per_row: std::time::Duration::ZERO,
        });
        let took = import_batch(&mut writer, &batch, &req, 2_000, zero).unwrap();
        assert_eq!((took.len(), count(&writer)), (1, 1));
        // The commit the rows will need counts: at 1 s a row, the second row would
        // reach 2 s.
        let commit = Some(write::StopRule {
            most: std::time::Duration::from_millis(1_500),
            commit_per_row: std::time::Duration::from_secs(1),
        });
        let took = import_batch(&mut writer, &batch[1..], &req, 2_000, commit).unwrap();
        assert_eq!((took.len(), count(&writer)), (2, 3));
        let took = import_batch(&mut writer, &batch[3..], &req, 2_000, None).unwrap();
        assert_eq!((took.len(), count(&writer)), (2, 5));
    }
}
