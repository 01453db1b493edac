//! The command line: global options (with their environment variables) and one enum
//! of subcommands. Each subcommand's arguments live beside its code in `commands/`.

use crate::commands;
use crate::output::format::{self, Format};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Help headings: options are grouped by what they are about in `--help` and man pages.
pub const SELECTION: &str = "Selection";
pub const OUTPUT: &str = "Output";
pub const DATABASE: &str = "Database";
pub const SAFETY: &str = "Safety";

#[derive(Debug, Parser)]
#[command(
    name = "statectl",
    version,
    about = "Inspect and administer OpenClaw plugin state (plugin_state_entries) safely beside a running gateway",
    long_about = None,
    after_help = "Examples:\n  statectl ls                                   namespaces, row counts and fill\n  statectl ls slack.thread-participation        entries in the runtime's order\n  statectl inspect discord.modals mdl_psNmNrqc  one entry with times and value\n  statectl info                                 which database, layout and rules"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The database file (default: found from the OpenClaw state dir)
    #[arg(long, global = true, env = "STATECTL_DB", value_name = "PATH", help_heading = DATABASE,
          add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_db))]
    pub db: Option<PathBuf>,
    /// The OpenClaw state dir to look in (default: OPENCLAW_STATE_DIR, ~/.openclaw, ~/.clawdbot)
    #[arg(long, global = true, value_name = "DIR", help_heading = DATABASE)]
    pub state_dir: Option<PathBuf>,
    /// Evaluate liveness as of TIME: epoch ms, @epoch-seconds, RFC 3339, local 2026-11-27 or '2026-11-27 14:30', or relative +2h / -30m
    #[arg(long, global = true, value_name = "TIME", allow_hyphen_values = true, help_heading = SELECTION)]
    pub now: Option<String>,
    /// Output format (default: table); each command refuses one it cannot render
    #[arg(short = 'o', long, global = true, value_enum, help_heading = OUTPUT)]
    pub format: Option<Format>,
    /// Namespaces to add to the built-in table (default: ~/.config/statectl/namespaces.toml)
    #[arg(
        long,
        global = true,
        help_heading = DATABASE,
        env = "STATECTL_NAMESPACES_FILE",
        value_name = "FILE"
    )]
    pub namespaces_file: Option<PathBuf>,
    /// No warnings on stderr (errors are still printed)
    #[arg(short = 'q', long, global = true, help_heading = OUTPUT)]
    pub quiet: bool,
    /// Run over every plugin-state database under the state dir (ls, check, top, export; see `statectl dbs`)
    #[arg(long, global = true, help_heading = DATABASE, conflicts_with = "matrix_account")]
    pub all_dbs: bool,
    /// Use the active root of this Matrix account (matrix/accounts/NAME/...; see `statectl dbs`)
    #[arg(long, global = true, value_name = "NAME", help_heading = DATABASE,
          add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_matrix_account))]
    pub matrix_account: Option<String>,
    /// Milliseconds to wait for a locked database before giving up (exit 5)
    #[arg(long, global = true, value_name = "MS", default_value_t = crate::store::DEFAULT_BUSY_TIMEOUT_MS, help_heading = DATABASE)]
    pub busy_timeout: u64,
}

impl GlobalArgs {
    /// Errors go to stderr as JSON too.
    pub fn wants_json(&self) -> bool {
        self.format.is_some_and(Format::is_json)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Ls(commands::ls::LsArgs),
    Inspect(commands::inspect::InspectArgs),
    Explain(commands::explain::ExplainArgs),
    Info(commands::info::InfoArgs),
    Dbs(commands::dbs::DbsArgs),
    Prune(commands::prune::PruneArgs),
    Expire(commands::expire::ExpireArgs),
    Export(commands::export::ExportArgs),
    Import(commands::import::ImportArgs),
    Verify(commands::verify::VerifyArgs),
    Backup(commands::backup::BackupArgs),
    Check(commands::check::CheckArgs),
    Diff(commands::diff::DiffArgs),
    Watch(commands::watch::WatchArgs),
    Top(commands::top::TopArgs),
    Completions(commands::completions::CompletionsArgs),
    Man(commands::man::ManArgs),
}

impl Command {
    /// The formats the subcommand can render (cli-contract.md "Output formats per
    /// command"); a new command adds its line here.
    pub fn formats(&self) -> &'static [Format] {
        match self {
            Command::Ls(_) | Command::Diff(_) | Command::Watch(_) | Command::Top(_) => format::LIST,
            Command::Explain(_) => format::REPORT,
            Command::Inspect(_)
            | Command::Info(_)
            | Command::Dbs(_)
            | Command::Prune(_)
            | Command::Expire(_)
            | Command::Import(_)
            | Command::Verify(_)
            | Command::Backup(_)
            | Command::Check(_) => format::REPORT,
            Command::Export(_) | Command::Completions(_) | Command::Man(_) => format::NONE,
        }
    }

