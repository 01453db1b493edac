//! Help and manuals (issue 16): options grouped under headings, `statectl man` through
//! `man -l -` on a terminal (roff with a hint without `man`, roff when piped), one
//! page per subcommand.

mod common;
use common::*;
use predicates::prelude::*;

/// The option names listed under `heading` in a help text, up to the next heading.
fn under(help: &str, heading: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != format!("{heading}:"))
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("--"))
                .map(|w| w.trim_end_matches(',').to_string())
        })
        .collect()
}

#[test]
fn options_are_grouped_under_headings() {
    let help = |args: &[&str]| {
        let out = statectl().args(args).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let prune = help(&["prune", "--help"]);
    let selection = under(&prune, "Selection");
    for o in ["--plugin", "--key", "--prefix", "--older-than", "--now"] {
        assert!(
            selection.contains(&o.to_string()),
            "{o} in Selection: {selection:?}"
        );
    }
    for o in ["--db", "--busy-timeout", "--format"] {
        assert!(!selection.contains(&o.to_string()), "{o} is no filter");
    }
    assert_eq!(
        under(&prune, "Safety"),
        ["--all", "--dry-run", "--yes", "--force", "--backup"]
    );
    assert!(under(&prune, "Database").contains(&"--busy-timeout".to_string()));
    assert!(under(&prune, "Output").contains(&"--format".to_string()));
    let man = help(&["man", "--help"]);
    assert!(
        under(&man, "Database").contains(&"--db".to_string()),
        "{man}"
    );
    assert!(!under(&man, "Options").contains(&"--db".to_string()));
    let import = help(&["import", "--help"]);
    assert!(under(&import, "Selection").contains(&"--prefix".to_string()));
    assert!(under(&import, "Safety").contains(&"--backup".to_string()));
    // The prune example is a whole sentence.
    assert!(
        prune.lines().any(|l| l
            .trim_end()
            .ends_with("delete every expired row still stored")),
        "{prune}"
    );
}

#[test]
fn man_prints_roff_when_piped_and_names_each_page() {
    statectl()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(".ie").and(predicate::str::contains(".TH statectl 1")));
    statectl()
        .args(["man", "prune"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH statectl-prune 1"));
    statectl()
        .args(["man", "prun"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `statectl man prune`?",
        ));
}

#[test]
fn on_a_terminal_man_pages_through_man_or_says_how_to_read_roff() {
    let bin = tempfile::tempdir().unwrap();
    let fake = bin.path().join("man");
    // A stand-in `man` that shows how it was called and the page it was given.
    std::fs::write(
        &fake,
        "#!/bin/sh\necho \"fake-man $*\"\nhead -c 3000 | grep -m1 '^.TH'\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.path().display());
    let (text, code) = on_terminal_with(80, &["man", "prune"], &[("PATH", &path)]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("fake-man -l -"), "{text}");
    assert!(text.contains(".TH statectl-prune 1"), "{text}");

    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().display().to_string();
    let (text, code) = on_terminal_with(80, &["man"], &[("PATH", &path)]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(".TH statectl 1"), "{text}");
    assert!(text.contains("`man` is not installed"), "{text}");
}
