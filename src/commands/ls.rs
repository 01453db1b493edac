//! `statectl ls`: the namespace summary, or the entries of one namespace.

use crate::cli::SelectArgs;
use crate::ops::ls as op;
use crate::output::Format;
use crate::output::entries::EntrySink;
use crate::output::ls as render;
use crate::store::names;
use crate::store::query::{self, Order};
use crate::{Ctx, split_namespace};
use clap::{Args, ValueEnum};

/// Used by `prune`, `expire` and `export` too.
pub use crate::ops::ls::{ExpiredHint, nothing_matches};
pub use crate::output::ls::at_cap_message;

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
        let (rows, plugins) = op::summary(
            &db,
            sel.plugin.as_deref(),
            ctx.now,
            args.select.include_expired,
        )?;
        return Ok(render::print_summary(
            ctx,
            &rows,
            &plugins,
            &db.schema.rules,
        )?);
    }
    crate::check_where(&mut sel, args.show_secrets)?;
    let csv_spec = if args.decoded {
        Some(op::csv_spec(ctx.format, &sel)?)
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
    let n = match query::for_each_entry_in(&db.conn, &sel, order, args.limit, |e| sink.push(e)) {
        Ok(n) => n,
        Err(e) => {
            // The error is the one to report; the entries before it still go out.
            let _ = sink.abandon();
            return Err(e.into());
        }
    };
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
