//! Entries in every format. JSON carries the stored value itself (never a string
//! holding JSON); a row whose value does not parse keeps its text in `value_raw`.

use super::columns::{Column, Table};
use super::json_lines::{self, JsonLines};
use super::{Term, escape_control};
use crate::error::Result;
use crate::output::Format;
use crate::store::Entry;
use crate::store::catalog::{self, Context, DVal, Decoded, Derived, Spec, Src};
use crate::store::known;
use crate::store::rules::is_live;
use crate::store::value;
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
    pub value: Option<JsonValue<'a>>,
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
    /// A time beyond 2^53-1: the runtime's `entries()` of this namespace and `lookup()`
    /// of this key fail (`statectl prune` removes the row).
    #[serde(skip_serializing_if = "is_false")]
    pub unreadable_time: bool,
    /// A secret namespace's value left out (`--show-secrets` prints it).
    #[serde(skip_serializing_if = "is_false")]
    pub redacted: bool,
    /// The decoded fields of a known namespace (not with `--raw`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<catalog::DecodedObject>,
    /// Why the key or value did not (fully) decode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<String>,
    /// Why the key disagrees with the value (`store::integrity`), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_mismatch: Option<String>,
    /// `inspect` of a `telegram.update-offsets` row: the record against openclaw.json.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotationJson>,
}

/// `{"status": "token-rotated", "message": "..."}`; status null when the
/// configuration cannot tell.
#[derive(Serialize)]
pub struct RotationJson {
    pub status: Option<&'static str>,
    pub message: String,
}

impl From<&crate::store::offsets::Rotation> for RotationJson {
    fn from(r: &crate::store::offsets::Rotation) -> Self {
        RotationJson {
            status: r.code(),
            message: r.text(),
        }
    }
}

/// A stored value inside a JSON document: the stored text itself, or (when it has
/// whitespace around or between tokens, which would break a JSON line) the same JSON
/// without that whitespace.
pub enum JsonValue<'a> {
    Stored(&'a RawValue),
    Compacted(Box<RawValue>),
}

impl Serialize for JsonValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            JsonValue::Stored(r) => r.serialize(s),
            JsonValue::Compacted(r) => r.serialize(s),
        }
    }
}

/// The stored value as JSON to embed, or `None` when it must travel as text in
/// `value_raw` (corrupt, or a BLOB).
pub fn json_value(value_json: &str, blob: bool) -> Option<JsonValue<'_>> {
    match value::embed(value_json, blob) {
        value::Embed::Verbatim(r) => Some(JsonValue::Stored(r)),
        value::Embed::Compacted(r) => Some(JsonValue::Compacted(r)),
        value::Embed::Text => None,
    }
}

/// Whether the runtime cannot read the row's value (`store::value::verdict`).
pub fn is_corrupt(e: &Entry) -> bool {
    !value::verdict(&e.value_json, e.blob).is_valid()
}

/// The value as a `serde_json::Value` (for documents built as values), or `None` when
/// serde_json cannot hold it (a lone surrogate, `1e400`, depth beyond 128, corrupt).
pub fn serde_value(value_json: &str) -> Option<serde_json::Value> {
    serde_json::from_str(value_json).ok()
}

impl<'a> EntryJson<'a> {
    pub fn new(e: &'a Entry, now: Ms, redact: bool) -> Self {
        let parsed = if redact {
            None
        } else {
            json_value(&e.value_json, e.blob)
        };
        // A value that embeds has been validated already.
        let corrupt = parsed.is_none() && is_corrupt(e);
        EntryJson {
            plugin_id: &e.plugin_id,
            namespace: &e.namespace,
            key: &e.key,
            value_raw: (parsed.is_none() && !redact).then_some(e.value_json.as_str()),
            value: parsed,
            created_at: e.created_at,
            expires_at: e.expires_at,
            created_at_iso: format_abs(e.created_at),
            expires_at_iso: e.expires_at.map(format_abs),
            ttl_ms: e.expires_at.map(|t| t.saturating_sub(now).max(0)),
            expired: !is_live(e.expires_at, now),
            size_bytes: e.size_bytes(),
            corrupt,
            unreadable_time: !unreadable_time(e).is_empty(),
            redacted: redact,
            decoded: None,
            decode_error: None,
            key_mismatch: None,
            rotation: None,
        }
    }

