//! The flow shared by `prune` and `expire`: resolve the target, refuse what is unsafe,
//! plan, show the plan (`--dry-run` stops here), confirm, apply in batches, report.
//! The dry run and the real run share every step up to the write.

use crate::atomic::AtomicFile;
use crate::cli::SelectArgs;
use crate::error::{Error, Kind, Result};
use crate::output::rows;
use crate::store::known::{self, PruneSafety};
use crate::store::query::{self, PlanGroup};
use crate::store::write::{self, Change, Writer};
use crate::store::{Liveness, Selection, names};
use crate::timefmt::{format_abs, system_now_ms};
use crate::{Ctx, split_namespace};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::json;
use std::io::IsTerminal;

/// Flags every mutating command takes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = crate::cli::SAFETY)]
pub struct MutateArgs {
    /// Select every row of the namespace (needed when no filter narrows it)
    #[arg(long)]
    pub all: bool,
    /// Print what would change, change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Allow changing live rows of protected namespaces (prune: never, retained)
    #[arg(long)]
    pub force: bool,
    /// First save the selected rows, as they are, to FILE as an export (restore with `statectl import`)
    #[arg(long, value_name = "FILE")]
    pub backup: Option<std::path::PathBuf>,
}

/// Keys shown per namespace in a plan.
const SAMPLE_KEYS: usize = 5;
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

/// Turns NAMESPACE + filters into a selection, with the refusals that need no database.
pub fn selection(
    ctx: &Ctx,
    namespace: Option<&str>,
    select: &SelectArgs,
    m: &MutateArgs,
    verb: &str,
) -> Result<Selection> {
    let mut sel = select.to_selection(ctx.now)?;
    if let Some(arg) = namespace {
        let (plugin, ns) = split_namespace(arg, select.plugin.as_deref())?;
        sel.plugin = plugin;
        sel.namespaces = vec![ns];
    }
    crate::check_where(&mut sel, false)?;
    let filtered = sel.has_filter();
    if namespace.is_none() && !filtered {
        return Err(Error::new(
            Kind::NoSelection,
            format!(
                "refusing to {verb} without a namespace or a filter; name a NAMESPACE, add filters, or use `statectl prune --expired` to sweep expired rows"
            ),
        ));
    }
    if !filtered && !m.all {
        return Err(Error::new(
            Kind::NeedsAll,
            format!(
                "refusing to {verb} a whole namespace without --all; add --all, or narrow with --key/--prefix/--match/--older-than/--where"
            ),
        ));
    }
    Ok(sel)
}

