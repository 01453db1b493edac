//! `statectl watch`: polls `PRAGMA data_version`, re-reads row stamps on a change and
//! prints the events src/watch.rs derives, until Ctrl-C.

use crate::cli::SelectArgs;
use crate::error::{Error, Kind, Result};
use crate::ops::watch as op;
use crate::output::watch::Printer;
use crate::store::{Liveness, Selection, stamps};
use crate::timefmt;
use crate::watch::Watcher;
use crate::{Ctx, commands, interrupt};
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Print events as rows are added, updated, deleted or expire",
    after_help = "Events, in the runtime's order (created_at, then key):
  ADDED    a new key
  UPDATED  a key rewritten (value or expiry; every write resets created_at)
  DELETED  a live key removed
  EXPIRED  a key passed its expires_at (reported once; its later sweep is not)
  STALE    with --stale-after: a namespace that had writes has had none for DUR

Only (key, created_at, expires_at) are re-read, and only when another connection
committed (PRAGMA data_version); values are read for changed rows alone. Ctrl-C ends
the watch (exit 0).

Examples:
  statectl watch discord.components                 events of one namespace
  statectl watch --since 10m -o jsonl               replay the last 10 minutes, then follow
  statectl watch slack.thread-participation --stale-after 1h"
)]
pub struct WatchArgs {
    /// Namespaces (NAMESPACE or PLUGIN/NAMESPACE; default: all)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespaces: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// How often to look for changes and expiries
    #[arg(long, value_name = "DUR", default_value = "1s")]
    pub interval: String,
    /// First replay the live rows created in the last DUR as ADDED
    #[arg(long, value_name = "DUR")]
    pub since: Option<String>,
    /// Report a namespace that received no write for DUR (STALE)
    #[arg(long, value_name = "DUR")]
    pub stale_after: Option<String>,
    /// Show the values of secret namespaces (tokens, message content)
    #[arg(long)]
    pub show_secrets: bool,
}

/// Every row of the watched namespaces, live or not: expiry is watched too.
fn watched(ctx: &Ctx, args: &WatchArgs) -> Result<Vec<Selection>> {
    if args.select.expired || args.select.include_expired {
        return Err(Error::new(
            Kind::Usage,
            "watch follows live rows and reports when they expire; drop --expired/--include-expired",
        ));
    }
    let mut sels = commands::export::selections(ctx, &args.namespaces, &args.select)?;
    for s in &mut sels {
        s.liveness = Liveness::All;
    }
    Ok(sels)
}

pub fn run(ctx: &mut Ctx, args: &WatchArgs) -> Result<()> {
    let interval = timefmt::parse_duration(&args.interval)?.max(10) as u64;
    let since = args
        .since
        .as_deref()
        .map(timefmt::parse_duration)
        .transpose()?;
    let stale_after = args
        .stale_after
        .as_deref()
        .map(timefmt::parse_duration)
        .transpose()?;
    // `--now` shifts the clock; it still moves.
    let offset = ctx.now - timefmt::system_now_ms();
    let clock = move || timefmt::system_now_ms() + offset;
    let _armed = interrupt::arm();
    let db = ctx.open_read()?;
    let sels = watched(ctx, args)?;
    let mut version = stamps::data_version(&db.conn)?;
    let now = clock();
    let replay_from = since
        .map(|d| timefmt::offset(now, -d, "the clock minus --since"))
        .transpose()?;
    let mut watcher = Watcher::new(stale_after);
    watcher.begin_first(now, replay_from);
    op::read(&db.conn, &sels, &mut watcher)?;
    let first = watcher.end();
    let mut printer = Printer::new(ctx.format);
    let values = op::values(&db.conn, &first, args.show_secrets)?;
    printer.print(ctx, &first, &values, now)?;
    loop {
        std::thread::sleep(std::time::Duration::from_millis(interval));
        if interrupt::check(String::new).is_err() {
            return Ok(());
        }
        let now = clock();
        let v = stamps::data_version(&db.conn)?;
        let events = if v != version {
            version = v;
            watcher.begin(now);
            op::read(&db.conn, &sels, &mut watcher)?;
            watcher.end()
        } else {
            watcher.tick(now)
        };
        let values = op::values(&db.conn, &events, args.show_secrets)?;
        printer.print(ctx, &events, &values, now)?;
    }
}
