//! Faults: statectl killed mid-write, a database locked exclusively, files it may not
//! write, and a disk that fills up during an export.

mod common;
use common::*;
use predicates::prelude::*;
use rusqlite::Connection;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const NOW: i64 = 1_795_707_055_987;

fn fill(db: &Path, n: usize) {
    let c = Connection::open(db).unwrap();
    c.execute_batch("BEGIN").unwrap();
    let mut s = c
        .prepare("INSERT INTO plugin_state_entries VALUES ('p', 'big', ?1, ?2, ?3, NULL)")
        .unwrap();
    for i in 0..n {
        s.execute(rusqlite::params![
            format!("k{i:07}"),
            format!("{{\"i\":{i}}}"),
            NOW - 1_000_000 + i as i64
        ])
        .unwrap();
    }
    s.execute(rusqlite::params!["other", "{}", NOW]).unwrap();
    drop(s);
    c.execute(
        "INSERT INTO plugin_state_entries VALUES ('q', 'small', 'keep', '1', ?1, NULL)",
        [NOW],
    )
    .unwrap();
    c.execute_batch("COMMIT").unwrap();
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn integrity(db: &Path) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// Starts statectl with `args`, waits until `ready()` (polling what it has done so
/// far), sends `signal`, and returns how it ended and its stderr.
fn signal_when(
    db: &Path,
    args: &[&str],
    mut ready: impl FnMut() -> bool,
    signal: i32,
) -> (std::process::ExitStatus, String) {
    /// Kills the child however the test ends, so a failed assertion leaves no process.
    struct Killer(std::process::Child);
    impl Drop for Killer {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Killer(
        statectl_process()
            .arg("--db")
            .arg(db)
            .args(["--now", &NOW.to_string()])
            .args(args)
            .env("STATECTL_TXN_LOG", txn_log(db))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while !ready() {
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "finished before the signal"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "never made progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.0.id() as i32, signal) }, 0);
    let status = child.0.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    (status, stderr)
}

/// Where the run's STATECTL_TXN_LOG goes (store/write.rs `Writer::trace`).
fn txn_log(db: &Path) -> std::path::PathBuf {
    db.with_extension("txn-log")
}

/// The row counts a run could have left visible if only whole batches commit: the
/// sums of its first k batches (each `apply ROWS` line is written before its
/// transaction begins, so the batch in progress when the run was stopped is in it).
fn whole_batch_totals(db: &Path) -> Vec<i64> {
    let log = std::fs::read_to_string(txn_log(db)).unwrap();
    let mut sum = 0;
    let mut totals = vec![0];
    for rows in log.lines().filter_map(|l| l.strip_prefix("apply ")) {
        sum += rows.split(' ').next().unwrap().parse::<i64>().unwrap();
        totals.push(sum);
    }
    assert!(totals.len() > 2, "the run logged its batches:\n{log}");
    totals
}

/// SIGKILLs statectl once `progress` (a query) reports at least `min` changed rows.
fn kill_midway(db: &Path, args: &[&str], progress: &str, min: i64) {
    let watcher = Connection::open(db).unwrap();
    let (status, _) = signal_when(
        db,
        args,
        || {
            watcher
                .query_row(progress, [], |r| r.get::<_, i64>(0))
                .unwrap_or(0)
                >= min
        },
        libc::SIGKILL,
    );
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
}

/// Rows of `p/big` in runtime order, with whether each was changed.
fn changed_flags(db: &Path, changed_sql: &str) -> Vec<bool> {
    let c = Connection::open(db).unwrap();
    let mut s = c.prepare(&format!("SELECT {changed_sql} FROM plugin_state_entries WHERE plugin_id = 'p' AND namespace = 'big' ORDER BY created_at, entry_key")).unwrap();
    s.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<bool>>>()
        .unwrap()
}

#[test]
fn a_prune_killed_midway_leaves_whole_batches_and_a_healthy_database() {
    let (_d, db) = legacy_db();
    let n = 150_000;
    fill(&db, n);
    let left = format!(
        "SELECT {} - COUNT(*) FROM plugin_state_entries WHERE plugin_id = 'p'",
        n + 1
    );
    kill_midway(&db, &["prune", "p/big", "--all", "-y"], &left, 20_000);
    assert_eq!(integrity(&db), "ok");
    let deleted = n as i64 + 1
        - count(
            &db,
            "SELECT COUNT(*) FROM plugin_state_entries WHERE plugin_id = 'p'",
        );
    assert!(
        deleted > 0 && (deleted as usize) < n + 1,
        "killed midway: {deleted}"
    );
    let totals = whole_batch_totals(&db);
    assert!(
        totals.contains(&deleted),
        "only whole batches are visible: {deleted} is no sum of the first batches {totals:?}"
    );
    // Deletion follows the runtime order: what is left is a suffix of it.
    let first_left: String = Connection::open(&db).unwrap()
        .query_row("SELECT entry_key FROM plugin_state_entries WHERE plugin_id = 'p' ORDER BY created_at, entry_key LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(first_left, format!("k{deleted:07}"));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM plugin_state_entries WHERE plugin_id = 'q'"
        ),
        1,
        "outside the selection"
    );
}

/// Ctrl-C stops a prune after the batch in progress commits: exit 130, and the message
/// says how many rows were deleted, which is what the database shows.
#[test]
fn ctrl_c_stops_a_prune_between_batches_and_says_how_far_it_got() {
    let (_d, db) = legacy_db();
    let n = 150_000;
    fill(&db, n);
    let watcher = Connection::open(&db).unwrap();
    let left = "SELECT COUNT(*) FROM plugin_state_entries WHERE plugin_id = 'p'";
    let (status, stderr) = signal_when(
        &db,
        &["prune", "p/big", "--all", "-y"],
        || watcher.query_row(left, [], |r| r.get::<_, i64>(0)).unwrap() <= n as i64 - 20_000,
        libc::SIGINT,
    );
    assert_eq!(status.code(), Some(130), "{stderr}");
    let deleted = n as i64 + 1 - count(&db, left);
    let said: String = stderr
        .split("interrupted: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("{stderr}"))
        .replace(',', "");
    assert_eq!(said.parse::<i64>().unwrap(), deleted, "{stderr}");
    assert!(deleted < n as i64, "stopped early: {deleted}");
    assert!(
        whole_batch_totals(&db).contains(&deleted),
        "whole batches: {deleted}"
    );
    assert_eq!(integrity(&db), "ok");
}

/// Ctrl-C during `export -O` removes the temporary file: nothing is left behind.
#[test]
fn ctrl_c_during_an_export_leaves_no_file_behind() {
    let (_d, db) = legacy_db();
    fill(&db, 150_000);
    let out_dir = tempfile::tempdir().unwrap();
    let dest = out_dir.path().join("export.jsonl");
    let files = || std::fs::read_dir(out_dir.path()).unwrap().count();
    // Ready once the temporary file holds the header and some entries.
    let underway = || {
        std::fs::read_dir(out_dir.path())
            .unwrap()
            .any(|e| e.unwrap().metadata().unwrap().len() > 0)
    };
    let (status, stderr) = signal_when(
        &db,
        &["export", "-O", dest.to_str().unwrap()],
        underway,
        libc::SIGINT,
    );
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("was not written"), "{stderr}");
    assert_eq!(files(), 0, "no export and no temp file");
}

#[test]
fn an_expire_killed_midway_leaves_whole_batches_and_a_healthy_database() {
    let (_d, db) = legacy_db();
    let n = 150_000;
    fill(&db, n);
    let target = NOW + 3_600_000;
    let progress = format!("SELECT COUNT(*) FROM plugin_state_entries WHERE expires_at = {target}");
    kill_midway(
        &db,
        &["expire", "p/big", "--all", "--in", "1h", "-y"],
        &progress,
        20_000,
    );
    assert_eq!(integrity(&db), "ok");
    let flags = changed_flags(&db, &format!("expires_at IS {target}"));
    let changed = flags.iter().filter(|f| **f).count();
    assert!(
        changed > 0 && changed < flags.len(),
        "killed midway: {changed}"
    );
    assert!(
        whole_batch_totals(&db).contains(&(changed as i64)),
        "only whole batches: {changed}"
    );
    assert!(
        flags[..changed].iter().all(|f| *f),
        "changed rows are a prefix of the runtime order"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM plugin_state_entries WHERE plugin_id = 'q' AND expires_at IS NULL"
        ),
        1
    );
}

#[test]
fn an_exclusively_locked_database_exits_5_and_changes_nothing() {
    let (_d, db) = legacy_db();
    fill(&db, 10);
    let holder = Connection::open(&db).unwrap();
    holder.execute_batch("PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE; UPDATE plugin_state_entries SET value_json = value_json WHERE 0;").unwrap();
    holder
        .execute(
            "INSERT INTO plugin_state_entries VALUES ('z', 'z', 'z', '1', 1, NULL)",
            [],
        )
        .unwrap();
    for args in [vec!["ls", "p/big"], vec!["prune", "p/big", "--all", "-y"]] {
        statectl()
            .arg("--db")
            .arg(&db)
            .args(["--busy-timeout", "300"])
            .args(&args)
            .assert()
            .code(5)
            .stderr(predicate::str::contains("busy"));
    }
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM plugin_state_entries"), 12);
}

/// A database the user may read but not write: as an unprivileged user (uid 65534)
/// on a root-owned file. Reads work; writes fail with a clear message.
#[test]
fn a_read_only_database_can_be_read_but_not_written() {
    if unsafe { libc::getuid() } != 0 {
        eprintln!("skipping: needs root to run statectl as another user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.path().join("state.sqlite");
    Connection::open(&db)
        .unwrap()
        .execute_batch(LEGACY_SCHEMA)
        .unwrap();
    insert(&db, &[("p", "n", "k", "1", NOW - 10, None)]);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let as_nobody = |args: &[&str]| {
        statectl_process()
            .uid(65534)
            .gid(65534)
            .env("HOME", "/nonexistent")
            .arg("--db")
            .arg(&db)
            .args(["--now", &NOW.to_string()])
            .args(args)
            .output()
            .unwrap()
    };
    let ls = as_nobody(&["ls", "n", "--keys-only"]);
    assert!(
        ls.status.success(),
        "{}",
        String::from_utf8_lossy(&ls.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ls.stdout), "k\n");
    for args in [
        vec!["prune", "n", "--all", "-y"],
        vec!["expire", "n", "--all", "-y"],
    ] {
        let out = as_nobody(&args);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("read-only") && err.lines().count() == 1,
            "{err}"
        );
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM plugin_state_entries"), 1);
}

/// A full disk during an export (simulated with RLIMIT_FSIZE) leaves no partial file.
#[test]
fn a_disk_full_export_leaves_no_file_behind() {
    let (dir, db) = legacy_db();
    fill(&db, 20_000);
    let out_dir = tempfile::tempdir().unwrap();
    let dest: PathBuf = out_dir.path().join("export.jsonl");
    let mut cmd = statectl_process();
    cmd.arg("--db").arg(&db).args(["export", "-O"]).arg(&dest);
    unsafe {
        cmd.pre_exec(|| {
            // Writes past 64 KiB fail with EFBIG instead of killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 64 * 1024,
                rlim_max: 64 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    assert!(!dest.exists(), "no partial export");
    assert_eq!(
        std::fs::read_dir(out_dir.path()).unwrap().count(),
        0,
        "no temp file left"
    );
    drop(dir);
}
