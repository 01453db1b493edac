//! Entries in every format. JSON carries the stored value itself (never a string
//! holding JSON); a row whose value does not parse keeps its text in `value_raw`.

use super::columns::{Column, Table};
use super::{Term, escape_control};
use crate::error::Result;
use crate::output::Format;
use crate::store::Entry;
use crate::store::known;
use crate::store::rules::is_live;
use crate::timefmt::{Ms, format_abs, format_rel};
use serde::Serialize;
use serde_json::value::RawValue;
use std::io::Write;

fn is_false(b: &bool) -> bool {
    !*b
}

/// The JSON shape of an entry (cli-contract.md).
#[derive(Serialize)]
pub struct EntryJson<'a> {
    pub plugin_id: &'a str,
    pub namespace: &'a str,
    pub key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_raw: Option<&'a str>,
    pub created_at: Ms,
    pub expires_at: Option<Ms>,
    /// `created_at` as RFC 3339 in UTC.
    pub created_at_iso: String,
    /// `expires_at` as RFC 3339 in UTC; null without a TTL.
    pub expires_at_iso: Option<String>,
    /// Milliseconds left until `expires_at` (0 once expired); null without a TTL.
    pub ttl_ms: Option<Ms>,
    pub expired: bool,
    pub size_bytes: usize,
    #[serde(skip_serializing_if = "is_false")]
    pub corrupt: bool,
    /// A secret namespace's value left out (`--show-secrets` prints it).
    #[serde(skip_serializing_if = "is_false")]
    pub redacted: bool,
}

/// The stored value as JSON, or `None` when it does not parse (a corrupt row).
pub fn parse_value(value_json: &str) -> Option<&RawValue> {
    serde_json::from_str::<&RawValue>(value_json).ok()
}

impl<'a> EntryJson<'a> {
    pub fn new(e: &'a Entry, now: Ms, redact: bool) -> Self {
        let parsed = parse_value(&e.value_json);
        let corrupt = parsed.is_none();
        EntryJson {
            plugin_id: &e.plugin_id,
            namespace: &e.namespace,
            key: &e.key,
            value: if redact { None } else { parsed },
            value_raw: (corrupt && !redact).then_some(e.value_json.as_str()),
            created_at: e.created_at,
            expires_at: e.expires_at,
            created_at_iso: format_abs(e.created_at),
            expires_at_iso: e.expires_at.map(format_abs),
            ttl_ms: e.expires_at.map(|t| t.saturating_sub(now).max(0)),
            expired: !is_live(e.expires_at, now),
            size_bytes: e.size_bytes(),
            corrupt,
            redacted: redact,
        }
    }
}

/// Whether an entry's value must be hidden: secret namespaces unless `--show-secrets`.
pub fn redact(e: &Entry, show_secrets: bool) -> bool {
    !show_secrets && known::policy(&e.plugin_id, &e.namespace).secret
}

/// `in 29m 59s`, `never`, or `expired 3m ago`.
pub fn expiry_text(expires_at: Option<Ms>, now: Ms) -> String {
    match expires_at {
        None => "never".to_string(),
        Some(t) if t > now => format_rel(t, now),
        Some(t) => format!("expired {}", format_rel(t, now)),
    }
}

/// The value as a table shows it: compact text, or a placeholder.
pub fn value_cell(e: &Entry, redact: bool) -> String {
    if redact {
        format!("<secret: {} bytes, --show-secrets>", e.size_bytes())
    } else if parse_value(&e.value_json).is_none() {
        format!("<corrupt> {}", e.value_json)
    } else {
        e.value_json.clone()
    }
}

/// Receives entries one at a time and renders them; JSON, JSONL and CSV stream,
/// a table is laid out at the end.
pub struct EntrySink<'w> {
    format: Format,
    /// Where rows go; inside `csv` instead when the format is CSV.
    out: Option<&'w mut dyn Write>,
    term: Term,
    now: Ms,
    show_secrets: bool,
    keys_only: bool,
    count: u64,
    table_rows: Vec<Entry>,
    csv: Option<csv::Writer<&'w mut dyn Write>>,
}

