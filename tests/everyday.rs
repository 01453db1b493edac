//! Everyday use on a terminal and in a pipe: tables that fit, keys that start with
//! `-`, typos answered with a did-you-mean, honest empty results (issue 15).

mod common;
use common::*;
use predicates::prelude::*;
use std::path::Path;

const NOW: i64 = 1_795_707_055_987;
const HOUR: i64 = 3_600_000;
const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn long_value(i: usize) -> String {
    format!(
        r#"{{"entry":{{"callbackData":"approve:{i}","label":"Approve the long running deployment request number {i} {}"}}}}"#,
        "x".repeat(200)
    )
}

/// A legacy database: discord at its 1,000-row plugin cap, a hashed msteams
/// namespace, Telegram chat ids starting with `-`, one expired row.
fn everyday_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = legacy_db();
    let values: Vec<String> = (0..1000).map(long_value).collect();
    let keys: Vec<String> = (0..1000).map(|i| format!("btn_{i:04}")).collect();
    let mut rows: Vec<RawRow> = (0..1000)
        .map(|i| {
            (
                "discord",
                if i % 2 == 1 {
                    "discord.components"
                } else {
                    "discord.modals"
                },
                keys[i].as_str(),
                values[i].as_str(),
                NOW - 1000 * i as i64,
                Some(NOW + HOUR + i as i64),
            )
        })
        .collect();
    let teams = format!("msteams.sent-messages.account.v1.{HASH}");
    rows.push(("msteams", &teams, "m1", r#"{"id":"x"}"#, NOW - 5_000, None));
    rows.push((
        "telegram",
        "telegram.sent-messages",
        "-1001237979429:57102",
        r#"{"messageId":57102}"#,
        NOW - 5_000,
        Some(NOW + HOUR),
    ));
    rows.push((
        "telegram",
        "telegram.sent-messages",
        "-1001237979429:57103",
        r#"{"messageId":57103}"#,
        NOW - 6_000,
        Some(NOW - 1_000),
    ));
    insert(&db, &rows);
    (dir, db)
}

fn term(cols: u16, db: &Path, args: &[&str]) -> (String, i32) {
    on_terminal_at(cols, db, NOW, args)
}

fn width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn the_summary_fits_80_columns_by_dropping_optional_columns_first() {
    let (_d, db) = everyday_db();
    let (text, code) = term(80, &db, &["ls"]);
    assert_eq!(code, 0, "{text}");
    let header = text
        .lines()
        .find(|l| l.starts_with("PLUGIN"))
        .unwrap_or_else(|| panic!("{text}"));
    for col in ["NAMESPACE", "LIVE", "FILL"] {
        assert!(header.contains(col), "{header}");
    }
    for gone in ["OLDEST", "NEWEST", "NO-TTL", "BYTES"] {
        assert!(!header.contains(gone), "{gone} dropped at 80: {header}");
    }
    assert!(
        text.lines().any(|l| l.contains(" discord.components ")),
        "names are never cut: {text}"
    );
    assert!(!text.contains("disco…"), "{text}");
    let teams = text
        .lines()
        .find(|l| l.starts_with("msteams"))
        .expect("msteams row");
    assert!(
        teams.contains("msteams.sent-messages.account.v1.012345…abcdef"),
        "a long hash is shortened in its middle: {teams}"
    );
    for line in text.lines().filter(|l| !l.starts_with("warning:")) {
        assert!(width(line) <= 80, "line wider than 80: {line:?}");
    }

    // 200 columns: everything, the hash in full; 60: still every name whole.
    let (wide, _) = term(200, &db, &["ls"]);
    let header = wide.lines().find(|l| l.starts_with("PLUGIN")).unwrap();
    assert!(
        header.contains("OLDEST") && header.contains("BYTES"),
        "{header}"
    );
    assert!(wide.contains(&format!("msteams.sent-messages.account.v1.{HASH}")));
    let (narrow, _) = term(60, &db, &["ls"]);
    assert!(
        narrow.lines().any(|l| l.contains(" discord.components ")),
        "{narrow}"
    );
    let header = narrow.lines().find(|l| l.starts_with("PLUGIN")).unwrap();
    assert!(!header.contains("EXPIRED"), "{header}");

    // -o wide and a terminal of unknown width: every column.
    for (cols, args) in [(80, &["ls", "-o", "wide"][..]), (0, &["ls"][..])] {
        let (text, code) = term(cols, &db, args);
        assert_eq!(code, 0);
        let header = text.lines().find(|l| l.starts_with("PLUGIN")).unwrap();
        assert!(
            header.contains("OLDEST") && header.contains("NEXT-EXPIRY"),
            "{cols} {args:?}: {header}"
        );
        assert!(text.contains(&format!("account.v1.{HASH}")));
    }

    // Piped: every column, nothing shortened.
    let out = run_at(&db, NOW, &["ls"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("OLDEST") && header.contains("BYTES"),
        "{header}"
    );
    assert!(text.contains(&format!("msteams.sent-messages.account.v1.{HASH}")));
    assert!(!text.contains('…'), "{text}");
}

/// Only hashes shorten: a Discord snowflake or a Telegram chat id in a key or a
/// namespace is a number a user copies, kept whole however narrow the terminal.
#[test]
fn long_numbers_in_names_are_never_shortened() {
    let (_d, db) = legacy_db();
    let key = "default:1287654321098765432:-1001237979429";
    insert(
        &db,
        &[
            ("discord", "thread-bindings", key, r#""x""#, NOW - 1, None),
            (
                "telegram",
                "telegram.topic-name-cache.12345678901234567890",
                "k",
                r#""y""#,
                NOW - 1,
                None,
            ),
        ],
    );
    let (text, code) = term(30, &db, &["ls", "thread-bindings"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(key), "{text}");
    let (text, _) = term(30, &db, &["ls"]);
    assert!(
        text.contains("telegram.topic-name-cache.12345678901234567890"),
        "{text}"
    );
}

#[test]
fn entry_tables_cut_only_the_value_on_a_terminal_and_nothing_in_a_pipe() {
    let (_d, db) = everyday_db();
    let (text, _) = term(80, &db, &["ls", "discord.modals", "--limit", "3"]);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("btn_")).collect();
    assert_eq!(rows.len(), 3, "{text}");
    for r in &rows {
        assert!(width(r) <= 80 && r.ends_with('…'), "{r:?}");
    }
    assert!(text.lines().next().unwrap().contains("EXPIRES"));
    let (wide, _) = term(
        80,
        &db,
        &["ls", "discord.modals", "--limit", "3", "-o", "wide"],
    );
    assert!(wide.contains(&long_value(998)), "{wide}");
    // Piped: the whole value, so `| grep` finds it.
    let out = statectl_at(&db, NOW)
        .args(["ls", "discord.modals", "--limit", "3"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&long_value(998)), "{text}");
    assert!(!text.contains('…'));
}

#[test]
fn a_plugin_at_its_cap_is_shown_against_the_plugin_cap() {
    let (_d, db) = everyday_db();
    for args in [&["ls"][..], &["ls", "--plugin", "discord"][..]] {
        let out = statectl_at(&db, NOW).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .skip_while(|l| !l.starts_with("Per-plugin cap: 1,000 live rows"))
            .find(|l| l.starts_with("discord"))
            .unwrap_or_else(|| panic!("{args:?}: {text}"));
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells, ["discord", "1,000", "1,000", "100%"], "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("plugin discord is at its cap"));
    }
    statectl_at(&db, NOW)
        .args(["prune", "discord.modals", "--older-than", "1s", "--dry-run"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("note: plugin discord is at its cap").and(
                predicate::str::contains("statectl prune --plugin discord --expired"),
            ),
        );
    // The real run says it too, in the plan it prints before deleting (on stderr, as
    // stdout carries the result); -q silences the ls warning.
    statectl_at(&db, NOW)
        .args(["prune", "discord.modals", "--key", "btn_0000", "-y"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "note: plugin discord is at its cap",
        ));
    let out = run_at(&db, NOW, &["-q", "ls"]);
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

fn keys(db: &Path, args: &[&str]) -> Vec<String> {
    let out = run_at(db, NOW, &[&["ls", "--keys-only"], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn ls_sorts_by_key_created_expires_and_size() {
    let (_d, db) = legacy_db();
    insert(
        &db,
        &[
            ("p", "n", "b", r#""12345""#, NOW - 3, Some(NOW + 10)),
            ("p", "n", "c", r#""1""#, NOW - 1, None),
            ("p", "n", "a", r#""123""#, NOW - 2, Some(NOW + 5)),
        ],
    );
    assert_eq!(keys(&db, &["n"]), ["b", "a", "c"], "runtime order");
    assert_eq!(keys(&db, &["n", "--sort", "key"]), ["a", "b", "c"]);
    assert_eq!(keys(&db, &["n", "--sort", "created"]), ["b", "a", "c"]);
    assert_eq!(keys(&db, &["n", "--sort", "expires"]), ["a", "b", "c"]);
    assert_eq!(keys(&db, &["n", "--sort", "size"]), ["b", "a", "c"]);
    assert_eq!(keys(&db, &["n", "--sort", "key", "--limit", "1"]), ["a"]);
}

#[test]
fn keys_that_start_with_a_dash_are_accepted_everywhere() {
    let (_d, db) = everyday_db();
    statectl_at(&db, NOW)
        .args([
            "inspect",
            "telegram.sent-messages",
            "-1001237979429:57102",
            "-o",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"messageId\":57102"));
    assert_eq!(
        keys(
            &db,
            &["telegram.sent-messages", "--key", "-1001237979429:57102"]
        ),
        ["-1001237979429:57102"]
    );
    assert_eq!(
        keys(
            &db,
            &[
                "telegram.sent-messages",
                "--prefix",
                "-100",
                "--include-expired"
            ]
        ),
        ["-1001237979429:57103", "-1001237979429:57102"]
    );
    statectl_at(&db, NOW)
        .args([
            "prune",
            "telegram.sent-messages",
            "--key",
            "-1001237979429:57102",
            "-y",
        ])
        .assert()
        .success();
    assert!(keys(&db, &["telegram.sent-messages"]).is_empty());
}

#[test]
fn a_typed_namespace_that_exists_nowhere_is_a_typo_with_a_did_you_mean() {
    let (dir, db) = everyday_db();
    let before = all_rows(&db);
    for args in [
        &["ls", "discord.component"][..],
        &["ls", "discord.component", "-o", "json"][..],
        &["prune", "discord.component", "--all", "-y"][..],
        &["expire", "discord.component", "--all", "-y"][..],
        &["inspect", "discord.component", "btn_0001"][..],
        &["top", "discord.component"][..],
    ] {
        let out = statectl_at(&db, NOW).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("did you mean 'discord.components'?"),
            "{args:?}: {err}"
        );
    }
    let file = dir.path().join("x.jsonl");
    statectl_at(&db, NOW)
        .args(["export", "discord.component", "-O"])
        .arg(&file)
        .assert()
        .code(3);
    assert!(!file.exists(), "no empty backup");
    statectl_at(&db, NOW)
        .args(["ls", "--plugin", "discrod"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("did you mean 'discord'?"));
    statectl_at(&db, NOW)
        .args(["inspect", "btn_0001", "discord.components"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "did you mean `statectl inspect discord.components btn_0001`?",
        ));
    statectl_at(&db, NOW)
        .args(["inspect", "discord.components", "btn_00001"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("did you mean 'btn_0001'?"));
    statectl_at(&db, NOW)
        .args(["inspect", "discord.modals", "btn_0001"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "it is in discord/discord.components",
        ));
    assert_eq!(all_rows(&db), before);
}

#[test]
fn a_known_namespace_without_rows_is_an_empty_result() {
    let (dir, db) = everyday_db();
    let file = dir.path().join("empty.jsonl");
    for args in [
        &["ls", "matrix.approval-reactions"][..],
        &["prune", "matrix.approval-reactions", "--all", "-y"][..],
        &["expire", "matrix.approval-reactions", "--all", "-y"][..],
        &["prune", "matrix.approval-reactions", "--all", "--dry-run"][..],
    ] {
        statectl_at(&db, NOW).args(args).assert().success();
    }
    statectl_at(&db, NOW)
        .args(["ls", "matrix.approval-reactions", "-o", "json"])
        .assert()
        .success()
        .stdout("[]\n");
    statectl_at(&db, NOW)
        .args(["export", "matrix.approval-reactions", "-O"])
        .arg(&file)
        .assert()
        .success();
    assert!(file.exists());
}

#[test]
fn now_and_at_refuse_seconds_and_read_local_dates() {
    let (_d, db) = everyday_db();
    for opt in [
        &["--now", "1795730000", "ls"][..],
        &[
            "expire",
            "discord.modals",
            "--all",
            "--at",
            "1795730000",
            "-y",
        ][..],
    ] {
        statectl()
            .arg("--db")
            .arg(&db)
            .args(opt)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("1795730000000")
                    .and(predicate::str::contains("@1795730000")),
            );
    }
    let json = |now: &str| {
        let out = statectl()
            .env("TZ", "UTC")
            .arg("--db")
            .arg(&db)
            .args([
                "--now",
                now,
                "inspect",
                "telegram.sent-messages",
                "-1001237979429:57102",
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{now}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout_json(&out)["ttl_ms"].as_i64().unwrap()
    };
    let expires = NOW + HOUR;
    // 2026-11-26 00:00 and 10:30 UTC, as local time under TZ=UTC.
    assert_eq!(json("2026-11-26"), expires - 1_795_651_200_000);
    assert_eq!(json("2026-11-26 10:30"), expires - 1_795_689_000_000);
    assert_eq!(
        json(&format!("@{}", NOW / 1000)),
        expires - NOW / 1000 * 1000
    );
}

#[test]
fn only_expired_matches_say_so() {
    let (_d, db) = everyday_db();
    statectl_at(&db, NOW)
        .args([
            "ls",
            "telegram.sent-messages",
            "--key",
            "-1001237979429:57103",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 expired row matches; add --include-expired to see it",
        ));
    statectl_at(&db, NOW)
        .args(["ls", "telegram.sent-messages", "--key", "nope"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no entries match"));
    statectl_at(&db, NOW)
        .args([
            "prune",
            "telegram.sent-messages",
            "--key",
            "-1001237979429:57103",
            "-y",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 expired row matches; add --include-expired to delete it too",
        ));
    // expire refuses --include-expired: its hint points at prune instead.
    statectl_at(&db, NOW)
        .args([
            "expire",
            "telegram.sent-messages",
            "--key",
            "-1001237979429:57103",
            "-y",
        ])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("1 expired row matches, and expire changes live rows only")
                .and(predicate::str::contains("--include-expired").not()),
        );
    // An export of only expired rows is empty, and says how to include them.
    let dir = tempfile::tempdir().unwrap();
    statectl_at(&db, NOW)
        .args([
            "export",
            "telegram.sent-messages",
            "--key",
            "-1001237979429:57103",
            "-O",
        ])
        .arg(dir.path().join("x.jsonl"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 expired row matches; add --include-expired to export it too",
        ));
}

#[test]
fn familiar_commands_get_a_tip() {
    for (word, tip) in [
        ("get", "statectl inspect"),
        ("rm", "statectl prune"),
        ("del", "statectl prune"),
        ("delete", "statectl prune"),
    ] {
        statectl()
            .args([word, "discord.modals", "x"])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(format!("statectl has no '{word}'"))
                    .and(predicate::str::contains(tip)),
            );
    }
}

#[test]
fn the_legacy_file_warning_is_only_in_overviews_and_quiet_silences_it() {
    let state = state_dir_with_legacy_leftover();
    let run = |args: &[&str]| {
        let out = statectl()
            .arg("--state-dir")
            .arg(state.path())
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).contains("legacy database is still present")
    };
    assert!(run(&["info"]));
    assert!(run(&["ls"]));
    statectl()
        .arg("--state-dir")
        .arg(state.path())
        .args(["info", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"layout\": \"shared\""));
    assert!(!run(&["ls", "discord.components", "--include-expired"]));
    assert!(!run(&["export"]));
    assert!(!run(&["-q", "info"]));
    assert!(!run(&["ls", "--quiet"]));
}

#[test]
fn json_entries_carry_iso_times_and_the_remaining_ttl() {
    let (_d, db) = everyday_db();
    let out = statectl_at(&db, NOW)
        .args([
            "ls",
            "telegram.sent-messages",
            "--include-expired",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    let live = &v[1];
    assert_eq!(live["key"], "-1001237979429:57102");
    assert_eq!(live["created_at_iso"], "2026-11-26T15:30:50.987Z");
    assert_eq!(live["expires_at_iso"], "2026-11-26T16:30:55.987Z");
    assert_eq!(live["ttl_ms"], HOUR);
    assert_eq!(v[0]["ttl_ms"], 0, "expired");
    let ns = format!("msteams.sent-messages.account.v1.{HASH}");
    let out = statectl_at(&db, NOW)
        .args(["inspect", &ns, "m1", "-o", "json"])
        .output()
        .unwrap();
    let v = stdout_json(&out);
    assert!(v["ttl_ms"].is_null() && v["expires_at_iso"].is_null());
}

/// `top` and `diff` tables follow the same rules as `ls`: on a narrow terminal optional
/// columns go and names stay whole; a terminal of unknown width (`script`) sets no
/// limit, so nothing collapses into one-letter columns.
#[test]
fn top_and_diff_tables_keep_names_whole_and_headers_on_one_line() {
    let (_d, db) = everyday_db();
    let header_of = |text: &str, second: &str| -> String {
        text.lines()
            .find(|l| l.starts_with("PLUGIN ") && l.contains(second))
            .unwrap_or_else(|| panic!("no PLUGIN ... {second} header: {text}"))
            .to_string()
    };
    let (text, code) = term(80, &db, &["top"]);
    assert_eq!(code, 0, "{text}");
    let header = header_of(&text, " NAMESPACE ");
    assert!(
        header.contains("LIVE") && header.contains("FULL-IN"),
        "{header}"
    );
    assert!(
        !header.contains("EXP/7D"),
        "optional columns go at 80: {header}"
    );
    assert!(text.contains(" discord.components "), "{text}");
    assert!(
        !text.contains("disco…") && !text.contains("PLU\n"),
        "{text}"
    );
    let (text, code) = term(0, &db, &["top"]);
    assert_eq!(code, 0, "{text}");
    let header = header_of(&text, " NAMESPACE ");
    assert!(
        header.contains("EXP/7D") && header.contains("BYTES"),
        "{header}"
    );
    assert!(text.contains(&format!("msteams.sent-messages.account.v1.{HASH}")));

    let a = Path::new(FIXTURES).join("legacy-2026.5.6.sqlite");
    let b = Path::new(FIXTURES).join("shared-2026.9.6.sqlite");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for cols in [0, 60] {
        let (text, code) = on_terminal_at(cols, &db, NOW, &["diff", a, b]);
        assert_eq!(code, 0, "{text}");
        let header = header_of(&text, " NAMESPACE ");
        assert!(
            header.contains("NAMESPACE") && header.contains("NEWER-B"),
            "{cols}: {header}"
        );
        assert!(
            text.contains(" slack.thread-participation "),
            "{cols}: {text}"
        );
    }
}

/// `import --on-conflict replace` asks on a terminal before it overwrites live rows (no
/// changes without a yes); `skip` and `newer` never lose newer data and never ask.
#[test]
fn import_replace_asks_on_a_terminal_and_skip_or_newer_never_ask() {
    let (dir, db) = legacy_db();
    let row = (
        "discord",
        "discord.modals",
        "mdl_a",
        r#""old""#,
        NOW - 10,
        None,
    );
    insert(&db, &[row]);
    let file = dir.path().join("x.jsonl");
    statectl_at(&db, NOW)
        .args(["export", "-O"])
        .arg(&file)
        .assert()
        .success();
    let value = || all_rows(&db)[0].3.clone();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE plugin_state_entries SET value_json = '\"new\"'", [])
        .unwrap();
    let file = file.display().to_string();
    let import = |policy: &str| db_now_args(&db, NOW, &["import", &file, "--on-conflict", policy]);
    for (answer, code, after) in [("n", 4, r#""new""#), ("y", 0, r#""old""#)] {
        let mut p = spawn_on_terminal(80, &import("replace"), &[]);
        p.exp_string("Replace 1 live row with the file's version?")
            .expect("a prompt");
        p.send(answer).unwrap();
        p.flush().unwrap();
        let (text, exit) = finish_on_terminal(p);
        assert_eq!(exit, code, "answer {answer}: {text}");
        assert_eq!(value(), after, "answer {answer}");
    }
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE plugin_state_entries SET value_json = '\"new\"'", [])
        .unwrap();
    for policy in ["skip", "newer"] {
        let (text, exit) = finish_on_terminal(spawn_on_terminal(80, &import(policy), &[]));
        assert_eq!(exit, 0, "{policy}: {text}");
        assert!(!text.contains("Replace"), "{policy} asks nothing: {text}");
        assert_eq!(value(), r#""new""#, "{policy} keeps the live row");
    }
}

/// The prose after a command's options reads as paragraphs on an 80-column terminal:
/// each line filled as far as the next word allows, not the source's hard-wrapped lines
/// cut again by clap (`... a row it` / `cannot` / `take (...`).
#[test]
fn help_prose_is_filled_to_an_80_column_terminal() {
    for command in ["import", "check", "top", "export", "prune", "diff"] {
        let (text, code) = on_terminal(80, &[command, "--help"]);
        assert_eq!(code, 0, "{command}: {text}");
        let after = text
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{command} --help has examples: {text}"))
            .1;
        let lines: Vec<&str> = after.lines().collect();
        for pair in lines.windows(2) {
            let (line, next) = (pair[0], pair[1]);
            let prose = |l: &str| !l.is_empty() && !l.starts_with(' ');
            if !(prose(line) && prose(next)) {
                continue;
            }
            let word = next.split(' ').next().unwrap_or_default();
            assert!(
                line.chars().count() + 1 + word.chars().count() > 80,
                "{command} --help: {line:?} is cut before {word:?}, which fits:\n{after}"
            );
        }
    }
}

/// On an 80-column terminal every example of these commands is one line, or a command
/// with its comment on the next line (indented), never a piece wrapped to where the next
/// example starts.
#[test]
fn help_examples_stay_whole_on_an_80_column_terminal() {
    for command in ["", "import", "prune", "expire", "top", "watch"] {
        let args: Vec<&str> = [command, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let (text, code) = on_terminal(80, &args);
        assert_eq!(code, 0, "{command}: {text}");
        let examples = text
            .split_once("\nExamples:\n")
            .and_then(|(_, rest)| rest.split("\n\n").next())
            .unwrap_or_else(|| panic!("{command} --help has examples: {text}"));
        for line in examples.lines() {
            assert!(
                line.chars().count() <= 80
                    && (line.starts_with("  statectl ") || line.starts_with("      ")),
                "{command} --help: {line:?} is not a whole example:\n{examples}"
            );
        }
    }
}
