//! Per-namespace integrity: rows whose key disagrees with their value where the
//! writer ties them (Discord: the key is `entry.id`; Telegram thread bindings: the key
//! is the hash of the value's account and conversation; Matrix approval reactions: the
//! key's account, room and event are the target's), and values that do not have
//! the namespace's shape (the catalog's decode problems). One rule per row,
//! [`finding`], used by `check` and by `ls`'s marker; a finding never fails a listing.

use super::catalog::{self, Decoded, KeyRule, Spec};
use super::names;
use super::query;
use crate::error::Result;
use crate::timefmt::Ms;
use serde_json::Value;
use std::collections::HashMap;

/// Sample keys kept per namespace and kind.
pub const SAMPLES: usize = 3;

/// Why `key` disagrees with `value` under `rule`, or `None` when it agrees (or the
/// value carries nothing to compare: that is a shape problem, reported as one).
pub fn key_mismatch(
    rule: &KeyRule,
    key: &str,
    caps: &[(String, String)],
    value: Option<&Value>,
) -> Option<String> {
    let value = value?;
    match rule {
        KeyRule::CapturesEqual(pairs) => pairs.iter().find_map(|(cap, path)| {
            let from_key = caps.iter().find(|(n, _)| n == cap).map(|(_, v)| v)?;
            let in_value = catalog::lookup(value, path).and_then(Value::as_str)?;
            (from_key.trim() != in_value.trim())
                .then(|| format!("the key's {cap} ({from_key}) is not {path} ({in_value})"))
        }),
        KeyRule::ValuePath(path) => match catalog::lookup(value, path).and_then(Value::as_str) {
            Some(id) if id == key => None,
            Some(id) => Some(format!("the key is not {path} ({id})")),
            None => Some(format!(
                "the value has no {path} string (the reader skips the row)"
            )),
        },
        KeyRule::ThreadBindingHash => {
            let get = |k: &str| value.get(k).and_then(Value::as_str);
            let (Some(account), Some(conv)) = (get("accountId"), get("conversationId")) else {
                return Some("the value has no accountId and conversationId to hash".into());
            };
            if catalog::thread_binding_key(account, conv) == key {
                return None;
            }
            let configured = super::config::gateway()
                .account_ids("telegram")
                .into_iter()
                .flat_map(|id| [super::config::canonical_account_id(&id), id])
                .map(|id| (id, " (from openclaw.json)"));
            let other = configured
                .chain([("default".to_string(), "")])
                .find(|(id, _)| catalog::thread_binding_key(id, conv) == key);
            Some(match other {
                Some((id, from)) => {
                    format!("the key is the hash of account {id}{from}, the value says {account}")
                }
                None => format!("the key is not sha256(\"{account}\\0{conv}\")[:32]"),
            })
        }
    }
}

/// What is wrong with one decoded row, if anything: the key first, then the shape.
pub fn finding(d: &Decoded) -> Option<(Kind, &str)> {
    d.key_mismatch
        .as_deref()
        .map(|w| (Kind::Key, w))
        .or_else(|| d.problem.as_deref().map(|w| (Kind::Shape, w)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The key disagrees with the value.
    Key,
    /// The key or value does not have the namespace's shape.
    Shape,
}

/// The findings of one (plugin, namespace).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NsIntegrity {
    pub plugin_id: String,
    pub namespace: String,
    pub rows: u64,
    pub key_mismatches: u64,
    pub shape_problems: u64,
    /// `(key, why)` of the first few rows of each kind.
    pub key_samples: Vec<(String, String)>,
    pub shape_samples: Vec<(String, String)>,
}

impl NsIntegrity {
    fn add(&mut self, key: &str, kind: Kind, why: &str) {
        let (n, samples) = match kind {
            Kind::Key => (&mut self.key_mismatches, &mut self.key_samples),
            Kind::Shape => (&mut self.shape_problems, &mut self.shape_samples),
        };
        *n += 1;
        if samples.len() < SAMPLES {
            samples.push((key.to_string(), why.to_string()));
        }
    }
}

/// The live rows of every stored namespace statectl can decode, checked row by row;
/// only namespaces with findings are returned, in name order. One pass in table order
/// (sequential reads; going namespace by namespace through the listing index costs a
/// random table read per row); the samples are the first rows met in that pass.
pub fn scan(conn: &rusqlite::Connection, now: Ms) -> Result<Vec<NsIntegrity>> {
    type PerNs<'s> = (&'s Spec, NsIntegrity);
    let mut specs: HashMap<String, HashMap<String, PerNs<'static>>> = HashMap::new();
    for (plugin, ns) in names::stored_names(conn)? {
        if let Some(spec) = catalog::spec(&plugin, &ns) {
            let acc = NsIntegrity {
                plugin_id: plugin.clone(),
                namespace: ns.clone(),
                ..Default::default()
            };
            specs.entry(plugin).or_default().insert(ns, (spec, acc));
        }
    }
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM plugin_state_entries WHERE {}",
        query::ENTRY_COLUMNS,
        super::rules::LIVE_SQL
    ))?;
    let mut rows = stmt.query(rusqlite::named_params! {":now": now})?;
    while let Some(r) = rows.next()? {
        let (Ok(plugin), Ok(ns)) = (r.get_ref(0)?.as_str(), r.get_ref(1)?.as_str()) else {
            continue;
        };
        let Some((spec, acc)) = specs.get_mut(plugin).and_then(|m| m.get_mut(ns)) else {
            continue;
        };
        let e = query::entry_from_row(r)?;
        acc.rows += 1;
        let d = spec.decode(&e.key, &e.value_json, true);
        if let Some((kind, why)) = finding(&d) {
            acc.add(&e.key, kind, why);
        }
    }
    let mut out: Vec<NsIntegrity> = specs
        .into_values()
        .flat_map(|m| m.into_values().map(|(_, acc)| acc))
        .filter(|f| f.key_mismatches + f.shape_problems > 0)
        .collect();
    out.sort_by(|a, b| (&a.plugin_id, &a.namespace).cmp(&(&b.plugin_id, &b.namespace)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discord_keys_must_be_the_entry_id() {
        let rule = KeyRule::ValuePath("entry.id".into());
        let v: Value = serde_json::from_str(r#"{"version":1,"entry":{"id":"btn_1"}}"#).unwrap();
        assert_eq!(key_mismatch(&rule, "btn_1", &[], Some(&v)), None);
        let why = key_mismatch(&rule, "btn_2", &[], Some(&v)).unwrap();
        assert!(why.contains("entry.id (btn_1)"), "{why}");
        let none: Value = serde_json::from_str(r#"{"version":1,"entry":{}}"#).unwrap();
        assert!(key_mismatch(&rule, "btn_1", &[], Some(&none)).is_some());
    }

    #[test]
    fn thread_binding_keys_are_recomputed() {
        let k = catalog::thread_binding_key("default", "-100:7");
        let v: Value =
            serde_json::from_str(r#"{"accountId":"default","conversationId":"-100:7"}"#).unwrap();
        assert_eq!(
            key_mismatch(&KeyRule::ThreadBindingHash, &k, &[], Some(&v)),
            None
        );
        let moved: Value =
            serde_json::from_str(r#"{"accountId":"ops","conversationId":"-100:7"}"#).unwrap();
        let why = key_mismatch(&KeyRule::ThreadBindingHash, &k, &[], Some(&moved)).unwrap();
        // `default` is always an account, so the key maps back even without a file.
        assert!(why.contains("account default, the value says ops"), "{why}");
    }
}
