//! `statectl import` rendered: the rows not taken (warnings), the outcome as a document,
//! or per namespace for a dry run, and the summary line.

use crate::Ctx;
use crate::error::Result;
use crate::export;
use crate::ops::import::{self as op, Stats};
use crate::output::{add_row, new_table, rows, thousands, write_json, write_table};
use serde_json::json;

/// How many rows the target cannot take a warning names one by one (JSON lists all).
const NAMED_NOT_TAKEN: usize = 20;

/// The rows the target cannot take, named in warnings (the first [`NAMED_NOT_TAKEN`]).
fn warn_not_taken(ctx: &mut Ctx, refused: &[export::Refused]) {
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
}

/// The import's (or dry run's) outcome: warnings for the rows not taken, then the
/// document, or per namespace (dry run) and the summary line.
pub fn report(
    ctx: &mut Ctx,
    stats: &Stats,
    refused: &[export::Refused],
    entries: u64,
    dry_run: bool,
) -> Result<()> {
    let total = op::total(stats);
    warn_not_taken(ctx, refused);
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
        plan_table(ctx, stats)?;
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

/// The dry run per namespace: what would be added, replaced, skipped and dropped.
fn plan_table(ctx: &mut Ctx, stats: &Stats) -> Result<()> {
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
    Ok(())
}

/// Namespaces the import left above their maxEntries (the runtime evicts on its next write).
pub fn warn_over_max(ctx: &mut Ctx, over: &[(String, String, u64, u64)]) {
    for (plugin, ns, live, m) in over {
        ctx.warn(format_args!(
            "{plugin}/{ns} now has {} live rows, above its maxEntries of {}; the runtime evicts the oldest on its next write",
            thousands(*live),
            thousands(*m)
        ));
    }
}
