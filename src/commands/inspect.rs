//! `statectl inspect NAMESPACE KEY`: one entry, every field.

use crate::error::{Error, Kind, Result};
use crate::output::Format;
use crate::output::entries::{EntryJson, expiry_text, is_corrupt, redact, serde_value};
use crate::output::write_json;
use crate::store::rules::is_live;
use crate::store::{Entry, Liveness, Selection, known, names, offsets, query};
use crate::timefmt::{format_abs, format_rel, format_span};
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
    if let Err(e) = names::check_named(&db.conn, &db.path, plugin.as_deref(), &ns) {
        // `inspect KEY NAMESPACE`: the arguments the other way round.
        let (p2, ns2) = split_namespace(&args.key, args.plugin.as_deref())?;
        let stored = names::stored_names(&db.conn)?;
        if names::exists(&stored, p2.as_deref(), &ns2) {
            anyhow::bail!(Error::new(
                Kind::NamespaceNotFound,
                format!(
                    "no namespace '{ns}', but '{}' is one: the namespace comes first; did you mean `statectl inspect {} {}`?",
                    args.key, args.key, args.namespace
                ),
            ));
        }
        return Err(e.into());
    }
    let sel = Selection {
        plugin: plugin.clone(),
        namespaces: vec![ns.clone()],
        keys: vec![key.clone()],
        liveness: Liveness::All,
        now: ctx.now,
        ..Default::default()
    };
    let mut found: Vec<Entry> = Vec::new();
    query::for_each_entry(&db.conn, &sel, None, |e| {
        found.push(e);
        Ok(())
    })?;
    let entry = match found.len() {
        0 => {
            let keys = query::keys_of(&db.conn, plugin.as_deref(), &ns)?;
            let elsewhere = query::namespaces_with_key(&db.conn, &key)?;
            let hint = if !elsewhere.is_empty() {
                format!("it is in {}", elsewhere.join(", "))
            } else if let Some(k) = names::did_you_mean(&key, keys.iter().map(String::as_str)) {
                format!("did you mean '{k}'?")
            } else {
                format!("list keys with `statectl ls {ns} --keys-only`")
            };
            anyhow::bail!(Error::new(
                Kind::KeyNotFound,
                format!("no key '{key}' in namespace '{ns}'; {hint}"),
            ));
        }
        1 => found.remove(0),
        _ => {
            let plugins: Vec<&str> = found.iter().map(|e| e.plugin_id.as_str()).collect();
            anyhow::bail!(Error::new(
                Kind::AmbiguousNamespace,
                format!(
                    "namespace '{ns}' exists under several plugins ({}); pick one with PLUGIN/{ns} or --plugin",
                    plugins.join(", ")
                ),
            ));
        }
    };
    if !is_live(entry.expires_at, ctx.now) && !args.include_expired {
        let at = entry.expires_at.unwrap_or_default();
        anyhow::bail!(Error::new(
            Kind::KeyExpired,
            format!(
                "key '{key}' in '{ns}' expired {} ({}); the runtime no longer returns it; add --include-expired to see it",
                format_rel(at, ctx.now),
                format_abs(at)
            ),
        ));
    }
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
    let rotation = offsets::of_row(&entry.plugin_id, &entry.namespace, &key, &entry.value_json);
    match ctx.format {
        Format::Json | Format::Jsonl => {
            let mut doc = EntryJson::new(&entry, ctx.now, redacted);
            doc.rotation = rotation.as_ref().map(Into::into);
            doc.key_mismatch = crate::output::entries::decode(&entry, true, &Default::default())
                .and_then(|d| d.key_mismatch);
            write_json(ctx.out, ctx.format, &doc)?
        }
        // csv is refused before the command runs (output::format::REPORT).
        Format::Csv | Format::Table | Format::Wide => print_fields(ctx, &entry, redacted)?,
    }
    Ok(())
}

fn print_fields(ctx: &mut Ctx, e: &Entry, redacted: bool) -> Result<()> {
    let now = ctx.now;
    let policy = known::policy(&e.plugin_id, &e.namespace);
    let time = |t: i64| format!("{} ({t}, {})", format_abs(t), format_rel(t, now));
    let mut fields: Vec<(&str, String)> = vec![
        ("plugin_id", e.plugin_id.clone()),
        ("namespace", e.namespace.clone()),
        ("key", e.key.clone()),
        ("created_at", time(e.created_at)),
        (
            "expires_at",
            e.expires_at
                .map(time)
                .unwrap_or_else(|| "never (no TTL)".into()),
        ),
        (
            "status",
            if is_live(e.expires_at, now) {
                format!("live, expires {}", expiry_text(e.expires_at, now))
            } else {
                "expired: the runtime no longer returns it; its next write or sweep deletes it"
                    .into()
            },
        ),
        ("size", format!("{} bytes", e.size_bytes())),
    ];
    if policy.known {
        let mut p = vec![format!("prune {}", policy.prune.as_str())];
        if let Some(m) = policy.max_entries {
            p.push(format!("maxEntries {m}"));
        }
        if let Some(t) = policy.default_ttl_ms {
            p.push(format!("default TTL {}", format_span(t)));
        }
        if policy.secret {
            p.push("secret".into());
        }
        if policy.memory_first {
            p.push("memory-first".into());
        }
        fields.push(("policy", p.join(", ")));
    }
    fields.extend(crate::output::entries::diagnosis(e));
    for (name, value) in fields {
        writeln!(
            ctx.out,
            "{name:<11} {}",
            crate::output::escape_control(&value)
        )?;
    }
    writeln!(ctx.out, "value:")?;
    if redacted {
        writeln!(
            ctx.out,
            "  <secret namespace: add --show-secrets to print it>"
        )?;
    } else if !is_corrupt(e) {
        // serde_json cannot hold a lone surrogate or 1e400: those print as stored.
        match serde_value(&e.value_json) {
            Some(v) => serde_json::to_writer_pretty(&mut *ctx.out, &v)?,
            None => write!(ctx.out, "{}", crate::output::escape_control(&e.value_json))?,
        }
        writeln!(ctx.out)?;
    } else {
        writeln!(
            ctx.out,
            "  <corrupt: value_json does not parse as JSON> {}",
            crate::output::escape_control(&e.value_json)
        )?;
    }
    Ok(())
}
