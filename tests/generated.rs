//! Completions and man pages: the committed files are what the code generates, they
//! load in real shells and render cleanly, and every subcommand's help has examples.

mod common;
use clap::CommandFactory;
use common::*;
use statectl::commands::completions::{Shell, script};
use statectl::commands::man::pages;
use std::path::Path;
use std::process::Command as Process;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn committed_completions_match_the_code() {
    for shell in Shell::ALL {
        let path = Path::new(ROOT).join("completions").join(shell.file_name());
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == script(shell).unwrap(),
            "{} is out of date: run `cargo run -- completions --dir completions`",
            path.display()
        );
    }
}

#[test]
fn committed_man_pages_match_the_code() {
    let generated = pages().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = generated.iter().map(|(n, _)| n.clone()).collect();
    want.sort();
    assert_eq!(
        names, want,
        "man/ has exactly one page per command: run `cargo run -- man --dir man`"
    );
    for (name, bytes) in generated {
        let committed = std::fs::read(Path::new(ROOT).join("man").join(&name)).unwrap();
        assert!(
            committed == bytes,
            "man/{name} is out of date: run `cargo run -- man --dir man`"
        );
    }
}

/// A tool the test needs: present, or the test is skipped, unless CI demands it.
fn tool(name: &str) -> bool {
    let found = Process::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("STATECTL_REQUIRE_TOOLS").is_none(),
            "{name} is required (STATECTL_REQUIRE_TOOLS is set)"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// Runs `shell args...` in the repository; None when the shell is not installed.
fn in_shell(shell: &str, args: &[&str]) -> Option<std::process::Output> {
    tool(shell).then(|| {
        Process::new(shell)
            .current_dir(ROOT)
            .args(args)
            .output()
            .unwrap()
    })
}

#[test]
fn bash_loads_the_completion_script() {
    let Some(out) = in_shell(
        "bash",
        &[
            "-c",
            "source completions/statectl.bash; complete -p statectl",
        ],
    ) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("statectl"));
}

