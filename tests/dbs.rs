//! Every database of a state dir (issue 21), on a state dir the real runtime laid out:
//! tests/fixtures/statedir-2026.9.6.tar.gz, made by tests/interop/dbs.mjs (the 2026.9.6
//! store, a 2026.5.6 sidecar, and two Matrix token roots of one account at the paths the
//! Matrix plugin's own code computes), with the runtime's own row counts in expected.json.

mod common;

use common::*;
use rusqlite::Connection;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The fixture's state dir, unpacked into a fresh temporary directory.
fn state_dir() -> (tempfile::TempDir, PathBuf, Value) {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(Path::new(FIXTURES).join("statedir-2026.9.6.tar.gz"))
        .arg("-C")
        .arg(dir.path())
        .status()
        .expect("tar is needed to unpack the state-dir fixture");
    assert!(status.success());
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("expected.json")).unwrap())
            .unwrap();
    let root = dir.path().to_path_buf();
    (dir, root, expected)
}

fn run_in(dir: &Path, now: i64, args: &[&str]) -> std::process::Output {
    statectl()
        .arg("--state-dir")
        .arg(dir)
        .args(["--now", &now.to_string()])
        .args(args)
        .output()
        .unwrap()
}

fn now_of(expected: &Value) -> i64 {
    expected["now"].as_i64().unwrap()
}

/// The Matrix roots of the fixture: (old, current) relative paths.
fn matrix_roots(expected: &Value) -> (String, String) {
    let dbs = expected["databases"].as_array().unwrap();
    let find = |active: bool| {
        dbs.iter()
            .find(|d| d["role"] == "matrix-account" && d["active"] == active)
            .unwrap()["path"]
            .as_str()
            .unwrap()
            .to_string()
    };
    (find(false), find(true))
}

#[test]
fn dbs_lists_every_database_the_runtime_wrote_with_its_role() {
    let (_d, dir, expected) = state_dir();
    let out = run_in(&dir, now_of(&expected), &["dbs", "-o", "json"]);
    assert!(out.status.success(), "{out:?}");
    let doc = stdout_json(&out);
    let mut got: Vec<Value> = doc["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut o =
                serde_json::json!({"path": d["path"], "role": d["role"], "rows": d["live_rows"]});
            if d["role"] == "matrix-account" {
                o["active"] = d["matrix"]["active"].clone();
                assert_eq!(d["matrix"]["sibling_roots"], 2, "{d}");
            }
            o
        })
        .collect();
    got.sort_by_key(|v| v["path"].as_str().unwrap().to_string());
    assert_eq!(Value::Array(got), expected["databases"]);
    // The table says which root is active, and why, on lines of its own.
    let text = String::from_utf8(run_in(&dir, now_of(&expected), &["dbs"]).stdout).unwrap();
    let (old, current) = matrix_roots(&expected);
    assert!(text.contains("yes (1 of 2 roots)"), "{text}");
    assert!(
        text.contains(&format!(
            "{current}: its stored metadata claims the configured token"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("{old}: root ")), "{text}");
}