    /// The subcommand's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Ls(_) => "ls",
            Command::Inspect(_) => "inspect",
            Command::Explain(_) => "explain",
            Command::Info(_) => "info",
            Command::Dbs(_) => "dbs",
            Command::Prune(_) => "prune",
            Command::Expire(_) => "expire",
            Command::Export(_) => "export",
            Command::Import(_) => "import",
            Command::Verify(_) => "verify",
            Command::Backup(_) => "backup",
            Command::Check(_) => "check",
            Command::Top(_) => "top",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
            Command::Diff(_) => "diff",
            Command::Watch(_) => "watch",
        }
    }
}

/// The commands other tools taught users to type, and what statectl calls them.
const FAMILIAR: &[(&str, &str)] = &[
    (
        "get",
        "read one entry with `statectl inspect NAMESPACE KEY` (or list with `statectl ls NAMESPACE`)",
    ),
    (
        "show",
        "read one entry with `statectl inspect NAMESPACE KEY`",
    ),
    (
        "cat",
        "read one entry with `statectl inspect NAMESPACE KEY --value-only`",
    ),
    (
        "rm",
        "delete entries with `statectl prune NAMESPACE --key KEY` (see `statectl prune --help`)",
    ),
    (
        "del",
        "delete entries with `statectl prune NAMESPACE --key KEY` (see `statectl prune --help`)",
    ),
    (
        "delete",
        "delete entries with `statectl prune NAMESPACE --key KEY` (see `statectl prune --help`)",
    ),
    (
        "list",
        "list with `statectl ls` (namespaces) or `statectl ls NAMESPACE` (entries)",
    ),
];

/// Parses the command line. `--all-dbs` and `--matrix-account` choose the database
/// themselves: with `--db` on the line they are a conflict (exit 2), while a
/// `STATECTL_DB` in the environment is only a default, which they replace (clap would
/// count the variable as `--db` given).
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::{FromArgMatches, parser::ValueSource};
    let matches = command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    let chooser = if cli.global.all_dbs {
        Some("--all-dbs")
    } else if cli.global.matrix_account.is_some() {
        Some("--matrix-account <NAME>")
    } else {
        None
    };
    if let Some(flag) = chooser {
        match matches.value_source("db") {
            Some(ValueSource::CommandLine) => {
                return Err(command().error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("the argument '{flag}' cannot be used with '--db <PATH>'"),
                ));
            }
            Some(_) => cli.global.db = None,
            None => {}
        }
    }
    Ok(cli)
}

/// A parse error, with a tip when the user typed a subcommand another tool has
/// (`get`, `rm`, `del`, `delete`, ...).
pub fn with_tips(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand {
        return e;
    }
    let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidSubcommand) else {
        return e;
    };
    if let Some((_, tip)) = FAMILIAR.iter().find(|(w, _)| w == word) {
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![format!("statectl has no '{word}': {tip}").into()]),
        );
    }
    e
}

/// The command line definition as statectl prints its help: the prose after the options
/// (`after_help`) is written hard-wrapped in the source, and clap wraps each source line
/// again at the terminal's width, so a paragraph would come out ragged on an 80-column
/// terminal. Here every paragraph becomes one line for clap to wrap; indented lines
/// (examples) stay as they are, except that an example whose comment would not fit the
/// terminal gets the comment on the next line, so that clap's wrap cannot leave a piece
/// of it where the next example would start.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    // clap's own width: the terminal's, else 100.
    let width = crate::output::Term::detect().width.map_or(100, usize::from);
    reflow_after_help(Cli::command(), width)
}

