//! Black-box tests of the read path: ls, inspect, info, and their failures.

mod common;
use common::*;
use predicates::prelude::*;
use std::io::Read;

const NOW: i64 = 1_795_707_055_987;

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = legacy_db();
    insert(
        &db,
        &[
            (
                "slack",
                "slack.thread-participation",
                "default:C1:1.1",
                r#"{"agentId":"main"}"#,
                NOW - 5_000,
                Some(NOW + 86_400_000),
            ),
            (
                "slack",
                "slack.thread-participation",
                "default:C1:1.2",
                r#"{"agentId":"ops"}"#,
                NOW - 4_000,
                Some(NOW),
            ),
            (
                "discord",
                "discord.modals",
                "mdl_a",
                r#"{"version":1}"#,
                NOW - 7_200_000,
                Some(NOW + 60_000),
            ),
            (
                "discord",
                "discord.modals",
                "mdl_b",
                "{not json",
                NOW - 60_000,
                None,
            ),
            (
                "discord",
                "discord.modals",
                "mdl_c",
                r#"{"version":3}"#,
                NOW - 1_000,
                None,
            ),
            (
                "telegram",
                "telegram.message-cache",
                "m1",
                r#"{"text":"hunter2"}"#,
                NOW - 1_000,
                None,
            ),
            ("telegram", "thread-bindings", "k", "1", NOW - 1_000, None),
            ("discord", "thread-bindings", "k", "2", NOW - 1_000, None),
        ],
    );
    (dir, db)
}

fn ls(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    run_at(db, NOW, &[&["ls"], args].concat())
}

#[test]
fn a_row_is_expired_exactly_at_expires_at() {
    let (_d, db) = sample();
    let keys = stdout_json(&ls(
        &db,
        &["slack.thread-participation", "-o", "json", "--keys-only"],
    ));
    assert_eq!(keys, serde_json::json!(["default:C1:1.1"]));
    let expired = stdout_json(&ls(
        &db,
        &["slack.thread-participation", "-o", "json", "--expired"],
    ));
    assert_eq!(expired[0]["key"], "default:C1:1.2");
    assert_eq!(expired[0]["expired"], true);
}

#[test]
fn a_corrupt_value_is_listed_raw_without_failing_the_listing() {
    let (_d, db) = sample();
    let out = ls(&db, &["discord.modals", "-o", "json"]);
    assert!(out.status.success());
    let rows = stdout_json(&out);
    assert_eq!(rows.as_array().unwrap().len(), 3);
    let bad = &rows[1];
    assert_eq!(bad["key"], "mdl_b");
    assert_eq!(bad["corrupt"], true);
    assert_eq!(bad["value_raw"], "{not json");
    assert!(bad.get("value").is_none());
    assert_eq!(rows[2]["value"], serde_json::json!({"version": 3}));
    assert!(rows[2].get("corrupt").is_none());
}

#[test]
fn entry_json_has_the_contract_fields_with_stored_values() {
    let (_d, db) = sample();
    let mut rows = stdout_json(&ls(&db, &["slack.thread-participation", "-o", "json"]));
    // A known namespace adds its decoded fields beside the contract's fields.
    let decoded = rows[0].as_object_mut().unwrap().remove("decoded").unwrap();
    assert_eq!(decoded["channel"], "C1");
    assert_eq!(decoded["agent"], "main");
    assert_eq!(
        rows[0],
        serde_json::json!({"plugin_id": "slack", "namespace": "slack.thread-participation",
            "key": "default:C1:1.1", "value": {"agentId": "main"}, "created_at": NOW - 5_000,
            "expires_at": NOW + 86_400_000, "expired": false, "size_bytes": 18,
            "created_at_iso": "2026-11-26T15:30:50.987Z",
            "expires_at_iso": "2026-11-27T15:30:55.987Z", "ttl_ms": 86_400_000})
    );
}

#[test]
fn filters_narrow_the_entries() {
    let (_d, db) = sample();
    let keys = |args: &[&str]| {
        let mut a = vec!["discord.modals", "-o", "json", "--keys-only"];
        a.extend_from_slice(args);
        stdout_json(&ls(&db, &a))
    };
    assert_eq!(keys(&["--older-than", "1h"]), serde_json::json!(["mdl_a"]));
    assert_eq!(keys(&["--newer-than", "30s"]), serde_json::json!(["mdl_c"]));
    assert_eq!(
        keys(&["--no-expiry"]),
        serde_json::json!(["mdl_b", "mdl_c"])
    );
    assert_eq!(
        keys(&["--expires-within", "2m"]),
        serde_json::json!(["mdl_a"])
    );
    assert_eq!(keys(&["--match", "mdl_?"]).as_array().unwrap().len(), 3);
    assert_eq!(keys(&["--prefix", "mdl_c"]), serde_json::json!(["mdl_c"]));
    assert_eq!(
        keys(&["--key", "mdl_b", "--key", " mdl_a "]),
        serde_json::json!(["mdl_a", "mdl_b"])
    );
    assert_eq!(keys(&["--limit", "1"]), serde_json::json!(["mdl_a"]));
}

