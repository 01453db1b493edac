//! `statectl import`: restore an export in one transaction; rows the target runtime
//! cannot take are skipped and named (`--strict` refuses the import instead).

use crate::Ctx;
use crate::export;
use crate::ops::import::{self as op, ImportRequest, ImportSelection};
use crate::output::import as render;
use crate::output::rows;
use crate::store::Db;
use crate::store::write::{self, Writer};
use clap::Args;
use std::path::PathBuf;

pub use crate::ops::import::OnConflict;

#[derive(Debug, Args)]
#[command(
    about = "Restore an export, or part of it: verified first, then applied in one transaction, or in short batches when that would stall the gateway",
    after_help = "Examples:\n  statectl import before-upgrade.jsonl --dry-run\n  statectl import before-upgrade.jsonl --on-conflict newer\n  statectl import before-upgrade.jsonl discord.components --prefix btn_\n  statectl import before.jsonl --plugin telegram --on-conflict replace --yes\n  statectl import before.jsonl --on-conflict replace --backup replaced.jsonl -y\n\nThe header, count and checksum are verified before the database is touched: only\ndamage to the file (header, count, checksum, a line that is not an entry) refuses it.\nA row is carried byte for byte when the target runtime can read it; a row it cannot\ntake (a value JSON.parse refuses or a BLOB, over its value size or depth write limits,\na time outside 0..=8.64e15 ms, a key or namespace it would refuse) is skipped and\nnamed in a warning, exit 0; --strict refuses the whole import instead (exit 4).\nEntries already expired are dropped unless --include-expired.\n\nOne transaction or batches, by a fixed rule: when one transaction would hold the\nwrite lock (selected rows at the measured 35,000 rows/s) longer than a tenth of the\ngateway's busy timeout (0.5 s of 5 s: about 17,500 rows), the import runs in batches\nthat each hold the lock for about 25 ms and leave it free between them, after the cap\nand conflict checks have run on the whole file; otherwise, or with --atomic (--force\npast the estimate), every accepted row is imported or none. Ctrl-C (exit 130) or a\nbusy database (exit 5) stops a batched import between batches and says how many rows\nwent in; running the same command again finishes it. --on-conflict replace asks before it overwrites live rows\n(--yes without a terminal)."
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
    /// One transaction even when it would hold the write lock past a tenth of the gateway's busy timeout (needs --force then)
    #[arg(long, help_heading = crate::cli::SAFETY)]
    pub atomic: bool,
    /// With --atomic: take the one long transaction anyway
    #[arg(long, requires = "atomic", help_heading = crate::cli::SAFETY)]
    pub force: bool,
}

pub fn run(ctx: &mut Ctx, args: &ImportArgs) -> anyhow::Result<()> {
    let found = ctx.locate()?;
    let db = Db::open_read_only(&found.path, ctx.global.busy_timeout)?;
    let rules = db.schema.rules;
    let req = ImportRequest {
        pick: ImportSelection::new(
            &args.namespaces,
            args.plugin.as_deref(),
            &args.keys,
            args.prefix.as_deref(),
        )?,
        on_conflict: args.on_conflict,
        include_expired: args.include_expired,
    };
    let _armed = crate::interrupt::arm();
    // Read twice (verify, then apply): stdin and pipes are spooled to a private file.
    let spooled = export::spool_if_stream(&args.file)?;
    let file = spooled.as_ref().map_or(args.file.as_path(), |t| t.path());
    let now = ctx.now;
    // Batched, the cap and conflict checks run in the verifying read of the file.
    let check = (!args.atomic && !args.dry_run).then_some(&db.conn);
    let survey = op::survey(file, &args.file, &rules, &req, args.strict, now, check)?;
    // Before anything is asked or saved: an --atomic import it refuses does nothing.
    let mode = op::choose_mode(survey.selected, &rules, args.atomic, args.force)?;
    confirm_replacements(ctx, args, &survey.file, &rules, &req)?;
    let stats = apply(ctx, args, &found.path, (&rules, &req), mode, &survey)?;
    render::report(ctx, &stats, &survey.refused, survey.entries, args.dry_run)?;
    if !args.dry_run {
        // The read connection of the start sees the imported rows: none of its reads
        // is still open.
        let over = op::over_max_entries(&db, &stats, ctx.now)?;
        render::warn_over_max(ctx, &over);
    }
    Ok(())
}

