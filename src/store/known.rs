//! The namespaces seen in the field (shared/docs/namespaces.md). Their caps, TTLs and
//! policies live in plugin code, not in the database, so statectl carries them; a
//! user file (`namespaces.toml`) adds namespaces statectl does not ship.

use super::rules::RETAINED_PREFIX;
use crate::error::{Error, Kind, Result};
use crate::timefmt::Ms;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    Exact(&'static str),
    /// The prefix followed by exactly this many lowercase hex digits.
    HexSuffix(&'static str, usize),
    /// Any namespace starting with the prefix.
    Prefix(&'static str),
}

impl Name {
    pub fn matches(self, ns: &str) -> bool {
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
    // extensions/discord/src/monitor/thread-bindings.state.ts (@openclaw/discord 2026.9.6):
    // maxEntries 10,000, no TTL, default policy; values hold the thread's webhookToken.
    secret(row("discord", Exact("thread-bindings"), Some(10_000), None, Evict, Caution)),
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
    row("memory-core", Exact("memory-host.events"), Some(10_000), None, Evict, Caution),
    row("memory-core", Exact("memory-host.event-cursors"), Some(1000), None, Evict, Caution),
    row("memory-core", Exact("memory-host.event-migration-checkpoints"), None, None, Reject, Caution),
    // shared/docs/namespace-shapes.md (#125910): 50k, reject-new, no TTL.
    row("codex", Exact("app-server-thread-bindings"), Some(50_000), None, Reject, Caution),
    row("slack", Exact("slack.inbound-deliveries"), Some(20_000), Some(DAY), Evict, Caution),
    row("memory-core", Exact("short-term-recall"), Some(50_000), None, Evict, Caution),
    row("memory-core", Prefix("dreaming-"), Some(50_000), None, Evict, Caution),
    row("core:system-agent", Exact("rescue-pending"), Some(1024), None, Reject, Caution),
    secret(row("core:provider-auth", Exact("github-copilot-token"), Some(8), None, Evict, Never)),
];

/// The policy of (plugin, namespace): the built-in table first, then the user's
/// namespaces file. Retained (`@retained.`) namespaces are never pruned, have no cap
/// or TTL, and keep the secrecy of their logical namespace.
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
    builtin(plugin_id, namespace)
        .or_else(|| {
            USER_TABLE
                .get()?
                .iter()
                .find(|u| u.matches(plugin_id, namespace))
                .map(|u| u.policy)
        })
        .unwrap_or(UNKNOWN)
}

fn builtin(plugin_id: &str, namespace: &str) -> Option<Policy> {
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
}

/// Whether a namespace is in the built-in table or the user's file, under `plugin`
/// or, without one, under any plugin.
pub fn is_known(plugin: Option<&str>, namespace: &str) -> bool {
    if let Some(logical) = namespace.strip_prefix(RETAINED_PREFIX) {
        return is_known(plugin, logical);
    }
    let plugin_ok = |p: &str| plugin.is_none_or(|want| want == p);
    TABLE
        .iter()
        .any(|r| plugin_ok(r.plugin) && r.name.matches(namespace))
        || USER_TABLE.get().is_some_and(|t| {
            t.iter()
                .any(|u| plugin_ok(&u.plugin) && u.matches(&u.plugin, namespace))
        })
}

/// Every (plugin, namespace) name of the table and the user's file, for did-you-mean
/// suggestions: exact names as they are, a family by its prefix.
pub fn known_names() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = TABLE
        .iter()
        .map(|r| {
            let name = match r.name {
                Name::Exact(n) | Name::HexSuffix(n, _) | Name::Prefix(n) => n,
            };
            (r.plugin.to_string(), name.to_string())
        })
        .collect();
    if let Some(t) = USER_TABLE.get() {
        out.extend(t.iter().map(|u| (u.plugin.clone(), u.name.clone())));
    }
    out
}

/// The namespaces the user's file added, installed once per process by [`load_user_file`].
static USER_TABLE: OnceLock<Vec<UserNamespace>> = OnceLock::new();

/// One namespace of the user's file.
#[derive(Debug, Clone)]
struct UserNamespace {
    /// What the rows mean, when the file gives key patterns or fields.
    spec: Option<super::catalog::Spec>,
    plugin: String,
    /// The exact name, or with `prefix` set, the start of every name it covers.
    name: String,
    prefix: bool,
    policy: Policy,
}

impl UserNamespace {
    fn matches(&self, plugin_id: &str, namespace: &str) -> bool {
        self.plugin == plugin_id
            && if self.prefix {
                namespace.starts_with(&self.name)
            } else {
                namespace == self.name
            }
    }
}

/// The file's shape: `[[namespace]]` tables with the columns of namespaces.md.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFile {
    #[serde(default)]
    namespace: Vec<UserRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserRow {
    plugin: String,
    namespace: String,
    max: Option<u64>,
    ttl: Option<String>,
    policy: Option<UserOverflow>,
    #[serde(default = "caution")]
    prune: UserPrune,
    #[serde(default)]
    secret: bool,
    #[serde(default)]
    memory_first: bool,
    /// One line on what the namespace is for (`statectl explain`).
    purpose: Option<String>,
    /// Key grammars, tried in turn: `{name}` captures text without ':', `{name*}` any
    /// text; `["{a}","{b}"]` is a JSON array key.
    #[serde(default)]
    keys: Vec<String>,
    /// Decoded value fields.
    #[serde(default)]
    field: Vec<UserField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserField {
    name: String,
    /// Dotted path into the value: `entry.title`.
    path: String,
    #[serde(rename = "type", default = "text_type")]
    ty: String,
    #[serde(default)]
    personal: bool,
}

fn text_type() -> String {
    "text".into()
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum UserOverflow {
    Evict,
    Reject,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum UserPrune {
    Safe,
    Caution,
    Never,
}

fn caution() -> UserPrune {
    UserPrune::Caution
}

/// The decoded views the user's file adds.
pub fn user_specs() -> Vec<super::catalog::Spec> {
    USER_TABLE
        .get()
        .map(|t| t.iter().filter_map(|u| u.spec.clone()).collect())
        .unwrap_or_default()
}

/// Every plugin id with a namespace in the built-in table or the user's file.
pub fn known_plugins() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let user = USER_TABLE.get().map(|t| t.as_slice()).unwrap_or_default();
    for p in TABLE
        .iter()
        .map(|r| r.plugin)
        .chain(user.iter().map(|u| u.plugin.as_str()))
    {
        if !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
    out
}

/// Where the namespaces file is looked for when `--namespaces-file` is not given:
/// `$XDG_CONFIG_HOME/statectl/namespaces.toml`, else `~/.config/statectl/namespaces.toml`.
pub fn default_user_file() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("statectl").join("namespaces.toml"))
}

/// Reads, checks and installs the user's namespaces file; returns how many it adds.
pub fn load_user_file(path: &Path) -> Result<usize> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(Kind::NamespacesFile, format!(
                "cannot read namespaces file {}: {e}; fix it, or name another with --namespaces-file (STATECTL_NAMESPACES_FILE)",
                path.display()
            ),
        )
    })?;
    let table = parse_user_file(&text).map_err(|m| {
        Error::new(
            Kind::NamespacesFile,
            format!("namespaces file {}: {m}", path.display()),
        )
    })?;
    let n = table.len();
    // A second load in the same process (tests calling `run` twice) keeps the first.
    let _ = USER_TABLE.set(table);
    Ok(n)
}

