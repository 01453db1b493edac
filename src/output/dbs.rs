//! `statectl dbs` rendered: one row per database, or the JSON report.

use crate::Ctx;
use crate::error::Result;
use crate::ops::dbs::{DbEntry, Report};
use crate::output::columns::Column;
use crate::output::{add_row, human_bytes, new_table_fitted, thousands, write_json, write_table};
use crate::store::discover::Active;
use crate::timefmt::format_rel;
use serde_json::{Value, json};

fn active_json(a: &Active) -> (Value, &str) {
    match a {
        Active::Yes(why) => (json!(true), why),
        Active::No(why) => (json!(false), why),
        Active::Unknown(why) => (Value::Null, why),
    }
}

/// One database as JSON (also the `db` of `--all-dbs` rows).
pub fn entry_json(d: &DbEntry) -> Value {
    let mut o = json!({
        "path": d.found.rel,
        "absolute_path": d.found.path.display().to_string(),
        "role": d.found.role.name(),
        "uid": d.uid,
        "owner": d.owner,
        "mode": d.mode.map(|m| format!("{m:04o}")),
    });
    match &d.facts {
        Ok(f) => {
            o["layout"] = json!(f.layout);
            o["schema_version"] = json!(f.schema_version);
            o["app_version"] = json!(f.app_version);
            o["bytes"] = json!(f.bytes);
            if let Some(c) = &f.counts {
                o["rows"] = json!(c.rows);
                o["live_rows"] = json!(c.live_rows);
                o["newest_write"] = json!(c.newest_write);
            }
        }
        Err(why) => o["error"] = json!(why),
    }
    if let Some(m) = &d.matrix {
        let (active, why) = active_json(&m.active);
        o["matrix"] = json!({
            "account": m.account,
            "homeserver_user": m.homeserver_user,
            "token_hash": m.token_hash,
            "sibling_roots": m.siblings,
            "active": active,
            "why": why,
        });
    }
    o
}

pub fn render(ctx: &mut Ctx, r: &Report) -> Result<()> {
    if ctx.format.is_json() {
        let doc = json!({
            "state_dir": r.state_dir.display().to_string(),
            "databases": r.databases.iter().map(entry_json).collect::<Vec<_>>(),
            "walk": {"entries": r.entries_seen, "truncated": r.truncated, "unreadable_dirs": r.unreadable_dirs},
        });
        return write_json(ctx.out, ctx.format, &doc);
    }
    if r.databases.is_empty() {
        // A header over nothing says less than the sentence.
        writeln!(
            ctx.out,
            "no plugin-state database under {}",
            crate::output::escape_control(&r.state_dir.display().to_string())
        )?;
    } else {
        let t = table(ctx, r);
        write_table(ctx.out, &t)?;
    }
    notes(ctx, r)
}

/// `yes (1 of 2 roots)`: whether the runtime uses this Matrix root, among how many.
fn active_cell(d: &DbEntry) -> String {
    match d.matrix.as_ref().map(|m| (&m.active, m.siblings)) {
        None => "-".to_string(),
        Some((a, n)) => {
            let word = match a {
                Active::Yes(_) => "yes",
                Active::No(_) => "no",
                Active::Unknown(_) => "unknown",
            };
            if n > 1 {
                format!("{word} (1 of {n} roots)")
            } else {
                word.to_string()
            }
        }
    }
}

/// One row per database.
fn table(ctx: &Ctx, r: &Report) -> crate::output::ReportTable {
    let opt = Column::optional;
    let mut t = new_table_fitted(
        ctx.term,
        // PATH last: a Matrix root's path is near 100 characters and never cut, so the
        // other columns stay aligned on a narrow terminal and the path runs on.
        vec![
            Column::keep("ROLE"),
            opt("LAYOUT", 3),
            opt("SCHEMA", 5),
            opt("APP", 1),
            opt("ROWS", 4),
            Column::keep("LIVE"),
            opt("SIZE", 6),
            opt("NEWEST", 7),
            opt("OWNER", 2),
            opt("MODE", 2),
            Column::keep("ACTIVE"),
            Column::verbatim("PATH"),
        ],
    );
    for d in &r.databases {
        let owner = match (&d.owner, d.uid) {
            (Some(n), _) => n.clone(),
            (None, Some(u)) => u.to_string(),
            _ => "-".into(),
        };
        let mode = d.mode.map_or("-".into(), |m| format!("{m:04o}"));
        let cells = match &d.facts {
            Ok(f) => vec![
                f.layout.to_string(),
                f.schema_version.to_string(),
                f.app_version.clone().unwrap_or_else(|| "-".into()),
                f.counts.map_or("-".into(), |c| thousands(c.rows)),
                f.counts.map_or("-".into(), |c| thousands(c.live_rows)),
                human_bytes(f.bytes),
                f.counts
                    .and_then(|c| c.newest_write)
                    .map_or("-".into(), |t| format_rel(t, ctx.now)),
            ],
            // Why, under the table: a long reason would widen every row.
            Err(_) => {
                let mut v = vec!["unreadable".to_string()];
                v.extend(std::iter::repeat_n("-".to_string(), 6));
                v
            }
        };
        let mut row = vec![d.found.role.name().to_string()];
        row.extend(cells);
        row.extend([owner, mode, active_cell(d), d.found.rel.clone()]);
        add_row(&mut t, row);
    }
    t
}

/// Under the table: why a file or directory could not be read, a walk cut short, and
/// why each Matrix root is or is not the active one.
fn notes(ctx: &mut Ctx, r: &Report) -> Result<()> {
    let esc = |s: &str| crate::output::escape_control(s).into_owned();
    for d in &r.databases {
        if let Err(why) = &d.facts {
            writeln!(ctx.out, "{}: unreadable: {}", esc(&d.found.rel), esc(why))?;
        }
    }
    for (dir, why) in &r.unreadable {
        writeln!(
            ctx.out,
            "{}: cannot read this directory ({}): a database in it is not listed; run statectl as the gateway's user",
            esc(dir),
            esc(why)
        )?;
    }
    if r.unreadable_dirs > r.unreadable.len() {
        writeln!(
            ctx.out,
            "and {} more directories statectl cannot read",
            r.unreadable_dirs - r.unreadable.len()
        )?;
    }
    if r.truncated {
        writeln!(
            ctx.out,
            "the walk stopped after {} entries: a database deeper in the state dir may be missing; name it with --db",
            thousands(r.entries_seen as u64)
        )?;
    }
    for d in &r.databases {
        if let Some(m) = d.matrix.as_ref().filter(|m| m.siblings > 1) {
            let (_, why) = active_json(&m.active);
            writeln!(
                ctx.out,
                "{}: {}",
                crate::output::escape_control(&d.found.rel),
                crate::output::escape_control(why)
            )?;
        }
    }
    Ok(())
}
