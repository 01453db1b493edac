//! `statectl top`: capacity, forecasts on generated write histories with known answers,
//! cap deadlocks, largest values, space, and the terminal-only pictures.

mod common;

use common::*;
use rusqlite::Connection;
use serde_json::Value;
use std::path::Path;

const NOW: i64 = 1_795_707_055_987;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// Inserts `n` rows with created_at drawn at random from `created` (inclusive range) and
/// expires_at from `expires` (None: no TTL), keys `prefix-i`.
#[allow(clippy::too_many_arguments)]
fn history(
    c: &Connection,
    rng: &mut fastrand::Rng,
    plugin: &str,
    ns: &str,
    prefix: &str,
    n: usize,
    created: (i64, i64),
    expires: Option<(i64, i64)>,
) {
    let mut stmt = c
        .prepare("INSERT INTO plugin_state_entries VALUES (?1, ?2, ?3, '{\"v\":1}', ?4, ?5)")
        .unwrap();
    for i in 0..n {
        let at = rng.i64(created.0..=created.1);
        let exp = expires.map(|(lo, hi)| rng.i64(lo..=hi));
        stmt.execute(rusqlite::params![
            plugin,
            ns,
            format!("{prefix}-{i}"),
            at,
            exp
        ])
        .unwrap();
    }
}

fn top_json(db: &Path, args: &[&str]) -> Value {
    let out = statectl_at(db, NOW)
        .args(["top", "-o", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(&out)
}

fn namespace<'a>(doc: &'a Value, plugin: &str, ns: &str) -> &'a Value {
    doc["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["plugin_id"] == plugin && n["namespace"] == ns)
        .unwrap_or_else(|| panic!("no {plugin}/{ns} in {doc}"))
}

fn plugin<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plugin_id"] == id)
        .unwrap_or_else(|| panic!("no plugin {id} in {doc}"))
}

/// A generated history whose counts are known by construction, whatever the random
/// times inside each range: the forecast must give exactly the defined answer.
#[test]
fn the_forecast_follows_its_definition_on_generated_histories() {
    for seed in [1, 2, 3] {
        let (_d, db) = legacy_db();
        let c = Connection::open(&db).unwrap();
        let mut rng = fastrand::Rng::with_seed(seed);
        let (w_lo, w_hi) = (NOW - DAY + 1, NOW);
        // telegram.poll-registry: maxEntries 10,000, reject-new, no TTL.
        history(
            &c,
            &mut rng,
            "telegram",
            "telegram.poll-registry",
            "new",
            240,
            (w_lo, w_hi),
            None,
        );
        history(
            &c,
            &mut rng,
            "telegram",
            "telegram.poll-registry",
            "old",
            500,
            (NOW - 30 * DAY, NOW - DAY),
            None,
        );
        // discord.components: 100 written in the window, 60 of them expire in the next W,
        // 40 later; 30 written and already expired count as neither; 25 older rows expire
        // in the next W (expiries); boundaries: expires_at == NOW is expired, == NOW + W counts.
        history(
            &c,
            &mut rng,
            "discord",
            "discord.components",
            "live-soon",
            60,
            (w_lo, w_hi),
            Some((NOW + 1, NOW + DAY)),
        );
        history(
            &c,
            &mut rng,
            "discord",
            "discord.components",
            "live-late",
            40,
            (w_lo, w_hi),
            Some((NOW + DAY + 1, NOW + 9 * DAY)),
        );
        history(
            &c,
            &mut rng,
            "discord",
            "discord.components",
            "gone",
            30,
            (w_lo, w_hi),
            Some((NOW - DAY, NOW)),
        );
        history(
            &c,
            &mut rng,
            "discord",
            "discord.components",
            "older",
            25,
            (NOW - 9 * DAY, NOW - DAY),
            Some((NOW + 1, NOW + DAY)),
        );
        drop(c);

        let doc = top_json(&db, &[]);
        let polls = namespace(&doc, "telegram", "telegram.poll-registry");
        assert_eq!(polls["live"], 740);
        assert_eq!(polls["writes_window"], 240);
        assert_eq!(polls["expiring_window"], 0);
        assert_eq!(polls["net_window"], 240);
        // 9,260 rows of headroom at 240 a day.
        assert_eq!(polls["full_in_ms"], 9_260 * DAY / 240);
        // ... but 2026.5.6's plugin cap of 1,000 comes first: 260 rows at 240 a day.
        assert_eq!(polls["first_full_by"], "plugin");
        assert_eq!(polls["first_full_in_ms"], 260 * DAY / 240);
        let tg = plugin(&doc, "telegram");
        assert_eq!(tg["caps"][0]["cap"], 1_000);
        assert_eq!(tg["caps"][0]["full_in_ms"], 260 * DAY / 240);
        assert_eq!(tg["caps"][1]["cap"], 50_000);
        assert_eq!(tg["caps"][1]["full_in_ms"], 49_260 * DAY / 240);

        let comps = namespace(&doc, "discord", "discord.components");
        assert_eq!(comps["live"], 125);
        assert_eq!(comps["expired"], 30);
        assert_eq!(comps["writes_window"], 100);
        assert_eq!(comps["writes_24h"], 100);
        assert_eq!(comps["expiring_window"], 85);
        assert_eq!(comps["net_window"], 15);
        // maxEntries 500: 375 of headroom at 15 a day.
        assert_eq!(comps["full_in_ms"], 375 * DAY / 15);
        let dc = plugin(&doc, "discord");
        assert_eq!(dc["caps"][0]["full_in_ms"], 875 * DAY / 15);

        // A longer window: the old rows are writes too, and the late expiries count.
        let week = top_json(&db, &["--window", "10d"]);
        let comps = namespace(&week, "discord", "discord.components");
        assert_eq!(comps["writes_window"], 125);
        assert_eq!(comps["expiring_window"], 125);
        assert_eq!(comps["full"], "not_filling");
        assert_eq!(comps["full_in_ms"], Value::Null);
    }
}