/// Parses a namespaces file; the error is one line that names where and what.
fn parse_user_file(text: &str) -> std::result::Result<Vec<UserNamespace>, String> {
    let file: UserFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let what = e.message().trim().replace('\n', " ");
        match line {
            Some(l) => format!("line {l}: {what}"),
            None => what,
        }
    })?;
    file.namespace
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let which = format!("namespace {} ({}/{})", i + 1, row.plugin, row.namespace);
            user_namespace(row).map_err(|m| format!("{which}: {m}"))
        })
        .collect()
}

/// The refusals of a namespaces-file row: empty names, a '*' inside the name, a
/// retained namespace, one built into statectl, and max 0.
fn check_user_row(row: &UserRow, name: &str, prefix: bool) -> std::result::Result<(), String> {
    if row.plugin.is_empty() || name.is_empty() {
        return Err("plugin and namespace must not be empty".into());
    }
    if name.contains('*') {
        return Err(format!(
            "namespace '{}': '*' may only end a prefix, as in 'acme.cache-*'",
            row.namespace
        ));
    }
    if name.starts_with(RETAINED_PREFIX) {
        return Err(format!(
            "namespace '{}': retained namespaces follow their logical namespace; name that one",
            row.namespace
        ));
    }
    if !prefix && builtin(&row.plugin, name).is_some() {
        return Err(format!(
            "{}/{} is built into statectl; the file only adds namespaces statectl does not know",
            row.plugin, name
        ));
    }
    if row.max == Some(0) {
        return Err("max must be at least 1 (leave it out for no cap)".into());
    }
    Ok(())
}

fn user_namespace(row: UserRow) -> std::result::Result<UserNamespace, String> {
    let (name, prefix) = match row.namespace.strip_suffix('*') {
        Some(start) => (start.to_string(), true),
        None => (row.namespace.clone(), false),
    };
    check_user_row(&row, &name, prefix)?;
    let ttl = row
        .ttl
        .as_deref()
        .map(crate::timefmt::parse_duration)
        .transpose()
        .map_err(|e| e.message)?;
    let spec = if row.keys.is_empty() && row.field.is_empty() {
        None
    } else {
        // Loaded once per process: the names live as long as the catalog.
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        let fields = row
            .field
            .into_iter()
            .map(|f| (f.name, f.path, f.ty, f.personal))
            .collect();
        Some(super::catalog::user_spec(
            row.plugin.clone(),
            if prefix {
                Name::Prefix(leaked)
            } else {
                Name::Exact(leaked)
            },
            row.namespace.clone(),
            row.purpose,
            &row.keys,
            fields,
        )?)
    };
    Ok(UserNamespace {
        spec,
        plugin: row.plugin,
        name,
        prefix,
        policy: Policy {
            known: true,
            max_entries: row.max,
            default_ttl_ms: ttl,
            overflow: match row.policy {
                Some(UserOverflow::Evict) => Overflow::EvictOldest,
                Some(UserOverflow::Reject) => Overflow::RejectNew,
                None => Overflow::Unknown,
            },
            prune: match row.prune {
                UserPrune::Safe => PruneSafety::Safe,
                UserPrune::Caution => PruneSafety::Caution,
                UserPrune::Never => PruneSafety::Never,
            },
            secret: row.secret,
            memory_first: row.memory_first,
            ttl_expected: ttl.is_some(),
        },
    })
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
