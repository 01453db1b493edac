//! Writes a realistic plugin state database of N rows for benchmarks and torture tests:
//! 20 plugins, 100 namespaces shaped like the ones in the field (a few large, many
//! small), keys and values of realistic sizes (50 B to 4 KiB, a few near the 64 KiB
//! limit), 30% expired rows, and for the shared layout the load of the other tables.
//!
//!   cargo run --release --example gen_db -- --rows 1000000 --layout shared --out big.sqlite
//!
//! `--spread uniform` writes the rows in time order instead, with expired rows spread
//! evenly through key and time order (see [`uniform`]).
//!
//! The bench target namespace `slack/slack.thread-participation` holds exactly N/10 rows.

use rusqlite::{Connection, params};
use std::path::PathBuf;

/// The clock of the generated data: rows are created in the week before it.
pub const NOW: i64 = 1_795_707_055_987;
const DAY: i64 = 86_400_000;

const LEGACY_SCHEMA: &str = include_str!("../tests/fixtures/legacy-schema.sql");

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// One generated row: its namespace (an index into [`namespaces`]), key, times, and
/// the number its value carries.
struct Row {
    space: usize,
    key: String,
    created: i64,
    expires: Option<i64>,
    id: u64,
}

type Put<'a> = dyn FnMut(Row, &mut fastrand::Rng) -> rusqlite::Result<usize> + 'a;

/// `--spread grouped` (the default): each namespace's rows written together (so the
/// table's pages hold one namespace each), random creation times in the last week, random
/// keys, and 30% expired, 50% with a future TTL, 20% without one, drawn at random.
fn grouped(
    rows: u64,
    spaces: &[(String, String, u32)],
    rng: &mut fastrand::Rng,
    put: &mut Put,
) -> rusqlite::Result<u64> {
    let per_mille_total: u64 = spaces.iter().map(|s| u64::from(s.2)).sum();
    let mut written = 0u64;
    for (idx, (_, ns, share)) in spaces.iter().enumerate() {
        let n = if idx == 0 {
            rows / 10
        } else if idx == spaces.len() - 1 {
            rows - written
        } else {
            (rows * u64::from(*share) / per_mille_total).min(rows - written)
        };
        for i in 0..n {
            let created = NOW - rng.i64(0..7 * DAY);
            let expires = match rng.u32(0..10) {
                0..3 => Some(created + rng.i64(1..=(NOW - created).max(1))), // expired (<= NOW)
                3..8 => Some(NOW + rng.i64(60_000..2 * DAY)),
                _ => None,
            };
            let key = format!("{}:{:08x}:{i}", prefix(ns), rng.u32(..));
            let id = written + i;
            put(
                Row {
                    space: idx,
                    key,
                    created,
                    expires,
                    id,
                },
                rng,
            )?;
        }
        written += n;
    }
    Ok(written)
}

/// `--spread uniform`: rows written in creation order over the last week, the way a
/// gateway writes them (namespaces interleaved through the table's pages), keys that
/// sort in creation order, and in every namespace exactly 3 rows in 10 expired, evenly
/// spaced through key and time order (then 5 with a future TTL, 2 without one).
/// `slack/slack.thread-participation` still holds exactly N/10 rows.
fn uniform(
    rows: u64,
    spaces: &[(String, String, u32)],
    rng: &mut fastrand::Rng,
    put: &mut Put,
) -> rusqlite::Result<u64> {
    // The other 90% of the rows go to the other namespaces by their shares.
    let shares: Vec<u64> = spaces.iter().skip(1).map(|s| u64::from(s.2)).collect();
    let total: u64 = shares.iter().sum();
    let mut counts = vec![0u64; spaces.len()];
    for j in 0..rows {
        let space = if j % 10 == 0 {
            0
        } else {
            let mut pick = rng.u64(0..total);
            let mut k = 0;
            while pick >= shares[k] {
                pick -= shares[k];
                k += 1;
            }
            k + 1
        };
        let created = NOW - 7 * DAY + (j as i64) * (7 * DAY) / (rows as i64).max(1);
        let nth = counts[space];
        counts[space] += 1;
        let expires = match nth % 10 {
            2 | 5 | 8 => Some(created + rng.i64(1..=(NOW - created).max(1))),
            7 | 9 => None,
            _ => Some(NOW + rng.i64(60_000..2 * DAY)),
        };
        let key = format!("{}:{j:010}", prefix(&spaces[space].1));
        put(
            Row {
                space,
                key,
                created,
                expires,
                id: j,
            },
            rng,
        )?;
    }
    Ok(rows)
}

fn prefix(ns: &str) -> &str {
    ns.split('.').next().unwrap_or("k")
}

