//! Every plugin-state database under one state dir (issue 21): the main shared file,
//! the legacy sidecar and its `.migrated` leftover, and the Matrix plugin's per-account
//! roots, found read-only by their known paths and a bounded walk that never follows a
//! symlink; and which of one Matrix account's token roots the runtime would use.

use super::{Db, query::text};
use crate::error::Result;
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How deep below the state dir the walk looks: a Matrix root's database is 7 deep.
pub const MAX_DEPTH: usize = 10;
/// How many directory entries the walk reads at most before it stops and says so.
pub const MAX_ENTRIES: usize = 200_000;

/// What a database is for, from where it lies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "kebab-case")]
pub enum Role {
    /// `state/openclaw.sqlite`, the shared database (2026.5.30 on).
    Main,
    /// `plugin-state/state.sqlite`, the legacy layout (up to 2026.5.28).
    LegacySidecar,
    /// `plugin-state/state.sqlite.migrated`, what `openclaw doctor --fix` leaves.
    LegacyMigrated,
    /// `matrix/accounts/<account>/<homeserver>__<user>/<token-hash>/state/openclaw.sqlite`.
    MatrixAccount {
        account: String,
        homeserver_user: String,
        token_hash: String,
    },
    /// A `state/openclaw.sqlite` somewhere else under the state dir.
    Other,
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Main => "main",
            Role::LegacySidecar => "legacy-sidecar",
            Role::LegacyMigrated => "legacy-migrated",
            Role::MatrixAccount { .. } => "matrix-account",
            Role::Other => "other",
        }
    }

    /// A file name for this database's export (`export --all-dbs -O DIR`).
    pub fn export_name(&self, rel: &str) -> String {
        match self {
            Role::MatrixAccount {
                account,
                homeserver_user,
                token_hash,
            } => format!("matrix-{account}-{homeserver_user}-{token_hash}.jsonl"),
            Role::Other => format!(
                "other-{}.jsonl",
                rel.trim_end_matches("/state/openclaw.sqlite")
                    .replace(['/', '\\'], "_")
            ),
            r => format!("{}.jsonl", r.name()),
        }
    }

    fn order(&self) -> u8 {
        match self {
            Role::Main => 0,
            Role::LegacySidecar => 1,
            Role::LegacyMigrated => 2,
            Role::MatrixAccount { .. } => 3,
            Role::Other => 4,
        }
    }
}

/// Classifies a path relative to the state dir; `None` is not a plugin-state file name.
pub fn role_of(rel: &Path) -> Option<Role> {
    // A name that is not UTF-8 is no name the runtime writes: dropping that part
    // would make `\xff/state/openclaw.sqlite` the main database.
    let Some(parts) = rel
        .iter()
        .map(|p| p.to_str())
        .collect::<Option<Vec<&str>>>()
    else {
        return rel
            .ends_with("state/openclaw.sqlite")
            .then_some(Role::Other);
    };
    match parts.as_slice() {
        ["state", "openclaw.sqlite"] => Some(Role::Main),
        ["plugin-state", "state.sqlite"] => Some(Role::LegacySidecar),
        ["plugin-state", "state.sqlite.migrated"] => Some(Role::LegacyMigrated),
        [
            "matrix",
            "accounts",
            account,
            server_user,
            hash,
            "state",
            "openclaw.sqlite",
        ] if is_token_hash(hash) && server_user.contains("__") => Some(Role::MatrixAccount {
            account: account.to_string(),
            homeserver_user: server_user.to_string(),
            token_hash: hash.to_string(),
        }),
        [.., "state", "openclaw.sqlite"] => Some(Role::Other),
        _ => None,
    }
}

/// The Matrix plugin's token-root directory name: 16 lower-case hex digits.
fn is_token_hash(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One database file found.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    /// Relative to the state dir, with `/`.
    pub rel: String,
    pub role: Role,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub found: Vec<Found>,
    /// Directory entries the walk read.
    pub entries_seen: usize,
    /// The walk stopped at [`MAX_ENTRIES`] (or [`MAX_DEPTH`] hid deeper files).
    pub truncated: bool,
    /// Directories the walk could not read.
    pub unreadable_dirs: usize,
    /// The first of them, relative to the state dir, and why.
    pub unreadable: Vec<(String, String)>,
}

/// How many unreadable directories are named (the rest are counted).
pub const UNREADABLE_NAMED: usize = 10;

/// Finds every plugin-state file name under `state_dir` (read-only, no symlink followed).
/// Whether each holds a `plugin_state_entries` table is for [`Db::open_read_only`].
pub fn discover(state_dir: &Path) -> Discovery {
    let mut d = Discovery::default();
    let walk = walkdir::WalkDir::new(state_dir)
        .follow_links(false)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name();
    for entry in walk {
        d.entries_seen += 1;
        if d.entries_seen > MAX_ENTRIES {
            d.truncated = true;
            break;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                d.unreadable_dirs += 1;
                if d.unreadable.len() < UNREADABLE_NAMED {
                    let rel = e
                        .path()
                        .and_then(|p| p.strip_prefix(state_dir).ok())
                        .map_or_else(String::new, |p| p.to_string_lossy().into_owned());
                    let why = e
                        .io_error()
                        .map_or_else(|| e.to_string(), |io| io.kind().to_string());
                    d.unreadable
                        .push((if rel.is_empty() { ".".into() } else { rel }, why));
                }
                continue;
            }
        };
        // A symlink is never followed, to a file or out of the state dir.
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(state_dir) else {
            continue;
        };
        if let Some(role) = role_of(rel) {
            d.found.push(Found {
                path: entry.path().to_path_buf(),
                rel: rel.to_string_lossy().replace('\\', "/"),
                role,
            });
        }
    }
    d.found
        .sort_by(|a, b| (a.role.order(), &a.rel).cmp(&(b.role.order(), &b.rel)));
    d
}