#[test]
fn without_the_configured_token_the_active_root_is_unknown() {
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected);
    // With the token: --matrix-account opens the active root only.
    let out = run_in(
        &dir,
        now,
        &[
            "--matrix-account",
            "default",
            "ls",
            "matrix/sync-cache",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let keys: Vec<String> = stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["sync-current"]);
    // The token as an environment reference (JSON5, comments, trailing commas): unknown.
    std::fs::write(
        dir.join("openclaw.json"),
        "// rotated\n{ channels: { matrix: { accessToken: '${MATRIX_TOKEN}', }, }, }\n",
    )
    .unwrap();
    let doc = stdout_json(&run_in(&dir, now, &["dbs", "-o", "json"]));
    for d in doc["databases"].as_array().unwrap() {
        if d["role"] == "matrix-account" {
            assert!(d["matrix"]["active"].is_null(), "{d}");
            assert!(
                d["matrix"]["why"]
                    .as_str()
                    .unwrap()
                    .contains("MATRIX_TOKEN"),
                "{d}"
            );
        }
    }
    let out = run_in(&dir, now, &["--matrix-account", "default", "ls"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // No configuration at all: still listed, still unknown.
    std::fs::remove_file(dir.join("openclaw.json")).unwrap();
    let doc = stdout_json(&run_in(&dir, now, &["dbs", "-o", "json"]));
    assert_eq!(doc["databases"].as_array().unwrap().len(), 4);
    assert!(
        doc["databases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["role"] == "matrix-account")
            .all(|d| d["matrix"]["active"].is_null())
    );
}

#[test]
fn check_all_dbs_turns_a_corrupt_row_in_an_account_database_critical_naming_it() {
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected);
    let before = run_in(
        &dir,
        now,
        &["check", "--all-dbs", "--only", "corrupt_values"],
    );
    assert_eq!(before.status.code(), Some(0), "{before:?}");
    let (old, _) = matrix_roots(&expected);
    Connection::open(dir.join(&old))
        .unwrap()
        .execute(
            "INSERT INTO plugin_state_entries (plugin_id, namespace, entry_key, value_json, created_at, expires_at) VALUES ('matrix', 'sync-cache', 'torn', '{\"nextBatch\":', ?1, NULL)",
            [now - 1],
        )
        .unwrap();
    let out = run_in(&dir, now, &["check", "--all-dbs", "-o", "json"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let doc = stdout_json(&out);
    assert_eq!(doc["status"], "critical");
    let critical: Vec<&Value> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "critical")
        .collect();
    assert_eq!(critical.len(), 1, "{doc}");
    assert_eq!(critical[0]["name"], "corrupt_values");
    assert_eq!(critical[0]["db"], old.as_str());
    // Every database's checks are there, each naming its file.
    let files: std::collections::BTreeSet<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["db"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
    let text = String::from_utf8(run_in(&dir, now, &["check", "--all-dbs"]).stdout).unwrap();
    assert!(
        text.starts_with(&format!("STATECTL CRITICAL - {old}: ")),
        "{text}"
    );
}

#[test]
fn ls_all_dbs_tags_every_row_with_its_database_in_every_format() {
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected);
    let (old, current) = matrix_roots(&expected);
    let out = run_in(
        &dir,
        now,
        &["ls", "--all-dbs", "matrix/sync-cache", "-o", "json"],
    );
    assert!(out.status.success(), "{out:?}");
    let got: Vec<(String, String)> = stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["db"].as_str().unwrap().to_string(),
                e["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (old.clone(), "sync-old".to_string()),
            (current.clone(), "sync-current".to_string())
        ]
    );
    // The summary over all of them, as CSV: one header, a db column first.
    let csv =
        String::from_utf8(run_in(&dir, now, &["ls", "--all-dbs", "-o", "csv"]).stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("db,plugin_id,namespace,"), "{csv}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("db,")).count(),
        1,
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("plugin-state/state.sqlite,telegram,")),
        "{csv}"
    );
    // Tables: one section per database, headed by its path and role.
    let table = String::from_utf8(run_in(&dir, now, &["ls", "--all-dbs"]).stdout).unwrap();
    for head in [
        "== state/openclaw.sqlite (main)".to_string(),
        "== plugin-state/state.sqlite (legacy-sidecar)".to_string(),
        format!("== {current} (matrix-account)"),
    ] {
        assert!(table.contains(&head), "{table}");
    }
    // A namespace no database holds is not found (exit 3).
    let none = run_in(&dir, now, &["ls", "--all-dbs", "nobody/nothing.here"]);
    assert_eq!(none.status.code(), Some(3), "{none:?}");
}

#[test]
fn export_all_dbs_writes_one_restorable_file_per_database() {
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected);
    let out_dir = dir.join("exports");
    let out = run_in(
        &dir,
        now,
        &["export", "--all-dbs", "-O", out_dir.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names.contains(&"main.jsonl".to_string())
            && names.contains(&"legacy-sidecar.jsonl".to_string())
    );
    for (name, d) in names
        .iter()
        .zip(["legacy-sidecar", "main", "matrix", "matrix"])
    {
        assert!(name.starts_with(d), "{name}");
        let v = statectl()
            .args(["verify", "-o", "json"])
            .arg(out_dir.join(name))
            .output()
            .unwrap();
        assert!(v.status.success(), "{v:?}");
    }
    // Without -O DIR there is no single file to write.
    let out = run_in(&dir, now, &["export", "--all-dbs"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn writes_refuse_all_dbs_and_the_walk_never_follows_a_symlink() {
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected);
    for args in [
        vec!["prune", "--all-dbs", "--expired", "-y"],
        vec!["expire", "--all-dbs", "matrix/sync-cache", "--all", "-y"],
        vec!["import", "--all-dbs", "x.jsonl"],
    ] {
        let out = run_in(&dir, now, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--all-dbs"),
            "{out:?}"
        );
    }
    // A database reached through a symlink (a directory or the file itself) is not listed.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(elsewhere.path().join("state")).unwrap();
    std::fs::copy(
        dir.join("state/openclaw.sqlite"),
        elsewhere.path().join("state/openclaw.sqlite"),
    )
    .unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), dir.join("linked-root")).unwrap();
    std::fs::create_dir_all(dir.join("agents/a1/state")).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("state/openclaw.sqlite"),
        dir.join("agents/a1/state/openclaw.sqlite"),
    )
    .unwrap();
    // A real one elsewhere in the state dir is found by the walk, as "other".
    std::fs::create_dir_all(dir.join("agents/a2/state")).unwrap();
    std::fs::copy(
        dir.join("state/openclaw.sqlite"),
        dir.join("agents/a2/state/openclaw.sqlite"),
    )
    .unwrap();
    let doc = stdout_json(&run_in(&dir, now, &["dbs", "-o", "json"]));
    let paths: Vec<&str> = doc["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"agents/a2/state/openclaw.sqlite"),
        "{paths:?}"
    );
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("linked-root") || p.starts_with("agents/a1")),
        "{paths:?}"
    );
    assert_eq!(paths.len(), 5, "{paths:?}");
}

