//! The work shared by `prune` and `expire`: the refusals that need the database
//! (unknown or ambiguous target, protected namespaces), the plan in one snapshot, and
//! the backup of the rows about to change.

use crate::atomic::AtomicFile;
use crate::error::{Error, Kind, Result};
use crate::output::rows;
use crate::store::known::{self, PruneSafety};
use crate::store::query::{self, PlanGroup};
use crate::store::write::{Change, Writer};
use crate::store::{Selection, names};
use crate::timefmt::{Ms, system_now_ms};
use indicatif::ProgressBar;
use serde_json::json;

/// Describes the change for people: "delete", "expire now", ...
pub struct Action {
    pub change: Change,
    /// Verb for the plan: "delete", "set the expiry of".
    pub verb: String,
    /// Past tense for the summary: "deleted", "set the expiry of".
    pub done: String,
    /// Said after the row count: "" or " to 2026-11-26T10:00:00.000Z".
    pub detail: String,
}

/// Keys shown per namespace in a plan.
const SAMPLE_KEYS: usize = 5;

/// What a change would touch, planned in one snapshot.
pub struct Plan {
    pub groups: Vec<PlanGroup>,
    /// Planned rows whose created_at is at or after the plan clock (guarded one by one).
    pub guarded: Vec<(i64, Ms)>,
    /// Selected rows without created_at: left as they are.
    pub no_created: u64,
    /// Every runtime write sets created_at to its clock: a row written after this
    /// moment has created_at at or beyond it (the rewrite guard).
    pub clock: Ms,
}

impl Plan {
    pub fn total(&self) -> u64 {
        self.groups.iter().map(|g| g.rows).sum()
    }
}

/// Plans the change of `sel` in one snapshot.
pub fn plan(writer: &Writer, sel: &mut Selection) -> Result<Plan> {
    let clock = system_now_ms();
    sel.guard = query::Guard::Plan;
    let sel = &*sel;
    let (groups, guarded, no_created) = writer.db.in_snapshot(|| {
        if sel.decoded.is_empty() {
            return query::plan_scan(&writer.db.conn, sel, SAMPLE_KEYS, clock);
        }
        let (groups, _) = query::plan(&writer.db.conn, sel, SAMPLE_KEYS)?;
        let guarded = query::created_at_or_after(&writer.db.conn, sel, clock)?;
        let no_created = query::count_null_created(&writer.db.conn, sel)?;
        Ok((groups, guarded, no_created))
    })?;
    Ok(Plan {
        groups,
        guarded,
        no_created,
        clock,
    })
}

/// Refusals that need the database: a namespace or plugin that exists nowhere (exit
/// 3, with a did-you-mean), or one namespace under several plugins. A known namespace
/// without rows is fine: there is just nothing to change.
pub fn check_target(writer: &Writer, sel: &Selection) -> Result<()> {
    let (conn, path) = (&writer.db.conn, &writer.db.path);
    let Some(ns) = sel.namespaces.first() else {
        if let Some(p) = &sel.plugin {
            names::check_plugin(conn, path, p)?;
        }
        return Ok(());
    };
    names::check_named(conn, path, sel.plugin.as_deref(), ns)?;
    let plugins = query::plugins_of_namespace(conn, ns)?;
    if sel.plugin.is_none() && plugins.len() > 1 {
        return Err(Error::new(
            Kind::AmbiguousNamespace,
            format!(
                "namespace '{ns}' exists under several plugins ({}); pick one with PLUGIN/{ns} or --plugin",
                plugins.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The plan's plugins that are at their version's per-plugin live-row cap.
pub fn plugins_at_cap(
    writer: &Writer,
    groups: &[PlanGroup],
    now: i64,
) -> Result<Vec<(String, u64)>> {
    let Some(cap) = writer.db.schema.rules.plugin_live_cap else {
        return Ok(Vec::new());
    };
    let live = query::plugin_live_counts(&writer.db.conn, now)?;
    let mut out: Vec<(String, u64)> = groups
        .iter()
        .filter(|g| live.get(&g.plugin_id).is_some_and(|n| *n >= cap))
        .map(|g| (g.plugin_id.clone(), cap))
        .collect();
    out.dedup();
    Ok(out)
}

/// Protected namespaces refuse changes to live rows without `--force`.
pub fn check_protection(groups: &[PlanGroup], touches_live: bool, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    for g in groups {
        let policy = known::policy(&g.plugin_id, &g.namespace);
        let live = if touches_live { g.rows } else { g.live };
        if policy.prune == PruneSafety::Never && live > 0 {
            return Err(Error::new(
                Kind::ProtectedNamespace,
                format!(
                    "{}/{} is protected (deleting or expiring its rows breaks the plugin or destroys secrets); {} live selected; add --force if you are sure",
                    g.plugin_id,
                    g.namespace,
                    rows(live)
                ),
            ));
        }
    }
    Ok(())
}

/// Writes the rows about to change as an export file, before anything changes;
/// returns how many it saved.
pub fn save_backup(
    writer: &Writer,
    sel: &Selection,
    path: &std::path::Path,
    action: &Action,
    now: Ms,
    busy_timeout_ms: u64,
) -> Result<u64> {
    let db = crate::store::Db::open_read_only(&writer.db.path, busy_timeout_ms)?;
    let header = crate::export::header(&db, now, json!({"backup_before": action.verb}));
    let mut file = AtomicFile::create_backup(path, &writer.db.path)?;
    let (_, n, _) = crate::export::write_export(
        &db,
        std::slice::from_ref(sel),
        &header,
        std::io::BufWriter::new(file.file()),
        false,
        &ProgressBar::hidden(),
    )
    .map_err(|e| {
        crate::interrupt::reword(e, || {
            format!(
                "nothing changed, and the backup {} was not written",
                path.display()
            )
        })
    })?;
    file.commit()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_never_namespace_needs_force_for_live_rows_only() {
        let g = |live| PlanGroup {
            plugin_id: "telegram".into(),
            namespace: "telegram.update-offsets".into(),
            rows: 3,
            live,
            sample: vec![],
            rowids: None,
        };
        assert_eq!(
            check_protection(&[g(3)], false, false).unwrap_err().kind,
            crate::error::Kind::ProtectedNamespace
        );
        assert!(
            check_protection(&[g(0)], false, false).is_ok(),
            "expired rows only"
        );
        assert!(
            check_protection(&[g(0)], true, false).is_err(),
            "expire touches live rows"
        );
        assert!(check_protection(&[g(3)], false, true).is_ok());
    }
}
