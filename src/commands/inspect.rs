//! `statectl inspect NAMESPACE KEY`: one entry, every field.

use crate::error::{Error, Kind};
use crate::ops::inspect::{self as op, InspectRequest};
use crate::output::entries::redact;
use crate::{Ctx, split_namespace};
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Show one entry: every field, times, size and the pretty-printed value",
    after_help = "Examples:\n  statectl inspect discord.modals mdl_psNmNrqc\n  statectl inspect slack/slack.thread-participation 'default:C07Q2J4KX9M:1761234567.123456'\n  statectl inspect discord.components btn_-dOzuG_W --value-only | jq .entry.callbackData"
)]
pub struct InspectArgs {
    /// NAMESPACE or PLUGIN/NAMESPACE
    #[arg(allow_hyphen_values = true, add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespace: String,
    /// The entry key (trimmed, as the runtime's lookup() does; may start with '-')
    #[arg(allow_hyphen_values = true, add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_key))]
    pub key: String,
    /// Only this plugin id
    #[arg(long, value_name = "ID")]
    pub plugin: Option<String>,
    /// Print only the stored JSON value, byte for byte
    #[arg(long)]
    pub value_only: bool,
    /// Show the entry even when it has expired
    #[arg(long)]
    pub include_expired: bool,
    /// Print the value of a secret namespace in clear
    #[arg(long)]
    pub show_secrets: bool,
}

pub fn run(ctx: &mut Ctx, args: &InspectArgs) -> anyhow::Result<()> {
    let (plugin, ns) = split_namespace(&args.namespace, args.plugin.as_deref())?;
    let key = crate::valid_key(&args.key, "key")?.to_string();
    let db = ctx.open_read()?;
    let req = InspectRequest {
        plugin,
        namespace: ns.clone(),
        key: key.clone(),
        namespace_arg: &args.namespace,
        key_arg: &args.key,
        plugin_flag: args.plugin.as_deref(),
        include_expired: args.include_expired,
        now: ctx.now,
    };
    let entry = op::find(&db, &req)?;
    let redacted = redact(&entry, args.show_secrets);
    if args.value_only {
        if redacted {
            anyhow::bail!(Error::new(
                Kind::SecretNamespace,
                format!("namespace '{ns}' holds secrets; add --show-secrets to print the value"),
            ));
        }
        ctx.out.write_all(entry.value_json.as_bytes())?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    crate::output::inspect::entry(ctx, &entry, &key, redacted)?;
    Ok(())
}
