//! The export file: JSONL with a header line, one line per entry, and a trailer with
//! the entry count and the sha256 of all entry lines (each with its `\n`). `value`
//! embeds the stored `value_json` text verbatim, so an export then an import
//! reproduces every byte of `value_json`, `created_at` and `expires_at`.

use crate::error::{Error, Kind, Result};
use crate::interrupt;
use crate::store::rules::{self, RuleSet};
use crate::store::seen::Seen;
use crate::store::{Db, Entry, Selection, known, query, value};
use crate::timefmt::Ms;
use crate::timefmt::system_now_ms;
use indicatif::ProgressBar;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::io::{BufRead, Write};

pub const FORMAT_VERSION: u64 = 1;

/// One entry line as written.
#[derive(Serialize)]
struct LineOut<'a> {
    plugin_id: &'a str,
    namespace: &'a str,
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_raw: Option<&'a str>,
    /// The stored value was a BLOB (carried as text; no runtime reads it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    blob: bool,
    created_at: Ms,
    expires_at: Option<Ms>,
}

/// `value` when the stored text can travel verbatim as JSON on one line; otherwise the
/// text goes in `value_raw` as a string, byte for byte (whitespace around or between
/// tokens, a corrupt value, a BLOB). Whether
/// the runtime can read it is `store::value`'s verdict, not the field it travels in.
fn verbatim(e: &Entry) -> Option<&RawValue> {
    match value::embed(&e.value_json, e.blob) {
        value::Embed::Verbatim(raw) => Some(raw),
        _ => None,
    }
}

/// Writes an export: header first, entries streamed, trailer on `finish`. Entry lines
/// go out in chunks of [`CHUNK`] bytes, and their sha256 runs on a worker thread,
/// beside the reads and the JSON (it was a tenth of an export's time).
pub struct ExportWriter<W: Write> {
    out: W,
    digest: HashThread,
    count: u64,
    chunk: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

/// The sha256 of the entry lines, on a thread fed through a bounded channel: at most
/// `IN_FLIGHT` chunks wait for it.
struct HashThread {
    to: std::sync::mpsc::SyncSender<Vec<u8>>,
    done: std::thread::JoinHandle<Sha256>,
}

impl HashThread {
    const IN_FLIGHT: usize = 4;

    fn start() -> Result<HashThread> {
        let (to, chunks) = std::sync::mpsc::sync_channel::<Vec<u8>>(Self::IN_FLIGHT);
        let done = std::thread::Builder::new()
            .name("export-sha256".into())
            .spawn(move || {
                let mut hasher = Sha256::new();
                for c in chunks {
                    hasher.update(&c);
                }
                hasher
            })?;
        Ok(HashThread { to, done })
    }

    fn update(&self, chunk: Vec<u8>) {
        // A failed send means the thread panicked; `finish` reports it.
        let _ = self.to.send(chunk);
    }

    fn finish(self) -> Result<String> {
        drop(self.to);
        let hasher = self
            .done
            .join()
            .map_err(|_| Error::new(Kind::Runtime, "the sha256 thread of the export stopped"))?;
        Ok(hex(&hasher.finalize()))
    }
}

impl<W: Write> ExportWriter<W> {
    pub fn new(mut out: W, header: &serde_json::Value) -> Result<Self> {
        serde_json::to_writer(&mut out, header)?;
        out.write_all(b"\n")?;
        Ok(ExportWriter {
            out,
            digest: HashThread::start()?,
            count: 0,
            chunk: Vec::with_capacity(CHUNK + 1024),
        })
    }

    pub fn entry(&mut self, e: &Entry) -> Result<()> {
        let value = verbatim(e);
        let line = LineOut {
            plugin_id: &e.plugin_id,
            namespace: &e.namespace,
            key: &e.key,
            value,
            value_raw: value.is_none().then_some(e.value_json.as_str()),
            blob: e.blob,
            created_at: e.created_at,
            expires_at: e.expires_at,
        };
        serde_json::to_writer(&mut self.chunk, &line)?;
        self.chunk.push(b'\n');
        self.count += 1;
        if self.chunk.len() >= CHUNK {
            self.send_chunk()?;
        }
        Ok(())
    }

