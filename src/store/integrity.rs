//! Per-namespace integrity: rows whose key disagrees with their value where the
//! writer ties them (Discord: the key is `entry.id`; Telegram thread bindings: the key
//! is the hash of the value's account and conversation; Matrix approval reactions: the
//! key's account, room and event are the target's), and values that do not have
//! the namespace's shape (the catalog's decode problems). One rule per row,
//! [`finding`], used by `check` and by `ls`'s marker; a finding never fails a listing.
//! `check` tallies the live rows of every decoded namespace ([`NsIntegrity::judge`])
//! in its one pass over the table (`store::scan`).

use super::catalog::{self, Decoded, KeyRule, Spec};
use serde_json::Value;

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

    /// No rows yet of `plugin_id`/`namespace`.
    pub fn new(plugin_id: &str, namespace: &str) -> Self {
        NsIntegrity {
            plugin_id: plugin_id.to_string(),
            namespace: namespace.to_string(),
            ..Default::default()
        }
    }

    /// One live row of the namespace `spec` decodes: counted, and its finding kept.
    pub fn judge(&mut self, spec: &Spec, key: &str, value_json: &str) {
        self.rows += 1;
        let d = spec.decode(key, value_json, true);
        if let Some((kind, why)) = finding(&d) {
            self.add(key, kind, why);
        }
    }

    /// Adds the findings of the rows that come after this tally's in table order (a
    /// later rowid range of the same pass): its samples go after these.
    pub fn merge(&mut self, later: NsIntegrity) {
        self.rows += later.rows;
        self.key_mismatches += later.key_mismatches;
        self.shape_problems += later.shape_problems;
        for (mine, theirs) in [
            (&mut self.key_samples, later.key_samples),
            (&mut self.shape_samples, later.shape_samples),
        ] {
            let room = SAMPLES.saturating_sub(mine.len());
            mine.extend(theirs.into_iter().take(room));
        }
    }

    /// Whether any row disagrees with its key or shape.
    pub fn has_findings(&self) -> bool {
        self.key_mismatches + self.shape_problems > 0
    }
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
    fn a_later_range_adds_its_counts_and_samples_after_the_earlier() {
        let tally = |keys: &[&str]| {
            let mut t = NsIntegrity::new("discord", "discord.components");
            for k in keys {
                t.rows += 1;
                t.add(k, Kind::Key, "why");
            }
            t
        };
        let mut first = tally(&["a", "b"]);
        first.merge(tally(&["c", "d"]));
        assert_eq!((first.rows, first.key_mismatches), (4, 4));
        let keys: Vec<&str> = first.key_samples.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(first.has_findings() && !NsIntegrity::new("p", "n").has_findings());
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
