//! The manual pages: clap_mangen's sections from the same clap definition as `--help`,
//! then EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES; shown through `man` on a terminal.

use crate::Ctx;
use crate::cli::Cli;
use crate::error::{Error, Kind, Result};
use clap::CommandFactory;
use roff::{Roff, bold, roman};

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
        "OPENCLAW_CONFIG_PATH",
        "the gateway's openclaw.json (JSON5), read for account ids and the Telegram bot token's id and fingerprint (never printed); else <state dir>/openclaw.json, then clawdbot.json",
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
        "<state dir>/openclaw.json",
        "the gateway's configuration, read only: hashed MS Teams account names are mapped back and Telegram update offsets compared with the bot (`statectl info` says which file was read)",
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

/// Renders the page with `man -l -` (which pages it on the terminal); without `man`,
/// prints the roff source and says how to read it.
pub fn show_in_pager(ctx: &mut Ctx, page: &[u8]) -> Result<()> {
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
