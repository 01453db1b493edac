//! `-o` on every command: each format of the contract's matrix (cli-contract.md
//! "Output formats per command") renders, and every other one is refused with exit 2
//! (3 for `check`, which turns every error into UNKNOWN) naming the supported ones.

mod common;
use common::*;
use std::path::Path;

const NOW: i64 = 1_795_707_055_987;
const ALL: [&str; 5] = ["table", "wide", "json", "jsonl", "csv"];
const LIST: &[&str] = &["table", "wide", "json", "jsonl", "csv"];
const REPORT: &[&str] = &["table", "wide", "json", "jsonl"];
const NONE: &[&str] = &[];

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = legacy_db();
    insert(
        &db,
        &[
            (
                "discord",
                "discord.modals",
                "mdl_a",
                r#"{"a":1}"#,
                NOW - 1_000,
                Some(NOW + 60_000),
            ),
            (
                "discord",
                "discord.modals",
                "mdl_b",
                "[1,2]",
                NOW - 500,
                None,
            ),
            (
                "slack",
                "slack.thread-participation",
                "t",
                "{}",
                NOW - 1_000,
                None,
            ),
        ],
    );
    (dir, db)
}

/// The command lines of the matrix, with the formats each supports. `{dir}` is a
/// scratch directory, `{export}` an export of the sample.
fn matrix() -> Vec<(Vec<&'static str>, &'static [&'static str])> {
    vec![
        (vec!["ls"], LIST),
        (vec!["ls", "discord.modals"], LIST),
        (vec!["inspect", "discord.modals", "mdl_a"], REPORT),
        (vec!["info"], REPORT),
        (vec!["check"], REPORT),
        (vec!["verify", "{export}"], REPORT),
        (
            vec!["import", "{export}", "--on-conflict", "skip", "--dry-run"],
            REPORT,
        ),
        (
            vec!["prune", "discord.modals", "--all", "--dry-run"],
            REPORT,
        ),
        (
            vec!["expire", "discord.modals", "--all", "--dry-run"],
            REPORT,
        ),
        (vec!["backup", "{dir}/copy.sqlite"], REPORT),
        (vec!["diff", "{db}", "{fixture}"], LIST),
        (vec!["export"], NONE),
        (vec!["completions", "bash"], NONE),
        (vec!["man"], NONE),
    ]
}

fn run(
    db: &Path,
    scratch: &Path,
    export: &Path,
    args: &[&str],
    format: Option<&str>,
) -> std::process::Output {
    let _ = std::fs::remove_file(scratch.join("copy.sqlite"));
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            a.replace("{dir}", scratch.to_str().unwrap())
                .replace("{export}", export.to_str().unwrap())
                .replace("{db}", db.to_str().unwrap())
                .replace("{fixture}", &format!("{FIXTURES}/shared-2026.9.6.sqlite"))
        })
        .collect();
    let mut cmd = statectl_at(db, NOW);
    if let Some(f) = format {
        cmd.args(["-o", f]);
    }
    cmd.args(&args).output().unwrap()
}

fn assert_renders(what: &str, format: &str, single: bool, stdout: &str, stderr: &str) {
    // `backup` says what it did on stderr, for people; its data is the JSON report.
    let text = if matches!(format, "table" | "wide") && stdout.is_empty() {
        stderr
    } else {
        stdout
    };
    assert!(!text.trim().is_empty(), "{what}: no output");
    match format {
        _ if stdout.is_empty() => assert!(what.contains("backup"), "{what}: no output"),
        "json" => {
            serde_json::from_str::<serde_json::Value>(stdout)
                .unwrap_or_else(|e| panic!("{what}: not one JSON document ({e}): {stdout}"));
        }
        "jsonl" => {
            let lines: Vec<&str> = stdout.lines().collect();
            for l in &lines {
                serde_json::from_str::<serde_json::Value>(l)
                    .unwrap_or_else(|e| panic!("{what}: a line is not JSON ({e}): {l}"));
            }
            if single {
                assert_eq!(lines.len(), 1, "{what}: one document on one line: {stdout}");
            }
        }
        "csv" => {
            let mut r = csv::Reader::from_reader(stdout.as_bytes());
            let width = r.headers().unwrap().len();
            assert!(width > 1, "{what}: a CSV header: {stdout}");
            for rec in r.records() {
                assert_eq!(rec.unwrap().len(), width, "{what}: ragged CSV: {stdout}");
            }
        }
        _ => assert!(
            serde_json::from_str::<serde_json::Value>(stdout).is_err(),
            "{what}: a table, not JSON: {stdout}"
        ),
    }
}

#[test]
fn every_command_renders_its_formats_and_refuses_the_others() {
    let (_d, db) = sample();
    let scratch = tempfile::tempdir().unwrap();
    let export = scratch.path().join("sample.jsonl");
    statectl_at(&db, NOW)
        .args(["export", "-O"])
        .arg(&export)
        .assert()
        .success();
    for (args, supported) in matrix() {
        let is_check = args[0] == "check";
        let ok_code = |c: Option<i32>| {
            if is_check {
                matches!(c, Some(0..=2))
            } else {
                c == Some(0)
            }
        };
        // Without -o every command runs.
        let out = run(&db, scratch.path(), &export, &args, None);
        assert!(
            ok_code(out.status.code()),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for format in ALL {
            let what = format!("{args:?} -o {format}");
            let out = run(&db, scratch.path(), &export, &args, Some(format));
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            );
            if supported.contains(&format) {
                assert!(ok_code(out.status.code()), "{what}: {stderr}");
                assert_renders(&what, format, supported == REPORT, &stdout, &stderr);
            } else {
                let want = if is_check { 3 } else { 2 };
                assert_eq!(out.status.code(), Some(want), "{what}: {stdout} {stderr}");
                let names = if supported.is_empty() {
                    "has no -o".to_string()
                } else {
                    format!("use one of: {}", supported.join(", "))
                };
                assert!(
                    stderr.contains(&names),
                    "{what}: names the supported formats: {stderr}"
                );
                assert!(
                    stderr.contains("unsupported_format") || !format.starts_with("json"),
                    "{what}: {stderr}"
                );
                if !is_check {
                    assert!(
                        stdout.is_empty(),
                        "{what}: printed before refusing: {stdout}"
                    );
                }
                assert!(
                    !scratch.path().join("copy.sqlite").exists(),
                    "{what}: wrote a backup"
                );
            }
        }
    }
}
