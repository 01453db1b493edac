//! The namespaces seen in the field (shared/docs/namespaces.md). Their caps, TTLs and
//! policies live in plugin code, not in the database, so statectl carries them.

use super::rules::RETAINED_PREFIX;
use crate::timefmt::Ms;

/// How dangerous deleting rows of a namespace is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneSafety {
    /// Losing rows only costs a cache miss.
    Safe,
    /// Routing or dedupe state: deleting can change behaviour.
    Caution,
    /// Deleting breaks the plugin or destroys secrets: needs `--force`.
    Never,
}

impl PruneSafety {
    pub fn as_str(self) -> &'static str {
        match self {
            PruneSafety::Safe => "safe",
            PruneSafety::Caution => "caution",
            PruneSafety::Never => "never",
        }
    }
}

/// What the runtime does when a namespace is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    EvictOldest,
    RejectNew,
    Retained,
    Unknown,
}

/// What statectl knows about one (plugin, namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Whether the namespace is in the built-in table at all.
    pub known: bool,
    pub max_entries: Option<u64>,
    pub default_ttl_ms: Option<Ms>,
    pub overflow: Overflow,
    pub prune: PruneSafety,
    /// Values hold tokens, keys or message content.
    pub secret: bool,
    /// The running gateway keeps an in-memory copy; a prune shows after a restart.
    pub memory_first: bool,
    /// Every row should carry a TTL (false where newer builds dropped the TTL).
    pub ttl_expected: bool,
}

/// An unknown namespace: generic view, default caution.
pub const UNKNOWN: Policy = Policy {
    known: false,
    max_entries: None,
    default_ttl_ms: None,
    overflow: Overflow::Unknown,
    prune: PruneSafety::Caution,
    secret: false,
    memory_first: false,
    ttl_expected: false,
};

