//! Issue 13, defects 8 and 9: a row the gateway rewrites after the plan is left alone
//! even when another planned row has `created_at` in the future, and rows without
//! `created_at` make the plan and the result agree (reported and skipped).

mod common;
use common::*;
use rusqlite::Connection;
use std::os::fd::AsRawFd;

fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Waits until the prompt reads keys (raw mode), as write_commands.rs does.
fn wait_for_prompt(p: &mut rexpect::session::PtySession) {
    let tty = p.process().get_file_handle().unwrap();
    let raw = || {
        // SAFETY: tcgetattr fills a plain C struct; the master reports the pty's modes.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::tcgetattr(tty.as_raw_fd(), &mut t) }, 0);
        t.c_lflag & libc::ICANON == 0
    };
    let start = std::time::Instant::now();
    while !raw() {
        assert!(
            start.elapsed().as_secs() < 10,
            "the prompt never read a key"
        );
        std::thread::yield_now();
    }
}

/// The plan is shown and the prompt waits; meanwhile a writer rewrites two planned rows
/// the way the runtime does (new value, `created_at = now`). One planned row has
/// `created_at` a day ahead: it used to switch the guard off, so the rewritten rows
/// were deleted. Now they survive, and the rows nobody touched are deleted as planned.
#[test]
fn a_future_created_at_does_not_switch_the_rewrite_guard_off() {
    let (_d, db) = legacy_db();
    let t = wall_ms();
    let day = 86_400_000;
    insert(
        &db,
        &[
            ("p", "ns", "old", "1", t - day, None),
            ("p", "ns", "rewritten", "2", t - day, None),
            ("p", "ns", "future", "3", t + day, None),
            ("p", "ns", "future-rewritten", "4", t + day, None),
        ],
    );
    let mut cmd = statectl_process();
    cmd.arg("--db").arg(&db).args(["prune", "p/ns", "--all"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("Delete 4 rows").unwrap();
    wait_for_prompt(&mut p);
    // The gateway writes after the plan: its clock is at or beyond the plan clock.
    let c = Connection::open(&db).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    for key in ["rewritten", "future-rewritten"] {
        c.execute(
            "UPDATE plugin_state_entries SET value_json = '\"new\"', created_at = ?1 WHERE entry_key = ?2",
            rusqlite::params![wall_ms(), key],
        )
        .unwrap();
    }
    drop(c);
    p.send("y").unwrap();
    p.flush().unwrap();
    p.exp_eof().unwrap();
    let left: Vec<(String, String)> = all_rows(&db).into_iter().map(|r| (r.2, r.3)).collect();
    assert_eq!(
        left,
        [
            ("future-rewritten".to_string(), "\"new\"".to_string()),
            ("rewritten".to_string(), "\"new\"".to_string()),
        ],
        "the rows rewritten after the plan survive; the others are deleted as planned"
    );
}

/// A hand-made table without NOT NULL on created_at: the plan and the result agree,
/// and the rows without created_at are named in a warning and left alone.
#[test]
fn rows_without_created_at_are_reported_and_skipped() {
    for args in [
        &["prune", "p/ns", "--all"][..],
        &["expire", "p/ns", "--all", "--in", "1h"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.sqlite");
        Connection::open(&db)
            .unwrap()
            .execute_batch(
                &LEGACY_SCHEMA.replace("created_at INTEGER NOT NULL", "created_at INTEGER"),
            )
            .unwrap();
        let c = Connection::open(&db).unwrap();
        for (k, created) in [
            ("a", Some(1_000_000_000_000i64)),
            ("b", None),
            ("c", Some(1_000_000_000_001)),
            ("d", None),
        ] {
            c.execute(
                "INSERT INTO plugin_state_entries VALUES ('p', 'ns', ?1, '1', ?2, NULL)",
                rusqlite::params![k, created],
            )
            .unwrap();
        }
        drop(c);
        let now = "1795707055987";
        let dry = statectl()
            .arg("--db")
            .arg(&db)
            .args(["--now", now, "-o", "json"])
            .args(args)
            .args(["--dry-run"])
            .output()
            .unwrap();
        assert!(dry.status.success(), "{dry:?}");
        let planned = stdout_json(&dry)["rows"].as_u64().unwrap();
        let real = statectl()
            .arg("--db")
            .arg(&db)
            .args(["--now", now, "-o", "json"])
            .args(args)
            .args(["-y"])
            .output()
            .unwrap();
        assert!(real.status.success(), "{real:?}");
        let done = stdout_json(&real)["rows"].as_u64().unwrap();
        assert_eq!(planned, done, "{args:?}: the plan and the result agree");
        assert_eq!(done, 2, "{args:?}");
        let err = String::from_utf8_lossy(&real.stderr);
        assert!(err.contains("2 rows without created_at"), "{args:?}: {err}");
        let c = Connection::open(&db).unwrap();
        let untouched: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM plugin_state_entries WHERE created_at IS NULL AND expires_at IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            untouched, 2,
            "{args:?}: the rows without created_at are left alone"
        );
    }
}

/// Before 2026.9 a prune over every namespace reads its candidates in rowid order; a
/// namespace that appears after the plan (an import keeps old `created_at` values) was
/// neither shown nor checked, and keeps its rows.
#[test]
fn a_namespace_written_after_the_plan_is_left_alone() {
    let (_d, db) = legacy_db();
    let t = wall_ms();
    let now = t.to_string();
    insert(
        &db,
        &[
            ("p", "ns", "gone", "1", t - 2_000, Some(t - 1_000)),
            ("p", "ns", "live", "2", t - 2_000, Some(t + 3_600_000)),
        ],
    );
    let mut cmd = statectl_process();
    cmd.arg("--db")
        .arg(&db)
        .args(["--now", now.as_str(), "prune", "--expired"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("Delete 1 row").unwrap();
    wait_for_prompt(&mut p);
    let c = Connection::open(&db).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    for (plugin, ns, key) in [("p", "later", "new-ns"), ("q", "ns", "new-plugin")] {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, '1', ?4, ?5)",
            rusqlite::params![plugin, ns, key, t - 2_000, t - 1_000],
        )
        .unwrap();
    }
    drop(c);
    p.send("y").unwrap();
    p.flush().unwrap();
    p.exp_eof().unwrap();
    let mut left: Vec<String> = all_rows(&db).into_iter().map(|r| r.2).collect();
    left.sort();
    assert_eq!(left, ["live", "new-ns", "new-plugin"]);
}