/// `--db <TAB>` offers the discovered databases of the state dir on the line, and
/// `--matrix-account <TAB>` the Matrix accounts that have a root.
#[test]
fn db_and_matrix_account_complete_from_the_discovered_databases() {
    let (_d, dir, expected) = state_dir();
    let complete = |line: &[&str]| -> Vec<String> {
        let out = statectl()
            .env("COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", (line.len() - 1).to_string())
            .env("_CLAP_IFS", "\n")
            .arg("--")
            .args(line)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let d = dir.to_str().unwrap();
    let prefix = format!("{d}/");
    let got = complete(&["statectl", "--state-dir", d, "--db", &prefix]);
    for db in expected["databases"].as_array().unwrap() {
        let want = format!("{d}/{}", db["path"].as_str().unwrap());
        assert!(got.contains(&want), "{want} not in {got:?}");
    }
    let got = complete(&["statectl", "--state-dir", d, "--matrix-account", ""]);
    assert_eq!(got, ["default"]);
}

#[test]
fn statectl_db_in_the_environment_gives_way_to_all_dbs_and_matrix_account() {
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected).to_string();
    let run = |args: &[&str], env_db: bool| {
        let mut c = statectl();
        if env_db {
            c.env("STATECTL_DB", dir.join("state/openclaw.sqlite"));
        }
        c.arg("--state-dir")
            .arg(&dir)
            .args(["--now", &now])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["ls", "--all-dbs", "-o", "json"], true);
    assert!(out.status.success(), "{out:?}");
    let files: std::collections::BTreeSet<String> = stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["db"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
    let out = run(
        &[
            "--matrix-account",
            "default",
            "ls",
            "matrix/sync-cache",
            "-o",
            "json",
        ],
        true,
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout_json(&out)[0]["key"], "sync-current");
    // --db on the line is still a conflict.
    for args in [
        &["ls", "--all-dbs", "--db", "x.sqlite"][..],
        &["--matrix-account", "default", "--db", "x.sqlite", "ls"][..],
    ] {
        let out = run(args, false);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("cannot be used with '--db <PATH>'"),
            "{out:?}"
        );
    }
}

