//! Per-namespace integrity (issue 18, item 1): `check` and `ls` flag rows whose key
//! disagrees with their value where the writer ties them, and values without the
//! namespace's shape, on the rows the plugins' own code wrote
//! (tests/fixtures/decoded-2026.9.6.sqlite) and on tampered copies of them.

mod common;
use common::*;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::path::Path;

/// After every fixture row was written, before the Discord rows expire.
const NOW: i64 = 1796196700000;

fn check_integrity(db: &Path) -> (i32, serde_json::Value) {
    let out = run_at(
        db,
        NOW,
        &["check", "--only", "namespace_integrity", "-o", "json"],
    );
    let doc = stdout_json(&out);
    (out.status.code().unwrap(), doc["checks"][0].clone())
}

fn sql(db: &Path, stmt: &str) {
    Connection::open(db).unwrap().execute(stmt, []).unwrap();
}

fn ls_json(db: &Path, ns: &str) -> Vec<serde_json::Value> {
    let out = run_at(db, NOW, &["ls", ns, "-o", "json"]);
    assert!(out.status.success(), "{out:?}");
    stdout_json(&out).as_array().unwrap().clone()
}

#[test]
fn rows_the_plugins_wrote_are_consistent() {
    let (_d, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let (code, c) = check_integrity(&db);
    assert_eq!((code, c["status"].as_str()), (0, Some("ok")), "{c}");
    for ns in [
        "discord.components",
        "discord.modals",
        "telegram.thread-bindings",
    ] {
        for row in ls_json(&db, ns) {
            assert!(row.get("key_mismatch").is_none(), "{row}");
            assert!(row.get("decode_error").is_none(), "{row}");
        }
    }
}

#[test]
fn a_discord_key_that_is_not_the_entry_id_is_flagged_and_still_listed() {
    let (_d, db) = fixture_copy("decoded-2026.9.6.sqlite");
    sql(
        &db,
        "UPDATE plugin_state_entries SET entry_key = 'btn_moved' WHERE entry_key = 'btn_fixture1'",
    );
    let (code, c) = check_integrity(&db);
    assert_eq!(code, 1, "WARNING: {c}");
    let m = c["message"].as_str().unwrap();
    assert!(
        m.contains("discord/discord.components: 1 of 2 rows whose key disagrees with the value (btn_moved: the key is not entry.id (btn_fixture1))"),
        "{m}"
    );
    let rows = ls_json(&db, "discord.components");
    assert_eq!(rows.len(), 2, "the listing keeps every row");
    let moved = rows.iter().find(|r| r["key"] == "btn_moved").unwrap();
    assert_eq!(
        moved["key_mismatch"],
        "the key is not entry.id (btn_fixture1)"
    );
    let (table, code) = on_terminal_at(200, &db, NOW, &["ls", "discord.components"]);
    assert_eq!(code, 0);
    let line = table.lines().find(|l| l.starts_with("btn_moved")).unwrap();
    assert!(
        line.contains("KEY MISMATCH: the key is not entry.id"),
        "{table}"
    );
    let one = run_at(&db, NOW, &["inspect", "discord.components", "btn_moved"]);
    let text = String::from_utf8(one.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("integrity")
            && l.ends_with("KEY MISMATCH: the key is not entry.id (btn_fixture1)")),
        "{text}"
    );
    let one = run_at(
        &db,
        NOW,
        &["inspect", "discord.components", "btn_moved", "-o", "json"],
    );
    assert_eq!(
        stdout_json(&one)["key_mismatch"],
        "the key is not entry.id (btn_fixture1)"
    );
    let clean = run_at(
        &db,
        NOW,
        &[
            "inspect",
            "discord.components",
            "sel_fixture2",
            "-o",
            "json",
        ],
    );
    assert!(stdout_json(&clean).get("key_mismatch").is_none());
    let csv = run_at(
        &db,
        NOW,
        &["ls", "discord.components", "-o", "csv", "--decoded"],
    );
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(",decode_error,key_mismatch"),
        "{text}"
    );
    assert!(
        text.contains("the key is not entry.id (btn_fixture1)"),
        "{text}"
    );
}

