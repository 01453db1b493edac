//! `statectl check`: databases built in each unhealthy state (directly with SQL; the
//! interop harness covers the states the runtime itself produces), asserting the exit
//! code, the JSON status of the named check, and the first line.

mod common;
use common::*;
use rusqlite::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const NOW: i64 = 1_795_707_055_987;

/// A healthy legacy database in a private directory, as the runtime lays it out.
fn healthy() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = legacy_db();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    insert(
        &db,
        &[
            (
                "discord",
                "discord.modals",
                "mdl_a",
                r#"{"version":1,"entry":{"id":"mdl_a","title":"Deploy","fields":[]}}"#,
                NOW - 1_000,
                Some(NOW + 60_000),
            ),
            (
                "slack",
                "slack.thread-participation",
                "default:C1:1761234567.123456",
                r#"{"agentId":"main","repliedAt":1761234570123}"#,
                NOW - 1_000,
                None,
            ),
        ],
    );
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    (dir, db)
}

fn bulk(db: &Path, plugin: &str, ns: &str, n: usize, expires_at: Option<i64>) {
    let c = Connection::open(db).unwrap();
    c.execute_batch("BEGIN").unwrap();
    for i in 0..n {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, '{}', ?4, ?5)",
            rusqlite::params![plugin, ns, format!("bulk{i}"), NOW - 10_000, expires_at],
        )
        .unwrap();
    }
    c.execute_batch("COMMIT").unwrap();
}

struct Outcome {
    code: i32,
    json: serde_json::Value,
    first_line: String,
}

fn check(db: &Path, extra: &[&str]) -> Outcome {
    let run = |format: &[&str]| {
        statectl_at(db, NOW)
            .args(["check"])
            .args(format)
            .args(extra)
            .output()
            .unwrap()
    };
    let json_out = run(&["-o", "json"]);
    let text_out = run(&[]);
    assert_eq!(json_out.status.code(), text_out.status.code());
    Outcome {
        code: json_out.status.code().unwrap(),
        json: stdout_json(&json_out),
        first_line: String::from_utf8(text_out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    }
}

fn status_of<'a>(o: &'a Outcome, name: &str) -> &'a str {
    o.json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}"))["status"]
        .as_str()
        .unwrap()
}

#[test]
fn a_healthy_database_is_ok() {
    let (_d, db) = healthy();
    let o = check(&db, &[]);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(o.json["status"], "ok");
    assert!(
        o.first_line.starts_with("STATECTL OK - "),
        "{}",
        o.first_line
    );
    assert!(
        o.first_line.contains("| rows=2 live=2 expired=0"),
        "{}",
        o.first_line
    );
}

#[test]
fn a_plugin_at_its_cap_is_critical_and_near_it_a_warning() {
    let (_d, db) = healthy();
    // The rows were written 10 s ago: a forecast over the last second sees no growth,
    // so only plugin_cap's thresholds decide (the forecast has its own tests).
    let steady = ["--window", "1s"];
    bulk(&db, "telegram", "telegram.sticker-cache", 800, None);
    let o = check(&db, &steady);
    assert_eq!((o.code, status_of(&o, "plugin_cap")), (1, "warning"));
    bulk(&db, "telegram", "telegram.sent-messages", 200, None);
    let o = check(&db, &steady);
    assert_eq!((o.code, status_of(&o, "plugin_cap")), (2, "critical"));
    assert!(
        o.first_line
            .starts_with("STATECTL CRITICAL - plugin telegram at 1,000/1,000 live rows"),
        "{}",
        o.first_line
    );
    assert!(
        o.first_line.contains("live_telegram=1000;800;1000"),
        "{}",
        o.first_line
    );
}

#[test]
fn corrupt_values_are_critical_and_named() {
    let (_d, db) = healthy();
    insert(
        &db,
        &[(
            "discord",
            "discord.components",
            "btn_bad",
            "{oops",
            NOW,
            None,
        )],
    );
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "corrupt_values")), (2, "critical"));
    assert!(
        o.first_line
            .contains("discord/discord.components \"btn_bad\""),
        "{}",
        o.first_line
    );
}

