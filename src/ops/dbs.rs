//! Every plugin-state database of a state dir, described (`statectl dbs`, `--all-dbs`):
//! discovery is `store::discover`; this adds each file's facts and the Matrix choice.

use crate::error::{Error, Kind, Result};
use crate::store::discover::{self, Active, Found, MatrixMeta, Role};
use crate::store::{Db, query};
use crate::timefmt::Ms;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What one database is.
#[derive(Debug, Clone)]
pub struct Facts {
    pub layout: &'static str,
    pub schema_version: i64,
    pub app_version: Option<String>,
    /// The file and its WAL.
    pub bytes: u64,
    /// Its rows, when asked for ([`Detail::Counts`]).
    pub counts: Option<Counts>,
    pub matrix_meta: Option<MatrixMeta>,
}

/// What one database holds: one grouped pass over its table.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub rows: u64,
    pub live_rows: u64,
    pub newest_write: Option<Ms>,
}

/// How much [`describe`] reads of each database: `dbs` shows the rows of each;
/// `--all-dbs` and `--matrix-account` only need to open them (the command that runs
/// next reads the rows itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Counts,
    Open,
}

/// A Matrix token root among its siblings.
#[derive(Debug, Clone)]
pub struct MatrixRoot {
    pub account: String,
    pub homeserver_user: String,
    pub token_hash: String,
    /// Token roots of the same account and homeserver/user, this one included.
    pub siblings: usize,
    pub active: Active,
}

#[derive(Debug, Clone)]
pub struct DbEntry {
    pub found: Found,
    pub uid: Option<u32>,
    pub owner: Option<String>,
    pub mode: Option<u32>,
    /// The facts, or why the file could not be read.
    pub facts: std::result::Result<Facts, String>,
    pub matrix: Option<MatrixRoot>,
}

#[derive(Debug)]
pub struct Report {
    pub state_dir: PathBuf,
    pub databases: Vec<DbEntry>,
    pub entries_seen: usize,
    pub truncated: bool,
    pub unreadable_dirs: usize,
    /// The first unreadable directories, relative to the state dir, and why.
    pub unreadable: Vec<(String, String)>,
}

fn facts(path: &Path, busy_timeout: u64, now: Ms, detail: Detail) -> Result<Facts> {
    let db = Db::open_read_only(path, busy_timeout)?;
    let counts = match detail {
        Detail::Open => None,
        Detail::Counts => {
            // Live and expired partition the rows (rules::LIVE_SQL, EXPIRED_SQL).
            let all = query::summarize(&db.conn, None, now, true)?;
            Some(Counts {
                rows: all.iter().map(|s| s.live + s.expired).sum(),
                live_rows: all.iter().map(|s| s.live).sum(),
                newest_write: all.iter().filter_map(|s| s.newest_created_at).max(),
            })
        }
    };
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len());
    Ok(Facts {
        layout: db.schema.layout.as_str(),
        schema_version: db.schema.effective_version,
        app_version: db.schema.app_version.clone(),
        bytes: std::fs::metadata(path).map_or(0, |m| m.len()) + wal,
        counts,
        matrix_meta: discover::matrix_meta(&db)?,
    })
}