    /// Writes the chunk out and hands it to the hash thread.
    fn send_chunk(&mut self) -> Result<()> {
        self.out.write_all(&self.chunk)?;
        let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK + 1024));
        self.digest.update(full);
        Ok(())
    }

    /// Writes the trailer; returns the writer and the number of entries.
    pub fn finish(mut self) -> Result<(W, u64)> {
        self.send_chunk()?;
        let digest = self.digest.finish()?;
        let trailer =
            serde_json::json!({"statectl_export_end": {"entries": self.count, "sha256": digest}});
        serde_json::to_writer(&mut self.out, &trailer)?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok((self.out, self.count))
    }
}

/// The header line describing where an export came from and what it selected.
pub fn header(db: &Db, now: i64, selection: serde_json::Value) -> serde_json::Value {
    json!({
        "statectl_export": FORMAT_VERSION,
        "exported_at": system_now_ms(),
        "now": now,
        "source": {
            "path": db.path.display().to_string(),
            "layout": db.schema.layout.as_str(),
            "schema_version": db.schema.effective_version,
            "app_version": db.schema.app_version,
        },
        "selection": selection,
    })
}

/// Streams the entries of `selections` into an export, inside one read transaction.
/// Returns the count and the secret namespaces included.
pub fn write_export<W: Write>(
    db: &Db,
    selections: &[Selection],
    header: &serde_json::Value,
    out: W,
    exclude_secrets: bool,
    bar: &ProgressBar,
) -> Result<(W, u64, BTreeSet<String>)> {
    let mut w = ExportWriter::new(out, header)?;
    let mut secrets = BTreeSet::new();
    query::widen_cache_for_export(&db.conn)?;
    db.in_snapshot(|| -> Result<()> {
        for sel in selections {
            query::for_each_entry(&db.conn, sel, None, |e| {
                interrupt::check(|| {
                    "the export stopped before its end; what was written has no trailer, so import refuses it".into()
                })?;
                if known::policy(&e.plugin_id, &e.namespace).secret {
                    if exclude_secrets {
                        return Ok(());
                    }
                    secrets.insert(format!("{}/{}", e.plugin_id, e.namespace));
                }
                bar.inc(1);
                w.entry(&e)
            })?;
        }
        Ok(())
    })?;
    let (out, n) = w.finish()?;
    Ok((out, n, secrets))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The export header as read back.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Header {
    pub statectl_export: u64,
    pub exported_at: Ms,
    pub now: Ms,
    pub source: serde_json::Value,
    #[serde(default)]
    pub selection: serde_json::Value,
}

/// Deserializes a field that must be present but may be null.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A present `value`, `null` included (plain `Option` would read `null` as absent).
fn raw_present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// One entry line as read.
#[derive(Deserialize)]
struct LineIn<'a> {
    plugin_id: String,
    namespace: String,
    key: String,
    #[serde(borrow, default, deserialize_with = "raw_present")]
    value: Option<&'a RawValue>,
    #[serde(default)]
    value_raw: Option<String>,
    #[serde(default)]
    blob: bool,
    created_at: i64,
    #[serde(default, deserialize_with = "present")]
    expires_at: Option<Option<i64>>,
}

/// An entry read from an export, and whether the target runtime can take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportEntry {
    pub line: u64,
    pub entry: Entry,
    /// Why the target cannot take this row (`store::value::can_take`); `None`: it is
    /// carried byte for byte.
    pub refused: Option<String>,
    /// Whether the runtime can read the value (`store::value::verdict`).
    pub readable: bool,
}

fn bad(line: u64, msg: impl std::fmt::Display) -> Error {
    Error::new(Kind::InvalidExport, format!("line {line}: {msg}"))
}

/// The key index runs behind the reader: a duplicate it finds at or before `line`, the
/// line of the reader's error, is the file's first error, as is one found at the end.
fn first_error(read: Result<()>, seen: Option<&mut Seen>, line: u64) -> Result<()> {
    let late = match seen {
        Some(s) => s.finish()?,
        None => None,
    };
    match late {
        Some(d) if read.is_ok() || d.line <= line => Err(duplicate(d)),
        _ => read,
    }
}

fn duplicate(d: crate::store::seen::Duplicate) -> Error {
    bad(
        d.line,
        format!("duplicate key '{}' in {}/{}", d.key, d.plugin, d.namespace),
    )
}

