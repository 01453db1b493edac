//! The gateway's openclaw.json (JSON5): found as OpenClaw finds it, named by `info`,
//! used to compare Telegram update offsets with the configured bot and to map hashed
//! MS Teams account names back, and never printed from.

mod common;
use common::*;
use std::path::Path;

const NOW: i64 = 1795707055987;
/// After every fixture row was written, while the MS Teams row is live.
const LATER: i64 = 1796196700000;
/// The token tests/decoded/make-fixtures.mjs gave the Telegram writer of the fixture.
const TOKEN: &str = "7012345678:AAFakeTokenForFixturesOnly000000000";

/// A JSON5 openclaw.json with comments, trailing commas and unquoted keys.
fn config(dir: &Path, telegram: &str) -> std::path::PathBuf {
    let path = dir.join("openclaw.json");
    let text = format!(
        "// written by hand\n{{\n  /* channels */\n  channels: {{\n    telegram: {{ {telegram} }},\n    msteams: {{ accounts: {{ Sales: {{ appId: 'x', }}, }}, }},\n  }},\n}}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn run(db: &Path, cfg: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut cmd = statectl_at(db, NOW);
    if let Some(c) = cfg {
        cmd.env("OPENCLAW_CONFIG_PATH", c);
    }
    cmd.args(args).output().unwrap()
}

fn no_secret(out: &std::process::Output, secret: &str) {
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains(secret), "printed a secret: {text}");
    }
}

fn rotation(db: &Path, cfg: Option<&Path>) -> (serde_json::Value, String) {
    let json = run(
        db,
        cfg,
        &[
            "inspect",
            "telegram.update-offsets",
            "default",
            "-o",
            "json",
        ],
    );
    assert!(json.status.success(), "{json:?}");
    let text = run(db, cfg, &["inspect", "telegram.update-offsets", "default"]);
    let text = String::from_utf8(text.stdout).unwrap();
    let bot = text
        .lines()
        .find(|l| l.starts_with("bot "))
        .unwrap_or("")
        .to_string();
    (stdout_json(&json)["rotation"].clone(), bot)
}

fn ls_status(db: &Path, cfg: Option<&Path>) -> serde_json::Value {
    let out = run(db, cfg, &["ls", "telegram.update-offsets", "-o", "json"]);
    stdout_json(&out)[0]["decoded"]["rotation_status"].clone()
}

#[test]
fn offsets_written_by_the_plugin_match_their_own_token() {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let cfg = config(dir.path(), &format!("botToken: '{TOKEN}',"));
    let (r, bot) = rotation(&db, Some(&cfg));
    assert_eq!(r["status"], "matches", "{r}");
    assert!(bot.contains("matches"), "{bot}");
    assert_eq!(ls_status(&db, Some(&cfg)), "matches");
    for args in [
        &["inspect", "telegram.update-offsets", "default"][..],
        &["ls", "telegram.update-offsets", "-o", "wide"],
        &["info"],
        &["info", "-o", "json"],
    ] {
        no_secret(&run(&db, Some(&cfg), args), "AAFakeTokenForFixturesOnly");
    }
}

#[test]
fn a_rotated_token_or_another_bot_is_named() {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let rotated = config(dir.path(), "botToken: '7012345678:AAnewSecretAfterRevoke',");
    let (r, bot) = rotation(&db, Some(&rotated));
    assert_eq!(r["status"], "token-rotated", "{r}");
    assert!(
        bot.contains("token rotated") && bot.contains("deletes this offset"),
        "{bot}"
    );
    assert_eq!(ls_status(&db, Some(&rotated)), "token-rotated");
    no_secret(
        &run(
            &db,
            Some(&rotated),
            &["inspect", "telegram.update-offsets", "default"],
        ),
        "AAnewSecret",
    );
    let other = config(
        dir.path(),
        "accounts: { default: { botToken: '8000000001:AAother', }, },",
    );
    let (r, bot) = rotation(&db, Some(&other));
    assert_eq!(r["status"], "bot-id-changed", "{r}");
    assert!(
        bot.contains("bot changed") && bot.contains("7012345678") && bot.contains("8000000001"),
        "{bot}"
    );
}

