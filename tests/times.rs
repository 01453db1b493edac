//! Issue 13, defects 6 and 7: every time statectl computes or writes is within
//! 0..=8.64e15 ms (a valid JavaScript Date, what 2026.6.1 and later require), arithmetic
//! with `--now` is checked, out of range is a usage error before anything changes, and
//! a relative `--at` counts from `--now`.

mod common;
use common::*;
use proptest::prelude::*;
use std::path::Path;

const NOW: i64 = 1_795_707_055_987;
const MAX: i64 = 8_640_000_000_000_000;
const HOUR: i64 = 3_600_000;

fn db() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path) = legacy_db();
    insert(
        &path,
        &[
            ("p", "ns", "a", "1", NOW - 2 * HOUR, None),
            ("p", "ns", "b", "2", NOW - HOUR, Some(NOW + HOUR)),
            ("p", "other", "c", "3", NOW - HOUR, Some(NOW + 2 * HOUR)),
        ],
    );
    (dir, path)
}

fn run(db: &Path, now: &str, args: &[&str]) -> std::process::Output {
    statectl()
        .arg("--db")
        .arg(db)
        .args(["--now", now])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_relative_at_counts_from_now_like_in() {
    let (_d, path) = db();
    let out = run(
        &path,
        &NOW.to_string(),
        &["expire", "p/ns", "--key", "a", "--at", "+1h", "-y"],
    );
    assert!(out.status.success(), "{out:?}");
    let out = run(
        &path,
        &NOW.to_string(),
        &["expire", "p/ns", "--key", "b", "--at", "-30m", "-y"],
    );
    assert!(out.status.success(), "{out:?}");
    let rows = all_rows(&path);
    assert_eq!(rows[0].5, Some(NOW + HOUR), "--at +1h from --now");
    assert_eq!(rows[1].5, Some(NOW - HOUR / 2), "--at -30m from --now");
}

#[test]
fn times_the_runtime_cannot_read_are_usage_errors_before_anything_changes() {
    let cases: &[(&str, &[&str])] = &[
        (
            "1795707055987",
            &["expire", "p/ns", "--all", "--in", "200000000d", "-y"],
        ),
        (
            "1795707055987",
            &["expire", "p/ns", "--all", "--at", "9999999999999999", "-y"],
        ),
        (
            "1795707055987",
            &["expire", "p/ns", "--all", "--at", "-2000000d", "-y"],
        ),
        (
            "1795707055987",
            &[
                "expire",
                "p/ns",
                "--all",
                "--at",
                "1969-12-31T23:59:59Z",
                "-y",
            ],
        ),
        // An extreme --now used to wrap in `now - older_than` and select every row.
        (
            "9223372036854775807",
            &["prune", "p/ns", "--older-than", "1h", "-y"],
        ),
        (
            "8640000000000000",
            &["prune", "p/ns", "--expires-within", "1ms", "-y"],
        ),
        (
            "1795707055987",
            &["prune", "p/ns", "--older-than", "100000000d", "-y"],
        ),
        ("-1795707055987", &["prune", "p/ns", "--all", "-y"]),
    ];
    for (now, args) in cases {
        let (_d, path) = db();
        let before = all_rows(&path);
        let out = run(&path, now, args);
        assert_eq!(out.status.code(), Some(2), "{now} {args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("out of range") || err.contains("invalid time"),
            "{now} {args:?}: {err}"
        );
        assert_eq!(
            all_rows(&path),
            before,
            "{now} {args:?} changed the database"
        );
    }
}

#[test]
fn the_last_readable_millisecond_is_allowed() {
    let (_d, path) = db();
    let out = run(
        &path,
        &NOW.to_string(),
        &[
            "expire",
            "p/ns",
            "--key",
            "a",
            "--at",
            &MAX.to_string(),
            "-y",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(all_rows(&path)[0].5, Some(MAX));
}

/// Texts for `--now`: epoch ms anywhere in i64, near the ends of the range, and plain.
fn now_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (MAX - 10 * HOUR..=MAX + 10 * HOUR).prop_map(|n| n.to_string()),
        (10_000_000_000i64..=MAX).prop_map(|n| n.to_string()),
        Just(NOW.to_string()),
    ]
}

fn duration_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..=u64::MAX / 2).prop_map(|n| format!("{n}ms")),
        (0u64..=300_000_000).prop_map(|n| format!("{n}d")),
        (0u64..=100).prop_map(|n| format!("{n}h")),
    ]
}