fn binding_key(account: &str, conversation: &str) -> String {
    let d = Sha256::digest(format!("{account}\0{conversation}").as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_thread_binding_whose_key_is_another_accounts_hash_names_it() {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    // The writer's row, its value moved to another account: the key no longer follows.
    sql(
        &db,
        "UPDATE plugin_state_entries SET value_json = replace(value_json, '\"accountId\":\"default\"', '\"accountId\":\"ops\"') WHERE namespace = 'telegram.thread-bindings'",
    );
    let (code, c) = check_integrity(&db);
    assert_eq!(code, 1, "{c}");
    let m = c["message"].as_str().unwrap();
    assert!(
        m.contains("telegram/telegram.thread-bindings: 1 of 1 row whose key disagrees")
            && m.contains("the key is the hash of account default, the value says ops"),
        "{m}"
    );
    // A key hashed from an account only openclaw.json knows (as OpenClaw normalises it).
    let key = binding_key("sales-eu", "-1001234567890:42");
    sql(
        &db,
        &format!(
            "UPDATE plugin_state_entries SET entry_key = '{key}' WHERE namespace = 'telegram.thread-bindings'"
        ),
    );
    let cfg = dir.path().join("openclaw.json");
    std::fs::write(
        &cfg,
        "{\n  // accounts\n  channels: { telegram: { accounts: { 'Sales EU': { botToken: '${SALES_TOKEN}', }, }, }, },\n}\n",
    )
    .unwrap();
    let out = statectl_at(&db, NOW)
        .env("OPENCLAW_CONFIG_PATH", &cfg)
        .args(["ls", "telegram.thread-bindings", "-o", "json"])
        .output()
        .unwrap();
    let row = &stdout_json(&out)[0];
    assert_eq!(
        row["key_mismatch"],
        "the key is the hash of account sales-eu (from openclaw.json), the value says ops"
    );
    let out = run_at(&db, NOW, &["ls", "telegram.thread-bindings", "-o", "json"]);
    assert_eq!(
        stdout_json(&out)[0]["key_mismatch"],
        "the key is not sha256(\"ops\\0-1001234567890:42\")[:32]",
        "without openclaw.json nothing is claimed about the account"
    );
}

#[test]
fn values_without_the_namespace_shape_are_counted_with_samples() {
    let (_d, db) = fixture_copy("decoded-2026.9.6.sqlite");
    sql(
        &db,
        "UPDATE plugin_state_entries SET value_json = replace(value_json, '\"version\":1', '\"version\":2') WHERE namespace = 'discord.modals'",
    );
    sql(
        &db,
        "UPDATE plugin_state_entries SET value_json = '{\"entry\":{}}' WHERE entry_key = 'sel_fixture2'",
    );
    let (code, c) = check_integrity(&db);
    assert_eq!(code, 1, "{c}");
    let m = c["message"].as_str().unwrap();
    assert!(m.contains("discord/discord.modals: 1 of 1 row not of the namespace's shape (mdl_fixture3: value version is not 1)"), "{m}");
    assert!(
        m.contains("sel_fixture2: the value has no entry.id string"),
        "{m}"
    );
    let modal = &ls_json(&db, "discord.modals")[0];
    assert_eq!(modal["decode_error"], "value version is not 1");
}

#[test]
fn a_matrix_key_whose_room_is_not_the_targets_is_flagged() {
    let (_d, db) = fixture_copy("decoded-2026.9.6.sqlite");
    sql(
        &db,
        "UPDATE plugin_state_entries SET value_json = replace(value_json, '\"roomId\":\"!ops:example.org\"', '\"roomId\":\"!other:example.org\"') WHERE namespace = 'matrix.approval-reactions'",
    );
    let (code, c) = check_integrity(&db);
    assert_eq!(code, 1, "{c}");
    let m = c["message"].as_str().unwrap();
    assert!(
        m.contains(
            "matrix/matrix.approval-reactions: 1 of 3 rows whose key disagrees with the value"
        ) && m.contains(
            "the key's room (!ops:example.org) is not target.roomId (!other:example.org)"
        ),
        "{m}"
    );
    // The old grammar's rows carry no room in the value: nothing to compare, no finding.
    let rows = ls_json(&db, "matrix.approval-reactions");
    assert_eq!(
        rows.iter()
            .filter(|r| r.get("key_mismatch").is_some())
            .count(),
        1
    );
}