/// Parses one entry line. Only a line that is not an entry is an error (the file is
/// damaged); a well-formed entry the target cannot take comes back with `refused`
/// (`rules` = the target database's; `None` judges by the newest runtime's rules).
fn parse_entry(text: &str, line: u64, rules: Option<&RuleSet>) -> Result<ImportEntry> {
    let l: LineIn =
        serde_json::from_str(text).map_err(|e| bad(line, format!("not a valid entry: {e}")))?;
    let expires_at = l.expires_at.ok_or_else(|| {
        bad(
            line,
            "missing field `expires_at` (null when there is no TTL)",
        )
    })?;
    let value_json = match (l.value, l.value_raw) {
        (Some(v), None) => v.get().to_string(),
        (None, Some(raw)) => raw,
        (Some(_), Some(_)) => {
            return Err(bad(line, "both `value` and `value_raw`; an entry has one"));
        }
        (None, None) => return Err(bad(line, "missing field `value`")),
    };
    let entry = Entry {
        plugin_id: l.plugin_id,
        namespace: l.namespace,
        key: l.key,
        value_json,
        created_at: l.created_at,
        expires_at,
        blob: l.blob,
    };
    let (readable, takes) = value::judge(&entry, rules.unwrap_or(&rules::SHARED_V18));
    Ok(ImportEntry {
        line,
        entry,
        refused: takes.err(),
        readable,
    })
}

/// A row of an export the target runtime cannot take: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub line: u64,
    pub plugin_id: String,
    pub namespace: String,
    pub key: String,
    pub reason: String,
}

impl Refused {
    pub fn of(ie: &ImportEntry) -> Option<Refused> {
        ie.refused.as_ref().map(|reason| Refused {
            line: ie.line,
            plugin_id: ie.entry.plugin_id.clone(),
            namespace: ie.entry.namespace.clone(),
            key: ie.entry.key.clone(),
            reason: reason.clone(),
        })
    }
}

/// What a verified export holds.
#[derive(Debug, Clone)]
pub struct Summary {
    pub header: Header,
    pub entries: u64,
    pub sha256: String,
    /// Entries per (plugin, namespace).
    pub namespaces: BTreeMap<(String, String), u64>,
    /// Entries whose value the runtime cannot read (`store::value::verdict`).
    pub corrupt: u64,
    /// Entries the target (or, without one, the newest runtime) cannot take.
    pub refused: Vec<Refused>,
}

/// Opens an export file for [`read`].
/// Opens an export to read; `-` is stdin.
pub fn open(path: &std::path::Path) -> Result<Box<dyn BufRead>> {
    if path == std::path::Path::new("-") {
        return Ok(Box::new(std::io::BufReader::with_capacity(
            256 * 1024,
            std::io::stdin(),
        )));
    }
    let f = std::fs::File::open(path).map_err(|e| {
        Error::new(
            Kind::FileNotFound,
            format!("cannot open {}: {e}", path.display()),
        )
    })?;
    Ok(Box::new(std::io::BufReader::with_capacity(256 * 1024, f)))
}

/// For a reader that needs two passes (`import`): stdin (`-`), a pipe or a process
/// substitution (`<(...)`) can be read only once, so it is copied first to a private
/// (0600) temporary file, which goes away when dropped. `None`: a regular file, read
/// in place.
pub fn spool_if_stream(path: &std::path::Path) -> Result<Option<tempfile::NamedTempFile>> {
    let regular = path != std::path::Path::new("-")
        && std::fs::metadata(path).map(|m| m.is_file()).unwrap_or(true);
    if regular {
        return Ok(None);
    }
    let mut input = open(path)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".statectl-import-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile()
        .map_err(|e| Error::new(Kind::Io, format!("cannot create a temporary file: {e}")))?;
    std::io::copy(&mut input, tmp.as_file_mut()).map_err(|e| {
        Error::new(
            Kind::Io,
            format!(
                "cannot copy {} to a temporary file: {e}",
                if path == std::path::Path::new("-") {
                    "stdin".to_string()
                } else {
                    path.display().to_string()
                }
            ),
        )
    })?;
    Ok(Some(tmp))
}