#[test]
fn the_boundaries_of_the_window_are_exact() {
    let (_d, db) = legacy_db();
    insert(
        &db,
        &[
            ("p", "n", "at-now", "1", NOW, None),
            ("p", "n", "at-window-start", "1", NOW - DAY, None),
            ("p", "n", "just-inside", "1", NOW - DAY + 1, None),
            ("p", "n", "in-future", "1", NOW + 1, None),
            ("p", "n", "exp-at-now", "1", NOW - 5, Some(NOW)),
            (
                "p",
                "n",
                "exp-at-window-end",
                "1",
                NOW - 2 * DAY,
                Some(NOW + DAY),
            ),
            (
                "p",
                "n",
                "exp-after-window",
                "1",
                NOW - 2 * DAY,
                Some(NOW + DAY + 1),
            ),
            (
                "p",
                "n",
                "exp-in-hour",
                "1",
                NOW - 2 * DAY,
                Some(NOW + HOUR),
            ),
        ],
    );
    let n = namespace(&top_json(&db, &[]), "p", "n").clone();
    assert_eq!(n["live"], 7);
    assert_eq!(n["writes_window"], 2, "at-now and just-inside: {n}");
    assert_eq!(n["writes_1h"], 1);
    assert_eq!(
        n["expiring_window"], 2,
        "at the window's end and within the hour"
    );
    assert_eq!(n["expiring_1h"], 1);
    assert_eq!(n["expiring_7d"], 3);
    assert_eq!(n["bytes"], (6 + 15 + 11 + 9 + 17 + 16 + 11) + 7);
}

/// A legacy plugin at 1,000 live rows with a growing namespace: under 2026.5.6 every
/// write fails (deadlock, prune the big namespace); under 2026.5.28 it is at 2%.
#[test]
fn a_full_legacy_plugin_shows_both_versions_and_the_namespace_to_prune() {
    let (_d, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    history(
        &c,
        &mut rng,
        "telegram",
        "telegram.sticker-cache",
        "s",
        990,
        (NOW - 60 * DAY, NOW - 30 * DAY),
        None,
    );
    history(
        &c,
        &mut rng,
        "telegram",
        "telegram.thread-bindings",
        "b",
        10,
        (NOW - HOUR, NOW),
        None,
    );
    drop(c);
    let doc = top_json(&db, &[]);
    let tg = plugin(&doc, "telegram");
    assert_eq!(tg["caps"][0]["full"], "full");
    assert_eq!(tg["caps"][0]["at_cap"], "write-fails");
    assert_eq!(tg["caps"][1]["fill_pct"], 2);
    let deadlocks = doc["deadlocks"].as_array().unwrap();
    assert_eq!(deadlocks.len(), 1, "{deadlocks:?}");
    assert_eq!(deadlocks[0]["versions"], "2026.5.6");
    assert_eq!(deadlocks[0]["growing"][0], "telegram.thread-bindings");
    assert_eq!(deadlocks[0]["prune_namespace"], "telegram.sticker-cache");

    let out = statectl_at(&db, NOW).arg("top").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("DEADLOCK cap deadlock: plugin telegram at 1,000/1,000"),
        "{text}"
    );
    assert!(
        text.contains("prune telegram/telegram.sticker-cache"),
        "{text}"
    );
    assert!(text.contains("every new write fails (2026.5.6)"), "{text}");
    assert!(text.contains("(2026.5.28)"), "{text}");
    // Most urgent first: the full plugin's namespaces before the others.
    assert!(
        text.contains("Blind spots: rows evicted or deleted"),
        "{text}"
    );
}

