//! `statectl export`: a JSONL snapshot of selected entries; the format itself (header,
//! entries, trailer, read and written) is `src/export.rs`.

use crate::atomic::AtomicFile;
use crate::cli::SelectArgs;
use crate::error::Result;
use crate::export;
use crate::ops::export as op;
use crate::output::rows;
use crate::store::Selection;

use crate::{Ctx, interrupt, split_namespace};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde_json::json;

use std::io::BufWriter;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
#[command(
    about = "Export entries as JSONL (header, one line per entry, trailer with count and sha256)",
    after_help = "Examples:\n  statectl export -O before-upgrade.jsonl          everything live, before an upgrade\n  statectl export discord.components slack.thread-participation -O chat.jsonl\n  statectl export --include-expired --exclude-secrets | gzip > state.jsonl.gz\n  statectl export slack.thread-participation --where team=T0123ABCD -O team.jsonl\n\nThe export reads one consistent snapshot while the gateway writes. Files are written\nwith mode 0600 through a temporary file renamed into place."
)]
pub struct ExportArgs {
    /// Namespaces (NAMESPACE or PLUGIN/NAMESPACE); default: all
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespaces: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Write to FILE instead of stdout (`-` is stdout)
    #[arg(short = 'O', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists
    #[arg(long)]
    pub force: bool,
    /// Leave out namespaces that hold secrets (tokens, keys, message content)
    #[arg(long)]
    pub exclude_secrets: bool,
}

/// One selection per named namespace (each may name its plugin), or one for all.
pub fn selections(ctx: &Ctx, namespaces: &[String], select: &SelectArgs) -> Result<Vec<Selection>> {
    let mut base = select.to_selection(ctx.now)?;
    if namespaces.is_empty() {
        crate::check_where(&mut base, true)?;
        return Ok(vec![base]);
    }
    let mut out: Vec<Selection> = Vec::new();
    for arg in namespaces {
        let (plugin, ns) = split_namespace(arg, select.plugin.as_deref())?;
        let mut sel = Selection {
            plugin,
            namespaces: vec![ns],
            ..base.clone()
        };
        crate::check_where(&mut sel, true)?;
        if !out
            .iter()
            .any(|s| s.plugin == sel.plugin && s.namespaces == sel.namespaces)
        {
            out.push(sel);
        }
    }
    Ok(out)
}

pub fn run(ctx: &mut Ctx, args: &ExportArgs) -> anyhow::Result<()> {
    let _armed = interrupt::arm();
    let output = args
        .output
        .as_deref()
        .filter(|p| *p != std::path::Path::new("-"));
    let db = ctx.open_read()?;
    let sels = selections(ctx, &args.namespaces, &args.select)?;
    // A typo would otherwise write an empty "backup" and succeed.
    op::check_named(&db, &sels)?;
    let header = export::header(&db, ctx.now, selection_json(ctx, args, &sels)?);
    let bar = if ctx.term.stderr_tty && output.is_some() {
        let total = op::total_rows(&db, &sels)?;
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    let (count, secrets) = match output {
        Some(path) => {
            let mut file = AtomicFile::create(path, args.force, &db.path)?;
            let (_, count, secrets) = export::write_export(
                &db,
                &sels,
                &header,
                BufWriter::with_capacity(256 * 1024, file.file()),
                args.exclude_secrets,
                &bar,
            )
            .map_err(|e| interrupt::reword(e, || format!("{} was not written", path.display())))?;
            file.commit()?;
            (count, secrets)
        }
        None => {
            let (_, count, secrets) = export::write_export(
                &db,
                &sels,
                &header,
                &mut *ctx.out,
                args.exclude_secrets,
                &bar,
            )?;
            (count, secrets)
        }
    };
    bar.finish_and_clear();
    if let Some(path) = output {
        writeln!(ctx.err, "exported {} to {}", rows(count), path.display())?;
    }
    if count == 0 {
        // An empty export of rows that are only expired: say how to include them.
        for sel in &sels {
            let why = super::ls::nothing_matches(&db.conn, sel, super::ls::ExpiredHint::Export)?;
            if why != "no entries match" {
                ctx.warn(format_args!("nothing exported: {why}"));
                break;
            }
        }
    }
    if !secrets.is_empty() {
        ctx.warn(format_args!(
            "the export contains secret namespaces ({}): tokens or message content; keep the file private, or use --exclude-secrets",
            secrets.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(())
}

/// The header's record of what was selected.
fn selection_json(ctx: &Ctx, args: &ExportArgs, sels: &[Selection]) -> Result<serde_json::Value> {
    let base = args.select.to_selection(ctx.now)?;
    Ok(json!({
        "namespaces": args.namespaces,
        "plugin": args.select.plugin,
        "include_expired": args.select.include_expired || args.select.expired,
        "only_expired": args.select.expired,
        "exclude_secrets": args.exclude_secrets,
        "filtered": sels.iter().any(|s| s.has_filter()),
        // Exactly what was selected, in absolute times, so `diff` can compare a
        // database with this file within the same selection.
        "filters": {
            "keys": base.keys,
            "prefix": base.prefix,
            "glob": base.glob,
            "created_at_most": base.created_at_most,
            "created_after": base.created_after,
            "expires_at_most": base.expires_at_most,
            "no_expiry": base.no_expiry,
        },
    }))
}
