//! `prune` and `expire` rendered: the plan (data in a dry run, context for the prompt
//! otherwise), the confirmation, the summary of what changed and the notes after it.

use crate::Ctx;
use crate::error::Result;
use crate::ops::mutate::Action;
use crate::output::prompt::ask;
use crate::output::rows;
use crate::store::known::{self, PruneSafety};
use crate::store::query::PlanGroup;
use crate::store::write::Change;
use crate::timefmt::format_abs;
use serde_json::json;

/// Namespaces listed in a plan for people.
const PLAN_LINES: usize = 20;

/// The plan, or what was done, for scripts.
fn plan_json(groups: &[PlanGroup], rows: u64, action: &Action, dry_run: bool) -> serde_json::Value {
    json!({
        "dry_run": dry_run,
        "action": action.verb,
        "rows": rows,
        "namespaces": groups.iter().map(|g| json!({
            "plugin_id": g.plugin_id, "namespace": g.namespace, "rows": g.rows, "sample": g.sample,
        })).collect::<Vec<_>>(),
    })
}

/// The plan: its namespaces (the first [`PLAN_LINES`]), sample keys and cautions, and
/// the plugins at their cap; on stdout in a dry run, else on stderr before the prompt.
pub fn plan(
    ctx: &mut Ctx,
    at_cap: &[(String, u64)],
    groups: &[PlanGroup],
    total: u64,
    action: &Action,
    dry_run: bool,
) -> Result<()> {
    if ctx.format.is_json() {
        if dry_run {
            serde_json::to_writer(&mut *ctx.out, &plan_json(groups, total, action, true))?;
            writeln!(ctx.out)?;
        }
        return Ok(());
    }
    let mut lines = Vec::new();
    for g in groups.iter().take(PLAN_LINES) {
        let policy = known::policy(&g.plugin_id, &g.namespace);
        let mut line = format!("  {}/{}: {}", g.plugin_id, g.namespace, rows(g.rows));
        if !g.sample.is_empty() {
            let more = if g.rows > g.sample.len() as u64 {
                ", ..."
            } else {
                ""
            };
            line.push_str(&format!(" ({}{more})", g.sample.join(", ")));
        }
        let touches_live = g.live > 0 || matches!(action.change, Change::SetExpiry(_));
        if policy.known && policy.prune == PruneSafety::Caution && touches_live {
            line.push_str("  [caution: routing or dedupe state]");
        }
        lines.push(line);
    }
    if groups.len() > PLAN_LINES {
        lines.push(format!(
            "  ... and {} more namespaces (all of them with -o json)",
            groups.len() - PLAN_LINES
        ));
    }
    let head = format!(
        "{}{} {} in {} namespace{}{}:",
        if dry_run {
            "dry run: would "
        } else {
            "about to "
        },
        action.verb,
        rows(total),
        groups.len(),
        if groups.len() == 1 { "" } else { "s" },
        action.detail
    );
    // The plan is data in a dry run; otherwise it is context for the prompt.
    let w: &mut dyn std::io::Write = if dry_run {
        &mut *ctx.out
    } else {
        &mut *ctx.err
    };
    writeln!(w, "{}", crate::output::escape_control(&head))?;
    for l in lines {
        writeln!(w, "{}", crate::output::escape_control(&l))?;
    }
    for (plugin, cap) in at_cap {
        writeln!(
            w,
            "note: {}",
            crate::commands::ls::at_cap_message(plugin, *cap)
        )?;
    }
    Ok(())
}

/// Asks before changing `total` rows.
pub fn confirm(ctx: &mut Ctx, total: u64, action: &Action, yes: bool) -> Result<()> {
    ask(
        ctx,
        &format!(
            "{} {}{}",
            capitalize(&action.verb),
            rows(total),
            action.detail
        ),
        &format!("{} {}", action.verb, rows(total)),
        yes,
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What was changed (or, as JSON, the plan).
pub fn report(
    ctx: &mut Ctx,
    groups: &[PlanGroup],
    changed: u64,
    action: &Action,
    dry_run: bool,
) -> Result<()> {
    if ctx.format.is_json() {
        serde_json::to_writer(&mut *ctx.out, &plan_json(groups, changed, action, dry_run))?;
        writeln!(ctx.out)?;
    } else {
        let n = groups.iter().filter(|g| g.rows > 0).count();
        writeln!(
            ctx.out,
            "{} {} {} {} namespace{}{}",
            action.done,
            rows(changed),
            if matches!(action.change, Change::Delete) {
                "from"
            } else {
                "in"
            },
            n,
            if n == 1 { "" } else { "s" },
            action.detail
        )?;
    }
    Ok(())
}

/// Namespaces a running gateway caches in memory take the change after a restart.
pub fn memory_first_note(ctx: &mut Ctx, groups: &[PlanGroup]) {
    let cached: Vec<String> = groups
        .iter()
        .filter(|g| known::policy(&g.plugin_id, &g.namespace).memory_first)
        .map(|g| format!("{}/{}", g.plugin_id, g.namespace))
        .collect();
    if !cached.is_empty() {
        let _ = writeln!(
            ctx.err,
            "note: a running gateway keeps {} in memory; the change takes full effect after a gateway restart",
            cached.join(", ")
        );
    }
}

/// " to 2026-11-26T10:00:00.000Z" for messages about a new expiry.
pub fn expiry_words(t: Option<i64>) -> String {
    match t {
        None => " to never (TTL removed)".into(),
        Some(t) => format!(" to {}", format_abs(t)),
    }
}
