//! `statectl top` rendered: the capacity view (plugins, namespaces, deadlocks), the
//! largest values with their size distributions, and the file's space, in every format.

use crate::Ctx;
use crate::error::{Error, Result};
use crate::ops::top::{CapacityReport, Sparks};
use crate::output::Format;
use crate::output::columns::{Column, Table};
use crate::output::{add_row, escape_control, human_bytes, new_table, thousands, write_table};
use crate::store::capacity::{
    self, Capacity, FORECAST_BLIND_SPOTS, FORECAST_DEFINITION, FullIn, LargeValue, NsCapacity,
    SPARK_HOURS, SizeDist, Space,
};
use crate::store::rules::RuleSet;
use crate::timefmt::format_span;
use serde_json::{Value, json};

fn full_text(f: FullIn) -> String {
    match f {
        FullIn::Full => "full now".into(),
        FullIn::In(t) => format!("in {}", format_span(t)),
        FullIn::NotFilling => "not filling".into(),
        FullIn::NoLimit => "-".into(),
    }
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{}", thousands(n as u64))
    } else if n < 0 {
        format!("-{}", thousands(n.unsigned_abs()))
    } else {
        "0".into()
    }
}

/// `▕████░░░░▏ 52%` on a terminal, `52%` when piped.
fn fill_cell(pct: Option<u64>, pictures: bool) -> String {
    match pct {
        None => "-".into(),
        Some(p) if pictures => {
            let filled = (p.min(100) as usize * 8).div_ceil(100);
            format!("{}{} {p}%", "█".repeat(filled), "░".repeat(8 - filled))
        }
        Some(p) => format!("{p}%"),
    }
}

/// One character per hour, oldest first: the writes per hour scaled to the busiest hour.
pub fn sparkline(per_hour: &[u64]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = per_hour.iter().copied().max().unwrap_or(0);
    per_hour
        .iter()
        .rev()
        .map(|&n| {
            if n == 0 {
                ' '
            } else {
                LEVELS[((n * 7).div_ceil(max.max(1)) as usize).min(7)]
            }
        })
        .collect()
}

fn plugin_json(cap: &Capacity, p: &capacity::PluginCapacity) -> Value {
    json!({
        "kind": "plugin",
        "plugin_id": p.plugin_id,
        "live": p.live,
        "namespaces": p.namespaces,
        "writes_window": p.writes_window,
        "expiring_window": p.expiring_window,
        "net_window": p.writes_window as i64 - p.expiring_window as i64,
        "caps": p.caps.iter().map(|c| json!({
            "versions": c.cap.versions,
            "cap": c.cap.cap,
            "fill_pct": c.fill_pct(p.live),
            "headroom": c.headroom,
            "full": c.full_in.as_str(),
            "full_in_ms": c.full_in.ms(),
            "at_cap": c.cap.at_cap.as_str(),
            "at_cap_text": c.cap.at_cap.describe(),
        })).collect::<Vec<_>>(),
        "window_ms": cap.window,
    })
}

fn namespace_json(cap: &Capacity, n: &NsCapacity) -> Value {
    let s = &n.scan;
    json!({
        "kind": "namespace",
        "plugin_id": s.plugin_id,
        "namespace": s.namespace,
        "live": s.live,
        "expired": s.expired,
        "no_expiry": s.no_expiry,
        "bytes": s.bytes,
        "largest_value_bytes": s.largest_value,
        "max_entries": n.policy.max_entries,
        "policy": n.policy_str(),
        "fill_pct": n.fill_pct(),
        "headroom": n.headroom,
        "writes_1h": s.writes_1h,
        "writes_24h": s.writes_24h,
        "writes_window": s.writes_window,
        "expiring_1h": s.expiring_1h,
        "expiring_24h": s.expiring_24h,
        "expiring_7d": s.expiring_7d,
        "expiring_window": s.expiring_window,
        "net_window": n.net(),
        "full": n.full_in.as_str(),
        "full_in_ms": n.full_in.ms(),
        "first_full": n.first_full.as_str(),
        "first_full_in_ms": n.first_full.ms(),
        "first_full_by": n.first_full_by.as_str(),
        "window_ms": cap.window,
    })
}

fn deadlock_json(d: &capacity::Deadlock) -> Value {
    json!({
        "kind": "deadlock",
        "plugin_id": d.plugin_id,
        "versions": d.cap.versions,
        "cap": d.cap.cap,
        "live": d.live,
        "growing": d.growing,
        "prune_namespace": d.prune.as_ref().map(|p| &p.0),
        "prune_live": d.prune.as_ref().map(|p| p.1),
        "message": d.message,
    })
}

