//! `statectl diff`: pairs the real runtime wrote (2026.5.6 legacy and 2026.9.6 shared
//! fixtures, written from the same operations), changed after the copy; the sidecar
//! verdict; an export against its own database; GNU diff exit codes.

mod common;

use common::*;
use proptest::prelude::*;
use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The moment both fixtures were written.
const NOW: i64 = 1795707067200;

type Rows = BTreeMap<(String, String, String), (String, i64, Option<i64>)>;

/// Every live row of a database at `now`, read with plain SQL: the reference.
fn live_rows(path: &Path, now: i64) -> Rows {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT plugin_id, namespace, entry_key, value_json, created_at, expires_at
             FROM plugin_state_entries WHERE expires_at IS NULL OR expires_at > ?1",
        )
        .unwrap();
    stmt.query_map([now], |r| {
        Ok((
            (r.get(0)?, r.get(1)?, r.get(2)?),
            (r.get(3)?, r.get(4)?, r.get(5)?),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// A state dir with the legacy fixture as sidecar and the shared fixture beside it.
fn state_dir() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let legacy = dir.path().join("plugin-state/state.sqlite");
    let shared = dir.path().join("state/openclaw.sqlite");
    for (name, dest) in [
        ("legacy-2026.5.6.sqlite", &legacy),
        ("shared-2026.9.6.sqlite", &shared),
    ] {
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(Path::new(FIXTURES).join(name), dest).unwrap();
    }
    (dir, legacy, shared)
}

fn diff_json(args: &[&str]) -> (Value, i32) {
    let out = statectl()
        .args(["--now", &NOW.to_string(), "-o", "json", "diff"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "diff failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), code)
}

/// What the reference says each key is, from two row sets.
fn reference(a: &Rows, b: &Rows) -> BTreeMap<(String, String, String), &'static str> {
    let mut out = BTreeMap::new();
    for (k, ra) in a {
        let c = match b.get(k) {
            None => "only_in_a",
            Some(rb) if ra.0 != rb.0 => "value",
            Some(rb) if ra.2 != rb.2 => "expiry",
            Some(rb) if ra.1 != rb.1 => "created",
            Some(_) => "identical",
        };
        out.insert(k.clone(), c);
    }
    for k in b.keys() {
        out.entry(k.clone()).or_insert("only_in_b");
    }
    out
}

fn reported(doc: &Value) -> BTreeMap<(String, String, String), String> {
    doc["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                (
                    d["plugin_id"].as_str().unwrap().to_string(),
                    d["namespace"].as_str().unwrap().to_string(),
                    d["key"].as_str().unwrap().to_string(),
                ),
                d["change"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn runtime_written_pair_changed_after_the_copy_is_classified_like_the_reference() {
    let (_dir, legacy, shared) = state_dir();
    // After the copy the gateway keeps writing the shared file: a rewrite (new value,
    // newer created_at), a TTL change, a delete and a new row.
    let conn = Connection::open(&shared).unwrap();
    conn.execute_batch(&format!(
        "UPDATE plugin_state_entries SET value_json = '{{\"q\":\"1c\"}}', created_at = {t}
           WHERE namespace = 'telegram.poll-registry' AND entry_key = 'poll-1';
         UPDATE plugin_state_entries SET expires_at = expires_at + 1000
           WHERE namespace = 'discord.modals' AND entry_key = (SELECT min(entry_key) FROM plugin_state_entries WHERE namespace = 'discord.modals');
         DELETE FROM plugin_state_entries WHERE plugin_id = 'device-pair';
         INSERT INTO plugin_state_entries VALUES ('slack', 'slack.thread-participation', 'default:C9:9.9', '{{\"agentId\":\"main\"}}', {t}, NULL);",
        t = NOW - 10
    ))
    .unwrap();
    drop(conn);
    let (doc, code) = diff_json(&[legacy.to_str().unwrap(), shared.to_str().unwrap()]);
    assert_eq!(code, 0, "without --exit-code a difference still exits 0");
    let want: BTreeMap<_, _> = reference(&live_rows(&legacy, NOW), &live_rows(&shared, NOW))
        .into_iter()
        .filter(|(_, c)| *c != "identical")
        .map(|(k, c)| (k, c.to_string()))
        .collect();
    assert_eq!(reported(&doc), want);
    // The cases the edits made are all there, and the runtime's own 5.6/9.6 difference
    // in the poll registry (5.6 rejected poll-2 at its cap, 9.6 kept it) too.
    let changes: Vec<&str> = want.values().map(String::as_str).collect();
    for c in ["only_in_a", "only_in_b", "value", "expiry"] {
        assert!(changes.contains(&c), "{c} missing from {want:?}");
    }
    let poll1 = doc["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "poll-1")
        .unwrap();
    assert_eq!(poll1["newer"], "b");
    assert_eq!(poll1["b"]["value"]["q"], "1c");

    let (_, code) = diff_json(&[
        "--exit-code",
        legacy.to_str().unwrap(),
        shared.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "--exit-code: different is 1");
}

#[test]
fn an_export_against_its_own_database_has_no_differences() {
    let (_dir, db) = fixture_copy("shared-2026.9.6.sqlite");
    let file = db.with_file_name("all.jsonl");
    let ns_file = db.with_file_name("modals.jsonl");
    statectl_at(&db, NOW)
        .args(["export", "-O"])
        .arg(&file)
        .assert()
        .success();
    statectl_at(&db, NOW)
        .args(["export", "discord.modals", "--prefix", "mdl", "-O"])
        .arg(&ns_file)
        .assert()
        .success();
    for f in [&file, &ns_file] {
        for args in [[f, &db], [&db, f]] {
            let (doc, code) = diff_json(&[
                "--exit-code",
                args[0].to_str().unwrap(),
                args[1].to_str().unwrap(),
            ]);
            assert_eq!(code, 0, "{doc}");
            assert_eq!(doc["differences"], Value::Array(vec![]));
        }
    }
    // The namespace export is compared within its own selection: the other namespaces
    // of the database are not reported as only in B.
    let (doc, _) = diff_json(&[ns_file.to_str().unwrap(), db.to_str().unwrap()]);
    let names: Vec<&str> = doc["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["discord.modals"]);
    // After the export the gateway deletes a modal: the export has it, the db not.
    Connection::open(&db)
        .unwrap()
        .execute(
            "DELETE FROM plugin_state_entries WHERE rowid = (SELECT min(rowid) FROM plugin_state_entries WHERE namespace = 'discord.modals')",
            [],
        )
        .unwrap();
    let (doc, code) = diff_json(&[
        "--exit-code",
        ns_file.to_str().unwrap(),
        db.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(doc["namespaces"][0]["only_in_a"], 1);
}

#[test]
fn a_state_dir_side_is_its_shared_database() {
    let (dir, _legacy, shared) = state_dir();
    let (doc, code) = diff_json(&[
        "--exit-code",
        dir.path().to_str().unwrap(),
        shared.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn sidecar_verdict_names_the_rows_archiving_would_lose() {
    let (dir, legacy, shared) = state_dir();
    let (doc, code) = diff_json(&["--exit-code", "--sidecar", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(doc["verdict"], "not_safe");
    // poll-3 exists only in the 5.6 file (9.6 kept poll-2 instead).
    let lost: Vec<&str> = doc["lost"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(lost, ["poll-3"]);
    // Restoring exactly the lost rows makes the sidecar safe to archive.
    let lost_file = dir.path().join("lost.jsonl");
    statectl()
        .args(["--now", &NOW.to_string(), "diff", "--sidecar"])
        .arg(dir.path())
        .arg("--export-lost")
        .arg(&lost_file)
        .assert()
        .success();
    statectl_at(&shared, NOW)
        .args(["import", "--on-conflict", "newer"])
        .arg(&lost_file)
        .assert()
        .success();
    let (doc, code) = diff_json(&["--exit-code", "--sidecar", dir.path().to_str().unwrap()]);
    assert_eq!((code, doc["verdict"].as_str()), (0, Some("safe")), "{doc}");
    // A BLOB only in the sidecar is exported marked as one, not turned into text that a
    // restore would then write as a readable value.
    rusqlite::Connection::open(&legacy)
        .unwrap()
        .execute(
            "INSERT INTO plugin_state_entries VALUES ('p', 'ns.blob', 'b', CAST('{}' AS BLOB), ?1, NULL)",
            [NOW - 1],
        )
        .unwrap();
    statectl()
        .args(["--now", &NOW.to_string(), "diff", "--sidecar"])
        .arg(dir.path())
        .arg("--export-lost")
        .arg(&lost_file)
        .arg("--force")
        .assert()
        .success();
    let text = std::fs::read_to_string(&lost_file).unwrap();
    let entry: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["key"] == "b")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(entry["blob"], true, "{entry}");
    // The .migrated leftover is found when the sidecar itself was renamed.
    std::fs::rename(&legacy, legacy.with_extension("sqlite.migrated")).unwrap();
    let (doc, _) = diff_json(&["--sidecar", dir.path().to_str().unwrap()]);
    assert!(
        doc["legacy"].as_str().unwrap().ends_with(".migrated"),
        "{doc}"
    );
}

#[test]
fn errors_exit_2_as_gnu_diff_does() {
    let (dir, _legacy, shared) = state_dir();
    let missing = dir.path().join("nope.sqlite");
    for args in [
        vec!["diff", shared.to_str().unwrap()],
        vec!["diff", shared.to_str().unwrap(), missing.to_str().unwrap()],
        vec!["diff", "--bogus", "a", "b"],
        vec!["diff", "--sidecar", "/nonexistent-state-dir"],
    ] {
        let out = statectl().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        // clap's own usage message has its usual shape; ours are one line.
        if !args.contains(&"--bogus") {
            assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
        }
    }
}

fn write_rows(path: &Path, rows: &[(String, String, i64, Option<i64>)]) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(LEGACY_SCHEMA).unwrap();
    for (k, v, c, e) in rows {
        conn.execute(
            "INSERT INTO plugin_state_entries VALUES ('p', 'n', ?1, ?2, ?3, ?4)",
            rusqlite::params![k, v, c, e],
        )
        .unwrap();
    }
}

fn arb_rows() -> impl Strategy<Value = Vec<(String, String, i64, Option<i64>)>> {
    prop::collection::btree_map(
        "[a-e]{1,2}",
        (
            prop::sample::select(vec!["1", "2", "{\"a\":1}"]),
            0i64..6,
            prop::option::of(0i64..12),
        ),
        0..12,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(k, (v, c, e))| (k, v.to_string(), NOW + c * 10, e.map(|e| NOW + e * 10)))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the two files hold, importing the --export-lost file into the shared
    /// database leaves nothing lost.
    #[test]
    fn importing_the_lost_rows_leaves_nothing_lost(legacy_rows in arb_rows(), shared_rows in arb_rows()) {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join("plugin-state/state.sqlite");
        let shared = dir.path().join("state/openclaw.sqlite");
        std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
        std::fs::create_dir_all(shared.parent().unwrap()).unwrap();
        // Shared rows are live (an expired shared row keeps its key under `newer`).
        let shared_rows: Vec<_> = shared_rows.into_iter().map(|(k, v, c, _)| (k, v, c, None)).collect();
        write_rows(&legacy, &legacy_rows);
        write_rows(&shared, &shared_rows);
        let now = &(NOW + 55).to_string();
        let lost_file = dir.path().join("lost.jsonl");
        let out = statectl().args(["--now", now, "-o", "json", "diff", "--sidecar"]).arg(dir.path())
            .arg("--export-lost").arg(&lost_file).output().unwrap();
        prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let before: Value = serde_json::from_slice(&out.stdout).unwrap();
        statectl().args(["--db"]).arg(&shared).args(["--now", now, "import", "--on-conflict", "newer"])
            .arg(&lost_file).assert().success();
        let out = statectl().args(["--now", now, "-o", "json", "diff", "--sidecar"]).arg(dir.path())
            .output().unwrap();
        let after: Value = serde_json::from_slice(&out.stdout).unwrap();
        prop_assert_eq!(&after["lost"], &Value::Array(vec![]), "before: {}", before);
        prop_assert_eq!(&after["conflicts"], &before["conflicts"]);
    }
}

/// `watch` without Node: a writer with the runtime's row shape, in synchronised steps
/// (each action waits for the event before the next); Ctrl-C ends it with exit 0.
#[test]
fn watch_reports_each_write_once_in_synchronised_steps() {
    use std::io::BufRead;
    let (_dir, db) = fixture_copy("shared-2026.9.6.sqlite");
    let mut child = statectl_process()
        .arg("--db")
        .arg(&db)
        .args([
            "--now",
            &NOW.to_string(),
            "-o",
            "jsonl",
            "watch",
            "discord.modals",
        ])
        .args(["--interval", "20ms", "--since", "1h"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                break;
            }
        }
    });
    let next = || {
        rx.recv_timeout(std::time::Duration::from_secs(20))
            .expect("an event")
    };
    let live = live_rows(&db, NOW);
    let modals: Vec<&String> = live
        .keys()
        .filter(|k| k.1 == "discord.modals")
        .map(|k| &k.2)
        .collect();
    // The replay: every live modal, in the runtime's order.
    let mut replayed = Vec::new();
    for _ in 0..modals.len() {
        let ev = next();
        assert_eq!(ev["type"], "ADDED");
        replayed.push(ev["key"].as_str().unwrap().to_string());
    }
    let mut sorted_keys: Vec<String> = modals.iter().map(|k| k.to_string()).collect();
    sorted_keys.sort();
    replayed.sort();
    assert_eq!(replayed, sorted_keys);
    let conn = Connection::open(&db).unwrap();
    let write = |key: &str, v: &str| {
        conn.execute(
            "INSERT INTO plugin_state_entries VALUES ('discord', 'discord.modals', ?1, ?2, ?3, ?4)
             ON CONFLICT DO UPDATE SET value_json = excluded.value_json, created_at = excluded.created_at, expires_at = excluded.expires_at",
            rusqlite::params![key, v, NOW + 1, NOW + 3_600_000],
        )
        .unwrap();
    };
    write("mdl_new", "{\"v\":1}");
    let ev = next();
    assert_eq!(
        (ev["type"].as_str(), ev["key"].as_str()),
        (Some("ADDED"), Some("mdl_new"))
    );
    assert_eq!(ev["value"]["v"], 1);
    conn.execute(
        "UPDATE plugin_state_entries SET value_json = '{\"v\":2}', created_at = ?1 WHERE entry_key = 'mdl_new'",
        [NOW + 2],
    )
    .unwrap();
    let ev = next();
    assert_eq!(
        (ev["type"].as_str(), ev["value"]["v"].as_i64()),
        (Some("UPDATED"), Some(2))
    );
    conn.execute(
        "DELETE FROM plugin_state_entries WHERE entry_key = 'mdl_new'",
        [],
    )
    .unwrap();
    assert_eq!(next()["type"], "DELETED");
    // A write in another namespace is not an event; the next one here is.
    conn.execute(
        "UPDATE plugin_state_entries SET created_at = created_at + 1 WHERE namespace = 'slack.thread-participation'",
        [],
    )
    .unwrap();
    write("mdl_last", "{}");
    assert_eq!(next()["key"], "mdl_last");
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait().unwrap().code(), Some(0));
    // The reader ends at end of output: anything still queued was an extra event.
    assert!(rx.recv().is_err(), "no event beyond the steps");
}

/// Every format of the contract renders a difference: CSV rectangular, JSONL one
/// object per difference, tables for people.
#[test]
fn diff_renders_every_format() {
    let (_dir, legacy, shared) = state_dir();
    let run = |f: &str, extra: &[&str]| {
        let out = statectl()
            .args(["--now", &NOW.to_string(), "-o", f, "diff"])
            .arg(&legacy)
            .arg(&shared)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let (doc, _) = diff_json(&[legacy.to_str().unwrap(), shared.to_str().unwrap()]);
    let n = doc["differences"].as_array().unwrap().len();
    assert!(n > 0);
    let jsonl = run("jsonl", &[]);
    assert_eq!(jsonl.lines().count(), n);
    for l in jsonl.lines() {
        serde_json::from_str::<Value>(l).unwrap();
    }
    for extra in [&[][..], &["--details"][..]] {
        let csv = run("csv", extra);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let width = r.headers().unwrap().len();
        let rows: Vec<_> = r.records().map(Result::unwrap).collect();
        assert!(rows.iter().all(|rec| rec.len() == width));
        if !extra.is_empty() {
            assert_eq!(rows.len(), n);
        }
    }
    for f in ["table", "wide"] {
        let t = run(f, &["--details"]);
        assert!(t.contains("poll-3") && t.contains("differ in"), "{t}");
    }
}

#[test]
fn details_decode_known_namespaces_and_keep_secrets_hidden() {
    // Rows the channel plugins' own code wrote (tests/decoded/make-fixtures.mjs).
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
    for p in [&a, &b] {
        std::fs::copy(Path::new(FIXTURES).join("decoded-2026.9.6.sqlite"), p).unwrap();
    }
    let c = Connection::open(&b).unwrap();
    c.execute_batch(
        "UPDATE plugin_state_entries SET value_json = json_set(value_json, '$.entry.label', 'Reject deploy')
           WHERE namespace = 'discord.components' AND entry_key = 'btn_fixture1';
         UPDATE plugin_state_entries SET value_json = json_set(value_json, '$.version', 2)
           WHERE namespace = 'telegram.message-cache' AND entry_key = 'default:-1001234567890:4711';",
    )
    .unwrap();
    drop(c);
    let now: i64 = Connection::open(&a)
        .unwrap()
        .query_row(
            "SELECT MAX(created_at) FROM plugin_state_entries",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let run = |extra: &[&str]| {
        let out = statectl()
            .args(["--now", &now.to_string(), "diff"])
            .args([a.to_str().unwrap(), b.to_str().unwrap(), "--details"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let lines = |text: String| -> Vec<Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let find = |docs: &[Value], key: &str| -> Value {
        docs.iter()
            .find(|d| d["key"] == key)
            .unwrap_or_else(|| panic!("no {key}"))
            .clone()
    };
    let docs = lines(run(&["-o", "jsonl"]));
    let btn = find(&docs, "btn_fixture1");
    assert_eq!(btn["a"]["decoded"]["label"], "Approve deploy");
    assert_eq!(btn["b"]["decoded"]["label"], "Reject deploy");
    let secret = find(&docs, "default:-1001234567890:4711");
    assert_eq!(secret["a"]["redacted"], true);
    assert!(secret["a"].get("value").is_none() && secret["b"].get("value").is_none());
    let shown = find(
        &lines(run(&["-o", "jsonl", "--show-secrets"])),
        "default:-1001234567890:4711",
    );
    assert_eq!(shown["b"]["value"]["version"], 2);
    // The table names the decoded field that changed.
    let table = run(&[]);
    assert!(
        table.contains("label: Approve deploy → Reject deploy"),
        "{table}"
    );
}
