//! Black-box tests of prune and expire: what they change, what they refuse, and how
//! they share the database with a writer that behaves like the gateway.

mod common;
use common::*;
use predicates::prelude::*;
use rusqlite::Connection;
use std::path::Path;

const NOW: i64 = 1_795_707_055_987;

fn keys_of(db: &Path, plugin: &str, ns: &str) -> Vec<String> {
    let c = Connection::open(db).unwrap();
    let mut s = c
        .prepare("SELECT entry_key FROM plugin_state_entries WHERE plugin_id = ?1 AND namespace = ?2 ORDER BY created_at, entry_key")
        .unwrap();
    s.query_map([plugin, ns], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap()
}

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = legacy_db();
    insert(
        &db,
        &[
            (
                "discord",
                "discord.modals",
                "mdl_old",
                "{}",
                NOW - 7_200_000,
                Some(NOW + 60_000),
            ),
            (
                "discord",
                "discord.modals",
                "mdl_new",
                "{}",
                NOW - 1_000,
                Some(NOW + 60_000),
            ),
            (
                "discord",
                "discord.modals",
                "mdl_gone",
                "{}",
                NOW - 9_000_000,
                Some(NOW - 1),
            ),
            (
                "slack",
                "slack.thread-participation",
                "t1",
                "{}",
                NOW - 5_000,
                Some(NOW),
            ),
            (
                "slack",
                "slack.thread-participation",
                "t2",
                "{}",
                NOW - 4_000,
                None,
            ),
            (
                "telegram",
                "telegram.update-offsets",
                "bot",
                "{\"offset\":1}",
                NOW - 1_000,
                None,
            ),
            ("telegram", "thread-bindings", "k", "1", NOW - 1_000, None),
            ("discord", "thread-bindings", "k", "2", NOW - 1_000, None),
        ],
    );
    (dir, db)
}

fn run(db: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    statectl_at(db, NOW).args(args).assert()
}

#[test]
fn prune_deletes_exactly_the_selected_rows() {
    let (_d, db) = sample();
    let before = all_rows(&db);
    // Live rows by default, as `ls` shows them: the expired mdl_gone stays.
    run(
        &db,
        &["prune", "discord.modals", "--older-than", "1h", "-y"],
    )
    .success()
    .stdout("deleted 1 row from 1 namespace\n")
    .stderr(predicate::str::contains("gateway restart"));
    let after = all_rows(&db);
    let removed: Vec<_> = before
        .iter()
        .filter(|r| !after.contains(r))
        .map(|r| r.2.as_str())
        .collect();
    assert_eq!(removed, ["mdl_old"]);
    run(
        &db,
        &[
            "prune",
            "discord.modals",
            "--older-than",
            "1h",
            "--include-expired",
            "-y",
        ],
    )
    .success()
    .stdout("deleted 1 row from 1 namespace\n");
    assert_eq!(keys_of(&db, "discord", "discord.modals"), ["mdl_new"]);
    assert_eq!(all_rows(&db).len(), before.len() - 2);
}

#[test]
fn prune_expired_sweeps_every_expired_row_and_nothing_else() {
    let (_d, db) = sample();
    run(&db, &["prune", "--expired", "-y", "-o", "json"])
        .success()
        .stdout(predicate::str::contains("\"rows\":2"));
    let keys: Vec<String> = all_rows(&db).into_iter().map(|r| r.2).collect();
    assert!(
        !keys.contains(&"mdl_gone".to_string()) && !keys.contains(&"t1".to_string()),
        "expires_at <= now is gone"
    );
    assert_eq!(keys.len(), 6);
}

