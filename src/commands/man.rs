//! `statectl man`: manual pages generated from the same clap definition as `--help`,
//! with EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES sections.

use crate::Ctx;
use crate::cli::Cli;
use crate::error::{Error, Kind, Result};
use clap::{Args, CommandFactory};
use roff::{Roff, bold, roman};
use std::path::PathBuf;

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

const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "0",
        "success (a filter that matches nothing, or a known namespace without rows, is still success)",
    ),
    ("1", "runtime failure: I/O, SQLite, a corrupt database"),
    ("2", "usage error, or an invalid export file"),
    (
        "3",
        "not found: inspect of a missing key; a namespace named explicitly that exists neither in the database nor in the known-namespace table (a known namespace without rows is an empty result, exit 0)",
    ),
    (
        "4",
        "refused: confirmation needed without a terminal (--yes), protected namespace without --force, schema newer than supported, ownership fence, import conflict or plugin cap",
    ),
    (
        "5",
        "database busy: the lock was not obtained within the busy timeout",
    ),
    ("130", "interrupted"),
];

const CHECK_STATUS: &[(&str, &str)] = &[
    ("0", "OK"),
    ("1", "WARNING"),
    ("2", "CRITICAL"),
    ("3", "UNKNOWN: the database cannot be opened or read"),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    ("STATECTL_DB", "the database file, as --db"),
    (
        "STATECTL_NAMESPACES_FILE",
        "the namespaces file, as --namespaces-file",
    ),
    (
        "XDG_CONFIG_HOME",
        "where the default namespaces file is looked for (default ~/.config)",
    ),
    (
        "OPENCLAW_STATE_DIR",
        "OpenClaw's state dir (default ~/.openclaw, else the legacy ~/.clawdbot)",
    ),
    (
        "OPENCLAW_HOME",
        "the home directory OpenClaw uses, before HOME",
    ),
    (
        "OPENCLAW_SUPERVISOR_MODE",
        "set to external to write to a database fenced by an external supervisor",
    ),
    ("NO_COLOR", "no colour in tables"),
    (
        "COMPLETE",
        "set by the completion scripts when they ask statectl for candidates",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "<state dir>/state/openclaw.sqlite",
        "shared layout (OpenClaw 2026.5.30 onward)",
    ),
    (
        "<state dir>/plugin-state/state.sqlite",
        "legacy layout (OpenClaw 2026.4.29 to 2026.5.28)",
    ),
    (
        "~/.config/statectl/namespaces.toml",
        "namespaces statectl does not ship: [[namespace]] tables with plugin, namespace (a trailing * makes a prefix), max, ttl, policy (evict|reject), prune (safe|caution|never), secret, memory_first",
    ),
    (
        "/tmp/openclaw-state-locks-<uid>/state-lifecycle.<hash>.lock.sqlite",
        "the runtime's writer lock (2026.9), taken around each write",
    ),
];

fn list(roff: &mut Roff, title: &str, items: &[(&str, &str)]) {
    roff.control("SH", [title]);
    for (term, text) in items {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*text)]);
    }
}

/// One page: clap_mangen's sections, then ours.
fn page(cmd: &clap::Command, is_root: bool) -> Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut out)?;
    }
    let mut roff = Roff::default();
    if let Some(after) = cmd.get_after_help() {
        roff.control("SH", ["EXAMPLES"]);
        roff.control("nf", []);
        for line in after.to_string().lines().filter(|l| *l != "Examples:") {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
    }
    let is_check = cmd.get_name() == "check";
    list(
        &mut roff,
        "EXIT STATUS",
        if is_check { CHECK_STATUS } else { EXIT_STATUS },
    );
    list(&mut roff, "ENVIRONMENT", ENVIRONMENT);
    list(&mut roff, "FILES", FILES);
    if !is_root {
        roff.control("SH", ["SEE ALSO"]);
        roff.text([bold("statectl"), roman("(1)")]);
    }
    roff.to_writer(&mut out)?;
    Ok(out)
}

/// Every page, by file name: `statectl.1`, then `statectl-<subcommand>.1`.
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = vec![("statectl.1".to_string(), page(&cmd, true)?)];
    for sub in cmd.get_subcommands() {
        out.push((format!("statectl-{}.1", sub.get_name()), page(sub, false)?));
    }
    Ok(out)
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

/// Renders the page with `man -l -` (which pages it on the terminal); without `man`,
/// prints the roff source and says how to read it.
fn show_in_pager(ctx: &mut Ctx, page: &[u8]) -> Result<()> {
    use std::io::Write;
    ctx.out.flush()?;
    let child = std::process::Command::new("man")
        .args(["-l", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            ctx.out.write_all(page)?;
            ctx.out.flush()?;
            writeln!(
                ctx.err,
                "hint: `man` is not installed, so this is the page's roff source; install man-db, or read it with `statectl man | groff -man -Tutf8 | less`"
            )?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A pager quit early closes its end: not an error.
        if let Err(e) = stdin.write_all(page)
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e.into());
        }
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(Error::new(
            Kind::Runtime,
            format!("`man -l -` failed ({status}); read the page with `statectl man | less`"),
        ));
    }
    Ok(())
}
