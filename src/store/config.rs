//! The gateway's configuration, `openclaw.json`: found as OpenClaw 2026.9.6 finds it
//! (`resolveConfigPath` in src/config/paths.ts), read as JSON5, and kept only for the
//! account ids and Telegram bot settings that decoded views need. Tokens never leave
//! this module: only a token's bot-id prefix and fingerprint do (see [`Secret`]).
//!
//! `${VAR}` references are left unresolved: statectl does not run in the gateway's
//! environment, so a token given that way is reported as not comparable.

use super::locate::{EnvFn, effective_home, state_dir};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file name, and the legacy one the runtime still reads.
pub const CONFIG_FILE: &str = "openclaw.json";
pub const LEGACY_CONFIG_FILE: &str = "clawdbot.json";

/// Which configuration file was read, or why none was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Loaded(PathBuf),
    /// No file at any path OpenClaw would read (in its order).
    Missing(Vec<PathBuf>),
    /// A file was there but could not be read or parsed: why (never its contents).
    Unreadable(PathBuf, String),
}

impl Source {
    /// `loaded`, `missing` or `unreadable`.
    pub fn status(&self) -> &'static str {
        match self {
            Source::Loaded(_) => "loaded",
            Source::Missing(_) => "missing",
            Source::Unreadable(..) => "unreadable",
        }
    }

    /// The path read, or the one that could not be read.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Loaded(p) | Source::Unreadable(p, _) => Some(p),
            Source::Missing(_) => None,
        }
    }

    /// For `info`: which file was read, or why none was and what that skips.
    pub fn describe(&self) -> String {
        const SKIPS: &str =
            "hashed account names stay hashed and Telegram offsets are not compared with the bot";
        match self {
            Source::Loaded(p) => format!(
                "{} (accounts and Telegram bot ids read; tokens never shown)",
                p.display()
            ),
            Source::Missing(tried) => format!(
                "none found (tried {}): {SKIPS}",
                tried
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Source::Unreadable(p, why) => format!("{} unreadable ({why}): {SKIPS}", p.display()),
        }
    }
}

/// A token from the configuration. Its text is never printed, formatted or compared
/// outside this module.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

impl Secret {
    /// The numeric bot id before the first `:` (`resolveTelegramBotUserIdFromToken`:
    /// digits only, a positive safe integer).
    pub fn telegram_bot_id(&self) -> Option<String> {
        let raw = self.0.trim().split(':').next()?;
        let n: u64 = raw
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| raw.parse().ok())??;
        (n > 0 && n < (1u64 << 53)).then(|| n.to_string())
    }

    /// `fingerprintTelegramBotToken`: sha256 of the trimmed token, first 16 hex digits.
    pub fn telegram_fingerprint(&self) -> String {
        let digest = Sha256::digest(self.0.trim().as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// Where an account's bot token comes from, as far as the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Written in the file itself.
    Literal(Secret),
    /// `"${NAME}"`: substituted by the gateway from its environment; not resolved here.
    EnvReference(String),
    /// A secret reference object (`{source, provider, id}`): resolved by the gateway only.
    SecretRef(String),
    /// `tokenFile`: the path (the file is not read).
    File(String),
    /// No token in the file: the gateway falls back to `TELEGRAM_BOT_TOKEN` (default account).
    EnvVar,
    /// The account is not configured (and other accounts are: no channel-level fallback).
    NotConfigured,
    /// Nothing at all.
    None,
}

impl Token {
    /// Why this token cannot be compared, for people (never the token itself).
    pub fn unavailable_why(&self) -> Option<String> {
        Some(match self {
            Token::Literal(_) => return None,
            Token::EnvReference(name) => format!(
                "the token is {name}, an environment reference the gateway resolves; statectl does not"
            ),
            Token::SecretRef(what) => {
                format!("the token is a secret reference ({what}) only the gateway resolves")
            }
            Token::File(path) => format!("the token is in tokenFile {path}, which statectl does not read"),
            Token::EnvVar => "no token in openclaw.json: the gateway uses TELEGRAM_BOT_TOKEN from its environment".into(),
            Token::NotConfigured => "the account is not configured in openclaw.json".into(),
            Token::None => "no Telegram token in openclaw.json".into(),
        })
    }
}

/// The gateway configuration as far as statectl uses it.
#[derive(Clone, PartialEq)]
pub struct Gateway {
    pub source: Source,
    /// The parsed file: holds tokens, so it is never formatted (see `Debug` below).
    root: Option<Value>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn get<'v>(v: Option<&'v Value>, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v?, |cur, k| cur.get(*k))
}

