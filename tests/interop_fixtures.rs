//! Databases written by the real OpenClaw runtime (tests/interop/harness.mjs, committed
//! in tests/fixtures) and the runtime's own answers: statectl must agree row for row,
//! without Node installed.

mod common;
use common::*;
use serde_json::Value;

fn expectations() -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".expected.json") {
            out.push(serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap());
        }
    }
    let layouts: Vec<&str> = out.iter().map(|e| e["layout"].as_str().unwrap()).collect();
    assert!(
        layouts.contains(&"legacy") && layouts.contains(&"shared"),
        "fixtures for both layouts: {layouts:?}"
    );
    out
}

fn normalize(entry: &Value, created: &str, expires: &str) -> Value {
    serde_json::json!({
        "key": entry["key"],
        "value": entry["value"],
        "createdAt": entry[created],
        "expiresAt": entry[expires],
    })
}

#[test]
fn info_reports_the_layout_and_schema_the_runtime_wrote() {
    for exp in expectations() {
        let (_dir, db) = fixture_copy(exp["db"].as_str().unwrap());
        let out = statectl()
            .arg("--db")
            .arg(&db)
            .args(["info", "-o", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let info = stdout_json(&out);
        assert_eq!(info["layout"], exp["layout"]);
        assert_eq!(info["schema_version"], exp["schema_version"]);
    }
}

#[test]
fn ls_namespace_returns_the_runtimes_entries_in_order() {
    for exp in expectations() {
        let (_dir, db) = fixture_copy(exp["db"].as_str().unwrap());
        for cp in exp["checkpoints"].as_array().unwrap() {
            let now = cp["now"].to_string();
            for ns in cp["namespaces"].as_array().unwrap() {
                let target = format!(
                    "{}/{}",
                    ns["plugin_id"].as_str().unwrap(),
                    ns["namespace"].as_str().unwrap()
                );
                let out = statectl()
                    .arg("--db")
                    .arg(&db)
                    .args(["ls", &target, "-o", "json", "--show-secrets", "--now", &now])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{target}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let got: Vec<Value> = stdout_json(&out)
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| normalize(e, "created_at", "expires_at"))
                    .collect();
                let want: Vec<Value> = ns["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| normalize(e, "createdAt", "expiresAt"))
                    .collect();
                assert_eq!(got, want, "{} at {now}: {target}", exp["runtime"]);
            }
        }
    }
}

#[test]
fn inspect_agrees_with_the_runtimes_lookup() {
    for exp in expectations() {
        let (_dir, db) = fixture_copy(exp["db"].as_str().unwrap());
        for cp in exp["checkpoints"].as_array().unwrap() {
            let now = cp["now"].to_string();
            for l in cp["lookups"].as_array().unwrap() {
                let target = format!(
                    "{}/{}",
                    l["plugin_id"].as_str().unwrap(),
                    l["namespace"].as_str().unwrap()
                );
                let key = l["key"].as_str().unwrap();
                let out = statectl()
                    .arg("--db")
                    .arg(&db)
                    .args([
                        "inspect",
                        "-o",
                        "json",
                        "--show-secrets",
                        "--now",
                        &now,
                        "--",
                        &target,
                        key,
                    ])
                    .output()
                    .unwrap();
                if l["found"].as_bool().unwrap() {
                    assert!(out.status.success(), "{target} {key:?} at {now}");
                    assert_eq!(stdout_json(&out)["value"], l["value"], "{target} {key:?}");
                } else {
                    assert_eq!(
                        out.status.code(),
                        Some(3),
                        "{target} {key:?} at {now}: runtime has no row"
                    );
                }
            }
        }
    }
}

#[test]
fn summary_live_counts_match_the_runtime() {
    for exp in expectations() {
        let (_dir, db) = fixture_copy(exp["db"].as_str().unwrap());
        for cp in exp["checkpoints"].as_array().unwrap() {
            let now = cp["now"].to_string();
            let out = statectl()
                .arg("--db")
                .arg(&db)
                .args(["ls", "-o", "json", "--now", &now])
                .output()
                .unwrap();
            let summary = stdout_json(&out);
            for ns in cp["namespaces"].as_array().unwrap() {
                let live = summary
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| {
                        r["plugin_id"] == ns["plugin_id"] && r["namespace"] == ns["namespace"]
                    })
                    .map(|r| r["live"].as_u64().unwrap())
                    .unwrap_or(0);
                assert_eq!(
                    live as usize,
                    ns["entries"].as_array().unwrap().len(),
                    "{}",
                    ns["namespace"]
                );
            }
        }
    }
}
