//! The work of `statectl explain`: which known (plugin, namespace) a name means, from
//! the known-namespace table and the catalog; no database.

use crate::error::{Error, Kind, Result};
use crate::store::catalog::{self, Spec};
use crate::store::known::{self, Policy};

/// What statectl knows about one (plugin, namespace).
pub struct Known {
    pub plugin: String,
    pub namespace: String,
    pub policy: Policy,
    pub spec: Option<&'static Spec>,
}

/// "did you mean 'x'?" for a namespace that is likely a typo of a known one.
fn typo_of(plugin: Option<&str>, ns: &str) -> Option<String> {
    let known = known::known_names();
    let names = known
        .iter()
        .filter(|(p, _)| plugin.is_none_or(|want| want == p))
        .map(|(_, n)| n.as_str());
    crate::store::names::did_you_mean(ns, names).map(|best| format!("did you mean '{best}'?"))
}

/// The one (plugin, namespace) statectl knows by this name (exit 3 for none, a usage
/// error when several plugins know it).
pub fn resolve(plugin: Option<&str>, ns: &str) -> Result<Known> {
    let mut plugins = known::known_plugins();
    for s in catalog::specs() {
        if !plugins.contains(&s.plugin) {
            plugins.push(s.plugin.clone());
        }
    }
    let mut found: Vec<Known> = plugins
        .iter()
        .filter(|p| plugin.is_none_or(|want| want == p.as_str()))
        .filter_map(|p| {
            let policy = known::policy(p, ns);
            let spec = catalog::spec(p, ns);
            (policy.known || spec.is_some()).then(|| Known {
                plugin: p.clone(),
                namespace: ns.to_string(),
                policy,
                spec,
            })
        })
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::new(
            Kind::NamespaceNotKnown,
            format!(
                "statectl knows nothing about namespace '{ns}'{}; {}",
                plugin
                    .map(|p| format!(" under plugin '{p}'"))
                    .unwrap_or_default(),
                typo_of(plugin, ns).unwrap_or_else(|| "`statectl ls` shows its rows raw, and the namespaces file (--namespaces-file) can describe it".into())
            ),
        )),
        _ => Err(Error::new(
            Kind::AmbiguousNamespace,
            format!(
                "namespace '{ns}' is known under several plugins ({}); pick one with PLUGIN/{ns} or --plugin",
                found
                    .iter()
                    .map(|k| k.plugin.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
