//! `statectl expire`: set or remove the expiry of selected live rows.

use super::mutate::{self, Action, MutateArgs};
use crate::Ctx;
use crate::cli::SelectArgs;
use crate::error::{Error, Kind};
use crate::store::write::Change;
use crate::timefmt;
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Set (default: now) or remove the expiry of selected live rows; created_at never changes",
    after_help = "Examples:\n  statectl expire discord.components --key btn_-dOzuG_W -y    revoke a still-clickable button now\n  statectl expire slack.thread-participation --all --in 1h -y\n  statectl expire telegram.thread-bindings --key chat:42 --persist -y\n\nExpiring at `now` makes the runtime stop returning the rows at once (now == expires_at\nis expired); its next write or sweep deletes them."
)]
pub struct ExpireArgs {
    /// NAMESPACE or PLUGIN/NAMESPACE
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespace: String,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Expire DUR from now instead of now
    #[arg(long = "in", value_name = "DUR", group = "when")]
    pub in_: Option<String>,
    /// Expire at TIME (epoch ms, @epoch-seconds, RFC 3339, local '2026-11-27 14:30', +2h / -30m)
    #[arg(long, value_name = "TIME", group = "when", allow_hyphen_values = true)]
    pub at: Option<String>,
    /// Remove the expiry: the rows live until deleted or evicted
    #[arg(long, group = "when")]
    pub persist: bool,
    #[command(flatten)]
    pub mutate: MutateArgs,
}

pub fn run(ctx: &mut Ctx, args: &ExpireArgs) -> anyhow::Result<()> {
    if args.select.expired || args.select.include_expired {
        anyhow::bail!(Error::new(
            Kind::ExpireLiveOnly,
            "expire changes live rows only; drop --expired/--include-expired (use `prune --expired` to delete expired rows)",
        ));
    }
    let sel = mutate::selection(
        ctx,
        Some(&args.namespace),
        &args.select,
        &args.mutate,
        "expire",
    )?;
    let new_expiry = if args.persist {
        None
    } else if let Some(d) = &args.in_ {
        Some(timefmt::offset(
            ctx.now,
            timefmt::parse_duration(d)?,
            "--now plus --in",
        )?)
    } else if let Some(t) = &args.at {
        // A relative `+1h` counts from `--now`, as `--in` does.
        Some(timefmt::parse_time(t, ctx.now)?)
    } else {
        Some(ctx.now)
    };
    let action = Action {
        change: Change::SetExpiry(new_expiry),
        verb: "set the expiry of".into(),
        done: "set the expiry of".into(),
        detail: mutate::expiry_words(new_expiry),
    };
    Ok(mutate::run(ctx, sel, action, &args.mutate)?)
}
