//! `statectl dbs`: every plugin-state database under the state dir, one line each.

use crate::Ctx;
use crate::ops::dbs;
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "List every plugin-state database under the state dir: main, legacy sidecar, Matrix account roots",
    long_about = "List every plugin-state database under the state dir: the main shared database, the legacy sidecar (and its .migrated leftover), and the Matrix plugin's per-account roots (matrix/accounts/<account>/<homeserver>__<user>/<token-hash>/state/openclaw.sqlite), found by their known paths and a bounded walk that never follows a symlink. Read-only.\n\nSeveral token-hash roots of one Matrix account are siblings left by a token rotation: ACTIVE says which one the runtime uses (the root named after the configured accessToken's hash whose stored metadata claims that token), \"unknown\" when openclaw.json does not give the token.",
    after_help = "Examples:\n  statectl dbs\n  statectl dbs -o json | jq '.databases[] | select(.role == \"matrix-account\")'\n  statectl ls --all-dbs                 every database's namespaces\n  statectl check --all-dbs              the worst status over all of them\n  statectl --matrix-account ops ls      the active root of Matrix account 'ops'"
)]
pub struct DbsArgs {}

pub fn run(ctx: &mut Ctx, _args: &DbsArgs) -> anyhow::Result<()> {
    let dir = ctx.state_dir()?;
    let report = dbs::describe(&dir, ctx.global.busy_timeout, ctx.now, dbs::Detail::Counts)?;
    crate::output::dbs::render(ctx, &report)?;
    Ok(())
}
