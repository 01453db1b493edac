//! `statectl watch` rendered: one line per event for people, one JSON object per event,
//! or CSV rows under one header printed once.

use crate::Ctx;
use crate::error::{Error, Kind, Result};
use crate::output::escape_control;
use crate::output::format::Format;
use crate::timefmt::{self, Ms};
use crate::watch::{Event, EventType};
use serde_json::json;

/// Prints events as they come; remembers whether the CSV header is out.
pub struct Printer {
    format: Format,
    csv_header_done: bool,
}

impl Printer {
    pub fn new(format: Format) -> Printer {
        Printer {
            format,
            csv_header_done: false,
        }
    }

    /// Prints `events`, each with the value it shows (`values`, same order), and flushes.
    pub fn print(
        &mut self,
        ctx: &mut Ctx,
        events: &[Event],
        values: &[Option<String>],
        now: Ms,
    ) -> Result<()> {
        for (e, value) in events.iter().zip(values) {
            match self.format {
                Format::Json | Format::Jsonl => self.json(ctx, e, value.as_deref(), now)?,
                Format::Csv => self.csv(ctx, e, now)?,
                Format::Table | Format::Wide => line(ctx, e, now)?,
            }
        }
        ctx.out.flush()?;
        Ok(())
    }

    fn json(&self, ctx: &mut Ctx, e: &Event, value: Option<&str>, now: Ms) -> Result<()> {
        let mut o = json!({
            "type": e.kind,
            "at": now,
            "plugin_id": e.plugin_id,
            "namespace": e.namespace,
            "key": (e.kind != EventType::Stale).then_some(&e.key),
            "created_at": e.created_at,
            "expires_at": e.expires_at,
        });
        if let Some(v) = value {
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
        Ok(())
    }

    fn csv(&mut self, ctx: &mut Ctx, e: &Event, now: Ms) -> Result<()> {
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
        Ok(())
    }
}

/// `2026-12-02T10:00:00.000Z  ADDED    plugin/namespace  key  expiry` for people.
fn line(ctx: &mut Ctx, e: &Event, now: Ms) -> Result<()> {
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
    Ok(())
}