/// Reads an export from start to end, checking the header, every entry, duplicate
/// keys, the count and the checksum, and hands each entry to `f`. Nothing is trusted
/// before the trailer has matched, so callers that write must do so only after a
/// first, verifying pass (or inside a transaction they can roll back).
/// Longest plugin id a line is allowed to carry (manifest ids are short).
const MAX_PLUGIN_ID_BYTES: usize = 512;

/// The longest line a legal export can hold: the newest rule set's value limit and the
/// largest key, namespace and plugin id, each as if every byte were written as a
/// six-byte `\u00XX` escape, plus the fixed fields. A longer line is refused as soon
/// as it passes this length, so a reader never holds more than this in memory.
pub const MAX_LINE_BYTES: usize = (rules::SHARED_V18.max_value_bytes
    + rules::MAX_KEY_BYTES
    + rules::MAX_NAMESPACE_BYTES
    + MAX_PLUGIN_ID_BYTES)
    * 6
    + 4096;

/// A line that starts a pretty-printed JSON object (`jq .` output).
fn opens_multiline_object(text: &str) -> bool {
    text.trim() == "{"
}

/// An export's lines, read one at a time (each at most [`MAX_LINE_BYTES`], UTF-8),
/// numbered from 1.
struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    /// The number of the last line read.
    n: u64,
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self) -> Result<Option<String>> {
        self.buf.clear();
        let read = std::io::Read::take(&mut self.input, MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut self.buf)?;
        if read == 0 {
            return Ok(None);
        }
        self.n += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > MAX_LINE_BYTES {
            return Err(bad(
                self.n,
                format!(
                    "the line is longer than {} bytes, more than any entry the runtime can store: not a statectl export, or damaged",
                    MAX_LINE_BYTES
                ),
            ));
        }
        String::from_utf8(std::mem::take(&mut self.buf))
            .map(Some)
            .map_err(|_| bad(self.n, "not UTF-8 text"))
    }
}

/// The header line: an export of a format version this statectl reads.
fn parse_header(first: &str) -> Result<Header> {
    if opens_multiline_object(first) {
        return Err(bad(
            1,
            "the file is pretty-printed JSON (jq . ?), not a statectl export: exports hold one object per line; use the original file",
        ));
    }
    let value: serde_json::Value = serde_json::from_str(first)
        .map_err(|_| bad(1, "not a statectl export header (not JSON)"))?;
    match value.get("statectl_export") {
        None => {
            return Err(bad(
                1,
                "not a statectl export header (no `statectl_export` field)",
            ));
        }
        Some(v) if v.as_u64() != Some(FORMAT_VERSION) => {
            return Err(bad(
                1,
                format!(
                    "export format version {v} is not supported (this statectl reads version {FORMAT_VERSION})"
                ),
            ));
        }
        Some(_) => {}
    }
    serde_json::from_value(value).map_err(|e| bad(1, format!("malformed header: {e}")))
}

/// The trailer (line `at`) agrees with the entries read: their count and checksum.
fn check_trailer(at: u64, trailer: &serde_json::Value, count: u64, sum: &str) -> Result<()> {
    let end = trailer
        .get("statectl_export_end")
        .ok_or_else(|| bad(at, "malformed trailer"))?;
    let want_count = end
        .get("entries")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| bad(at, "trailer without an entry count"))?;
    let want_sum = end
        .get("sha256")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad(at, "trailer without a sha256"))?;
    if want_count != count {
        return Err(bad(
            at,
            format!(
                "the trailer says {want_count} entries but the file has {count}: truncated or edited"
            ),
        ));
    }
    if sum != want_sum {
        return Err(bad(
            at,
            "checksum mismatch: the entry lines were edited or damaged after export",
        ));
    }
    Ok(())
}

/// A pass over a verified file read the same entry lines (`verified`: their digest
/// then, `sum`: now).
fn check_unchanged(at: u64, verified: Option<&str>, sum: &str) -> Result<()> {
    if verified.is_some_and(|want| want != sum) {
        return Err(bad(
            at,
            "the file changed since it was verified: its entry lines differ from the first pass",
        ));
    }
    Ok(())
}

