//! statectl: inspect and administer OpenClaw's plugin state database.
//!
//! `run` takes a parsed command line and writers for stdout and stderr, so every
//! command can be driven in memory by tests as well as by `main`.

pub mod atomic;
pub mod cli;
pub mod commands;
pub mod diff;
pub mod error;
pub mod export;
pub mod interrupt;
pub mod ops;
pub mod output;
pub mod store;
pub mod timefmt;
pub mod watch;

use cli::{Cli, Command, GlobalArgs, SelectArgs};
use error::{Error, Kind, Result};
use output::Term;
use std::io::Write;
use store::{Db, Liveness, Selection, locate};
use timefmt::Ms;

/// Everything a command needs besides its own arguments.
pub struct Ctx<'a> {
    pub global: &'a GlobalArgs,
    /// The output format, one the command can render (`-o`, checked against its list).
    pub format: output::Format,
    /// The time liveness is evaluated at (`--now`, or the clock).
    pub now: Ms,
    pub term: Term,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// The user's namespaces file in use, and how many namespaces it adds.
    pub namespaces_file: Option<(std::path::PathBuf, usize)>,
}

impl Ctx<'_> {
    /// A warning for people, on stderr.
    pub fn warn(&mut self, msg: impl std::fmt::Display) {
        if self.global.quiet {
            return;
        }
        // A failed write to stderr leaves nothing better to do.
        let msg = msg.to_string();
        let _ = writeln!(self.err, "warning: {}", output::escape_lines(&msg));
    }

    /// The state dir: `--state-dir`, else OpenClaw's (`OPENCLAW_STATE_DIR`, `~/.openclaw`).
    pub fn state_dir(&self) -> Result<std::path::PathBuf> {
        match &self.global.state_dir {
            Some(d) => Ok(d.clone()),
            None => locate::state_dir(&|k: &str| std::env::var(k).ok()),
        }
    }

    pub fn locate(&self) -> Result<locate::Located> {
        if let Some(name) = &self.global.matrix_account {
            let report = ops::dbs::describe(
                &self.state_dir()?,
                self.global.busy_timeout,
                self.now,
                ops::dbs::Detail::Open,
            )?;
            return Ok(locate::Located {
                path: ops::dbs::matrix_account_root(&report, name)?,
                legacy_beside: None,
            });
        }
        let env = |k: &str| std::env::var(k).ok();
        locate::locate(
            &locate::Hints {
                db: self.global.db.as_deref(),
                state_dir: self.global.state_dir.as_deref(),
            },
            &env,
        )
    }

    /// What a write needs from the environment: the store reads no variables itself.
    pub fn write_env(&self) -> store::write::WriteEnv {
        store::write::WriteEnv {
            busy_timeout_ms: self.global.busy_timeout,
            supervisor_mode: std::env::var("OPENCLAW_SUPERVISOR_MODE").ok(),
            // For statectl's own tests only (they must never touch the real lock
            // directory); never set it beside a real gateway, whose lock root is fixed.
            lock_root: std::env::var_os("STATECTL_TEST_LOCK_ROOT")
                .filter(|v| !v.is_empty())
                .map_or_else(
                    || std::path::PathBuf::from("/tmp"),
                    std::path::PathBuf::from,
                ),
        }
    }

    /// With `STATECTL_TXN_STATS` set, reports how long the write lock was held (for the
    /// benchmarks: no single transaction may stall the gateway for long).
    pub fn report_txn_stats(&mut self, writer: &store::write::Writer) {
        if std::env::var_os("STATECTL_TXN_STATS").is_some() {
            let _ = writeln!(
                self.err,
                "write transactions: {}, longest {:.1} ms",
                writer.txn_count,
                writer.txn_longest.as_secs_f64() * 1000.0
            );
        }
    }

    /// Locates and opens the database read-only, warning about what a reader should know.
    /// A `schema_meta` that disagrees with `user_version`: writes are refused from
    /// 2026.8.1's schema (store/write.rs), below it they go on; either way, say so.
    pub fn warn_schema_meta(&mut self, schema: &store::Schema) {
        if let Some(why) = &schema.meta_mismatch {
            if store::rules::schema_meta_refuses_writes(schema.user_version) {
                self.warn(format_args!(
                    "{why}: OpenClaw 2026.8.1 and later refuse to write this database; reading anyway, writes will be refused"
                ));
            } else {
                self.warn(format_args!(
                    "{why}: OpenClaw 2026.6.1 still writes this database, later versions refuse to"
                ));
            }
        }
    }

    pub fn open_read(&mut self) -> Result<Db> {
        self.open_read_with(false)
    }

    /// Like [`Ctx::open_read`], and says when a legacy file is still present beside the
    /// shared one: only the overviews (`info`, the `ls` summary, `check`) say it, so
    /// everyday commands stay quiet.
    pub fn open_read_noting_legacy(&mut self) -> Result<Db> {
        self.open_read_with(true)
    }

    fn open_read_with(&mut self, note_legacy: bool) -> Result<Db> {
        let found = self.locate()?;
        if let Some(legacy) = found.legacy_beside.as_ref().filter(|_| note_legacy) {
            self.warn(format_args!(
                "a legacy database is still present at {} (newer runtimes ignore it; `openclaw doctor --fix` migrates it); using {}",
                legacy.display(),
                found.path.display()
            ));
        }
        let db = Db::open_read_only(&found.path, self.global.busy_timeout)?;
        if db.schema.newer_than_known {
            self.warn(format_args!(
                "schema version {} is newer than statectl knows; reading with the newest rules, writes will be refused",
                db.schema.effective_version
            ));
        }
        self.warn_schema_meta(&db.schema);
        Ok(db)
    }
}

