//! The user's namespaces file: namespaces statectl does not ship get caps, TTLs,
//! protection and secrecy from it, through every command that applies a policy.

mod common;
use common::*;
use predicates::prelude::*;
use std::path::Path;

const NOW: i64 = 1_795_707_055_987;

const FILE: &str = r#"
# A third-party plugin's namespaces.
[[namespace]]
plugin = "acme"
namespace = "acme.cache"
max = 3
ttl = "1h"
policy = "evict"
prune = "safe"

[[namespace]]
plugin = "acme"
namespace = "acme.tokens-*"
secret = true
prune = "never"
"#;

/// A database with rows in the file's namespaces, and the file beside it.
fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (dir, db) = legacy_db();
    let rows: Vec<RawRow> = vec![
        ("acme", "acme.cache", "a", "{}", NOW - 4, None),
        ("acme", "acme.cache", "b", "{}", NOW - 3, None),
        ("acme", "acme.cache", "c", "{}", NOW - 2, None),
        ("acme", "acme.cache", "d", "{}", NOW - 1, None),
        ("acme", "acme.tokens-prod", "t", "\"sekrit\"", NOW - 1, None),
    ];
    insert(&db, &rows);
    let file = dir.path().join("namespaces.toml");
    std::fs::write(&file, FILE).unwrap();
    (dir, db, file)
}

fn statectl_with(db: &Path, file: Option<&Path>) -> assert_cmd::Command {
    let mut cmd = statectl_at(db, NOW);
    if let Some(f) = file {
        cmd.arg("--namespaces-file").arg(f);
    }
    cmd
}

fn max_entries(db: &Path, file: Option<&Path>, ns: &str) -> serde_json::Value {
    let out = statectl_with(db, file)
        .args(["ls", "-o", "json"])
        .output()
        .unwrap();
    let doc = stdout_json(&out);
    let list = doc.as_array().unwrap();
    list.iter().find(|s| s["namespace"] == ns).unwrap()["max_entries"].clone()
}

#[test]
fn the_file_gives_unknown_namespaces_their_cap() {
    let (_d, db, file) = setup();
    assert_eq!(
        max_entries(&db, None, "acme.cache"),
        serde_json::Value::Null
    );
    assert_eq!(max_entries(&db, Some(&file), "acme.cache"), 3);
    statectl_with(&db, Some(&file))
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("acme/acme.cache 4/3"));
}

#[test]
fn a_prefix_entry_protects_and_hides_every_matching_namespace() {
    let (_d, db, file) = setup();
    statectl_with(&db, None)
        .args(["ls", "acme.tokens-prod"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sekrit"));
    statectl_with(&db, Some(&file))
        .args(["ls", "acme.tokens-prod"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sekrit").not());
    statectl_with(&db, Some(&file))
        .args(["prune", "acme.tokens-prod", "--all", "-y"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("is protected"));
    assert_eq!(all_rows(&db).len(), 5, "nothing was deleted");
    statectl_with(&db, Some(&file))
        .args(["export", "acme.tokens-prod"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "secret namespaces (acme/acme.tokens-prod)",
        ));
}

#[test]
fn the_default_file_is_read_from_the_config_dir() {
    let (dir, db, file) = setup();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("statectl")).unwrap();
    std::fs::copy(&file, config.join("statectl/namespaces.toml")).unwrap();
    let out = statectl_with(&db, None)
        .env("XDG_CONFIG_HOME", &config)
        .args(["info", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["namespaces_file"]["namespaces"], 2);
    let out = statectl_with(&db, None)
        .args(["info", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&out)["namespaces_file"],
        serde_json::Value::Null,
        "no file, no error"
    );
}

#[test]
fn a_bad_file_is_a_one_line_usage_error_naming_the_problem() {
    let (dir, db, _) = setup();
    let cases = [
        (
            "[[namespace]]\nplugin = \"acme\"\nnamespace = \"x\"\nmaxx = 3\n",
            "line 4: unknown field `maxx`",
        ),
        (
            "[[namespace]]\nplugin = \"discord\"\nnamespace = \"discord.modals\"\n",
            "discord/discord.modals is built into statectl",
        ),
        (
            "[[namespace]]\nplugin = \"a\"\nnamespace = \"x\"\nttl = \"soon\"\n",
            "namespace 1 (a/x): invalid duration 'soon'",
        ),
        (
            "[[namespace]]\nplugin = \"a\"\nnamespace = \"x*y\"\n",
            "'*' may only end a prefix",
        ),
    ];
    for (text, message) in cases {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, text).unwrap();
        let out = statectl_with(&db, Some(&file)).arg("ls").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(stderr.contains("bad.toml"), "names the file: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    statectl_with(&db, Some(&dir.path().join("missing.toml")))
        .arg("ls")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read namespaces file"));
}
