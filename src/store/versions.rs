//! Namespace limits per OpenClaw version, where versions differ: a namespace's cap,
//! TTL and overflow policy (in plugin code, so statectl carries them), and the
//! per-plugin live-row cap of each runtime family (from [`super::rules`]). The current
//! values stay in [`super::known`]; this is the history `explain` shows beside them.

use super::known::{Name, Overflow};
use super::rules::{self, AtCap};
use crate::timefmt::Ms;

/// One version range's limits of one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceLimit {
    /// The OpenClaw (or plugin package) versions that behave this way.
    pub versions: &'static str,
    /// `false` when these versions keep the data outside the plugin state table.
    pub stored: bool,
    pub max_entries: Option<u64>,
    pub default_ttl_ms: Option<Ms>,
    pub overflow: Overflow,
    /// Where the figure comes from: a measured build, or a PR named in the docs.
    pub source: &'static str,
}

struct Row {
    plugin: &'static str,
    name: Name,
    limits: &'static [NamespaceLimit],
}

const DAY: Ms = 86_400_000;
const MEASURED: &str = "measured in the published build";

const fn limit(
    versions: &'static str,
    max_entries: Option<u64>,
    default_ttl_ms: Option<Ms>,
    source: &'static str,
) -> NamespaceLimit {
    NamespaceLimit {
        versions,
        stored: true,
        max_entries,
        default_ttl_ms,
        overflow: Overflow::EvictOldest,
        source,
    }
}

const fn not_stored(versions: &'static str, source: &'static str) -> NamespaceLimit {
    NamespaceLimit {
        versions,
        stored: false,
        max_entries: None,
        default_ttl_ms: None,
        overflow: Overflow::Unknown,
        source,
    }
}

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // shared/docs/namespace-shapes.md gives 800 (PR #86456), 1,000 (#86982) or 3,000;
    // the published builds measured (target/interop) all say 3,000 without a TTL.
    Row { plugin: "telegram", name: Name::Exact("telegram.message-cache"), limits: &[
        not_stored("2026.5.6", "measured: the build has no persistent message cache"),
        limit("2026.6.1, 2026.8.1, 2026.9.6", Some(3000), None, MEASURED),
        limit("builds with PR #86456", Some(800), None, "namespace-shapes.md; in no published build measured"),
        limit("builds with PR #86982", Some(1000), None, "namespace-shapes.md; in no published build measured"),
    ] },
    Row { plugin: "slack", name: Name::Exact("slack.thread-participation"), limits: &[
        limit("2026.5.6 (bundled)", Some(1000), Some(DAY), MEASURED),
        limit("@openclaw/slack 2026.9.6", Some(1000), None, "measured in the published package: ttlMs 0, oldest-entry eviction"),
    ] },
];

/// The limits of (plugin, namespace) per version, oldest first; empty when statectl
/// knows of no difference between versions.
pub fn namespace_limits(plugin_id: &str, namespace: &str) -> &'static [NamespaceLimit] {
    TABLE
        .iter()
        .find(|r| r.plugin == plugin_id && r.name.matches(namespace))
        .map_or(&[], |r| r.limits)
}

/// One runtime family's per-plugin live-row cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginLimit {
    pub versions: &'static str,
    pub cap: Option<u64>,
    pub at_cap: Option<AtCap>,
}

/// The per-plugin cap of every runtime family, oldest first, from the rule sets.
pub fn plugin_limits() -> Vec<PluginLimit> {
    let families = [
        rules::LEGACY,
        rules::SHARED_V1,
        rules::SHARED_V15,
        rules::SHARED_V18,
    ];
    let mut out = Vec::new();
    for r in families {
        if r.plugin_caps.is_empty() {
            out.push(PluginLimit {
                versions: r.name.rsplit("OpenClaw ").next().unwrap_or(r.name),
                cap: None,
                at_cap: None,
            });
        }
        out.extend(r.plugin_caps.iter().map(|c| PluginLimit {
            versions: c.versions,
            cap: Some(c.cap),
            at_cap: Some(c.at_cap),
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_cache_cap_differs_by_version_and_says_where_it_comes_from() {
        let caps: Vec<Option<u64>> = namespace_limits("telegram", "telegram.message-cache")
            .iter()
            .map(|l| l.max_entries)
            .collect();
        assert_eq!(caps, [None, Some(3000), Some(800), Some(1000)]);
        assert!(namespace_limits("telegram", "telegram.sent-messages").is_empty());
        assert!(namespace_limits("slack", "telegram.message-cache").is_empty());
    }

    #[test]
    fn plugin_caps_follow_the_rule_sets() {
        let caps: Vec<Option<u64>> = plugin_limits().iter().map(|p| p.cap).collect();
        assert_eq!(
            caps,
            [Some(1000), Some(50_000), Some(50_000), Some(50_000), None]
        );
    }
}