/// The capacity view in the format asked for.
pub fn capacity(ctx: &mut Ctx, r: &CapacityReport) -> Result<()> {
    let (cap, basis) = (&r.cap, r.basis.as_str());
    match ctx.format {
        Format::Json => {
            let notes = vec![
                format!("Forecast from {basis}. {FORECAST_DEFINITION}"),
                FORECAST_BLIND_SPOTS.to_string(),
            ];
            let doc = json!({
                "now": cap.now,
                "window_ms": cap.window,
                "rules": cap.rules.name,
                "forecast_basis": basis,
                "plugins": cap.plugins.iter().map(|p| plugin_json(cap, p)).collect::<Vec<_>>(),
                "namespaces": cap.namespaces.iter().map(|n| namespace_json(cap, n)).collect::<Vec<_>>(),
                "deadlocks": cap.deadlocks.iter().map(deadlock_json).collect::<Vec<_>>(),
                "notes": notes,
            });
            crate::output::write_json(ctx.out, Format::Json, &doc)
        }
        Format::Jsonl => {
            let rows = cap
                .plugins
                .iter()
                .map(|p| plugin_json(cap, p))
                .chain(cap.namespaces.iter().map(|n| namespace_json(cap, n)))
                .chain(cap.deadlocks.iter().map(deadlock_json));
            write_lines(ctx, rows)
        }
        Format::Csv => capacity_csv(ctx, cap),
        Format::Table | Format::Wide => {
            if cap.namespaces.is_empty() {
                let _ = writeln!(ctx.err, "no plugin state entries");
                return Ok(());
            }
            plugins_table(ctx, cap)?;
            writeln!(ctx.out)?;
            namespaces_table(ctx, cap, r.sparks.as_ref())?;
            for d in &cap.deadlocks {
                writeln!(
                    ctx.out,
                    "\nDEADLOCK {}",
                    escape_control(&d.message).into_owned()
                )?;
            }
            writeln!(
                ctx.out,
                "\nForecast from {basis} (defined in `statectl top --help`). {FORECAST_BLIND_SPOTS}"
            )?;
            Ok(())
        }
    }
}

/// One JSON object per line.
fn write_lines(ctx: &mut Ctx, rows: impl Iterator<Item = Value>) -> Result<()> {
    for r in rows {
        serde_json::to_writer(&mut *ctx.out, &r)?;
        writeln!(ctx.out)?;
    }
    Ok(())
}

/// A finished CSV document to stdout.
fn write_csv(ctx: &mut Ctx, w: csv::Writer<Vec<u8>>) -> Result<()> {
    let mut w = w;
    w.flush()?;
    ctx.out.write_all(w.get_ref())?;
    Ok(())
}

const CAPACITY_CSV_HEADER: [&str; 24] = [
    "plugin_id",
    "namespace",
    "live",
    "expired",
    "no_expiry",
    "bytes",
    "max_entries",
    "policy",
    "fill_pct",
    "headroom",
    "writes_1h",
    "writes_24h",
    "writes_window",
    "expiring_1h",
    "expiring_24h",
    "expiring_7d",
    "expiring_window",
    "net_window",
    "full_in_ms",
    "first_full_in_ms",
    "first_full_by",
    "plugin_live",
    "plugin_cap",
    "plugin_full_in_ms",
];

fn capacity_csv(ctx: &mut Ctx, cap: &Capacity) -> Result<()> {
    let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    let opti = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = Error::from;
    w.write_record(CAPACITY_CSV_HEADER).map_err(to_err)?;
    for n in &cap.namespaces {
        let s = &n.scan;
        let p = cap.plugins.iter().find(|p| p.plugin_id == s.plugin_id);
        w.write_record([
            escape_control(&s.plugin_id).into_owned(),
            escape_control(&s.namespace).into_owned(),
            s.live.to_string(),
            s.expired.to_string(),
            s.no_expiry.to_string(),
            s.bytes.to_string(),
            opt(n.policy.max_entries),
            n.policy_str().to_string(),
            opt(n.fill_pct()),
            opt(n.headroom),
            s.writes_1h.to_string(),
            s.writes_24h.to_string(),
            s.writes_window.to_string(),
            s.expiring_1h.to_string(),
            s.expiring_24h.to_string(),
            s.expiring_7d.to_string(),
            s.expiring_window.to_string(),
            n.net().to_string(),
            opti(n.full_in.ms()),
            opti(n.first_full.ms()),
            n.first_full_by.as_str().to_string(),
            opt(p.map(|p| p.live)),
            opt(p.and_then(|p| p.caps.first()).map(|c| c.cap.cap)),
            opti(p.and_then(|p| p.full_in().ms())),
        ])
        .map_err(to_err)?;
    }
    write_csv(ctx, w)
}

