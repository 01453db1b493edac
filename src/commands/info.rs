//! `statectl info`: which database, which layout and schema, which rules apply.

use crate::output::Format;

use crate::store::query;
use crate::{Ctx, output};
use clap::Args;
use serde_json::json;

#[derive(Debug, Args)]
#[command(
    about = "Show the resolved database: path, layout, schema and app version, journal mode, sizes, row counts, rule set",
    after_help = "Examples:\n  statectl info\n  statectl --state-dir ~/.openclaw-work info -o json"
)]
pub struct InfoArgs {}

fn file_size(path: &std::path::Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

pub fn run(ctx: &mut Ctx, _args: &InfoArgs) -> anyhow::Result<()> {
    let db = ctx.open_read_noting_legacy()?;
    let s = &db.schema;
    let journal = db.journal_mode()?;
    let wal_path = {
        let mut p = db.path.clone().into_os_string();
        p.push("-wal");
        std::path::PathBuf::from(p)
    };
    let db_size = file_size(&db.path).unwrap_or(0);
    let wal_size = file_size(&wal_path);
    let (total, live) = query::row_counts(&db.conn, ctx.now)?;
    let namespaces = query::summarize(&db.conn, None, ctx.now, false)?.len();
    let r = s.rules;
    let gateway = crate::store::config::gateway();
    let cfg = &gateway.source;
    let doc = json!({
        "path": db.path.display().to_string(),
        "layout": s.layout.as_str(),
        "schema_version": s.effective_version,
        "user_version": s.user_version,
        "recorded_schema_version": s.recorded_version,
        "pending_schema_version": s.content_version,
        "newer_than_known": s.newer_than_known,
        "app_version": s.app_version,
        "strict": s.strict,
        "journal_mode": journal,
        "db_bytes": db_size,
        "wal_bytes": wal_size,
        "rows": total,
        "live_rows": live,
        "expired_rows": total - live,
        "namespaces": namespaces,
        "now": ctx.now,
        "sqlite_version": rusqlite::version(),
        "namespaces_file": ctx.namespaces_file.as_ref().map(|(path, n)| json!({
            "path": path.display().to_string(),
            "namespaces": n,
        })),
        "config": {
            "status": cfg.status(),
            "path": cfg.path().map(|p| p.display().to_string()),
            "message": gateway.describe(),
        },
        "rules": {
            "name": r.name,
            "max_value_bytes": r.max_value_bytes,
            "plugin_live_cap": r.plugin_live_cap,
            "runtime_sweep_limit": r.runtime_sweep_limit,
            "runtime_busy_timeout_ms": r.runtime_busy_timeout_ms,
            "lifecycle_locks": r.lifecycle_locks,
            "retained_namespaces": r.retained_namespaces,
        },
    });
    match ctx.format {
        Format::Json | Format::Jsonl => output::write_json(ctx.out, ctx.format, &doc)?,
        // csv is refused before the command runs (output::format::REPORT).
        Format::Table | Format::Wide | Format::Csv => {
            let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
            let mut version = s.effective_version.to_string();
            if s.newer_than_known {
                version.push_str(" (newer than statectl knows: read-only)");
            }
            let lines: Vec<(&str, String)> = vec![
                ("path", db.path.display().to_string()),
                ("layout", s.layout.as_str().to_string()),
                ("schema", version),
                ("user_version", s.user_version.to_string()),
                ("app version", opt(s.app_version.clone())),
                ("strict table", s.strict.to_string()),
                ("journal mode", journal),
                ("db size", output::human_bytes(db_size)),
                ("wal size", opt(wal_size.map(output::human_bytes))),
                (
                    "rows",
                    format!(
                        "{} ({} live, {} expired) in {} namespaces",
                        output::thousands(total),
                        output::thousands(live),
                        output::thousands(total - live),
                        namespaces
                    ),
                ),
                ("rules", r.name.to_string()),
                (
                    "value limit",
                    format!("{} bytes", output::thousands(r.max_value_bytes as u64)),
                ),
                (
                    "plugin cap",
                    r.plugin_live_cap
                        .map(|c| format!("{} live rows per plugin", output::thousands(c)))
                        .unwrap_or_else(|| "none".into()),
                ),
                (
                    "runtime sweep",
                    r.runtime_sweep_limit
                        .map(|b| format!("{b} expired rows per runtime write or sweep"))
                        .unwrap_or_else(|| "all expired rows at once".into()),
                ),
                ("lock files", r.lifecycle_locks.to_string()),
                (
                    "sqlite",
                    format!("{} (statectl's own)", rusqlite::version()),
                ),
                (
                    "namespaces",
                    match &ctx.namespaces_file {
                        Some((path, n)) => format!("built in, and {n} from {}", path.display()),
                        None => "built in".into(),
                    },
                ),
                ("config", gateway.describe()),
            ];
            for (k, v) in lines {
                writeln!(ctx.out, "{k:<13} {}", crate::output::escape_control(&v))?;
            }
        }
    }
    Ok(())
}
