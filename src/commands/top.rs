//! `statectl top`: capacity per plugin and namespace against the runtime's caps, growth,
//! expiries and time-to-full, sorted by urgency; the largest values; where the bytes are.

use crate::error::{Error, Kind, Result};
use crate::output::Format;
use crate::output::columns::{Column, Table};
use crate::output::{add_row, escape_control, human_bytes, new_table, thousands, write_table};
use crate::store::capacity::{
    self, Capacity, DEADLOCK_DEFINITION, FORECAST_BLIND_SPOTS, FORECAST_DEFINITION, FullIn,
    LargeValue, NEAR_CAP_PCT, NsCapacity, SPARK_HOURS, SizeDist, Space,
};
use crate::store::{Db, known};
use crate::timefmt::{format_span, parse_duration};
use crate::{Ctx, split_namespace};
use clap::Args;
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Debug, Args)]
#[command(
    about = "Capacity per plugin and namespace: caps, headroom, growth, expiries, time-to-full; largest values; space",
    long_about = None,
    after_help = top_help()
)]
pub struct TopArgs {
    /// NAMESPACE or PLUGIN/NAMESPACE (exact); omit for every namespace
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespace: Option<String>,
    /// Only this plugin id
    #[arg(long, value_name = "ID")]
    pub plugin: Option<String>,
    /// The forecast window W
    #[arg(long, value_name = "DUR", default_value = "24h")]
    pub window: String,
    /// Measure growth instead: a second snapshot DUR after the first
    #[arg(long, value_name = "DUR", conflicts_with_all = ["values", "space"])]
    pub sample: Option<String>,
    /// The N largest live values, and each namespace's value sizes (p50/p90/p99/max)
    #[arg(long, value_name = "N", conflicts_with = "space")]
    pub values: Option<usize>,
    /// Bytes per table and index of the whole file, free pages, WAL, listing-index shape
    #[arg(long)]
    pub space: bool,
}

