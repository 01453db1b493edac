//! `statectl import`: restore an export, all or nothing.

use crate::Ctx;
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
    about = "Restore an export: verified first, then applied in one atomic transaction",
    after_help = "Examples:\n  statectl import before-upgrade.jsonl --dry-run\n  statectl import before-upgrade.jsonl --on-conflict newer\n\nThe header, count and checksum are verified before the database is touched; every\nentry is checked with the target database's rules. Entries already expired are\ndropped unless --include-expired. Either every accepted row is imported or none."
)]
pub struct ImportArgs {
    /// The export file (`-` reads stdin)
    pub file: PathBuf,
    /// What to do when a key already has a live row
    #[arg(long, value_enum, default_value_t = OnConflict::Skip)]
    pub on_conflict: OnConflict,
    /// Print per namespace what would be added, replaced, skipped and dropped
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Also import entries that are already expired
    #[arg(long)]
    pub include_expired: bool,
}

/// Per (plugin, namespace) outcome.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    added: u64,
    replaced: u64,
    skipped: u64,
    dropped_expired: u64,
    dropped_corrupt: u64,
}

/// Classifies every entry against the database and, when `write`, applies it. The dry
/// run and the real import go through this one function.
fn nothing_imported() -> String {
    "nothing was imported (an import is one transaction)".into()
}

fn apply(
    conn: &Connection,
    path: &Path,
    rules: &RuleSet,
    args: &ImportArgs,
    now: Ms,
    write: bool,
) -> Result<BTreeMap<(String, String), Counts>> {
    let before = store_import::live_counts(conn, now)?;
    let mut stats: BTreeMap<(String, String), Counts> = BTreeMap::new();
    let mut target = store_import::Target::new(conn)?;
    export::read(export::open(path)?, Some(rules), |ie| {
        crate::interrupt::check(nothing_imported)?;
        let e = &ie.entry;
        let c = stats
            .entry((e.plugin_id.clone(), e.namespace.clone()))
            .or_default();
        if ie.corrupt {
            c.dropped_corrupt += 1;
            return Ok(());
        }
        if !args.include_expired && !is_live(e.expires_at, now) {
            c.dropped_expired += 1;
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
        } else {
            c.added += 1;
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
    for ((p, _), c) in stats {
        per_plugin.entry(p).or_default().1 += c.added;
    }
    for (plugin, (live, added)) in per_plugin {
        if added > 0 && live + added > cap {
            return Err(Error::new(
                Kind::PluginCap,
                format!(
                    "importing would give plugin '{plugin}' {} live rows, over this database's cap of {} ({}); the runtime would then refuse every write of that plugin; nothing was imported; import fewer namespaces or prune first",
                    thousands(live + added),
                    thousands(cap),
                    rules.name
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
    // First pass: the whole file is verified before the database is touched.
    let _armed = crate::interrupt::arm();
    // Read twice (verify, then apply): stdin and pipes are spooled to a private file.
    let spooled = export::spool_if_stream(&args.file)?;
    let file = spooled.as_ref().map_or(args.file.as_path(), |t| t.path());
    let summary = export::read(export::open(file)?, Some(&rules), |_| {
        crate::interrupt::check(nothing_imported)
    })?;
    let stats = if args.dry_run {
        let db = ctx.open_read()?;
        apply(&db.conn, file, &rules, args, ctx.now, false)?
    } else {
        let mut writer = Writer::open(&found.path, ctx.global.busy_timeout)?;
        let now = ctx.now;
        let result = writer.transaction(|tx| apply(tx, file, &rules, args, now, true));
        writer.checkpoint_over(write::AUTOCHECKPOINT_PAGES);
        writer.report_stats(ctx.err);
        result?
    };
    report(ctx, &stats, summary.entries, args.dry_run)?;
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

fn report(
    ctx: &mut Ctx,
    stats: &BTreeMap<(String, String), Counts>,
    entries: u64,
    dry_run: bool,
) -> Result<()> {
    let total = stats.values().fold(Counts::default(), |a, c| Counts {
        added: a.added + c.added,
        replaced: a.replaced + c.replaced,
        skipped: a.skipped + c.skipped,
        dropped_expired: a.dropped_expired + c.dropped_expired,
        dropped_corrupt: a.dropped_corrupt + c.dropped_corrupt,
    });
    if ctx.format.is_json() {
        let doc = json!({
            "dry_run": dry_run,
            "entries": entries,
            "added": total.added,
            "replaced": total.replaced,
            "skipped": total.skipped,
            "dropped_expired": total.dropped_expired,
            "dropped_corrupt": total.dropped_corrupt,
            "namespaces": stats.iter().map(|((p, n), c)| json!({
                "plugin_id": p, "namespace": n, "added": c.added, "replaced": c.replaced,
                "skipped": c.skipped, "dropped_expired": c.dropped_expired, "dropped_corrupt": c.dropped_corrupt,
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
                "DROP-CORRUPT",
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
                    thousands(c.dropped_corrupt),
                ],
            );
        }
        write_table(ctx.out, &t)?;
    }
    writeln!(
        ctx.out,
        "{}{} ({} added, {} replaced), {} skipped, {} dropped as expired, {} dropped as corrupt",
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
        thousands(total.dropped_corrupt),
    )?;
    Ok(())
}