/// Replacing live rows loses data: plan first, save the rows when asked, confirm.
fn confirm_replacements(
    ctx: &mut Ctx,
    args: &ImportArgs,
    file: &export::Verified,
    rules: &crate::store::rules::RuleSet,
    req: &ImportRequest,
) -> anyhow::Result<()> {
    let now = ctx.now;
    let replaces = matches!(args.on_conflict, OnConflict::Replace | OnConflict::Newer);
    if !args.dry_run
        && replaces
        && (args.on_conflict == OnConflict::Replace || args.backup.is_some())
    {
        let db = ctx.open_read()?;
        let (replaced, backup) = op::plan_replacements(
            &db,
            file,
            &args.file,
            rules,
            req,
            args.backup.as_deref(),
            now,
        )?;
        if args.on_conflict == OnConflict::Replace && replaced > 0 {
            let what = rows(replaced).replacen(" row", " live row", 1);
            let question = format!("Replace {what} with the file's version");
            crate::output::prompt::ask(ctx, &question, &format!("replace {what}"), args.yes)?;
        }
        if let (Some(b), Some(path)) = (backup, &args.backup) {
            let n = b.commit()?;
            writeln!(
                ctx.err,
                "saved {} to {} before replacing them",
                rows(n),
                path.display()
            )?;
        }
    }
    Ok(())
}

/// The dry run, the batched import or the one transaction, as `mode` says.
fn apply(
    ctx: &mut Ctx,
    args: &ImportArgs,
    db_path: &std::path::Path,
    (rules, req): (&crate::store::rules::RuleSet, &ImportRequest),
    mode: op::Mode,
    survey: &op::Survey,
) -> anyhow::Result<op::Stats> {
    let (now, file, selected) = (ctx.now, &survey.file, survey.selected);
    Ok(if args.dry_run {
        let db = ctx.open_read()?;
        let stats = op::apply(&db.conn, file, rules, req, now, false, None)?;
        if let Some(note) = batched_note(mode, selected, "would import") {
            ctx.warn(format_args!("{note}"));
        }
        stats
    } else if let Some(note) = batched_note(mode, selected, "importing") {
        // The cap and conflict checks ran first (survey.checked), on what was stored
        // then: a refusal left the database untouched, as in one transaction.
        if survey.checked.is_none() {
            op::apply(&ctx.open_read()?.conn, file, rules, req, now, false, None)?;
        }
        ctx.warn(format_args!("{note}"));
        let mut writer = Writer::open(db_path, &ctx.write_env())?;
        ctx.warn_schema_meta(&writer.db.schema);
        let result = op::apply_batched(&mut writer, file, rules, req, now);
        ctx.report_txn_stats(&writer);
        result?
    } else {
        let mut writer = Writer::open(db_path, &ctx.write_env())?;
        ctx.warn_schema_meta(&writer.db.schema);
        let result = writer.transaction(|tx| op::apply(tx, file, rules, req, now, true, None));
        writer.checkpoint_over(write::AUTOCHECKPOINT_PAGES);
        ctx.report_txn_stats(&writer);
        result?
    })
}

/// Why a batched import runs in batches, and how to have one transaction instead.
fn batched_note(mode: op::Mode, selected: u64, verb: &str) -> Option<String> {
    let op::Mode::Batched {
        estimate_ms,
        limit_ms,
    } = mode
    else {
        return None;
    };
    Some(format!(
        "{verb} {} in batches: one transaction would hold the write lock for about {:.1} s, over {:.1} s (a tenth of the gateway's busy timeout); --atomic --force for one transaction",
        rows(selected),
        estimate_ms as f64 / 1000.0,
        limit_ms as f64 / 1000.0
    ))
}
