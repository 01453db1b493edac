//! Names a user typed: whether a namespace or plugin exists (in the database or in the
//! known-namespace table), and what a typo most likely meant.

use super::known;
use crate::error::{Error, Kind, Result};
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

/// Every (plugin, namespace) that has a stored row, in order: a few index seeks per
/// pair (a skip scan of the primary key), not a read of every row. (SQLite steps over
/// the equal rows for a row-value `(plugin_id, namespace) > (?, ?)`, so the next
/// namespace of the same plugin and the next plugin are two queries.)
pub fn stored_names(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut next_plugin = conn.prepare_cached(
        "SELECT plugin_id, namespace FROM plugin_state_entries \
         WHERE plugin_id > ?1 ORDER BY plugin_id, namespace LIMIT 1",
    )?;
    let mut next_namespace = conn.prepare_cached(
        "SELECT namespace FROM plugin_state_entries \
         WHERE plugin_id = ?1 AND namespace > ?2 ORDER BY namespace LIMIT 1",
    )?;
    let pair = |r: &rusqlite::Row| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?));
    let mut plugin = conn
        .query_row(
            "SELECT plugin_id, namespace FROM plugin_state_entries \
             ORDER BY plugin_id, namespace LIMIT 1",
            [],
            pair,
        )
        .optional()?;
    let mut out = Vec::new();
    while let Some((p, mut n)) = plugin {
        loop {
            out.push((p.clone(), n.clone()));
            match next_namespace
                .query_row([&p, &n], |r| r.get::<_, String>(0))
                .optional()?
            {
                Some(next) => n = next,
                None => break,
            }
        }
        plugin = next_plugin.query_row([&p], pair).optional()?;
    }
    Ok(out)
}

/// Edit distance (insertions, deletions, substitutions, swaps of neighbours).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, when it is close enough to be a typo of it (or
/// `word` is a piece of it, like `modals` for `discord.modals`).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 4).clamp(2, 6);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .filter_map(|c| {
            let d = distance(word, c);
            let piece = word.len() >= 4 && c.contains(word);
            // A piece ranks first; among equals, the closer name.
            (d <= limit || piece).then_some((if piece { 0 } else { d }, d, c))
        })
        .min()
        .map(|(_, _, c)| c)
}

/// "; did you mean 'x'?" or nothing.
pub fn suggestion(best: Option<&str>) -> String {
    best.map(|b| format!("; did you mean '{b}'?"))
        .unwrap_or_default()
}

/// Whether `namespace` (under `plugin`, when given) exists in the database or in the
/// known-namespace table: only then is an empty result a real empty result.
pub fn exists(stored: &[(String, String)], plugin: Option<&str>, namespace: &str) -> bool {
    stored
        .iter()
        .any(|(p, n)| n == namespace && plugin.is_none_or(|want| want == p))
        || known::is_known(plugin, namespace)
}

/// Refuses (exit 3, with a did-you-mean) a namespace named explicitly that exists
/// neither in the database at `path` nor in the known-namespace table.
pub fn check_named(
    conn: &Connection,
    path: &Path,
    plugin: Option<&str>,
    namespace: &str,
) -> Result<()> {
    let stored = stored_names(conn)?;
    if exists(&stored, plugin, namespace) {
        return Ok(());
    }
    Err(not_found(&stored, path, plugin, namespace))
}

/// Refuses (exit 3) a plugin named explicitly that has no rows and no known namespace.
pub fn check_plugin(conn: &Connection, path: &Path, plugin: &str) -> Result<()> {
    let stored = stored_names(conn)?;
    let known = known::known_names();
    if stored.iter().chain(known.iter()).any(|(p, _)| p == plugin) {
        return Ok(());
    }
    Err(not_found(&stored, path, Some(plugin), ""))
}

