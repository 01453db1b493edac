//! `--where` selects exactly the rows a reference filter over the decoded JSON of
//! `ls -o jsonl` selects, for `ls`, `export`, `prune` (dry run and real run) and
//! `expire` (property test), plus decoded columns, `--raw`, CSV `--decoded` and the
//! handling of rows that do not decode.

mod common;
use common::*;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const NOW: i64 = 1_795_707_055_987;
const SLACK: &str = "slack.thread-participation";
const DISCORD: &str = "discord.components";

/// One generated row: key, value, created_at, expires_at.
type Row = (String, String, i64, Option<i64>);

fn slack_row() -> impl Strategy<Value = Row> {
    (
        prop::sample::select(vec!["default", "ops"]),
        prop::option::of(prop::sample::select(vec!["T1", "T2"])),
        prop::sample::select(vec!["C1", "C2", "CX9"]),
        0i64..5,
        prop::option::of(prop::sample::select(vec!["main", "alt"])),
        0i64..5,
        prop::option::of(-3i64..3),
        0u8..12,
    )
        .prop_map(|(acct, team, chan, ts, agent, age, exp, shape)| {
            let thread_ts = format!("{}.{:06}", NOW / 1000 - ts * 3600, ts * 7);
            let key = match (shape, team) {
                (0, _) => format!("garbage-{age}-{ts}"),
                (_, Some(t)) => format!("{acct}:{t}:{chan}:{thread_ts}"),
                (_, None) => format!("{acct}:{chan}:{thread_ts}"),
            };
            let replied = NOW - age * 60_000;
            let value = match (shape, agent) {
                (1, _) => "{not json".to_string(),
                (2, _) => format!(r#"{{"repliedAt":"{replied}x"}}"#),
                (_, Some(a)) => format!(r#"{{"agentId":"{a}","repliedAt":{replied}}}"#),
                (_, None) => format!(r#"{{"repliedAt":{replied}}}"#),
            };
            (key, value, replied, exp.map(|e| NOW + e * 60_000))
        })
}

fn discord_row() -> impl Strategy<Value = Row> {
    (
        0u32..1000,
        prop::sample::select(vec!["button", "select"]),
        prop::sample::select(vec!["Approve", "Deny", "Pick me"]),
        prop::option::of(prop::sample::select(vec!["11", "22"])),
        prop::sample::subsequence(vec!["u1", "u2", "u3"], 0..3),
        0i64..5,
        prop::option::of(-3i64..3),
        0u8..10,
    )
        .prop_map(|(id, kind, label, msg, users, age, exp, shape)| {
            let key = format!("btn_{id}");
            let created = NOW - age * 60_000;
            let mut entry =
                serde_json::json!({"id": key, "kind": kind, "label": label, "createdAt": created});
            if let Some(m) = msg {
                entry["messageId"] = m.into();
            }
            if !users.is_empty() {
                entry["allowedUsers"] = users.into();
            }
            let version = if shape == 0 { 2 } else { 1 };
            let value = serde_json::json!({"version": version, "entry": entry}).to_string();
            (key, value, created, exp.map(|e| NOW + e * 60_000))
        })
}

/// A condition: field, operator, value.
fn slack_cond() -> impl Strategy<Value = (String, char, String)> {
    prop_oneof![
        prop::sample::select(vec!["default", "ops"]).prop_map(|v| (
            "account".into(),
            '=',
            v.into()
        )),
        prop::sample::select(vec!["T1", "T2"]).prop_map(|v| ("team".into(), '=', v.into())),
        prop::sample::select(vec!["C*", "C?", "*9"]).prop_map(|v| (
            "channel".into(),
            '~',
            v.into()
        )),
        prop::sample::select(vec!["main", "alt"]).prop_map(|v| ("agent".into(), '=', v.into())),
        (0i64..4, prop::bool::ANY).prop_map(|(m, lt)| (
            "replied_at".into(),
            if lt { '<' } else { '>' },
            (NOW - m * 60_000).to_string()
        )),
        (0i64..5).prop_map(|h| (
            "thread_time".into(),
            '>',
            ((NOW / 1000 - h * 3600) * 1000).to_string()
        )),
    ]
}

fn discord_cond() -> impl Strategy<Value = (String, char, String)> {
    prop_oneof![
        prop::sample::select(vec!["11", "22"]).prop_map(|v| ("message".into(), '=', v.into())),
        prop::sample::select(vec!["button", "select"]).prop_map(|v| ("kind".into(), '=', v.into())),
        prop::sample::select(vec!["*e*", "Pick*", "D?ny"]).prop_map(|v| (
            "label".into(),
            '~',
            v.into()
        )),
        prop::sample::select(vec!["u1", "u3"]).prop_map(|v| (
            "allowed_users".into(),
            '=',
            v.into()
        )),
        (0i64..4, prop::bool::ANY).prop_map(|(m, lt)| (
            "created_at".into(),
            if lt { '<' } else { '>' },
            (NOW - m * 60_000).to_string()
        )),
    ]
}

/// The reference: does a decoded JSON object satisfy the condition?
fn reference(decoded: &Value, (field, op, want): &(String, char, String)) -> bool {
    let v = &decoded[field.as_str()];
    let scalar = |x: &Value| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let texts: Vec<String> = match v {
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    };
    match op {
        '=' => texts.iter().any(|t| t == want),
        '~' => texts.iter().any(|t| glob_ref(want, t)),
        '<' | '>' => {
            let (Some(n), Ok(w)) = (v.as_i64(), want.parse::<i64>()) else {
                return false;
            };
            if *op == '<' { n < w } else { n > w }
        }
        _ => unreachable!(),
    }
}

/// An independent glob: a regex built from the pattern.
fn glob_ref(p: &str, t: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(
        &p.chars().collect::<Vec<_>>(),
        &t.chars().collect::<Vec<_>>(),
    )
}

fn build(plugin: &str, ns: &str, rows: &[Row]) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = legacy_db();
    let mut seen = BTreeSet::new();
    let raw: Vec<RawRow> = rows
        .iter()
        .filter(|r| seen.insert(r.0.clone()))
        .map(|(k, v, c, e)| (plugin, ns, k.as_str(), v.as_str(), *c, *e))
        .collect();
    insert(&db, &raw);
    (dir, db)
}

fn jsonl(out: &std::process::Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn where_args(conds: &[(String, char, String)]) -> Vec<String> {
    conds
        .iter()
        .flat_map(|(f, o, v)| ["--where".to_string(), format!("{f}{o}{v}")])
        .collect()
}

/// The keys of `ls NS --include-expired` whose decoded object satisfies every
/// condition, and of the live rows among them.
fn expected(
    db: &Path,
    ns: &str,
    conds: &[(String, char, String)],
) -> (BTreeSet<String>, BTreeSet<String>) {
    let all = jsonl(
        &statectl_at(db, NOW)
            .args(["ls", ns, "--include-expired", "-o", "jsonl"])
            .output()
            .unwrap(),
    );
    let mut every = BTreeSet::new();
    let mut live = BTreeSet::new();
    for e in all {
        let decoded = e.get("decoded").cloned().unwrap_or(Value::Null);
        if conds.iter().all(|c| reference(&decoded, c)) {
            let k = e["key"].as_str().unwrap().to_string();
            if e["expired"] == false {
                live.insert(k.clone());
            }
            every.insert(k);
        }
    }
    (every, live)
}

fn keys_of(db: &Path) -> BTreeSet<String> {
    all_rows(db).into_iter().map(|r| r.2).collect()
}

fn check_commands(plugin: &str, ns: &str, rows: &[Row], conds: &[(String, char, String)]) {
    let (_dir, db) = build(plugin, ns, rows);
    let (want_all, want_live) = expected(&db, ns, conds);
    let w = where_args(conds);
    // ls
    let got: BTreeSet<String> = jsonl(
        &statectl_at(&db, NOW)
            .args(["ls", ns, "--include-expired", "-o", "jsonl"])
            .args(&w)
            .output()
            .unwrap(),
    )
    .iter()
    .map(|e| e["key"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(got, want_all, "ls {w:?}");
    // export
    let out = statectl_at(&db, NOW)
        .args(["export", ns, "--include-expired"])
        .args(&w)
        .output()
        .unwrap();
    let lines = jsonl(&out);
    let exported: BTreeSet<String> = lines[1..lines.len() - 1]
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(exported, want_all, "export {w:?}");
    // prune: the dry run's count, then the real run removes exactly those rows
    let before = keys_of(&db);
    let dry = statectl_at(&db, NOW)
        .args(["prune", ns, "--include-expired", "--dry-run", "-o", "json"])
        .args(&w)
        .output()
        .unwrap();
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(
        stdout_json(&dry)["rows"],
        want_all.len(),
        "prune --dry-run {w:?}"
    );
    let backup = db.with_extension("backup.jsonl");
    let copy = db.with_extension("copy.sqlite");
    std::fs::copy(&db, &copy).unwrap();
    let real = statectl_at(&copy, NOW)
        .args(["prune", ns, "--include-expired", "-y"])
        .arg("--backup")
        .arg(&backup)
        .args(&w)
        .output()
        .unwrap();
    assert!(
        real.status.success(),
        "{}",
        String::from_utf8_lossy(&real.stderr)
    );
    let gone: BTreeSet<String> = before.difference(&keys_of(&copy)).cloned().collect();
    assert_eq!(gone, want_all, "prune {w:?}");
    if !want_all.is_empty() {
        let saved = std::fs::read_to_string(&backup).unwrap();
        assert_eq!(saved.lines().count(), want_all.len() + 2, "backup {w:?}");
    }
    // expire: live rows only
    let stored = |p: &Path| -> std::collections::BTreeMap<String, Option<i64>> {
        all_rows(p).into_iter().map(|r| (r.2, r.5)).collect()
    };
    let old = stored(&db);
    let exp = statectl_at(&db, NOW)
        .args(["expire", ns, "--in", "7d", "-y"])
        .args(&w)
        .output()
        .unwrap();
    assert!(
        exp.status.success(),
        "{}",
        String::from_utf8_lossy(&exp.stderr)
    );
    let new = stored(&db);
    let changed: BTreeSet<String> = new
        .iter()
        .filter(|(k, e)| old[*k] != **e)
        .map(|(k, _)| k.clone())
        .collect();
    let target = Some(NOW + 7 * 86_400_000);
    let want_changed: BTreeSet<String> = want_live
        .iter()
        .filter(|k| old[*k] != target)
        .cloned()
        .collect();
    assert_eq!(changed, want_changed, "expire {w:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn where_selects_what_the_reference_selects_slack(
        rows in prop::collection::vec(slack_row(), 1..25),
        conds in prop::collection::vec(slack_cond(), 1..3),
    ) {
        check_commands("slack", SLACK, &rows, &conds);
    }

    #[test]
    fn where_selects_what_the_reference_selects_discord(
        rows in prop::collection::vec(discord_row(), 1..25),
        conds in prop::collection::vec(discord_cond(), 1..3),
    ) {
        check_commands("discord", DISCORD, &rows, &conds);
    }
}

fn slack_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let rows = vec![
        (
            "default:T1:C1:1795700000.000100".to_string(),
            r#"{"agentId":"main","repliedAt":1795707000000}"#.to_string(),
            NOW - 60_000,
            None,
        ),
        (
            "default:C2:1795600000.000200".to_string(),
            r#"{"repliedAt":1795600000000}"#.to_string(),
            NOW - 50_000,
            None,
        ),
        (
            "no-grammar".to_string(),
            "{not json".to_string(),
            NOW - 40_000,
            None,
        ),
    ];
    build("slack", SLACK, &rows)
}

#[test]
fn tables_show_decoded_columns_and_mark_rows_that_do_not_decode() {
    let (_d, db) = slack_db();
    let out = statectl_at(&db, NOW).args(["ls", SLACK]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    for col in [
        "KEY",
        "ACCOUNT",
        "TEAM",
        "CHANNEL",
        "THREAD-TIME",
        "AGENT",
        "REPLIED-AT",
        "RAW",
    ] {
        assert!(header.contains(col), "{col} in {header}");
    }
    let bad = text.lines().find(|l| l.starts_with("no-grammar")).unwrap();
    assert!(
        bad.contains("<not decoded: the key fits no known grammar; the value is not JSON>"),
        "{bad}"
    );
    let old = text.lines().find(|l| l.starts_with("default:C2")).unwrap();
    assert!(old.contains(" C2 "), "{old}");
    let raw = statectl_at(&db, NOW)
        .args(["ls", SLACK, "--raw"])
        .output()
        .unwrap();
    let raw = String::from_utf8(raw.stdout).unwrap();
    assert!(
        raw.lines().next().unwrap().contains("VALUE") && !raw.contains("ACCOUNT"),
        "{raw}"
    );
}

#[test]
fn json_adds_decoded_and_csv_only_with_decoded() {
    let (_d, db) = slack_db();
    let rows = jsonl(
        &statectl_at(&db, NOW)
            .args(["ls", SLACK, "-o", "jsonl"])
            .output()
            .unwrap(),
    );
    let new = rows
        .iter()
        .find(|r| r["key"] == "default:T1:C1:1795700000.000100")
        .unwrap();
    assert_eq!(new["value"]["agentId"], "main", "existing fields stay");
    assert_eq!(new["decoded"]["team"], "T1");
    assert_eq!(new["decoded"]["replied_at"], 1795707000000i64);
    assert_eq!(new["decoded"]["thread_time"], 1795700000000i64);
    assert!(new.get("decode_error").is_none());
    let bad = rows.iter().find(|r| r["key"] == "no-grammar").unwrap();
    assert!(
        bad["decode_error"]
            .as_str()
            .unwrap()
            .contains("no known grammar")
    );
    assert_eq!(bad["corrupt"], true);
    let raw = jsonl(
        &statectl_at(&db, NOW)
            .args(["ls", SLACK, "-o", "jsonl", "--raw"])
            .output()
            .unwrap(),
    );
    assert!(raw.iter().all(|r| r.get("decoded").is_none()));

    let plain = statectl_at(&db, NOW)
        .args(["ls", SLACK, "-o", "csv"])
        .output()
        .unwrap();
    let plain = String::from_utf8(plain.stdout).unwrap();
    assert_eq!(
        plain.lines().next().unwrap(),
        "plugin_id,namespace,key,value,created_at,expires_at,expired,size_bytes"
    );
    let dec = statectl_at(&db, NOW)
        .args(["ls", SLACK, "-o", "csv", "--decoded"])
        .output()
        .unwrap();
    assert!(
        dec.status.success(),
        "{}",
        String::from_utf8_lossy(&dec.stderr)
    );
    let dec = String::from_utf8(dec.stdout).unwrap();
    let header = dec.lines().next().unwrap();
    assert!(header.starts_with("plugin_id,namespace,key,value,created_at,expires_at,expired,size_bytes,decoded.account,"), "{header}");
    assert!(header.ends_with(",decode_error"), "{header}");
    let table = statectl_at(&db, NOW)
        .args(["ls", SLACK, "--decoded"])
        .output()
        .unwrap();
    assert_eq!(table.status.code(), Some(2));
}

#[test]
fn secret_namespaces_decode_only_identifiers_and_times() {
    let (_d, db) = legacy_db();
    let v = r#"{"version":1,"sourceMessage":{"message_id":4711,"date":1795707000,"text":"meet at noon","from":{"id":5,"username":"ann"}},"threadId":"42"}"#;
    insert(
        &db,
        &[(
            "telegram",
            "telegram.message-cache",
            "default:-1001:4711",
            v,
            NOW - 1000,
            None,
        )],
    );
    for args in [vec!["-o", "jsonl"], vec![], vec!["-o", "csv", "--decoded"]] {
        let out = statectl_at(&db, NOW)
            .args(["ls", "telegram.message-cache"])
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains("noon") && !text.contains("ann"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("4711") && text.contains("-1001"),
            "{args:?}: {text}"
        );
    }
    let rows = jsonl(
        &statectl_at(&db, NOW)
            .args(["ls", "telegram.message-cache", "-o", "jsonl"])
            .output()
            .unwrap(),
    );
    assert_eq!(rows[0]["decoded"]["thread"], "42");
    assert_eq!(rows[0]["decoded"]["time"], 1795707000000i64);
    assert!(rows[0]["decoded"].get("text").is_none());
    let shown = statectl_at(&db, NOW)
        .args([
            "ls",
            "telegram.message-cache",
            "-o",
            "jsonl",
            "--show-secrets",
        ])
        .output()
        .unwrap();
    assert_eq!(jsonl(&shown)[0]["decoded"]["text"], "meet at noon");
    let hidden = statectl_at(&db, NOW)
        .args(["ls", "telegram.message-cache", "--where", "text~*noon*"])
        .output()
        .unwrap();
    assert_eq!(
        hidden.status.code(),
        Some(2),
        "no filtering on hidden personal fields"
    );
    let prune = statectl_at(&db, NOW)
        .args([
            "prune",
            "telegram.message-cache",
            "--where",
            "sender=ann",
            "-y",
        ])
        .output()
        .unwrap();
    assert_eq!(prune.status.code(), Some(2));
    assert_eq!(all_rows(&db).len(), 1);
}

#[test]
fn where_errors_name_the_problem_and_the_fields() {
    let (_d, db) = slack_db();
    let unknown = statectl_at(&db, NOW)
        .args(["ls", SLACK, "--where", "colour=red"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("unknown field 'colour'") && err.contains("account, team, channel"),
        "{err}"
    );
    for (bad, says) in [
        ("agent<3", "compare numbers and times"),
        ("replied_at>soon", "replied_at"),
        ("noop", "FIELD=VALUE"),
    ] {
        let out = statectl_at(&db, NOW)
            .args(["prune", SLACK, "--where", bad, "-y"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{bad}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let no_ns = statectl_at(&db, NOW)
        .args(["ls", "--where", "account=default"])
        .output()
        .unwrap();
    assert_eq!(no_ns.status.code(), Some(2));
    assert_eq!(
        all_rows(&db).len(),
        3,
        "nothing deleted by a refused command"
    );
    let relative = jsonl(
        &statectl_at(&db, NOW)
            .args(["ls", SLACK, "--where", "replied_at<-1h", "-o", "jsonl"])
            .output()
            .unwrap(),
    );
    assert_eq!(relative.len(), 1, "relative times compare against --now");
    assert_eq!(relative[0]["key"], "default:C2:1795600000.000200");
}

/// `--where` is AND-ed with `--key`, `--prefix`, `--match` and the time filters.
#[test]
fn where_is_anded_with_the_other_selectors() {
    let (_d, db) = slack_db();
    let keys = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = jsonl(
            &statectl_at(&db, NOW)
                .args(["ls", SLACK, "--where", "account=default", "-o", "jsonl"])
                .args(extra)
                .output()
                .unwrap(),
        )
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect();
        v.sort();
        v
    };
    let both = [
        "default:C2:1795600000.000200".to_string(),
        "default:T1:C1:1795700000.000100".to_string(),
    ];
    assert_eq!(keys(&[]), both);
    assert_eq!(keys(&["--prefix", "default:T1:"]), both[1..]);
    assert_eq!(keys(&["--match", "*:C2:*"]), both[..1]);
    assert_eq!(keys(&["--key", "default:C2:1795600000.000200"]), both[..1]);
    assert_eq!(keys(&["--key", "no-grammar"]), Vec::<String>::new());
    assert_eq!(keys(&["--older-than", "55s"]), both[1..]);
    assert_eq!(keys(&["--newer-than", "55s"]), both[..1]);
    assert_eq!(
        keys(&["--prefix", "default:T1:", "--where", "agent=alt"]),
        Vec::<String>::new()
    );
}
