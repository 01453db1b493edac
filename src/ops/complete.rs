//! The answers to the shells' completion requests: namespaces, keys and `--where`
//! fields, read from the database the command line being completed would open. A
//! completion never fails loudly: any problem yields no candidates.

use crate::store::{Db, locate};
use clap_complete::engine::CompletionCandidate;
use std::ffi::OsStr;
use std::path::PathBuf;

/// The value of `--db`/`--state-dir` on the command line being completed, if any.
fn flag_on_line(words: &[String], flag: &str) -> Option<PathBuf> {
    let prefix = format!("{flag}=");
    words.iter().enumerate().find_map(|(i, w)| {
        if w == flag {
            words.get(i + 1).map(PathBuf::from)
        } else {
            w.strip_prefix(&prefix).map(PathBuf::from)
        }
    })
}

/// Namespaces (and PLUGIN/NAMESPACE forms) of the database the line would open.
/// Completion must never fail loudly: any problem yields no candidates.
/// `--where` completes to `FIELD=` for the decoded fields of the namespace named on
/// the command line, or of every namespace statectl can decode when none is named.
pub fn complete_where(current: &OsStr) -> Vec<CompletionCandidate> {
    use crate::store::catalog;
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let named: Vec<&catalog::Spec> = words
        .iter()
        .flat_map(|w| {
            let (plugin, ns) = match w.rsplit_once('/') {
                Some((p, n)) => (Some(p), n),
                None => (None, w.as_str()),
            };
            catalog::specs_named(plugin, ns)
        })
        .collect();
    let specs: Vec<&catalog::Spec> = if named.is_empty() {
        catalog::specs().iter().collect()
    } else {
        named
    };
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for spec in specs {
        for f in &spec.fields {
            let word = format!("{}=", f.name);
            if word.starts_with(current.as_ref()) && !seen.contains(&word) {
                seen.push(word.clone());
                out.push(
                    CompletionCandidate::new(word)
                        .help(Some(format!("{} ({})", f.doc, f.ty.as_str()).into())),
                );
            }
        }
    }
    out
}

/// `explain` needs no database: it also completes every namespace statectl knows
/// (a family such as `telegram.topic-name-cache.` by its prefix).
pub fn complete_namespace(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let mut out = Vec::new();
    let rows = open_line_db(&words)
        .and_then(|db| crate::store::query::namespace_row_counts(&db.conn).ok())
        .unwrap_or_default();
    for (plugin, ns, n) in rows {
        for value in [ns.clone(), format!("{plugin}/{ns}")] {
            if value.starts_with(current.as_ref()) {
                out.push(
                    CompletionCandidate::new(value)
                        .help(Some(format!("{plugin}: {n} rows").into())),
                );
            }
        }
    }
    if positionals_on_line(&words).first().map(String::as_str) == Some("explain") {
        let mut names = crate::store::known::known_names();
        for s in crate::store::catalog::specs() {
            let n = match s.name {
                crate::store::known::Name::Exact(n)
                | crate::store::known::Name::HexSuffix(n, _)
                | crate::store::known::Name::Prefix(n) => n,
            };
            names.push((s.plugin.clone(), n.to_string()));
        }
        for (plugin, ns) in names {
            for value in [ns.clone(), format!("{plugin}/{ns}")] {
                if value.starts_with(current.as_ref()) {
                    out.push(
                        CompletionCandidate::new(value)
                            .help(Some(format!("{plugin}: known namespace").into())),
                    );
                }
            }
        }
    }
    out.sort_by(|a, b| a.get_value().cmp(b.get_value()));
    out.dedup_by(|a, b| a.get_value() == b.get_value());
    out
}

/// Flags whose next word is their value, not a positional argument.
const VALUE_FLAGS: &[&str] = &[
    "--db",
    "--state-dir",
    "--now",
    "-o",
    "--format",
    "--namespaces-file",
    "--busy-timeout",
    "--plugin",
    "--key",
    "--prefix",
    "--match",
    "--older-than",
    "--newer-than",
    "--expires-within",
    "--limit",
    "--sort",
    "--backup",
    "--in",
    "--at",
    "-O",
    "--output",
    "--on-conflict",
];

