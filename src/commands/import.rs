//! `statectl import`: restore an export in one transaction; rows the target runtime
//! cannot take are skipped and named (`--strict` refuses the import instead).

use crate::Ctx;
use crate::atomic::AtomicFile;
use crate::error::{Error, Kind, Result};
use crate::export;
use crate::output::{add_row, new_table, rows, thousands, write_json, write_table};
use crate::store::import as store_import;
use crate::store::rules::{RuleSet, is_live};
use crate::store::write::{self, Writer};
use crate::store::{Db, known};
use crate::timefmt::Ms;
use clap::{Args, ValueEnum};
use rusqlite::Connection;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

#[derive(Debug, Args)]
#[command(
    about = "Restore an export, or part of it: verified first, then applied in one atomic transaction",
    after_help = "Examples:\n  statectl import before-upgrade.jsonl --dry-run\n  statectl import before-upgrade.jsonl --on-conflict newer\n  statectl import before-upgrade.jsonl discord.components --prefix btn_\n  statectl import before-upgrade.jsonl --plugin telegram --on-conflict replace --backup replaced.jsonl --yes\n\nThe header, count and checksum are verified before the database is touched: only\ndamage to the file (header, count, checksum, a line that is not an entry) refuses it.\nA row is carried byte for byte when the target runtime can read it; a row it cannot\ntake (a value JSON.parse refuses or a BLOB, over its value size or depth write limits,\na time outside 0..=8.64e15 ms, a key or namespace it would refuse) is skipped and\nnamed in a warning, exit 0; --strict refuses the whole import instead (exit 4).\nEntries already expired are dropped unless --include-expired. Either every accepted\nrow is imported or none. --on-conflict replace asks before it overwrites live rows\n(--yes without a terminal)."
)]
pub struct ImportArgs {
    /// The export file (`-` reads stdin)
    pub file: PathBuf,
    /// Import only these namespaces of the file (NAMESPACE or PLUGIN/NAMESPACE); default: all
    pub namespaces: Vec<String>,
    /// Import only this plugin's entries
    #[arg(long, value_name = "ID", help_heading = crate::cli::SELECTION)]
    pub plugin: Option<String>,
    /// Import only this exact key (repeatable; may start with '-')
    #[arg(long = "key", value_name = "K", allow_hyphen_values = true, help_heading = crate::cli::SELECTION)]
    pub keys: Vec<String>,
    /// Import only keys starting with P (case-sensitive)
    #[arg(long, value_name = "P", allow_hyphen_values = true, help_heading = crate::cli::SELECTION)]
    pub prefix: Option<String>,
    /// Do not ask before replacing live rows (needed without a terminal)
    #[arg(long, short = 'y', help_heading = crate::cli::SAFETY)]
    pub yes: bool,
    /// First save the live rows the import would replace to FILE, as an export
    #[arg(long, value_name = "FILE", help_heading = crate::cli::SAFETY)]
    pub backup: Option<PathBuf>,
    /// What to do when a key already has a live row
    #[arg(long, value_enum, default_value_t = OnConflict::Skip)]
    pub on_conflict: OnConflict,
    /// Print per namespace what would be added, replaced, skipped and dropped
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Also import entries that are already expired
    #[arg(long)]
    pub include_expired: bool,
    /// Refuse the whole import (exit 4) when any selected row cannot be taken by the
    /// target runtime, instead of skipping and naming it
    #[arg(long, help_heading = crate::cli::SAFETY)]
    pub strict: bool,
}

/// Per (plugin, namespace) outcome.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    added: u64,
    replaced: u64,
    skipped: u64,
    dropped_expired: u64,
    /// Rows the target runtime cannot take (`export::Refused`): skipped and named.
    not_taken: u64,
    /// Added rows live at `--now`: only these count toward the plugin cap.
    added_live: u64,
}