/// OpenClaw's `normalizeAccountId`: lower case; an id outside `[a-z0-9][a-z0-9_-]{0,63}`
/// has other characters turned into `-`, dashes trimmed, at most 64 characters.
pub fn canonical_account_id(id: &str) -> String {
    let t = id.trim();
    let lower = t.to_lowercase();
    let valid = !t.is_empty()
        && t.len() <= 64
        && t.as_bytes()[0].is_ascii_alphanumeric()
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        return lower;
    }
    let out = replace_runs(&lower, '-', |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
    });
    let trimmed = out.trim_matches('-');
    let canonical: String = trimmed.chars().take(64).collect();
    if canonical.is_empty() {
        "default".into()
    } else {
        canonical
    }
}

/// Telegram's state key for an account (`normalizeTelegramStateAccountId`).
pub fn telegram_state_key(account: &str) -> String {
    let t = account.trim();
    if t.is_empty() {
        return "default".into();
    }
    replace_runs(t, '_', |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
    })
}

/// Each run of characters that are not `keep` becomes one `with` (a regex `/[^..]+/g`).
fn replace_runs(s: &str, with: char, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in s.chars() {
        if keep(c) {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push(with);
            in_run = true;
        }
    }
    out
}

/// The `${NAME}` references of a string, and nothing else of it (the rest may be a
/// part of the token).
fn env_refs(s: &str) -> String {
    let refs: Vec<&str> = s
        .match_indices("${")
        .filter_map(|(at, _)| s[at..].find('}').map(|end| &s[at..at + end + 1]))
        .collect();
    let only = refs.concat() == s.trim();
    match (refs.is_empty(), only) {
        (true, _) => "an unterminated ${ reference".into(),
        (false, true) => refs.join(""),
        (false, false) => format!("a value with {}", refs.join(", ")),
    }
}

fn classify_token(v: &Value) -> Option<Token> {
    match v {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) if s.contains("${") => Some(Token::EnvReference(env_refs(s))),
        Value::String(s) => Some(Token::Literal(Secret(s.trim().to_string()))),
        Value::Object(o) => {
            let part = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("?");
            Some(Token::SecretRef(format!(
                "source {}, provider {}",
                part("source"),
                part("provider")
            )))
        }
        _ => None,
    }
}

impl Gateway {
    /// A configuration that was not read.
    pub fn absent(source: Source) -> Gateway {
        Gateway { source, root: None }
    }

    /// Parses the text of a JSON5 file; the error names the position, never the text.
    pub fn parse(path: &Path, text: &str) -> Gateway {
        match json5::from_str::<Value>(text) {
            Ok(root @ Value::Object(_)) => Gateway {
                source: Source::Loaded(path.to_path_buf()),
                root: Some(root),
            },
            Ok(_) => Gateway::absent(Source::Unreadable(
                path.to_path_buf(),
                "not a JSON5 object".into(),
            )),
            Err(e) => {
                let what = e
                    .code()
                    .map_or_else(|| "not valid JSON5".to_string(), |c| c.to_string());
                let at = e.position().map(|p| format!(" at {p}")).unwrap_or_default();
                Gateway::absent(Source::Unreadable(
                    path.to_path_buf(),
                    format!("not valid JSON5: {what}{at}"),
                ))
            }
        }
    }

    /// Reads the file `locate` chose.
    pub fn read(found: Result<PathBuf, Vec<PathBuf>>) -> Gateway {
        match found {
            Err(tried) => Gateway::absent(Source::Missing(tried)),
            Ok(path) => match std::fs::read_to_string(&path) {
                Ok(text) => Gateway::parse(&path, &text),
                Err(e) => Gateway::absent(Source::Unreadable(path, e.kind().to_string())),
            },
        }
    }

    /// For `info`: [`Source::describe`], and for a file read, what in it statectl uses
    /// (so an empty file does not read as if accounts had been found).
    pub fn describe(&self) -> String {
        let Source::Loaded(path) = &self.source else {
            return self.source.describe();
        };
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let mut read = Vec::new();
        let teams = self.account_ids("msteams").len();
        if teams > 0 {
            read.push(count(teams, "MS Teams account"));
        }
        let telegram = self.account_ids("telegram").len();
        if telegram > 0 {
            read.push(count(telegram, "Telegram account"));
        } else if get(self.root.as_ref(), &["channels", "telegram"]).is_some() {
            read.push("the Telegram channel".into());
        }
        if read.is_empty() {
            return format!(
                "{} (no MS Teams accounts and no Telegram channel in it: nothing to name or compare)",
                path.display()
            );
        }
        format!(
            "{} ({} read; tokens never shown)",
            path.display(),
            read.join(" and ")
        )
    }