/// Candidates are read a page (1,024 rows) at a time, each page continuing after the
/// last one's (created_at, key): rows sharing a created_at across page boundaries, in
/// several namespaces, are each changed exactly once.
#[test]
fn batches_page_through_namespaces_and_equal_created_at() {
    let (_d, db) = legacy_db();
    let rows: Vec<(String, String, i64)> = ["discord.modals", "discord.components"]
        .iter()
        .flat_map(|ns| (0..2_500).map(move |i| (ns.to_string(), format!("k{i:05}"), i)))
        .collect();
    let raw: Vec<RawRow> = rows
        .iter()
        .map(|(ns, key, i)| {
            let expires = if i % 2 == 0 { NOW - 1 } else { NOW + 60_000 };
            (
                "discord",
                ns.as_str(),
                key.as_str(),
                "{}",
                NOW - 1_000,
                Some(expires),
            )
        })
        .collect();
    insert(&db, &raw);
    run(&db, &["prune", "--expired", "-y"])
        .success()
        .stdout("deleted 2,500 rows from 2 namespaces\n");
    let left = keys_of(&db, "discord", "discord.modals");
    assert_eq!(left.len(), 1_250);
    assert!(left.iter().all(|k| k[1..].parse::<u32>().unwrap() % 2 == 1));
    run(
        &db,
        &[
            "expire",
            "discord/discord.components",
            "--all",
            "--in",
            "1h",
            "-y",
        ],
    )
    .success();
    let moved = all_rows(&db)
        .iter()
        .filter(|r| r.1 == "discord.components" && r.5 == Some(NOW + 3_600_000))
        .count();
    assert_eq!(moved, 1_250);
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let (_d, db) = sample();
    let before = all_rows(&db);
    run(&db, &["prune", "discord.modals", "--all", "--dry-run"])
        .success()
        .stdout(
            predicate::str::contains("would delete 2 rows")
                .and(predicate::str::contains("mdl_old, mdl_new")),
        );
    run(
        &db,
        &[
            "prune",
            "discord.modals",
            "--all",
            "--dry-run",
            "-o",
            "json",
        ],
    )
    .success()
    .stdout(
        predicate::str::contains("\"dry_run\":true").and(predicate::str::contains("\"rows\":2")),
    );
    assert_eq!(all_rows(&db), before);
}

#[test]
fn without_a_terminal_a_prune_needs_yes() {
    let (_d, db) = sample();
    let before = all_rows(&db);
    run(&db, &["prune", "discord.modals", "--all"])
        .code(4)
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(all_rows(&db), before);
}

/// On a terminal statectl asks (dialoguer, default no): "n" changes nothing and exits
/// 4, Ctrl-C ends statectl at once by SIGINT (130 in the shell) with nothing changed,
/// "y" goes ahead. The terminal is a real
/// pseudo-terminal; keys are sent once the prompt has put it in raw mode.
#[test]
fn on_a_terminal_the_answer_decides() {
    use rexpect::process::WaitStatus;
    use std::os::fd::AsRawFd;
    for (answer, code) in [("n", 4), ("\x03", 128 + libc::SIGINT), ("y", 0)] {
        let (_d, db) = sample();
        let before = all_rows(&db);
        let mut cmd = statectl_process();
        cmd.arg("--db").arg(&db).args([
            "--now",
            &NOW.to_string(),
            "prune",
            "discord.modals",
            "--all",
        ]);
        let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).unwrap();
        p.exp_string("Delete 2 rows").unwrap();
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
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        p.send(answer).unwrap();
        p.flush().unwrap();
        p.exp_eof().unwrap();
        let status = p.process().wait().unwrap();
        let ended = match status {
            WaitStatus::Exited(_, c) => c,
            WaitStatus::Signaled(_, signal, _) => 128 + signal as i32,
            other => panic!("answer {answer:?}: {other:?}"),
        };
        assert_eq!(ended, code, "answer {answer:?}: {status:?}");
        let left = all_rows(&db).len();
        if code == 0 {
            assert_eq!(left, before.len() - 2, "answer y deletes");
        } else {
            assert_eq!(all_rows(&db), before, "answer {answer:?} changes nothing");
        }
    }
}

#[test]
fn a_protected_namespace_needs_force() {
    let (_d, db) = sample();
    let before = all_rows(&db);
    run(&db, &["prune", "telegram.update-offsets", "--all", "-y"])
        .code(4)
        .stderr(predicate::str::contains("protected").and(predicate::str::contains("--force")));
    run(&db, &["expire", "telegram.update-offsets", "--all", "-y"]).code(4);
    assert_eq!(all_rows(&db), before);
    run(
        &db,
        &["prune", "telegram.update-offsets", "--all", "-y", "--force"],
    )
    .success();
    assert!(keys_of(&db, "telegram", "telegram.update-offsets").is_empty());
}

