//! `statectl diff`: two states compared row by row (src/diff.rs), and the legacy
//! sidecar's verdict; exit codes follow GNU diff.

use crate::atomic::AtomicFile;
use crate::cli::SelectArgs;
use crate::diff::{self, Difference, Row, Source};
use crate::error::{Error, Kind};
use crate::export::ExportWriter;
use crate::output::format::Format;
use crate::output::{add_row, escape_control, new_table, rows, write_json, write_table};
use crate::store::catalog::Decoded;
use crate::store::known;
use crate::timefmt::{Ms, format_rel};
use crate::{Ctx, commands};
use anyhow::Result;
use clap::Args;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(
    about = "Compare two databases, state dirs or export files row by row",
    after_help = "Rows are matched by (plugin, namespace, key) and classified: identical, only in A,
only in B, value differs, expiry differs (same value), created differs (same value and
expiry); for a difference, NEWER says which side holds the newer write (created_at).
Liveness is evaluated at one --now for both sides (live rows only unless
--include-expired). When a side is an export, the comparison stays within the
selection recorded in its header.

Exit codes follow GNU diff: 0 no differences (or differences without --exit-code),
1 differences with --exit-code, 2 any error, usage errors included.

Examples:
  statectl diff before-upgrade.jsonl ~/.openclaw          what changed since the export
  statectl diff old.sqlite new.sqlite discord.components --details
  statectl diff a.sqlite b.sqlite -o jsonl                one object per difference
  statectl diff --sidecar                                 is the legacy sidecar safe to archive?
  statectl diff --sidecar --export-lost lost.jsonl && statectl import lost.jsonl --on-conflict newer"
)]
pub struct DiffArgs {
    /// A and B (each a database file, a state dir or an export file), then namespaces
    /// (NAMESPACE or PLUGIN/NAMESPACE; default: all)
    #[arg(value_name = "A B [NAMESPACE]")]
    pub args: Vec<String>,
    /// Compare the legacy sidecar (plugin-state/state.sqlite, or its .migrated
    /// leftover) of STATE_DIR (default: the state dir) with its shared database
    #[arg(long, value_name = "STATE_DIR", num_args = 0..=1)]
    pub sidecar: Option<Option<PathBuf>>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// List every differing row, not only the per-namespace counts
    #[arg(long)]
    pub details: bool,
    /// Exit 1 when there are differences (with --sidecar: when rows would be lost)
    #[arg(long)]
    pub exit_code: bool,
    /// With --sidecar: write the rows that archiving would lose as an export FILE
    #[arg(long, value_name = "FILE", requires = "sidecar")]
    pub export_lost: Option<PathBuf>,
    /// Overwrite the --export-lost FILE if it exists
    #[arg(long, requires = "export_lost")]
    pub force: bool,
    /// Show the values of secret namespaces (tokens, message content)
    #[arg(long)]
    pub show_secrets: bool,
}

pub fn run(ctx: &mut Ctx, args: &DiffArgs) -> Result<i32> {
    if args.sidecar.is_some() {
        return run_sidecar(ctx, args);
    }
    let (a, b, namespaces) = match args.args.as_slice() {
        [a, b, rest @ ..] => (a, b, rest),
        _ => {
            return Err(Error::new(
                Kind::Usage,
                "diff needs two sides: statectl diff A B [NAMESPACE...] (each a database, a state dir or an export file), or statectl diff --sidecar",
            )
            .into());
        }
    };
    let sels = commands::export::selections(ctx, namespaces, &args.select)?;
    let a = Source::open(Path::new(a), ctx.global.busy_timeout)?;
    let b = Source::open(Path::new(b), ctx.global.busy_timeout)?;
    let diffs = diff::diff(&a, &b, &sels)?;
    let differs = diffs.iter().any(|d| d.change != diff::Change::Identical);
    render(ctx, args, &a, &b, &diffs)?;
    Ok(i32::from(args.exit_code && differs))
}

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