/// The help's examples and the definitions the output relies on, from their one place.
fn top_help() -> String {
    format!(
        "Examples:
  statectl top                          every plugin and namespace, most urgent first
  statectl top --plugin memory-core     one plugin's namespaces
  statectl top telegram.message-cache   one namespace
  statectl top --window 7d              forecast from a week of writes
  statectl top --sample 10m             measure growth over ten minutes instead
  statectl top --values 20              the 20 largest values and size distributions
  statectl top --space                  bytes per table and index, free pages, WAL

{FORECAST_DEFINITION} A namespace's FULL-IN is the earlier of its own and its plugin's \
(marked \"plugin\" when it is the cap). {FORECAST_BLIND_SPOTS}

{DEADLOCK_DEFINITION}

On a terminal FILL has a bar and WRITES/H (48H) a sparkline of live rows written per hour \
(oldest left); piped output has plain numbers only."
    )
}

/// Where a snapshot's forecast comes from.
enum Growth {
    /// The write and expiry history in the window.
    History,
    /// Measured: live rows per namespace at a second snapshot `span` ms later.
    Sampled {
        span: i64,
        later: HashMap<(String, String), u64>,
    },
}

pub fn run(ctx: &mut Ctx, args: &TopArgs) -> anyhow::Result<()> {
    Ok(top(ctx, args)?)
}

fn top(ctx: &mut Ctx, args: &TopArgs) -> Result<()> {
    let window = parse_duration(&args.window)?;
    if window <= 0 {
        return Err(Error::new(
            Kind::InvalidDuration,
            "--window must be longer than 0, e.g. 24h",
        ));
    }
    let (plugin, namespace) = match &args.namespace {
        Some(arg) => {
            let (p, n) = split_namespace(arg, args.plugin.as_deref())?;
            (p, Some(n))
        }
        None => (args.plugin.clone(), None),
    };
    let db = ctx.open_read()?;
    if let Some(ns) = &namespace {
        let owners = crate::store::query::plugins_of_namespace(&db.conn, ns)?;
        let in_db = owners
            .iter()
            .any(|p| plugin.as_deref().is_none_or(|want| want == p));
        let known_ns = known::policy(plugin.as_deref().unwrap_or(""), ns).known
            || owners.iter().any(|p| known::policy(p, ns).known);
        if !in_db && !known_ns {
            // The same did-you-mean as every other command names a typo with.
            let stored = crate::store::names::stored_names(&db.conn)?;
            return Err(crate::store::names::not_found(
                &stored,
                &db.path,
                plugin.as_deref(),
                ns,
            ));
        }
    }
    if args.space {
        let space = capacity::space(&db.conn, &db.path)?;
        return print_space(ctx, &db, &space);
    }
    if let Some(n) = args.values {
        let (largest, dists) = capacity::largest_values(
            &db.conn,
            ctx.now,
            plugin.as_deref(),
            namespace.as_deref(),
            n,
        )?;
        return print_values(ctx, &db, &largest, &dists);
    }

    let scans = capacity::scan(&db.conn, ctx.now, window, plugin.as_deref())?;
    let growth = match &args.sample {
        None => Growth::History,
        Some(d) => {
            let span = parse_duration(d)?;
            if span <= 0 {
                return Err(Error::new(
                    Kind::InvalidDuration,
                    "--sample must be longer than 0, e.g. 10m",
                ));
            }
            let later_now = crate::timefmt::offset(ctx.now, span, "--now plus --sample")?;
            let _ = writeln!(
                ctx.err,
                "sampling: second snapshot in {}",
                format_span(span)
            );
            let _ = ctx.err.flush();
            std::thread::sleep(std::time::Duration::from_millis(span as u64));
            let later = capacity::scan(&db.conn, later_now, window, plugin.as_deref())?
                .into_iter()
                .map(|s| ((s.plugin_id, s.namespace), s.live))
                .collect();
            Growth::Sampled { span, later }
        }
    };
    let scans = match &growth {
        Growth::History => scans,
        // The measured change, scaled to the window, stands in for writes - expiries.
        Growth::Sampled { span, later } => scans
            .into_iter()
            .map(|mut s| {
                let after = later
                    .get(&(s.plugin_id.clone(), s.namespace.clone()))
                    .copied()
                    .unwrap_or(0);
                let delta = i128::from(after) - i128::from(s.live);
                let scaled = (delta * i128::from(window) / i128::from(*span)) as i64;
                s.writes_window = scaled.max(0) as u64;
                s.expiring_window = (-scaled).max(0) as u64;
                s
            })
            .collect(),
    };
    let mut cap = capacity::assess(scans, db.schema.rules, ctx.now, window, NEAR_CAP_PCT);
    if let Some(ns) = &namespace {
        cap.namespaces.retain(|n| &n.scan.namespace == ns);
        cap.plugins.retain(|p| {
            cap.namespaces
                .iter()
                .any(|n| n.scan.plugin_id == p.plugin_id)
        });
    }
    let sparks = if ctx.format.is_table() && ctx.term.stdout_tty {
        Some(capacity::writes_per_hour(
            &db.conn,
            ctx.now,
            plugin.as_deref(),
        )?)
    } else {
        None
    };
    let basis = match &growth {
        Growth::History => format!("writes and expiries over {}", format_span(window)),
        Growth::Sampled { span, .. } => format!(
            "measured change of live rows over {}, scaled to {}",
            format_span(*span),
            format_span(window)
        ),
    };
    print_capacity(ctx, &cap, sparks.as_ref(), &basis)
}

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

fn print_capacity(
    ctx: &mut Ctx,
    cap: &Capacity,
    sparks: Option<&HashMap<(String, String), [u64; SPARK_HOURS]>>,
    basis: &str,
) -> Result<()> {
    let notes = vec![
        format!("Forecast from {basis}. {FORECAST_DEFINITION}"),
        FORECAST_BLIND_SPOTS.to_string(),
    ];
    match ctx.format {
        Format::Json => {
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
            crate::output::write_json(ctx.out, Format::Json, &doc)?;
        }
        Format::Jsonl => {
            let rows = cap
                .plugins
                .iter()
                .map(|p| plugin_json(cap, p))
                .chain(cap.namespaces.iter().map(|n| namespace_json(cap, n)))
                .chain(cap.deadlocks.iter().map(deadlock_json));
            for r in rows {
                serde_json::to_writer(&mut *ctx.out, &r)?;
                writeln!(ctx.out)?;
            }
        }
        Format::Csv => {
            let header = [
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
            let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
            let opti = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
            let mut w = csv::Writer::from_writer(Vec::new());
            let to_err = Error::from;
            w.write_record(header).map_err(to_err)?;
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
            w.flush()?;
            ctx.out.write_all(w.get_ref())?;
        }
        Format::Table | Format::Wide => {
            if cap.namespaces.is_empty() {
                let _ = writeln!(ctx.err, "no plugin state entries");
                return Ok(());
            }
            let pictures = ctx.term.stdout_tty;
            let w = format_span(cap.window);
            let net_h = format!("NET/{w}");
            // On a narrow terminal NET, then HEADROOM go, then AT CAP is cut; the
            // plugin, its count, its cap and when it is full always show.
            let wide = ctx.format == Format::Wide;
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
            t.write(ctx.out, ctx.term, wide)?;
            writeln!(ctx.out)?;
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
                let s = &n.scan;
                let full = match (n.first_full, n.first_full_by) {
                    (f @ (FullIn::Full | FullIn::In(_)), capacity::Limit::Plugin) => {
                        format!("{} (plugin)", full_text(f))
                    }
                    (f, _) => full_text(f),
                };
                let mut row = vec![
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
                ];
                if let Some(sp) = sparks {
                    let key = (s.plugin_id.clone(), s.namespace.clone());
                    row.push(sparkline(sp.get(&key).unwrap_or(&[0; SPARK_HOURS])));
                }
                t.row(row);
            }
            t.write(ctx.out, ctx.term, wide)?;
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
        }
    }
    Ok(())
}

fn print_values(ctx: &mut Ctx, db: &Db, largest: &[LargeValue], dists: &[SizeDist]) -> Result<()> {
    let max = db.schema.rules.max_value_bytes as u64;
    let pct = |b: u64| b * 100 / max.max(1);
    let value_json = |v: &LargeValue| {
        json!({"kind": "value", "plugin_id": v.plugin_id, "namespace": v.namespace, "key": v.key,
               "bytes": v.bytes, "cap_pct": pct(v.bytes), "value_cap_bytes": max})
    };
    let dist_json = |d: &SizeDist| {
        json!({"kind": "distribution", "plugin_id": d.plugin_id, "namespace": d.namespace, "count": d.count,
               "p50": d.p50, "p90": d.p90, "p99": d.p99, "max": d.max, "max_cap_pct": pct(d.max)})
    };
    match ctx.format {
        Format::Json => {
            let doc = json!({
                "value_cap_bytes": max,
                "rules": db.schema.rules.name,
                "largest": largest.iter().map(value_json).collect::<Vec<_>>(),
                "distributions": dists.iter().map(dist_json).collect::<Vec<_>>(),
                "notes": ["p50/p90/p99 are approximate (within about 3%); count and max are exact"],
            });
            crate::output::write_json(ctx.out, Format::Json, &doc)?;
        }
        Format::Jsonl => {
            for r in largest
                .iter()
                .map(value_json)
                .chain(dists.iter().map(dist_json))
            {
                serde_json::to_writer(&mut *ctx.out, &r)?;
                writeln!(ctx.out)?;
            }
        }
        Format::Csv => {
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
                    &pct(v.bytes).to_string(),
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
                    pct(d.max).to_string(),
                    d.count.to_string(),
                    d.p50.to_string(),
                    d.p90.to_string(),
                    d.p99.to_string(),
                    d.max.to_string(),
                ])
                .map_err(to_err)?;
            }
            w.flush()?;
            ctx.out.write_all(w.get_ref())?;
        }
        Format::Table | Format::Wide => {
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
                        format!("{}%", pct(v.bytes)),
                    ],
                );
            }
            if !largest.is_empty() {
                write_table(ctx.out, &t)?;
                writeln!(ctx.out)?;
            }
            let mut t = new_table(
                ctx.term,
                &[
                    "PLUGIN",
                    "NAMESPACE",
                    "VALUES",
                    "P50~",
                    "P90~",
                    "P99~",
                    "MAX",
                    &cap_h,
                ],
            );
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
                        format!("{}%", pct(d.max)),
                    ],
                );
            }
            if dists.is_empty() {
                let _ = writeln!(ctx.err, "no live values");
            } else {
                write_table(ctx.out, &t)?;
                writeln!(
                    ctx.out,
                    "\nValue sizes in UTF-8 bytes of value_json; P50~/P90~/P99~ are approximate (within about 3%), MAX exact. The value cap is {} bytes ({}).",
                    thousands(max),
                    db.schema.rules.name
                )?;
            }
        }
    }
    Ok(())
}