    /// Adds the `decoded` object and, when something did not decode, `decode_error`.
    pub fn with_decoded(mut self, d: Option<Decoded>) -> Self {
        if let Some(d) = d {
            self.decoded = Some(catalog::DecodedObject(d.fields));
            self.decode_error = d.problem;
            self.key_mismatch = d.key_mismatch;
        }
        self
    }
}

/// An entry decoded by its namespace's spec; personal fields only when the namespace
/// is not secret or `--show-secrets` is given.
pub fn decode(e: &Entry, show_secrets: bool, cx: &Context) -> Option<Decoded> {
    let spec = catalog::spec(&e.plugin_id, &e.namespace)?;
    let show_personal = show_secrets || !known::policy(&e.plugin_id, &e.namespace).secret;
    Some(spec.decode_in(&e.namespace, &e.key, &e.value_json, show_personal, cx))
}

/// One entry as the JSON object of `ls -o json`/`-o jsonl` (or its key alone with
/// `--keys-only`), without a separator.
pub fn write_json<W: Write>(
    out: &mut W,
    e: &Entry,
    opts: &json_lines::Options,
) -> std::io::Result<()> {
    if opts.keys_only {
        return Ok(serde_json::to_writer(&mut *out, &e.key)?);
    }
    let redact = redact(e, opts.show_secrets);
    let decoded = if opts.decoded {
        decode(e, opts.show_secrets, &opts.cx)
    } else {
        None
    };
    let json = EntryJson::new(e, opts.now, redact).with_decoded(decoded);
    // Generic, not `dyn Write`: serde_json writes every token and string piece
    // separately, and a call through a vtable for each cost a sixth of a listing.
    Ok(serde_json::to_writer(&mut *out, &json)?)
}

/// What `inspect` adds about one entry beyond its fields: a key that disagrees with
/// its value, and a Telegram offset against the configured bot.
pub fn diagnosis(e: &Entry) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(why) = decode(e, true, &Context::default()).and_then(|d| d.key_mismatch) {
        out.push(("integrity", format!("KEY MISMATCH: {why}")));
    }
    let rotation = crate::store::offsets::of_row(&e.plugin_id, &e.namespace, &e.key, &e.value_json);
    if let Some(r) = rotation {
        out.push(("bot", r.text()));
    }
    out
}

/// A decoded value as a table cell: times relative to `now`, lists joined.
pub fn dval_cell(v: &DVal, now: Ms) -> String {
    match v {
        DVal::Null => "-".into(),
        DVal::Time(t) => format_rel(*t, now),
        DVal::Span(ms) => crate::timefmt::format_span(*ms),
        DVal::List(l) if l.is_empty() => "-".into(),
        DVal::List(l) => l.join(","),
        DVal::Text(t) => t.clone(),
        other => other.texts().join(","),
    }
}

/// Whether an entry's value must be hidden: secret namespaces unless `--show-secrets`.
pub fn redact(e: &Entry, show_secrets: bool) -> bool {
    !show_secrets && known::policy(&e.plugin_id, &e.namespace).secret
}

/// The columns of `e` holding a time the runtime cannot read (beyond 2^53-1).
pub fn unreadable_time(e: &Entry) -> Vec<&'static str> {
    use crate::store::rules::time_readable;
    let mut cols = Vec::new();
    if !time_readable(e.created_at) {
        cols.push("created_at");
    }
    if e.expires_at.is_some_and(|t| !time_readable(t)) {
        cols.push("expires_at");
    }
    cols
}