#[test]
fn a_damaged_file_fails_the_integrity_check() {
    let (_d, db) = healthy();
    bulk(&db, "p", "n", 3000, None);
    Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        .unwrap();
    let len = std::fs::metadata(&db).unwrap().len();
    let mut bytes = std::fs::read(&db).unwrap();
    let page = (len - 4096) as usize;
    bytes[page + 8..page + 208].fill(0xff);
    std::fs::write(&db, bytes).unwrap();
    let o = check(&db, &[]);
    assert_eq!(
        (o.code, status_of(&o, "integrity")),
        (2, "critical"),
        "{}",
        o.json
    );
}

#[test]
fn a_namespace_above_its_max_entries_warns() {
    let (_d, db) = healthy();
    bulk(
        &db,
        "discord",
        "discord.components",
        501,
        Some(NOW + 60_000),
    );
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "namespace_cap")), (1, "warning"));
    assert!(
        o.first_line.contains("discord/discord.components 501/500"),
        "{}",
        o.first_line
    );
}

#[test]
fn an_expired_backlog_warns_and_now_looks_ahead() {
    let (_d, db) = healthy();
    bulk(&db, "imap", "dispatch-claim", 300, Some(NOW + 3_600_000));
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "expired_backlog")), (0, "ok"));
    // In two hours those rows have expired and nothing swept them.
    let o = check(&db, &["--now", &(NOW + 7_200_000).to_string()]);
    assert_eq!(
        (o.code, status_of(&o, "expired_backlog")),
        (1, "warning"),
        "{}",
        o.json
    );
    let o = check(
        &db,
        &[
            "--now",
            &(NOW + 7_200_000).to_string(),
            "--expired-warn-share",
            "100",
            "--expired-warn",
            "1000",
        ],
    );
    assert_eq!(
        status_of(&o, "expired_backlog"),
        "ok",
        "thresholds are flags"
    );
}

#[test]
fn rows_without_ttl_in_ttl_namespaces_warn() {
    let (_d, db) = healthy();
    insert(
        &db,
        &[("discord", "discord.modals", "mdl_forever", "{}", NOW, None)],
    );
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "missing_ttl")), (1, "warning"));
    assert!(
        o.first_line
            .contains("discord/discord.modals 1 row (TTL 30m)"),
        "{}",
        o.first_line
    );
}

#[test]
fn impossible_timestamps_warn() {
    let (_d, db) = healthy();
    insert(&db, &[("p", "n", "backwards", "{}", NOW, Some(NOW - 1))]);
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "timestamps")), (1, "warning"));
    let (_d2, db2) = healthy();
    insert(&db2, &[("p", "n", "future", "{}", NOW + 3_600_000, None)]);
    assert_eq!(status_of(&check(&db2, &[]), "timestamps"), "warning");
    assert_eq!(
        status_of(&check(&db2, &["--skew", "2h"]), "timestamps"),
        "ok"
    );
}

#[test]
fn loose_permissions_warn() {
    let (_d, db) = healthy();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "permissions")), (1, "warning"));
    assert!(
        o.first_line.contains("is 644 (want 600)"),
        "{}",
        o.first_line
    );
}

#[test]
fn size_thresholds_warn() {
    let (_d, db) = healthy();
    let o = check(&db, &["--db-warn-mib", "0"]);
    assert_eq!((o.code, status_of(&o, "db_size")), (1, "warning"));
    assert_eq!(status_of(&check(&db, &[]), "db_size"), "ok");
}

#[test]
fn a_legacy_file_beside_the_shared_database_warns() {
    let state = state_dir_with_legacy_leftover();
    let o = check(&state.path().join("state/openclaw.sqlite"), &[]);
    assert_eq!(status_of(&o, "legacy_file"), "warning");
}

#[test]
fn a_newer_schema_warns() {
    let (_d, db) = healthy();
    Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA user_version = 9")
        .unwrap();
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "open")), (1, "warning"));
}

/// Issue 13, defect 11: a `schema_meta` that 2026.9.6 refuses (hand-made: the runtime
/// never writes one) is CRITICAL, naming both numbers: the gateway will not start.
#[test]
fn a_schema_meta_the_runtime_refuses_is_critical() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    Connection::open(&db)
        .unwrap()
        .execute_batch("UPDATE schema_meta SET schema_version = 17 WHERE meta_key = 'primary'")
        .unwrap();
    let o = check(&db, &[]);
    assert_eq!((o.code, status_of(&o, "open")), (2, "critical"));
    assert!(
        o.first_line.contains("schema_version 17") && o.first_line.contains("user_version 18"),
        "{}",
        o.first_line
    );
}

