//! `statectl diff` rendered: per-namespace counts and the differing rows of A and B,
//! and the legacy sidecar's verdict, in every format; secret values stay hidden unless
//! `--show-secrets`.

use crate::Ctx;
use crate::diff::{self, Difference, Row, Source};
use crate::output::format::Format;
use crate::output::{add_row, escape_control, new_table, rows, write_json, write_table};
use crate::store::catalog::Decoded;
use crate::store::known;
use crate::timefmt::{Ms, format_rel};
use anyhow::Result;
use serde_json::{Value, json};
use std::io::Write;

fn side_json(s: &Source) -> Value {
    json!({"path": s.path.display().to_string(), "kind": s.kind, "describe": s.describe})
}

/// A side's row as a known namespace's spec reads it (personal fields of a secret
/// namespace only with --show-secrets); None for a namespace without a spec.
fn decoded(d: &Difference, r: &Row, show_secrets: bool) -> Option<Decoded> {
    let spec = crate::store::catalog::spec(&d.plugin_id, &d.namespace)?;
    let personal = show_secrets || !known::policy(&d.plugin_id, &d.namespace).secret;
    Some(spec.decode(&d.key, &r.value_json, personal))
}

/// A secret namespace's values stay hidden unless --show-secrets.
fn hidden(d: &Difference, show_secrets: bool) -> bool {
    !show_secrets && known::policy(&d.plugin_id, &d.namespace).secret
}

fn row_json(d: &Difference, r: &Row, show_secrets: bool) -> Value {
    let mut o = json!({"created_at": r.created_at, "expires_at": r.expires_at});
    if let Some(dec) = decoded(d, r, show_secrets) {
        o["decoded"] = dec.to_json();
    }
    if hidden(d, show_secrets) {
        o["redacted"] = Value::Bool(true);
        return o;
    }
    match crate::output::entries::serde_value(&r.value_json) {
        Some(v) => o["value"] = v,
        None => {
            o["value_raw"] = Value::String(r.value_json.clone());
            if !crate::store::value::verdict(&r.value_json, false).is_valid() {
                o["corrupt"] = Value::Bool(true);
            }
        }
    }
    o
}

fn difference_json(d: &Difference, show_secrets: bool) -> Value {
    json!({
        "change": d.change.as_str(),
        "plugin_id": d.plugin_id,
        "namespace": d.namespace,
        "key": d.key,
        "newer": d.newer,
        "a": d.a.as_ref().map(|r| row_json(d, r, show_secrets)),
        "b": d.b.as_ref().map(|r| row_json(d, r, show_secrets)),
    })
}

/// The comparison of A and B: per-namespace counts, and every differing row with
/// `details` (JSON and JSONL always list them).
pub fn render(
    ctx: &mut Ctx,
    a: &Source,
    b: &Source,
    diffs: &[Difference],
    details: bool,
    show_secrets: bool,
) -> Result<()> {
    let changed: Vec<&Difference> = diffs
        .iter()
        .filter(|d| d.change != diff::Change::Identical)
        .collect();
    let counts = diff::summarize(diffs);
    match ctx.format {
        Format::Json => {
            let doc = json!({
                "a": side_json(a),
                "b": side_json(b),
                "now": ctx.now,
                "namespaces": counts,
                "differences": changed.iter().map(|d| difference_json(d, show_secrets)).collect::<Vec<_>>(),
            });
            Ok(write_json(ctx.out, Format::Json, &doc)?)
        }
        Format::Jsonl => {
            for d in &changed {
                serde_json::to_writer(&mut *ctx.out, &difference_json(d, show_secrets))?;
                writeln!(ctx.out)?;
            }
            Ok(())
        }
        Format::Csv if details => details_csv(ctx.out, &changed, show_secrets),
        Format::Csv => counts_csv(ctx.out, &counts),
        Format::Table | Format::Wide => {
            counts_table(ctx, a, b, &counts)?;
            if details && !changed.is_empty() {
                writeln!(ctx.out)?;
                details_table(ctx, &changed, show_secrets)?;
            }
            let namespaces = counts.iter().filter(|c| c.differences() > 0).count();
            if changed.is_empty() {
                writeln!(ctx.out, "no differences in {}", rows(diffs.len() as u64))?;
            } else {
                writeln!(
                    ctx.out,
                    "{} differ in {namespaces} namespace{} ({} identical)",
                    rows(changed.len() as u64),
                    if namespaces == 1 { "" } else { "s" },
                    crate::output::thousands((diffs.len() - changed.len()) as u64)
                )?;
            }
            Ok(())
        }
    }
}