/// `PLUGIN/NAMESPACE` or `NAMESPACE`, merged with `--plugin`; the namespace trimmed as
/// the runtime trims it.
pub fn split_namespace(arg: &str, plugin: Option<&str>) -> Result<(Option<String>, String)> {
    // The runtime trims every namespace it is given (JavaScript's `trim`); a
    // `PLUGIN/NAMESPACE` argument loses its outer whitespace as a whole.
    let arg = store::rules::js_trim(arg);
    let (from_arg, ns) = match arg.rsplit_once('/') {
        Some((p, n)) => (Some(p.to_string()), n.to_string()),
        None => (None, arg.to_string()),
    };
    let ns = store::rules::js_trim(&ns).to_string();
    if ns.is_empty() || from_arg.as_deref() == Some("") {
        return Err(Error::new(
            Kind::InvalidNamespace,
            format!("invalid namespace argument '{arg}': use NAMESPACE or PLUGIN/NAMESPACE"),
        ));
    }
    match (from_arg, plugin) {
        (Some(a), Some(b)) if a != b => Err(Error::new(
            Kind::ConflictingPlugin,
            format!("'{arg}' names plugin '{a}' but --plugin says '{b}'; use one of them"),
        )),
        (Some(a), _) => Ok((Some(a), ns)),
        (None, p) => Ok((p.map(str::to_string), ns)),
    }
}

/// A key typed by the user (`--key`, `inspect KEY`), trimmed and checked as the runtime
/// checks every key it is given: empty, whitespace-only or over 512 bytes is a usage
/// error (exit 2), never "not found".
pub fn valid_key<'a>(raw: &'a str, what: &str) -> Result<&'a str> {
    store::rules::validate_key(raw).map_err(|why| {
        let shown: String = raw.chars().take(40).collect();
        let more = if shown.len() < raw.len() { "..." } else { "" };
        Error::new(
            error::Kind::InvalidKey,
            format!(
                "{what} '{}{more}': {why}; the runtime refuses such a key, so no entry can have it",
                output::escape_control(&shown)
            ),
        )
    })
}

impl SelectArgs {
    /// Turns the flags into a validated selection evaluated at `now`.
    pub fn to_selection(&self, now: Ms) -> Result<Selection> {
        let dur = |o: &Option<String>| o.as_deref().map(timefmt::parse_duration).transpose();
        let keys = self
            .keys
            .iter()
            .map(|k| valid_key(k, "--key").map(str::to_string))
            .collect::<Result<_>>()?;
        Ok(Selection {
            plugin: self.plugin.clone(),
            namespaces: Vec::new(),
            keys,
            prefix: self.prefix.clone(),
            glob: self.glob.clone(),
            created_at_most: dur(&self.older_than)?
                .map(|d| timefmt::offset(now, -d, "--now minus --older-than"))
                .transpose()?,
            created_after: dur(&self.newer_than)?
                .map(|d| timefmt::offset(now, -d, "--now minus --newer-than"))
                .transpose()?,
            expires_at_most: dur(&self.expires_within)?
                .map(|d| timefmt::offset(now, d, "--now plus --expires-within"))
                .transpose()?,
            no_expiry: self.no_expiry,
            decoded: store::catalog::Where {
                conds: self
                    .wheres
                    .iter()
                    .map(|w| store::catalog::Cond::parse(w))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|m| Error::new(error::Kind::InvalidWhere, m))?,
            },
            liveness: if self.expired {
                Liveness::Expired
            } else if self.include_expired {
                Liveness::All
            } else {
                Liveness::Live
            },
            now,
            guard: Default::default(),
        })
    }
}

