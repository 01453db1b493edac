//! `telegram.update-offsets`: whether a stored offset still belongs to the configured
//! bot, decided as OpenClaw 2026.9.6's reader decides it (`rotationForToken` in
//! extensions/telegram/src/update-offset-store.ts). A stale offset after a token or
//! bot change makes the reader drop the offset; comparing here tells operators before
//! they wonder where the messages went. The token itself is never printed.

use super::config::{Gateway, Source, Token};
use serde_json::Value;

/// The Bot API root the plugin uses when none is configured.
pub const DEFAULT_API_ROOT: &str = "https://api.telegram.org";

/// What comparing one stored record with the configuration found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// Bot id and token fingerprint (and API root, when stored) match.
    Matches,
    BotChanged {
        stored: String,
        configured: String,
    },
    TokenRotated,
    ApiRootChanged {
        stored: String,
        configured: String,
    },
    /// A record without a bot id or token fingerprint (versions 1 and 2).
    Legacy(&'static str),
    /// `lastUpdateId` is null: there is no offset to lose.
    NoOffset,
    /// A record the reader ignores (`safeParseState` refuses it).
    Invalid(String),
    /// The configuration cannot tell: why.
    Unknown(String),
}

impl Rotation {
    /// The decoded column `rotation_status` (the runtime's reason names); null when
    /// the configuration cannot tell.
    pub fn code(&self) -> Option<&'static str> {
        Some(match self {
            Rotation::Matches => "matches",
            Rotation::BotChanged { .. } => "bot-id-changed",
            Rotation::TokenRotated => "token-rotated",
            Rotation::ApiRootChanged { .. } => "api-root-changed",
            Rotation::Legacy(_) => "legacy-state",
            Rotation::NoOffset => "no-offset",
            Rotation::Invalid(_) => "invalid-record",
            Rotation::Unknown(_) => return None,
        })
    }

    /// One line for `inspect`.
    pub fn text(&self) -> String {
        const DROPS: &str =
            "on its next start the gateway (2026.9.6) deletes this offset and polls without it";
        match self {
            Rotation::Matches => {
                "matches: the stored bot id and token fingerprint are the configured bot's".into()
            }
            Rotation::BotChanged { stored, configured } => format!(
                "bot changed: stored for bot {stored}, the configured token is bot {configured}; {DROPS}"
            ),
            Rotation::TokenRotated => format!(
                "token rotated: same bot, but the token's fingerprint differs from the stored one; {DROPS}"
            ),
            Rotation::ApiRootChanged { stored, configured } => {
                format!("api root changed: stored for {stored}, configured {configured}; {DROPS}")
            }
            Rotation::Legacy(what) => format!("legacy record: {what}; {DROPS}"),
            Rotation::NoOffset => "no offset stored (lastUpdateId is null): nothing to lose".into(),
            Rotation::Invalid(why) => {
                format!("invalid record ({why}): the gateway's reader ignores it")
            }
            Rotation::Unknown(why) => format!("cannot tell: {why}"),
        }
    }
}

fn root_of(s: &str) -> String {
    s.trim().trim_end_matches('/').to_string()
}

/// The stored record as the reader parses it: version, lastUpdateId, botId (v>=2),
/// tokenFingerprint (v>=3), apiRoot (v4).
struct Record {
    last_update_id: Option<i64>,
    bot_id: Option<String>,
    fingerprint: Option<String>,
    api_root: Option<String>,
}

fn parse(v: &Value) -> Result<Record, String> {
    let version = v.get("version").and_then(Value::as_i64);
    let version = match version {
        Some(n @ 1..=4) => n,
        _ => return Err("version is not 1 to 4".into()),
    };
    let text = |k: &str, from: i64| -> Result<Option<String>, String> {
        match v.get(k) {
            _ if version < from => Ok(None),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{k} is not a string")),
        }
    };
    let last_update_id = match v.get("lastUpdateId") {
        None | Some(Value::Null) => None,
        Some(n) => match n.as_i64().filter(|i| (0..=(1i64 << 53) - 1).contains(i)) {
            Some(i) => Some(i),
            None => return Err("lastUpdateId is not a non-negative safe integer".into()),
        },
    };
    Ok(Record {
        last_update_id,
        bot_id: text("botId", 2)?,
        fingerprint: text("tokenFingerprint", 3)?,
        api_root: text("apiRoot", 4)?,
    })
}

/// The namespace this applies to.
pub fn applies(plugin_id: &str, namespace: &str) -> bool {
    plugin_id == "telegram" && namespace == "telegram.update-offsets"
}

/// The diagnosis of one stored row against this run's configuration, for rows of
/// `telegram.update-offsets` only.
pub fn of_row(plugin_id: &str, namespace: &str, key: &str, value_json: &str) -> Option<Rotation> {
    applies(plugin_id, namespace).then(|| diagnose(super::config::gateway(), key, value_json))
}

