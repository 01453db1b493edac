//! export, import, verify and backup: byte-for-byte round trips, a corpus of broken
//! export files, conflicts, caps, and an import killed halfway.

mod common;
use common::*;
use predicates::prelude::*;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The fixtures' clock: after every runtime write, before the 30-minute TTLs ran out.
const T: i64 = 1_795_707_067_200;

/// An empty database of the shared layout: the 2026.9.6 fixture with its rows removed.
fn empty_shared() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = fixture_copy("shared-2026.9.6.sqlite");
    Connection::open(&db)
        .unwrap()
        .execute_batch("DELETE FROM plugin_state_entries")
        .unwrap();
    (dir, db)
}

fn export(db: &Path, out: &Path, extra: &[&str]) {
    statectl_at(db, T)
        .args(["export", "-O"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn import(db: &Path, file: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    statectl_at(db, T)
        .args(["import"])
        .arg(file)
        .args(extra)
        .assert()
}

#[test]
fn a_round_trip_between_layouts_is_byte_identical() {
    for (source, (_td, target)) in [
        ("legacy-2026.5.6.sqlite", empty_shared()),
        ("shared-2026.9.6.sqlite", legacy_db()),
    ] {
        let (_sd, src) = fixture_copy(source);
        let file = _td.path().join("export.jsonl");
        export(&src, &file, &["--include-expired"]);
        import(&target, &file, &["--include-expired"]).success();
        assert_eq!(
            all_rows(&target),
            all_rows(&src),
            "{source}: value_json, created_at, expires_at identical"
        );
    }
}

#[test]
fn export_files_are_private_and_never_overwritten_by_accident() {
    let (dir, src) = fixture_copy("legacy-2026.5.6.sqlite");
    let file = dir.path().join("e.jsonl");
    export(&src, &file, &[]);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let before = std::fs::read(&file).unwrap();
    statectl()
        .arg("--db")
        .arg(&src)
        .args(["export", "-O"])
        .arg(&file)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read(&file).unwrap(), before);
    statectl()
        .arg("--db")
        .arg(&src)
        .args(["export", "--force", "-O"])
        .arg(&file)
        .assert()
        .success();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".statectl-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn export_to_stdout_has_header_entries_and_a_checked_trailer() {
    let (_d, src) = fixture_copy("legacy-2026.5.6.sqlite");
    let out = statectl_at(&src, T)
        .args(["export", "discord/discord.modals"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(header["statectl_export"], 1);
    assert_eq!(header["source"]["layout"], "legacy");
    assert_eq!(header["now"], T);
    assert_eq!(lines.len(), 5, "header, 3 modals, trailer");
    let mut h = Sha256::new();
    for l in &lines[1..4] {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let trailer: serde_json::Value = serde_json::from_str(lines[4]).unwrap();
    assert_eq!(trailer["statectl_export_end"]["entries"], 3);
    assert_eq!(trailer["statectl_export_end"]["sha256"], digest);
}

#[test]
fn secret_namespaces_are_announced_or_left_out() {
    let (dir, db) = legacy_db();
    insert(
        &db,
        &[
            (
                "telegram",
                "telegram.message-cache",
                "m1",
                r#"{"text":"hi"}"#,
                T - 1,
                None,
            ),
            (
                "slack",
                "slack.thread-participation",
                "t",
                "{}",
                T - 1,
                None,
            ),
        ],
    );
    let file = dir.path().join("e.jsonl");
    statectl_at(&db, T)
        .args(["export", "-O"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("telegram/telegram.message-cache"));
    let file2 = dir.path().join("e2.jsonl");
    statectl_at(&db, T)
        .args(["export", "--exclude-secrets", "-O"])
        .arg(&file2)
        .assert()
        .success()
        .stderr(predicate::str::contains("secret").not());
    let text = std::fs::read_to_string(&file2).unwrap();
    assert!(!text.contains("message-cache") && text.contains("thread-participation"));
}

/// Builds an export file from raw entry lines, with a correct trailer unless told.
fn build(header: &str, entries: &[String]) -> String {
    let mut h = Sha256::new();
    let mut body = String::new();
    for e in entries {
        body.push_str(e);
        body.push('\n');
        h.update(e.as_bytes());
        h.update(b"\n");
    }
    let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{header}\n{body}{{\"statectl_export_end\":{{\"entries\":{},\"sha256\":\"{digest}\"}}}}\n",
        entries.len()
    )
}

const HEADER: &str = r#"{"statectl_export":1,"exported_at":1,"now":1,"source":{"path":"x","layout":"legacy","schema_version":1,"app_version":null},"selection":{}}"#;

fn line(key: &str, value: &str) -> String {
    format!(
        r#"{{"plugin_id":"p","namespace":"ns.a","key":{},"value":{value},"created_at":{T},"expires_at":null}}"#,
        serde_json::to_string(key).unwrap()
    )
}

#[test]
fn a_corpus_of_broken_exports_is_refused_naming_the_line_and_nothing_changes() {
    let good = vec![
        line("a", "1"),
        line("b", r#"{"x":[1,2]}"#),
        line("c", "\"s\""),
    ];
    let valid = build(HEADER, &good);
    let with = |i: usize, replacement: String| {
        let mut v = good.clone();
        v[i] = replacement;
        build(HEADER, &v)
    };
    let corpus: Vec<(&str, String, &str)> = vec![
        ("empty file", String::new(), "line 1"),
        (
            "header not JSON",
            valid.replacen("{\"statectl_export\"", "statectl_export", 1),
            "line 1",
        ),
        ("no header", build("{\"other\":1}", &good), "line 1"),
        (
            "wrong format version",
            build(
                &HEADER.replace("\"statectl_export\":1", "\"statectl_export\":2"),
                &good,
            ),
            "line 1",
        ),
        (
            "truncated (no trailer)",
            valid.lines().take(3).map(|l| format!("{l}\n")).collect(),
            "line 3",
        ),
        (
            "truncated mid-line",
            valid[..valid.len() - 40].to_string(),
            "line",
        ),
        (
            "edited entry",
            valid.replace("\"x\":[1,2]", "\"x\":[1,3]"),
            "checksum",
        ),
        (
            "bad checksum",
            valid.replace("\"sha256\":\"", "\"sha256\":\"00"),
            "checksum",
        ),
        (
            "count mismatch",
            valid.replace("\"entries\":3", "\"entries\":4"),
            "line 5",
        ),
        ("line not JSON", with(1, "not json at all".into()), "line 3"),
        ("empty line", with(1, String::new()), "line 3"),
        (
            "key is a number",
            with(0, line("a", "1").replace("\"key\":\"a\"", "\"key\":7")),
            "line 2",
        ),
        (
            "created_at is a string",
            with(
                0,
                line("a", "1").replace(&format!("\"created_at\":{T}"), "\"created_at\":\"1\""),
            ),
            "line 2",
        ),
        (
            "created_at is a float",
            with(
                0,
                line("a", "1").replace(&format!("\"created_at\":{T}"), "\"created_at\":1.5"),
            ),
            "line 2",
        ),
        (
            "expires_at is a string",
            with(
                0,
                line("a", "1").replace("\"expires_at\":null", "\"expires_at\":\"soon\""),
            ),
            "line 2",
        ),
        (
            "expires_at missing",
            with(0, line("a", "1").replace(",\"expires_at\":null", "")),
            "line 2",
        ),
        (
            "value missing",
            with(0, line("a", "1").replace("\"value\":1,", "")),
            "line 2",
        ),
        (
            "value and value_raw",
            with(
                0,
                line("a", "1").replace("\"value\":1", "\"value\":1,\"value_raw\":\"1\""),
            ),
            "line 2",
        ),
        ("duplicate keys", with(2, line("a", "2")), "line 4"),
        (
            "content after the trailer",
            format!("{valid}{}\n", line("z", "1")),
            "line 6",
        ),
        (
            "plugin_id missing",
            with(0, line("a", "1").replace("\"plugin_id\":\"p\",", "")),
            "line 2",
        ),
    ];
    assert!(corpus.len() >= 18);
    let (dir, db) = legacy_db();
    insert(&db, &[("p", "ns.a", "existing", "0", T - 5, None)]);
    let before = all_rows(&db);
    for (name, content, expect) in &corpus {
        let file = dir.path().join("broken.jsonl");
        std::fs::write(&file, content).unwrap();
        let out = statectl_at(&db, T)
            .args(["import", "--on-conflict", "replace"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(expect),
            "{name}: expected {expect:?} in {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        assert_eq!(all_rows(&db), before, "{name}: database unchanged");
        // Without a database, verify knows no version limits: those two need the target.
        let needs_target = name.contains("legacy");
        statectl()
            .arg("verify")
            .arg(&file)
            .assert()
            .code(if needs_target { 0 } else { 2 });
    }
    // The unbroken file imports.
    let file = dir.path().join("good.jsonl");
    std::fs::write(&file, &valid).unwrap();
    import(&db, &file, &[]).success();
    assert_eq!(all_rows(&db).len(), 4);
}

/// The restore policy (issue 13): a well-formed entry the target cannot take is
/// skipped, named and counted, the rest imported, exit 0; `--strict` refuses it all.
#[test]
fn rows_the_target_cannot_take_are_skipped_named_and_counted_and_strict_refuses() {
    let deep = format!("{}1{}", "[".repeat(65), "]".repeat(65));
    let big = format!("\"{}\"", "x".repeat(65_536));
    let refused: Vec<(&str, String)> = vec![
        (
            "created_at negative",
            line("n1", "1").replace(&format!("\"created_at\":{T}"), "\"created_at\":-1"),
        ),
        (
            "time beyond a JavaScript Date",
            line("n2", "1").replace("\"expires_at\":null", "\"expires_at\":9007199254740993"),
        ),
        (
            "invalid namespace",
            line("n3", "1").replace("ns.a", "bad namespace!"),
        ),
        ("blank key", line("   ", "1")),
        ("513-byte key", line(&"k".repeat(513), "1")),
        ("key with surrounding spaces", line(" a ", "1")),
        ("value over the legacy 64 KiB limit", line("n4", &big)),
        ("value nested too deep to write", line("n5", &deep)),
        (
            "retained namespace in a legacy database",
            line("n6", "1").replace("ns.a", "@retained.ns.a"),
        ),
        (
            "value JSON.parse refuses",
            line("n7", "1").replace("\"value\":1", "\"value_raw\":\"{not json\""),
        ),
        (
            "a BLOB",
            line("n8", "1").replace("\"value\":1", "\"value_raw\":\"1\",\"blob\":true"),
        ),
    ];
    let mut lines = vec![line("good-1", "1")];
    lines.extend(refused.iter().map(|(_, l)| l.clone()));
    lines.push(line("good-2", r#"{"x":[1,2]}"#));
    let (dir, db) = legacy_db();
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(&file, build(HEADER, &lines)).unwrap();
    let before = all_rows(&db);

    let out = statectl_at(&db, T)
        .args(["import", "--strict"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "--strict refuses: {stderr}");
    assert!(
        stderr.contains("11 rows") && stderr.contains("line 3"),
        "{stderr}"
    );
    assert_eq!(all_rows(&db), before, "--strict: nothing imported");

    let out = statectl_at(&db, T)
        .args(["import", "-o", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = stdout_json(&out);
    assert_eq!(report["added"], 2);
    assert_eq!(report["not_taken"], refused.len());
    let named: Vec<u64> = report["not_taken_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(named, (3..3 + refused.len() as u64).collect::<Vec<_>>());
    for (i, (name, _)) in refused.iter().enumerate() {
        assert!(
            stderr.contains(&format!("warning: line {}:", i + 3)),
            "{name} named in a warning: {stderr}"
        );
    }
    let keys: Vec<String> = all_rows(&db).into_iter().map(|r| r.2).collect();
    assert!(keys.contains(&"good-1".to_string()) && keys.contains(&"good-2".to_string()));
    assert_eq!(keys.len(), before.len() + 2, "only the takeable rows");

    // verify judges by the newest runtime: the 64 KiB value and the retained namespace
    // fit 2026.9.6; everything else no runtime can take.
    let out = statectl()
        .args(["verify", "-o", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = stdout_json(&out);
    assert_eq!(v["not_taken"], refused.len() - 2);
    assert_eq!(v["corrupt"], 2, "the non-JSON text and the BLOB");
}

/// Defects 1 and 2 (issue 13): values the runtime reads back (a lone surrogate escape,
/// `1e400`, whitespace around and between tokens, 70 deep) travel byte for byte; the
/// 70-deep one is past the runtime's write limit of 64, so an import skips and names it.
#[test]
fn values_json_parse_accepts_survive_export_and_import_byte_for_byte() {
    let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
    let values = [
        r#"{"text":"cut \ud83d"}"#,
        r#"["\udc00","\ud83d\ude00"]"#,
        "1e400",
        "{\"n\":-1E+400}",
        " {\"a\":1}",
        "{\"a\":\n1}",
        "\t[1,\r\n 2] \n",
    ];
    let (dir, src) = legacy_db();
    let keys: Vec<String> = (0..values.len()).map(|i| format!("k{i}")).collect();
    let mut rows: Vec<RawRow> = values
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (v, k))| ("p", "ns.a", k.as_str(), *v, T - 10 + i as i64, None))
        .collect();
    rows.push(("p", "ns.a", "deep", deep.as_str(), T, None));
    insert(&src, &rows);
    let file = dir.path().join("e.jsonl");
    export(&src, &file, &[]);
    let out = statectl()
        .args(["verify", "-o", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["corrupt"], 0, "the runtime reads every one of them");
    assert_eq!(v["not_taken"], 1, "70 deep is over the write limit");

    let (_td, target) = empty_shared();
    let out = statectl_at(&target, T)
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("'deep'") && stderr.contains("nested 71 deep") || stderr.contains("'deep'"),
        "{stderr}"
    );
    let mut want = all_rows(&src);
    want.retain(|r| r.2 != "deep");
    assert_eq!(all_rows(&target), want, "value_json byte for byte");
}

/// Defect 3 (issue 13): under --include-expired, rows already expired at --now take
/// no room under the plugin cap (the runtime counts live rows only).
#[test]
fn expired_rows_imported_do_not_count_toward_the_plugin_cap() {
    let (dir, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    for i in 0..995 {
        c.execute("INSERT INTO plugin_state_entries VALUES ('telegram','telegram.sent-messages',?1,'1',?2,NULL)", rusqlite::params![format!("k{i}"), T]).unwrap();
    }
    let entries: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"plugin_id":"telegram","namespace":"telegram.sticker-cache","key":"s{i}","value":1,"created_at":{},"expires_at":{}}}"#, T - 100, T - 1))
        .chain((0..5).map(|i| format!(r#"{{"plugin_id":"telegram","namespace":"telegram.sticker-cache","key":"live{i}","value":1,"created_at":{T},"expires_at":null}}"#)))
        .collect();
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, build(HEADER, &entries)).unwrap();
    import(&db, &file, &["--include-expired"]).success();
    assert_eq!(
        all_rows(&db).len(),
        995 + 15,
        "995 + 5 live = the cap; the 10 expired take no room"
    );
}

#[test]
fn conflicts_follow_the_policy_and_fail_changes_nothing() {
    let (dir, db) = legacy_db();
    insert(
        &db,
        &[
            ("p", "ns.a", "a", "\"old\"", T - 10, None),
            ("p", "ns.a", "b", "\"old\"", T + 10, None),
            ("p", "ns.a", "dead", "\"old\"", T - 10, Some(T - 1)),
        ],
    );
    let file = dir.path().join("in.jsonl");
    let entry = |key: &str, created: i64, expires: &str| {
        format!(
            r#"{{"plugin_id":"p","namespace":"ns.a","key":"{key}","value":"new","created_at":{created},"expires_at":{expires}}}"#
        )
    };
    std::fs::write(
        &file,
        build(
            HEADER,
            &[
                entry("a", T, "null"),
                entry("b", T, "null"),
                entry("dead", T, "null"),
                entry("gone", T - 5, &(T - 1).to_string()),
            ],
        ),
    )
    .unwrap();
    let value = |db: &Path, key: &str| all_rows(db).into_iter().find(|r| r.2 == key).map(|r| r.3);

    let before = all_rows(&db);
    import(&db, &file, &["--on-conflict", "fail"])
        .code(4)
        .stderr(predicate::str::contains("line 2"));
    assert_eq!(all_rows(&db), before);

    import(&db, &file, &["--dry-run", "-o", "json"])
        .success()
        .stdout(
            predicate::str::contains("\"added\": 1")
                .and(predicate::str::contains("\"skipped\": 2"))
                .and(predicate::str::contains("\"dropped_expired\": 1")),
        );
    assert_eq!(all_rows(&db), before, "dry run");

    import(&db, &file, &["--on-conflict", "newer"]).success();
    assert_eq!(
        value(&db, "a").as_deref(),
        Some("\"new\""),
        "import is newer"
    );
    assert_eq!(
        value(&db, "b").as_deref(),
        Some("\"old\""),
        "existing is newer"
    );
    assert_eq!(
        value(&db, "dead").as_deref(),
        Some("\"new\""),
        "an expired row is replaced"
    );
    assert_eq!(value(&db, "gone"), None, "already expired: dropped");
    // replace overwrites live rows: without a terminal it needs --yes (exit 4 otherwise),
    // and --backup keeps the rows it replaced.
    let before = all_rows(&db);
    import(&db, &file, &["--on-conflict", "replace"])
        .code(4)
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(all_rows(&db), before, "refused: nothing changed");
    let saved = dir.path().join("replaced.jsonl");
    import(
        &db,
        &file,
        &[
            "--on-conflict",
            "replace",
            "--yes",
            "--backup",
            saved.to_str().unwrap(),
        ],
    )
    .success()
    .stderr(predicate::str::contains("saved 3 rows"));
    assert_eq!(value(&db, "b").as_deref(), Some("\"new\""));
    let backup = std::fs::read_to_string(&saved).unwrap();
    let lines: Vec<&str> = backup.lines().collect();
    assert_eq!(
        lines.len(),
        2 + 3,
        "header, the 3 replaced live rows, trailer: {backup}"
    );
    assert!(backup.contains(r#""key":"b","value":"old""#), "{backup}");
    // The backup restores what replace overwrote.
    import(&db, &saved, &["--on-conflict", "replace", "--yes"]).success();
    assert_eq!(value(&db, "b").as_deref(), Some("\"old\""));
    // skip and newer never ask.
    import(&db, &file, &["--on-conflict", "skip"]).success();
}

#[test]
fn an_import_takes_the_namespaces_plugin_keys_and_prefix_asked_for() {
    let (dir, db) = legacy_db();
    let file = dir.path().join("in.jsonl");
    let entry = |p: &str, ns: &str, key: &str| {
        format!(
            r#"{{"plugin_id":"{p}","namespace":"{ns}","key":"{key}","value":1,"created_at":{T},"expires_at":null}}"#
        )
    };
    std::fs::write(
        &file,
        build(
            HEADER,
            &[
                entry("discord", "discord.components", "btn_1"),
                entry("discord", "discord.components", "other"),
                entry("discord", "discord.modals", "mdl_1"),
                entry("telegram", "telegram.sent-messages", "-100:1"),
                entry("telegram", "telegram.sent-messages", "-100:2"),
            ],
        ),
    )
    .unwrap();
    let keys = |db: &Path| -> Vec<String> { all_rows(db).into_iter().map(|r| r.2).collect() };
    import(&db, &file, &["discord.components", "--prefix", "btn_"]).success();
    assert_eq!(keys(&db), ["btn_1"]);
    import(&db, &file, &["--plugin", "telegram", "--key", "-100:2"]).success();
    assert_eq!(keys(&db), ["btn_1", "-100:2"]);
    import(
        &db,
        &file,
        &["discord/discord.modals", "--dry-run", "-o", "json"],
    )
    .success()
    .stdout(predicate::str::contains("\"added\": 1"));
    // A namespace or plugin that is not in the file: exit 3 with a did-you-mean.
    let before = all_rows(&db);
    import(&db, &file, &["discord.component"])
        .code(3)
        .stderr(predicate::str::contains(
            "did you mean 'discord.components'?",
        ));
    import(&db, &file, &["--plugin", "slack"]).code(3);
    import(&db, &file, &["slack.thread-participation"]).code(3);
    assert_eq!(all_rows(&db), before);
}

#[test]
fn an_import_over_the_plugin_cap_is_refused() {
    let (dir, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    for i in 0..995 {
        c.execute("INSERT INTO plugin_state_entries VALUES ('telegram','telegram.sent-messages',?1,'1',?2,NULL)", rusqlite::params![format!("k{i}"), T]).unwrap();
    }
    let before = all_rows(&db);
    let entries: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"plugin_id":"telegram","namespace":"telegram.sticker-cache","key":"s{i}","value":1,"created_at":{T},"expires_at":null}}"#))
        .collect();
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, build(HEADER, &entries)).unwrap();
    import(&db, &file, &[])
        .code(4)
        .stderr(predicate::str::contains("1,005").and(predicate::str::contains("1,000")));
    assert_eq!(all_rows(&db), before);
}

#[test]
fn prune_backup_then_import_restores_the_rows() {
    let (dir, src) = fixture_copy("shared-2026.9.6.sqlite");
    let before = all_rows(&src);
    let saved = dir.path().join("saved.jsonl");
    statectl_at(&src, T)
        .args([
            "prune",
            "community-x/unicode.keys",
            "--all",
            "-y",
            "--backup",
        ])
        .arg(&saved)
        .assert()
        .success();
    assert!(all_rows(&src).len() < before.len());
    import(&src, &saved, &[]).success();
    assert_eq!(all_rows(&src), before);
}

#[test]
fn backup_is_a_verified_private_copy() {
    let (dir, src) = fixture_copy("shared-2026.9.6.sqlite");
    let dest = dir.path().join("copy.sqlite");
    statectl()
        .arg("--db")
        .arg(&src)
        .arg("backup")
        .arg(&dest)
        .assert()
        .success()
        .stderr(predicate::str::contains("quick_check ok"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(all_rows(&dest), all_rows(&src));
    statectl()
        .arg("--db")
        .arg(&src)
        .arg("backup")
        .arg(&dest)
        .assert()
        .code(4);
}

#[test]
fn verify_summarises_an_export_without_a_database() {
    let (dir, src) = fixture_copy("legacy-2026.5.6.sqlite");
    let file = dir.path().join("e.jsonl");
    export(&src, &file, &[]);
    let out = statectl()
        .args(["verify", "-o", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v = stdout_json(&out);
    let live = live_rows(&src, T, None);
    assert_eq!(v["entries"], live);
    assert_eq!(v["source"]["layout"], "legacy");
    let unicode = live_rows(&src, T, Some("unicode.keys"));
    assert!(
        v["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["namespace"] == "unicode.keys" && n["entries"] == unicode)
    );
}

/// SIGKILL or Ctrl-C in the middle of a large `--atomic` import leaves the database as
/// it was, and healthy; Ctrl-C rolls back and says so, with exit 130.
#[test]
fn an_atomic_import_killed_or_interrupted_halfway_changes_nothing() {
    for signal in [libc::SIGKILL, libc::SIGINT] {
        let (db, before, _, status, stderr) =
            import_signalled_halfway(signal, &["--atomic", "--force"]);
        assert_eq!(all_rows(&db), before);
        if signal == libc::SIGINT {
            assert_eq!(status.code(), Some(130), "{stderr}");
            assert!(stderr.contains("nothing was imported"), "{stderr}");
        }
    }
}

/// Issue 22: a large import runs in batches by default. Ctrl-C stops it between two
/// batches (exit 130), saying how many rows went in, which are exactly the rows there;
/// running the same command again finishes the job.
#[test]
fn a_batched_import_interrupted_halfway_says_what_went_in_and_a_rerun_finishes() {
    let (db, before, file, status, stderr) = import_signalled_halfway(libc::SIGINT, &[]);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("importing 200,000 rows in batches"),
        "{stderr}"
    );
    let went_in: u64 = stderr
        .split(" imported in whole batches")
        .next()
        .and_then(|s| s.rsplit("interrupted: ").next())
        .and_then(|s| s.split_whitespace().next())
        .map(|n| n.replace(',', "").parse().unwrap())
        .unwrap_or_else(|| panic!("{stderr}"));
    let rows = all_rows(&db);
    assert_eq!(rows.len() as u64, before.len() as u64 + went_in, "{stderr}");
    assert!(went_in > 0 && went_in < 200_000, "{stderr}");
    assert!(
        stderr.contains("run the same command again to finish"),
        "{stderr}"
    );
    statectl_at(&db, T)
        .arg("import")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(all_rows(&db).len(), before.len() + 200_000);
}

/// An export of `n` rows `k000000`, `k000001`, ... in `p/ns.b`, written as `DIR/e.jsonl`.
fn numbered_export(dir: &Path, n: usize) -> PathBuf {
    let entries: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"plugin_id":"p","namespace":"ns.b","key":"k{i:06}","value":{i},"created_at":{T},"expires_at":null}}"#))
        .collect();
    let file = dir.join("e.jsonl");
    std::fs::write(&file, build(HEADER, &entries)).unwrap();
    file
}

/// Issue 22: the rule that picks one transaction or batches, by the estimated lock time
/// (rows at the measured rows/s against a tenth of the runtime's busy timeout).
#[test]
fn import_picks_one_transaction_or_batches_by_the_estimated_lock_time() {
    let txns = |n: usize, extra: &[&str]| -> (Option<i32>, String, String) {
        // 2026.9.6: no plugin cap, a 5 s busy timeout.
        let (dir, db) = empty_shared();
        let file = numbered_export(dir.path(), n);
        let out = statectl_at(&db, T)
            .env("STATECTL_TXN_STATS", "1")
            .arg("import")
            .arg(&file)
            .args(extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let count = err
            .lines()
            .find_map(|l| l.strip_prefix("write transactions: "))
            .map(|l| l.split(',').next().unwrap().to_string())
            .unwrap_or_default();
        if out.status.success() {
            assert_eq!(all_rows(&db).len(), n, "{err}");
        } else {
            assert!(all_rows(&db).is_empty(), "{err}");
        }
        (out.status.code(), count, err)
    };
    // 17,500 rows at 35,000 rows/s is 0.5 s: a tenth of 2026.9.6's 5 s busy timeout.
    let (code, count, err) = txns(17_500, &[]);
    assert_eq!((code, count.as_str()), (Some(0), "1"), "{err}");
    assert!(!err.contains("in batches"), "{err}");
    let (code, count, err) = txns(17_600, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(count.parse::<u64>().unwrap() > 1, "{err}");
    assert!(err.contains("importing 17,600 rows in batches"), "{err}");
    let (code, _, err) = txns(17_600, &["--atomic"]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("--force"), "{err}");
    let (code, count, err) = txns(17_600, &["--atomic", "--force"]);
    assert_eq!((code, count.as_str()), (Some(0), "1"), "{err}");
}

/// A batched import checks conflicts (and caps) in the verifying read, before its
/// first batch; a damaged file is refused as damaged even when a conflict comes first.
#[test]
fn a_batched_import_refuses_a_conflict_or_damage_before_its_first_batch() {
    let (dir, db) = empty_shared();
    let file = numbered_export(dir.path(), 17_600);
    insert(&db, &[("p", "ns.b", "k000000", "\"old\"", T, None)]);
    let before = all_rows(&db);
    let run = |file: &Path| {
        statectl_at(&db, T)
            .env("STATECTL_TXN_STATS", "1")
            .args(["import", "--on-conflict", "fail"])
            .arg(file)
            .output()
            .unwrap()
    };
    let out = run(&file);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("line 2: key 'k000000'"), "{err}");
    assert!(!err.contains("write transactions"), "no batch ran: {err}");
    assert_eq!(all_rows(&db), before);
    // The same conflict on line 2, and the last entry edited after export.
    let text = std::fs::read_to_string(&file).unwrap();
    let damaged = dir.path().join("damaged.jsonl");
    std::fs::write(&damaged, text.replace("\"value\":17599", "\"value\":1")).unwrap();
    let out = run(&damaged);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("checksum mismatch"), "{err}");
    assert_eq!(all_rows(&db), before);
}

type Signalled = (
    PathBuf,
    Vec<StoredRow>,
    PathBuf,
    std::process::ExitStatus,
    String,
);

fn import_signalled_halfway(signal: i32, extra: &[&str]) -> Signalled {
    // 2026.9.6: no plugin cap stops 200,000 rows; in WAL mode, as the runtime runs it.
    let (dir, db) = empty_shared();
    let mode: String = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    insert(&db, &[("p", "ns.a", "existing", "0", T, None)]);
    let entries: Vec<String> = (0..200_000)
        .map(|i| format!(r#"{{"plugin_id":"p","namespace":"ns.b","key":"k{i:06}","value":{{"i":{i},"pad":"{}"}},"created_at":{T},"expires_at":null}}"#, "x".repeat(200)))
        .collect();
    let file = dir.path().join("big.jsonl");
    std::fs::write(&file, build(HEADER, &entries)).unwrap();
    let before = all_rows(&db);
    let mut child = statectl_process()
        .arg("--db")
        .arg(&db)
        .args(["--now", &T.to_string(), "import"])
        .arg(&file)
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Signal once the write transaction is visibly under way: the WAL is growing.
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let start = std::time::Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 4 * 1024 * 1024 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "import never started writing"
        );
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("import finished before the signal ({status}): {err}");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let out = child.wait_with_output().unwrap();
    let c = Connection::open(&db).unwrap();
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(c);
    // The temporary directory stays: the caller looks at the database afterwards.
    std::mem::forget(dir);
    (
        db,
        before,
        file,
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An `--atomic` import that is refused (too long without `--force`) does nothing: it
/// neither asks about nor saves the rows it would replace, so `--backup FILE` is still
/// free for the re-run with `--force`.
#[test]
fn a_refused_atomic_import_saves_no_backup() {
    let (dir, db) = empty_shared();
    let file = numbered_export(dir.path(), 17_600);
    import(&db, &file, &[]).success();
    let saved = dir.path().join("replaced.jsonl");
    let saved_arg = saved.to_str().unwrap();
    let args = [
        "--atomic",
        "--on-conflict",
        "replace",
        "--backup",
        saved_arg,
        "-y",
    ];
    import(&db, &file, &args)
        .code(4)
        .stderr(predicates::str::contains("nothing was imported"));
    assert!(!saved.exists(), "a refused import leaves no backup");
    let forced = [&args[..], &["--force"]].concat();
    import(&db, &file, &forced).success();
    assert!(saved.exists(), "the re-run with --force saves it");
}

/// `--backup FILE` never overwrites a file, and says so: the `--force` of prune, expire
/// and import means something else and would not help.
#[test]
fn an_existing_backup_file_is_refused_with_advice_that_works() {
    let (dir, db) = fixture_copy("shared-2026.9.6.sqlite");
    let taken = dir.path().join("taken.jsonl");
    std::fs::write(&taken, "mine\n").unwrap();
    let export_file = dir.path().join("all.jsonl");
    export(&db, &export_file, &[]);
    let runs: [Vec<&str>; 3] = [
        vec![
            "prune",
            "community-x/unicode.keys",
            "--all",
            "-y",
            "--backup",
        ],
        vec![
            "expire",
            "community-x/unicode.keys",
            "--all",
            "-y",
            "--backup",
        ],
        vec![
            "import",
            export_file.to_str().unwrap(),
            "--on-conflict",
            "replace",
            "-y",
            "--backup",
        ],
    ];
    for args in runs {
        let out = statectl_at(&db, T)
            .args(&args)
            .arg(&taken)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert!(
            err.contains("--backup never overwrites") && !err.contains("--force"),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read_to_string(&taken).unwrap(), "mine\n");
    }
}

/// `--dry-run` says when the real import would run in batches (and changes nothing).
#[test]
fn a_dry_run_says_when_the_import_would_run_in_batches() {
    for (n, says) in [
        (17_500, None),
        (17_600, Some("would import 17,600 rows in batches")),
    ] {
        let (dir, db) = empty_shared();
        let file = numbered_export(dir.path(), n);
        let out = statectl_at(&db, T)
            .args(["import", "--dry-run"])
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert_eq!(
            says.is_some(),
            err.contains("in batches"),
            "{n} rows: {err}"
        );
        assert!(says.is_none_or(|s| err.contains(s)), "{n} rows: {err}");
        assert!(all_rows(&db).is_empty());
    }
}
