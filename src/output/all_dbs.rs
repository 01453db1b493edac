//! `--all-dbs` output: one database's output of `ls`, `top` or `export` added to the
//! whole, each row tagged with its file (JSON, JSONL, CSV) or under a heading (tables).

use crate::Ctx;
use crate::error::Result;
use crate::ops::dbs::DbEntry;
use crate::output::Format;
use serde_json::{Value, json};

/// Tags one object, and the objects of its arrays, with the database.
fn tag(v: &mut Value, d: &DbEntry) {
    if let Value::Object(o) = v {
        o.insert("db".into(), json!(d.found.rel));
        o.insert("db_role".into(), json!(d.found.role.name()));
    }
}

/// Adds one database's output to the merged output.
pub fn emit(
    ctx: &mut Ctx,
    d: &DbEntry,
    buf: &[u8],
    merged: &mut Vec<Value>,
    csv_header: &mut Option<String>,
) -> Result<()> {
    let text = String::from_utf8_lossy(buf);
    match ctx.format {
        Format::Json => match serde_json::from_str::<Value>(&text)? {
            Value::Array(items) => merged.extend(items.into_iter().map(|mut v| {
                tag(&mut v, d);
                v
            })),
            mut v => {
                if let Value::Object(o) = &mut v {
                    for item in o.values_mut().filter_map(Value::as_array_mut).flatten() {
                        tag(item, d);
                    }
                }
                tag(&mut v, d);
                merged.push(v);
            }
        },
        Format::Jsonl => {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let mut v: Value = serde_json::from_str(line)?;
                tag(&mut v, d);
                writeln!(ctx.out, "{}", serde_json::to_string(&v)?)?;
            }
        }
        Format::Csv => {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(buf);
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            for (i, rec) in r.records().enumerate() {
                let rec = rec?;
                let first = if i == 0 { "db" } else { d.found.rel.as_str() };
                if i == 0
                    && csv_header
                        .replace(rec.iter().collect::<Vec<_>>().join(","))
                        .is_some()
                {
                    continue;
                }
                w.write_record(std::iter::once(first).chain(rec.iter()))?;
            }
            ctx.out
                .write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
        }
        // `export` prints nothing on stdout (its files are named on stderr).
        Format::Table | Format::Wide if buf.is_empty() => {}
        Format::Table | Format::Wide => {
            writeln!(
                ctx.out,
                "== {} ({})",
                crate::output::escape_control(&d.found.rel),
                d.found.role.name()
            )?;
            ctx.out.write_all(buf)?;
            writeln!(ctx.out)?;
        }
    }
    Ok(())
}