/// Compares the record stored under `key` with the configured account.
pub fn diagnose(gw: &Gateway, key: &str, value_json: &str) -> Rotation {
    match serde_json::from_str::<Value>(value_json) {
        Ok(v) => diagnose_value(gw, key, &v),
        Err(_) => Rotation::Invalid("not JSON".into()),
    }
}

/// [`diagnose`] of a parsed value.
pub fn diagnose_value(gw: &Gateway, key: &str, value: &Value) -> Rotation {
    let rec = match parse(value) {
        Ok(r) => r,
        Err(why) => return Rotation::Invalid(why),
    };
    if rec.last_update_id.is_none() {
        return Rotation::NoOffset;
    }
    match &gw.source {
        Source::Loaded(_) => {}
        Source::Missing(_) => return Rotation::Unknown("no openclaw.json found".into()),
        Source::Unreadable(p, why) => {
            return Rotation::Unknown(format!("{} is unreadable ({why})", p.display()));
        }
    }
    let token = gw.telegram_token(key);
    let Token::Literal(secret) = &token else {
        return Rotation::Unknown(token.unavailable_why().unwrap_or_default());
    };
    let Some(configured) = secret.telegram_bot_id() else {
        return Rotation::Unknown("the configured token has no numeric bot id before ':'".into());
    };
    let Some(stored) = rec.bot_id else {
        return Rotation::Legacy("no bot id stored");
    };
    if stored != configured {
        return Rotation::BotChanged { stored, configured };
    }
    match rec.fingerprint {
        None => return Rotation::Legacy("no token fingerprint stored"),
        Some(fp) if fp != secret.telegram_fingerprint() => return Rotation::TokenRotated,
        Some(_) => {}
    }
    if let Some(stored) = rec.api_root {
        let configured = gw
            .telegram_api_root(key)
            .unwrap_or_else(|| DEFAULT_API_ROOT.into());
        if root_of(&stored) != root_of(&configured) {
            return Rotation::ApiRootChanged { stored, configured };
        }
    }
    Rotation::Matches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::config::sha256_hex;
    use std::path::Path;

    const TOKEN: &str = "7012345678:AAH-current";

    fn gw(extra: &str) -> Gateway {
        let text =
            format!("{{ channels: {{ telegram: {{ botToken: '{TOKEN}', /* c */ {extra} }}, }}, }}");
        Gateway::parse(Path::new("/c/openclaw.json"), &text)
    }

    fn fp(t: &str) -> String {
        sha256_hex(t)[..16].to_string()
    }

    fn rec(bot: &str, fp: &str) -> String {
        format!(r#"{{"version":3,"lastUpdateId":5,"botId":"{bot}","tokenFingerprint":"{fp}"}}"#)
    }

    #[test]
    fn each_status_as_the_reader_decides() {
        let g = gw("");
        assert_eq!(
            diagnose(&g, "default", &rec("7012345678", &fp(TOKEN))),
            Rotation::Matches
        );
        assert_eq!(
            diagnose(&g, "default", &rec("7012345678", &fp("7012345678:old"))),
            Rotation::TokenRotated
        );
        assert!(matches!(
            diagnose(&g, "default", &rec("1", &fp(TOKEN))),
            Rotation::BotChanged { .. }
        ));
        let v1 = r#"{"version":1,"lastUpdateId":5,"botId":"7012345678"}"#;
        assert_eq!(
            diagnose(&g, "default", v1),
            Rotation::Legacy("no bot id stored")
        );
        let v2 = r#"{"version":2,"lastUpdateId":5,"botId":"7012345678","tokenFingerprint":"x"}"#;
        assert_eq!(
            diagnose(&g, "default", v2),
            Rotation::Legacy("no token fingerprint stored")
        );
        let v4 = format!(
            r#"{{"version":4,"lastUpdateId":5,"botId":"7012345678","tokenFingerprint":"{}","apiRoot":"https://old.example"}}"#,
            fp(TOKEN)
        );
        assert!(matches!(
            diagnose(&g, "default", &v4),
            Rotation::ApiRootChanged { .. }
        ));
        let same = gw("apiRoot: 'https://old.example/'");
        assert_eq!(diagnose(&same, "default", &v4), Rotation::Matches);
        assert!(matches!(
            diagnose(&g, "default", r#"{"version":9,"lastUpdateId":5}"#),
            Rotation::Invalid(_)
        ));
        assert_eq!(
            diagnose(&g, "default", r#"{"version":3,"lastUpdateId":null}"#),
            Rotation::NoOffset
        );
    }

    #[test]
    fn no_configuration_or_no_token_cannot_tell() {
        let none = Gateway::absent(Source::Missing(vec![]));
        let r = diagnose(&none, "default", &rec("1", "2"));
        assert_eq!(r.code(), None);
        let env = Gateway::parse(
            Path::new("/c/o.json"),
            "{channels:{telegram:{botToken:'${TG_TOKEN}'}}}",
        );
        let r = diagnose(&env, "default", &rec("1", "2"));
        assert!(r.text().contains("${TG_TOKEN}"), "{}", r.text());
        assert_eq!(r.code(), None);
    }
}