fn at_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (MAX - HOUR..=MAX + HOUR).prop_map(|n| n.to_string()),
        duration_text().prop_map(|d| format!("+{d}")),
        duration_text().prop_map(|d| format!("-{d}")),
        (-100_000i64..=100_000).prop_map(|s| format!("@{}", s.unsigned_abs() * 100_000_000)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// No `expire` leaves a time outside the range; a refusal is a usage error that
    /// changed nothing.
    #[test]
    fn no_expire_writes_a_time_outside_the_range(
        now in now_text(),
        when in prop_oneof![
            duration_text().prop_map(|d| ("--in".to_string(), d)),
            at_text().prop_map(|t| ("--at".to_string(), t)),
        ],
        older in proptest::option::of(duration_text()),
    ) {
        let (_d, path) = db();
        let before = all_rows(&path);
        let mut args = vec!["expire".to_string(), "p/ns".into()];
        match &older {
            Some(d) => args.extend(["--older-than".to_string(), d.clone()]),
            None => args.push("--all".into()),
        }
        args.extend([when.0.clone(), when.1.clone(), "-y".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&path, &now, &args);
        let after = all_rows(&path);
        match out.status.code() {
            Some(0) => {}
            Some(2) => prop_assert_eq!(&after, &before, "a usage error changed the database"),
            other => prop_assert!(false, "exit {:?}: {}", other, String::from_utf8_lossy(&out.stderr)),
        }
        for r in &after {
            prop_assert!((0..=MAX).contains(&r.4), "created_at {} out of range", r.4);
            if let Some(e) = r.5 {
                prop_assert!((0..=MAX).contains(&e), "expires_at {} out of range after {:?} at --now {}", e, args, now);
            }
        }
    }
}

/// Issue 13, defect 5 (hand-made rows; tests/interop/times.mjs has the runtime's own):
/// an INTEGER time above 2^53-1 makes the runtime's entries() of the namespace fail.
/// check is CRITICAL naming the namespace, ls marks the row, prune removes it; a REAL
/// expires_at is compared unrounded, as the runtime compares it.
#[test]
fn times_the_runtime_cannot_read_are_found_marked_and_prunable() {
    let (_d, path) = legacy_db();
    let big = (1i64 << 53) + 1;
    insert(
        &path,
        &[
            ("p", "lost", "big", "1", NOW, Some(big)),
            ("p", "lost", "fine", "1", NOW, None),
            ("p", "lost-too", "bigc", "1", big, None),
            ("p", "ok", "edge", "1", NOW, Some((1 << 53) - 1)),
        ],
    );
    let out = run(&path, &NOW.to_string(), &["check", "-o", "json"]);
    let doc = stdout_json(&out);
    let c = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "unreadable_times")
        .unwrap()
        .clone();
    assert_eq!(c["status"], "critical", "{c}");
    let msg = c["message"].as_str().unwrap();
    assert!(msg.contains("p/lost (1 row: \"big\")"), "{msg}");
    assert!(msg.contains("p/lost-too (1 row: \"bigc\")"), "{msg}");
    assert!(!msg.contains("p/ok"), "{msg}");
    let ls = stdout_json(&run(
        &path,
        &NOW.to_string(),
        &["ls", "p/lost", "-o", "json"],
    ));
    let marked: Vec<(&str, bool)> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_str().unwrap(), e["unreadable_time"] == true))
        .collect();
    assert_eq!(marked, [("big", true), ("fine", false)]);
    let table = run(&path, &NOW.to_string(), &["ls", "p/lost-too"]);
    assert!(
        String::from_utf8_lossy(&table.stdout).contains("UNREADABLE: created_at above 2^53-1"),
        "{table:?}"
    );
    for (ns, key) in [("p/lost", "big"), ("p/lost-too", "bigc")] {
        let out = run(&path, &NOW.to_string(), &["prune", ns, "--key", key, "-y"]);
        assert!(out.status.success(), "{out:?}");
    }
    let out = run(
        &path,
        &NOW.to_string(),
        &["check", "--only", "unreadable_times"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // A REAL expires_at half a millisecond after --now: the runtime still returns it.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE plugin_state_entries SET expires_at = ?1 WHERE entry_key = 'fine'",
            [NOW as f64 + 0.5],
        )
        .unwrap();
    let ls = stdout_json(&run(
        &path,
        &NOW.to_string(),
        &["ls", "p/lost", "-o", "json"],
    ));
    assert_eq!(ls[0]["key"], "fine");
    assert_eq!(ls[0]["expired"], false, "{ls}");
    let ls = stdout_json(&run(
        &path,
        &(NOW + 1).to_string(),
        &["ls", "p/lost", "-o", "json", "--include-expired"],
    ));
    assert_eq!(ls[0]["expired"], true, "{ls}");

    // REAL times in the summary of every namespace (`ls` without one) and in `top`:
    // read as a row is read, never a failed listing.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE plugin_state_entries SET created_at = ?1 WHERE entry_key = 'fine'",
            [NOW as f64 - 0.5],
        )
        .unwrap();
    let summary = stdout_json(&run(&path, &NOW.to_string(), &["ls", "-o", "json"]));
    let lost = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["namespace"] == "lost")
        .unwrap_or_else(|| panic!("{summary}"));
    assert_eq!(lost["live"], 1, "{lost}");
    assert_eq!(lost["oldest_created_at"], NOW - 1, "{lost}");
    assert_eq!(lost["next_expires_at"], NOW + 1, "{lost}");
    let top = run(&path, &NOW.to_string(), &["top", "-o", "json"]);
    assert!(top.status.success(), "{top:?}");
}