#[test]
fn zsh_loads_the_completion_script() {
    let Some(out) = in_shell(
        "zsh",
        &[
            "-f",
            "-c",
            "autoload -U compinit && compinit -u && source completions/_statectl",
        ],
    ) else {
        return;
    };
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fish_loads_the_completion_script() {
    let Some(out) = in_shell(
        "fish",
        &[
            "--no-config",
            "-c",
            "source completions/statectl.fish; complete -c statectl",
        ],
    ) else {
        return;
    };
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn man_pages_render_without_warnings() {
    if !tool("groff") {
        return;
    }
    for (name, _) in pages().unwrap() {
        let out = Process::new("groff")
            // -P-cbou: plain text, no overstrike bold, so the headings can be found.
            .args(["-ww", "-man", "-Tutf8", "-P-cbou"])
            .arg(Path::new(ROOT).join("man").join(&name))
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for section in ["EXAMPLES", "EXIT STATUS", "ENVIRONMENT", "FILES"] {
            assert!(text.contains(section), "{name} lacks {section}");
        }
    }
}

#[test]
fn every_subcommand_help_has_a_realistic_example() {
    let cmd = statectl::cli::Cli::command();
    for sub in cmd.get_subcommands() {
        let after = sub
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(
            after.contains("Examples:") && after.contains("statectl"),
            "{} --help has no example",
            sub.get_name()
        );
    }
    // The four everyday jobs are shown where users look for them.
    let help = |name: &str| {
        cmd.find_subcommand(name)
            .unwrap()
            .get_after_help()
            .unwrap()
            .to_string()
    };
    assert!(help("ls").contains("statectl ls slack.thread-participation"));
    assert!(help("export").contains("before-upgrade.jsonl"));
    assert!(help("prune").contains("statectl prune discord.modals --older-than 1h"));
    assert!(help("check").contains("cron"));
}

#[test]
fn namespaces_complete_from_the_database_on_the_command_line() {
    let (_d, db) = fixture_copy("legacy-2026.5.6.sqlite");
    let out = statectl()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "4")
        .env("_CLAP_IFS", "\n")
        .args(["--", "statectl", "--db"])
        .arg(&db)
        .args(["ls", "disc"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(got.contains(&"discord.modals".to_string()), "{got:?}");
    assert!(
        got.contains(&"discord/thread-bindings".to_string()),
        "{got:?}"
    );
    assert!(got.iter().all(|c| c.starts_with("disc")), "{got:?}");
}

/// `inspect NS <TAB>` and `--key <TAB>` complete the keys of that namespace, through
/// the protocol each shell's script speaks (bash and zsh pass the word index; fish
/// completes the last word and gets `value<TAB>help` lines).
#[test]
fn keys_complete_from_the_namespace_on_the_command_line() {
    let (_d, db) = legacy_db();
    insert(
        &db,
        &[
            ("discord", "discord.modals", "mdl_a1", "1", 1, None),
            ("discord", "discord.modals", "mdl_a2", "1", 1, None),
            ("discord", "discord.modals", "mdl_b1", "1", 1, None),
            ("discord", "discord.components", "mdl_other", "1", 1, None),
            ("telegram", "telegram.sent-messages", "-100:1", "1", 1, None),
        ],
    );
    let db = db.to_str().unwrap().to_string();
    let complete = |shell: &str, line: &[&str]| -> Vec<String> {
        let mut cmd = statectl();
        cmd.env("COMPLETE", shell);
        if shell != "fish" {
            cmd.env("_CLAP_COMPLETE_INDEX", (line.len() - 1).to_string())
                .env("_CLAP_IFS", "\n");
        }
        let out = cmd.arg("--").args(line).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            // zsh's lines escape `:` (its description separator).
            .map(|l| l.split('\t').next().unwrap().replace("\\:", ":"))
            .filter(|l| !l.is_empty())
            .collect()
    };
    for shell in ["bash", "zsh", "fish"] {
        let got = complete(
            shell,
            &[
                "statectl",
                "--db",
                &db,
                "inspect",
                "discord.modals",
                "mdl_a",
            ],
        );
        assert_eq!(got, ["mdl_a1", "mdl_a2"], "{shell}: inspect NS KEY");
        let got = complete(
            shell,
            &[
                "statectl",
                "--db",
                &db,
                "ls",
                "discord/discord.modals",
                "--key",
                "mdl_",
            ],
        );
        assert_eq!(got, ["mdl_a1", "mdl_a2", "mdl_b1"], "{shell}: --key");
        let got = complete(
            shell,
            &[
                "statectl",
                "--db",
                &db,
                "prune",
                "--older-than",
                "1h",
                "telegram.sent-messages",
                "--key",
                "-1",
            ],
        );
        assert_eq!(got, ["-100:1"], "{shell}: a flag value is no namespace");
    }
}

#[test]
fn where_completes_the_decoded_fields_of_the_namespace_on_the_line() {
    let complete = |words: &[&str]| -> Vec<String> {
        let out = statectl()
            .env("COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", (words.len()).to_string())
            .env("_CLAP_IFS", "\n")
            .args(["--", "statectl"])
            .args(words)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let got = complete(&["prune", "discord.components", "--where", "me"]);
    assert_eq!(got, ["message="], "{got:?}");
    let got = complete(&["ls", "slack.thread-participation", "--where", ""]);
    for f in ["account=", "team=", "channel=", "replied_at="] {
        assert!(got.contains(&f.to_string()), "{f} in {got:?}");
    }
    assert!(!got.contains(&"label=".to_string()), "{got:?}");
}

/// `explain` needs no database, so its namespace completes from what statectl knows.
#[test]
fn explain_completes_known_namespaces_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = statectl()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "4")
        .env("_CLAP_IFS", "\n")
        .args(["--", "statectl", "--state-dir"])
        .arg(dir.path())
        .args(["explain", "telegram.s"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for want in ["telegram.sent-messages", "telegram.sticker-cache"] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    assert!(got.iter().all(|c| c.starts_with("telegram.s")), "{got:?}");
}
