//! Finding the database file: `--db`, `--state-dir`, or OpenClaw's own state-dir rule.

use crate::error::{Error, Kind, Result};
use std::path::{Path, PathBuf};

/// Shared layout, under the state dir (2026.5.30-beta.1 onward).
pub const SHARED_REL: &str = "state/openclaw.sqlite";
/// Legacy layout, under the state dir (2026.4.29 .. 2026.5.28).
pub const LEGACY_REL: &str = "plugin-state/state.sqlite";

/// The database statectl will open, and what else it noticed on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    /// A legacy file still present beside the shared one that was chosen.
    pub legacy_beside: Option<PathBuf>,
}

/// Where the user pointed, in order of precedence.
#[derive(Debug, Default, Clone)]
pub struct Hints<'a> {
    pub db: Option<&'a Path>,
    pub state_dir: Option<&'a Path>,
}

/// Environment lookups, injectable for tests.
pub type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A variable's value when set and not blank after trimming (OpenClaw also treats the
/// strings "undefined" and "null" as unset for home variables).
fn non_blank(env: EnvFn, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && v != "undefined" && v != "null")
}

fn os_home(env: EnvFn) -> Option<PathBuf> {
    non_blank(env, "HOME")
        .or_else(|| non_blank(env, "USERPROFILE"))
        .map(PathBuf::from)
        .or_else(std::env::home_dir)
}

/// `~` and `~/...` expand to `home`; anything else is taken as is.
fn expand_tilde(input: &str, home: Option<&Path>) -> PathBuf {
    match (input, home) {
        ("~", Some(h)) => h.to_path_buf(),
        (s, Some(h)) if s.starts_with("~/") || s.starts_with("~\\") => h.join(&s[2..]),
        (s, _) => PathBuf::from(s),
    }
}

/// OpenClaw's effective home: `OPENCLAW_HOME` (tilde-expanded), then `HOME`,
/// `USERPROFILE`, the OS home.
pub fn effective_home(env: EnvFn) -> Option<PathBuf> {
    match non_blank(env, "OPENCLAW_HOME") {
        Some(h) => Some(expand_tilde(&h, os_home(env).as_deref())),
        None => os_home(env),
    }
}

/// OpenClaw's state dir: `OPENCLAW_STATE_DIR`, else `<home>/.openclaw` if it exists,
/// else the legacy `<home>/.clawdbot` if that exists, else `<home>/.openclaw`.
pub fn state_dir(env: EnvFn) -> Result<PathBuf> {
    let home = effective_home(env);
    if let Some(dir) = non_blank(env, "OPENCLAW_STATE_DIR") {
        return Ok(expand_tilde(&dir, home.as_deref()));
    }
    let home = home.ok_or_else(|| {
        Error::new(
            Kind::NoHome,
            "cannot find the home directory: set HOME or OPENCLAW_STATE_DIR, or pass --db",
        )
    })?;
    let new = home.join(".openclaw");
    let legacy = home.join(".clawdbot");
    Ok(if !new.exists() && legacy.exists() {
        legacy
    } else {
        new
    })
}

/// Why `path` cannot be reached by this user, when that is the reason: the first
/// directory on the way that may not be entered (or the file that may not be read),
/// with its owner and mode.
pub fn permission_problem(path: &Path) -> Option<Error> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
        _ => return None,
    }
    // The deepest ancestor we can stat is the one that refuses to be entered.
    let blocked = path
        .ancestors()
        .skip(1)
        .find(|a| std::fs::metadata(a).is_ok())?;
    let meta = std::fs::metadata(blocked).ok()?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    Some(Error::new(
        Kind::PermissionDenied,
        format!(
            "permission denied: {} (owner uid {}, mode {:04o}) cannot be entered by uid {me}, so {} cannot be read; run statectl as that user (e.g. sudo -u '#{}' statectl ...)",
            blocked.display(),
            meta.uid(),
            meta.mode() & 0o7777,
            path.display(),
            meta.uid()
        ),
    ))
}