#[test]
fn an_unreadable_database_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let o = check(&dir.path().join("missing.sqlite"), &[]);
    assert_eq!((o.code, o.json["status"].as_str()), (3, Some("unknown")));
    assert!(
        o.first_line.starts_with("STATECTL UNKNOWN - "),
        "{}",
        o.first_line
    );
    let text = dir.path().join("text.sqlite");
    std::fs::write(&text, "not sqlite").unwrap();
    assert_eq!(check(&text, &[]).code, 3);
}

#[test]
fn check_never_writes() {
    let (_d, db) = healthy();
    Connection::open(&db)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    check(&db, &["--full"]);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// Runs `statectl [global...] check [args...]` on a healthy database, for an error of
/// `check` itself: it must be 3 UNKNOWN (never 2, which a monitor reads as CRITICAL),
/// with the UNKNOWN line first on stdout and the reason on stderr.
#[test]
fn stale_names_namespaces_without_a_recent_write() {
    // Both rows of healthy() were written a second before NOW.
    let (_dir, db) = healthy();
    let o = check(
        &db,
        &[
            "--stale",
            "discord.modals=1m,slack/slack.thread-participation=1m",
        ],
    );
    assert_eq!(status_of(&o, "stale"), "ok");
    assert_eq!(o.code, 0);
    // The same rows, looked at an hour later: both stopped receiving writes.
    let later = statectl_at(&db, NOW + 3_600_000)
        .args(["check", "-o", "json", "--only", "stale"])
        .args(["--stale", "discord.modals=1m,slack.thread-participation=2h"])
        .output()
        .unwrap();
    let json = stdout_json(&later);
    let c = &json["checks"][0];
    assert_eq!(c["status"], "warning", "{json}");
    let msg = c["message"].as_str().unwrap();
    assert!(
        msg.contains("discord.modals") && !msg.contains("slack"),
        "{msg}"
    );
    assert_eq!(later.status.code(), Some(1));
    // A namespace without rows cannot be judged; without --stale there is no such check.
    let o = check(&db, &["--stale", "matrix.approval-reactions=1h"]);
    assert_eq!(status_of(&o, "stale"), "unknown");
    let o = check(&db, &[]);
    assert!(
        o.json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "stale")
    );
}

