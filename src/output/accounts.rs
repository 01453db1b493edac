//! How accounts behind hashed namespace names are shown: `Sales (from openclaw.json)`,
//! or why the hash stays a hash (`store::config::namespace_account`).

use crate::store::config::{self, Source};

/// `explain` and the `ls` summary: the account behind a hashed namespace name, or why
/// it is not known; `None` for names that are not hashed.
pub fn namespace_account_text(plugin_id: &str, namespace: &str) -> Option<String> {
    let (hash, name) = config::namespace_account(plugin_id, namespace)?;
    Some(match (name, &config::gateway().source) {
        (Some(id), _) => format!("{id} (from openclaw.json)"),
        (None, Source::Loaded(p)) => format!(
            "not known: no {plugin_id} account of {} has sha256 {hash}",
            p.display()
        ),
        (None, Source::Missing(_)) => {
            "not known: no openclaw.json found (`statectl info` says where it looked)".into()
        }
        (None, Source::Unreadable(p, why)) => {
            format!("not known: {} is unreadable ({why})", p.display())
        }
    })
}

/// The `ls` summary's NAMESPACE cell: a hashed name gets its account when it is known.
pub fn namespace_cell(plugin_id: &str, namespace: &str) -> String {
    match config::namespace_account(plugin_id, namespace) {
        Some((_, Some(id))) => format!("{namespace} ({id}, from openclaw.json)"),
        _ => namespace.to_string(),
    }
}

/// `explain -o json`: `{"id", "from", "hash"}` of a hashed name, else null.
pub fn namespace_account_json(plugin_id: &str, namespace: &str) -> serde_json::Value {
    match config::namespace_account(plugin_id, namespace) {
        Some((hash, id)) => serde_json::json!({
            "id": id,
            "from": id.as_ref().map(|_| "openclaw.json"),
            "hash": hash,
            "message": namespace_account_text(plugin_id, namespace),
        }),
        None => serde_json::Value::Null,
    }
}