#[test]
fn namespaces_are_sorted_by_urgency_and_can_be_narrowed() {
    let (_d, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    let mut rng = fastrand::Rng::with_seed(9);
    history(
        &c,
        &mut rng,
        "slack",
        "slack.thread-participation",
        "a",
        10,
        (NOW - 9 * DAY, NOW - 8 * DAY),
        None,
    );
    // browser.session-tabs: at 2026.5.6's plugin cap of 1,000 already.
    history(
        &c,
        &mut rng,
        "browser",
        "browser.session-tabs",
        "t",
        900,
        (NOW - 9 * DAY, NOW - 2 * DAY),
        None,
    );
    history(
        &c,
        &mut rng,
        "browser",
        "browser.session-tabs",
        "n",
        100,
        (NOW - DAY + 1, NOW),
        None,
    );
    history(
        &c,
        &mut rng,
        "imap",
        "dispatch-claim",
        "d",
        20,
        (NOW - DAY + 1, NOW),
        None,
    );
    drop(c);
    let doc = top_json(&db, &[]);
    let order: Vec<&str> = doc["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["namespace"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "browser.session-tabs",
            "dispatch-claim",
            "slack.thread-participation"
        ]
    );

    let one = top_json(&db, &["browser/browser.session-tabs"]);
    assert_eq!(one["namespaces"].as_array().unwrap().len(), 1);
    assert_eq!(one["plugins"].as_array().unwrap().len(), 1);
    let by_plugin = top_json(&db, &["--plugin", "imap"]);
    assert_eq!(by_plugin["namespaces"][0]["namespace"], "dispatch-claim");
    assert_eq!(by_plugin["namespaces"].as_array().unwrap().len(), 1);

    // Not in the database and not a known namespace: exit 3, with what to do (the
    // same message as every command: a did-you-mean, else where to list them).
    let out = statectl_at(&db, NOW)
        .args(["top", "no.such-ns"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("list them with `statectl ls`"));
    let out = statectl_at(&db, NOW)
        .args(["top", "--window", "0s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = statectl_at(&db, NOW)
        .args(["top", "--window", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_format_carries_the_same_rows() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let now = 1_795_707_067_200i64;
    let json = {
        let out = statectl_at(&db, now)
            .args(["top", "-o", "json"])
            .output()
            .unwrap();
        stdout_json(&out)
    };
    let n = json["namespaces"].as_array().unwrap().len();
    assert!(n > 3);
    let out = statectl_at(&db, now)
        .args(["top", "-o", "jsonl"])
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.iter().filter(|l| l["kind"] == "namespace").count(), n);
    assert_eq!(
        lines.iter().filter(|l| l["kind"] == "plugin").count(),
        json["plugins"].as_array().unwrap().len()
    );
    let out = statectl_at(&db, now)
        .args(["top", "-o", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("plugin_id,namespace,live,"), "{csv}");
    assert_eq!(csv.lines().count(), n + 1);
    // No per-plugin cap in 2026.9.6.
    assert_eq!(json["plugins"][0]["caps"], serde_json::json!([]));
}

#[test]
fn values_lists_the_largest_and_each_namespaces_sizes() {
    let (_d, db) = legacy_db();
    let big = format!("\"{}\"", "x".repeat(60_000)); // 60,002 bytes: 91% of 64 KiB
    let mid = format!("\"{}\"", "é".repeat(1_000)); // 2,002 bytes
    insert(
        &db,
        &[
            ("p", "a", "big", &big, NOW - 10, None),
            ("p", "a", "mid", &mid, NOW - 10, None),
            ("p", "a", "small", "1", NOW - 10, None),
            ("p", "b", "expired-huge", &big, NOW - 10, Some(NOW)),
            ("q", "c", "tab\tkey", "[1,2]", NOW - 10, None),
        ],
    );
    let doc = top_json(&db, &["--values", "2"]);
    let largest = doc["largest"].as_array().unwrap();
    assert_eq!(largest.len(), 2);
    assert_eq!(largest[0]["key"], "big");
    assert_eq!(largest[0]["bytes"], 60_002);
    assert_eq!(largest[0]["cap_pct"], 91);
    assert_eq!(largest[1]["key"], "mid");
    assert_eq!(largest[1]["bytes"], 2_002);
    let a = doc["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["namespace"] == "a")
        .unwrap();
    assert_eq!(
        (a["count"].as_u64(), a["max"].as_u64()),
        (Some(3), Some(60_002))
    );
    let p50 = a["p50"].as_u64().unwrap();
    assert!(
        (2_002..=2_002 * 1035 / 1000).contains(&p50),
        "the median of 1, 2002, 60002 within 3.5%: {a}"
    );
    assert!(
        doc["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["namespace"] != "b"),
        "expired rows are not live values"
    );
    let out = statectl_at(&db, NOW)
        .args(["top", "--values", "5"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("tab\\tkey"),
        "keys are escaped in tables: {text}"
    );
}

#[test]
fn space_reports_every_table_and_index_and_the_listing_index_shape() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let doc = top_json(&db, &["--space"]);
    let names: Vec<&str> = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for want in [
        "plugin_state_entries",
        "idx_plugin_state_listing",
        "idx_plugin_state_expiry",
        "schema_meta",
        "sqlite_schema",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    assert!(
        names.len() > 50,
        "the other tables of the shared layout too"
    );
    let total: u64 = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["pages"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total + doc["free_pages"].as_u64().unwrap() + 1,
        doc["page_count"].as_u64().unwrap()
    );
    // 2026.9.6 uses incremental auto_vacuum: one pointer-map page for this small file.
    assert_eq!(
        (doc["auto_vacuum"].as_u64(), doc["other_pages"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(doc["listing_index_columns"].as_array().unwrap().len(), 5);
    assert_eq!(doc["listing_index_ok"], true);
    assert_eq!(doc["journal_size_limit"], 67_108_864);

    // A legacy file with the 5-column index is not what its runtime defines.
    let (_d2, legacy) = legacy_db();
    assert_eq!(top_json(&legacy, &["--space"])["listing_index_ok"], true);
    Connection::open(&legacy)
        .unwrap()
        .execute_batch(
            "DROP INDEX idx_plugin_state_listing;
             CREATE INDEX idx_plugin_state_listing ON plugin_state_entries(plugin_id, namespace, created_at, entry_key, expires_at);",
        )
        .unwrap();
    let doc = top_json(&legacy, &["--space"]);
    assert_eq!(doc["listing_index_ok"], false);
    assert_eq!(doc["journal_size_limit"], Value::Null);
    let before = std::fs::read(&legacy).unwrap();
    let out = statectl_at(&legacy, NOW)
        .args(["top", "--space"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("has 5 columns"));
    assert_eq!(std::fs::read(&legacy).unwrap(), before, "report only");
}

/// The measured mode: rows added between the two snapshots are the growth. The test
/// adds them once statectl says the first snapshot is taken.
#[test]
fn sample_measures_the_change_between_two_snapshots() {
    use std::io::BufRead;
    let (_d, db) = legacy_db();
    insert(&db, &[("p", "n", "first", "1", NOW - 9 * DAY, None)]);
    let mut child = statectl_process()
        .arg("--db")
        .arg(&db)
        .args([
            "--now",
            &NOW.to_string(),
            "top",
            "--sample",
            "3s",
            "-o",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.starts_with("sampling"), "{line}");
    let c = Connection::open(&db).unwrap();
    for i in 0..30 {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('p', 'n', ?1, '1', ?2, NULL)",
            rusqlite::params![format!("k{i}"), NOW - 9 * DAY],
        )
        .unwrap();
    }
    drop(c);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let doc = stdout_json(&out);
    let n = namespace(&doc, "p", "n");
    // 30 rows in 3 s, scaled to the 24 h window; the history alone would say 0.
    assert_eq!(n["net_window"], 30 * DAY / 3_000);
    assert!(doc["forecast_basis"].as_str().unwrap().contains("measured"));
}

#[test]
fn pictures_only_on_a_terminal() {
    let (_d, db) = legacy_db();
    let c = Connection::open(&db).unwrap();
    let mut rng = fastrand::Rng::with_seed(3);
    history(
        &c,
        &mut rng,
        "discord",
        "discord.modals",
        "m",
        300,
        (NOW - 47 * HOUR, NOW),
        None,
    );
    drop(c);
    let piped = statectl_at(&db, NOW).arg("top").output().unwrap();
    let text = String::from_utf8(piped.stdout).unwrap();
    assert!(text.contains("60%"), "{text}");
    assert!(
        !text.contains('█') && !text.contains('▁') && !text.contains("WRITES/H"),
        "{text}"
    );

    // A wide pseudo-terminal: the same scrubbed environment, `stty` sets the size.
    let base = statectl_process();
    let mut cmd = std::process::Command::new("sh");
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.arg("-c").arg(format!(
        "stty cols 250 rows 50 && exec '{}' --db '{}' --now {NOW} top",
        base.get_program().to_str().unwrap(),
        db.display()
    ));
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).unwrap();
    // rexpect hands back each byte as one char: put the UTF-8 back together.
    let bytes: Vec<u8> = p
        .exp_eof()
        .unwrap()
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    let screen = String::from_utf8(bytes).unwrap();
    assert!(screen.contains("WRITES/H (48H)"), "{screen}");
    assert!(screen.contains("█████░░░ 60%"), "a fill bar: {screen}");
    assert!(
        screen.chars().any(|c| ('▁'..='█').contains(&c) && c != '█'),
        "a sparkline: {screen}"
    );
}