#[test]
fn legacy_records_and_api_roots() {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let cfg = config(
        dir.path(),
        &format!("botToken: '{TOKEN}', apiRoot: 'https://bots.example/',"),
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let set = |v: &str| {
        conn.execute(
            "UPDATE plugin_state_entries SET value_json = ?1 WHERE namespace = 'telegram.update-offsets'",
            [v],
        )
        .unwrap();
    };
    set(r#"{"version":2,"lastUpdateId":812345678,"botId":"7012345678"}"#);
    let (r, bot) = rotation(&db, Some(&cfg));
    assert_eq!(r["status"], "legacy-state", "{r}");
    assert!(bot.contains("legacy record"), "{bot}");
    set(
        r#"{"version":4,"lastUpdateId":812345678,"botId":"7012345678","tokenFingerprint":"a0289ed0e4bc8a99","apiRoot":"https://api.telegram.org"}"#,
    );
    let (r, bot) = rotation(&db, Some(&cfg));
    assert_eq!(r["status"], "api-root-changed", "{r}");
    assert!(
        bot.contains("api root changed") && bot.contains("https://bots.example/"),
        "{bot}"
    );
}

#[test]
fn without_a_usable_token_or_file_nothing_is_claimed() {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let (r, bot) = rotation(&db, None);
    assert_eq!(r["status"], serde_json::Value::Null);
    assert!(bot.contains("no openclaw.json found"), "{bot}");
    assert_eq!(ls_status(&db, None), serde_json::Value::Null);
    let env = config(dir.path(), "botToken: '${TELEGRAM_TOKEN}',");
    let (r, bot) = rotation(&db, Some(&env));
    assert_eq!(r["status"], serde_json::Value::Null);
    assert!(
        bot.contains("${TELEGRAM_TOKEN}") && bot.contains("does not"),
        "{bot}"
    );
    let file = config(dir.path(), "tokenFile: '/run/secrets/telegram',");
    let (_, bot) = rotation(&db, Some(&file));
    assert!(bot.contains("tokenFile /run/secrets/telegram"), "{bot}");
}

#[test]
fn info_names_the_file_read_or_why_none() {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let none = run(&db, None, &["info", "-o", "json"]);
    let doc = stdout_json(&none);
    assert_eq!(doc["config"]["status"], "missing");
    assert!(
        doc["config"]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent-home-for-tests/.openclaw/openclaw.json"),
        "{doc}"
    );
    // OPENCLAW_STATE_DIR's openclaw.json, then its clawdbot.json, as the runtime reads them.
    let state = tempfile::tempdir().unwrap();
    std::fs::write(state.path().join("clawdbot.json"), "{ channels: {}, }").unwrap();
    let out = statectl_at(&db, NOW)
        .env("OPENCLAW_STATE_DIR", state.path())
        .args(["info", "-o", "json"])
        .output()
        .unwrap();
    let doc = stdout_json(&out);
    assert_eq!(doc["config"]["status"], "loaded");
    assert_eq!(
        doc["config"]["path"],
        state.path().join("clawdbot.json").display().to_string()
    );
    std::fs::write(state.path().join("openclaw.json"), "{}").unwrap();
    let out = statectl_at(&db, NOW)
        .env("OPENCLAW_STATE_DIR", state.path())
        .args(["info"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("config")).unwrap();
    assert!(
        line.contains(&state.path().join("openclaw.json").display().to_string()),
        "{line}"
    );
    // Broken JSON5: unreadable, with the position, never the text around it.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        format!("{{ channels: {{ telegram: {{ botToken: '{TOKEN}' }}"),
    )
    .unwrap();
    let out = run(&db, Some(&broken), &["info", "-o", "json"]);
    no_secret(&out, "AAFakeToken");
    let doc = stdout_json(&out);
    assert_eq!(doc["config"]["status"], "unreadable");
    assert!(
        doc["config"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{doc}"
    );
    let (r, _) = rotation(&db, Some(&broken));
    assert!(r["message"].as_str().unwrap().contains("unreadable"), "{r}");
}

fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fixture with the MS Teams writer's row copied into the namespace a named
/// account `sales` gets (`msteams.sent-messages.account.v1.<sha256("sales")>`).
fn with_named_account() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let ns = format!("msteams.sent-messages.account.v1.{}", sha256_hex("sales"));
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "INSERT INTO plugin_state_entries SELECT plugin_id, ?1, entry_key, value_json, created_at, expires_at FROM plugin_state_entries WHERE namespace = 'msteams.sent-messages'",
            [&ns],
        )
        .unwrap();
    (dir, db, ns)
}

#[test]
fn hashed_msteams_names_map_back_to_the_configured_account() {
    let (dir, db, ns) = with_named_account();
    // `Sales` in openclaw.json: OpenClaw normalises it to `sales`, whose hash names it.
    let cfg = config(dir.path(), "");
    let out = statectl_at(&db, LATER)
        .env("OPENCLAW_CONFIG_PATH", &cfg)
        .args(["ls", &ns, "-o", "json"])
        .output()
        .unwrap();
    let row = &stdout_json(&out)[0];
    assert_eq!(row["decoded"]["account"], "Sales", "{row}");
    assert_eq!(row["decoded"]["account_hash"], sha256_hex("sales"));
    let (table, _) = on_terminal_at_with(
        250,
        &db,
        LATER,
        &["ls", &ns],
        &[("OPENCLAW_CONFIG_PATH", cfg.to_str().unwrap())],
    );
    assert!(table.contains("Sales (from openclaw.json)"), "{table}");
    let (summary, _) = on_terminal_at_with(
        250,
        &db,
        LATER,
        &["ls"],
        &[("OPENCLAW_CONFIG_PATH", cfg.to_str().unwrap())],
    );
    assert!(
        summary.contains(&format!("{ns} (Sales, from openclaw.json)")),
        "{summary}"
    );
    let explain = statectl()
        .env("OPENCLAW_CONFIG_PATH", &cfg)
        .args(["explain", &ns])
        .output()
        .unwrap();
    let text = String::from_utf8(explain.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("ACCOUNT") && l.ends_with("Sales (from openclaw.json)")),
        "{text}"
    );
    let json = statectl()
        .env("OPENCLAW_CONFIG_PATH", &cfg)
        .args(["explain", &ns, "-o", "json"])
        .output()
        .unwrap();
    let doc = stdout_json(&json);
    assert_eq!(doc["account"]["id"], "Sales");
    assert_eq!(doc["account"]["from"], "openclaw.json");
    // --where filters on the mapped name.
    let out = statectl_at(&db, LATER)
        .env("OPENCLAW_CONFIG_PATH", &cfg)
        .args(["ls", &ns, "--where", "account=Sales", "--keys-only"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
}

#[test]
fn without_the_account_in_openclaw_json_the_hash_stays() {
    let (dir, db, ns) = with_named_account();
    let hash = sha256_hex("sales");
    let short = format!("{}…{}", &hash[..6], &hash[58..]);
    let out = statectl_at(&db, LATER)
        .args(["ls", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)[0]["decoded"]["account"], short.as_str());
    let explain = statectl().args(["explain", &ns]).output().unwrap();
    let text = String::from_utf8(explain.stdout).unwrap();
    assert!(text.contains("not known: no openclaw.json found"), "{text}");
    // A configuration without that account says so and names the hash.
    let other = dir.path().join("other.json");
    std::fs::write(
        &other,
        "{ channels: { msteams: { accounts: { Support: {}, }, }, }, /* end */ }",
    )
    .unwrap();
    let explain = statectl()
        .env("OPENCLAW_CONFIG_PATH", &other)
        .args(["explain", &ns])
        .output()
        .unwrap();
    let text = String::from_utf8(explain.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "not known: no msteams account of {} has sha256 {hash}",
            other.display()
        )),
        "{text}"
    );
    let (summary, _) = on_terminal_at_with(
        250,
        &db,
        LATER,
        &["ls"],
        &[("OPENCLAW_CONFIG_PATH", other.to_str().unwrap())],
    );
    assert!(!summary.contains("from openclaw.json"), "{summary}");
}