/// Resolves the database path. Never creates anything; a missing file is an error that
/// names every path tried.
pub fn locate(hints: &Hints, env: EnvFn) -> Result<Located> {
    if let Some(db) = hints.db {
        if db.is_file() {
            return Ok(Located {
                path: db.to_path_buf(),
                legacy_beside: None,
            });
        }
        if let Some(e) = permission_problem(db) {
            return Err(e);
        }
        return Err(Error::new(
            Kind::DbNotFound,
            format!(
                "no database file at {} (from --db or STATECTL_DB); check the path",
                db.display()
            ),
        ));
    }
    let dir = match hints.state_dir {
        Some(d) => d.to_path_buf(),
        None => state_dir(env)?,
    };
    let shared = dir.join(SHARED_REL);
    let legacy = dir.join(LEGACY_REL);
    match (shared.is_file(), legacy.is_file()) {
        (true, has_legacy) => Ok(Located {
            path: shared,
            legacy_beside: has_legacy.then_some(legacy),
        }),
        (false, true) => Ok(Located {
            path: legacy,
            legacy_beside: None,
        }),
        (false, false) => Err(permission_problem(&shared)
            .or_else(|| permission_problem(&legacy))
            .unwrap_or_else(|| Error::new(
            Kind::DbNotFound,
            format!(
                "no OpenClaw plugin state database found; tried {} and {}; pass --db PATH or --state-dir DIR",
                shared.display(),
                legacy.display()
            ),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }

    #[test]
    fn state_dir_env_wins_and_expands_tilde_to_openclaw_home() {
        let vars = env_of(&[
            ("OPENCLAW_STATE_DIR", "  ~/custom "),
            ("OPENCLAW_HOME", "/oc-home"),
            ("HOME", "/home/u"),
        ]);
        let env = |k: &str| vars.get(k).cloned();
        assert_eq!(state_dir(&env).unwrap(), PathBuf::from("/oc-home/custom"));
    }

    #[test]
    fn blank_state_dir_falls_back_to_home_and_legacy_clawdbot() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path().to_str().unwrap().to_string();
        let vars = env_of(&[("OPENCLAW_STATE_DIR", "  "), ("HOME", &h)]);
        let env = |k: &str| vars.get(k).cloned();
        assert_eq!(state_dir(&env).unwrap(), home.path().join(".openclaw"));
        std::fs::create_dir(home.path().join(".clawdbot")).unwrap();
        assert_eq!(state_dir(&env).unwrap(), home.path().join(".clawdbot"));
        std::fs::create_dir(home.path().join(".openclaw")).unwrap();
        assert_eq!(state_dir(&env).unwrap(), home.path().join(".openclaw"));
    }

    #[test]
    fn shared_layout_wins_and_a_legacy_file_beside_it_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let env = |_: &str| None;
        let hints = Hints {
            db: None,
            state_dir: Some(dir.path()),
        };
        let err = locate(&hints, &env).unwrap_err();
        assert!(err.message.contains(SHARED_REL) && err.message.contains(LEGACY_REL));
        touch(&dir.path().join(LEGACY_REL));
        assert_eq!(
            locate(&hints, &env).unwrap().path,
            dir.path().join(LEGACY_REL)
        );
        touch(&dir.path().join(SHARED_REL));
        let found = locate(&hints, &env).unwrap();
        assert_eq!(found.path, dir.path().join(SHARED_REL));
        assert_eq!(found.legacy_beside, Some(dir.path().join(LEGACY_REL)));
    }

    #[test]
    fn explicit_db_must_exist_and_is_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.sqlite");
        let hints = Hints {
            db: Some(&missing),
            state_dir: None,
        };
        let err = locate(&hints, &|_: &str| None).unwrap_err();
        assert_eq!(err.kind, Kind::DbNotFound);
        assert!(!missing.exists());
    }
}
