//! The work of `statectl inspect`: finding the one entry asked for, with the errors
//! that say what to type instead.

use crate::error::{Error, Kind, Result};
use crate::split_namespace;
use crate::store::rules::is_live;
use crate::store::{Db, Entry, Liveness, Selection, names, query};
use crate::timefmt::{Ms, format_abs, format_rel};

/// What `inspect` was asked: the namespace and key as typed, resolved.
pub struct InspectRequest<'a> {
    pub plugin: Option<String>,
    pub namespace: String,
    /// The key, trimmed and checked as the runtime checks keys.
    pub key: String,
    /// The arguments as typed (for the hint when they are the wrong way round).
    pub namespace_arg: &'a str,
    pub key_arg: &'a str,
    pub plugin_flag: Option<&'a str>,
    pub include_expired: bool,
    pub now: Ms,
}

/// The one entry asked for: a namespace that exists (or a hint that the arguments are
/// the wrong way round), a key that is there (or where it is, or a did-you-mean), under
/// one plugin, and live unless `include_expired`.
pub fn find(db: &Db, req: &InspectRequest) -> Result<Entry> {
    check_namespace(db, req)?;
    let (plugin, ns, key) = (&req.plugin, &req.namespace, &req.key);
    let sel = Selection {
        plugin: plugin.clone(),
        namespaces: vec![ns.clone()],
        keys: vec![key.clone()],
        liveness: Liveness::All,
        now: req.now,
        ..Default::default()
    };
    let mut found: Vec<Entry> = Vec::new();
    query::for_each_entry(&db.conn, &sel, None, |e| {
        found.push(e);
        Ok(())
    })?;
    let entry = match found.len() {
        0 => {
            let keys = query::keys_of(&db.conn, plugin.as_deref(), ns)?;
            let elsewhere = query::namespaces_with_key(&db.conn, key)?;
            let hint = if !elsewhere.is_empty() {
                format!("it is in {}", elsewhere.join(", "))
            } else if let Some(k) = names::did_you_mean(key, keys.iter().map(String::as_str)) {
                format!("did you mean '{k}'?")
            } else {
                format!("list keys with `statectl ls {ns} --keys-only`")
            };
            return Err(Error::new(
                Kind::KeyNotFound,
                format!("no key '{key}' in namespace '{ns}'; {hint}"),
            ));
        }
        1 => found.remove(0),
        _ => {
            let plugins: Vec<&str> = found.iter().map(|e| e.plugin_id.as_str()).collect();
            return Err(Error::new(
                Kind::AmbiguousNamespace,
                format!(
                    "namespace '{ns}' exists under several plugins ({}); pick one with PLUGIN/{ns} or --plugin",
                    plugins.join(", ")
                ),
            ));
        }
    };
    if !is_live(entry.expires_at, req.now) && !req.include_expired {
        let at = entry.expires_at.unwrap_or_default();
        return Err(Error::new(
            Kind::KeyExpired,
            format!(
                "key '{key}' in '{ns}' expired {} ({}); the runtime no longer returns it; add --include-expired to see it",
                format_rel(at, req.now),
                format_abs(at)
            ),
        ));
    }
    Ok(entry)
}

/// The namespace exists; `inspect KEY NAMESPACE` (the other way round) says so.
fn check_namespace(db: &Db, req: &InspectRequest) -> Result<()> {
    if let Err(e) = names::check_named(&db.conn, &db.path, req.plugin.as_deref(), &req.namespace) {
        // `inspect KEY NAMESPACE`: the arguments the other way round.
        let (p2, ns2) = split_namespace(req.key_arg, req.plugin_flag)?;
        let stored = names::stored_names(&db.conn)?;
        if names::exists(&stored, p2.as_deref(), &ns2) {
            return Err(Error::new(
                Kind::NamespaceNotFound,
                format!(
                    "no namespace '{}', but '{}' is one: the namespace comes first; did you mean `statectl inspect {} {}`?",
                    req.namespace, req.key_arg, req.key_arg, req.namespace_arg
                ),
            ));
        }
        return Err(e);
    }
    Ok(())
}
