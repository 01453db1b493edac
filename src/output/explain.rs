//! `statectl explain` rendered: a namespace's catalog entry and policy as labelled lines
//! for people, or one JSON document.

use crate::error::Result;
use crate::ops::explain::Known;
use crate::output::limits::{self, overflow_text};
use crate::output::{escape_control, thousands};
use crate::store::catalog::{Spec, Src};
use crate::store::known::{Policy, PruneSafety};
use crate::timefmt::format_span;
use serde_json::{Value, json};

fn src_text(src: &Src) -> String {
    match src {
        Src::Key(n) => format!("key {{{n}}}"),
        Src::Path(p) if p.is_empty() => "value".into(),
        Src::Path(p) => format!("value .{p}"),
        Src::Len(p) => format!("length of value .{p}"),
        Src::Present(p) => format!("value .{p} is set"),
        Src::First(list) => list
            .iter()
            .map(src_text)
            .collect::<Vec<_>>()
            .join(", else "),
        Src::BindingKeyMatches => "key = sha256(accountId \\0 conversationId)[:32]".into(),
        Src::Rotation => "value .botId, .tokenFingerprint, .apiRoot against openclaw.json".into(),
        Src::Derived(d) => d.describe().into(),
    }
}

fn ttl_text(p: &Policy) -> String {
    match (p.default_ttl_ms, p.ttl_expected) {
        (None, _) => "none".into(),
        (Some(t), true) => format_span(t),
        (Some(t), false) => format!(
            "{} in older builds; newer builds write rows without expiry",
            format_span(t)
        ),
    }
}

fn prune_text(p: &Policy) -> &'static str {
    match p.prune {
        PruneSafety::Safe => "safe: losing rows only costs a cache miss",
        PruneSafety::Caution => "caution: routing or dedupe state, deleting can change behaviour",
        PruneSafety::Never => {
            "never: deleting breaks the plugin or destroys secrets (needs --force)"
        }
    }
}

/// The document for scripts.
pub fn to_json(k: &Known) -> Value {
    let p = &k.policy;
    let spec = k.spec;
    json!({
        "plugin_id": k.plugin,
        "namespace": k.namespace,
        "purpose": spec.map(|s| s.purpose.clone()),
        "source": spec.and_then(|s| s.source.clone()),
        "confirmed_in_source": spec.is_some_and(|s| s.source.is_some()),
        "key_grammars": spec.map(|s| s.grammars.iter().map(|g| json!({
            "pattern": g.pattern.text(), "versions": g.versions, "example": g.example,
        })).collect::<Vec<_>>()).unwrap_or_default(),
        "fields": spec.map(|s| s.fields.iter().map(|f| json!({
            "name": f.name, "type": f.ty.as_str(), "from": src_text(&f.src),
            "personal": f.personal, "description": f.doc,
        })).collect::<Vec<_>>()).unwrap_or_default(),
        "example_value": spec.and_then(|s| s.example_value.clone()),
        "max_entries": p.max_entries,
        "default_ttl_ms": p.default_ttl_ms,
        "ttl_expected": p.ttl_expected,
        "overflow": overflow_text(p.overflow),
        "per_version": limits::namespace_json(&k.plugin, &k.namespace),
        "plugin_cap_per_version": limits::plugin_json(),
        "prune": p.prune.as_str(),
        "deleting": spec.map(|s| s.deleting.clone()).filter(|d| !d.is_empty()),
        "secret": p.secret,
        "memory_first": p.memory_first,
        "notes": spec.map(|s| s.notes.clone()).unwrap_or_default(),
        "account": crate::output::accounts::namespace_account_json(&k.plugin, &k.namespace),
    })
}

/// Labelled lines for people: the name, what the catalog decodes, then the policy.
pub fn print_text(out: &mut dyn std::io::Write, k: &Known) -> Result<()> {
    let p = &k.policy;
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut add = |label: &str, text: String| lines.push((label.to_string(), text));
    add("NAMESPACE", k.namespace.clone());
    add("PLUGIN", k.plugin.clone());
    if let Some(a) = crate::output::accounts::namespace_account_text(&k.plugin, &k.namespace) {
        add("ACCOUNT", a);
    }
    if let Some(s) = k.spec {
        spec_lines(s, &mut add);
    } else {
        add(
            "DECODING",
            "none: statectl shows this namespace's keys and values as stored".into(),
        );
    }
    add(
        "MAX ENTRIES",
        p.max_entries
            .map(thousands)
            .unwrap_or_else(|| "none known".into()),
    );
    add("OVERFLOW", overflow_text(p.overflow).into());
    add("TTL", ttl_text(p));
    for (label, text) in limits::text_lines(&k.plugin, &k.namespace) {
        add(label, text);
    }
    add("PRUNE", prune_text(p).into());
    if let Some(d) = k.spec.map(|s| &s.deleting).filter(|d| !d.is_empty()) {
        add("DELETING", d.clone());
    }
    add(
        "SECRET",
        if p.secret {
            "yes: values are hidden unless --show-secrets; decoded columns show identifiers and times only".into()
        } else {
            "no".into()
        },
    );
    if p.memory_first {
        add(
            "MEMORY",
            "the running gateway keeps these rows in memory: a prune or expire takes full effect after a gateway restart".into(),
        );
    }
    for (i, n) in k
        .spec
        .map(|s| s.notes.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        add(if i == 0 { "NOTES" } else { "" }, n.clone());
    }
    let width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    for (label, text) in lines {
        writeln!(
            out,
            "{}",
            format!("{label:width$}  {}", escape_control(&text).into_owned()).trim_end()
        )?;
    }
    Ok(())
}

/// What the catalog says about the namespace's rows: purpose, source, key grammars
/// (tried in order), decoded fields and an example value.
fn spec_lines(s: &Spec, add: &mut impl FnMut(&str, String)) {
    add("PURPOSE", s.purpose.clone());
    add(
        "SOURCE",
        s.source
            .clone()
            .unwrap_or_else(|| "third-party inventory: not confirmed in source".into()),
    );
    for (i, g) in s.grammars.iter().enumerate() {
        let label = if i == 0 { "KEY" } else { "" };
        add(label, format!("{}  ({})", g.pattern.text(), g.versions));
        if !g.example.is_empty() {
            add("", format!("  e.g. {}", g.example));
        }
    }
    if s.grammars.len() > 1 {
        add("", "  grammars are tried in this order".into());
    }
    let width = s.fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for (i, f) in s.fields.iter().enumerate() {
        let label = if i == 0 { "FIELDS" } else { "" };
        add(
            label,
            format!(
                "{:width$}  {:4}  {}{}  [{}]",
                f.name,
                f.ty.as_str(),
                f.doc,
                if f.personal {
                    " (personal: --show-secrets)"
                } else {
                    ""
                },
                src_text(&f.src),
            ),
        );
    }
    if let Some(v) = &s.example_value {
        add("VALUE", format!("e.g. {v}"));
    }
}
