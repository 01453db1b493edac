//! A writer with the OpenClaw runtime's settings (WAL, synchronous=NORMAL, busy
//! timeout 5 s, one BEGIN IMMEDIATE transaction per write that first deletes its
//! namespace's expired rows, as `register()` does). It writes until a stop file
//! appears (or --duration-ms passes), then prints latency figures as JSON and checks
//! that every row it wrote is still there.
//!
//!   cargo run --release --example gateway_writer -- --db X --stop-file F [--interval-ms 2]

use rusqlite::{Connection, params};
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let db = arg(&args, "--db").ok_or("--db is required")?;
    let stop = arg(&args, "--stop-file");
    let duration = arg(&args, "--duration-ms")
        .map(|v| v.parse::<u64>())
        .transpose()?;
    let interval = Duration::from_millis(
        arg(&args, "--interval-ms")
            .map(|v| v.parse())
            .transpose()?
            .unwrap_or(2),
    );
    let (plugin, ns) = ("torture", "gateway.writes");

    let c = Connection::open(&db)?;
    c.busy_timeout(Duration::from_millis(5_000))?;
    c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    let start = Instant::now();
    let (mut latencies, mut errors, mut written) = (Vec::new(), 0u64, Vec::new());
    let mut i = 0u64;
    loop {
        if stop
            .as_ref()
            .is_some_and(|s| std::path::Path::new(s).exists())
            || duration.is_some_and(|d| start.elapsed() >= Duration::from_millis(d))
        {
            break;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis() as i64;
        let key = format!("w{i:08}");
        let t = Instant::now();
        let r = (|| -> rusqlite::Result<()> {
            c.execute_batch("BEGIN IMMEDIATE")?;
            c.execute(
                "DELETE FROM plugin_state_entries WHERE plugin_id = ?1 AND namespace = ?2 AND expires_at IS NOT NULL AND expires_at <= ?3",
                params![plugin, ns, now],
            )?;
            c.execute(
                "INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, ?4, ?5, NULL)
                 ON CONFLICT (plugin_id, namespace, entry_key) DO UPDATE SET value_json = excluded.value_json, created_at = excluded.created_at",
                params![plugin, ns, key, format!(r#"{{"i":{i}}}"#), now],
            )?;
            c.execute_batch("COMMIT")
        })();
        match r {
            Ok(()) => {
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                written.push(key);
            }
            Err(e) => {
                errors += 1;
                eprintln!("write {i} failed: {e}");
                let _ = c.execute_batch("ROLLBACK");
            }
        }
        i += 1;
        std::thread::sleep(interval);
    }
    let mut missing = 0u64;
    let mut check = c.prepare("SELECT 1 FROM plugin_state_entries WHERE plugin_id = ?1 AND namespace = ?2 AND entry_key = ?3")?;
    for key in &written {
        if !check.exists(params![plugin, ns, key])? {
            missing += 1;
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        r#"{{"writes":{},"errors":{errors},"missing":{missing},"p50_ms":{:.2},"p99_ms":{:.2},"max_ms":{:.2}}}"#,
        latencies.len(),
        pct(0.50),
        pct(0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
    Ok(())
}