    fn accounts_of(&self, channel: &str) -> Option<&Map<String, Value>> {
        get(self.root.as_ref(), &["channels", channel, "accounts"])?.as_object()
    }

    /// The account ids configured for a channel (`channels.<channel>.accounts` keys).
    pub fn account_ids(&self, channel: &str) -> Vec<String> {
        self.accounts_of(channel)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The configured account whose sha256 (hex) is `hash`: the id as written or as
    /// OpenClaw normalises it, and `default`.
    pub fn account_for_hash(&self, channel: &str, hash: &str) -> Option<String> {
        let mut ids = self.account_ids(channel);
        ids.push("default".into());
        ids.into_iter().find(|id| {
            [id.clone(), canonical_account_id(id)]
                .iter()
                .any(|c| sha256_hex(c).eq_ignore_ascii_case(hash))
        })
    }

    /// The Telegram account whose state key is `key` (`telegram.update-offsets`), as
    /// configured: its canonical id and its entry, if any.
    fn telegram_account(&self, key: &str) -> Option<(String, Option<&Value>)> {
        let accounts = self.accounts_of("telegram");
        let entry = accounts.and_then(|m| {
            m.iter()
                .find(|(id, _)| telegram_state_key(&canonical_account_id(id)) == key)
        });
        match entry {
            Some((id, v)) => Some((canonical_account_id(id), Some(v))),
            None if key == "default" => Some(("default".into(), None)),
            None if accounts.is_none_or(Map::is_empty) => Some((key.to_string(), None)),
            None => None,
        }
    }

    /// Where the token of the Telegram account with state key `key` comes from, in
    /// the order of `resolveTelegramToken`.
    pub fn telegram_token(&self, key: &str) -> Token {
        if self.root.is_none() {
            return Token::None;
        }
        let Some((id, entry)) = self.telegram_account(key) else {
            return Token::NotConfigured;
        };
        let channel = get(self.root.as_ref(), &["channels", "telegram"]);
        for scope in [entry, channel] {
            let file = get(scope, &["tokenFile"]).and_then(Value::as_str);
            if let Some(f) = file.map(str::trim).filter(|f| !f.is_empty()) {
                return Token::File(f.to_string());
            }
            if let Some(t) = get(scope, &["botToken"]).and_then(classify_token) {
                return t;
            }
        }
        if id == "default" {
            Token::EnvVar
        } else {
            Token::None
        }
    }

    /// The Bot API root configured for the account (account, then channel).
    pub fn telegram_api_root(&self, key: &str) -> Option<String> {
        let entry = self.telegram_account(key).and_then(|(_, e)| e);
        let channel = get(self.root.as_ref(), &["channels", "telegram"]);
        [entry, channel]
            .into_iter()
            .find_map(|s| get(s, &["apiRoot"]).and_then(Value::as_str))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

/// Namespace names that end in the sha256 of an account id, per plugin: the prefix
/// and the channel whose accounts openclaw.json lists.
const HASHED_NAMESPACES: &[(&str, &str, &str)] =
    &[("msteams", "msteams.sent-messages.account.v1.", "msteams")];

/// For a namespace named by an account's hash: the hash and, when this run's
/// openclaw.json has the account, its id.
pub fn namespace_account(plugin_id: &str, namespace: &str) -> Option<(String, Option<String>)> {
    let (_, prefix, channel) = HASHED_NAMESPACES.iter().find(|(p, ..)| *p == plugin_id)?;
    let hash = namespace.strip_prefix(prefix)?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((hash.to_string(), gateway().account_for_hash(channel, hash)))
}

impl Secret {
    /// The Matrix plugin's token-root name (`hashMatrixAccessToken`): sha256 of the
    /// access token, first 16 hex digits.
    pub fn matrix_token_hash(&self) -> String {
        sha256_hex(&self.0)[..16].to_string()
    }
}

impl Gateway {
    /// The token-root hash of the Matrix account whose directory key is `account_key`
    /// (`sanitizeMatrixPathSegment` of the account id): the account's `accessToken`,
    /// else the channel's for `default`. `Err` says why it is not known.
    pub fn matrix_token_hash(&self, account_key: &str) -> Result<String, String> {
        if self.root.is_none() {
            return Err(format!("no openclaw.json read ({})", self.source.status()));
        }
        let channel = get(self.root.as_ref(), &["channels", "matrix"]);
        let entry = self.accounts_of("matrix").and_then(|m| {
            m.iter()
                .find(|(id, _)| matrix_path_segment(id) == account_key)
                .map(|(_, v)| v)
        });
        let scopes = if account_key == "default" {
            vec![entry, channel]
        } else {
            vec![entry]
        };
        let token = scopes
            .into_iter()
            .find_map(|s| get(s, &["accessToken"]).and_then(classify_token));
        match token {
            Some(Token::Literal(secret)) => Ok(secret.matrix_token_hash()),
            Some(other) => Err(other.unavailable_why().unwrap_or_default()),
            None => Err(format!(
                "openclaw.json has no Matrix accessToken for account {account_key}"
            )),
        }
    }
}

/// `sanitizeMatrixPathSegment`: lower case, each run outside `[a-z0-9._-]` becomes `_`,
/// outer `_` trimmed, `unknown` when nothing is left.
pub fn matrix_path_segment(s: &str) -> String {
    let lower = s.trim().to_lowercase();
    let out = replace_runs(&lower, '_', |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
    });
    let t = out.trim_matches('_');
    if t.is_empty() {
        "unknown".into()
    } else {
        t.to_string()
    }
}

pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// OpenClaw's order (`resolveConfigPath`): `OPENCLAW_CONFIG_PATH` (used even when
/// missing); else `openclaw.json`, then `clawdbot.json`, in the state dir (`--state-dir`,
/// `OPENCLAW_STATE_DIR`, or the default one); with no state dir override, then the
/// same two names in `~/.openclaw` and `~/.clawdbot`. `Err` lists every path tried.
pub fn locate(env: EnvFn, state_dir_flag: Option<&Path>) -> Result<PathBuf, Vec<PathBuf>> {
    let home = effective_home(env);
    if let Some(p) = env("OPENCLAW_CONFIG_PATH")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        let path = match (p.as_str(), &home) {
            ("~", Some(h)) => h.clone(),
            (s, Some(h)) if s.starts_with("~/") => h.join(&s[2..]),
            (s, _) => PathBuf::from(s),
        };
        return if path.is_file() {
            Ok(path)
        } else {
            Err(vec![path])
        };
    }
    let overridden =
        state_dir_flag.is_some() || env("OPENCLAW_STATE_DIR").is_some_and(|v| !v.trim().is_empty());
    let mut dirs = Vec::new();
    match state_dir_flag {
        Some(d) => dirs.push(d.to_path_buf()),
        None => dirs.extend(state_dir(env).ok()),
    }
    if !overridden && let Some(h) = &home {
        for d in [h.join(".openclaw"), h.join(".clawdbot")] {
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    let tried: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| [d.join(CONFIG_FILE), d.join(LEGACY_CONFIG_FILE)])
        .collect();
    tried.iter().find(|p| p.is_file()).cloned().ok_or(tried)
}

static HINT: OnceLock<Option<PathBuf>> = OnceLock::new();
static GATEWAY: OnceLock<Gateway> = OnceLock::new();

/// Records `--state-dir` for the lookup; the file is read on first use only.
pub fn set_state_dir(dir: Option<PathBuf>) {
    let _ = HINT.set(dir);
}

/// The gateway configuration of this run (read once, from the process environment).
pub fn gateway() -> &'static Gateway {
    GATEWAY.get_or_init(|| {
        let env = |k: &str| std::env::var(k).ok();
        let hint = HINT.get().and_then(|h| h.as_deref());
        Gateway::read(locate(&env, hint))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = r#"// the gateway's config
    {
      channels: {
        telegram: {
          apiRoot: 'https://tg.example/',
          accounts: {
            Ops: { botToken: "7012345678:AAH-secret-one", },
            env: { botToken: "${OPS_TOKEN}" },
            file: { tokenFile: "/run/secrets/tg" },
          },
        },
        msteams: { accounts: { Sales: {}, }, },
      },
    }"#;

    fn gw() -> Gateway {
        Gateway::parse(Path::new("/x/openclaw.json"), CFG)
    }

    #[test]
    fn json5_with_comments_and_trailing_commas_reads() {
        let g = gw();
        assert_eq!(g.source, Source::Loaded("/x/openclaw.json".into()));
        assert_eq!(g.account_ids("msteams"), ["Sales"]);
        let bad = Gateway::parse(Path::new("/x/o.json"), "{ botToken: \"123:abc\" ");
        match bad.source {
            Source::Unreadable(_, why) => {
                assert!(why.contains("line 1") && !why.contains("abc"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tokens_resolve_in_the_runtime_order_and_never_print() {
        let g = gw();
        let Token::Literal(s) = g.telegram_token("ops") else {
            panic!("ops has a literal token");
        };
        assert_eq!(s.telegram_bot_id().as_deref(), Some("7012345678"));
        assert_eq!(s.telegram_fingerprint().len(), 16);
        assert!(!format!("{s:?}").contains("secret"));
        assert_eq!(
            g.telegram_token("env"),
            Token::EnvReference("${OPS_TOKEN}".into())
        );
        assert_eq!(
            g.telegram_token("file"),
            Token::File("/run/secrets/tg".into())
        );
        assert!(!format!("{g:?}").contains("secret-one"));
        let part = Gateway::parse(
            Path::new("/x/o.json"),
            "{channels:{telegram:{botToken:'7012345678:AAH${SUFFIX}'}}}",
        );
        assert_eq!(
            part.telegram_token("default"),
            Token::EnvReference("a value with ${SUFFIX}".into()),
            "the literal part of the token is not kept"
        );
        assert_eq!(g.telegram_token("default"), Token::EnvVar);
        assert_eq!(g.telegram_token("nobody"), Token::NotConfigured);
        assert_eq!(
            g.telegram_api_root("ops").as_deref(),
            Some("https://tg.example/")
        );
    }

    #[test]
    fn hashed_names_map_back_to_configured_accounts() {
        let g = gw();
        assert_eq!(
            g.account_for_hash("msteams", &sha256_hex("sales"))
                .as_deref(),
            Some("Sales")
        );
        assert_eq!(
            g.account_for_hash("msteams", &sha256_hex("Sales"))
                .as_deref(),
            Some("Sales")
        );
        assert_eq!(g.account_for_hash("msteams", &sha256_hex("other")), None);
    }

    #[test]
    fn account_ids_normalise_as_openclaw_does() {
        assert_eq!(canonical_account_id("Ops"), "ops");
        assert_eq!(canonical_account_id(" My Bot! "), "my-bot");
        assert_eq!(telegram_state_key("a b/c"), "a_b_c");
        assert_eq!(telegram_state_key("a_ /b"), "a__b");
        assert_eq!(telegram_state_key(""), "default");
    }

    #[test]
    fn lookup_order_follows_openclaw() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path().to_str().unwrap().to_string();
        let sd = home.path().join("sd");
        std::fs::create_dir_all(&sd).unwrap();
        let vars = |extra: &[(&str, String)]| {
            let mut m = std::collections::HashMap::from([("HOME".to_string(), h.clone())]);
            for (k, v) in extra {
                m.insert(k.to_string(), v.clone());
            }
            m
        };
        let none = vars(&[]);
        let tried = locate(&|k| none.get(k).cloned(), None).unwrap_err();
        assert_eq!(tried[0], home.path().join(".openclaw/openclaw.json"));
        assert!(tried.contains(&home.path().join(".clawdbot/clawdbot.json")));
        std::fs::create_dir_all(home.path().join(".clawdbot")).unwrap();
        std::fs::write(home.path().join(".clawdbot/openclaw.json"), "{}").unwrap();
        assert_eq!(
            locate(&|k| none.get(k).cloned(), None).unwrap(),
            home.path().join(".clawdbot/openclaw.json")
        );
        let with_sd = vars(&[("OPENCLAW_STATE_DIR", sd.display().to_string())]);
        let tried = locate(&|k| with_sd.get(k).cloned(), None).unwrap_err();
        assert_eq!(tried, [sd.join(CONFIG_FILE), sd.join(LEGACY_CONFIG_FILE)]);
        std::fs::write(sd.join(LEGACY_CONFIG_FILE), "{}").unwrap();
        assert_eq!(
            locate(&|k| with_sd.get(k).cloned(), None).unwrap(),
            sd.join(LEGACY_CONFIG_FILE)
        );
        let explicit = vars(&[
            ("OPENCLAW_STATE_DIR", sd.display().to_string()),
            ("OPENCLAW_CONFIG_PATH", " ~/cfg.json5 ".into()),
        ]);
        assert_eq!(
            locate(&|k| explicit.get(k).cloned(), None).unwrap_err(),
            [home.path().join("cfg.json5")]
        );
    }
}
