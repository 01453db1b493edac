//! The work of `statectl top`: checks the namespace asked for exists, then takes the
//! capacity snapshot (with a second, measured snapshot for `--sample`), the largest
//! values, or the file's space, for `output::top` to render.

use crate::error::Result;
use crate::store::capacity::{self, Capacity, LargeValue, NEAR_CAP_PCT, SPARK_HOURS, SizeDist};
use crate::store::{Db, known};
use crate::timefmt::{Ms, format_span};
use std::collections::HashMap;
use std::io::Write;

/// What `top` was asked, validated.
pub struct TopRequest {
    pub plugin: Option<String>,
    pub namespace: Option<String>,
    /// The forecast window, ms (> 0).
    pub window: i64,
    /// `--sample`: ms between the two snapshots (> 0).
    pub sample: Option<i64>,
}

/// Writes per hour of the last [`SPARK_HOURS`], per (plugin, namespace).
pub type Sparks = HashMap<(String, String), [u64; SPARK_HOURS]>;

/// The capacity view: the assessment, the sparklines (on a terminal) and the forecast's
/// basis in words.
pub struct CapacityReport {
    pub cap: Capacity,
    pub sparks: Option<Sparks>,
    pub basis: String,
}

/// Refuses a namespace that is neither stored nor known, with the did-you-mean every
/// other command names a typo with.
pub fn check_named(db: &Db, req: &TopRequest) -> Result<()> {
    let Some(ns) = &req.namespace else {
        return Ok(());
    };
    let plugin = req.plugin.as_deref();
    let owners = crate::store::query::plugins_of_namespace(&db.conn, ns)?;
    let in_db = owners.iter().any(|p| plugin.is_none_or(|want| want == p));
    let known_ns = known::policy(plugin.unwrap_or(""), ns).known
        || owners.iter().any(|p| known::policy(p, ns).known);
    if !in_db && !known_ns {
        let stored = crate::store::names::stored_names(&db.conn)?;
        return Err(crate::store::names::not_found(
            &stored, &db.path, plugin, ns,
        ));
    }
    Ok(())
}

/// The N largest live values and each namespace's size distribution.
pub fn values(
    db: &Db,
    req: &TopRequest,
    now: Ms,
    n: usize,
) -> Result<(Vec<LargeValue>, Vec<SizeDist>)> {
    capacity::largest_values(
        &db.conn,
        now,
        req.plugin.as_deref(),
        req.namespace.as_deref(),
        n,
    )
}

/// The capacity snapshot, forecast from the window's history or, with `--sample`, from
/// the measured change over the sample (announced on `err` before the wait).
pub fn capacity(
    db: &Db,
    req: &TopRequest,
    now: Ms,
    with_sparks: bool,
    err: &mut dyn Write,
) -> Result<CapacityReport> {
    let (window, plugin) = (req.window, req.plugin.as_deref());
    let mut scans = capacity::scan(&db.conn, now, window, plugin)?;
    let basis = match req.sample {
        None => format!("writes and expiries over {}", format_span(window)),
        Some(span) => {
            let later_now = crate::timefmt::offset(now, span, "--now plus --sample")?;
            let _ = writeln!(err, "sampling: second snapshot in {}", format_span(span));
            let _ = err.flush();
            std::thread::sleep(std::time::Duration::from_millis(span as u64));
            let later: HashMap<(String, String), u64> =
                capacity::scan(&db.conn, later_now, window, plugin)?
                    .into_iter()
                    .map(|s| ((s.plugin_id, s.namespace), s.live))
                    .collect();
            // The measured change, scaled to the window, stands in for writes - expiries.
            for s in &mut scans {
                let after = later
                    .get(&(s.plugin_id.clone(), s.namespace.clone()))
                    .copied()
                    .unwrap_or(0);
                let delta = i128::from(after) - i128::from(s.live);
                let scaled = (delta * i128::from(window) / i128::from(span)) as i64;
                s.writes_window = scaled.max(0) as u64;
                s.expiring_window = (-scaled).max(0) as u64;
            }
            format!(
                "measured change of live rows over {}, scaled to {}",
                format_span(span),
                format_span(window)
            )
        }
    };
    let mut cap = capacity::assess(scans, db.schema.rules, now, window, NEAR_CAP_PCT);
    if let Some(ns) = &req.namespace {
        cap.namespaces.retain(|n| &n.scan.namespace == ns);
        cap.plugins.retain(|p| {
            cap.namespaces
                .iter()
                .any(|n| n.scan.plugin_id == p.plugin_id)
        });
    }
    let sparks = if with_sparks {
        Some(capacity::writes_per_hour(&db.conn, now, plugin)?)
    } else {
        None
    };
    Ok(CapacityReport { cap, sparks, basis })
}
