//! `statectl inspect` rendered: one entry as a JSON document (with the offset's bot
//! diagnosis), or every field, its policy and the pretty-printed value for people.

use crate::Ctx;
use crate::error::Result;
use crate::output::Format;
use crate::output::entries::{EntryJson, expiry_text, is_corrupt, serde_value};
use crate::output::write_json;
use crate::store::rules::is_live;
use crate::store::{Entry, known, offsets};
use crate::timefmt::{format_abs, format_rel, format_span};

/// The entry in the format asked for; a secret namespace's value hidden when `redacted`.
pub fn entry(ctx: &mut Ctx, entry: &Entry, key: &str, redacted: bool) -> Result<()> {
    let rotation = offsets::of_row(&entry.plugin_id, &entry.namespace, key, &entry.value_json);
    match ctx.format {
        Format::Json | Format::Jsonl => {
            let mut doc = EntryJson::new(entry, ctx.now, redacted);
            doc.rotation = rotation.as_ref().map(Into::into);
            doc.key_mismatch = crate::output::entries::decode(entry, true, &Default::default())
                .and_then(|d| d.key_mismatch);
            write_json(ctx.out, ctx.format, &doc)?
        }
        // csv is refused before the command runs (output::format::REPORT).
        Format::Csv | Format::Table | Format::Wide => print_fields(ctx, entry, redacted)?,
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
