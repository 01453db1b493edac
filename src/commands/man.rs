//! `statectl man`: manual pages generated from the same clap definition as `--help`,
//! with EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES sections.

use crate::Ctx;
use crate::error::{Error, Kind};
use crate::output::man::show_in_pager;
use clap::Args;
use std::path::PathBuf;

/// Every page, by file name (rendered by output::man).
pub use crate::output::man::pages;

#[derive(Debug, Args)]
#[command(
    about = "Show a manual page (through `man` on a terminal, roff when piped), or write every page with --dir",
    after_help = "Examples:\n  statectl man                 statectl(1), in the pager\n  statectl man prune           statectl-prune(1)\n  statectl man | man -l -\n  statectl man --dir /usr/local/share/man/man1"
)]
pub struct ManArgs {
    /// The subcommand whose page to show (default: statectl(1))
    #[arg(conflicts_with = "dir")]
    pub command: Option<String>,
    /// Write statectl.1 and one page per subcommand into DIR
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(ctx: &mut Ctx, args: &ManArgs) -> anyhow::Result<()> {
    let pages = pages()?;
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            for (name, bytes) in &pages {
                std::fs::write(dir.join(name), bytes)?;
            }
            writeln!(
                ctx.err,
                "wrote {} manual pages to {}",
                pages.len(),
                dir.display()
            )?;
        }
        None => {
            let name = match &args.command {
                None => "statectl.1".to_string(),
                Some(c) => format!("statectl-{c}.1"),
            };
            let Some((_, page)) = pages.iter().find(|(n, _)| *n == name) else {
                let subs: Vec<&str> = pages
                    .iter()
                    .filter_map(|(n, _)| n.strip_prefix("statectl-")?.strip_suffix(".1"))
                    .collect();
                let word = args.command.as_deref().unwrap_or_default();
                let hint = match crate::store::names::did_you_mean(word, subs.iter().copied()) {
                    Some(best) => format!("did you mean `statectl man {best}`?"),
                    None => format!("pages: {}", subs.join(", ")),
                };
                anyhow::bail!(Error::new(
                    Kind::Usage,
                    format!("no manual page for '{word}'; {hint}")
                ));
            };
            if ctx.term.stdout_tty {
                show_in_pager(ctx, page)?;
            } else {
                ctx.out.write_all(page)?;
            }
        }
    }
    Ok(())
}