/// The NAMESPACE argument of the line being completed: the first positional word after
/// the subcommand (for `import FILE NS`, the one after FILE).
fn namespace_on_line(words: &[String]) -> Option<String> {
    let positionals = positionals_on_line(words);
    let sub = positionals.first()?;
    let at = if sub == "import" { 2 } else { 1 };
    positionals.get(at).cloned()
}

/// The positional words of the line being completed (subcommand first), without the
/// word being completed.
fn positionals_on_line(words: &[String]) -> Vec<String> {
    let line: Vec<&String> = match words.iter().position(|w| w == "--") {
        Some(i) => words[i + 1..].iter().skip(1).collect(),
        None => words.iter().skip(1).collect(),
    };
    let mut positionals = Vec::new();
    let mut i = 0;
    // The word being completed is last: never its own namespace.
    while i + 1 < line.len() {
        let w = line[i].as_str();
        if VALUE_FLAGS.contains(&w) {
            i += 2;
            continue;
        }
        if !w.starts_with('-') {
            positionals.push(w.to_string());
        }
        i += 1;
    }
    positionals
}

/// Keys of the namespace the line names (`inspect NS <TAB>`, `--key <TAB>`), from the
/// database the line would open; at most a few hundred, and nothing on any problem.
pub fn complete_key(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let Some(arg) = namespace_on_line(&words) else {
        return Vec::new();
    };
    let (plugin, ns) = match arg.rsplit_once('/') {
        Some((p, n)) => (Some(p.to_string()), n.to_string()),
        None => (
            flag_on_line(&words, "--plugin").map(|p| p.display().to_string()),
            arg,
        ),
    };
    let Some(db) = open_line_db(&words) else {
        return Vec::new();
    };
    let Ok(keys) =
        crate::store::query::keys_starting(&db.conn, plugin.as_deref(), &ns, &current, 500)
    else {
        return Vec::new();
    };
    keys.into_iter().map(CompletionCandidate::new).collect()
}

/// The database the command line being completed would open, read-only.
fn open_line_db(words: &[String]) -> Option<Db> {
    let db =
        flag_on_line(words, "--db").or_else(|| std::env::var_os("STATECTL_DB").map(PathBuf::from));
    let state_dir = flag_on_line(words, "--state-dir");
    let env = |k: &str| std::env::var(k).ok();
    let hints = locate::Hints {
        db: db.as_deref(),
        state_dir: state_dir.as_deref(),
    };
    let found = locate::locate(&hints, &env).ok()?;
    Db::open_read_only(&found.path, 1_000).ok()
}

/// The state dir the line being completed would use: `--state-dir`, else OpenClaw's.
fn line_state_dir(words: &[String]) -> Option<PathBuf> {
    flag_on_line(words, "--state-dir")
        .or_else(|| locate::state_dir(&|k: &str| std::env::var(k).ok()).ok())
}

/// The plugin-state files under the state dir of the line being completed.
fn line_databases() -> Vec<crate::store::discover::Found> {
    let words: Vec<String> = std::env::args().collect();
    line_state_dir(&words)
        .map(|dir| crate::store::discover::discover(&dir).found)
        .unwrap_or_default()
}

/// `--db` completes to the plugin-state databases discovered under the state dir (as
/// `statectl dbs` lists them), then to ordinary paths as the shell would.
pub fn complete_db(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut out: Vec<CompletionCandidate> = line_databases()
        .into_iter()
        .filter(|f| {
            f.path
                .to_string_lossy()
                .starts_with(current.to_string_lossy().as_ref())
        })
        .map(|f| CompletionCandidate::new(f.path.into_os_string()).help(Some(f.role.name().into())))
        .collect();
    use clap_complete::engine::ValueCompleter;
    out.extend(clap_complete::engine::PathCompleter::file().complete(current));
    out
}

/// `--matrix-account` completes to the Matrix accounts that have a root on disk.
pub fn complete_matrix_account(current: &OsStr) -> Vec<CompletionCandidate> {
    use crate::store::discover::Role;
    let mut accounts: Vec<String> = line_databases()
        .into_iter()
        .filter_map(|f| match f.role {
            Role::MatrixAccount { account, .. } => Some(account),
            _ => None,
        })
        .filter(|a| a.starts_with(current.to_string_lossy().as_ref()))
        .collect();
    accounts.dedup();
    accounts.into_iter().map(CompletionCandidate::new).collect()
}
