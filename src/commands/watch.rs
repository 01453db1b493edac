//! `statectl watch`: polls `PRAGMA data_version`, re-reads row stamps on a change and
//! prints the events src/watch.rs derives, until Ctrl-C.

use crate::cli::SelectArgs;
use crate::error::{Error, Kind, Result};
use crate::output::escape_control;
use crate::output::format::Format;
use crate::store::{Liveness, Selection, known, query, stamps};
use crate::timefmt::{self, Ms};
use crate::watch::{Event, EventType, Watcher};
use crate::{Ctx, commands, interrupt};
use clap::Args;
use serde_json::json;

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

/// Streams one snapshot of the watched rows into the watcher (a pass it has begun):
/// nothing is collected.
fn read(conn: &rusqlite::Connection, sels: &[Selection], watcher: &mut Watcher) -> Result<()> {
    for s in sels {
        stamps::for_each_stamp(conn, s, |st| watcher.observe(st))?;
    }
    Ok(())
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
    read(&db.conn, &sels, &mut watcher)?;
    let first = watcher.end();
    let mut printer = Printer::new(ctx.format, args.show_secrets);
    printer.print(ctx, &db.conn, &first, now)?;
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
            read(&db.conn, &sels, &mut watcher)?;
            watcher.end()
        } else {
            watcher.tick(now)
        };
        printer.print(ctx, &db.conn, &events, now)?;
    }
}

struct Printer {
    format: Format,
    show_secrets: bool,
    csv_header_done: bool,
}

impl Printer {
    fn new(format: Format, show_secrets: bool) -> Printer {
        Printer {
            format,
            show_secrets,
            csv_header_done: false,
        }
    }

    /// The current value of a row that was added or updated (None when gone again).
    fn value(&self, conn: &rusqlite::Connection, e: &Event) -> Result<Option<String>> {
        if !matches!(e.kind, EventType::Added | EventType::Updated) {
            return Ok(None);
        }
        let sel = Selection {
            plugin: Some(e.plugin_id.clone()),
            namespaces: vec![e.namespace.clone()],
            keys: vec![e.key.clone()],
            liveness: Liveness::All,
            ..Default::default()
        };
        let mut value = None;
        query::for_each_entry(conn, &sel, Some(1), |entry| {
            value = Some(entry.value_json);
            Ok(())
        })?;
        Ok(value)
    }

    fn print(
        &mut self,
        ctx: &mut Ctx,
        conn: &rusqlite::Connection,
        events: &[Event],
        now: Ms,
    ) -> Result<()> {
        for e in events {
            let secret = known::policy(&e.plugin_id, &e.namespace).secret && !self.show_secrets;
            let value = if secret { None } else { self.value(conn, e)? };
            match self.format {
                Format::Json | Format::Jsonl => {
                    let mut o = json!({
                        "type": e.kind,
                        "at": now,
                        "plugin_id": e.plugin_id,
                        "namespace": e.namespace,
                        "key": (e.kind != EventType::Stale).then_some(&e.key),
                        "created_at": e.created_at,
                        "expires_at": e.expires_at,
                    });
                    if let Some(v) = &value {
                        match crate::output::entries::serde_value(v) {
                            Some(value) => o["value"] = value,
                            None => o["value_raw"] = json!(v),
                        }
                    }
                    if self.format == Format::Json {
                        serde_json::to_writer_pretty(&mut *ctx.out, &o)?;
                    } else {
                        serde_json::to_writer(&mut *ctx.out, &o)?;
                    }
                    writeln!(ctx.out)?;
                }
                Format::Csv => {
                    if !self.csv_header_done {
                        writeln!(
                            ctx.out,
                            "type,at,plugin_id,namespace,key,created_at,expires_at"
                        )?;
                        self.csv_header_done = true;
                    }
                    let mut w = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(&mut *ctx.out);
                    w.write_record([
                        e.kind.as_str().to_string(),
                        now.to_string(),
                        e.plugin_id.clone(),
                        e.namespace.clone(),
                        e.key.clone(),
                        e.created_at.to_string(),
                        e.expires_at.map(|t| t.to_string()).unwrap_or_default(),
                    ])
                    .map_err(|err| Error::new(Kind::Csv, err.to_string()))?;
                    w.flush()?;
                }
                Format::Table | Format::Wide => {
                    let what = match e.kind {
                        EventType::Stale => format!(
                            "no write for {} (newest {})",
                            timefmt::format_span(now - e.created_at),
                            timefmt::format_abs(e.created_at)
                        ),
                        _ => format!(
                            "{}  {}",
                            escape_control(&e.key),
                            crate::output::entries::expiry_text(e.expires_at, now)
                        ),
                    };
                    writeln!(
                        ctx.out,
                        "{}  {:<7}  {}/{}  {what}",
                        timefmt::format_abs(now),
                        e.kind.as_str(),
                        escape_control(&e.plugin_id),
                        escape_control(&e.namespace),
                    )?;
                }
            }
        }
        ctx.out.flush()?;
        Ok(())
    }
}