/// How a table row names its namespaces.
#[derive(Clone, Copy)]
enum Name {
    Exact(&'static str),
    /// The prefix followed by exactly this many lowercase hex digits.
    HexSuffix(&'static str, usize),
    /// Any namespace starting with the prefix.
    Prefix(&'static str),
}

impl Name {
    fn matches(self, ns: &str) -> bool {
        match self {
            Name::Exact(n) => ns == n,
            Name::HexSuffix(p, len) => ns.strip_prefix(p).is_some_and(|rest| {
                rest.len() == len && rest.bytes().all(|b| b.is_ascii_hexdigit())
            }),
            Name::Prefix(p) => ns.starts_with(p),
        }
    }
}

const MIN: Ms = 60_000;
const HOUR: Ms = 60 * MIN;
const DAY: Ms = 24 * HOUR;

struct Row {
    plugin: &'static str,
    name: Name,
    max: Option<u64>,
    ttl: Option<Ms>,
    overflow: Overflow,
    prune: PruneSafety,
    secret: bool,
    memory_first: bool,
    ttl_optional: bool,
}

const fn row(
    plugin: &'static str,
    name: Name,
    max: Option<u64>,
    ttl: Option<Ms>,
    overflow: Overflow,
    prune: PruneSafety,
) -> Row {
    Row {
        plugin,
        name,
        max,
        ttl,
        overflow,
        prune,
        secret: false,
        memory_first: false,
        ttl_optional: false,
    }
}

const fn secret(mut r: Row) -> Row {
    r.secret = true;
    r
}

const fn memory_first(mut r: Row) -> Row {
    r.memory_first = true;
    r
}

/// The TTL was dropped in newer builds: rows without one are not a fault.
const fn ttl_optional(mut r: Row) -> Row {
    r.ttl_optional = true;
    r
}

use Name::{Exact, HexSuffix, Prefix};
use Overflow::{EvictOldest as Evict, RejectNew as Reject};
use PruneSafety::{Caution, Never, Safe};

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // The four channel caches made durable by "best-effort plugin state persistence".
    ttl_optional(memory_first(row("slack", Exact("slack.thread-participation"), Some(1000), Some(DAY), Evict, Safe))),
    memory_first(row("discord", Exact("discord.components"), Some(500), Some(30 * MIN), Evict, Safe)),
    memory_first(row("discord", Exact("discord.modals"), Some(500), Some(30 * MIN), Evict, Safe)),
    memory_first(row("msteams", Exact("msteams.sent-messages"), Some(1000), Some(DAY), Evict, Safe)),
    memory_first(row("msteams", HexSuffix("msteams.sent-messages.account.v1.", 64), Some(1000), Some(DAY), Evict, Safe)),
    memory_first(row("matrix", Exact("matrix.approval-reactions"), Some(1000), Some(DAY), Evict, Safe)),
    // Other bundled namespaces (2026.9.6).
    secret(row("telegram", Exact("telegram.message-cache"), Some(3000), None, Evict, Safe)),
    row("telegram", Exact("telegram.sent-messages"), Some(10_000), Some(DAY), Evict, Safe),
    row("telegram", Exact("telegram.update-offsets"), Some(1000), None, Evict, Never),
    row("telegram", Exact("telegram.bot-info-cache"), Some(128), Some(DAY), Evict, Safe),
    row("telegram", Exact("telegram.thread-bindings"), Some(5000), None, Evict, Caution),
    row("telegram", Exact("telegram.sticker-cache"), Some(10_000), None, Evict, Safe),
    row("telegram", Exact("telegram.poll-registry"), Some(10_000), None, Reject, Caution),
    row("telegram", Exact("telegram.command-menu-locales"), Some(1000), None, Reject, Safe),
    row("telegram", HexSuffix("telegram.topic-name-cache.", 16), Some(2048), None, Evict, Safe),
    row("telegram-message-dispatch-dedupe", HexSuffix("telegram.message-dispatch-dedupe.", 32), Some(50_000), Some(7 * DAY), Evict, Caution),
    row("matrix", Exact("outbound-delivery-plans"), Some(10_000), None, Reject, Never),
    secret(row("matrix", Exact("credentials"), None, None, Overflow::Unknown, Never)),
    secret(row("matrix", Exact("recovery-key"), None, None, Overflow::Unknown, Never)),
    secret(row("matrix", Exact("idb-snapshot"), None, None, Overflow::Unknown, Never)),
    secret(row("matrix", Exact("legacy-crypto-migration"), None, None, Overflow::Unknown, Never)),
    secret(row("msteams", Exact("delegated-token"), None, None, Overflow::Unknown, Never)),
    secret(row("msteams", Exact("conversations"), None, None, Overflow::Unknown, Never)),
    row("device-pair", Exact("notify-seen-requests"), Some(4096), Some(DAY), Evict, Safe),
    row("device-pair", Exact("notify-subscribers"), Some(1024), None, Evict, Caution),
    row("imap", Exact("cursor"), Some(256), None, Reject, Never),
    row("imap", Exact("msgid-ring"), Some(256), None, Reject, Never),
    row("imap", Exact("dispatch-claim"), Some(20_000), Some(7 * DAY), Evict, Caution),
    row("browser", Exact("browser.session-tabs"), Some(5000), None, Reject, Caution),
    row("beam", Exact("sessions"), Some(500), Some(7 * DAY), Evict, Caution),
    secret(row("onepassword", Exact("grants"), Some(1024), None, Evict, Never)),
    secret(row("onepassword", Exact("audit"), Some(40_000), None, Evict, Never)),
    secret(row("onepassword", Exact("pending"), Some(512), None, Evict, Never)),
    row("memory-core", Exact("short-term-recall"), Some(50_000), None, Evict, Caution),
    row("memory-core", Prefix("dreaming-"), Some(50_000), None, Evict, Caution),
    row("core:system-agent", Exact("rescue-pending"), Some(1024), None, Reject, Caution),
    secret(row("core:provider-auth", Exact("github-copilot-token"), Some(8), None, Evict, Never)),
];

/// The policy of (plugin, namespace). Retained (`@retained.`) namespaces are never
/// pruned, have no cap or TTL, and keep the secrecy of their logical namespace.
pub fn policy(plugin_id: &str, namespace: &str) -> Policy {
    if let Some(logical) = namespace.strip_prefix(RETAINED_PREFIX) {
        let inner = policy(plugin_id, logical);
        return Policy {
            known: true,
            max_entries: None,
            default_ttl_ms: None,
            overflow: Overflow::Retained,
            prune: PruneSafety::Never,
            secret: inner.secret,
            memory_first: false,
            ttl_expected: false,
        };
    }
    TABLE
        .iter()
        .find(|r| r.plugin == plugin_id && r.name.matches(namespace))
        .map(|r| Policy {
            known: true,
            max_entries: r.max,
            default_ttl_ms: r.ttl,
            overflow: r.overflow,
            prune: r.prune,
            secret: r.secret,
            memory_first: r.memory_first,
            ttl_expected: r.ttl.is_some() && !r.ttl_optional,
        })
        .unwrap_or(UNKNOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_namespaces_carry_their_policies() {
        let p = policy("discord", "discord.modals");
        assert_eq!(
            (p.max_entries, p.default_ttl_ms),
            (Some(500), Some(30 * MIN))
        );
        assert!(p.memory_first && !p.secret);
        assert_eq!(policy("telegram", "telegram.update-offsets").prune, Never);
        assert!(policy("telegram", "telegram.message-cache").secret);
        assert!(policy("discord", "discord.modals").ttl_expected);
        assert!(
            !policy("slack", "slack.thread-participation").ttl_expected,
            "newer builds have no TTL"
        );
    }

    #[test]
    fn namespaces_are_known_only_under_their_plugin() {
        assert!(!policy("slack", "discord.modals").known);
        assert!(policy("matrix", "credentials").secret);
        assert!(!policy("other", "credentials").secret);
    }

    #[test]
    fn patterned_names_match_only_their_shape() {
        assert!(policy("telegram", "telegram.topic-name-cache.0123456789abcdef").known);
        assert!(!policy("telegram", "telegram.topic-name-cache.0123").known);
        assert!(policy("memory-core", "dreaming-phase").known);
        let long = format!("msteams.sent-messages.account.v1.{}", "a".repeat(64));
        assert!(policy("msteams", &long).memory_first);
    }

    #[test]
    fn retained_namespaces_are_protected_and_keep_secrecy() {
        let p = policy("telegram", "@retained.telegram.message-cache");
        assert_eq!(p.prune, Never);
        assert!(p.secret);
        assert_eq!(p.max_entries, None);
        assert!(!policy("telegram", "@retained.unheard-of").secret);
    }
}
