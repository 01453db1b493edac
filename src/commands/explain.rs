//! `statectl explain NAMESPACE`: what a namespace is, like `kubectl explain`: owner,
//! purpose, key grammars with examples, value fields with types, caps, TTL, policy,
//! prune safety and what deleting does. Needs no database.

use crate::ops::explain::resolve;
use crate::output::Format;
use crate::output::explain::{print_text, to_json};
use crate::{Ctx, split_namespace};
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Explain a namespace: owner, purpose, key grammar, value fields, caps, TTL and prune safety",
    after_help = "Examples:\n  statectl explain slack.thread-participation\n  statectl explain discord/discord.components -o json\n  statectl explain telegram.topic-name-cache.0123456789abcdef"
)]
pub struct ExplainArgs {
    /// NAMESPACE or PLUGIN/NAMESPACE
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespace: String,
    /// Only this plugin id
    #[arg(long, value_name = "ID")]
    pub plugin: Option<String>,
}

pub fn run(ctx: &mut Ctx, args: &ExplainArgs) -> anyhow::Result<()> {
    let (plugin, ns) = split_namespace(&args.namespace, args.plugin.as_deref())?;
    let k = resolve(plugin.as_deref(), &ns)?;
    match ctx.format {
        Format::Json | Format::Jsonl => {
            crate::output::write_json(ctx.out, ctx.format, &to_json(&k))?
        }
        _ => print_text(ctx.out, &k)?,
    }
    Ok(())
}