impl<'w> EntrySink<'w> {
    pub fn new(
        format: Format,
        out: &'w mut dyn Write,
        term: Term,
        now: Ms,
        show_secrets: bool,
        keys_only: bool,
    ) -> Self {
        let (out, csv) = if format == Format::Csv {
            (None, Some(csv::Writer::from_writer(out)))
        } else {
            (Some(out), None)
        };
        EntrySink {
            format,
            out,
            term,
            now,
            show_secrets,
            keys_only,
            count: 0,
            table_rows: Vec::new(),
            csv,
        }
    }

    pub fn push(&mut self, e: Entry) -> Result<()> {
        let first = self.count == 0;
        self.count += 1;
        if self.format == Format::Csv {
            return self.csv_row(&e, first);
        }
        if self.format.is_table() && !self.keys_only {
            self.table_rows.push(e);
            return Ok(());
        }
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        match self.format {
            Format::Json | Format::Jsonl => {
                if self.format == Format::Json {
                    out.write_all(if first { b"[\n" } else { b",\n" })?;
                }
                if self.keys_only {
                    serde_json::to_writer(&mut *out, &e.key)?;
                } else {
                    let redact = redact(&e, self.show_secrets);
                    serde_json::to_writer(&mut *out, &EntryJson::new(&e, self.now, redact))?;
                }
                if self.format == Format::Jsonl {
                    out.write_all(b"\n")?;
                }
            }
            _ => writeln!(out, "{}", escape_control(&e.key))?,
        }
        Ok(())
    }

    fn csv_row(&mut self, e: &Entry, first: bool) -> Result<()> {
        let Some(w) = self.csv.as_mut() else {
            return Ok(());
        };
        let csv_err = crate::error::Error::from;
        if first {
            let header: &[&str] = if self.keys_only {
                &["key"]
            } else {
                &[
                    "plugin_id",
                    "namespace",
                    "key",
                    "value",
                    "created_at",
                    "expires_at",
                    "expired",
                    "size_bytes",
                ]
            };
            w.write_record(header).map_err(csv_err)?;
        }
        if self.keys_only {
            w.write_record([escape_control(&e.key).as_ref()])
                .map_err(csv_err)?;
        } else {
            let redact = redact(e, self.show_secrets);
            let value = if redact {
                String::new()
            } else {
                e.value_json.clone()
            };
            w.write_record([
                escape_control(&e.plugin_id).into_owned(),
                escape_control(&e.namespace).into_owned(),
                escape_control(&e.key).into_owned(),
                escape_control(&value).into_owned(),
                e.created_at.to_string(),
                e.expires_at.map(|t| t.to_string()).unwrap_or_default(),
                (!is_live(e.expires_at, self.now)).to_string(),
                e.size_bytes().to_string(),
            ])
            .map_err(csv_err)?;
        }
        Ok(())
    }

    /// Closes the output; returns how many entries were written.
    pub fn finish(mut self) -> Result<u64> {
        if let Some(w) = self.csv.as_mut() {
            w.flush()?;
        }
        match (self.format, self.out.as_mut()) {
            (Format::Json, Some(out)) => {
                out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            (Format::Table | Format::Wide, Some(_)) if !self.keys_only => self.write_table()?,
            _ => {}
        }
        Ok(self.count)
    }

    fn write_table(&mut self) -> Result<()> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        if self.table_rows.is_empty() {
            return Ok(());
        }
        let first = &self.table_rows[0];
        let mixed = self
            .table_rows
            .iter()
            .any(|e| e.plugin_id != first.plugin_id || e.namespace != first.namespace);
        // KEY (and PLUGIN/NAMESPACE) are never cut; SIZE goes first, then VALUE shrinks.
        let mut columns = vec![
            Column::keep("KEY"),
            Column::keep("CREATED"),
            Column::keep("EXPIRES"),
            Column::optional("SIZE", 1),
            Column::shrink("VALUE", 10),
        ];
        if mixed {
            columns.splice(0..0, [Column::keep("PLUGIN"), Column::keep("NAMESPACE")]);
        }
        let mut t = Table::new(columns);
        for e in &self.table_rows {
            let redact = redact(e, self.show_secrets);
            let mut cells = vec![
                e.key.clone(),
                format_rel(e.created_at, self.now),
                expiry_text(e.expires_at, self.now),
                e.size_bytes().to_string(),
                value_cell(e, redact),
            ];
            if mixed {
                cells.splice(0..0, [e.plugin_id.clone(), e.namespace.clone()]);
            }
            t.row(cells);
        }
        t.write(*out, self.term, self.format == Format::Wide)?;
        Ok(())
    }
}