fn print_space(ctx: &mut Ctx, db: &Db, space: &Space) -> Result<()> {
    let rules = db.schema.rules;
    let file_bytes = space.page_size * space.page_count;
    let (index_ok, index_text) =
        capacity::listing_index_verdict(space.listing_index.as_deref(), rules.listing_index);
    let wal_note = match rules.journal_size_limit {
        Some(l) => format!(
            "the runtime's journal_size_limit is {} ({}): the WAL is truncated to it after a checkpoint, it does not cap growth between checkpoints",
            human_bytes(l),
            rules.name
        ),
        None => format!("no journal_size_limit in {}", rules.name),
    };
    if ctx.format.is_json() {
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
            "objects": space.objects.iter().map(|o| json!({
                "name": o.name, "kind": o.kind, "table": o.table, "pages": o.pages, "bytes": o.bytes,
            })).collect::<Vec<_>>(),
        });
        if ctx.format == Format::Jsonl {
            for o in &space.objects {
                serde_json::to_writer(
                    &mut *ctx.out,
                    &json!({"name": o.name, "kind": o.kind, "table": o.table, "pages": o.pages, "bytes": o.bytes}),
                )?;
                writeln!(ctx.out)?;
            }
        } else {
            crate::output::write_json(ctx.out, Format::Json, &doc)?;
        }
        return Ok(());
    }
    if ctx.format == Format::Csv {
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
        w.flush()?;
        ctx.out.write_all(w.get_ref())?;
        return Ok(());
    }
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