#[test]
fn state_dir_flag_is_where_openclaw_json_is_looked_for() {
    let state = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(state.path().join("plugin-state")).unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("decoded-2026.9.6.sqlite"),
        state.path().join("plugin-state/state.sqlite"),
    )
    .unwrap();
    config(state.path(), &format!("botToken: '{TOKEN}',"));
    let out = statectl()
        .arg("--state-dir")
        .arg(state.path())
        .args([
            "inspect",
            "telegram.update-offsets",
            "default",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out)["rotation"]["status"], "matches");
    let info = statectl()
        .arg("--state-dir")
        .arg(state.path())
        .args(["info", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_json(&info)["config"]["path"],
        state.path().join("openclaw.json").display().to_string()
    );
}

/// `info` says what of a file read it uses: the accounts it found, or that there was
/// nothing to use (an empty file is no longer "accounts and Telegram bot ids read").
#[test]
fn info_says_what_the_config_file_gave() {
    let (dir, db) = fixture_copy("decoded-2026.9.6.sqlite");
    let config_line = |cfg: &Path| {
        let out = run(&db, Some(cfg), &["info"]);
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .find(|l| l.starts_with("config"))
            .unwrap()
            .to_string()
    };
    let file = config(dir.path(), &format!("botToken: '{TOKEN}',"));
    let line = config_line(&file);
    assert!(
        line.contains("(1 MS Teams account and the Telegram channel read; tokens never shown)"),
        "{line}"
    );
    std::fs::write(&file, "// nothing yet\n{}\n").unwrap();
    let line = config_line(&file);
    assert!(
        line.contains("no MS Teams accounts and no Telegram channel in it")
            && !line.contains(" read;"),
        "{line}"
    );
}
