//! `statectl top`: capacity per plugin and namespace against the runtime's caps, growth,
//! expiries and time-to-full, sorted by urgency; the largest values; where the bytes are.

use crate::error::{Error, Kind, Result};
use crate::ops::top::{self as op, TopRequest};
use crate::output::top as render;
use crate::store::capacity::{
    self, DEADLOCK_DEFINITION, FORECAST_BLIND_SPOTS, FORECAST_DEFINITION,
};
use crate::timefmt::parse_duration;
use crate::{Ctx, split_namespace};
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Capacity per plugin and namespace: caps, headroom, growth, expiries, time-to-full; largest values; space",
    long_about = None,
    after_help = top_help()
)]
pub struct TopArgs {
    /// NAMESPACE or PLUGIN/NAMESPACE (exact); omit for every namespace
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_namespace))]
    pub namespace: Option<String>,
    /// Only this plugin id
    #[arg(long, value_name = "ID")]
    pub plugin: Option<String>,
    /// The forecast window W
    #[arg(long, value_name = "DUR", default_value = "24h")]
    pub window: String,
    /// Measure growth instead: a second snapshot DUR after the first
    #[arg(long, value_name = "DUR", conflicts_with_all = ["values", "space"])]
    pub sample: Option<String>,
    /// The N largest live values, and each namespace's value sizes (p50/p90/p99/max)
    #[arg(long, value_name = "N", conflicts_with = "space")]
    pub values: Option<usize>,
    /// Bytes per table and index of the whole file, free pages, WAL, listing-index shape
    #[arg(long)]
    pub space: bool,
}

/// The help's examples and the definitions the output relies on, from their one place.
fn top_help() -> String {
    format!(
        "Examples:
  statectl top                          every plugin and namespace, most urgent first
  statectl top --plugin memory-core     one plugin's namespaces
  statectl top telegram.message-cache   one namespace
  statectl top --window 7d              forecast from a week of writes
  statectl top --sample 10m             measure growth over ten minutes instead
  statectl top --values 20              the 20 largest values and size distributions
  statectl top --space                  bytes per table and index, free pages, WAL

{FORECAST_DEFINITION} A namespace's FULL-IN is the earlier of its own and its plugin's \
(marked \"plugin\" when it is the cap). {FORECAST_BLIND_SPOTS}

{DEADLOCK_DEFINITION}

On a terminal FILL has a bar and WRITES/H (48H) a sparkline of live rows written per hour \
(oldest left); piped output has plain numbers only."
    )
}

pub fn run(ctx: &mut Ctx, args: &TopArgs) -> anyhow::Result<()> {
    Ok(top(ctx, args)?)
}

/// A duration flag that must be longer than 0.
fn positive(flag: &str, text: &str, example: &str) -> Result<i64> {
    let d = parse_duration(text)?;
    if d <= 0 {
        return Err(Error::new(
            Kind::InvalidDuration,
            format!("{flag} must be longer than 0, e.g. {example}"),
        ));
    }
    Ok(d)
}

fn top(ctx: &mut Ctx, args: &TopArgs) -> Result<()> {
    let window = positive("--window", &args.window, "24h")?;
    let (plugin, namespace) = match &args.namespace {
        Some(arg) => {
            let (p, n) = split_namespace(arg, args.plugin.as_deref())?;
            (p, Some(n))
        }
        None => (args.plugin.clone(), None),
    };
    let mut req = TopRequest {
        plugin,
        namespace,
        window,
        sample: None,
    };
    let db = ctx.open_read()?;
    op::check_named(&db, &req)?;
    if args.space {
        let space = capacity::space(&db.conn, &db.path)?;
        return render::space(ctx, &db.schema.rules, &space);
    }
    if let Some(n) = args.values {
        let (largest, dists) = op::values(&db, &req, ctx.now, n)?;
        return render::values(ctx, &db.schema.rules, &largest, &dists);
    }
    req.sample = args
        .sample
        .as_deref()
        .map(|d| positive("--sample", d, "10m"))
        .transpose()?;
    let with_sparks = ctx.format.is_table() && ctx.term.stdout_tty;
    let report = op::capacity(&db, &req, ctx.now, with_sparks, ctx.err)?;
    render::capacity(ctx, &report)
}
