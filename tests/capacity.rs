//! Capacity on databases the real runtime filled to its plugin cap
//! (tests/interop/capacity.mjs wrote the fixtures and recorded what the runtime did
//! next), and the checks `check` gained from it: forecast, value_size, cap_deadlock,
//! listing_index.

mod common;

use common::*;
use rusqlite::Connection;
use serde_json::Value;
use std::path::Path;

fn expected(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn json_at(db: &Path, now: i64, args: &[&str]) -> (Option<i32>, Value) {
    let out = statectl_at(db, now)
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    (out.status.code(), stdout_json(&out))
}

fn check_named<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {doc}"))
}

/// 2026.5.6 refused the 1,001st live row and every write after it: top and check say
/// so, and name the namespace whose prune let the runtime write again.
#[test]
fn the_legacy_runtime_at_its_cap_fails_writes_as_top_says() {
    let want = expected("cap-2026.5.6.capacity.json");
    let now = want["now"].as_i64().unwrap();
    let (_d, db) = fixture_copy("cap-2026.5.6.sqlite");
    // What the runtime did: refused the next write in every namespace, wrote after the prune.
    for k in ["growing", "other", "fresh"] {
        assert_eq!(want["next_writes"][k], "PLUGIN_STATE_LIMIT_EXCEEDED", "{k}");
    }
    assert_eq!(want["after_prune"], "ok");

    let (code, top) = json_at(&db, now, &["top"]);
    assert_eq!(code, Some(0));
    let tg = top["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plugin_id"] == "telegram")
        .unwrap();
    assert_eq!(tg["live"], want["live"]);
    assert_eq!(tg["caps"][0]["cap"], 1000);
    assert_eq!(tg["caps"][0]["full"], "full");
    assert_eq!(
        tg["caps"][0]["at_cap"], "write-fails",
        "the runtime's next writes failed"
    );
    assert_eq!(tg["caps"][1]["versions"], "2026.5.28");
    // The 10 rows written in the last day, against 2026.5.28's 49,000 of headroom.
    assert_eq!(tg["caps"][1]["full_in_ms"], 49_000 * 86_400_000i64 / 10);
    let dl = &top["deadlocks"][0];
    assert_eq!(dl["plugin_id"], "telegram");
    assert_eq!(
        dl["growing"],
        serde_json::json!(["telegram.thread-bindings"])
    );
    assert_eq!(dl["prune_namespace"], "telegram.sticker-cache");

    let (code, check) = json_at(&db, now, &["check"]);
    assert_eq!(code, Some(2));
    assert_eq!(check_named(&check, "plugin_cap")["status"], "critical");
    let d = check_named(&check, "cap_deadlock");
    assert_eq!(d["status"], "critical");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("prune telegram/telegram.sticker-cache"),
        "{d}"
    );
    assert_eq!(check_named(&check, "listing_index")["status"], "ok");
}

