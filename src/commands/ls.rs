//! `statectl ls`: the namespace summary, or the entries of one namespace.

use crate::cli::SelectArgs;
use crate::error::Result;
use crate::output::Format;
use crate::output::entries::EntrySink;
use crate::output::{add_row, human_bytes, new_table, thousands, write_table};
use crate::store::known;
use crate::store::query::{self, NamespaceSummary};
use crate::timefmt::format_rel;
use crate::{Ctx, split_namespace};
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
#[command(
    about = "List namespaces (no NAMESPACE) or the entries of one namespace",
    after_help = "Examples:\n  statectl ls\n  statectl ls slack.thread-participation\n  statectl ls discord/discord.modals --older-than 1h --keys-only\n  statectl ls telegram.sent-messages --expired -o jsonl\n  statectl ls --now +1d discord.components   what will still be live tomorrow"
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
    /// Print the values of secret namespaces (tokens, message content) in clear
    #[arg(long)]
    pub show_secrets: bool,
}

pub fn run(ctx: &mut Ctx, args: &LsArgs) -> anyhow::Result<()> {
    let mut sel = args.select.to_selection(ctx.now)?;
    if let Some(arg) = &args.namespace {
        let (plugin, ns) = split_namespace(arg, args.select.plugin.as_deref())?;
        sel.plugin = plugin;
        sel.namespaces = vec![ns];
    } else if !sel.has_filter() && !args.keys_only && args.limit.is_none() {
        let db = ctx.open_read()?;
        let rows = query::summarize(
            &db.conn,
            sel.plugin.as_deref(),
            ctx.now,
            args.select.include_expired,
        )?;
        return Ok(print_summary(ctx, &rows)?);
    }
    let db = ctx.open_read()?;
    let mut sink = EntrySink::new(
        ctx.format,
        ctx.out,
        ctx.term,
        ctx.now,
        args.show_secrets,
        args.keys_only,
    );
    let n = query::for_each_entry(&db.conn, &sel, args.limit, |e| sink.push(e))?;
    sink.finish()?;
    if n == 0
        && ctx.format.is_table()
        && let Some(ns) = sel.namespaces.first()
    {
        if query::plugins_of_namespace(&db.conn, ns)?.is_empty() {
            let _ = writeln!(ctx.err, "no namespace '{ns}' in {}", db.path.display());
        } else {
            let _ = writeln!(ctx.err, "no entries match");
        }
    }
    Ok(())
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

fn print_summary(ctx: &mut Ctx, rows: &[NamespaceSummary]) -> Result<()> {
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
            let mut t = new_table(
                ctx.term,
                &[
                    "PLUGIN",
                    "NAMESPACE",
                    "LIVE",
                    "EXPIRED",
                    "NO-TTL",
                    "BYTES",
                    "OLDEST",
                    "NEWEST",
                    "NEXT-EXPIRY",
                    "MAX",
                    "FILL",
                ],
            );
            let rel = |v: Option<i64>| v.map(|t| format_rel(t, now)).unwrap_or_else(|| "-".into());
            for s in rows {
                let max = known::policy(&s.plugin_id, &s.namespace).max_entries;
                add_row(
                    &mut t,
                    vec![
                        s.plugin_id.clone(),
                        s.namespace.clone(),
                        thousands(s.live),
                        thousands(s.expired),
                        thousands(s.no_expiry),
                        human_bytes(s.bytes),
                        rel(s.oldest_created_at),
                        rel(s.newest_created_at),
                        rel(s.next_expires_at),
                        max.map(thousands).unwrap_or_else(|| "-".into()),
                        fill(s.live, max),
                    ],
                );
            }
            if rows.is_empty() {
                let _ = writeln!(ctx.err, "no plugin state entries");
            } else {
                write_table(ctx.out, &t)?;
            }
        }
    }
    Ok(())
}
