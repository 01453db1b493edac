//! `statectl info`: which database, which layout and schema, which rules apply.

use crate::Ctx;
use clap::Args;

#[derive(Debug, Args)]
#[command(
    about = "Show the resolved database: path, layout, schema and app version, journal mode, sizes, row counts, rule set",
    after_help = "Examples:\n  statectl info\n  statectl --state-dir ~/.openclaw-work info -o json"
)]
pub struct InfoArgs {}

pub fn run(ctx: &mut Ctx, _args: &InfoArgs) -> anyhow::Result<()> {
    let db = ctx.open_read_noting_legacy()?;
    let info = crate::ops::info::gather(&db, ctx.now)?;
    crate::output::info::render(ctx, &db, &info)?;
    Ok(())
}