#[test]
fn a_stale_argument_without_a_duration_is_unknown_with_the_fix() {
    let (_dir, db) = healthy();
    let out = statectl_at(&db, NOW)
        .args(["check", "--stale", "discord.modals"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NAMESPACE=DUR"));
}

fn check_error(global: &[&str], args: &[&str], says: &str) {
    let (_d, db) = healthy();
    let mut cmd = statectl();
    cmd.arg("--db").arg(&db);
    if !global.contains(&"--now") {
        cmd.args(["--now", &NOW.to_string()]);
    }
    let out = cmd.args(global).arg("check").args(args).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(3), "{args:?}: {stdout} {stderr}");
    assert!(
        stdout.starts_with("STATECTL UNKNOWN - "),
        "{args:?}: {stdout}"
    );
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

#[test]
fn an_unknown_flag_of_check_is_unknown_not_critical() {
    check_error(&[], &["--bogus"], "unexpected argument '--bogus'");
    check_error(&[], &["extra"], "unexpected argument 'extra'");
}

#[test]
fn a_flag_value_clap_refuses_is_unknown() {
    check_error(&[], &["--plugin-warn", "abc"], "invalid value 'abc'");
    check_error(&[], &["--skew"], "a value is required");
}

#[test]
fn a_value_check_itself_refuses_is_unknown() {
    check_error(&[], &["--skew", "bogus"], "invalid duration 'bogus'");
}

#[test]
fn a_bad_global_option_of_check_is_unknown() {
    check_error(&["--now", "yesterday"], &[], "invalid time 'yesterday'");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namespaces.toml");
    std::fs::write(&file, "not toml [").unwrap();
    check_error(
        &["--namespaces-file", file.to_str().unwrap()],
        &[],
        "namespaces file",
    );
}

#[test]
fn a_check_error_under_json_is_a_json_error_with_exit_3() {
    let (_d, db) = healthy();
    let out = statectl_at(&db, NOW)
        .args(["-o", "json", "check", "--skew", "bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "invalid_duration");
    assert_eq!(err["error"]["exit"], 3);
}

/// Perfdata are numbers (so `jq '.perfdata.live > 500'` means something), with units
/// and thresholds in perfdata_meta; --only/--skip choose checks, an unknown name is
/// UNKNOWN (exit 3).
#[test]
fn perfdata_are_numbers_and_checks_can_be_chosen() {
    let (_d, db) = healthy();
    let out = statectl_at(&db, NOW)
        .args(["check", "-o", "json"])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert!(v["perfdata"]["live"].is_u64(), "{v}");
    assert!(v["perfdata"]["db_bytes"].is_u64(), "{v}");
    assert_eq!(v["perfdata_meta"]["db_bytes"]["unit"], "B");
    assert_eq!(v["perfdata_meta"]["db_bytes"]["warn"], 256 * 1024 * 1024);
    assert_eq!(v["perfdata_meta"]["live"]["unit"], "");
    let out = statectl_at(&db, NOW)
        .args(["check", "-o", "json", "--only", "open,db_size"])
        .output()
        .unwrap();
    let names: Vec<String> = stdout_json(&out)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["open", "db_size"]);
    let out = statectl_at(&db, NOW)
        .args(["check", "--skip", "legacy_file,permissions"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("legacy_file") && !text.contains("permissions") && text.contains("db_size")
    );
    assert!(text.lines().next().unwrap().contains("db_bytes="), "{text}");
    let open = text.lines().find(|l| l.contains(" open ")).unwrap();
    assert_eq!(
        open.matches("layout").count(),
        1,
        "the layout is said once: {open}"
    );
    statectl_at(&db, NOW)
        .args(["check", "--only", "db_sise"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("did you mean 'db_size'?"));
}

/// One row is "1 row"; the status word is coloured on a terminal only, and not under
/// NO_COLOR.
#[test]
fn one_row_reads_as_one_row_and_status_is_coloured_only_on_a_terminal() {
    let (_d, db) = healthy();
    insert(
        &db,
        &[
            (
                "discord",
                "discord.modals",
                "old",
                "{}",
                NOW - 9_000,
                Some(NOW - 1),
            ),
            (
                "discord",
                "discord.modals",
                "bad",
                "{not json",
                NOW - 9_000,
                None,
            ),
        ],
    );
    let out = run_at(&db, NOW, &["check"]);
    assert_eq!(out.status.code(), Some(2), "a corrupt value is CRITICAL");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("1 rows"), "{text}");
    let backlog = text
        .lines()
        .find(|l| l.contains("expired_backlog"))
        .unwrap();
    assert!(backlog.contains("1 expired row "), "{backlog}");
    assert!(!text.contains('\x1b'), "no colour in a pipe: {text:?}");

    let (styled, code) = on_terminal_at_styled(200, &db, NOW, &["check"], &[]);
    assert_eq!(code, 2, "{styled}");
    assert!(styled.contains("\x1b[31mCRITICAL"), "{styled:?}");
    assert!(styled.contains("\x1b[32mOK"), "{styled:?}");
    let (plain, code) = on_terminal_at_styled(200, &db, NOW, &["check"], &[("NO_COLOR", "1")]);
    assert_eq!(code, 2);
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
    assert!(plain.contains("CRITICAL"));
}

/// Every message of the text report starts at one column, however long a check's name
/// (`namespace_integrity` is longer than the others).
#[test]
fn the_text_report_aligns_every_message() {
    let (_d, db) = healthy();
    let out = statectl_at(&db, NOW).arg("check").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let starts: Vec<(usize, &str)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let after_name = l[9..].find(' ').unwrap() + 9;
            (
                after_name + l[after_name..].len() - l[after_name..].trim_start().len(),
                l,
            )
        })
        .collect();
    assert!(
        starts
            .iter()
            .any(|(_, l)| l.contains(" namespace_integrity ")),
        "{text}"
    );
    assert!(starts.windows(2).all(|w| w[0].0 == w[1].0), "{text}");
}
