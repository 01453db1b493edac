//! The flow shared by `prune` and `expire`: resolve the target, refuse what is unsafe,
//! plan, show the plan (`--dry-run` stops here), confirm, apply in batches, report.
//! The dry run and the real run share every step up to the write.

use crate::cli::SelectArgs;
use crate::error::{Error, Kind, Result};
use crate::ops::mutate as op;
use crate::output::mutate as render;
use crate::output::rows;
use crate::store::write::{self, Change, Writer};
use crate::store::{Liveness, Selection, query};
use crate::{Ctx, split_namespace};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget};

pub use crate::ops::mutate::Action;
pub use crate::output::mutate::expiry_words;

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

/// Plans, confirms and applies `action` to `sel`.
pub fn run(ctx: &mut Ctx, mut sel: Selection, action: Action, m: &MutateArgs) -> Result<()> {
    let found = ctx.locate()?;
    let mut writer = Writer::open(&found.path, &ctx.write_env())?;
    ctx.warn_schema_meta(&writer.db.schema);
    op::check_target(&writer, &sel)?;
    let plan = op::plan(&writer, &mut sel)?;
    if plan.no_created > 0 {
        ctx.warn(format_args!(
            "skipping {} without created_at (a hand-made table; the runtime always sets it): {} leaves them as they are",
            rows(plan.no_created),
            action.verb
        ));
    }
    let total = plan.total();
    let groups = &plan.groups;
    let touches_live =
        matches!(action.change, Change::SetExpiry(_)) || sel.liveness != Liveness::Expired;
    op::check_protection(groups, touches_live, m.force)?;
    if total == 0 {
        if ctx.format.is_json() {
            render::report(ctx, groups, 0, &action, m.dry_run)?;
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
    let at_cap = op::plugins_at_cap(&writer, groups, sel.now)?;
    render::plan(ctx, &at_cap, groups, total, &action, m.dry_run)?;
    if m.dry_run {
        return Ok(());
    }
    render::confirm(ctx, total, &action, m.yes)?;
    let _armed = crate::interrupt::arm();

    // A row the gateway rewrites after the plan gets created_at at or beyond the plan
    // clock: leave it alone. Rows planned with such a created_at are guarded one by one.
    sel.guard = query::Guard::Apply {
        clock: plan.clock,
        rows: plan.guarded.clone(),
    };
    if let Some(path) = &m.backup {
        let n = op::save_backup(
            &writer,
            &sel,
            path,
            &action,
            ctx.now,
            ctx.global.busy_timeout,
        )?;
        writeln!(
            ctx.err,
            "saved {} to {} before changing them",
            rows(n),
            path.display()
        )?;
    }
    let bar = if ctx.term.stderr_tty && total > write::BATCH_ROWS as u64 {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(crate::output::progress_style());
    bar.set_message(action.done.clone());
    let result = write::apply_in_batches(&mut writer, &sel, groups, action.change, |n, _| {
        bar.inc(n as u64);
        Ok(())
    });
    bar.finish_and_clear();
    ctx.report_txn_stats(&writer);
    let changed = result?;
    render::report(ctx, groups, changed, &action, false)?;
    render::memory_first_note(ctx, groups);
    Ok(())
}
