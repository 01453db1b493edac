//! `statectl diff`: two states compared row by row (src/diff.rs), and the legacy
//! sidecar's verdict; exit codes follow GNU diff.

use crate::cli::SelectArgs;
use crate::diff::{self, Source};
use crate::error::{Error, Kind};
use crate::output::diff as render;
use crate::output::rows;
use crate::{Ctx, commands};
use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(
    about = "Compare two databases, state dirs or export files row by row",
    after_help = "Rows are matched by (plugin, namespace, key) and classified: identical, only in A,
only in B, value differs, expiry differs (same value), created differs (same value and
expiry); for a difference, NEWER says which side holds the newer write (created_at).
Liveness is evaluated at one --now for both sides (live rows only unless
--include-expired). When a side is an export, the comparison stays within the
selection recorded in its header.

Exit codes follow GNU diff: 0 no differences (or differences without --exit-code),
1 differences with --exit-code, 2 any error, usage errors included.

Examples:
  statectl diff before-upgrade.jsonl ~/.openclaw          what changed since the export
  statectl diff old.sqlite new.sqlite discord.components --details
  statectl diff a.sqlite b.sqlite -o jsonl                one object per difference
  statectl diff --sidecar                                 is the legacy sidecar safe to archive?
  statectl diff --sidecar --export-lost lost.jsonl && statectl import lost.jsonl --on-conflict newer"
)]
pub struct DiffArgs {
    /// A and B (each a database file, a state dir or an export file), then namespaces
    /// (NAMESPACE or PLUGIN/NAMESPACE; default: all)
    #[arg(value_name = "A B [NAMESPACE]")]
    pub args: Vec<String>,
    /// Compare the legacy sidecar (plugin-state/state.sqlite, or its .migrated
    /// leftover) of STATE_DIR (default: the state dir) with its shared database
    #[arg(long, value_name = "STATE_DIR", num_args = 0..=1)]
    pub sidecar: Option<Option<PathBuf>>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// List every differing row, not only the per-namespace counts
    #[arg(long)]
    pub details: bool,
    /// Exit 1 when there are differences (with --sidecar: when rows would be lost)
    #[arg(long)]
    pub exit_code: bool,
    /// With --sidecar: write the rows that archiving would lose as an export FILE
    #[arg(long, value_name = "FILE", requires = "sidecar")]
    pub export_lost: Option<PathBuf>,
    /// Overwrite the --export-lost FILE if it exists
    #[arg(long, requires = "export_lost")]
    pub force: bool,
    /// Show the values of secret namespaces (tokens, message content)
    #[arg(long)]
    pub show_secrets: bool,
}

pub fn run(ctx: &mut Ctx, args: &DiffArgs) -> Result<i32> {
    if args.sidecar.is_some() {
        return run_sidecar(ctx, args);
    }
    let (a, b, namespaces) = match args.args.as_slice() {
        [a, b, rest @ ..] => (a, b, rest),
        _ => {
            return Err(Error::new(
                Kind::Usage,
                "diff needs two sides: statectl diff A B [NAMESPACE...] (each a database, a state dir or an export file), or statectl diff --sidecar",
            )
            .into());
        }
    };
    let sels = commands::export::selections(ctx, namespaces, &args.select)?;
    let a = Source::open(Path::new(a), ctx.global.busy_timeout)?;
    let b = Source::open(Path::new(b), ctx.global.busy_timeout)?;
    let diffs = diff::diff(&a, &b, &sels)?;
    let differs = diffs.iter().any(|d| d.change != diff::Change::Identical);
    render::render(ctx, &a, &b, &diffs, args.details, args.show_secrets)?;
    Ok(i32::from(args.exit_code && differs))
}

fn run_sidecar(ctx: &mut Ctx, args: &DiffArgs) -> Result<i32> {
    let dir = match args.sidecar.clone().flatten() {
        Some(d) => d,
        None => match &ctx.global.state_dir {
            Some(d) => d.clone(),
            None => crate::store::locate::state_dir(&|k: &str| std::env::var(k).ok())?,
        },
    };
    let pair = diff::sidecar_pair(&dir)?;
    let sels = commands::export::selections(ctx, &args.args, &args.select)?;
    let legacy = Source::open(&pair.legacy, ctx.global.busy_timeout)?;
    let shared = Source::open(&pair.shared, ctx.global.busy_timeout)?;
    let verdict = diff::sidecar_verdict(diff::diff(&legacy, &shared, &sels)?);
    if let Some(path) = &args.export_lost {
        let n = diff::write_lost(
            path,
            args.force,
            &pair.legacy,
            &verdict.lost,
            ctx.now,
            ctx.global.busy_timeout,
        )?;
        writeln!(
            ctx.err,
            "wrote {} that archiving would lose to {}; restore with: statectl import {} --on-conflict newer",
            rows(n),
            path.display(),
            path.display()
        )?;
    }
    let shown = render::Shown {
        show_secrets: args.show_secrets,
        exported_lost: args.export_lost.is_some(),
    };
    render::sidecar(ctx, &pair, &verdict, shown)?;
    Ok(i32::from(args.exit_code && !verdict.safe()))
}