#[test]
fn the_summary_counts_per_plugin_and_namespace_with_known_caps() {
    let (_d, db) = sample();
    let rows = stdout_json(&ls(&db, &["-o", "json"]));
    let slack = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["plugin_id"] == "slack")
        .unwrap();
    assert_eq!(
        (slack["live"].as_u64(), slack["expired"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(slack["max_entries"], 1000);
    let tb: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["namespace"] == "thread-bindings")
        .collect();
    assert_eq!(tb.len(), 2, "one row per plugin");
    let max = |plugin: &str| &tb.iter().find(|r| r["plugin_id"] == plugin).unwrap()["max_entries"];
    assert!(max("telegram").is_null(), "unknown under telegram");
    assert_eq!(max("discord"), 10_000, "the Discord plugin's own cap");
    let table = String::from_utf8(ls(&db, &[]).stdout).unwrap();
    assert!(table.lines().next().unwrap().starts_with("PLUGIN"));
    assert!(table.contains("slack.thread-participation"));
}

#[test]
fn a_namespace_under_two_plugins_lists_both_unless_one_is_picked() {
    let (_d, db) = sample();
    let both = stdout_json(&ls(&db, &["thread-bindings", "-o", "json"]));
    assert_eq!(both.as_array().unwrap().len(), 2);
    let one = stdout_json(&ls(
        &db,
        &["discord/thread-bindings", "-o", "json", "--show-secrets"],
    ));
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(
        one[0]["value"], 2,
        "secret (webhook tokens): --show-secrets"
    );
    let table = String::from_utf8(ls(&db, &["thread-bindings"]).stdout).unwrap();
    assert!(
        table.starts_with("PLUGIN"),
        "mixed plugins show the plugin column:\n{table}"
    );
}

#[test]
fn an_unknown_namespace_is_not_found_but_a_known_empty_one_is_an_empty_success() {
    let (_d, db) = sample();
    let out = ls(&db, &["no.such-namespace", "-o", "json"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let out = ls(&db, &["no.such-namespace"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no namespace 'no.such-namespace'"));
    let out = ls(&db, &["discord.components", "-o", "json"]);
    assert!(out.status.success());
    assert_eq!(stdout_json(&out), serde_json::json!([]));
}

#[test]
fn secret_namespaces_are_redacted_unless_asked() {
    let (_d, db) = sample();
    let table = String::from_utf8(ls(&db, &["telegram.message-cache"]).stdout).unwrap();
    assert!(!table.contains("hunter2") && table.contains("<secret: 18 bytes"));
    let json = stdout_json(&ls(&db, &["telegram.message-cache", "-o", "json"]));
    assert_eq!(json[0]["redacted"], true);
    assert!(json[0].get("value").is_none());
    let shown = stdout_json(&ls(
        &db,
        &["telegram.message-cache", "-o", "json", "--show-secrets"],
    ));
    assert_eq!(shown[0]["value"]["text"], "hunter2");
    statectl()
        .arg("--db")
        .arg(&db)
        .args(["inspect", "telegram.message-cache", "m1", "--value-only"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("--show-secrets"));
}

#[test]
fn csv_and_jsonl_carry_the_same_rows() {
    let (_d, db) = sample();
    let csv = String::from_utf8(ls(&db, &["discord.modals", "-o", "csv"]).stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "plugin_id,namespace,key,value,created_at,expires_at,expired,size_bytes"
    );
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "discord,discord.modals,mdl_a,\"{{\"\"version\"\":1}}\",{},{},false,13",
            NOW - 7_200_000,
            NOW + 60_000
        )
    );
    let jsonl = String::from_utf8(ls(&db, &["discord.modals", "-o", "jsonl"]).stdout).unwrap();
    assert_eq!(jsonl.lines().count(), 3);
    for line in jsonl.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

#[test]
fn inspect_prints_the_value_byte_for_byte_and_exits_3_when_missing() {
    let (_d, db) = sample();
    statectl_at(&db, NOW)
        .args(["inspect", "discord.modals", "  mdl_c ", "--value-only"])
        .assert()
        .success()
        .stdout("{\"version\":3}\n");
    statectl_at(&db, NOW)
        .args(["inspect", "discord.modals", "nope"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no key 'nope'"));
    // Expired: the runtime would not return it; the message says so.
    statectl_at(&db, NOW)
        .args(["inspect", "slack.thread-participation", "default:C1:1.2"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("expired"));
    statectl_at(&db, NOW)
        .args([
            "inspect",
            "slack.thread-participation",
            "default:C1:1.2",
            "--include-expired",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("status      expired"));
}

#[test]
fn read_commands_never_change_the_database() {
    let (_d, db) = sample();
    let before = std::fs::read(&db).unwrap();
    for args in [
        vec!["ls"],
        vec!["ls", "discord.modals"],
        vec!["info"],
        vec!["inspect", "discord.modals", "mdl_a"],
    ] {
        statectl_at(&db, NOW).args(&args).assert().success();
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_missing_database_names_every_path_tried_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    statectl()
        .arg("--state-dir")
        .arg(dir.path())
        .arg("ls")
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("state/openclaw.sqlite")
                .and(predicate::str::contains("plugin-state/state.sqlite")),
        );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing created"
    );
}

#[test]
fn the_state_dir_comes_from_openclaw_state_dir() {
    let (_d, db) = fixture_copy("legacy-2026.5.6.sqlite");
    let state = tempfile::tempdir().unwrap();
    std::fs::create_dir(state.path().join("plugin-state")).unwrap();
    std::fs::copy(&db, state.path().join("plugin-state/state.sqlite")).unwrap();
    statectl()
        .env("OPENCLAW_STATE_DIR", state.path())
        .args(["info", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"layout\": \"legacy\""));
}

#[test]
fn a_file_that_is_not_sqlite_or_not_openclaw_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, this is not a database at all").unwrap();
    statectl()
        .arg("--db")
        .arg(&text)
        .arg("ls")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a SQLite database"));
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x);")
        .unwrap();
    statectl()
        .arg("--db")
        .arg(&other)
        .arg("ls")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "without a plugin_state_entries table",
        ));
}

#[test]
fn bad_durations_and_times_are_usage_errors() {
    let (_d, db) = sample();
    statectl()
        .arg("--db")
        .arg(&db)
        .args(["ls", "discord.modals", "--older-than", "1x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid duration '1x'"));
    statectl()
        .arg("--db")
        .arg(&db)
        .args(["--now", "tomorrow", "ls"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid time 'tomorrow'"));
}

#[test]
fn errors_are_json_on_stderr_under_json_formats() {
    let (_d, db) = sample();
    let out = statectl()
        .arg("--db")
        .arg(&db)
        .args(["-o", "json", "inspect", "discord.modals", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["exit"], 3);
    assert_eq!(err["error"]["code"], "key_not_found");
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let (_d, db) = legacy_db();
    let rows: Vec<(String, String)> = (0..20_000)
        .map(|i| (format!("k{i:05}"), format!("{{\"i\":{i}}}")))
        .collect();
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("BEGIN").unwrap();
    for (k, v) in &rows {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('p','n',?1,?2,1,NULL)",
            [k, v],
        )
        .unwrap();
    }
    c.execute_batch("COMMIT").unwrap();
    let mut child = statectl_process()
        .arg("--db")
        .arg(&db)
        .args(["ls", "n", "-o", "jsonl"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // the reader goes away, like `| head -c 16`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_newer_schema_is_read_with_a_warning() {
    let (_d, db) = sample();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 2")
        .unwrap();
    statectl()
        .arg("--db")
        .arg(&db)
        .args(["ls", "discord.modals"])
        .assert()
        .success()
        .stderr(predicate::str::contains("newer than statectl knows"));
}

/// Issue 13, defect 10: a key the runtime refuses (empty or whitespace-only after
/// JavaScript's trim, or over 512 bytes trimmed) is a usage error (exit 2) for
/// `inspect` and every `--key`, never "not found" and never a change; the hand-made
/// oversized row (the runtime cannot write one) stays.
#[test]
fn keys_the_runtime_refuses_are_usage_errors() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let long = "x".repeat(513);
    insert(
        &db,
        &[(
            "community-x",
            "unicode.keys",
            &long,
            "{}",
            NOW - 1_000,
            None,
        )],
    );
    let before = all_rows(&db);
    for key in ["", "  ", "\u{feff}\t", long.as_str()] {
        statectl_at(&db, NOW)
            .args(["inspect", "unicode.keys", key])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("the runtime refuses such a key"));
        for cmd in [
            &["ls", "unicode.keys", "--key", key][..],
            &["prune", "unicode.keys", "--key", key, "-y"][..],
            &["expire", "unicode.keys", "--key", key, "--in", "1h", "-y"][..],
        ] {
            statectl_at(&db, NOW)
                .args(cmd)
                .assert()
                .code(2)
                .stderr(predicate::str::contains("refuses such a key"));
        }
    }
    assert_eq!(all_rows(&db), before);
    // A key of exactly 512 bytes is the runtime's limit, and still a key.
    statectl_at(&db, NOW)
        .args(["inspect", "unicode.keys", &"y".repeat(512)])
        .assert()
        .code(3);
}

/// Issue 13, defect 10: a namespace argument is trimmed as the runtime trims it
/// (JavaScript's `trim`, which also strips U+FEFF), for `ls` and `inspect` alike.
#[test]
fn a_namespace_argument_is_trimmed_as_the_runtime_trims_it() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let keys = |ns: &str| {
        let out = statectl_at(&db, NOW)
            .args(["ls", ns, "--keys-only"])
            .assert()
            .success()
            .get_output()
            .clone();
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = keys("unicode.keys");
    assert!(!plain.is_empty());
    assert_eq!(keys(" unicode.keys\n"), plain);
    assert_eq!(keys("\u{feff}community-x/unicode.keys\u{3000}"), plain);
    statectl_at(&db, NOW)
        .args(["inspect", "\tunicode.keys ", "a"])
        .assert()
        .success();
}

/// Issue 13, defect 10: a namespace argument the runtime's
/// `/^[a-z0-9][a-z0-9._-]*$/iu` refuses is a usage error (exit 2) that says why,
/// not "not found"; a hand-made row under such a name stays addressable.
#[test]
fn a_namespace_the_runtime_refuses_is_a_usage_error() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    for ns in ["unicode keys", ".hidden", "community-x/x y", "é"] {
        statectl_at(&db, NOW)
            .args(["ls", ns])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("[a-z0-9._-]"));
    }
    statectl_at(&db, NOW)
        .args(["prune", "unicode keys", "--all", "-y"])
        .assert()
        .code(2);
    statectl_at(&db, NOW)
        .args(["ls", "no.such.namespace"])
        .assert()
        .code(3);
    insert(&db, &[("p", "Bad Name", "k", "{}", NOW - 1_000, None)]);
    statectl_at(&db, NOW)
        .args(["inspect", "Bad Name", "k"])
        .assert()
        .success();
}

/// JSON listings are rendered on a second thread, in batches: a listing of several
/// batches keeps every entry, once, in the runtime's order, in each JSON form.
#[test]
fn json_listings_of_many_batches_keep_every_entry_in_order() {
    let (_d, db) = legacy_db();
    let keys: Vec<String> = (0..1_000).map(|i| format!("k{i:04}")).collect();
    // Created newest-first by key, so the runtime's order (created_at) reverses the keys.
    let rows: Vec<RawRow> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                "discord",
                "discord.modals",
                k.as_str(),
                r#"{"a":1}"#,
                NOW - i as i64,
                None,
            )
        })
        .collect();
    insert(&db, &rows);
    let want: Vec<String> = keys.iter().rev().cloned().collect();
    let out = ls(&db, &["discord.modals", "-o", "jsonl"]);
    assert!(out.status.success());
    let jsonl: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(jsonl, want);
    let json = stdout_json(&ls(&db, &["discord.modals", "-o", "json"]));
    let listed: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(listed, want);
    let only = stdout_json(&ls(&db, &["discord.modals", "-o", "json", "--keys-only"]));
    assert_eq!(only, serde_json::json!(want));
}

/// A listing that stops at a damaged page prints every entry read before it, in JSON
/// as in text: the second thread's batches are written out before the error.
#[test]
fn json_entries_read_before_an_error_are_printed() {
    let (_d, db) = legacy_db();
    let value = format!("{{\"pad\":\"{}\"}}", "x".repeat(900));
    let keys: Vec<String> = (0..1_000).map(|i| format!("k{i:04}")).collect();
    let rows: Vec<RawRow> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                "discord",
                "discord.modals",
                k.as_str(),
                value.as_str(),
                NOW - 10_000 + i as i64,
                None,
            )
        })
        .collect();
    insert(&db, &rows);
    // The last leaf page of the table holds the newest rows: the listing's last ones.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .unwrap();
    let page: i64 = c
        .query_row(
            "SELECT max(pageno) FROM dbstat WHERE name = 'plugin_state_entries' AND pagetype = 'leaf'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    drop(c);
    let mut bytes = std::fs::read(&db).unwrap();
    let at = ((page - 1) * size) as usize;
    bytes[at..at + size as usize].fill(0xA5);
    std::fs::write(&db, bytes).unwrap();
    let text = ls(&db, &["discord/discord.modals", "--keys-only"]);
    assert!(!text.status.success(), "the damage is found");
    let before = String::from_utf8(text.stdout).unwrap().lines().count();
    assert!(
        (900..1_000).contains(&before),
        "{before} keys before the damaged page"
    );
    let jsonl = ls(&db, &["discord/discord.modals", "-o", "jsonl"]);
    assert_eq!(jsonl.status.code(), text.status.code());
    let lines: Vec<String> = String::from_utf8(jsonl.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(lines, keys[..before]);
}