/// Per namespace, how many rows are identical and how many differ in which way.
fn counts_csv(out: &mut dyn Write, counts: &[diff::NamespaceCounts]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "plugin_id",
        "namespace",
        "identical",
        "only_in_a",
        "only_in_b",
        "value",
        "expiry",
        "created",
        "newer_in_a",
        "newer_in_b",
    ])?;
    for c in counts {
        let n = c.figures();
        let mut rec = vec![c.plugin_id.clone(), c.namespace.clone()];
        rec.extend(n.iter().map(u64::to_string));
        w.write_record(rec)?;
    }
    w.flush()?;
    Ok(())
}

fn counts_table(
    ctx: &mut Ctx,
    a: &Source,
    b: &Source,
    counts: &[diff::NamespaceCounts],
) -> Result<()> {
    writeln!(
        ctx.out,
        "A: {}\nB: {}",
        escape_control(&a.path.display().to_string()),
        escape_control(&b.path.display().to_string())
    )?;
    let mut t = new_table(
        ctx.term,
        &[
            "PLUGIN",
            "NAMESPACE",
            "SAME",
            "ONLY-A",
            "ONLY-B",
            "VALUE",
            "EXPIRY",
            "CREATED",
            "NEWER-A",
            "NEWER-B",
        ],
    );
    for c in counts {
        let n = c.figures();
        let mut cells = vec![
            escape_control(&c.plugin_id).into_owned(),
            escape_control(&c.namespace).into_owned(),
        ];
        cells.extend(n.iter().map(u64::to_string));
        add_row(&mut t, cells);
    }
    if !counts.is_empty() {
        write_table(ctx.out, &t)?;
    }
    Ok(())
}

fn times(r: Option<&Row>, now: i64) -> (String, String) {
    match r {
        None => ("-".into(), "-".into()),
        Some(r) => (
            format_rel(r.created_at, now),
            crate::output::entries::expiry_text(r.expires_at, now),
        ),
    }
}

/// The decoded fields that differ between the sides (`field: A → B`), or a one-sided
/// row's fields; empty for a namespace without a spec.
fn decoded_cell(d: &Difference, show_secrets: bool, now: Ms) -> String {
    use crate::output::entries::dval_cell;
    let side = |r: Option<&Row>| r.and_then(|r| decoded(d, r, show_secrets));
    let fields = |x: &Decoded| -> Vec<String> {
        x.fields
            .iter()
            .map(|(n, v)| format!("{n}={}", dval_cell(v, now)))
            .collect()
    };
    match (side(d.a.as_ref()), side(d.b.as_ref())) {
        (Some(a), Some(b)) => a
            .fields
            .iter()
            .filter_map(|(n, va)| {
                let vb = b.get(n)?;
                (va != vb).then(|| format!("{n}: {} → {}", dval_cell(va, now), dval_cell(vb, now)))
            })
            .collect::<Vec<_>>()
            .join("; "),
        (Some(x), None) | (None, Some(x)) => fields(&x).join(" "),
        (None, None) => String::new(),
    }
}

fn details_table(ctx: &mut Ctx, changed: &[&Difference], show_secrets: bool) -> Result<()> {
    let mut t = new_table(
        ctx.term,
        &[
            "CHANGE",
            "PLUGIN",
            "NAMESPACE",
            "KEY",
            "NEWER",
            "A-CREATED",
            "A-EXPIRES",
            "B-CREATED",
            "B-EXPIRES",
            "DECODED",
        ],
    );
    for d in changed {
        let (ac, ae) = times(d.a.as_ref(), ctx.now);
        let (bc, be) = times(d.b.as_ref(), ctx.now);
        let newer = match d.newer {
            Some(diff::Newer::A) => "A",
            Some(diff::Newer::B) => "B",
            Some(diff::Newer::Same) => "same",
            None => "-",
        };
        add_row(
            &mut t,
            vec![
                d.change.as_str().into(),
                escape_control(&d.plugin_id).into_owned(),
                escape_control(&d.namespace).into_owned(),
                escape_control(&d.key).into_owned(),
                newer.into(),
                ac,
                ae,
                bc,
                be,
                escape_control(&decoded_cell(d, show_secrets, ctx.now)).into_owned(),
            ],
        );
    }
    write_table(ctx.out, &t)?;
    Ok(())
}