/// Plugins against their caps, one row per cap (a plugin without one says so).
fn plugins_table(ctx: &mut Ctx, cap: &Capacity) -> Result<()> {
    let pictures = ctx.term.stdout_tty;
    let net_h = format!("NET/{}", format_span(cap.window));
    // On a narrow terminal NET, then HEADROOM go, then AT CAP is cut; the
    // plugin, its count, its cap and when it is full always show.
    let mut t = Table::new(vec![
        Column::keep("PLUGIN"),
        Column::keep("LIVE"),
        Column::keep("CAP"),
        Column::keep("FILL"),
        Column::optional("HEADROOM", 2),
        Column::optional(&net_h, 1),
        Column::keep("FULL-IN"),
        Column::shrink("AT CAP", 12),
    ]);
    for p in &cap.plugins {
        let net = p.writes_window as i64 - p.expiring_window as i64;
        if p.caps.is_empty() {
            t.row(vec![
                escape_control(&p.plugin_id).into_owned(),
                thousands(p.live),
                "none".into(),
                "-".into(),
                "-".into(),
                signed(net),
                "-".into(),
                "no per-plugin cap in this version".into(),
            ]);
        }
        for c in &p.caps {
            t.row(vec![
                escape_control(&p.plugin_id).into_owned(),
                thousands(p.live),
                thousands(c.cap.cap),
                fill_cell(Some(c.fill_pct(p.live)), pictures),
                thousands(c.headroom),
                signed(net),
                full_text(c.full_in),
                format!("{} ({})", c.cap.at_cap.describe(), c.cap.versions),
            ]);
        }
    }
    t.write(ctx.out, ctx.term, ctx.format == Format::Wide)?;
    Ok(())
}

/// Namespaces: counts, caps, writes and expiries per window, time to full, and on a
/// terminal the writes-per-hour sparkline.
fn namespaces_table(ctx: &mut Ctx, cap: &Capacity, sparks: Option<&Sparks>) -> Result<()> {
    let pictures = ctx.term.stdout_tty;
    let net_h = format!("NET/{}", format_span(cap.window));
    // PLUGIN, NAMESPACE, LIVE, FILL and FULL-IN stay; the rest goes when the
    // terminal is narrow, the sparkline and the finer windows first.
    let mut columns = vec![
        Column::keep("PLUGIN"),
        Column::keep("NAMESPACE"),
        Column::keep("LIVE"),
        Column::optional("MAX", 10),
        Column::optional("POLICY", 3),
        Column::keep("FILL"),
        Column::optional("HEADROOM", 9),
        Column::optional("BYTES", 8),
        Column::optional("W/1H", 4),
        Column::optional("W/24H", 7),
        Column::optional("EXP/1H", 2),
        Column::optional("EXP/24H", 6),
        Column::optional("EXP/7D", 5),
        Column::optional(&net_h, 11),
        Column::keep("FULL-IN"),
    ];
    if sparks.is_some() {
        columns.push(Column::optional("WRITES/H (48H)", 1));
    }
    let mut t = Table::new(columns);
    for n in &cap.namespaces {
        let mut row = namespace_row(n, pictures);
        if let Some(sp) = sparks {
            let key = (n.scan.plugin_id.clone(), n.scan.namespace.clone());
            row.push(sparkline(sp.get(&key).unwrap_or(&[0; SPARK_HOURS])));
        }
        t.row(row);
    }
    t.write(ctx.out, ctx.term, ctx.format == Format::Wide)?;
    Ok(())
}

fn namespace_row(n: &NsCapacity, pictures: bool) -> Vec<String> {
    let s = &n.scan;
    let full = match (n.first_full, n.first_full_by) {
        (f @ (FullIn::Full | FullIn::In(_)), capacity::Limit::Plugin) => {
            format!("{} (plugin)", full_text(f))
        }
        (f, _) => full_text(f),
    };
    vec![
        escape_control(&s.plugin_id).into_owned(),
        escape_control(&s.namespace).into_owned(),
        thousands(s.live),
        n.policy
            .max_entries
            .map(thousands)
            .unwrap_or_else(|| "-".into()),
        n.policy_str().into(),
        fill_cell(n.fill_pct(), pictures),
        n.headroom.map(thousands).unwrap_or_else(|| "-".into()),
        human_bytes(s.bytes),
        thousands(s.writes_1h),
        thousands(s.writes_24h),
        thousands(s.expiring_1h),
        thousands(s.expiring_24h),
        thousands(s.expiring_7d),
        signed(n.net()),
        full,
    ]
}

