//! `statectl check`: a health check for cron jobs and monitoring systems, with the
//! monitoring-plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Never writes.
//! The arguments and the report; the checks themselves are `ops::check`.

use crate::Ctx;
use crate::error::Result;
use crate::ops::check::{self as ops, Check, Facts, Limits, Status, check};
use crate::store::Db;
use crate::timefmt::parse_duration;
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Health check for scripts and monitoring: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
    after_help = "Examples:\n  statectl check                         one line per check; first line for monitoring\n  statectl check -o json | jq .status\n  statectl check --now +1d               how will it look in a day\n  */5 * * * * statectl check >/dev/null || alert   (cron)\n\nChecks: open (layout and schema known), integrity (quick_check, --full for\nintegrity_check), corrupt_values, unreadable_times (a time above 2^53-1 the runtime\ncannot read), namespace_integrity (rows of decoded namespaces whose key disagrees with\ntheir value, or whose value lacks the namespace's shape), plugin_cap, namespace_cap, expired_backlog,\nmissing_ttl, timestamps, permissions, wal_size, db_size, legacy_file, forecast (a plugin cap or a\nreject-new namespace full within --full-crit / --full-warn, by the forecast of `statectl top`),\ncap_deadlock (a plugin at its cap whose growing namespace cannot get room; names the namespace\nto prune), value_size (values above --value-warn % of the version's value cap), listing_index\n(idx_plugin_state_listing has this version's 4- or 5-column definition), stale (with\n--stale NS=DUR,...: a namespace whose newest write is older than DUR). Choose with\n--only NAME,... or --skip NAME,...."
)]
pub struct CheckArgs {
    /// Run only these checks (comma-separated names, as listed below)
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Leave out these checks (comma-separated names)
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub skip: Vec<String>,
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
    /// The forecast window W (as `statectl top --window`)
    #[arg(long, value_name = "DUR", default_value = "24h")]
    pub window: String,
    /// CRITICAL when a plugin cap or a reject-new namespace is forecast full within DUR
    #[arg(long, value_name = "DUR", default_value = "24h")]
    pub full_crit: String,
    /// WARNING when a plugin cap or a reject-new namespace is forecast full within DUR
    #[arg(long, value_name = "DUR", default_value = "7d")]
    pub full_warn: String,
    /// WARNING for live values above PCT of the version's value cap
    #[arg(long, value_name = "PCT", default_value_t = 90)]
    pub value_warn: u64,
    /// A plugin counts as near its cap for cap_deadlock from PCT of it (or when full within W)
    #[arg(long, value_name = "PCT", default_value_t = crate::store::capacity::NEAR_CAP_PCT)]
    pub deadlock_pct: u64,
    /// WARNING when a namespace's newest write is older than DUR (NAMESPACE=DUR, comma-separated)
    #[arg(long, value_name = "NS=DUR,...", value_delimiter = ',')]
    pub stale: Vec<String>,
}

impl CheckArgs {
    fn limits(&self) -> Result<Limits> {
        Ok(Limits {
            plugin_warn: self.plugin_warn,
            plugin_crit: self.plugin_crit,
            expired_warn: self.expired_warn,
            expired_warn_share: self.expired_warn_share,
            skew_ms: parse_duration(&self.skew)?,
            skew_text: self.skew.clone(),
            db_warn_mib: self.db_warn_mib,
            wal_warn_mib: self.wal_warn_mib,
            full: self.full,
            window_ms: parse_duration(&self.window)?,
            full_crit_ms: parse_duration(&self.full_crit)?,
            full_warn_ms: parse_duration(&self.full_warn)?,
            value_warn: self.value_warn,
            deadlock_pct: self.deadlock_pct,
            decode_rows: (self.only.is_empty()
                || self.only.iter().any(|n| n == "namespace_integrity"))
                && !self.skip.iter().any(|n| n == "namespace_integrity"),
            stale: self
                .stale
                .iter()
                .map(|s| stale_arg(s))
                .collect::<Result<_>>()?,
        })
    }
}

/// One `--stale NAMESPACE=DUR`.
fn stale_arg(s: &str) -> Result<(String, i64, String)> {
    let Some((ns, dur)) = s.split_once('=') else {
        return Err(crate::error::Error::new(
            crate::error::Kind::Usage,
            format!("--stale '{s}': expected NAMESPACE=DUR, e.g. slack.thread-participation=1h"),
        ));
    };
    let ns = ns.trim();
    if ns.is_empty() {
        return Err(crate::error::Error::new(
            crate::error::Kind::Usage,
            format!("--stale '{s}': the namespace is empty; expected NAMESPACE=DUR"),
        ));
    }
    Ok((ns.to_string(), parse_duration(dur)?, dur.to_string()))
}

/// The facts of the database `ctx` names; an error when it cannot be opened at all.
fn gather(ctx: &mut Ctx, lim: &Limits) -> Result<Facts> {
    let found = ctx.locate()?;
    let db = Db::open_read_only(&found.path, ctx.global.busy_timeout)?;
    Ok(ops::gather(&db, found.legacy_beside.clone(), ctx.now, lim))
}

/// `--all-dbs`: the checks of every database under the state dir.
fn every_db(ctx: &mut Ctx, lim: &Limits) -> Result<(Vec<Check>, Vec<ops::Perf>)> {
    let report = crate::ops::dbs::describe(
        &ctx.state_dir()?,
        ctx.global.busy_timeout,
        ctx.now,
        crate::ops::dbs::Detail::Open,
    )?;
    Ok(ops::every_db(
        &report,
        ctx.global.busy_timeout,
        ctx.now,
        lim,
    ))
}

/// Refuses a check name that does not exist (exit 3 under `check`, like every error).
fn check_names(names: &[String], flag: &str) -> Result<()> {
    for n in names {
        if !ops::CHECK_NAMES.contains(&n.as_str()) {
            let hint = match crate::store::names::did_you_mean(n, ops::CHECK_NAMES.iter().copied())
            {
                Some(best) => format!("did you mean '{best}'?"),
                None => format!("checks: {}", ops::CHECK_NAMES.join(", ")),
            };
            return Err(crate::error::Error::new(
                crate::error::Kind::Usage,
                format!("{flag}: no check named '{n}'; {hint}"),
            ));
        }
    }
    Ok(())
}

pub fn run(ctx: &mut Ctx, args: &CheckArgs) -> anyhow::Result<i32> {
    let lim = args.limits()?;
    check_names(&args.only, "--only")?;
    check_names(&args.skip, "--skip")?;
    let (mut checks, perf) = if ctx.global.all_dbs {
        every_db(ctx, &lim)?
    } else {
        match gather(ctx, &lim) {
            Ok(facts) => ops::evaluate(&facts, &lim),
            // No database to judge: nothing else can be checked.
            Err(e) => (vec![check("open", Status::Unknown, e.message)], Vec::new()),
        }
    };
    checks.retain(|c| {
        (args.only.is_empty() || args.only.iter().any(|n| n == c.name))
            && !args.skip.iter().any(|n| n == c.name)
    });
    let worst = ops::fold(&checks);
    crate::output::check::render(ctx, &checks, &perf, worst)?;
    Ok(worst.exit_code())
}
