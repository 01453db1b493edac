//! `statectl check`: a health check for cron jobs and monitoring systems, with the
//! monitoring-plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Never writes.

use crate::Ctx;
use crate::error::{Error, Kind, Result};
use crate::output::{human_bytes, thousands};
use crate::store::locate::{LEGACY_REL, SHARED_REL};
use crate::store::rules::{EXPIRED_SQL, LIVE_SQL};
use crate::store::{Db, Layout, known};
use crate::timefmt::{format_span, parse_duration};
use clap::Args;
use serde_json::json;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(
    about = "Health check for scripts and monitoring: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
    after_help = "Examples:\n  statectl check                         one line per check; first line for monitoring\n  statectl check -o json | jq .status\n  statectl check --now +1d               how will it look in a day\n  */5 * * * * statectl check >/dev/null || alert   (cron)\n\nChecks: open (layout and schema known), integrity (quick_check, --full for\nintegrity_check), corrupt_values, plugin_cap, namespace_cap, expired_backlog,\nmissing_ttl, timestamps, permissions, wal_size, db_size, legacy_file."
)]
pub struct CheckArgs {
    /// Run PRAGMA integrity_check instead of quick_check (slower)
    #[arg(long)]
    pub full: bool,
    /// WARNING when a plugin's live rows reach this % of its version's cap
    #[arg(long, value_name = "PCT", default_value_t = 80)]
    pub plugin_warn: u64,
    /// CRITICAL when a plugin's live rows reach this % of its version's cap
    #[arg(long, value_name = "PCT", default_value_t = 100)]
    pub plugin_crit: u64,
    /// WARNING when more than N expired rows wait for the runtime's sweep
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub expired_warn: u64,
    /// ... or when expired rows are more than PCT of all rows (with at least 100 expired)
    #[arg(long, value_name = "PCT", default_value_t = 50)]
    pub expired_warn_share: u64,
    /// Allowed clock skew for created_at in the future
    #[arg(long, value_name = "DUR", default_value = "5m")]
    pub skew: String,
    /// WARNING when the database file is larger than this many MiB
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub db_warn_mib: u64,
    /// WARNING when the WAL is larger than this many MiB (OpenClaw's journal size limit)
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub wal_warn_mib: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
        }
    }
    fn exit_code(self) -> i32 {
        self as i32
    }
}

struct Check {
    name: &'static str,
    status: Status,
    message: String,
}

fn check(name: &'static str, status: Status, message: impl Into<String>) -> Check {
    Check {
        name,
        status,
        message: message.into(),
    }
}

/// Per-(plugin, namespace) figures from one pass over the table.
#[derive(Default)]
struct Scan {
    live: u64,
    expired: u64,
    no_expiry: u64,
    corrupt: u64,
    expires_before_created: u64,
    created_in_future: u64,
}

