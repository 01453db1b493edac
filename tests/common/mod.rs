//! Shared helpers for the black-box tests: throwaway databases and a scrubbed command.
#![allow(dead_code)]

use assert_cmd::Command;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// `statectl` with an environment that cannot leak the developer's own state into a test.
pub fn statectl() -> Command {
    Command::from_std(statectl_process())
}

/// `statectl --db DB --now NOW`: how most tests start, at a fixed clock.
pub fn statectl_at(db: &Path, now: i64) -> Command {
    let mut cmd = statectl();
    cmd.arg("--db").arg(db).args(["--now", &now.to_string()]);
    cmd
}

/// The same scrubbed `statectl`, as a plain process (to spawn, signal, or run on a pty).
pub fn statectl_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_statectl"));
    for var in [
        "STATECTL_DB",
        "STATECTL_NAMESPACES_FILE",
        "XDG_CONFIG_HOME",
        "OPENCLAW_STATE_DIR",
        "OPENCLAW_HOME",
        "OPENCLAW_CONFIG_PATH",
        "NO_COLOR",
        "PAGER",
        "COLUMNS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", "/nonexistent-home-for-tests");
    // Never the real /tmp/openclaw-state-locks-<uid>: a private lock root.
    cmd.env("STATECTL_TEST_LOCK_ROOT", lock_root());
    cmd
}

/// The lock root every spawned statectl uses instead of `/tmp` (the test-only
/// `STATECTL_TEST_LOCK_ROOT`), under cargo's per-target temp dir.
pub fn lock_root() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lock-root");
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// The runtime lock file statectl uses for `db` in the tests' lock root.
pub fn lock_file(db: &Path, family: &str) -> PathBuf {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata(db).unwrap().uid();
    statectl::store::write::lock_file_in(&lock_root(), db, uid, family)
}

/// A copy of a committed fixture in a temp dir, so no test can touch the original.
pub fn fixture_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(Path::new(FIXTURES).join(name), &path).unwrap();
    (dir, path)
}

/// A state dir as an upgraded host leaves it: the shared `state/openclaw.sqlite` and
/// the legacy `plugin-state/state.sqlite` still present beside it (both written by the
/// real runtime: the committed fixtures).
pub fn state_dir_with_legacy_leftover() -> tempfile::TempDir {
    let state = tempfile::tempdir().unwrap();
    for (fixture, rel) in [
        ("shared-2026.9.6.sqlite", "state/openclaw.sqlite"),
        ("legacy-2026.5.6.sqlite", "plugin-state/state.sqlite"),
    ] {
        let target = state.path().join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(Path::new(FIXTURES).join(fixture), &target).unwrap();
    }
    state
}

/// The legacy schema, without a journal mode (SQLite's default: a rollback journal).
pub const LEGACY_SCHEMA: &str = include_str!("../fixtures/legacy-schema.sql");

/// An empty legacy-layout database, as 2026.5.6 creates it.
pub fn legacy_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    Connection::open(&path)
        .unwrap()
        .execute_batch(&format!("{LEGACY_SCHEMA} PRAGMA journal_mode = WAL;"))
        .unwrap();
    (dir, path)
}

/// A row as inserted directly: (plugin, namespace, key, value_json, created_at, expires_at).
pub type RawRow<'a> = (&'a str, &'a str, &'a str, &'a str, i64, Option<i64>);

/// Inserts rows directly, bypassing every rule (to build states the runtime cannot).
pub fn insert(path: &Path, rows: &[RawRow]) {
    let c = Connection::open(path).unwrap();
    for (p, n, k, v, c_at, e_at) in rows {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![p, n, k, v, c_at, e_at],
        )
        .unwrap();
    }
}

pub fn stdout_json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Every row of a database as stored, in a stable order, to compare whole databases.
pub type StoredRow = (String, String, String, String, i64, Option<i64>);

pub fn all_rows(db: &Path) -> Vec<StoredRow> {
    let c = Connection::open(db).unwrap();
    let mut s = c
        .prepare("SELECT plugin_id, namespace, entry_key, value_json, created_at, expires_at FROM plugin_state_entries ORDER BY 1, 2, 3")
        .unwrap();
    s.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })
    .unwrap()
    .collect::<rusqlite::Result<Vec<_>>>()
    .unwrap()
}

/// Rows of DB live at NOW, counted in SQL (not by statectl), optionally in one namespace.
pub fn live_rows(db: &Path, now: i64, namespace: Option<&str>) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM plugin_state_entries WHERE (expires_at IS NULL OR expires_at > ?1) AND (?2 IS NULL OR namespace = ?2)",
            rusqlite::params![now, namespace],
            |r| r.get(0),
        )
        .unwrap()
}