/// Discovers and describes every database under `state_dir`. A file without a
/// `plugin_state_entries` table is left out; one that cannot be read is listed with why.
pub fn describe(state_dir: &Path, busy_timeout: u64, now: Ms, detail: Detail) -> Result<Report> {
    if !state_dir.is_dir() {
        return Err(Error::new(
            Kind::DbNotFound,
            format!(
                "state dir {} does not exist or is not a directory; give --state-dir DIR",
                state_dir.display()
            ),
        ));
    }
    // Every path in the report is absolute (JSON's absolute_path), whatever --state-dir was.
    let state_dir = &std::path::absolute(state_dir).unwrap_or_else(|_| state_dir.to_path_buf());
    let found = discover::discover(state_dir);
    let mut databases = Vec::new();
    for f in found.found {
        let meta = std::fs::metadata(&f.path).ok();
        let facts = match facts(&f.path, busy_timeout, now, detail) {
            Ok(x) => Ok(x),
            Err(e) if e.kind == Kind::NotPluginStateDb => continue,
            Err(e) => Err(e.message),
        };
        let uid = meta.as_ref().map(MetadataExt::uid);
        databases.push(DbEntry {
            owner: uid.and_then(|u| {
                uzers::get_user_by_uid(u).map(|u| u.name().to_string_lossy().into_owned())
            }),
            uid,
            mode: meta.as_ref().map(|m| m.mode() & 0o7777),
            found: f,
            facts,
            matrix: None,
        });
    }
    choose_matrix_roots(&mut databases);
    Ok(Report {
        state_dir: state_dir.to_path_buf(),
        databases,
        entries_seen: found.entries_seen,
        truncated: found.truncated,
        unreadable_dirs: found.unreadable_dirs,
        unreadable: found.unreadable,
    })
}

/// Marks each Matrix root with its siblings and whether the runtime would use it.
fn choose_matrix_roots(dbs: &mut [DbEntry]) {
    let gateway = crate::store::config::gateway();
    let roots: Vec<(String, String, String, Option<MatrixMeta>)> = dbs
        .iter()
        .filter_map(|d| match &d.found.role {
            Role::MatrixAccount {
                account,
                homeserver_user,
                token_hash,
            } => Some((
                account.clone(),
                homeserver_user.clone(),
                token_hash.clone(),
                d.facts.as_ref().ok().and_then(|f| f.matrix_meta.clone()),
            )),
            _ => None,
        })
        .collect();
    for d in dbs.iter_mut() {
        let Role::MatrixAccount {
            account,
            homeserver_user,
            token_hash,
        } = &d.found.role
        else {
            continue;
        };
        let siblings: Vec<(String, Option<MatrixMeta>)> = roots
            .iter()
            .filter(|r| &r.0 == account && &r.1 == homeserver_user)
            .map(|r| (r.2.clone(), r.3.clone()))
            .collect();
        d.matrix = Some(MatrixRoot {
            account: account.clone(),
            homeserver_user: homeserver_user.clone(),
            token_hash: token_hash.clone(),
            siblings: siblings.len(),
            active: discover::matrix_active(
                token_hash,
                &siblings,
                gateway.matrix_token_hash(account),
            ),
        });
    }
}

/// The databases `--all-dbs` runs over, and `--matrix-account NAME`'s active root.
pub fn matrix_account_root(report: &Report, name: &str) -> Result<PathBuf> {
    let key = crate::store::config::matrix_path_segment(name);
    let roots: Vec<&DbEntry> = report
        .databases
        .iter()
        .filter(|d| d.matrix.as_ref().is_some_and(|m| m.account == key))
        .collect();
    if roots.is_empty() {
        // One name per account, however many token roots it has.
        let known: Vec<String> = report
            .databases
            .iter()
            .filter_map(|d| d.matrix.as_ref().map(|m| m.account.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        return Err(Error::new(
            Kind::DbNotFound,
            format!(
                "no Matrix account '{name}' under {} (accounts: {}); `statectl dbs` lists them",
                report.state_dir.display(),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    if roots.len() == 1 {
        return Ok(roots[0].found.path.clone());
    }
    match roots
        .iter()
        .find(|d| matches!(d.matrix.as_ref().map(|m| &m.active), Some(Active::Yes(_))))
    {
        Some(d) => Ok(d.found.path.clone()),
        None => Err(Error::new(
            Kind::Usage,
            format!(
                "Matrix account '{name}' has {} token roots and statectl cannot tell which one the runtime uses; name one with --db (`statectl dbs` lists them)",
                roots.len()
            ),
        )),
    }
}