fn reflow_after_help(cmd: clap::Command, width: usize) -> clap::Command {
    let cmd = match cmd.get_after_help().map(|t| reflow(&t.to_string(), width)) {
        Some(text) => cmd.after_help(text),
        None => cmd,
    };
    cmd.mut_subcommands(|sub| reflow_after_help(sub, width))
}

/// Joins each run of unindented, non-blank lines into one line; an indented
/// `command  comment` line wider than `width` becomes two.
pub fn reflow(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prose = false;
    for (i, line) in text.split('\n').enumerate() {
        let starts_prose = !line.is_empty() && !line.starts_with(char::is_whitespace);
        if i > 0 {
            out.push(if prose && starts_prose { ' ' } else { '\n' });
        }
        match example_comment(line).filter(|_| line.chars().count() > width) {
            Some((command, comment)) => {
                out.push_str(command);
                out.push_str("\n      ");
                out.push_str(comment);
            }
            None => out.push_str(line),
        }
        prose = starts_prose;
    }
    out
}

/// An indented example with a comment after two or more spaces: (command, comment).
fn example_comment(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_prefix("  ")?.trim_start();
    let indent = line.len() - body.len();
    let gap = body.find("  ")?;
    let comment = body[gap..].trim_start();
    (!comment.is_empty()).then(|| (&line[..indent + gap], comment))
}

/// Which rows: shared by every command that selects entries.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = SELECTION)]
pub struct SelectArgs {
    /// Only this plugin id (namespaces are unique only per plugin)
    #[arg(long, value_name = "ID")]
    pub plugin: Option<String>,
    /// Only this exact key (repeatable; may start with '-', like Telegram chat ids)
    #[arg(long = "key", value_name = "K", allow_hyphen_values = true, add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_key))]
    pub keys: Vec<String>,
    /// Only keys starting with P (case-sensitive)
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    pub prefix: Option<String>,
    /// Only keys matching GLOB (`*` any run, `?` one character; case-sensitive)
    #[arg(long = "match", value_name = "GLOB", allow_hyphen_values = true)]
    pub glob: Option<String>,
    /// Only entries created at least DUR ago (500ms, 90s, 15m, 2h, 7d, 1h30m)
    #[arg(long, value_name = "DUR")]
    pub older_than: Option<String>,
    /// Only entries created less than DUR ago
    #[arg(long, value_name = "DUR")]
    pub newer_than: Option<String>,
    /// Only entries with a TTL that ends within DUR
    #[arg(long, value_name = "DUR")]
    pub expires_within: Option<String>,
    /// Only entries without a TTL
    #[arg(long)]
    pub no_expiry: bool,
    /// Only expired entries the runtime has not swept yet
    #[arg(long, conflicts_with = "include_expired")]
    pub expired: bool,
    /// Live and expired entries (default: live only, as the runtime sees them)
    #[arg(long)]
    pub include_expired: bool,
    /// Only rows whose decoded FIELD matches (repeatable, AND-ed): FIELD=VALUE, FIELD~GLOB,
    /// FIELD<VALUE, FIELD>VALUE (numbers; times as epoch ms, RFC 3339 or +2h/-30m).
    /// The fields of a namespace: `statectl explain NAMESPACE`
    #[arg(long = "where", value_name = "FIELD=VALUE", add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completions::complete_where))]
    pub wheres: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn reflow_joins_prose_lines_and_keeps_examples_and_blank_lines() {
        let text = "Examples:\n  statectl ls   every namespace\n  statectl info\n\nOne\nparagraph.\n\nAnother.";
        assert_eq!(
            reflow(text, 80),
            "Examples:\n  statectl ls   every namespace\n  statectl info\n\nOne paragraph.\n\nAnother."
        );
        assert_eq!(
            reflow(text, 20),
            "Examples:\n  statectl ls\n      every namespace\n  statectl info\n\nOne paragraph.\n\nAnother."
        );
    }
}