/// A state dir of hostile names: a directory whose name is not UTF-8 holding
/// `state/openclaw.sqlite`, and two others whose export names would be the same.
#[test]
fn odd_names_are_neither_the_main_database_nor_one_export_file() {
    use std::os::unix::ffi::OsStrExt;
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected);
    let main = dir.join("state/openclaw.sqlite");
    let odd = dir.join(std::ffi::OsStr::from_bytes(b"\xff"));
    for sub in [odd.clone(), dir.join("agents/a_b"), dir.join("agents_a/b")] {
        std::fs::create_dir_all(sub.join("state")).unwrap();
        std::fs::copy(&main, sub.join("state/openclaw.sqlite")).unwrap();
    }
    let doc = stdout_json(&run_in(&dir, now, &["dbs", "-o", "json"]));
    let dbs = doc["databases"].as_array().unwrap();
    let mains: Vec<&Value> = dbs.iter().filter(|d| d["role"] == "main").collect();
    assert_eq!(mains.len(), 1, "{doc}");
    assert_eq!(mains[0]["path"], "state/openclaw.sqlite");
    // The odd one is read (its own bytes, not a lossy copy of its name), as "other".
    let odd_one = dbs
        .iter()
        .find(|d| d["path"] == "\u{fffd}/state/openclaw.sqlite")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(odd_one["role"], "other", "{odd_one}");
    assert_eq!(odd_one["live_rows"], 2, "{odd_one}");
    let out_dir = dir.join("exports");
    let out = run_in(
        &dir,
        now,
        &["export", "--all-dbs", "-O", out_dir.to_str().unwrap()],
    );
    assert!(out.status.success(), "{out:?}");
    let files = std::fs::read_dir(&out_dir).unwrap().count();
    assert_eq!(files, 7, "one file per database: {out:?}");
}

