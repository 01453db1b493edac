//! The work of `statectl ls` besides streaming entries: the namespace summary, the one
//! spec `--decoded` appends, and what to say when nothing live matches (shared with
//! `prune`, `expire` and `export`).

use crate::error::{Error, Kind, Result};
use crate::output::Format;
use crate::output::rows as rows_text;
use crate::store::catalog::Spec;
use crate::store::query::{self, NamespaceSummary};
use crate::store::{Db, Liveness, Selection, names};
use std::collections::BTreeMap;

/// The summary of every namespace (of `plugin`, which must exist), and the live rows
/// of each plugin listed.
pub fn summary(
    db: &Db,
    plugin: Option<&str>,
    now: i64,
    include_expired: bool,
) -> Result<(Vec<NamespaceSummary>, BTreeMap<String, u64>)> {
    if let Some(p) = plugin {
        names::check_plugin(&db.conn, &db.path, p)?;
    }
    let rows = query::summarize(&db.conn, plugin, now, include_expired)?;
    // Every namespace of each listed plugin is in `rows`: their sum is the plugin's
    // live rows, with no second read of the table.
    let mut plugins = BTreeMap::new();
    for r in &rows {
        *plugins.entry(r.plugin_id.clone()).or_insert(0) += r.live;
    }
    Ok((rows, plugins))
}

/// `--decoded`: CSV only, and one NAMESPACE statectl can decode.
pub fn csv_spec(format: Format, sel: &Selection) -> Result<&'static Spec> {
    if format != Format::Csv {
        return Err(Error::new(
            Kind::Usage,
            "--decoded adds decoded fields to CSV (-o csv); tables and JSON show them already",
        ));
    }
    let named = sel
        .namespaces
        .first()
        .map(|ns| crate::store::catalog::specs_named(sel.plugin.as_deref(), ns));
    match named.as_deref() {
        Some([one]) => Ok(*one),
        _ => Err(Error::new(
            Kind::NoDecodedFields,
            "--decoded needs one NAMESPACE that statectl can decode (see `statectl explain NAMESPACE`)",
        )),
    }
}

/// What a command that found no live row can do about the expired rows that match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiredHint {
    /// `ls`: `--include-expired` shows them.
    See,
    /// `prune`: `--include-expired` deletes them too.
    Delete,
    /// `export`: `--include-expired` exports them too.
    Export,
    /// `expire`: it changes live rows only; `prune --expired` deletes expired ones.
    LiveOnly,
}

/// "no entries match", or, when only expired rows match, what to do about them.
pub fn nothing_matches(
    conn: &rusqlite::Connection,
    sel: &Selection,
    hint: ExpiredHint,
) -> Result<String> {
    if sel.liveness == Liveness::Live {
        let expired = query::count(
            conn,
            &Selection {
                liveness: Liveness::Expired,
                ..sel.clone()
            },
        )?;
        if expired > 0 {
            let (them, verb) = if expired == 1 {
                ("it", "matches")
            } else {
                ("them", "match")
            };
            let what = rows_text(expired).replacen(" row", " expired row", 1);
            return Ok(match hint {
                ExpiredHint::See => format!("{what} {verb}; add --include-expired to see {them}"),
                ExpiredHint::Delete => {
                    format!("{what} {verb}; add --include-expired to delete {them} too")
                }
                ExpiredHint::Export => {
                    format!("{what} {verb}; add --include-expired to export {them} too")
                }
                ExpiredHint::LiveOnly => format!(
                    "{what} {verb}, and expire changes live rows only (`statectl prune --expired` deletes expired rows)"
                ),
            });
        }
    }
    Ok("no entries match".into())
}