/// A line where an entry belongs is one line of JSON: not empty, not the start of a
/// pretty-printed object.
fn check_entry_line(text: &str, n: u64) -> Result<()> {
    if text.is_empty() {
        return Err(bad(n, "empty line inside the export"));
    }
    if opens_multiline_object(text) {
        return Err(bad(
            n,
            "a multi-line JSON object starts here (the trailer pretty-printed, as by jq .?): the trailer must be one line, {\"statectl_export_end\":{...}}",
        ));
    }
    Ok(())
}

/// Whether an entry-position line is the trailer (which may have gained whitespace:
/// the checksum covers entry lines only).
fn is_trailer(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('{') && t[1..].trim_start().starts_with("\"statectl_export_end\"")
}

/// Reads and verifies an export, handing each entry to `f` (with the target's verdict
/// when `rules` is given); any damage to the file is an error naming its line.
pub fn read(
    input: impl BufRead,
    rules: Option<&RuleSet>,
    f: impl FnMut(ImportEntry) -> Result<()>,
) -> Result<Summary> {
    read_checked(input, rules, None, f)
}

/// An export file that [`read`] verified whole: where it is and the sha256 of its
/// entry lines, for the passes that read it again ([`Verified::read`]).
#[derive(Debug, Clone)]
pub struct Verified {
    pub path: std::path::PathBuf,
    pub sha256: String,
}

impl Verified {
    /// Reads the verified file again, checked as [`read`] checks it, except for the
    /// duplicate keys: its entry lines must hash to the digest of the verified pass
    /// (an error at the end otherwise, as for a damaged file), and those lines had no
    /// duplicate. The key index of that check is the costliest part of a pass.
    pub fn read(
        &self,
        rules: Option<&RuleSet>,
        f: impl FnMut(ImportEntry) -> Result<()>,
    ) -> Result<Summary> {
        read_checked(open(&self.path)?, rules, Some(&self.sha256), f)
    }
}