/// The expiry cell of a table: [`expiry_text`], or what makes the row unreadable.
pub fn expiry_cell(e: &Entry, now: Ms) -> String {
    let bad = unreadable_time(e);
    if bad.is_empty() {
        expiry_text(e.expires_at, now)
    } else {
        format!("UNREADABLE: {} above 2^53-1", bad.join(" and "))
    }
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
    } else if is_corrupt(e) {
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
    /// Decoded view: JSON `decoded` objects, decoded table columns; off with `--raw`.
    decoded: bool,
    /// CSV appends the decoded fields of this namespace (`--decoded`).
    csv_spec: Option<&'static Spec>,
    /// What decoding knows beyond each row (`--now`, memory-host journal tails).
    cx: Context,
    count: u64,
    table_rows: Vec<Entry>,
    csv: Option<csv::Writer<&'w mut dyn Write>>,
    /// JSON and JSONL: the entries are rendered on other threads (`json_lines`).
    lines: Option<JsonLines>,
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
            decoded: true,
            csv_spec: None,
            cx: Context::default(),
            count: 0,
            table_rows: Vec::new(),
            csv,
            lines: None,
        }
    }

    /// `--raw`: keys and values as stored, no decoded fields.
    pub fn raw(mut self, raw: bool) -> Self {
        self.decoded = !raw;
        self
    }

    /// `--decoded` for CSV: append the decoded fields of `spec`.
    pub fn csv_decoded(mut self, spec: Option<&'static Spec>) -> Self {
        self.csv_spec = spec;
        self
    }

    /// The decoding context of the listing (`store::context::for_selection`).
    pub fn context(mut self, cx: Context) -> Self {
        self.cx = cx;
        self
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
                let lines = self.lines.get_or_insert_with(|| {
                    JsonLines::start(json_lines::Options {
                        list: self.format == Format::Json,
                        now: self.now,
                        show_secrets: self.show_secrets,
                        keys_only: self.keys_only,
                        decoded: self.decoded,
                        cx: std::mem::take(&mut self.cx),
                    })
                });
                lines.push(e, &mut **out)?;
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
        let spec = self.csv_spec.filter(|_| !self.keys_only);
        let show_personal = self.show_secrets || !known::policy(&e.plugin_id, &e.namespace).secret;
        if first {
            let header = csv_header(self.keys_only, spec, show_personal);
            w.write_record(&header).map_err(csv_err)?;
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
            let mut record = vec![
                escape_control(&e.plugin_id).into_owned(),
                escape_control(&e.namespace).into_owned(),
                escape_control(&e.key).into_owned(),
                escape_control(&value).into_owned(),
                e.created_at.to_string(),
                e.expires_at.map(|t| t.to_string()).unwrap_or_default(),
                (!is_live(e.expires_at, self.now)).to_string(),
                e.size_bytes().to_string(),
            ];
            if let Some(spec) = spec {
                let d = spec.matches(&e.plugin_id, &e.namespace).then(|| {
                    spec.decode_in(&e.namespace, &e.key, &e.value_json, show_personal, &self.cx)
                });
                for f in spec.visible_fields(show_personal) {
                    let v = d.as_ref().and_then(|d| d.get(&f.name));
                    record.push(match v {
                        None | Some(DVal::Null) => String::new(),
                        Some(DVal::List(l)) => {
                            escape_control(&serde_json::to_string(l)?).into_owned()
                        }
                        Some(v) => escape_control(&v.texts().join("")).into_owned(),
                    });
                }
                record.push(match &d {
                    Some(d) => {
                        escape_control(d.problem.as_deref().unwrap_or_default()).into_owned()
                    }
                    None => "not in this namespace".into(),
                });
                if spec.key_rule.is_some() {
                    let mismatch = d.as_ref().and_then(|d| d.key_mismatch.as_deref());
                    record.push(escape_control(mismatch.unwrap_or_default()).into_owned());
                }
            }
            w.write_record(&record).map_err(csv_err)?;
        }
        Ok(())
    }

    /// When the listing stopped at an error: writes out the JSON entries read before
    /// it (and not the closing of a JSON list), as a listing on one thread would have.
    pub fn abandon(mut self) -> Result<()> {
        if let (Some(lines), Some(out)) = (self.lines.take(), self.out.as_mut()) {
            lines.finish(&mut **out)?;
        }
        Ok(())
    }

    /// Closes the output; returns how many entries were written.
    pub fn finish(mut self) -> Result<u64> {
        if let Some(w) = self.csv.as_mut() {
            w.flush()?;
        }
        if let (Some(lines), Some(out)) = (self.lines.take(), self.out.as_mut()) {
            lines.finish(&mut **out)?;
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

    /// KEY, the decoded fields, CREATED and EXPIRES; rows that do not decode show their
    /// raw value in a RAW column, marked with the reason. KEY is never cut; decoded
    /// columns are optional (the last ones go first), details only with `-o wide`.
    fn decoded_table(&self, spec: &Spec) -> Table {
        let first = &self.table_rows[0];
        let show_personal =
            self.show_secrets || !known::policy(&first.plugin_id, &first.namespace).secret;
        let wide = self.format == Format::Wide;
        let fields: Vec<&catalog::Field> = spec
            .visible_fields(show_personal)
            .filter(|f| wide || !f.detail)
            .collect();
        let decoded: Vec<Decoded> = self
            .table_rows
            .iter()
            .map(|e| spec.decode_in(&e.namespace, &e.key, &e.value_json, show_personal, &self.cx))
            .collect();
        let any_problem = decoded.iter().any(|d| d.problem.is_some());
        let any_mismatch = decoded.iter().any(|d| d.key_mismatch.is_some());
        let mut columns = vec![Column::keep("KEY")];
        for (i, f) in fields.iter().enumerate() {
            let header = f.name.to_uppercase().replace('_', "-");
            columns.push(Column::optional(&header, 200u8.saturating_sub(i as u8)));
        }
        columns.push(Column::optional("CREATED", 100));
        columns.push(Column::keep("EXPIRES"));
        if any_mismatch {
            columns.push(Column::shrink("INTEGRITY", 14));
        }
        if any_problem {
            columns.push(Column::shrink("RAW", 10));
        }
        let mut t = Table::new(columns);
        let mapped = crate::store::config::namespace_account(&first.plugin_id, &first.namespace)
            .is_some_and(|(_, name)| name.is_some());
        for (e, d) in self.table_rows.iter().zip(&decoded) {
            let mut cells = vec![e.key.clone()];
            for f in &fields {
                let mut cell = d
                    .get(&f.name)
                    .map_or("-".into(), |v| dval_cell(v, self.now));
                if mapped && matches!(f.src, Src::Derived(Derived::NamespaceHashShort)) {
                    cell.push_str(" (from openclaw.json)");
                }
                cells.push(cell);
            }
            cells.push(format_rel(e.created_at, self.now));
            cells.push(expiry_cell(e, self.now));
            if any_mismatch {
                cells.push(
                    d.key_mismatch
                        .as_ref()
                        .map_or(String::new(), |why| format!("KEY MISMATCH: {why}")),
                );
            }
            if any_problem {
                cells.push(match &d.problem {
                    None => String::new(),
                    Some(why) => {
                        let redact = redact(e, self.show_secrets);
                        format!("<not decoded: {why}> {}", value_cell(e, redact))
                    }
                });
            }
            t.row(cells);
        }
        t
    }

    /// KEY, CREATED, EXPIRES, SIZE and VALUE as stored.
    fn raw_table(&self, mixed: bool) -> Table {
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
                expiry_cell(e, self.now),
                e.size_bytes().to_string(),
                value_cell(e, redact),
            ];
            if mixed {
                cells.splice(0..0, [e.plugin_id.clone(), e.namespace.clone()]);
            }
            t.row(cells);
        }
        t
    }

    fn write_table(&mut self) -> Result<()> {
        if self.table_rows.is_empty() || self.out.is_none() {
            return Ok(());
        }
        let first = &self.table_rows[0];
        let mixed = self
            .table_rows
            .iter()
            .any(|e| e.plugin_id != first.plugin_id || e.namespace != first.namespace);
        let spec = if self.decoded && !mixed {
            catalog::spec(&first.plugin_id, &first.namespace)
        } else {
            None
        };
        let t = match spec {
            Some(spec) => self.decoded_table(spec),
            None => self.raw_table(mixed),
        };
        let wide = self.format == Format::Wide;
        if let Some(out) = self.out.as_mut() {
            t.write(*out, self.term, wide)?;
        }
        Ok(())
    }
}

/// The CSV header: `key` alone with `--keys-only`, else the entry columns, then with
/// `--decoded` the spec's visible fields, `decode_error` and (where the grammar says
/// how) `key_mismatch`.
fn csv_header(keys_only: bool, spec: Option<&Spec>, show_personal: bool) -> Vec<String> {
    let mut header: Vec<String> = if keys_only {
        vec!["key".into()]
    } else {
        [
            "plugin_id",
            "namespace",
            "key",
            "value",
            "created_at",
            "expires_at",
            "expired",
            "size_bytes",
        ]
        .map(String::from)
        .to_vec()
    };
    if let Some(spec) = spec {
        header.extend(
            spec.visible_fields(show_personal)
                .map(|f| format!("decoded.{}", f.name)),
        );
        header.push("decode_error".into());
        if spec.key_rule.is_some() {
            header.push("key_mismatch".into());
        }
    }
    header
}