/// `statectl --db DB --now NOW ARGS...`, run to the end.
pub fn run_at(db: &Path, now: i64, args: &[&str]) -> std::process::Output {
    statectl_at(db, now).args(args).output().unwrap()
}

/// [`on_terminal`] for `statectl --db DB --now NOW ARGS...`.
pub fn on_terminal_at(cols: u16, db: &Path, now: i64, args: &[&str]) -> (String, i32) {
    on_terminal_at_with(cols, db, now, args, &[])
}

/// [`on_terminal_at`] with extra environment variables.
pub fn on_terminal_at_with(
    cols: u16,
    db: &Path,
    now: i64,
    args: &[&str],
    env: &[(&str, &str)],
) -> (String, i32) {
    let (text, code) = on_terminal_at_styled(cols, db, now, args, env);
    (strip_styles(&text), code)
}

/// [`on_terminal_at_with`], styles kept (to see colours).
pub fn on_terminal_at_styled(
    cols: u16,
    db: &Path,
    now: i64,
    args: &[&str],
    env: &[(&str, &str)],
) -> (String, i32) {
    finish_on_terminal(spawn_on_terminal(cols, &db_now_args(db, now, args), env))
}

/// `--db DB --now NOW ARGS...` as owned strings, for a command line on a pty.
pub fn db_now_args(db: &Path, now: i64, args: &[&str]) -> Vec<String> {
    let mut all = vec![
        "--db".to_string(),
        db.display().to_string(),
        "--now".to_string(),
        now.to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    all
}

/// Runs statectl on a pseudo-terminal of `cols` columns (0: a terminal that reports no
/// width, as under `script`) and returns what the terminal showed (stdout and stderr),
/// with `\r\n` as `\n`, and the exit code.
pub fn on_terminal(cols: u16, args: &[&str]) -> (String, i32) {
    on_terminal_with(cols, args, &[])
}

/// [`on_terminal`] with extra environment variables.
pub fn on_terminal_with(cols: u16, args: &[&str], env: &[(&str, &str)]) -> (String, i32) {
    let (text, code) = on_terminal_styled(cols, args, env);
    (strip_styles(&text), code)
}

/// [`on_terminal_with`], styles (`ESC [ ... m`) kept.
pub fn on_terminal_styled(cols: u16, args: &[&str], env: &[(&str, &str)]) -> (String, i32) {
    finish_on_terminal(spawn_on_terminal(cols, args, env))
}

/// Starts statectl on a pseudo-terminal of `cols` columns, to talk to it (answer a
/// prompt); [`finish_on_terminal`] reads the rest.
pub fn spawn_on_terminal<A: AsRef<std::ffi::OsStr>>(
    cols: u16,
    args: &[A],
    env: &[(&str, &str)],
) -> rexpect::session::PtySession {
    let mut cmd = statectl_process();
    cmd.envs(env.iter().copied());
    let bin = cmd.get_program().to_owned();
    // `stty` sets the pty's size before statectl starts, in the same terminal; found
    // here, so a test may give statectl a PATH without it.
    let stty = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("stty"))
        .find(|p| p.is_file())
        .expect("stty on PATH");
    cmd = {
        let mut sh = std::process::Command::new("/bin/sh");
        sh.arg("-c")
            .arg(format!(
                "{} cols {cols} rows 40 && exec \"$0\" \"$@\"",
                stty.display()
            ))
            .arg(bin)
            .args(args);
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => sh.env(k, v),
                None => sh.env_remove(k),
            };
        }
        sh
    };
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty")
}

/// Reads a statectl on a pty to its end: what the terminal showed (stdout and stderr,
/// `\r\n` as `\n`, styles kept) and the exit code.
pub fn finish_on_terminal(mut p: rexpect::session::PtySession) -> (String, i32) {
    use rexpect::process::WaitStatus;
    let text = p.exp_eof().expect("statectl ends");
    let code = match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, c) => c,
        other => panic!("statectl on a pty: {other:?}"),
    };
    // rexpect hands back one char per byte: put the UTF-8 back together.
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    (String::from_utf8_lossy(&bytes).replace("\r\n", "\n"), code)
}

/// The text without terminal styles (`ESC [ ... m`), as a person reads it.
pub fn strip_styles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Every `.rs` file under the crate's `src/`, sorted (for the tests that read the source).
pub fn source_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    assert!(files.len() > 10, "found the sources");
    files
}