/// [`read`]; `verified`: the digest of an earlier pass the entry lines must match,
/// which stands in for the duplicate-key check.
fn read_checked(
    input: impl BufRead,
    rules: Option<&RuleSet>,
    verified: Option<&str>,
    mut f: impl FnMut(ImportEntry) -> Result<()>,
) -> Result<Summary> {
    let mut lines = Lines {
        input,
        buf: Vec::new(),
        n: 0,
    };
    let first = lines
        .next()?
        .ok_or_else(|| bad(1, "empty file: not a statectl export"))?;
    let header = parse_header(&first)?;
    let mut hasher = Sha256::new();
    let mut count = 0u64;
    let mut corrupt = 0u64;
    let mut refused = Vec::new();
    let mut seen = verified.is_none().then(Seen::new).transpose()?;
    let mut namespaces: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut trailer: Option<(u64, serde_json::Value)> = None;
    let mut entries = || -> Result<()> {
        while let Some(text) = lines.next()? {
            let n = lines.n;
            if let Some((at, _)) = &trailer {
                // Blank lines after the trailer (an editor's final newline) are harmless.
                if text.trim().is_empty() {
                    continue;
                }
                return Err(bad(n, format!("content after the trailer on line {at}")));
            }
            if is_trailer(&text) {
                let v: serde_json::Value =
                    serde_json::from_str(&text).map_err(|_| bad(n, "malformed trailer"))?;
                trailer = Some((n, v));
                continue;
            }
            check_entry_line(&text, n)?;
            hasher.update(text.as_bytes());
            hasher.update(b"\n");
            let e = parse_entry(&text, n, rules)?;
            let en = &e.entry;
            if let Some(seen) = seen.as_mut()
                && let Some(d) = seen.insert(n, &en.plugin_id, &en.namespace, &en.key)?
            {
                return Err(duplicate(d));
            }
            count += 1;
            corrupt += u64::from(!e.readable);
            refused.extend(Refused::of(&e));
            *namespaces
                .entry((en.plugin_id.clone(), en.namespace.clone()))
                .or_default() += 1;
            f(e)?;
        }
        Ok(())
    };
    let read = entries();
    first_error(read, seen.as_mut(), lines.n)?;
    let (at, trailer) = trailer.ok_or_else(|| {
        bad(
            lines.n,
            "the file ends without the statectl_export_end trailer: truncated? export again",
        )
    })?;
    let sum = hex(&hasher.finalize());
    check_trailer(at, &trailer, count, &sum)?;
    check_unchanged(at, verified, &sum)?;
    Ok(Summary {
        header,
        entries: count,
        sha256: sum,
        namespaces,
        corrupt,
        refused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str) -> Entry {
        Entry {
            plugin_id: "p".into(),
            namespace: "n".into(),
            key: key.into(),
            value_json: value.into(),
            created_at: 1,
            expires_at: None,
            blob: false,
        }
    }

    fn export(entries: &[Entry]) -> Vec<u8> {
        let header = serde_json::json!({"statectl_export": 1, "exported_at": 5, "now": 5, "source": {}, "selection": {}});
        let mut w = ExportWriter::new(Vec::new(), &header).unwrap();
        for e in entries {
            w.entry(e).unwrap();
        }
        w.finish().unwrap().0
    }

    #[test]
    fn values_travel_verbatim_and_round_trip() {
        let values = [
            r#"{"b":1,"a":[1.0,1e21,"\u00e9"]}"#,
            "null",
            "{not json",
            " {}",
            "{\n}",
        ];
        let entries: Vec<Entry> = values
            .iter()
            .enumerate()
            .map(|(i, v)| entry(&format!("k{i}"), v))
            .collect();
        let file = export(&entries);
        let text = String::from_utf8(file.clone()).unwrap();
        assert!(
            text.contains(r#""value":{"b":1,"a":[1.0,1e21,"\u00e9"]}"#),
            "embedded as is: {text}"
        );
        let mut back = Vec::new();
        let s = read(&file[..], None, |e| {
            back.push(e);
            Ok(())
        })
        .unwrap();
        assert_eq!(s.entries, 5);
        assert_eq!(
            s.corrupt, 1,
            "only `{{not json` is corrupt; whitespace is valid JSON"
        );
        assert_eq!(s.refused.len(), 1);
        let got: Vec<Entry> = back.into_iter().map(|e| e.entry).collect();
        assert_eq!(got, entries);
    }

    #[test]
    fn the_trailer_hashes_every_line_in_order_past_many_chunks() {
        // Many chunks through the sha256 thread (CHUNK is 64 KiB).
        let entries: Vec<Entry> = (0..5000)
            .map(|i| {
                entry(
                    &format!("k{i:05}"),
                    &format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 97)),
                )
            })
            .collect();
        let file = export(&entries);
        let text = std::str::from_utf8(&file).unwrap();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        assert!(file.len() > 4 * CHUNK, "the test must span many chunks");
        let body: String = lines[1..lines.len() - 1].concat();
        let trailer: serde_json::Value = serde_json::from_str(lines[lines.len() - 1]).unwrap();
        assert_eq!(trailer["statectl_export_end"]["entries"], 5000);
        assert_eq!(
            trailer["statectl_export_end"]["sha256"],
            hex(&Sha256::digest(body.as_bytes()))
        );
        let s = read(&file[..], None, |_| Ok(())).unwrap();
        assert_eq!(s.entries, 5000);
    }

    #[test]
    fn a_second_pass_refuses_a_file_changed_since_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, export(&[entry("a", "1"), entry("b", "2")])).unwrap();
        let first = read(open(&path).unwrap(), None, |_| Ok(())).unwrap();
        let verified = Verified {
            path: path.clone(),
            sha256: first.sha256,
        };
        let mut again = 0;
        verified
            .read(None, |_| {
                again += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(again, 2);
        // Another export with its own valid trailer, even one with a duplicate key:
        // only the first pass's digest tells it apart.
        std::fs::write(&path, export(&[entry("a", "1"), entry("a", "3")])).unwrap();
        let e = verified.read(None, |_| Ok(())).unwrap_err();
        assert!(e.message.contains("changed since it was verified"), "{e}");
    }

    #[test]
    fn an_edited_or_truncated_file_is_refused() {
        let file = String::from_utf8(export(&[entry("a", "1"), entry("b", "2")])).unwrap();
        let edited = file.replace("\"a\"", "\"c\"");
        let e = read(edited.as_bytes(), None, |_| Ok(())).unwrap_err();
        assert!(e.message.contains("checksum"), "{e}");
        let truncated: String = file.lines().take(2).map(|l| format!("{l}\n")).collect();
        let e = read(truncated.as_bytes(), None, |_| Ok(())).unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
    }
}