/// (plugin, namespace, share of rows in per mille).
fn namespaces() -> Vec<(String, String, u32)> {
    let mut out: Vec<(String, String, u32)> = vec![
        ("slack".into(), "slack.thread-participation".into(), 100),
        ("discord".into(), "discord.components".into(), 120),
        ("telegram".into(), "telegram.message-cache".into(), 100),
        ("memory-core".into(), "short-term-recall".into(), 100),
        (
            "telegram-message-dispatch-dedupe".into(),
            "telegram.message-dispatch-dedupe.0123456789abcdef0123456789abcdef".into(),
            80,
        ),
    ];
    let plugins = [
        "slack",
        "discord",
        "msteams",
        "matrix",
        "telegram",
        "device-pair",
        "imap",
        "browser",
        "beam",
        "onepassword",
        "memory-core",
        "core:system-agent",
        "core:provider-auth",
        "community-weather",
        "community-jira",
        "community-notion",
        "community-github",
        "community-calendar",
        "community-rss",
    ];
    let known = [
        ("discord", "discord.modals"),
        ("msteams", "msteams.sent-messages"),
        ("matrix", "matrix.approval-reactions"),
        ("telegram", "telegram.sent-messages"),
        ("telegram", "telegram.update-offsets"),
        ("telegram", "telegram.bot-info-cache"),
        ("telegram", "telegram.thread-bindings"),
        ("telegram", "telegram.sticker-cache"),
        ("telegram", "telegram.poll-registry"),
        ("device-pair", "notify-seen-requests"),
        ("device-pair", "notify-subscribers"),
        ("imap", "dispatch-claim"),
        ("browser", "browser.session-tabs"),
        ("beam", "sessions"),
        ("core:system-agent", "rescue-pending"),
    ];
    for (p, n) in known {
        out.push((p.into(), n.into(), 0));
    }
    let mut i = 0;
    while out.len() < 100 {
        let plugin = plugins[i % plugins.len()];
        out.push((
            plugin.to_string(),
            format!("{}.cache-{i:02}", plugin.trim_start_matches("core:")),
            0,
        ));
        i += 1;
    }
    // The remaining half of the rows, spread unevenly (Zipf-like) over the small ones.
    let small = out.len() - 5;
    let weights: Vec<f64> = (1..=small).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    for (k, w) in weights.iter().enumerate() {
        out[5 + k].2 = ((w / total) * 500.0).round().max(1.0) as u32;
    }
    out
}

fn value(rng: &mut fastrand::Rng, i: u64, created: i64) -> String {
    let size = if i % 50_000 == 49_999 {
        60_000
    } else {
        match rng.u32(0..100) {
            0..75 => rng.usize(10..200),
            75..97 => rng.usize(200..1_500),
            _ => rng.usize(1_500..4_000),
        }
    };
    let text: String = std::iter::repeat_with(|| rng.alphanumeric())
        .take(size)
        .collect();
    format!(r#"{{"version":1,"id":{i},"at":{created},"text":"{text}"}}"#)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let rows: u64 = arg(&args, "--rows")
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(100_000);
    let layout = arg(&args, "--layout").unwrap_or_else(|| "shared".into());
    let out = PathBuf::from(arg(&args, "--out").ok_or("--out FILE is required")?);
    let spread = arg(&args, "--spread").unwrap_or_else(|| "grouped".into());
    if spread != "grouped" && spread != "uniform" {
        return Err("--spread is grouped or uniform".into());
    }
    let seed: u64 = arg(&args, "--seed")
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(7);
    let _ = std::fs::remove_file(&out);

    let conn = if layout == "shared" {
        // The schema and tables of a real 2026.9.6 database, emptied.
        let template = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/shared-2026.9.6.sqlite"
        );
        std::fs::copy(template, &out)?;
        let c = Connection::open(&out)?;
        c.execute_batch("DELETE FROM plugin_state_entries;")?;
        c
    } else {
        let c = Connection::open(&out)?;
        c.execute_batch(LEGACY_SCHEMA)?;
        c
    };
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; BEGIN;")?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let spaces = namespaces();
    let written = {
        let mut insert =
            conn.prepare("INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        let mut put = |row: Row, rng: &mut fastrand::Rng| {
            let (plugin, ns, _) = &spaces[row.space];
            insert.execute(params![
                plugin,
                ns,
                row.key,
                value(rng, row.id, row.created),
                row.created,
                row.expires
            ])
        };
        if spread == "uniform" {
            uniform(rows, &spaces, &mut rng, &mut put)?
        } else {
            grouped(rows, &spaces, &mut rng, &mut put)?
        }
    };
    if layout == "shared" {
        // The other tables' load: plugin blobs, about 4 KiB each.
        let mut blob = conn
            .prepare("INSERT INTO plugin_blob_entries VALUES (?1, ?2, ?3, '{}', ?4, ?5, NULL)")?;
        for i in 0..rows / 100 {
            let bytes: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(4096).collect();
            blob.execute(params![
                "browser",
                "browser.screenshots",
                format!("shot-{i}"),
                bytes,
                NOW - rng.i64(0..DAY)
            ])?;
        }
    }
    conn.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE);")?;
    let expired: i64 = conn.query_row(
        "SELECT COUNT(*) FROM plugin_state_entries WHERE expires_at IS NOT NULL AND expires_at <= ?1",
        [NOW],
        |r| r.get(0),
    )?;
    println!(
        "{} rows ({expired} expired at {NOW}) in {} namespaces, {layout} layout, {spread} spread: {}",
        written,
        spaces.len(),
        out.display()
    );
    Ok(())
}