/// Refusals that need the database: a namespace or plugin that exists nowhere (exit
/// 3, with a did-you-mean), or one namespace under several plugins. A known namespace
/// without rows is fine: there is just nothing to change.
fn check_target(writer: &Writer, sel: &Selection) -> Result<()> {
    let (conn, path) = (&writer.db.conn, &writer.db.path);
    let Some(ns) = sel.namespaces.first() else {
        if let Some(p) = &sel.plugin {
            names::check_plugin(conn, path, p)?;
        }
        return Ok(());
    };
    names::check_named(conn, path, sel.plugin.as_deref(), ns)?;
    let plugins = query::plugins_of_namespace(conn, ns)?;
    if sel.plugin.is_none() && plugins.len() > 1 {
        return Err(Error::new(
            Kind::AmbiguousNamespace,
            format!(
                "namespace '{ns}' exists under several plugins ({}); pick one with PLUGIN/{ns} or --plugin",
                plugins.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The plan's plugins that are at their version's per-plugin live-row cap.
fn plugins_at_cap(writer: &Writer, groups: &[PlanGroup], now: i64) -> Result<Vec<(String, u64)>> {
    let Some(cap) = writer.db.schema.rules.plugin_live_cap else {
        return Ok(Vec::new());
    };
    let live = query::plugin_live_counts(&writer.db.conn, now)?;
    let mut out: Vec<(String, u64)> = groups
        .iter()
        .filter(|g| live.get(&g.plugin_id).is_some_and(|n| *n >= cap))
        .map(|g| (g.plugin_id.clone(), cap))
        .collect();
    out.dedup();
    Ok(out)
}

/// Protected namespaces refuse changes to live rows without `--force`.
fn check_protection(groups: &[PlanGroup], touches_live: bool, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    for g in groups {
        let policy = known::policy(&g.plugin_id, &g.namespace);
        let live = if touches_live { g.rows } else { g.live };
        if policy.prune == PruneSafety::Never && live > 0 {
            return Err(Error::new(
                Kind::ProtectedNamespace,
                format!(
                    "{}/{} is protected (deleting or expiring its rows breaks the plugin or destroys secrets); {} live selected; add --force if you are sure",
                    g.plugin_id,
                    g.namespace,
                    rows(live)
                ),
            ));
        }
    }
    Ok(())
}

/// Describes the change for people: "delete", "expire now", ...
pub struct Action {
    pub change: Change,
    /// Verb for the plan: "delete", "set the expiry of".
    pub verb: String,
    /// Past tense for the summary: "deleted", "set the expiry of".
    pub done: String,
    /// Said after the row count: "" or " to 2026-11-26T10:00:00.000Z".
    pub detail: String,
}

fn print_plan(
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
        writeln!(w, "note: {}", super::ls::at_cap_message(plugin, *cap))?;
    }
    Ok(())
}

fn confirm(ctx: &mut Ctx, total: u64, action: &Action, yes: bool) -> Result<()> {
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

/// Asks `question?` (default no) on the terminal; without one, refuses (exit 4) to
/// `what` unless `--yes`. Every destructive command confirms through here.
pub fn ask(ctx: &mut Ctx, question: &str, what: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && ctx.term.stderr_tty) {
        return Err(Error::new(
            Kind::ConfirmationNeeded,
            format!(
                "refusing to {what} without confirmation: no terminal to ask on; re-run with --yes (check first with --dry-run)"
            ),
        ));
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(format!("{question}?"))
        .default(false)
        .interact()
        .map_err(|e| Error::new(Kind::Prompt, format!("cannot ask for confirmation: {e}")))?;
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            Kind::NotConfirmed,
            "nothing changed: not confirmed",
        ))
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Plans, confirms and applies `action` to `sel`.
pub fn run(ctx: &mut Ctx, mut sel: Selection, action: Action, m: &MutateArgs) -> Result<()> {
    let found = ctx.locate()?;
    let mut writer = Writer::open(&found.path, &ctx.write_env())?;
    ctx.warn_schema_meta(&writer.db.schema);
    check_target(&writer, &sel)?;
    // Every runtime write sets created_at to its clock: a row written after this moment
    // has created_at at or beyond it (the rewrite guard below).
    let plan_clock = system_now_ms();
    sel.guard = query::Guard::Plan;
    let (groups, guarded, no_created) = writer.db.in_snapshot(|| {
        let (groups, _) = query::plan(&writer.db.conn, &sel, SAMPLE_KEYS)?;
        let guarded = query::created_at_or_after(&writer.db.conn, &sel, plan_clock)?;
        let no_created = query::count_null_created(&writer.db.conn, &sel)?;
        Ok((groups, guarded, no_created))
    })?;
    if no_created > 0 {
        ctx.warn(format_args!(
            "skipping {} without created_at (a hand-made table; the runtime always sets it): {} leaves them as they are",
            rows(no_created),
            action.verb
        ));
    }
    let total: u64 = groups.iter().map(|g| g.rows).sum();
    let touches_live =
        matches!(action.change, Change::SetExpiry(_)) || sel.liveness != Liveness::Expired;
    check_protection(&groups, touches_live, m.force)?;
    if total == 0 {
        if ctx.format.is_json() {
            report(ctx, &groups, 0, &action, m.dry_run)?;
        } else {
            let hint = match action.change {
                Change::SetExpiry(_) => super::ls::ExpiredHint::LiveOnly,
                _ => super::ls::ExpiredHint::Delete,
            };
            let why = super::ls::nothing_matches(&writer.db.conn, &sel, hint)?;
            writeln!(ctx.err, "nothing to {}: {why}", action.verb)?;
        }
        return Ok(());
    }
    let at_cap = plugins_at_cap(&writer, &groups, sel.now)?;
    print_plan(ctx, &at_cap, &groups, total, &action, m.dry_run)?;
    if m.dry_run {
        return Ok(());
    }
    confirm(ctx, total, &action, m.yes)?;
    let _armed = crate::interrupt::arm();

    // A row the gateway rewrites after the plan gets created_at at or beyond the plan
    // clock: leave it alone. Rows planned with such a created_at are guarded one by one.
    sel.guard = query::Guard::Apply {
        clock: plan_clock,
        rows: guarded,
    };
    if let Some(path) = &m.backup {
        save_backup(ctx, &writer, &sel, path, &action)?;
    }
    let bar = if ctx.term.stderr_tty && total > write::BATCH_ROWS as u64 {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(crate::output::progress_style());
    bar.set_message(action.done.clone());
    let result = write::apply_in_batches(
        &mut writer,
        &sel,
        &groups,
        action.change,
        |candidates, _| {
            bar.inc(candidates as u64);
            Ok(())
        },
    );
    bar.finish_and_clear();
    ctx.report_txn_stats(&writer);
    let changed = result?;
    report(ctx, &groups, changed, &action, false)?;
    memory_first_note(ctx, &groups);
    Ok(())
}

/// Writes the rows about to change as an export file, before anything changes.
fn save_backup(
    ctx: &mut Ctx,
    writer: &Writer,
    sel: &Selection,
    path: &std::path::Path,
    action: &Action,
) -> Result<()> {
    let db = crate::store::Db::open_read_only(&writer.db.path, ctx.global.busy_timeout)?;
    let header = crate::export::header(&db, ctx.now, json!({"backup_before": action.verb}));
    let mut file = AtomicFile::create(path, false, &writer.db.path)?;
    let (_, n, _) = crate::export::write_export(
        &db,
        std::slice::from_ref(sel),
        &header,
        std::io::BufWriter::new(file.file()),
        false,
        &ProgressBar::hidden(),
    )
    .map_err(|e| {
        crate::interrupt::reword(e, || {
            format!(
                "nothing changed, and the backup {} was not written",
                path.display()
            )
        })
    })?;
    file.commit()?;
    writeln!(
        ctx.err,
        "saved {} to {} before changing them",
        rows(n),
        path.display()
    )?;
    Ok(())
}

fn report(
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

fn memory_first_note(ctx: &mut Ctx, groups: &[PlanGroup]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_never_namespace_needs_force_for_live_rows_only() {
        let g = |live| PlanGroup {
            plugin_id: "telegram".into(),
            namespace: "telegram.update-offsets".into(),
            rows: 3,
            live,
            sample: vec![],
            rowids: None,
        };
        assert_eq!(
            check_protection(&[g(3)], false, false).unwrap_err().kind,
            crate::error::Kind::ProtectedNamespace
        );
        assert!(
            check_protection(&[g(0)], false, false).is_ok(),
            "expired rows only"
        );
        assert!(
            check_protection(&[g(0)], true, false).is_err(),
            "expire touches live rows"
        );
        assert!(check_protection(&[g(3)], false, true).is_ok());
    }
}