/// Per-namespace counts over the rows whose rowid lies in `lo..=hi`.
fn scan(conn: &rusqlite::Connection, now: i64, future: i64, lo: i64, hi: i64) -> Result<ScanMap> {
    let mut stmt = conn.prepare(&format!(
        "SELECT plugin_id, namespace, SUM({LIVE_SQL}), SUM({EXPIRED_SQL}), SUM(expires_at IS NULL),
                SUM(json_valid(value_json) = 0),
                SUM(expires_at IS NOT NULL AND expires_at < created_at),
                SUM(created_at > :future)
         FROM plugin_state_entries WHERE rowid BETWEEN :lo AND :hi GROUP BY plugin_id, namespace"
    ))?;
    let rows = stmt.query_map(
        rusqlite::named_params! {":now": now, ":future": future, ":lo": lo, ":hi": hi},
        |r| {
            let n = |i| r.get::<_, Option<i64>>(i).map(|v| v.unwrap_or(0) as u64);
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                Scan {
                    live: n(2)?,
                    expired: n(3)?,
                    no_expiry: n(4)?,
                    corrupt: n(5)?,
                    expires_before_created: n(6)?,
                    created_in_future: n(7)?,
                },
            ))
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

type ScanMap = BTreeMap<(String, String), Scan>;

/// The whole table, scanned in two rowid halves on two connections at once (parsing
/// every value is CPU work, and the machine has more than one core). The halves are
/// two snapshots: a row the gateway moves meanwhile can count once too often or not
/// at all, which a health check can bear.
fn scan_all(db: &Db, now: i64, future: i64) -> Result<ScanMap> {
    let max: i64 = db.conn.query_row(
        "SELECT IFNULL(MAX(rowid), 0) FROM plugin_state_entries",
        [],
        |r| r.get(0),
    )?;
    let mid = max / 2;
    let (path, timeout) = (db.path.clone(), db.busy_timeout_ms);
    let upper = std::thread::spawn(move || -> Result<ScanMap> {
        let other = Db::open_read_only(&path, timeout)?;
        scan(&other.conn, now, future, mid + 1, i64::MAX)
    });
    let mut all = scan(&db.conn, now, future, i64::MIN, mid)?;
    let upper = upper
        .join()
        .map_err(|_| Error::new(Kind::Scan, "the table scan thread failed"))??;
    for (key, x) in upper {
        let sum = all.entry(key).or_default();
        sum.live += x.live;
        sum.expired += x.expired;
        sum.no_expiry += x.no_expiry;
        sum.corrupt += x.corrupt;
        sum.expires_before_created += x.expires_before_created;
        sum.created_in_future += x.created_in_future;
    }
    Ok(all)
}

fn examples(db: &Db, where_sql: &str, future: i64) -> Result<String> {
    let mut stmt = db.conn.prepare(&format!(
        "SELECT plugin_id, namespace, entry_key FROM plugin_state_entries WHERE {where_sql} LIMIT 3"
    ))?;
    let params = if where_sql.contains(":future") {
        rusqlite::named_params! {":future": future}.to_vec()
    } else {
        Vec::new()
    };
    let rows = stmt.query_map(params.as_slice(), |r| {
        Ok(format!(
            "{}/{} {:?}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.join(", "))
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn permissions(path: &Path) -> Check {
    let mut problems = Vec::new();
    let Ok(meta) = std::fs::metadata(path) else {
        return check(
            "permissions",
            Status::Unknown,
            format!("cannot stat {}", path.display()),
        );
    };
    if let Some(dir) = path
        .parent()
        .and_then(|d| std::fs::metadata(d).ok().map(|m| (d, m)))
    {
        let mode = dir.1.mode() & 0o777;
        if mode & 0o077 != 0 {
            problems.push(format!(
                "directory {} is {mode:o} (want 700)",
                dir.0.display()
            ));
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = sidecar(path, suffix);
        let Ok(m) = std::fs::metadata(&p) else {
            continue;
        };
        let mode = m.mode() & 0o777;
        if mode & 0o077 != 0 {
            problems.push(format!("{} is {mode:o} (want 600)", p.display()));
        }
        if m.uid() != meta.uid() {
            problems.push(format!(
                "{} is owned by uid {} but the database by uid {}: the gateway may not be able to write",
                p.display(),
                m.uid(),
                meta.uid()
            ));
        }
    }
    if problems.is_empty() {
        check(
            "permissions",
            Status::Ok,
            "directory 700, files 600, one owner",
        )
    } else {
        check("permissions", Status::Warning, problems.join("; "))
    }
}

/// The legacy file that `openclaw doctor --fix` should have migrated and renamed.
fn legacy_beside(path: &Path, layout: Layout) -> Option<PathBuf> {
    if layout != Layout::Shared || !path.ends_with(SHARED_REL) {
        return None;
    }
    let state_dir = path.parent()?.parent()?;
    let legacy = state_dir.join(LEGACY_REL);
    legacy.is_file().then_some(legacy)
}

pub fn run(ctx: &mut Ctx, args: &CheckArgs) -> anyhow::Result<i32> {
    let skew = parse_duration(&args.skew)?;
    let (checks, perf) = match run_checks(ctx, args, skew) {
        Ok(r) => r,
        Err(e) => (vec![check("open", Status::Unknown, e.message)], Vec::new()),
    };
    let worst = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    let summary = if worst == Status::Ok {
        format!("{} checks ok", checks.len())
    } else {
        checks
            .iter()
            .filter(|c| c.status == worst)
            .map(|c| c.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    if ctx.format.is_json() {
        let doc = json!({
            "status": worst.as_str(),
            "summary": summary,
            "checks": checks.iter().map(|c| json!({"name": c.name, "status": c.status.as_str(), "message": c.message})).collect::<Vec<_>>(),
            "perfdata": perf.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        });
        serde_json::to_writer(&mut *ctx.out, &doc)?;
        writeln!(ctx.out)?;
    } else {
        let perf_text: Vec<String> = perf.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(
            ctx.out,
            "STATECTL {} - {}{}{}",
            worst.as_str().to_uppercase(),
            crate::output::escape_control(&summary),
            if perf_text.is_empty() { "" } else { " | " },
            perf_text.join(" ")
        )?;
        for c in &checks {
            writeln!(
                ctx.out,
                "{:<8} {:<16} {}",
                c.status.as_str().to_uppercase(),
                c.name,
                crate::output::escape_control(&c.message)
            )?;
        }
    }
    Ok(worst.exit_code())
}

type Perf = Vec<(String, String)>;

fn run_checks(ctx: &mut Ctx, args: &CheckArgs, skew: i64) -> Result<(Vec<Check>, Perf)> {
    let found = ctx.locate()?;
    let db = Db::open_read_only(&found.path, ctx.global.busy_timeout)?;
    let now = ctx.now;
    let s = &db.schema;
    let mut checks = Vec::new();
    let mut perf: Perf = Vec::new();

    // The integrity check reads every page: run it beside the table scan.
    let path = found.path.clone();
    let (pragma, timeout) = (
        if args.full {
            "integrity_check"
        } else {
            "quick_check"
        },
        ctx.global.busy_timeout,
    );
    let integrity = std::thread::spawn(move || -> Result<String> {
        let db = Db::open_read_only(&path, timeout)?;
        let mut stmt = db.conn.prepare(&format!("PRAGMA {pragma}"))?;
        let lines = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(lines.collect::<rusqlite::Result<Vec<_>>>()?.join("; "))
    });

    checks.push(if s.newer_than_known {
        check(
            "open",
            Status::Warning,
            format!(
                "{} layout, schema {} is newer than statectl knows (read-only)",
                s.layout.as_str(),
                s.effective_version
            ),
        )
    } else {
        check(
            "open",
            Status::Ok,
            format!(
                "{} layout, schema {} ({})",
                s.layout.as_str(),
                s.effective_version,
                s.rules.name
            ),
        )
    });

    let future = now + skew;
    let scanned = match scan_all(&db, now, future) {
        Ok(s) => s,
        // A damaged table is the finding, not a reason to give up on the other checks.
        Err(e) => {
            checks.push(check(
                "table_scan",
                Status::Critical,
                format!("cannot read plugin_state_entries: {e}"),
            ));
            BTreeMap::new()
        }
    };
    let total = |f: fn(&Scan) -> u64| scanned.values().map(f).sum::<u64>();
    let (live, expired) = (total(|x| x.live), total(|x| x.expired));
    perf.push(("rows".into(), (live + expired).to_string()));
    perf.push(("live".into(), live.to_string()));
    perf.push(("expired".into(), expired.to_string()));

    let corrupt = total(|x| x.corrupt);
    checks.push(if corrupt == 0 {
        check("corrupt_values", Status::Ok, "every value_json parses")
    } else {
        check(
            "corrupt_values",
            Status::Critical,
            format!(
                "{} rows whose value_json does not parse (the runtime fails reading them with PLUGIN_STATE_CORRUPT): {}",
                thousands(corrupt),
                examples(&db, "json_valid(value_json) = 0", future)?
            ),
        )
    });

    // Per-plugin live rows against the version's cap.
    let mut per_plugin: BTreeMap<&str, u64> = BTreeMap::new();
    for ((p, _), x) in &scanned {
        *per_plugin.entry(p).or_default() += x.live;
    }
    checks.push(match s.rules.plugin_live_cap {
        None => check(
            "plugin_cap",
            Status::Ok,
            "no per-plugin cap in this version",
        ),
        Some(cap) => {
            let mut worst = Status::Ok;
            let mut msgs = Vec::new();
            for (p, n) in &per_plugin {
                let pct = n * 100 / cap;
                let st = if pct >= args.plugin_crit {
                    Status::Critical
                } else if pct >= args.plugin_warn {
                    Status::Warning
                } else {
                    Status::Ok
                };
                if st > Status::Ok {
                    msgs.push(format!(
                        "plugin {p} at {}/{} live rows",
                        thousands(*n),
                        thousands(cap)
                    ));
                    perf.push((
                        format!("live_{p}"),
                        format!(
                            "{n};{};{}",
                            cap * args.plugin_warn / 100,
                            cap * args.plugin_crit / 100
                        ),
                    ));
                }
                worst = worst.max(st);
            }
            if msgs.is_empty() {
                let top = per_plugin.iter().max_by_key(|(_, n)| **n);
                check(
                    "plugin_cap",
                    Status::Ok,
                    match top {
                        Some((p, n)) => format!(
                            "largest plugin {p} at {}/{} live rows",
                            thousands(*n),
                            thousands(cap)
                        ),
                        None => format!("no rows; cap {} live rows per plugin", thousands(cap)),
                    },
                )
            } else {
                let note = if worst == Status::Critical {
                    " (new writes of that plugin fail)"
                } else {
                    ""
                };
                check("plugin_cap", worst, format!("{}{note}", msgs.join(", ")))
            }
        }
    });

    let over: Vec<String> = scanned
        .iter()
        .filter_map(|((p, n), x)| {
            let max = known::policy(p, n).max_entries?;
            (x.live > max).then(|| format!("{p}/{n} {}/{}", thousands(x.live), thousands(max)))
        })
        .collect();
    checks.push(if over.is_empty() {
        check(
            "namespace_cap",
            Status::Ok,
            "no namespace above its known maxEntries",
        )
    } else {
        check(
            "namespace_cap",
            Status::Warning,
            format!(
                "above maxEntries (the runtime evicts on its next write): {}",
                over.join(", ")
            ),
        )
    });

    let rows_total = live + expired;
    let share = (expired * 100).checked_div(rows_total).unwrap_or(0);
    checks.push(if expired > args.expired_warn || (expired >= 100 && share > args.expired_warn_share) {
        check("expired_backlog", Status::Warning, format!("{} expired rows ({share}% of all) not swept yet; `statectl prune --expired` removes them", thousands(expired)))
    } else {
        check("expired_backlog", Status::Ok, format!("{} expired rows waiting for the sweep", thousands(expired)))
    });

    let missing: Vec<String> = scanned
        .iter()
        .filter(|((p, n), x)| x.no_expiry > 0 && known::policy(p, n).ttl_expected)
        .map(|((p, n), x)| {
            let ttl = known::policy(p, n)
                .default_ttl_ms
                .map(format_span)
                .unwrap_or_default();
            format!("{p}/{n} {} rows (TTL {ttl})", thousands(x.no_expiry))
        })
        .collect();
    checks.push(if missing.is_empty() {
        check(
            "missing_ttl",
            Status::Ok,
            "rows of TTL namespaces all expire",
        )
    } else {
        check(
            "missing_ttl",
            Status::Warning,
            format!(
                "rows without expiry in namespaces that have a TTL: {}",
                missing.join(", ")
            ),
        )
    });

    let (bad_order, in_future) = (
        total(|x| x.expires_before_created),
        total(|x| x.created_in_future),
    );
    checks.push(if bad_order + in_future == 0 {
        check(
            "timestamps",
            Status::Ok,
            "created_at and expires_at are consistent",
        )
    } else {
        let mut parts = Vec::new();
        if bad_order > 0 {
            parts.push(format!(
                "{} rows expire before they were created ({})",
                thousands(bad_order),
                examples(
                    &db,
                    "expires_at IS NOT NULL AND expires_at < created_at",
                    future
                )?
            ));
        }
        if in_future > 0 {
            parts.push(format!(
                "{} rows created more than {} in the future ({})",
                thousands(in_future),
                args.skew,
                examples(&db, "created_at > :future", future)?
            ));
        }
        check("timestamps", Status::Warning, parts.join("; "))
    });

    checks.push(permissions(&found.path));

    let db_size = std::fs::metadata(&found.path).map(|m| m.len()).unwrap_or(0);
    let wal_size = std::fs::metadata(sidecar(&found.path, "-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    perf.push(("db_bytes".into(), format!("{db_size}B")));
    perf.push(("wal_bytes".into(), format!("{wal_size}B")));
    let mib = 1024 * 1024;
    checks.push(if wal_size > args.wal_warn_mib * mib {
        check(
            "wal_size",
            Status::Warning,
            format!(
                "WAL is {}, above {} MiB: checkpoints are not keeping up (a long-lived reader?)",
                human_bytes(wal_size),
                args.wal_warn_mib
            ),
        )
    } else {
        check(
            "wal_size",
            Status::Ok,
            format!("WAL {}", human_bytes(wal_size)),
        )
    });
    checks.push(if db_size > args.db_warn_mib * mib {
        check(
            "db_size",
            Status::Warning,
            format!(
                "database is {}, above {} MiB",
                human_bytes(db_size),
                args.db_warn_mib
            ),
        )
    } else {
        check(
            "db_size",
            Status::Ok,
            format!("database {}", human_bytes(db_size)),
        )
    });

    let legacy = found
        .legacy_beside
        .clone()
        .or_else(|| legacy_beside(&found.path, s.layout));
    checks.push(match legacy {
        Some(l) => check("legacy_file", Status::Warning, format!("legacy {} still present beside the shared database: run `openclaw doctor --fix`, or it left conflicts", l.display())),
        None => check("legacy_file", Status::Ok, "no unmigrated legacy database"),
    });

    let integrity = match integrity.join() {
        Ok(Ok(r)) if r == "ok" => check("integrity", Status::Ok, format!("{pragma} ok")),
        Ok(Ok(r)) => check("integrity", Status::Critical, format!("{pragma}: {r}")),
        Ok(Err(e)) => check(
            "integrity",
            Status::Unknown,
            format!("{pragma} could not run: {e}"),
        ),
        Err(_) => check(
            "integrity",
            Status::Unknown,
            format!("{pragma} could not run"),
        ),
    };
    checks.insert(1, integrity);
    Ok((checks, perf))
}