/// The largest values and the size distributions, in the format asked for.
pub fn values(
    ctx: &mut Ctx,
    rules: &RuleSet,
    largest: &[LargeValue],
    dists: &[SizeDist],
) -> Result<()> {
    let max = rules.max_value_bytes as u64;
    match ctx.format {
        Format::Json => {
            let doc = json!({
                "value_cap_bytes": max,
                "rules": rules.name,
                "largest": largest.iter().map(|v| value_json(v, max)).collect::<Vec<_>>(),
                "distributions": dists.iter().map(|d| dist_json(d, max)).collect::<Vec<_>>(),
                "notes": ["p50/p90/p99 are approximate (within about 3%); count and max are exact"],
            });
            crate::output::write_json(ctx.out, Format::Json, &doc)
        }
        Format::Jsonl => {
            let rows = largest
                .iter()
                .map(|v| value_json(v, max))
                .chain(dists.iter().map(|d| dist_json(d, max)));
            write_lines(ctx, rows)
        }
        Format::Csv => values_csv(ctx, max, largest, dists),
        Format::Table | Format::Wide => values_table(ctx, rules, largest, dists),
    }
}

/// `b` as a whole percentage of the value cap `max`.
fn pct(b: u64, max: u64) -> u64 {
    b * 100 / max.max(1)
}

fn value_json(v: &LargeValue, max: u64) -> Value {
    json!({"kind": "value", "plugin_id": v.plugin_id, "namespace": v.namespace, "key": v.key,
           "bytes": v.bytes, "cap_pct": pct(v.bytes, max), "value_cap_bytes": max})
}

fn dist_json(d: &SizeDist, max: u64) -> Value {
    json!({"kind": "distribution", "plugin_id": d.plugin_id, "namespace": d.namespace, "count": d.count,
           "p50": d.p50, "p90": d.p90, "p99": d.p99, "max": d.max, "max_cap_pct": pct(d.max, max)})
}

fn values_csv(ctx: &mut Ctx, max: u64, largest: &[LargeValue], dists: &[SizeDist]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = Error::from;
    w.write_record([
        "kind",
        "plugin_id",
        "namespace",
        "key",
        "bytes",
        "cap_pct",
        "count",
        "p50",
        "p90",
        "p99",
        "max",
    ])
    .map_err(to_err)?;
    for v in largest {
        let b = v.bytes.to_string();
        w.write_record([
            "value",
            &escape_control(&v.plugin_id),
            &escape_control(&v.namespace),
            &escape_control(&v.key),
            &b,
            &pct(v.bytes, max).to_string(),
            "",
            "",
            "",
            "",
            "",
        ])
        .map_err(to_err)?;
    }
    for d in dists {
        w.write_record([
            "distribution".to_string(),
            escape_control(&d.plugin_id).into_owned(),
            escape_control(&d.namespace).into_owned(),
            String::new(),
            String::new(),
            pct(d.max, max).to_string(),
            d.count.to_string(),
            d.p50.to_string(),
            d.p90.to_string(),
            d.p99.to_string(),
            d.max.to_string(),
        ])
        .map_err(to_err)?;
    }
    write_csv(ctx, w)
}

fn values_table(
    ctx: &mut Ctx,
    rules: &RuleSet,
    largest: &[LargeValue],
    dists: &[SizeDist],
) -> Result<()> {
    let max = rules.max_value_bytes as u64;
    let cap_h = format!("% OF {}", human_bytes(max));
    let mut t = new_table(ctx.term, &["PLUGIN", "NAMESPACE", "KEY", "BYTES", &cap_h]);
    for v in largest {
        add_row(
            &mut t,
            vec![
                escape_control(&v.plugin_id).into_owned(),
                escape_control(&v.namespace).into_owned(),
                escape_control(&v.key).into_owned(),
                thousands(v.bytes),
                format!("{}%", pct(v.bytes, max)),
            ],
        );
    }
    if !largest.is_empty() {
        write_table(ctx.out, &t)?;
        writeln!(ctx.out)?;
    }
    let header = [
        "PLUGIN",
        "NAMESPACE",
        "VALUES",
        "P50~",
        "P90~",
        "P99~",
        "MAX",
        &cap_h,
    ];
    let mut t = new_table(ctx.term, &header);
    for d in dists {
        add_row(
            &mut t,
            vec![
                escape_control(&d.plugin_id).into_owned(),
                escape_control(&d.namespace).into_owned(),
                thousands(d.count),
                thousands(d.p50),
                thousands(d.p90),
                thousands(d.p99),
                thousands(d.max),
                format!("{}%", pct(d.max, max)),
            ],
        );
    }
    if dists.is_empty() {
        let _ = writeln!(ctx.err, "no live values");
        return Ok(());
    }
    write_table(ctx.out, &t)?;
    writeln!(
        ctx.out,
        "\nValue sizes in UTF-8 bytes of value_json; P50~/P90~/P99~ are approximate (within about 3%), MAX exact. The value cap is {} bytes ({}).",
        thousands(max),
        rules.name
    )?;
    Ok(())
}

