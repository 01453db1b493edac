//! Decoded namespaces: `explain`, decoded columns and `--where` over the rows the
//! plugins' own code writes (tests/fixtures/decoded-*.sqlite, made by
//! tests/decoded/make-fixtures.mjs from each plugin's key and value code).

mod common;
use common::*;

/// Every namespace of shared/docs/namespaces.md and namespace-shapes.md.
const KNOWN: &[&str] = &[
    "slack/slack.thread-participation",
    "slack/slack.inbound-deliveries",
    "discord/discord.components",
    "discord/discord.modals",
    "discord/thread-bindings",
    "msteams/msteams.sent-messages",
    "msteams/msteams.sent-messages.account.v1.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "matrix/matrix.approval-reactions",
    "telegram/telegram.message-cache",
    "telegram/@retained.telegram.message-cache",
    "telegram/telegram.sent-messages",
    "telegram/telegram.update-offsets",
    "telegram/telegram.bot-info-cache",
    "telegram/telegram.thread-bindings",
    "telegram/telegram.sticker-cache",
    "telegram/telegram.poll-registry",
    "telegram/telegram.command-menu-locales",
    "telegram/telegram.topic-name-cache.0123456789abcdef",
    "telegram-message-dispatch-dedupe/telegram.message-dispatch-dedupe.0123456789abcdef0123456789abcdef",
    "matrix/outbound-delivery-plans",
    "matrix/credentials",
    "matrix/recovery-key",
    "matrix/idb-snapshot",
    "matrix/legacy-crypto-migration",
    "msteams/delegated-token",
    "msteams/conversations",
    "device-pair/notify-seen-requests",
    "device-pair/notify-subscribers",
    "imap/cursor",
    "imap/msgid-ring",
    "imap/dispatch-claim",
    "browser/browser.session-tabs",
    "beam/sessions",
    "onepassword/grants",
    "onepassword/audit",
    "onepassword/pending",
    "memory-core/short-term-recall",
    "memory-core/dreaming-phase",
    "memory-core/memory-host.events",
    "memory-core/memory-host.event-cursors",
    "core:system-agent/rescue-pending",
    "core:provider-auth/github-copilot-token",
];

#[test]
fn explain_knows_every_known_namespace() {
    for ns in KNOWN {
        let out = statectl()
            .args(["explain", ns, "-o", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{ns}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc = stdout_json(&out);
        let (plugin, name) = ns.split_once('/').unwrap();
        assert_eq!(doc["plugin_id"], plugin, "{ns}");
        assert_eq!(doc["namespace"], name, "{ns}");
        assert!(
            doc["prune"].is_string() && doc["overflow"].is_string(),
            "{ns}"
        );
        let text = statectl().args(["explain", ns]).output().unwrap();
        assert!(text.status.success(), "{ns}");
        let text = String::from_utf8(text.stdout).unwrap();
        for label in ["PLUGIN", "MAX ENTRIES", "TTL", "PRUNE", "SECRET"] {
            assert!(text.contains(label), "{ns}: no {label} in\n{text}");
        }
    }
}

#[test]
fn explain_shows_grammars_in_order_with_examples_and_typed_fields() {
    let out = statectl()
        .args(["explain", "slack.thread-participation", "-o", "json"])
        .output()
        .unwrap();
    let doc = stdout_json(&out);
    let grammars = doc["key_grammars"].as_array().unwrap();
    assert_eq!(
        grammars[0]["pattern"],
        "{account}:{team}:{channel}:{thread_ts}"
    );
    assert_eq!(grammars[1]["pattern"], "{account}:{channel}:{thread_ts}");
    assert!(
        grammars
            .iter()
            .all(|g| !g["example"].as_str().unwrap().is_empty())
    );
    let fields = doc["fields"].as_array().unwrap();
    let replied = fields.iter().find(|f| f["name"] == "replied_at").unwrap();
    assert_eq!(replied["type"], "time");
    assert_eq!(doc["memory_first"], true);
    assert_eq!(doc["max_entries"], 1000);
    let secret = statectl()
        .args(["explain", "telegram.message-cache", "-o", "json"])
        .output()
        .unwrap();
    let doc = stdout_json(&secret);
    assert_eq!(doc["secret"], true);
    let text = doc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "text")
        .unwrap()
        .clone();
    assert_eq!(text["personal"], true);
}

#[test]
fn explain_refuses_unknown_ambiguous_and_csv() {
    let out = statectl()
        .args(["explain", "no.such-namespace"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no.such-namespace"));
    let csv = statectl()
        .args(["explain", "discord.modals", "-o", "csv"])
        .output()
        .unwrap();
    assert_eq!(csv.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&csv.stderr).contains("json"));
    let wrong = statectl()
        .args(["explain", "slack/discord.modals"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(3));
}

#[test]
fn the_namespaces_file_adds_grammars_and_fields_that_explain_shows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("namespaces.toml");
    std::fs::write(
        &file,
        r#"
[[namespace]]
plugin = "acme"
namespace = "acme.jobs"
purpose = "Queued Acme jobs"
keys = ["{tenant}:{job}", "{job}"]
[[namespace.field]]
name = "state"
path = "job.state"
[[namespace.field]]
name = "queued_at"
path = "queuedAt"
type = "time"
"#,
    )
    .unwrap();
    let out = statectl()
        .arg("--namespaces-file")
        .arg(&file)
        .args(["explain", "acme.jobs", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = stdout_json(&out);
    assert_eq!(doc["purpose"], "Queued Acme jobs");
    assert_eq!(doc["key_grammars"][0]["pattern"], "{tenant}:{job}");
    let names: Vec<&str> = doc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tenant", "job", "state", "queued_at"]);
    std::fs::write(
        &file,
        "[[namespace]]\nplugin = \"acme\"\nnamespace = \"acme.jobs\"\nkeys = [\"{a}{b}\"]\n",
    )
    .unwrap();
    let bad = statectl()
        .arg("--namespaces-file")
        .arg(&file)
        .args(["explain", "acme.jobs"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("literal text between"), "{err}");
}
