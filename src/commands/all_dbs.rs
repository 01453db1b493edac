//! `--all-dbs` for `ls`, `top` and `export`: the same command over every database of
//! the state dir (`statectl dbs`), each row tagged with its file. `check --all-dbs`
//! folds its findings itself (commands/check.rs); writes refuse the flag.

use crate::cli::{Command, GlobalArgs};
use crate::error::{Error, Kind, Result};
use crate::ops::dbs;
use crate::output::Format;
use crate::{Ctx, commands};
use serde_json::Value;

/// Refuses `--all-dbs` where it has no meaning: a write goes to one database.
pub fn refuse(command: &Command) -> Result<()> {
    match command {
        Command::Ls(_)
        | Command::Top(_)
        | Command::Export(_)
        | Command::Check(_)
        | Command::Dbs(_) => Ok(()),
        Command::Prune(_) | Command::Expire(_) | Command::Import(_) => Err(Error::new(
            Kind::Usage,
            format!(
                "--all-dbs is for reading (ls, check, top, export); {} writes one database: name it with --db PATH or --matrix-account NAME (`statectl dbs` lists them)",
                command.name()
            ),
        )),
        other => Err(Error::new(
            Kind::Usage,
            format!(
                "{} does not take --all-dbs (ls, check, top and export do); name one database with --db PATH (`statectl dbs` lists them)",
                other.name()
            ),
        )),
    }
}

/// Runs `command` (ls, top or export) once per database and merges the outputs.
pub fn run(ctx: &mut Ctx, command: &Command) -> anyhow::Result<()> {
    let report = dbs::describe(
        &ctx.state_dir()?,
        ctx.global.busy_timeout,
        ctx.now,
        dbs::Detail::Open,
    )?;
    if report.databases.is_empty() {
        return Err(none_found(&report).into());
    }
    for (dir, why) in &report.unreadable {
        ctx.warn(format_args!(
            "{dir}: cannot read this directory ({why}): a database in it is left out; run statectl as the gateway's user"
        ));
    }
    if let Command::Export(a) = command {
        export_dir(a.output.as_deref())?;
    }
    let mut merged: Vec<Value> = Vec::new();
    let mut csv_header: Option<String> = None;
    let mut failed: Option<Error> = None;
    let mut shown = 0;
    let mut export_names = std::collections::BTreeSet::new();
    for d in &report.databases {
        let global = GlobalArgs {
            db: Some(d.found.path.clone()),
            all_dbs: false,
            matrix_account: None,
            ..ctx.global.clone()
        };
        let name = unique_name(d.found.role.export_name(&d.found.rel), &mut export_names);
        let mut buf = Vec::new();
        let result = one(ctx, &global, command, &name, &mut buf);
        match result {
            Ok(()) => shown += 1,
            // A namespace that only some databases hold.
            Err(e) if e.kind == Kind::NamespaceNotFound => continue,
            Err(e) => {
                ctx.warn(format_args!("{}: {}", d.found.rel, e.message));
                failed.get_or_insert(e);
                continue;
            }
        }
        crate::output::all_dbs::emit(ctx, d, &buf, &mut merged, &mut csv_header)?;
    }
    if ctx.format == Format::Json {
        crate::output::write_json(ctx.out, Format::Json, &merged)?;
    }
    if let Some(e) = failed {
        return Err(e.into());
    }
    if shown == 0 {
        return Err(Error::new(
            Kind::NamespaceNotFound,
            format!(
                "nothing to show in any of the {} databases under {} (`statectl dbs` lists them)",
                report.databases.len(),
                report.state_dir.display()
            ),
        )
        .into());
    }
    Ok(())
}

/// No database at all: the state dir's walk found none it could open.
fn none_found(report: &dbs::Report) -> Error {
    let unreadable = match report.unreadable_dirs {
        0 => String::new(),
        n => format!(
            "; {n} director{} could not be read (`statectl dbs` names them): run statectl as the gateway's user",
            if n == 1 { "y" } else { "ies" }
        ),
    };
    Error::new(
        Kind::DbNotFound,
        format!(
            "no plugin-state database under {}{unreadable}",
            report.state_dir.display()
        ),
    )
}

/// `export --all-dbs -O DIR`: the directory, checked and made once for every database.
fn export_dir(dir: Option<&std::path::Path>) -> Result<()> {
    let Some(dir) = dir else {
        return Err(Error::new(
            Kind::Usage,
            "export --all-dbs writes one file per database: give -O DIR (an export restores into one database)",
        ));
    };
    if dir.exists() && !dir.is_dir() {
        return Err(Error::new(
            Kind::Usage,
            format!(
                "-O {}: is a file; export --all-dbs writes one file per database into a directory: give -O DIR",
                dir.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::new(
            Kind::Usage,
            format!("-O {}: cannot create the directory: {e}", dir.display()),
        )
    })
}

/// An export file name no other database of this run has (`other-a_b` from `a/b` and `a_b`).
fn unique_name(name: String, used: &mut std::collections::BTreeSet<String>) -> String {
    let stem = name.trim_end_matches(".jsonl").to_string();
    let mut candidate = name;
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{stem}-{n}.jsonl");
        n += 1;
    }
    candidate
}

/// The command against one database, its stdout into `buf`; `export_name` is its
/// file under `export -O DIR`.
fn one(
    ctx: &mut Ctx,
    global: &GlobalArgs,
    command: &Command,
    export_name: &str,
    buf: &mut Vec<u8>,
) -> Result<()> {
    let mut sub = Ctx {
        global,
        format: ctx.format,
        now: ctx.now,
        term: ctx.term,
        out: buf,
        err: &mut *ctx.err,
        namespaces_file: ctx.namespaces_file.clone(),
    };
    let r = match command {
        Command::Ls(a) => commands::ls::run(&mut sub, a),
        Command::Top(a) => commands::top::run(&mut sub, a),
        Command::Export(a) => {
            let mut each = a.clone();
            each.output = a.output.as_ref().map(|dir| dir.join(export_name));
            commands::export::run(&mut sub, &each)
        }
        _ => unreachable!("refuse() admits only ls, top and export here"),
    };
    r.map_err(|e| match e.downcast::<Error>() {
        Ok(e) => e,
        Err(other) => Error::new(Kind::Usage, other.to_string()),
    })
}