#[test]
fn an_unknown_matrix_account_names_each_known_account_once_and_paths_are_absolute() {
    let (_d, dir, expected) = state_dir();
    let out = run_in(
        &dir,
        now_of(&expected),
        &["--matrix-account", "nobody", "ls"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(accounts: default)"), "{stderr}");
    // A relative --state-dir still gives absolute_path.
    let out = statectl()
        .current_dir(&dir)
        .args(["--state-dir", ".", "dbs", "-o", "json"])
        .output()
        .unwrap();
    let doc = stdout_json(&out);
    for d in doc["databases"].as_array().unwrap() {
        let abs = Path::new(d["absolute_path"].as_str().unwrap());
        assert!(abs.is_absolute(), "{d}");
        assert!(abs.is_file(), "{d}");
    }
}

#[test]
fn all_dbs_over_no_database_or_an_unreadable_one_says_so() {
    let empty = tempfile::tempdir().unwrap();
    for cmd in ["ls", "top"] {
        let out = run_in(
            empty.path(),
            1_795_707_055_995,
            &[cmd, "--all-dbs", "-o", "json"],
        );
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let err: Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(err["error"]["code"], "db_not_found", "{err}");
        assert!(out.stdout.is_empty(), "{out:?}");
    }
    // `dbs` says so in a sentence, without a header over nothing.
    let out = run_in(empty.path(), 1_795_707_055_995, &["dbs"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("no plugin-state database under ") && !text.contains("PATH"),
        "{text}"
    );
    // A database that cannot be read is not left out in silence.
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected);
    let (old, _) = matrix_roots(&expected);
    std::fs::write(dir.join(&old), "not a database at all").unwrap();
    let out = run_in(&dir, now, &["ls", "--all-dbs", "-o", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("warning: {old}: ")) && stderr.contains("not a SQLite database"),
        "{stderr}"
    );
    // The others are still listed.
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"db\":\"state/openclaw.sqlite\""));
    // `dbs` keeps its columns narrow and says why under the table.
    let text = String::from_utf8(run_in(&dir, now, &["dbs"]).stdout).unwrap();
    let row = text.lines().find(|l| l.trim_end().ends_with(&old)).unwrap();
    assert!(
        row.contains(" unreadable ") && !row.contains("SQLite"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{old}: unreadable: ")) && text.contains("not a SQLite database"),
        "{text}"
    );
    let header = text.lines().next().unwrap();
    assert!(header.len() < 200, "{header}");
}

#[test]
fn export_all_dbs_to_a_file_fails_once_before_any_database() {
    let (_d, dir, expected) = state_dir();
    let file = dir.join("exports.jsonl");
    std::fs::write(&file, "keep me").unwrap();
    let out = run_in(
        &dir,
        now_of(&expected),
        &["export", "--all-dbs", "-O", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("is a file") && stderr.contains("-O DIR"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

/// `check --all-dbs`'s perfdata labels start with each database's path: a space must not
/// split a label, and a newline or escape sequence must not reach the terminal or
/// break the monitoring system's first line.
#[test]
fn check_all_dbs_perfdata_labels_survive_any_path() {
    let (_d, dir, expected) = state_dir();
    for name in ["my bot", "evil\n\x1b[31mred"] {
        let sub = dir.join("agents").join(name).join("state");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::copy(
            dir.join("state/openclaw.sqlite"),
            sub.join("openclaw.sqlite"),
        )
        .unwrap();
    }
    let out = run_in(
        &dir,
        now_of(&expected),
        &["check", "--all-dbs", "--only", "open"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "{text:?}");
    let first = text.lines().next().unwrap();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("OK ")).count(),
        6,
        "one line per check after the first: {text:?}"
    );
    let (_, perf) = first.split_once(" | ").unwrap();
    assert!(
        perf.contains("'agents/my bot/state/openclaw.sqlite:live'=2 "),
        "{perf}"
    );
    assert!(
        perf.contains("'agents/evil\\n\\u{1b}[31mred/state/openclaw.sqlite:live'=2 "),
        "{perf}"
    );
    // Plain labels stay unquoted, and JSON keeps every path exact.
    assert!(perf.starts_with("state/openclaw.sqlite:rows="), "{perf}");
    let doc = stdout_json(&run_in(
        &dir,
        now_of(&expected),
        &["check", "--all-dbs", "--only", "open", "-o", "json"],
    ));
    assert!(
        doc["perfdata"]
            .get("agents/evil\n\x1b[31mred/state/openclaw.sqlite:live")
            .is_some(),
        "{doc}"
    );
}

/// On an 80-column terminal every column but the path fits, and the path comes last,
/// so a Matrix root's long path runs on after the columns instead of pushing them.
#[test]
fn dbs_keeps_its_columns_within_80_columns_with_the_path_last() {
    let (_d, dir, expected) = state_dir();
    let now = now_of(&expected).to_string();
    let (text, code) = on_terminal(
        80,
        &["--state-dir", dir.to_str().unwrap(), "--now", &now, "dbs"],
    );
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines[0].starts_with("ROLE") && lines[0].trim_end().ends_with("PATH"),
        "{text}"
    );
    for db in expected["databases"].as_array().unwrap() {
        let path = db["path"].as_str().unwrap();
        let line = lines
            .iter()
            .find(|l| l.trim_end().ends_with(path))
            .unwrap_or_else(|| panic!("{path} not at the end of a line:\n{text}"));
        assert!(line.starts_with(db["role"].as_str().unwrap()), "{line}");
        let before = line.len() - path.len();
        assert!(
            before <= 80,
            "the columns before the path take {before}: {line}"
        );
    }
}