#[test]
fn an_ambiguous_namespace_is_refused_until_a_plugin_is_picked() {
    let (_d, db) = sample();
    let before = all_rows(&db);
    // Usage (2) as in every other command, not refused (4) as 0.1 had it.
    run(&db, &["prune", "thread-bindings", "--all", "-y"])
        .code(2)
        .stderr(predicate::str::contains("discord, telegram"));
    run(&db, &["expire", "thread-bindings", "--all", "-y"]).code(2);
    assert_eq!(all_rows(&db), before);
    run(&db, &["prune", "discord/thread-bindings", "--all", "-y"]).success();
    assert_eq!(keys_of(&db, "telegram", "thread-bindings"), ["k"]);
    assert!(keys_of(&db, "discord", "thread-bindings").is_empty());
}

#[test]
fn unknown_namespaces_and_missing_selections_are_refused() {
    let (_d, db) = sample();
    let before = all_rows(&db);
    run(&db, &["prune", "no.such", "--all", "-y"]).code(3);
    run(&db, &["prune", "slack/discord.modals", "--all", "-y"]).code(3);
    run(&db, &["prune", "-y"])
        .code(2)
        .stderr(predicate::str::contains("prune --expired"));
    run(&db, &["prune", "discord.modals", "-y"])
        .code(2)
        .stderr(predicate::str::contains("--all"));
    run(&db, &["expire", "discord.modals", "--expired", "-y"]).code(2);
    assert_eq!(all_rows(&db), before);
}

#[test]
fn a_newer_schema_is_never_written() {
    let (_d, db) = sample();
    Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 2")
        .unwrap();
    let before = all_rows(&db);
    run(&db, &["prune", "--expired", "-y"])
        .code(4)
        .stderr(predicate::str::contains("newer than statectl supports"));
    assert_eq!(all_rows(&db), before);
}

#[test]
fn the_ownership_fence_refuses_writes_unless_supervisor_mode_is_external() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    Connection::open(&db)
        .unwrap()
        .execute(
            "INSERT INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES ('gateway.supervision', ?1, 0)",
            [r#"{"version":1,"mode":"external","owner":"systemd"}"#],
        )
        .unwrap();
    let before = all_rows(&db);
    statectl()
        .arg("--db")
        .arg(&db)
        .args(["prune", "--expired", "-y"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "OPENCLAW_SUPERVISOR_MODE=external",
        ));
    assert_eq!(all_rows(&db), before);
    statectl()
        .arg("--db")
        .arg(&db)
        .env("OPENCLAW_SUPERVISOR_MODE", "external")
        .args(["prune", "--expired", "-y"])
        .assert()
        .success();
}

/// Issue 13, defect 11: 2026.9.6 refuses a shared database whose `schema_meta`
/// primary row is missing or disagrees with `PRAGMA user_version` (hand-made rows:
/// the runtime never writes such a file). Writes refuse naming both numbers; reads warn,
/// and `-q` silences the warning.
#[test]
fn a_schema_meta_the_runtime_refuses_is_never_written_and_reads_warn() {
    for (sql, numbers) in [
        (
            "UPDATE schema_meta SET schema_version = 17 WHERE meta_key = 'primary'",
            ["schema_version 17", "user_version 18"],
        ),
        (
            "DELETE FROM schema_meta WHERE meta_key = 'primary'",
            ["schema_version missing", "user_version 18"],
        ),
    ] {
        let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
        Connection::open(&db).unwrap().execute_batch(sql).unwrap();
        let before = all_rows(&db);
        for args in [
            &["prune", "unicode.keys", "--all", "-y"][..],
            &["expire", "unicode.keys", "--all", "--in", "1h", "-y"][..],
        ] {
            let out = run(&db, args).code(4).get_output().clone();
            let err = String::from_utf8_lossy(&out.stderr);
            for n in numbers {
                assert!(err.contains(n), "{args:?} after {sql}: {err}");
            }
        }
        assert_eq!(all_rows(&db), before);
        let out = run(&db, &["ls"]).success().get_output().clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("warning:") && err.contains(numbers[0]) && err.contains(numbers[1]),
            "{err}"
        );
        run(&db, &["-q", "ls"])
            .success()
            .stderr(predicate::str::is_empty());
    }
}