fn render(
    ctx: &mut Ctx,
    args: &DiffArgs,
    a: &Source,
    b: &Source,
    diffs: &[Difference],
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
                "differences": changed.iter().map(|d| difference_json(d, args.show_secrets)).collect::<Vec<_>>(),
            });
            Ok(write_json(ctx.out, Format::Json, &doc)?)
        }
        Format::Jsonl => {
            for d in &changed {
                serde_json::to_writer(&mut *ctx.out, &difference_json(d, args.show_secrets))?;
                writeln!(ctx.out)?;
            }
            Ok(())
        }
        Format::Csv if args.details => details_csv(ctx.out, &changed, args.show_secrets),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *ctx.out);
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
            for c in &counts {
                let n = c.figures();
                let mut rec = vec![c.plugin_id.clone(), c.namespace.clone()];
                rec.extend(n.iter().map(u64::to_string));
                w.write_record(rec)?;
            }
            w.flush()?;
            Ok(())
        }
        Format::Table | Format::Wide => {
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
            for c in &counts {
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
            if args.details && !changed.is_empty() {
                writeln!(ctx.out)?;
                details_table(ctx, &changed, args.show_secrets)?;
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

fn run_sidecar(ctx: &mut Ctx, args: &DiffArgs) -> Result<i32> {
    let dir = match args.sidecar.clone().flatten() {
        Some(d) => d,
        None => match &ctx.global.state_dir {
            Some(d) => d.clone(),
            None => crate::store::locate::state_dir(&|k: &str| std::env::var(k).ok())?,
        },
    };
    let pair = diff::sidecar_pair(&dir)?;
    let sels = commands::export::selections(ctx, &args.args, &args.select)?;
    let legacy = Source::open(&pair.legacy, ctx.global.busy_timeout)?;
    let shared = Source::open(&pair.shared, ctx.global.busy_timeout)?;
    let verdict = diff::sidecar_verdict(diff::diff(&legacy, &shared, &sels)?);
    if let Some(path) = &args.export_lost {
        write_lost(ctx, path, args.force, &pair.legacy, &verdict.lost)?;
    }
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
                "lost": verdict.lost.iter().map(|d| difference_json(d, args.show_secrets)).collect::<Vec<_>>(),
                "conflicts": verdict.conflicts.iter().map(|d| difference_json(d, args.show_secrets)).collect::<Vec<_>>(),
            });
            write_json(ctx.out, Format::Json, &doc)?;
        }
        Format::Jsonl => {
            for d in &problem_rows {
                let mut o = difference_json(d, args.show_secrets);
                o["verdict"] = json!(if verdict.lost.iter().any(|l| std::ptr::eq(l, *d)) {
                    "lost"
                } else {
                    "conflict"
                });
                serde_json::to_writer(&mut *ctx.out, &o)?;
                writeln!(ctx.out)?;
            }
        }
        Format::Csv => details_csv(ctx.out, &problem_rows, args.show_secrets)?,
        Format::Table | Format::Wide => {
            writeln!(
                ctx.out,
                "legacy: {}\nshared: {}",
                escape_control(&pair.legacy.display().to_string()),
                escape_control(&pair.shared.display().to_string())
            )?;
            if !problem_rows.is_empty() {
                details_table(ctx, &problem_rows, args.show_secrets)?;
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
                if !verdict.lost.is_empty() && args.export_lost.is_none() {
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
        }
    }
    Ok(i32::from(args.exit_code && !safe))
}

/// Writes exactly the lost legacy rows as an export.
fn write_lost(
    ctx: &mut Ctx,
    path: &Path,
    force: bool,
    legacy: &Path,
    lost: &[Difference],
) -> Result<()> {
    let db = crate::store::Db::open_read_only(legacy, ctx.global.busy_timeout)?;
    let header = crate::export::header(
        &db,
        ctx.now,
        json!({"sidecar_lost": true, "namespaces": [], "plugin": null,
               "include_expired": false, "only_expired": false,
               "exclude_secrets": false, "filtered": true, "filters": null}),
    );
    let mut file = AtomicFile::create(path, force, legacy)?;
    let mut w = ExportWriter::new(std::io::BufWriter::new(file.file()), &header)?;
    for e in diff::lost_entries(lost) {
        w.entry(&e)?;
    }
    let (mut buf, n) = w.finish()?;
    buf.flush()?;
    drop(buf);
    file.commit()?;
    writeln!(
        ctx.err,
        "wrote {} that archiving would lose to {}; restore with: statectl import {} --on-conflict newer",
        rows(n),
        path.display(),
        path.display()
    )?;
    Ok(())
}