fn nothing_imported() -> String {
    "nothing was imported (an import is one transaction)".into()
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
    fn from_args(args: &ImportArgs) -> Result<Self> {
        let namespaces = args
            .namespaces
            .iter()
            .map(|a| crate::split_namespace(a, args.plugin.as_deref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(ImportSelection {
            namespaces,
            plugin: args.plugin.clone(),
            keys: args
                .keys
                .iter()
                .map(|k| crate::store::rules::js_trim(k).to_string())
                .collect(),
            prefix: args.prefix.clone(),
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

    fn is_everything(&self) -> bool {
        self.namespaces.is_empty()
            && self.plugin.is_none()
            && self.keys.is_empty()
            && self.prefix.is_none()
    }

    /// Refuses (exit 3, with a did-you-mean) a namespace or plugin named that is not in
    /// the file: for an import, "exists" means in the file.
    fn check_in_file(&self, in_file: &[(String, String)], path: &Path) -> Result<()> {
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
type OnReplace<'a> = &'a mut dyn FnMut(&crate::store::Entry) -> Result<()>;

/// Classifies every selected entry against the database and, when `write`, applies
/// it. The dry run, the plan before a confirmation and the real import go through
/// this one function.
#[allow(clippy::too_many_arguments)] // one flat call site per pass reads better than a struct
fn apply(
    conn: &Connection,
    path: &Path,
    rules: &RuleSet,
    args: &ImportArgs,
    pick: &ImportSelection,
    now: Ms,
    write: bool,
    mut on_replace: Option<OnReplace>,
) -> Result<BTreeMap<(String, String), Counts>> {
    let before = store_import::live_counts(conn, now)?;
    let mut stats: BTreeMap<(String, String), Counts> = BTreeMap::new();
    let mut target = store_import::Target::new(conn)?;
    export::read(export::open(path)?, Some(rules), |ie| {
        crate::interrupt::check(nothing_imported)?;
        let e = &ie.entry;
        if !pick.matches(e) {
            return Ok(());
        }
        let c = stats
            .entry((e.plugin_id.clone(), e.namespace.clone()))
            .or_default();
        if !args.include_expired && !is_live(e.expires_at, now) {
            c.dropped_expired += 1;
            return Ok(());
        }
        if ie.refused.is_some() {
            c.not_taken += 1;
            return Ok(());
        }
        let existing = target.existing(&e.plugin_id, &e.namespace, &e.key)?;
        let replace = match existing {
            // An expired row is gone as far as the runtime is concerned.
            None => false,
            Some((_, exp)) if !is_live(exp, now) => false,
            Some((created, _)) => match args.on_conflict {
                OnConflict::Skip => {
                    c.skipped += 1;
                    return Ok(());
                }
                OnConflict::Replace => true,
                OnConflict::Newer if e.created_at > created => true,
                OnConflict::Newer => {
                    c.skipped += 1;
                    return Ok(());
                }
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
        };
        if replace {
            c.replaced += 1;
            if let Some(f) = on_replace.as_mut()
                && let Some(old) =
                    store_import::stored_row(conn, &e.plugin_id, &e.namespace, &e.key)?
            {
                f(&old)?;
            }
        } else {
            c.added += 1;
            c.added_live += u64::from(is_live(e.expires_at, now));
        }
        if write {
            target.upsert(&store_import::NewRow {
                plugin_id: &e.plugin_id,
                namespace: &e.namespace,
                key: &e.key,
                value_json: &e.value_json,
                created_at: e.created_at,
                expires_at: e.expires_at,
            })?;
        }
        Ok(())
    })?;
    check_caps(&before, &stats, rules)?;
    Ok(stats)
}

/// Refuses an import that would push a plugin over its version's live-row cap: the
/// runtime would then fail every write of that plugin.
fn check_caps(
    before: &BTreeMap<(String, String), u64>,
    stats: &BTreeMap<(String, String), Counts>,
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

pub fn run(ctx: &mut Ctx, args: &ImportArgs) -> anyhow::Result<()> {
    let found = ctx.locate()?;
    let rules = Db::open_read_only(&found.path, ctx.global.busy_timeout)?
        .schema
        .rules;
    let pick = ImportSelection::from_args(args)?;
    // First pass: the whole file is verified before the database is touched.
    let _armed = crate::interrupt::arm();
    // Read twice (verify, then apply): stdin and pipes are spooled to a private file.
    let spooled = export::spool_if_stream(&args.file)?;
    let file = spooled.as_ref().map_or(args.file.as_path(), |t| t.path());

    let now = ctx.now;
    let mut in_file: Vec<(String, String)> = Vec::new();
    // The selected rows the target cannot take, as the import will skip them.
    let mut refused: Vec<export::Refused> = Vec::new();
    let summary = export::read(export::open(file)?, Some(&rules), |ie| {
        let e = &ie.entry;
        if pick.matches(e) && (args.include_expired || is_live(e.expires_at, now)) {
            refused.extend(export::Refused::of(&ie));
        }
        if in_file
            .last()
            .is_none_or(|(p, n)| *p != e.plugin_id || *n != e.namespace)
        {
            in_file.push((e.plugin_id.clone(), e.namespace.clone()));
        }
        crate::interrupt::check(nothing_imported)
    })?;
    in_file.sort();
    in_file.dedup();
    if !pick.is_everything() {
        pick.check_in_file(&in_file, &args.file)?;
    }
    if args.strict && !refused.is_empty() {
        return Err(Error::new(
            Kind::ImportNotTaken,
            format!(
                "{} of {} cannot be taken by this database's runtime ({}), first: line {}: {}/{} '{}': {}; nothing was imported (--strict); without --strict they are skipped and named",
                rows(refused.len() as u64),
                args.file.display(),
                rules.name,
                refused[0].line,
                refused[0].plugin_id,
                refused[0].namespace,
                refused[0].key,
                refused[0].reason
            ),
        )
        .into());
    }
    // Replacing live rows loses data: plan first, save the rows when asked, confirm.
    let replaces = matches!(args.on_conflict, OnConflict::Replace | OnConflict::Newer);
    if !args.dry_run
        && replaces
        && (args.on_conflict == OnConflict::Replace || args.backup.is_some())
    {
        let db = ctx.open_read()?;
        let mut backup = match &args.backup {
            Some(path) => {
                let header = crate::export::header(
                    &db,
                    now,
                    json!({"backup_before": "import", "import_file": args.file.display().to_string()}),
                );
                let mut file = AtomicFile::create(path, false, &db.path)?;
                let w = export::ExportWriter::new(
                    std::io::BufWriter::new(file.file().try_clone()?),
                    &header,
                )?;
                Some((file, w, path))
            }
            None => None,
        };
        let planned = {
            let mut save = |old: &crate::store::Entry| match backup.as_mut() {
                Some((_, w, _)) => w.entry(old),
                None => Ok(()),
            };
            apply(
                &db.conn,
                file,
                &rules,
                args,
                &pick,
                now,
                false,
                Some(&mut save),
            )?
        };
        let replaced: u64 = planned.values().map(|c| c.replaced).sum();
        if args.on_conflict == OnConflict::Replace && replaced > 0 {
            super::mutate::ask(
                ctx,
                &format!(
                    "Replace {} with the file's version",
                    rows(replaced).replacen(" row", " live row", 1)
                ),
                &format!(
                    "replace {}",
                    rows(replaced).replacen(" row", " live row", 1)
                ),
                args.yes,
            )?;
        }
        if let Some((file, w, path)) = backup {
            let (mut out, n) = w.finish()?;
            std::io::Write::flush(&mut out)?;
            drop(out);
            file.commit()?;
            writeln!(
                ctx.err,
                "saved {} to {} before replacing them",
                rows(n),
                path.display()
            )?;
        }
    }
    let stats = if args.dry_run {
        let db = ctx.open_read()?;
        apply(&db.conn, file, &rules, args, &pick, now, false, None)?
    } else {
        let mut writer = Writer::open(&found.path, &ctx.write_env())?;
        ctx.warn_schema_meta(&writer.db.schema);
        let result = writer.transaction(|tx| apply(tx, file, &rules, args, &pick, now, true, None));
        writer.checkpoint_over(write::AUTOCHECKPOINT_PAGES);
        ctx.report_txn_stats(&writer);
        result?
    };
    report(ctx, &stats, &refused, summary.entries, args.dry_run)?;
    if !args.dry_run {
        let db = Db::open_read_only(&found.path, ctx.global.busy_timeout)?;
        let after = store_import::live_counts(&db.conn, ctx.now)?;
        for (plugin, ns) in stats.keys() {
            let max = known::policy(plugin, ns).max_entries;
            let live = after
                .get(&(plugin.clone(), ns.clone()))
                .copied()
                .unwrap_or(0);
            if let Some(m) = max
                && live > m
            {
                ctx.warn(format_args!(
                    "{plugin}/{ns} now has {} live rows, above its maxEntries of {}; the runtime evicts the oldest on its next write",
                    thousands(live),
                    thousands(m)
                ));
            }
        }
    }
    Ok(())
}

/// How many rows the target cannot take a warning names one by one (JSON lists all).
const NAMED_NOT_TAKEN: usize = 20;

fn report(
    ctx: &mut Ctx,
    stats: &BTreeMap<(String, String), Counts>,
    refused: &[export::Refused],
    entries: u64,
    dry_run: bool,
) -> Result<()> {
    let total = stats.values().fold(Counts::default(), |a, c| Counts {
        added: a.added + c.added,
        replaced: a.replaced + c.replaced,
        skipped: a.skipped + c.skipped,
        dropped_expired: a.dropped_expired + c.dropped_expired,
        not_taken: a.not_taken + c.not_taken,
        added_live: a.added_live + c.added_live,
    });
    for r in refused.iter().take(NAMED_NOT_TAKEN) {
        ctx.warn(format_args!(
            "line {}: {}/{} '{}' not imported: {}",
            r.line,
            crate::output::escape_control(&r.plugin_id),
            crate::output::escape_control(&r.namespace),
            crate::output::escape_control(&r.key),
            r.reason
        ));
    }
    if refused.len() > NAMED_NOT_TAKEN {
        ctx.warn(format_args!(
            "and {} more the target cannot take (-o json lists them all)",
            thousands((refused.len() - NAMED_NOT_TAKEN) as u64)
        ));
    }
    if ctx.format.is_json() {
        let doc = json!({
            "dry_run": dry_run,
            "entries": entries,
            "added": total.added,
            "replaced": total.replaced,
            "skipped": total.skipped,
            "dropped_expired": total.dropped_expired,
            "not_taken": total.not_taken,
            "not_taken_rows": refused,
            "namespaces": stats.iter().map(|((p, n), c)| json!({
                "plugin_id": p, "namespace": n, "added": c.added, "replaced": c.replaced,
                "skipped": c.skipped, "dropped_expired": c.dropped_expired, "not_taken": c.not_taken,
            })).collect::<Vec<_>>(),
        });
        return write_json(ctx.out, ctx.format, &doc);
    }
    if dry_run {
        let mut t = new_table(
            ctx.term,
            &[
                "PLUGIN",
                "NAMESPACE",
                "ADD",
                "REPLACE",
                "SKIP",
                "DROP-EXPIRED",
                "NOT-TAKEN",
            ],
        );
        for ((p, n), c) in stats {
            add_row(
                &mut t,
                vec![
                    p.clone(),
                    n.clone(),
                    thousands(c.added),
                    thousands(c.replaced),
                    thousands(c.skipped),
                    thousands(c.dropped_expired),
                    thousands(c.not_taken),
                ],
            );
        }
        write_table(ctx.out, &t)?;
    }
    writeln!(
        ctx.out,
        "{}{} ({} added, {} replaced), {} skipped, {} dropped as expired, {} not taken (the target runtime cannot read or write them)",
        if dry_run {
            "dry run: would import "
        } else {
            "imported "
        },
        rows(total.added + total.replaced),
        thousands(total.added),
        thousands(total.replaced),
        thousands(total.skipped),
        thousands(total.dropped_expired),
        thousands(total.not_taken),
    )?;
    Ok(())
}
