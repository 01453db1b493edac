//! `statectl check` rendered: the first line for monitoring systems (status, summary,
//! perfdata), then one line per check (naming its file under `--all-dbs`); or the JSON
//! report.

use crate::Ctx;
use crate::error::Result;
use crate::ops::check::{self as ops, Check, Status};
use serde_json::json;

/// A check's message, after the file it is about under `--all-dbs`.
fn located(c: &Check) -> String {
    match &c.db {
        Some(db) => format!("{db}: {}", c.message),
        None => c.message.clone(),
    }
}

/// The first line for monitoring systems, then one line per check; or the JSON report.
pub fn render(ctx: &mut Ctx, checks: &[Check], perf: &[ops::Perf], worst: Status) -> Result<()> {
    let summary = if worst == Status::Ok {
        format!("{} checks ok", checks.len())
    } else {
        checks
            .iter()
            .filter(|c| c.status == worst)
            .map(located)
            .collect::<Vec<_>>()
            .join("; ")
    };
    if ctx.format.is_json() {
        let doc = json!({
            "status": worst.as_str(),
            "summary": summary,
            "checks": checks.iter().map(|c| {
                let mut o = json!({"name": c.name, "status": c.status.as_str(), "message": c.message});
                if let Some(db) = &c.db {
                    o["db"] = json!(db);
                }
                o
            }).collect::<Vec<_>>(),
            "perfdata": perf.iter().map(|p| (p.name.clone(), json!(p.value))).collect::<serde_json::Map<_, _>>(),
            "perfdata_meta": perf.iter().map(|p| (p.name.clone(), json!({"unit": p.unit, "warn": p.warn, "crit": p.crit}))).collect::<serde_json::Map<_, _>>(),
        });
        serde_json::to_writer(&mut *ctx.out, &doc)?;
        writeln!(ctx.out)?;
        return Ok(());
    }
    let perf_text: Vec<String> = perf.iter().map(ops::Perf::text).collect();
    writeln!(
        ctx.out,
        "STATECTL {} - {}{}{}",
        worst.as_str().to_uppercase(),
        crate::output::escape_control(&summary),
        if perf_text.is_empty() { "" } else { " | " },
        perf_text.join(" ")
    )?;
    // The names' column is as wide as the longest name, so every message starts at one column.
    let name_width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in checks {
        let word = format!("{:<8}", c.status.as_str().to_uppercase());
        // Colour only the status word, only on a terminal that allows it (NO_COLOR).
        let word = if ctx.term.color {
            let code = match c.status {
                Status::Ok => "32",
                Status::Warning => "33",
                Status::Critical => "31",
                Status::Unknown => "35",
            };
            format!("\x1b[{code}m{word}\x1b[0m")
        } else {
            word
        };
        writeln!(
            ctx.out,
            "{} {:<name_width$} {}",
            word,
            c.name,
            crate::output::escape_control(&located(c))
        )?;
    }
    Ok(())
}