fn details_csv(out: &mut dyn Write, changed: &[&Difference], show_secrets: bool) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "change",
        "plugin_id",
        "namespace",
        "key",
        "newer",
        "a_value",
        "a_created_at",
        "a_expires_at",
        "b_value",
        "b_created_at",
        "b_expires_at",
    ])?;
    let side = |d: &Difference, r: Option<&Row>| -> [String; 3] {
        match r {
            None => Default::default(),
            Some(r) => [
                if hidden(d, show_secrets) {
                    format!("<secret: {} bytes, --show-secrets>", r.value_json.len())
                } else {
                    r.value_json.clone()
                },
                r.created_at.to_string(),
                r.expires_at.map(|t| t.to_string()).unwrap_or_default(),
            ],
        }
    };
    for d in changed {
        let newer = d
            .newer
            .map(|n| serde_json::to_value(n).unwrap_or_default())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut rec = vec![
            d.change.as_str().to_string(),
            d.plugin_id.clone(),
            d.namespace.clone(),
            d.key.clone(),
            newer,
        ];
        rec.extend(side(d, d.a.as_ref()));
        rec.extend(side(d, d.b.as_ref()));
        w.write_record(rec)?;
    }
    w.flush()?;
    Ok(())
}

/// What the sidecar report shows besides the verdict.
#[derive(Clone, Copy)]
pub struct Shown {
    pub show_secrets: bool,
    /// `--export-lost` wrote the lost rows (so no hint to do it).
    pub exported_lost: bool,
}

/// The legacy sidecar's verdict: safe to archive, or the rows that would be lost and
/// the conflicts.
pub fn sidecar(
    ctx: &mut Ctx,
    pair: &diff::SidecarPair,
    verdict: &diff::SidecarVerdict,
    shown: Shown,
) -> Result<()> {
    let safe = verdict.safe();
    let problem_rows: Vec<&Difference> = verdict.lost.iter().chain(&verdict.conflicts).collect();
    match ctx.format {
        Format::Json => {
            let doc = json!({
                "legacy": pair.legacy.display().to_string(),
                "shared": pair.shared.display().to_string(),
                "now": ctx.now,
                "verdict": if safe { "safe" } else { "not_safe" },
                "legacy_rows": verdict.legacy_rows,
                "identical": verdict.identical,
                "newer_in_shared": verdict.newer_in_shared,
                "lost": verdict.lost.iter().map(|d| difference_json(d, shown.show_secrets)).collect::<Vec<_>>(),
                "conflicts": verdict.conflicts.iter().map(|d| difference_json(d, shown.show_secrets)).collect::<Vec<_>>(),
            });
            write_json(ctx.out, Format::Json, &doc)?;
        }
        Format::Jsonl => {
            for d in &problem_rows {
                let mut o = difference_json(d, shown.show_secrets);
                o["verdict"] = json!(if verdict.lost.iter().any(|l| std::ptr::eq(l, *d)) {
                    "lost"
                } else {
                    "conflict"
                });
                serde_json::to_writer(&mut *ctx.out, &o)?;
                writeln!(ctx.out)?;
            }
        }
        Format::Csv => details_csv(ctx.out, &problem_rows, shown.show_secrets)?,
        Format::Table | Format::Wide => sidecar_table(ctx, pair, verdict, &problem_rows, shown)?,
    }
    Ok(())
}

fn sidecar_table(
    ctx: &mut Ctx,
    pair: &diff::SidecarPair,
    verdict: &diff::SidecarVerdict,
    problem_rows: &[&Difference],
    shown: Shown,
) -> Result<()> {
    let safe = verdict.safe();
    writeln!(
        ctx.out,
        "legacy: {}\nshared: {}",
        escape_control(&pair.legacy.display().to_string()),
        escape_control(&pair.shared.display().to_string())
    )?;
    if !problem_rows.is_empty() {
        details_table(ctx, problem_rows, shown.show_secrets)?;
    }
    if safe {
        writeln!(
            ctx.out,
            "SAFE to archive: every live legacy row ({}) is in the shared file ({} identical, {} newer there)",
            crate::output::thousands(verdict.legacy_rows),
            crate::output::thousands(verdict.identical),
            crate::output::thousands(verdict.newer_in_shared),
        )?;
    } else {
        writeln!(
            ctx.out,
            "NOT SAFE to archive: {} would be lost and {} conflict (same created_at, different content) out of {} live legacy rows",
            rows(verdict.lost.len() as u64),
            rows(verdict.conflicts.len() as u64),
            crate::output::thousands(verdict.legacy_rows),
        )?;
        if !verdict.lost.is_empty() && !shown.exported_lost {
            writeln!(
                ctx.out,
                "restore them first: statectl diff --sidecar --export-lost lost.jsonl && statectl import lost.jsonl --on-conflict newer"
            )?;
        }
        if !verdict.conflicts.is_empty() {
            writeln!(
                ctx.out,
                "conflicts keep the shared row under --on-conflict newer; compare them and import the legacy copy with --on-conflict replace if it is the right one"
            )?;
        }
    }
    Ok(())
}