/// 2026.6.1 (schema 1) writes a database whose schema_meta disagrees (measured with the
/// runtime; 2026.8.1 and later refuse): statectl writes it too, with a warning. The
/// fixture is a database 2026.6.1's own store created (one discord.modals row).
#[test]
fn a_schema_meta_mismatch_under_2026_6_1_warns_and_writes() {
    let (_d, db) = fixture_copy("schema-meta-2026.6.1.sqlite");
    let c = Connection::open(&db).unwrap();
    let uv: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(uv, 1, "schema-meta-2026.6.1.sqlite is 2026.6.1's schema 1");
    c.execute_batch("UPDATE schema_meta SET schema_version = 7 WHERE meta_key = 'primary'")
        .unwrap();
    drop(c);
    let before = all_rows(&db).len();
    assert!(before > 0);
    let out = run(
        &db,
        &[
            "prune",
            "discord.modals",
            "--all",
            "--include-expired",
            "-y",
        ],
    )
    .success()
    .get_output()
    .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema_version 7") && err.contains("2026.6.1 still writes"),
        "{err}"
    );
    assert!(all_rows(&db).len() < before);
}

/// Issue 13, defect 10: one NUL-safe glob for every command. SQLite's GLOB stopped at
/// the NUL, so `?` matched the key "k\u{0}nul" (five characters) in prune; `ls`,
/// `prune` and `expire` now select the same keys.
#[test]
fn match_is_one_nul_safe_glob_for_every_command() {
    let (_d, db) = legacy_db();
    insert(
        &db,
        &[
            ("p", "ns.a", "k\u{0}nul", "{}", NOW - 1_000, None),
            ("p", "ns.a", "z", "{}", NOW - 1_000, None),
        ],
    );
    let listed = |pattern: &str| -> Vec<String> {
        let out = run(&db, &["ls", "ns.a", "--match", pattern, "-o", "json"])
            .success()
            .get_output()
            .clone();
        let v = stdout_json(&out);
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed("?"), ["z"]);
    assert_eq!(listed("*nul"), ["k\u{0}nul"]);
    assert_eq!(listed("k?nul"), ["k\u{0}nul"]);
    run(&db, &["expire", "ns.a", "--match", "?", "--in", "1h", "-y"]).success();
    run(&db, &["prune", "ns.a", "--match", "?", "-y"]).success();
    assert_eq!(keys_of(&db, "p", "ns.a"), ["k\u{0}nul"]);
    run(&db, &["prune", "ns.a", "--match", "k*", "-y"]).success();
    assert!(keys_of(&db, "p", "ns.a").is_empty());
}

/// Issue 13, defect 10: a key that is not valid UTF-8 (hand-made: the runtime's keys
/// are JavaScript strings) must not block an expire or prune of its namespace, also
/// where it ends a page of candidates (the 1024th row) and the next page starts after it.
#[test]
fn a_key_that_is_not_utf8_never_blocks_expire_or_prune() {
    let (_d, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    c.execute_batch("BEGIN").unwrap();
    let t = NOW - 1_000;
    for i in 0..1023 {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('p', 'ns.a', ?1, '{}', ?2, NULL)",
            rusqlite::params![format!("a{i:04}"), t],
        )
        .unwrap();
    }
    c.execute(
        "INSERT INTO plugin_state_entries VALUES ('p', 'ns.a', CAST(x'62ff' AS TEXT), '{}', ?1, NULL)",
        [t],
    )
    .unwrap();
    for i in 0..10 {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('p', 'ns.a', ?1, '{}', ?2, NULL)",
            rusqlite::params![format!("c{i:04}"), t],
        )
        .unwrap();
    }
    c.execute_batch("COMMIT").unwrap();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    run(&db, &["expire", "ns.a", "--all", "--in", "1h", "-y"]).success();
    assert_eq!(
        count("SELECT count(*) FROM plugin_state_entries WHERE expires_at IS NOT NULL"),
        1034
    );
    run(&db, &["prune", "ns.a", "--all", "-y"]).success();
    assert_eq!(count("SELECT count(*) FROM plugin_state_entries"), 0);
}

#[test]
fn a_locked_database_exits_5_and_changes_nothing() {
    let (_d, db) = sample();
    let before = all_rows(&db);
    let holder = Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    statectl_at(&db, NOW)
        .args([
            "--busy-timeout",
            "200",
            "prune",
            "discord.modals",
            "--all",
            "-y",
        ])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("busy"));
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(all_rows(&db), before);
}