/// The error for a namespace that exists nowhere, naming the likeliest fix.
pub fn not_found(
    stored: &[(String, String)],
    path: &Path,
    plugin: Option<&str>,
    namespace: &str,
) -> Error {
    let known = known::known_names();
    let all = || stored.iter().chain(known.iter());
    // A name the runtime refuses cannot hold rows it wrote: say so (exit 2), not
    // "not found". A stored row under such a name (hand-made) is still addressable:
    // callers come here only when the name exists nowhere.
    if !namespace.is_empty()
        && let Err(why) = super::rules::validate_namespace(namespace)
    {
        let hint = did_you_mean(namespace, all().map(|(_, n)| n.as_str()))
            .map(|best| format!("; did you mean '{best}'?"))
            .unwrap_or_default();
        return Error::new(
            Kind::InvalidNamespace,
            format!(
                "{why} (the runtime's /^[a-z0-9][a-z0-9._-]*$/iu, at most 128 bytes), so no entry can be in it{hint}"
            ),
        );
    }
    if let Some(p) = plugin {
        let plugin_exists = all().any(|(q, _)| q == p);
        if !plugin_exists {
            let mut plugins: Vec<&str> = all().map(|(q, _)| q.as_str()).collect();
            plugins.sort_unstable();
            plugins.dedup();
            return Error::new(
                Kind::NamespaceNotFound,
                format!(
                    "no plugin '{p}' in {} nor among the known plugins{}",
                    path.display(),
                    suggestion(did_you_mean(p, plugins)).replacen(";", ":", 1)
                ),
            );
        }
        let elsewhere: Vec<&str> = stored
            .iter()
            .filter(|(_, n)| n == namespace)
            .map(|(q, _)| q.as_str())
            .collect();
        if !elsewhere.is_empty() {
            return Error::new(
                Kind::NamespaceNotFound,
                format!(
                    "no namespace '{namespace}' under plugin '{p}' (it exists under: {}); use PLUGIN/{namespace} with one of them",
                    elsewhere.join(", ")
                ),
            );
        }
    }
    let names = all()
        .filter(|(q, _)| plugin.is_none_or(|want| want == q))
        .map(|(_, n)| n.as_str());
    let hint = match did_you_mean(namespace, names) {
        Some(best) => format!("did you mean '{best}'?"),
        None => "list them with `statectl ls`".into(),
    };
    Error::new(
        Kind::NamespaceNotFound,
        format!(
            "no namespace '{namespace}'{} in {} nor among the known namespaces; {hint}",
            plugin
                .map(|p| format!(" under plugin '{p}'"))
                .unwrap_or_default(),
            path.display(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_the_distinct_pairs_in_order() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE plugin_state_entries (plugin_id TEXT NOT NULL, namespace TEXT NOT NULL,
               entry_key TEXT NOT NULL, value_json TEXT NOT NULL, created_at INTEGER NOT NULL,
               expires_at INTEGER, PRIMARY KEY (plugin_id, namespace, entry_key));",
        )
        .unwrap();
        assert_eq!(stored_names(&conn).unwrap(), Vec::<(String, String)>::new());
        let pairs = [
            ("a", ""),
            ("a", "x"),
            ("a", "x"),
            ("a", "x.y"),
            ("a", "xa"),
            ("ab", "x"),
            ("", "n"),
            ("b", "é"),
            ("b", "z"),
            ("b\u{0}", "z"),
            ("a", "x\u{0}"),
        ];
        for (i, (p, n)) in pairs.iter().enumerate() {
            conn.execute(
                "INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, '{}', 0, NULL)",
                rusqlite::params![p, n, format!("k{i}")],
            )
            .unwrap();
        }
        let mut stmt = conn
            .prepare("SELECT DISTINCT plugin_id, namespace FROM plugin_state_entries ORDER BY 1, 2")
            .unwrap();
        let distinct: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(stored_names(&conn).unwrap(), distinct);
        assert_eq!(distinct.len(), 10);
    }

    #[test]
    fn typos_find_their_namespace() {
        let names = [
            "discord.components",
            "discord.modals",
            "slack.thread-participation",
        ];
        assert_eq!(
            did_you_mean("discord.component", names),
            Some("discord.components")
        );
        assert_eq!(
            did_you_mean("dicsord.modals", names),
            Some("discord.modals")
        );
        assert_eq!(did_you_mean("modals", names), Some("discord.modals"));
        assert_eq!(did_you_mean("telegram.offsets", names), None);
        let pieces = ["app-server-thread-bindings", "thread-bindings"];
        assert_eq!(
            did_you_mean("thread-binding", pieces),
            Some("thread-bindings")
        );
        assert_eq!(distance("abc", "acb"), 1);
        assert_eq!(distance("", "ab"), 2);
    }

    #[test]
    fn known_namespaces_exist_without_rows() {
        assert!(exists(&[], None, "discord.modals"));
        assert!(exists(&[], Some("discord"), "discord.modals"));
        assert!(!exists(&[], Some("slack"), "discord.modals"));
        assert!(!exists(&[], None, "discord.component"));
        let stored = vec![("x".to_string(), "mine".to_string())];
        assert!(exists(&stored, None, "mine"));
        assert!(!exists(&stored, Some("y"), "mine"));
    }
}