/// Checks a selection's `--where` conditions against the decoded fields of the
/// namespaces it names, and resolves their numbers and times. Personal fields of a
/// secret namespace can be filtered on only with `show_secrets`.
pub fn check_where(sel: &mut Selection, show_secrets: bool) -> Result<()> {
    if sel.decoded.is_empty() {
        return Ok(());
    }
    if sel.namespaces.is_empty() {
        return Err(Error::new(
            error::Kind::NoDecodedFields,
            "--where filters on the decoded fields of a namespace; name the NAMESPACE (its fields: `statectl explain NAMESPACE`)",
        ));
    }
    for ns in &sel.namespaces {
        let specs = store::catalog::specs_named(sel.plugin.as_deref(), ns);
        if specs.is_empty() {
            return Err(Error::new(
                error::Kind::NoDecodedFields,
                format!(
                    "namespace '{ns}' has no decoded fields for --where (statectl knows no key grammar for it); filter with --key/--prefix/--match, or describe it in the namespaces file"
                ),
            ));
        }
        for spec in specs {
            let secret = store::known::policy(&spec.plugin, ns).secret;
            for c in &mut sel.decoded.conds {
                c.check(spec, show_secrets || !secret, sel.now)
                    .map_err(|m| Error::new(error::Kind::InvalidWhere, m))?;
            }
        }
    }
    Ok(())
}

/// Runs one parsed command line; returns the exit code (non-zero only from `check`,
/// whose status is its exit code; failures are errors).
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write, term: Term) -> anyhow::Result<i32> {
    let clock = timefmt::system_now_ms();
    let now = match &cli.global.now {
        Some(t) => timefmt::parse_time(t, clock)?,
        None => clock,
    };
    // The namespaces file matters to every command that reads entries.
    let namespaces_file = match (&cli.command, &cli.global.namespaces_file) {
        (Command::Completions(_) | Command::Man(_), _) => None,
        (_, Some(path)) => Some(path.clone()),
        (_, None) => store::known::default_user_file().filter(|p| p.exists()),
    }
    .map(|path| store::known::load_user_file(&path).map(|n| (path, n)))
    .transpose()?;
    store::config::set_state_dir(cli.global.state_dir.clone());
    let format =
        output::format::negotiate(cli.global.format, cli.command.formats(), cli.command.name())?;
    let mut ctx = Ctx {
        global: &cli.global,
        format,
        now,
        term,
        out,
        err,
        namespaces_file,
    };
    let ok = |r: anyhow::Result<()>| r.map(|()| 0);
    if cli.global.all_dbs {
        commands::all_dbs::refuse(&cli.command)?;
        if matches!(
            cli.command,
            Command::Ls(_) | Command::Top(_) | Command::Export(_)
        ) {
            commands::all_dbs::run(&mut ctx, &cli.command)?;
            ctx.out.flush()?;
            return Ok(0);
        }
    }
    let code = match &cli.command {
        Command::Check(a) => commands::check::run(&mut ctx, a),
        Command::Diff(a) => commands::diff::run(&mut ctx, a),
        Command::Ls(a) => ok(commands::ls::run(&mut ctx, a)),
        Command::Top(a) => ok(commands::top::run(&mut ctx, a)),
        Command::Inspect(a) => ok(commands::inspect::run(&mut ctx, a)),
        Command::Explain(a) => ok(commands::explain::run(&mut ctx, a)),
        Command::Info(a) => ok(commands::info::run(&mut ctx, a)),
        Command::Dbs(a) => ok(commands::dbs::run(&mut ctx, a)),
        Command::Prune(a) => ok(commands::prune::run(&mut ctx, a)),
        Command::Expire(a) => ok(commands::expire::run(&mut ctx, a)),
        Command::Export(a) => ok(commands::export::run(&mut ctx, a)),
        Command::Import(a) => ok(commands::import::run(&mut ctx, a)),
        Command::Verify(a) => ok(commands::verify::run(&mut ctx, a)),
        Command::Backup(a) => ok(commands::backup::run(&mut ctx, a)),
        Command::Completions(a) => ok(commands::completions::run(&mut ctx, a)),
        Command::Man(a) => ok(commands::man::run(&mut ctx, a)),
        Command::Watch(a) => ok(commands::watch::run(&mut ctx, a).map_err(anyhow::Error::from)),
    }?;
    ctx.out.flush()?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_argument_may_name_its_plugin() {
        assert_eq!(
            split_namespace("discord/discord.modals", None).unwrap(),
            (Some("discord".into()), "discord.modals".into())
        );
        assert_eq!(
            split_namespace("discord.modals", Some("discord")).unwrap(),
            (Some("discord".into()), "discord.modals".into())
        );
        assert_eq!(
            split_namespace("a/n", Some("b")).unwrap_err().kind,
            Kind::ConflictingPlugin
        );
        assert_eq!(split_namespace("a/", None).unwrap_err().exit_code(), 2);
    }
}