#[test]
fn the_runtime_lifecycle_lock_is_honoured_on_2026_9_databases() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let before = all_rows(&db);
    let lock = common::lock_file(&db, "state-lifecycle");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::set_permissions(
        lock.parent().unwrap(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let holder = Connection::open(&lock).unwrap();
    holder
        .execute_batch("PRAGMA journal_mode = MEMORY; BEGIN EXCLUSIVE;")
        .unwrap();
    statectl()
        .arg("--db")
        .arg(&db)
        .args(["--busy-timeout", "200", "prune", "--expired", "-y"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("state-lifecycle"));
    assert_eq!(all_rows(&db), before);
    holder.execute_batch("COMMIT").unwrap();
    statectl()
        .arg("--db")
        .arg(&db)
        .args(["prune", "--expired", "-y"])
        .assert()
        .success();
}

#[test]
fn expire_sets_or_removes_the_ttl_and_keeps_created_at() {
    let (_d, db) = sample();
    let created = |key: &str| {
        all_rows(&db)
            .into_iter()
            .find(|r| r.2 == key)
            .map(|r| (r.4, r.5))
            .unwrap()
    };
    let t2_created = created("t2").0;
    run(
        &db,
        &["expire", "slack.thread-participation", "--key", "t2", "-y"],
    )
    .success()
    .stdout("set the expiry of 1 row in 1 namespace to 2026-11-26T15:30:55.987Z\n");
    assert_eq!(
        created("t2"),
        (t2_created, Some(NOW)),
        "expired now: now == expires_at"
    );
    run(&db, &["ls", "slack.thread-participation", "--keys-only"])
        .success()
        .stdout("");
    let (_d2, db2) = sample();
    statectl_at(&db2, NOW)
        .args(["expire", "discord.modals", "--all", "--in", "2h", "-y"])
        .assert()
        .success();
    let rows = all_rows(&db2);
    let modals: Vec<_> = rows.iter().filter(|r| r.1 == "discord.modals").collect();
    assert!(
        modals
            .iter()
            .filter(|r| r.2 != "mdl_gone")
            .all(|r| r.5 == Some(NOW + 7_200_000))
    );
    assert_eq!(
        modals.iter().find(|r| r.2 == "mdl_gone").unwrap().5,
        Some(NOW - 1),
        "expired rows untouched"
    );
    statectl_at(&db2, NOW)
        .args([
            "expire",
            "discord.modals",
            "--key",
            "mdl_new",
            "--persist",
            "-y",
        ])
        .assert()
        .success();
    assert_eq!(
        all_rows(&db2).iter().find(|r| r.2 == "mdl_new").unwrap().5,
        None
    );
}

/// A writer with the runtime's settings: WAL, busy timeout 5 s, one BEGIN IMMEDIATE
/// transaction per write. It must never fail while statectl prunes 100k rows, no
/// row outside the selection may be lost, and statectl must never keep the WAL from
/// being checkpointed.
#[test]
fn a_gateway_writer_keeps_writing_while_100k_rows_are_pruned() {
    let (_d, db) = legacy_db();
    {
        let c = Connection::open(&db).unwrap();
        c.execute_batch("BEGIN").unwrap();
        let mut s = c.prepare("INSERT INTO plugin_state_entries VALUES ('discord', 'discord.components', ?1, '{\"v\":1}', ?2, NULL)").unwrap();
        for i in 0..100_000i64 {
            s.execute(rusqlite::params![format!("btn_{i:06}"), NOW - 100_000 + i])
                .unwrap();
        }
        s.execute(rusqlite::params!["keep_me", NOW + 10]).unwrap();
        c.execute_batch("COMMIT").unwrap();
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let db = db.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let c = Connection::open(&db).unwrap();
            c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            c.execute_batch("PRAGMA synchronous = NORMAL").unwrap();
            let (mut written, mut errors) = (Vec::new(), 0);
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || i < 50 {
                let r = (|| -> rusqlite::Result<()> {
                    c.execute_batch("BEGIN IMMEDIATE")?;
                    c.execute(
                        "INSERT INTO plugin_state_entries VALUES ('slack', 'slack.thread-participation', ?1, '{}', ?2, NULL)
                         ON CONFLICT DO UPDATE SET value_json = excluded.value_json",
                        rusqlite::params![format!("w{i}"), NOW],
                    )?;
                    c.execute_batch("COMMIT")
                })();
                match r {
                    Ok(()) => written.push(format!("w{i}")),
                    Err(_) => {
                        errors += 1;
                        let _ = c.execute_batch("ROLLBACK");
                    }
                }
                i += 1;
            }
            (written, errors)
        })
    };
    let mut child = statectl_process()
        .arg("--db")
        .arg(&db)
        .args(["--now", &NOW.to_string()])
        .args(["prune", "discord.components", "--older-than", "1ms", "-y"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // statectl holds no read (and no write) open across batches, so mid-run a third
    // connection can checkpoint the whole WAL and truncate it (a read held for the
    // whole run once let this WAL grow to 2 GB). The WAL file's size is no measure of
    // that: without the runtime's journal_size_limit the file keeps its high-water
    // mark, which grows with how long this tight-loop writer runs beside the prune,
    // that is with the machine's speed (it failed 4 of 13 runs on 2 cores).
    let mut probe = Connection::open(&db).unwrap();
    // Polls every millisecond (as statectl does) so the tight-loop writer cannot starve it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    probe
        .busy_handler(Some(move |_| {
            std::thread::sleep(std::time::Duration::from_millis(1));
            std::time::Instant::now() < deadline
        }))
        .unwrap();
    let discord = |c: &Connection| -> i64 {
        c.query_row(
            "SELECT COUNT(*) FROM plugin_state_entries WHERE plugin_id = 'discord'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let start = std::time::Instant::now();
    while discord(&probe) > 100_001 - 2048 {
        assert!(child.try_wait().unwrap().is_none(), "finished too early");
        assert!(start.elapsed() < std::time::Duration::from_secs(120));
        std::thread::yield_now();
    }
    let mut probes_mid_run = 0;
    while probes_mid_run < 3 && child.try_wait().unwrap().is_none() {
        // One of statectl's page reads may be in flight at that instant: a few tries.
        // A read held across batches fails every one of them.
        let truncated = (0..200).any(|_| {
            let r: (i64, i64, i64) = probe
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap();
            r == (0, 0, 0) || {
                std::thread::sleep(std::time::Duration::from_millis(1));
                false
            }
        });
        assert!(
            truncated,
            "mid-prune, the WAL could not be checkpointed and truncated: something holds it"
        );
        if child.try_wait().unwrap().is_none() {
            probes_mid_run += 1;
        }
    }
    assert!(
        probes_mid_run > 0,
        "the WAL was probed while statectl pruned"
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "deleted 100,000 rows from 1 namespace\n"
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (written, errors) = writer.join().unwrap();
    assert_eq!(errors, 0, "the gateway's writes never failed");
    let slack = keys_of(&db, "slack", "slack.thread-participation");
    assert_eq!(
        slack.len(),
        written.len(),
        "every row the writer wrote is still there"
    );
    assert_eq!(
        keys_of(&db, "discord", "discord.components"),
        ["keep_me"],
        "outside the selection"
    );
    let check: String = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// Before 2026.9 the listing index lacks `expires_at`, so a prune over every namespace
/// reads its candidates in rowid order: hand-made rows with a negative rowid, or the
/// largest one, are candidates like any other.
#[test]
fn a_prune_in_rowid_order_takes_rows_at_every_rowid() {
    let (_d, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    for (rowid, key, expires) in [
        (i64::MIN, "min", NOW - 1),
        (-7, "neg", NOW - 1),
        (-6, "neg-live", NOW + 60_000),
        (0, "zero", NOW - 1),
        (5, "five-live", NOW + 60_000),
        (i64::MAX, "max", NOW - 1),
    ] {
        c.execute(
            "INSERT INTO plugin_state_entries (rowid, plugin_id, namespace, entry_key, value_json, created_at, expires_at) VALUES (?1, 'discord', 'discord.modals', ?2, '{}', ?3, ?4)",
            rusqlite::params![rowid, key, NOW - 1_000, expires],
        )
        .unwrap();
    }
    drop(c);
    run(&db, &["prune", "--expired", "-y"])
        .success()
        .stdout("deleted 4 rows from 1 namespace\n");
    assert_eq!(
        keys_of(&db, "discord", "discord.modals"),
        ["five-live", "neg-live"]
    );
}
