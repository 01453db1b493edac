//! How `explain` shows limits that differ between OpenClaw versions: a namespace's cap,
//! TTL and overflow policy per version, and the per-plugin live-row cap per version.

use super::thousands;
use crate::store::known::Overflow;
use crate::store::versions::{self, NamespaceLimit, PluginLimit};
use crate::timefmt::format_span;
use serde_json::{Value, json};

/// The overflow policy as `explain` names it.
pub fn overflow_text(o: Overflow) -> &'static str {
    match o {
        Overflow::EvictOldest => "evict-oldest",
        Overflow::RejectNew => "reject-new",
        Overflow::Retained => "retained (never evicted)",
        Overflow::Unknown => "unknown",
    }
}

fn namespace_line(l: &NamespaceLimit) -> String {
    if !l.stored {
        return format!("{}: not in plugin state ({})", l.versions, l.source);
    }
    let max = l
        .max_entries
        .map_or("no cap".to_string(), |m| format!("max {}", thousands(m)));
    let ttl = l
        .default_ttl_ms
        .map_or("no TTL".to_string(), |t| format!("TTL {}", format_span(t)));
    format!(
        "{}: {max}, {}, {ttl} ({})",
        l.versions,
        overflow_text(l.overflow),
        l.source
    )
}

fn plugin_line(p: &PluginLimit) -> String {
    match (p.cap, p.at_cap) {
        (Some(cap), Some(at)) => format!(
            "{}: {} live rows per plugin; at the cap: {}",
            p.versions,
            thousands(cap),
            at.describe()
        ),
        _ => format!("{}: no per-plugin cap", p.versions),
    }
}

/// The `PER VERSION` and `PLUGIN CAP` lines of `explain` (label, text).
pub fn text_lines(plugin_id: &str, namespace: &str) -> Vec<(&'static str, String)> {
    let mut lines = Vec::new();
    for (i, l) in versions::namespace_limits(plugin_id, namespace)
        .iter()
        .enumerate()
    {
        lines.push((if i == 0 { "PER VERSION" } else { "" }, namespace_line(l)));
    }
    for (i, p) in versions::plugin_limits().iter().enumerate() {
        lines.push((if i == 0 { "PLUGIN CAP" } else { "" }, plugin_line(p)));
    }
    lines
}

/// `per_version` of `explain -o json`: the namespace's limits per version.
pub fn namespace_json(plugin_id: &str, namespace: &str) -> Value {
    let all = versions::namespace_limits(plugin_id, namespace).iter();
    Value::from(
        all.map(|l| {
            json!({
                "versions": l.versions,
                "stored": l.stored,
                "max_entries": l.max_entries,
                "default_ttl_ms": l.default_ttl_ms,
                "overflow": l.stored.then(|| overflow_text(l.overflow)),
                "source": l.source,
            })
        })
        .collect::<Vec<_>>(),
    )
}

/// `plugin_cap_per_version` of `explain -o json`.
pub fn plugin_json() -> Value {
    Value::from(
        versions::plugin_limits()
            .iter()
            .map(|p| {
                json!({
                    "versions": p.versions,
                    "max_live_rows": p.cap,
                    "at_cap": p.at_cap.map(|a| a.as_str()),
                    "at_cap_text": p.at_cap.map(|a| a.describe()),
                })
            })
            .collect::<Vec<_>>(),
    )
}
