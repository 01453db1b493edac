//! `statectl ls`: the namespace summary, or the entries of one namespace.

use crate::cli::SelectArgs;
use crate::error::Result;
use crate::output::Format;
use crate::output::columns::{Column, Table};
use crate::output::entries::EntrySink;
use crate::output::{human_bytes, rows as rows_text, thousands};
use crate::store::query::{self, NamespaceSummary, Order};
use crate::store::rules::RuleSet;
use crate::store::{Liveness, known, names};
use crate::timefmt::format_rel;
use crate::{Ctx, split_namespace};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::collections::BTreeMap;

/// `ls --sort`: the order of entries within each namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortBy {
    /// By key (byte order)
    Key,
    /// Oldest first, by created_at (the runtime's order)
    Created,
    /// Soonest expiry first; entries without a TTL last
    Expires,
    /// Largest value first
    Size,
}

impl SortBy {
    fn order(self) -> Order {
        match self {
            SortBy::Key => Order::Key,
            SortBy::Created => Order::Created,
            SortBy::Expires => Order::Expires,
            SortBy::Size => Order::Size,
        }
    }
}

#[derive(Debug, Args)]
#[command(
    about = "List namespaces (no NAMESPACE) or the entries of one namespace",
    after_help = "Examples:\n  statectl ls\n  statectl ls slack.thread-participation\n  statectl ls discord/discord.modals --older-than 1h --keys-only\n  statectl ls telegram.sent-messages --expired -o jsonl\n  statectl ls --now +1d discord.components   what will still be live tomorrow\n  statectl ls discord.components --where message=1287654321098765432\n  statectl ls slack.thread-participation --where 'replied_at<-7d' --raw\n  statectl ls matrix.approval-reactions -o csv --decoded"
)]
pub struct LsArgs {
    /// NAMESPACE or PLUGIN/NAMESPACE (exact); omit for the summary of all namespaces
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Print at most N entries
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    pub limit: Option<u64>,
    /// Print only the keys
    #[arg(long)]
    pub keys_only: bool,
    /// Order of entries within each namespace (default: the runtime's, created_at then key)
    #[arg(long, value_enum, value_name = "BY")]
    pub sort: Option<SortBy>,
    /// Print the values of secret namespaces (tokens, message content) in clear
    #[arg(long)]
    pub show_secrets: bool,
    /// Keys and values as stored: no decoded columns, no `decoded` object
    #[arg(long)]
    pub raw: bool,
    /// CSV: append the namespace's decoded fields after today's columns
    #[arg(long, conflicts_with = "raw")]
    pub decoded: bool,
}

pub fn run(ctx: &mut Ctx, args: &LsArgs) -> anyhow::Result<()> {
    let mut sel = args.select.to_selection(ctx.now)?;
    if let Some(arg) = &args.namespace {
        let (plugin, ns) = split_namespace(arg, args.select.plugin.as_deref())?;
        sel.plugin = plugin;
        sel.namespaces = vec![ns];
        crate::check_where(&mut sel, args.show_secrets)?;
    } else if !sel.has_filter() && !args.keys_only && args.limit.is_none() && args.sort.is_none() {
        let db = ctx.open_read_noting_legacy()?;
        if let Some(p) = &sel.plugin {
            names::check_plugin(&db.conn, &db.path, p)?;
        }
        let rows = query::summarize(
            &db.conn,
            sel.plugin.as_deref(),
            ctx.now,
            args.select.include_expired,
        )?;
        let plugins = query::plugin_live_counts(&db.conn, ctx.now)?;
        return Ok(print_summary(ctx, &rows, &plugins, &db.schema.rules)?);
    }
    crate::check_where(&mut sel, args.show_secrets)?;
    let csv_spec = if args.decoded {
        if ctx.format != Format::Csv {
            return Err(crate::error::Error::new(
                crate::error::Kind::Usage,
                "--decoded adds decoded fields to CSV (-o csv); tables and JSON show them already",
            )
            .into());
        }
        let named = sel
            .namespaces
            .first()
            .map(|ns| crate::store::catalog::specs_named(sel.plugin.as_deref(), ns));
        match named.as_deref() {
            Some([one]) => Some(*one),
            _ => {
                return Err(crate::error::Error::new(
                    crate::error::Kind::NoDecodedFields,
                    "--decoded needs one NAMESPACE that statectl can decode (see `statectl explain NAMESPACE`)",
                )
                .into());
            }
        }
    } else {
        None
    };
    let db = ctx.open_read()?;
    if let Some(ns) = sel.namespaces.first() {
        names::check_named(&db.conn, &db.path, sel.plugin.as_deref(), ns)?;
    }
    let mut sink = EntrySink::new(
        ctx.format,
        ctx.out,
        ctx.term,
        ctx.now,
        args.show_secrets,
        args.keys_only,
    )
    .raw(args.raw)
    .csv_decoded(csv_spec)
    .context(crate::store::context::for_selection(&db.conn, &sel)?);
    let order = args.sort.map(SortBy::order).unwrap_or_default();
    let n = query::for_each_entry_in(&db.conn, &sel, order, args.limit, |e| sink.push(e))?;
    sink.finish()?;
    if n == 0 && !ctx.format.is_json() && ctx.format != Format::Csv {
        let _ = writeln!(
            ctx.err,
            "{}",
            nothing_matches(&db.conn, &sel, ExpiredHint::See)?
        );
    }
    Ok(())
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
    sel: &crate::store::Selection,
    hint: ExpiredHint,
) -> Result<String> {
    if sel.liveness == Liveness::Live {
        let expired = query::count(
            conn,
            &crate::store::Selection {
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

fn print_summary(
    ctx: &mut Ctx,
    rows: &[NamespaceSummary],
    plugins: &BTreeMap<String, u64>,
    rules: &RuleSet,
) -> Result<()> {
    let now = ctx.now;
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
        Format::Csv => {
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
        }
        Format::Table | Format::Wide => {
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
        }
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