/// What the Matrix plugin stores about a token root (`matrix/storage-meta`, key `current`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatrixMeta {
    pub access_token_hash: Option<String>,
    pub current_token_state_claimed: bool,
    pub device_id: Option<String>,
}

/// Reads a Matrix root's storage metadata row; `None` when the row is absent or unreadable.
pub fn matrix_meta(db: &Db) -> Result<Option<MatrixMeta>> {
    let value: Option<String> = db
        .conn
        .query_row(
            "SELECT value_json FROM plugin_state_entries
             WHERE plugin_id = 'matrix' AND namespace = 'storage-meta' AND entry_key = 'current'",
            [],
            |r| Ok(text(r.get_ref(0)?)),
        )
        .optional()?;
    let Some(v) = value.and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok()) else {
        return Ok(None);
    };
    let s = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
    };
    Ok(Some(MatrixMeta {
        access_token_hash: s("accessTokenHash"),
        current_token_state_claimed: v.get("currentTokenStateClaimed") == Some(&true.into()),
        device_id: s("deviceId"),
    }))
}

/// Which token root of one account the runtime uses, as far as statectl can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Active {
    Yes(String),
    No(String),
    Unknown(String),
}

/// The runtime's choice among the token roots of one Matrix account and homeserver/user
/// (`resolvePreferredMatrixStorageRoot`): the root named after the configured token's
/// hash when its stored metadata claims that token. Without the token, or when no root
/// claims it (the runtime then scores the roots' crypto state), it is unknown.
pub fn matrix_active(
    root_hash: &str,
    siblings: &[(String, Option<MatrixMeta>)],
    configured_hash: std::result::Result<String, String>,
) -> Active {
    let current = match configured_hash {
        Ok(h) => h,
        Err(why) => return Active::Unknown(why),
    };
    let claims = |h: &str, m: &Option<MatrixMeta>| {
        m.as_ref().is_some_and(|m| {
            m.access_token_hash.as_deref() == Some(h) && m.current_token_state_claimed
        })
    };
    let canonical = siblings.iter().find(|(h, _)| *h == current);
    match canonical {
        Some((h, m)) if claims(h, m) => {
            if root_hash == current {
                Active::Yes("its stored metadata claims the configured token".into())
            } else {
                Active::No(format!("root {current} claims the configured token"))
            }
        }
        Some(_) => Active::Unknown(format!(
            "root {current} belongs to the configured token but does not claim it; the runtime then scores the roots' crypto state"
        )),
        None => Active::Unknown(format!(
            "no root for the configured token ({current}) exists yet; the runtime creates it on its next start"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_runtimes_paths() {
        let r = |p: &str| role_of(Path::new(p)).map(|r| r.name());
        assert_eq!(r("state/openclaw.sqlite"), Some("main"));
        assert_eq!(r("plugin-state/state.sqlite"), Some("legacy-sidecar"));
        assert_eq!(
            r("plugin-state/state.sqlite.migrated"),
            Some("legacy-migrated")
        );
        assert_eq!(
            r("matrix/accounts/default/matrix.org__bot/0123456789abcdef/state/openclaw.sqlite"),
            Some("matrix-account")
        );
        // Not the plugin's token-hash pattern: some other database.
        assert_eq!(
            r("matrix/accounts/default/matrix.org__bot/NOTAHASH/state/openclaw.sqlite"),
            Some("other")
        );
        assert_eq!(r("state/openclaw.sqlite-wal"), None);
        // A part that is not UTF-8 is not left out of the match.
        use std::os::unix::ffi::OsStrExt;
        let odd = Path::new(std::ffi::OsStr::from_bytes(b"\xff/state/openclaw.sqlite"));
        assert_eq!(role_of(odd).map(|r| r.name()), Some("other"));
        assert_eq!(r("backups/state.sqlite"), None);
    }

    #[test]
    fn the_active_root_claims_the_configured_token() {
        let meta = |h: &str, claimed| {
            Some(MatrixMeta {
                access_token_hash: Some(h.into()),
                current_token_state_claimed: claimed,
                device_id: None,
            })
        };
        let roots = vec![
            (
                "aaaaaaaaaaaaaaaa".to_string(),
                meta("aaaaaaaaaaaaaaaa", false),
            ),
            (
                "bbbbbbbbbbbbbbbb".to_string(),
                meta("bbbbbbbbbbbbbbbb", true),
            ),
        ];
        let cfg = || Ok("bbbbbbbbbbbbbbbb".to_string());
        assert!(matches!(
            matrix_active("bbbbbbbbbbbbbbbb", &roots, cfg()),
            Active::Yes(_)
        ));
        assert!(matches!(
            matrix_active("aaaaaaaaaaaaaaaa", &roots, cfg()),
            Active::No(_)
        ));
        // The configured token's root does not claim it: the runtime scores, we do not.
        let cfg_a = || Ok("aaaaaaaaaaaaaaaa".to_string());
        assert!(matches!(
            matrix_active("aaaaaaaaaaaaaaaa", &roots, cfg_a()),
            Active::Unknown(_)
        ));
        assert!(matches!(
            matrix_active("aaaaaaaaaaaaaaaa", &roots, Ok("cccccccccccccccc".into())),
            Active::Unknown(_)
        ));
        assert!(matches!(
            matrix_active("aaaaaaaaaaaaaaaa", &roots, Err("no openclaw.json".into())),
            Active::Unknown(_)
        ));
    }
}
