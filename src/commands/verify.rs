//! `statectl verify FILE`: check an export without a database.

use crate::Ctx;
use anyhow::Context;

use crate::export;
use crate::output::{add_row, new_table, thousands, write_json, write_table};
use crate::timefmt::format_abs;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    about = "Check an export's header, entries, count and checksum and summarise it (no database needed)",
    long_about = "Check an export's header, entries, count and checksum and summarise it (no database needed).\n\nOnly damage to the file (header, count, checksum, a line that is not an entry) fails. Rows no runtime could take (a value JSON.parse refuses, a BLOB, over the newest runtime's size or depth write limits, a time outside 0..=8.64e15 ms) are named in warnings and counted: an import skips them (or refuses, with --strict).",
    after_help = "Examples:\n  statectl verify before-upgrade.jsonl\n  statectl verify before-upgrade.jsonl -o json | jq .entries"
)]
pub struct VerifyArgs {
    /// The export file (`-` reads stdin)
    pub file: PathBuf,
}

pub fn run(ctx: &mut Ctx, args: &VerifyArgs) -> anyhow::Result<()> {
    let s = export::read(export::open(&args.file)?, None, |_| Ok(()))
        .with_context(|| format!("export file {}", args.file.display()))?;
    let src = &s.header.source;
    if ctx.format.is_json() {
        let doc = json!({
            "ok": true,
            "format": s.header.statectl_export,
            "exported_at": s.header.exported_at,
            "now": s.header.now,
            "source": src,
            "selection": s.header.selection,
            "entries": s.entries,
            "corrupt": s.corrupt,
            "not_taken": s.refused.len(),
            "not_taken_rows": s.refused,
            "sha256": s.sha256,
            "namespaces": s.namespaces.iter().map(|((p, n), c)| json!({"plugin_id": p, "namespace": n, "entries": c})).collect::<Vec<_>>(),
        });
        return Ok(write_json(ctx.out, ctx.format, &doc)?);
    }
    // Header fields come from the file: escaped like everything shown to people.
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => crate::output::escape_control(s).into_owned(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    };
    writeln!(
        ctx.out,
        "ok: {} entries, checksum sha256:{}",
        thousands(s.entries),
        s.sha256
    )?;
    writeln!(
        ctx.out,
        "source: {} ({} layout, schema {}, app {})",
        text(&src["path"]),
        text(&src["layout"]),
        text(&src["schema_version"]),
        text(&src["app_version"])
    )?;
    writeln!(
        ctx.out,
        "exported at {} (liveness as of {})",
        format_abs(s.header.exported_at),
        format_abs(s.header.now)
    )?;
    if s.corrupt > 0 {
        writeln!(
            ctx.out,
            "{} the runtime cannot read (JSON.parse refuses the value, or a BLOB)",
            crate::output::rows(s.corrupt)
        )?;
    }
    for r in s.refused.iter().take(20) {
        ctx.warn(format_args!(
            "line {}: {}/{} '{}': an import skips it: {}",
            r.line,
            crate::output::escape_control(&r.plugin_id),
            crate::output::escape_control(&r.namespace),
            crate::output::escape_control(&r.key),
            r.reason
        ));
    }
    if s.refused.len() > 20 {
        ctx.warn(format_args!(
            "and {} more an import skips (-o json lists them all)",
            thousands(s.refused.len() as u64 - 20)
        ));
    }
    let mut t = new_table(ctx.term, &["PLUGIN", "NAMESPACE", "ENTRIES"]);
    for ((p, n), c) in &s.namespaces {
        add_row(&mut t, vec![p.clone(), n.clone(), thousands(*c)]);
    }
    write_table(ctx.out, &t)?;
    Ok(())
}