fn object_json(o: &capacity::ObjectSpace) -> Value {
    json!({"name": o.name, "kind": o.kind, "table": o.table, "pages": o.pages, "bytes": o.bytes})
}

/// Bytes per table and index, free pages, the WAL and the listing index's shape.
pub fn space(ctx: &mut Ctx, rules: &RuleSet, space: &Space) -> Result<()> {
    let file_bytes = space.page_size * space.page_count;
    let (index_ok, index_text) =
        capacity::listing_index_verdict(space.listing_index.as_deref(), rules.listing_index);
    match ctx.format {
        Format::Jsonl => write_lines(ctx, space.objects.iter().map(object_json)),
        Format::Json => {
            let doc = json!({
                "page_size": space.page_size,
                "page_count": space.page_count,
                "file_bytes": file_bytes,
                "free_pages": space.free_pages,
                "free_bytes": space.free_pages * space.page_size,
                "other_pages": space.other_pages,
                "auto_vacuum": space.auto_vacuum,
                "wal_bytes": space.wal_bytes,
                "journal_size_limit": rules.journal_size_limit,
                "listing_index_columns": space.listing_index,
                "listing_index_expected": rules.listing_index,
                "listing_index_ok": index_ok,
                "objects": space.objects.iter().map(object_json).collect::<Vec<_>>(),
            });
            crate::output::write_json(ctx.out, Format::Json, &doc)
        }
        Format::Csv => space_csv(ctx, space),
        Format::Table | Format::Wide => space_table(ctx, rules, space, &index_text),
    }
}

fn space_csv(ctx: &mut Ctx, space: &Space) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = Error::from;
    w.write_record(["name", "kind", "table", "pages", "bytes"])
        .map_err(to_err)?;
    for o in &space.objects {
        w.write_record([
            escape_control(&o.name).into_owned(),
            o.kind.clone(),
            escape_control(&o.table).into_owned(),
            o.pages.to_string(),
            o.bytes.to_string(),
        ])
        .map_err(to_err)?;
    }
    write_csv(ctx, w)
}

fn space_table(ctx: &mut Ctx, rules: &RuleSet, space: &Space, index_text: &str) -> Result<()> {
    let file_bytes = space.page_size * space.page_count;
    let wal_note = match rules.journal_size_limit {
        Some(l) => format!(
            "the runtime's journal_size_limit is {} ({}): the WAL is truncated to it after a checkpoint, it does not cap growth between checkpoints",
            human_bytes(l),
            rules.name
        ),
        None => format!("no journal_size_limit in {}", rules.name),
    };
    let mut t = new_table(
        ctx.term,
        &["NAME", "KIND", "TABLE", "PAGES", "BYTES", "SHARE"],
    );
    for o in &space.objects {
        add_row(
            &mut t,
            vec![
                escape_control(&o.name).into_owned(),
                o.kind.clone(),
                escape_control(&o.table).into_owned(),
                thousands(o.pages),
                human_bytes(o.bytes),
                format!("{}%", o.bytes * 100 / file_bytes.max(1)),
            ],
        );
    }
    write_table(ctx.out, &t)?;
    writeln!(
        ctx.out,
        "\nfile {} ({} pages of {} B), free pages {} ({}), pointer-map and lock pages {}, WAL {}; {wal_note}",
        human_bytes(file_bytes),
        thousands(space.page_count),
        space.page_size,
        thousands(space.free_pages),
        human_bytes(space.free_pages * space.page_size),
        thousands(space.other_pages),
        human_bytes(space.wal_bytes),
    )?;
    writeln!(ctx.out, "{index_text}")?;
    Ok(())
}
