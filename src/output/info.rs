//! `statectl info` rendered: the resolved database, its schema, sizes, counts, rule set
//! and configuration, as labelled lines or one JSON document.

use crate::Ctx;
use crate::error::Result;
use crate::ops::info::Info;
use crate::output::{self, Format};
use crate::store::Db;
use serde_json::{Value, json};

/// The report in the format asked for.
pub fn render(ctx: &mut Ctx, db: &Db, i: &Info) -> Result<()> {
    match ctx.format {
        Format::Json | Format::Jsonl => {
            let doc = document(ctx, db, i);
            output::write_json(ctx.out, ctx.format, &doc)
        }
        // csv is refused before the command runs (output::format::REPORT).
        Format::Table | Format::Wide | Format::Csv => text(ctx, db, i),
    }
}

fn document(ctx: &Ctx, db: &Db, i: &Info) -> Value {
    let s = &db.schema;
    let r = s.rules;
    let gateway = crate::store::config::gateway();
    let cfg = &gateway.source;
    json!({
        "path": db.path.display().to_string(),
        "layout": s.layout.as_str(),
        "schema_version": s.effective_version,
        "user_version": s.user_version,
        "recorded_schema_version": s.recorded_version,
        "pending_schema_version": s.content_version,
        "newer_than_known": s.newer_than_known,
        "app_version": s.app_version,
        "strict": s.strict,
        "journal_mode": i.journal,
        "db_bytes": i.db_size,
        "wal_bytes": i.wal_size,
        "rows": i.total,
        "live_rows": i.live,
        "expired_rows": i.total - i.live,
        "namespaces": i.namespaces,
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
    })
}

fn text(ctx: &mut Ctx, db: &Db, i: &Info) -> Result<()> {
    let s = &db.schema;
    let r = s.rules;
    let gateway = crate::store::config::gateway();
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
        ("journal mode", i.journal.clone()),
        ("db size", output::human_bytes(i.db_size)),
        ("wal size", opt(i.wal_size.map(output::human_bytes))),
        (
            "rows",
            format!(
                "{} ({} live, {} expired) in {} namespaces",
                output::thousands(i.total),
                output::thousands(i.live),
                output::thousands(i.total - i.live),
                i.namespaces
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
    Ok(())
}
