//! `statectl ls` rendered: the namespace summary in every format, the per-plugin cap
//! table under it, and the at-cap message.

use crate::Ctx;
use crate::error::Result;
use crate::output::Format;
use crate::output::columns::{Column, Table};
use crate::output::{human_bytes, thousands};
use crate::store::known;
use crate::store::query::NamespaceSummary;
use crate::store::rules::RuleSet;
use crate::timefmt::format_rel;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct SummaryJson<'a> {
    plugin_id: &'a str,
    namespace: &'a str,
    live: u64,
    expired: u64,
    no_expiry: u64,
    bytes: u64,
    oldest_created_at: Option<i64>,
    newest_created_at: Option<i64>,
    next_expires_at: Option<i64>,
    max_entries: Option<u64>,
}

impl<'a> SummaryJson<'a> {
    fn new(s: &'a NamespaceSummary) -> Self {
        SummaryJson {
            plugin_id: &s.plugin_id,
            namespace: &s.namespace,
            live: s.live,
            expired: s.expired,
            no_expiry: s.no_expiry,
            bytes: s.bytes,
            oldest_created_at: s.oldest_created_at,
            newest_created_at: s.newest_created_at,
            next_expires_at: s.next_expires_at,
            max_entries: known::policy(&s.plugin_id, &s.namespace).max_entries,
        }
    }
}

fn fill(live: u64, max: Option<u64>) -> String {
    match max {
        Some(m) if m > 0 => format!("{}%", live * 100 / m),
        _ => "-".to_string(),
    }
}

/// Every namespace's counts, sizes, times and fill, in the format asked for.
pub fn print_summary(
    ctx: &mut Ctx,
    rows: &[NamespaceSummary],
    plugins: &BTreeMap<String, u64>,
    rules: &RuleSet,
) -> Result<()> {
    match ctx.format {
        Format::Json => {
            let all: Vec<SummaryJson> = rows.iter().map(SummaryJson::new).collect();
            crate::output::write_json(ctx.out, Format::Json, &all)?;
        }
        Format::Jsonl => {
            for s in rows {
                serde_json::to_writer(&mut *ctx.out, &SummaryJson::new(s))?;
                writeln!(ctx.out)?;
            }
        }
        Format::Csv => summary_csv(ctx, rows)?,
        Format::Table | Format::Wide => summary_table(ctx, rows, plugins, rules)?,
    }
    Ok(())
}

fn summary_csv(ctx: &mut Ctx, rows: &[NamespaceSummary]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = crate::error::Error::from;
    w.write_record([
        "plugin_id",
        "namespace",
        "live",
        "expired",
        "no_expiry",
        "bytes",
        "oldest_created_at",
        "newest_created_at",
        "next_expires_at",
        "max_entries",
    ])
    .map_err(to_err)?;
    let opt = |v: Option<i64>| v.map(|t| t.to_string()).unwrap_or_default();
    for s in rows {
        let max = known::policy(&s.plugin_id, &s.namespace).max_entries;
        w.write_record([
            crate::output::escape_control(&s.plugin_id).into_owned(),
            crate::output::escape_control(&s.namespace).into_owned(),
            s.live.to_string(),
            s.expired.to_string(),
            s.no_expiry.to_string(),
            s.bytes.to_string(),
            opt(s.oldest_created_at),
            opt(s.newest_created_at),
            opt(s.next_expires_at),
            max.map(|m| m.to_string()).unwrap_or_default(),
        ])
        .map_err(to_err)?;
    }
    w.flush()?;
    ctx.out.write_all(w.get_ref())?;
    Ok(())
}

fn summary_table(
    ctx: &mut Ctx,
    rows: &[NamespaceSummary],
    plugins: &BTreeMap<String, u64>,
    rules: &RuleSet,
) -> Result<()> {
    let now = ctx.now;
    if rows.is_empty() {
        let _ = writeln!(ctx.err, "no plugin state entries");
        return Ok(());
    }
    // PLUGIN, NAMESPACE, LIVE and FILL stay; the rest goes, in this order,
    // when the terminal is too narrow.
    let mut t = Table::new(vec![
        Column::keep("PLUGIN"),
        Column::keep("NAMESPACE"),
        Column::keep("LIVE"),
        Column::optional("EXPIRED", 6),
        Column::optional("NO-TTL", 3),
        Column::optional("BYTES", 4),
        Column::optional("OLDEST", 1),
        Column::optional("NEWEST", 2),
        Column::optional("NEXT-EXPIRY", 5),
        Column::optional("MAX", 7),
        Column::keep("FILL"),
    ]);
    let rel = |v: Option<i64>| v.map(|t| format_rel(t, now)).unwrap_or_else(|| "-".into());
    for s in rows {
        let max = known::policy(&s.plugin_id, &s.namespace).max_entries;
        t.row(vec![
            s.plugin_id.clone(),
            crate::output::accounts::namespace_cell(&s.plugin_id, &s.namespace),
            thousands(s.live),
            thousands(s.expired),
            thousands(s.no_expiry),
            human_bytes(s.bytes),
            rel(s.oldest_created_at),
            rel(s.newest_created_at),
            rel(s.next_expires_at),
            max.map(thousands).unwrap_or_else(|| "-".into()),
            fill(s.live, max),
        ]);
    }
    let wide = ctx.format == Format::Wide;
    t.write(ctx.out, ctx.term, wide)?;
    if let Some(cap) = rules.plugin_live_cap {
        print_plugin_caps(ctx, rows, plugins, cap, rules, wide)?;
    }
    Ok(())
}

/// Per-plugin live rows against the version's per-plugin cap, which binds before any
/// namespace's maxEntries on the legacy layout (a plugin at 1,000/1,000 is full even
/// when each namespace shows 10%).
fn print_plugin_caps(
    ctx: &mut Ctx,
    rows: &[NamespaceSummary],
    plugins: &BTreeMap<String, u64>,
    cap: u64,
    rules: &RuleSet,
    wide: bool,
) -> Result<()> {
    let mut listed: Vec<&str> = rows.iter().map(|r| r.plugin_id.as_str()).collect();
    listed.dedup();
    writeln!(ctx.out)?;
    let which = if *rules == crate::store::rules::LEGACY {
        "legacy layout; 50,000 if 2026.5.28 wrote it".to_string()
    } else {
        rules.name.to_string()
    };
    writeln!(
        ctx.out,
        "Per-plugin cap: {} live rows ({which})",
        thousands(cap),
    )?;
    let mut t = Table::new(vec![
        Column::keep("PLUGIN"),
        Column::keep("LIVE"),
        Column::keep("CAP"),
        Column::keep("FILL"),
    ]);
    let mut full = Vec::new();
    for p in listed {
        let live = plugins.get(p).copied().unwrap_or(0);
        if live >= cap {
            full.push(p);
        }
        t.row(vec![
            p.to_string(),
            thousands(live),
            thousands(cap),
            fill(live, Some(cap)),
        ]);
    }
    t.write(ctx.out, ctx.term, wide)?;
    ctx.out.flush()?;
    for p in full {
        ctx.warn(format_args!("{}", at_cap_message(p, cap)));
    }
    Ok(())
}

/// What being at the per-plugin cap means, and the fix.
pub fn at_cap_message(plugin: &str, cap: u64) -> String {
    format!(
        "plugin {plugin} is at its cap of {} live rows: the runtime refuses or evicts its writes; free room with `statectl prune --plugin {plugin} --expired` or by pruning stale rows (`statectl prune NAMESPACE --older-than DUR`)",
        thousands(cap)
    )
}
