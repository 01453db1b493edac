//! `statectl prune`: delete selected rows, or sweep expired ones.

use super::mutate::{self, Action, MutateArgs};
use crate::Ctx;
use crate::cli::SelectArgs;

use crate::store::write::Change;
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Delete selected rows; `prune --expired` sweeps every expired row",
    after_help = "Examples:\n  statectl prune discord.modals --older-than 1h   clear stale Discord modals\n  statectl prune --expired --yes                   delete every expired row still stored\n  statectl prune slack/slack.thread-participation --all --dry-run\n  statectl prune telegram.sent-messages --prefix 'chat:-100123:' -y\n  statectl prune discord.components --where message=1287654321098765432   clear one message's buttons\n\nRows are deleted in transactions of at most 1024 rows with a busy timeout, so a\nrunning gateway keeps writing. Without a terminal, --yes is required."
)]
pub struct PruneArgs {
    /// NAMESPACE or PLUGIN/NAMESPACE; omit only with --expired or a filter
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub mutate: MutateArgs,
}

pub fn run(ctx: &mut Ctx, args: &PruneArgs) -> anyhow::Result<()> {
    let sel = mutate::selection(
        ctx,
        args.namespace.as_deref(),
        &args.select,
        &args.mutate,
        "prune",
    )?;
    let action = Action {
        change: Change::Delete,
        verb: "delete".into(),
        done: "deleted".into(),
        detail: String::new(),
    };
    Ok(mutate::run(ctx, sel, action, &args.mutate)?)
}