/// The committed 2026.8.1 file holds the runtime's own rows; the 49,989 rows seeded
/// with SQL before the runtime wrote across the cap are seeded again from the recipe.
#[test]
fn the_2026_8_runtime_at_its_cap_evicts_in_the_namespace_written_as_top_says() {
    let want = expected("cap-2026.8.1.capacity.json");
    let now = want["now"].as_i64().unwrap();
    let (_d, db) = fixture_copy("cap-2026.8.1.sqlite");
    let seed = &want["seed"];
    {
        let mut c = Connection::open(&db).unwrap();
        let tx = c.transaction().unwrap();
        {
            let mut ins = tx
                .prepare("INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, ?4, ?5, NULL)")
                .unwrap();
            let (key, value) = (
                seed["key"].as_str().unwrap(),
                seed["value"].as_str().unwrap(),
            );
            let (first, step) = (
                seed["first_created_at"].as_i64().unwrap(),
                seed["step_ms"].as_i64().unwrap(),
            );
            for i in 0..seed["count"].as_i64().unwrap() {
                let n = i.to_string();
                ins.execute(rusqlite::params![
                    seed["plugin"].as_str().unwrap(),
                    seed["namespace"].as_str().unwrap(),
                    key.replace("{i}", &n),
                    value.replace("{i}", &n),
                    first + i * step
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    // What the runtime did at the cap: the growing namespace kept 10 rows, losing its
    // oldest one per new key; the new namespace was refused, before and after.
    assert_eq!(want["growing_after_cap"]["rows"], 10);
    assert_eq!(want["next_writes"]["growing"], "ok");
    assert_eq!(
        want["next_writes"]["growing_evicted"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(want["new_namespace_write"], "PLUGIN_STATE_LIMIT_EXCEEDED");
    assert_eq!(want["next_writes"]["fresh"], "PLUGIN_STATE_LIMIT_EXCEEDED");
    assert_eq!(want["after_prune"], "ok");

    let (_, top) = json_at(&db, now, &["top"]);
    let mc = &top["plugins"][0];
    assert_eq!(mc["plugin_id"], "memory-core", "the full plugin first");
    assert_eq!(mc["live"], 50_000);
    assert_eq!(mc["caps"][0]["full"], "full");
    assert_eq!(mc["caps"][0]["at_cap"], "evict-written-namespace");
    let dl = &top["deadlocks"][0];
    assert_eq!(dl["growing"][0], "dreaming-sessions");
    assert_eq!(dl["prune_namespace"], "short-term-recall");
    let msg = dl["message"].as_str().unwrap();
    assert!(
        msg.contains("loses its own oldest rows")
            && msg.contains("new namespace cannot be written"),
        "{msg}"
    );

    let (code, check) = json_at(&db, now, &["check"]);
    assert_eq!(code, Some(2));
    let d = check_named(&check, "cap_deadlock");
    assert_eq!(d["status"], "critical");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("prune memory-core/short-term-recall"),
        "{d}"
    );
    let l = check_named(&check, "listing_index");
    assert_eq!(l["status"], "ok");
    assert!(l["message"].as_str().unwrap().contains("4-column"), "{l}");
}

const NOW: i64 = 1_795_707_055_987;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn rows(db: &Path, plugin: &str, ns: &str, n: usize, created: impl Fn(usize) -> i64) {
    let c = Connection::open(db).unwrap();
    let mut ins = c
        .prepare("INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, '{}', ?4, NULL)")
        .unwrap();
    for i in 0..n {
        ins.execute(rusqlite::params![plugin, ns, format!("k{i}"), created(i)])
            .unwrap();
    }
}

/// browser.session-tabs (reject-new, 5,000): 4,000 live, 500 written in the last day:
/// full in 2 days. WARNING within the default 7 d, CRITICAL with --full-crit 3d, OK
/// with --full-warn 1d. Under 2026.5.6's plugin cap the plugin fills sooner.
#[test]
fn check_forecast_warns_before_a_reject_new_namespace_fills() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM plugin_state_entries", [])
        .unwrap();
    rows(&db, "browser", "browser.session-tabs", 3_500, |i| {
        NOW - 10 * DAY + i as i64
    });
    let c = Connection::open(&db).unwrap();
    for i in 0..500 {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('browser', 'browser.session-tabs', ?1, '{}', ?2, NULL)",
            rusqlite::params![format!("new{i}"), NOW - i * 60_000],
        )
        .unwrap();
    }
    drop(c);
    let (code, doc) = json_at(&db, NOW, &["check"]);
    let f = check_named(&doc, "forecast");
    assert_eq!(f["status"], "warning", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("browser/browser.session-tabs (4,000/5,000 live rows) full in 2d"),
        "{f}"
    );
    assert_eq!(code, Some(1));
    let (_, doc) = json_at(&db, NOW, &["check", "--full-crit", "3d"]);
    assert_eq!(check_named(&doc, "forecast")["status"], "critical");
    let (_, doc) = json_at(&db, NOW, &["check", "--full-warn", "1d"]);
    assert_eq!(check_named(&doc, "forecast")["status"], "ok");
    // The forecast follows the window: over 10 days all 4,000 are recent writes (400 a day).
    let (_, doc) = json_at(&db, NOW, &["check", "--window", "11d"]);
    assert!(
        check_named(&doc, "forecast")["message"]
            .as_str()
            .unwrap()
            .contains("full in 2d 18h"),
        "{doc}"
    );
    assert_eq!(
        check_named(&doc, "cap_deadlock")["status"],
        "ok",
        "no cap in 2026.9.6"
    );
}

#[test]
fn check_value_size_warns_above_the_share_of_the_value_cap() {
    let (_d, db) = legacy_db();
    let near = format!("\"{}\"", "x".repeat(60_000)); // 60,002 of 65,536 bytes: 91%
    let fine = format!("\"{}\"", "x".repeat(50_000)); // 76%
    insert(
        &db,
        &[
            ("p", "n", "near-cap", &near, NOW - 10, None),
            ("p", "n", "fine", &fine, NOW - 10, None),
            ("p", "n", "expired-near", &near, NOW - 10, Some(NOW)),
        ],
    );
    let (code, doc) = json_at(&db, NOW, &["check"]);
    let v = check_named(&doc, "value_size");
    assert_eq!(v["status"], "warning", "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.starts_with("1 live values above 90%")
            && msg.contains("near-cap")
            && !msg.contains("expired-near"),
        "{msg}"
    );
    assert_eq!(code, Some(1));
    let (_, doc) = json_at(&db, NOW, &["check", "--value-warn", "70"]);
    assert!(
        check_named(&doc, "value_size")["message"]
            .as_str()
            .unwrap()
            .starts_with("2 live values")
    );
    let (_, doc) = json_at(&db, NOW, &["check", "--value-warn", "95"]);
    assert_eq!(check_named(&doc, "value_size")["status"], "ok");
}

#[test]
fn check_listing_index_warns_when_the_shape_is_not_this_versions() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let (_, doc) = json_at(&db, NOW, &["check"]);
    assert_eq!(check_named(&doc, "listing_index")["status"], "ok");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DROP INDEX idx_plugin_state_listing;
             CREATE INDEX idx_plugin_state_listing ON plugin_state_entries(plugin_id, namespace, created_at, entry_key);",
        )
        .unwrap();
    let (_, doc) = json_at(&db, NOW, &["check"]);
    let l = check_named(&doc, "listing_index");
    assert_eq!(l["status"], "warning");
    assert!(
        l["message"].as_str().unwrap().contains("has 4 columns"),
        "{l}"
    );
    Connection::open(&db)
        .unwrap()
        .execute_batch("DROP INDEX idx_plugin_state_listing;")
        .unwrap();
    let (_, doc) = json_at(&db, NOW, &["check"]);
    assert!(
        check_named(&doc, "listing_index")["message"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
}
