//! The one validity rule (issue 12; issue 13 defects 1-2): the same stored values fed
//! to `ls`, `inspect`, `check`, `export`+`verify` and `import` get the same verdict
//! from each, and that verdict is what JavaScript's `JSON.parse` says (the answers
//! node gave, recorded by tests/interop/values.mjs in tests/fixtures/json-parse.json).

mod common;
use common::*;
use rusqlite::Connection;
use std::path::Path;

const T: i64 = 1_795_707_067_200;

/// Values the runtime reads back (lone surrogates, 1e400, depth, whitespace) and
/// values it cannot (`JSON.parse` throws).
fn cases() -> Vec<(String, bool)> {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut v: Vec<(String, bool)> = [
        (r#"{"text":"cut \ud83d"}"#, true),
        (r#""\udc00""#, true),
        ("1e400", true),
        ("-1e-400", true),
        (" {\"a\":1}", true),
        ("{\"a\":\n1}", true),
        ("\t[1,\r\n2]\n", true),
        ("{\"a\":1,\"a\":2}", true),
        ("{not json", false),
        ("", false),
        ("[1,]", false),
        ("\u{feff}{}", false),
        ("NaN", false),
        ("\"tab\tinside\"", false),
        ("01", false),
        ("{\"a\":1} x", false),
    ]
    .into_iter()
    .map(|(s, ok)| (s.to_string(), ok))
    .collect();
    v.push((deep(70), true));
    v.push((deep(5000), true));
    v.push((format!("{}]", deep(70)), false));
    v
}

fn run(db: &Path, args: &[&str]) -> std::process::Output {
    statectl_at(db, T).args(args).output().unwrap()
}

/// One database holding `value` (as TEXT, or as a BLOB) under p/ns.a "k".
fn db_with(value: &str, blob: bool) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    let sql = if blob {
        "INSERT INTO plugin_state_entries VALUES ('p','ns.a','k',CAST(?1 AS BLOB),?2,NULL)"
    } else {
        "INSERT INTO plugin_state_entries VALUES ('p','ns.a','k',?1,?2,NULL)"
    };
    c.execute(sql, rusqlite::params![value, T - 1]).unwrap();
    (dir, db)
}

/// Each command's verdict on the one row of `db`: true = the runtime can read it.
fn verdicts(db: &Path, dir: &Path) -> Vec<(&'static str, bool)> {
    // Not parsed with serde_json: it refuses the lone surrogates node reads.
    let ls = run(db, &["ls", "ns.a", "-o", "jsonl"]);
    let ls = String::from_utf8(ls.stdout).unwrap();
    assert_eq!(ls.lines().count(), 1, "{ls}");
    let ls_ok = !ls.contains(r#""corrupt":true"#);

    let inspect = run(db, &["inspect", "ns.a", "k"]);
    let inspect_ok = !String::from_utf8_lossy(&inspect.stdout).contains("<corrupt");

    let check = stdout_json(&run(
        db,
        &["check", "-o", "json", "--only", "corrupt_values"],
    ));
    let check_ok = check["checks"][0]["status"] == "ok";

    let file = dir.join("e.jsonl");
    let _ = std::fs::remove_file(&file);
    let out = run(db, &["export", "-O", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = statectl()
        .args(["verify", "-o", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "verify never refuses a well-formed file"
    );
    let verify_ok = stdout_json(&verify)["corrupt"] == 0;

    let (_t, target) = legacy_db();
    let import = run(&target, &["import", "-o", "json", file.to_str().unwrap()]);
    assert!(import.status.success());
    let report = stdout_json(&import);
    let import_ok = !report["not_taken_rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["reason"].as_str().unwrap().contains("cannot read"));
    vec![
        ("ls", ls_ok),
        ("inspect", inspect_ok),
        ("check", check_ok),
        ("export+verify", verify_ok),
        ("import", import_ok),
    ]
}

#[test]
fn every_command_gives_the_same_verdict_on_the_same_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(String, bool, bool)> =
        cases().into_iter().map(|(v, ok)| (v, false, ok)).collect();
    all.push(("{}".into(), true, false));
    for (value, blob, want) in &all {
        let (_d, db) = db_with(value, *blob);
        for (command, got) in verdicts(&db, dir.path()) {
            assert_eq!(
                got,
                *want,
                "{command} on {:?}{}",
                &value[..value.len().min(40)],
                if *blob { " (BLOB)" } else { "" }
            );
        }
    }
}

/// Defect 2: a value with whitespace between tokens stays on one jsonl line, its
/// value shown without that whitespace; export then import keeps it byte for byte.
#[test]
fn ls_jsonl_keeps_one_object_per_line_for_whitespace_values() {
    let (_d, db) = legacy_db();
    insert(
        &db,
        &[
            ("p", "ns.a", "a", "{\"a\":\n1}", T - 2, None),
            ("p", "ns.a", "b", " [1,\r\n 2 ] ", T - 1, None),
        ],
    );
    let out = run(&db, &["ls", "ns.a", "-o", "jsonl"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "one object per line: {text:?}");
    let a: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let b: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(a["value"], serde_json::json!({"a": 1}));
    assert_eq!(b["value"], serde_json::json!([1, 2]));
    assert!(a.get("corrupt").is_none() && b.get("corrupt").is_none());
}

/// The differential property test's record: strings node's `JSON.parse` judged
/// (tests/interop/values.mjs), each with its verdict; statectl's rule must agree on
/// every one. The interop harness regenerates and re-checks them against live node.
#[test]
fn the_rule_agrees_with_json_parse_on_the_recorded_corpus() {
    let path = Path::new(FIXTURES).join("json-parse.json");
    let corpus: Vec<(String, bool)> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(corpus.len() >= 2000, "{} strings", corpus.len());
    assert!(corpus.iter().any(|c| c.1) && corpus.iter().any(|c| !c.1));
    let wrong: Vec<&(String, bool)> = corpus
        .iter()
        .filter(|(s, ok)| statectl::store::value::verdict(s, false).is_valid() != *ok)
        .collect();
    assert!(
        wrong.is_empty(),
        "{} disagreements with JSON.parse, first: {:?}",
        wrong.len(),
        wrong.first()
    );
}

/// The databases tests/interop/values.mjs had the real runtime (2026.5.6, 6.1, 8.1,
/// 9.6) write or read back, and its answers: statectl's verdicts and listing order
/// agree with what the runtime read, and export then import into either layout keeps
/// every row byte for byte but the two it names (the recorded `not_taken`).
#[test]
fn the_runtimes_values_survive_export_and_import_into_both_layouts() {
    let mut seen = 0;
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(version) = name
            .strip_prefix("values-")
            .and_then(|n| n.strip_suffix(".sqlite"))
        else {
            continue;
        };
        seen += 1;
        let recorded: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("runtime.json")).unwrap(),
        )
        .unwrap();
        let now = recorded["now"].as_i64().unwrap();
        let (dir, src) = fixture_copy(&name);
        let ls = statectl_at(&src, now)
            .args(["ls", "values/values.read-back", "-o", "jsonl"])
            .output()
            .unwrap();
        let ls = String::from_utf8(ls.stdout).unwrap();
        let runtime_keys: Vec<&str> = recorded["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect();
        let listed: Vec<String> = ls
            .lines()
            .map(|l| {
                assert!(!l.contains(r#""corrupt":true"#), "{version}: {l}");
                let key = l.split(r#""key":""#).nth(1).unwrap();
                key[..key.find('"').unwrap()].to_string()
            })
            .collect();
        assert_eq!(
            listed, runtime_keys,
            "{version}: the runtime's order, one line each"
        );

        let file = dir.path().join("e.jsonl");
        let out = statectl_at(&src, now)
            .args(["export", "-O"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success());
        let not_taken: Vec<&str> = recorded["not_taken"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        for (layout, (_t, target)) in [("legacy", legacy_db()), ("shared", empty_shared())] {
            let out = statectl_at(&target, now)
                .args(["import", "-o", "json"])
                .arg(&file)
                .output()
                .unwrap();
            assert!(out.status.success(), "{version} into {layout}");
            let report = stdout_json(&out);
            let mut named: Vec<&str> = report["not_taken_rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["key"].as_str().unwrap())
                .collect();
            named.sort();
            assert_eq!(named, not_taken, "{version} into {layout}");
            let mut want = all_rows(&src);
            want.retain(|r| !not_taken.contains(&r.2.as_str()));
            assert_eq!(
                all_rows(&target),
                want,
                "{version} into {layout}: byte for byte"
            );
        }
    }
    assert_eq!(seen, 4, "2026.5.6, 6.1, 8.1 and 9.6");
}

/// An empty database of the shared layout: the 2026.9.6 fixture with its rows removed.
fn empty_shared() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = fixture_copy("shared-2026.9.6.sqlite");
    Connection::open(&db)
        .unwrap()
        .execute_batch("DELETE FROM plugin_state_entries")
        .unwrap();
    (dir, db)
}
