//! Hostile environments, built for real: other users (the statectl child or an
//! attacker runs under uid 65534 through `setpriv`), read-only mounts, a full tmpfs,
//! FIFOs, symlinks and hard links. These tests need root (CI runs as root); a test
//! that cannot build its situation fails, it never passes without its check.

mod common;
use common::*;
use predicates::prelude::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: i64 = 1_795_707_067_200;
const NOBODY: u32 = 65534;

/// Fails (never skips) when the test cannot build its situation.
fn require_root() {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "this test builds its situation as root (other uids, mounts); run it as root as CI does"
    );
}

fn sh(script: &str) -> std::process::Output {
    let out = Command::new("sh")
        .args(["-euc", script])
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "setting up failed: {script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a shell script as uid/gid 65534 (the attacker, or an unprivileged user).
fn sh_as_nobody(script: &str) {
    require_root();
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sh",
            "-euc",
            script,
        ])
        .output()
        .expect("setpriv (util-linux) is needed");
    assert!(
        out.status.success(),
        "as uid 65534: {script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A temp dir that uid 65534 can reach (and, with `open`, write: mode 1777 as /tmp).
fn shared_dir(open: bool) -> tempfile::TempDir {
    require_root();
    let d = tempfile::tempdir().unwrap();
    let mode = if open { 0o1777 } else { 0o755 };
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    d
}

fn lock_name(root: &Path, db: &Path, family: &str) -> PathBuf {
    let uid = std::fs::metadata(db).unwrap().uid();
    statectl::store::write::lock_file_in(root, db, uid, family)
}

/// `prune --expired -y` on `db` with `root` as the lock root.
fn prune_with_lock_root(db: &Path, root: &Path) -> assert_cmd::assert::Assert {
    statectl_at(db, NOW)
        .env("STATECTL_TEST_LOCK_ROOT", root)
        .args(["prune", "--expired", "-y"])
        .assert()
}

// ---- item 3: lock directory trust ------------------------------------------------

#[test]
fn a_lock_directory_planted_by_another_user_is_refused_and_its_links_not_followed() {
    let root = shared_dir(true);
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let before = all_rows(&db);
    let victim = root.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let lifecycle = lock_name(root.path(), &db, "state-lifecycle");
    let handles = lock_name(root.path(), &db, "state-handles");
    let dir = lifecycle.parent().unwrap();
    // The attacker makes root's lock directory first, open to all, full of links.
    sh_as_nobody(&format!(
        "mkdir -m 777 '{d}' && chmod 777 '{d}' && ln -s '{v}' '{l}' && ln -s '{v}' '{h}' && ln -s '{d}/made-by-link' '{d}/x'",
        d = dir.display(),
        v = victim.display(),
        l = lifecycle.display(),
        h = handles.display(),
    ));
    prune_with_lock_root(&db, root.path())
        .code(4)
        .stderr(predicate::str::contains("belongs to another user"))
        .stderr(predicate::str::contains(dir.to_str().unwrap()));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(
        std::fs::metadata(&victim).unwrap().mode() & 0o7777,
        0o644,
        "the victim's mode is untouched"
    );
    assert_eq!(all_rows(&db), before, "nothing was pruned");
    assert_eq!(std::fs::metadata(dir).unwrap().uid(), NOBODY);
}

#[test]
fn a_lock_directory_that_is_a_symlink_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let before = all_rows(&db);
    let elsewhere = root.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o700)).unwrap();
    let dir = lock_name(root.path(), &db, "state-lifecycle")
        .parent()
        .unwrap()
        .to_path_buf();
    std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
    prune_with_lock_root(&db, root.path())
        .code(4)
        .stderr(predicate::str::contains("symbolic link"));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert_eq!(all_rows(&db), before);
}

#[test]
fn an_own_lock_directory_open_to_others_is_made_private_as_the_runtime_does() {
    let root = tempfile::tempdir().unwrap();
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let lifecycle = lock_name(root.path(), &db, "state-lifecycle");
    let dir = lifecycle.parent().unwrap();
    std::fs::create_dir(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    prune_with_lock_root(&db, root.path()).success();
    assert_eq!(std::fs::metadata(dir).unwrap().mode() & 0o7777, 0o700);
    let lock = std::fs::symlink_metadata(&lifecycle).unwrap();
    assert!(lock.is_file(), "the lock file was created in the directory");
    assert_eq!(lock.mode() & 0o777, 0o600);
}

#[test]
fn a_symlinked_lock_file_is_never_followed() {
    let root = tempfile::tempdir().unwrap();
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let before = all_rows(&db);
    let victim = root.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let handles = lock_name(root.path(), &db, "state-handles");
    std::fs::create_dir(handles.parent().unwrap()).unwrap();
    std::fs::set_permissions(
        handles.parent().unwrap(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    std::os::unix::fs::symlink(&victim, &handles).unwrap();
    prune_with_lock_root(&db, root.path())
        .code(4)
        .stderr(predicate::str::contains("symbolic link"));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o7777, 0o644);
    assert_eq!(all_rows(&db), before);
    // A dangling link must not create its target either.
    std::fs::remove_file(&handles).unwrap();
    let target = root.path().join("made-by-link");
    std::os::unix::fs::symlink(&target, &handles).unwrap();
    prune_with_lock_root(&db, root.path()).code(4);
    assert!(
        !target.exists(),
        "no file was created where the link points"
    );
}

// ---- item 1: destination = source -------------------------------------------------

#[test]
fn export_and_backup_refuse_to_write_onto_the_database_or_its_sidecars() {
    let (d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let before = std::fs::read(&db).unwrap();
    let link = d.path().join("link.sqlite");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let hard = d.path().join("hard.sqlite");
    std::fs::hard_link(&db, &hard).unwrap();
    let wal = d.path().join("shared-2026.9.6.sqlite-wal");
    let journal = d.path().join("shared-2026.9.6.sqlite-journal");
    let via_dotdot = d.path().join("sub/../shared-2026.9.6.sqlite");
    std::fs::create_dir(d.path().join("sub")).unwrap();
    for dest in [&db, &link, &hard, &wal, &journal, &via_dotdot] {
        statectl_at(&db, NOW)
            .arg("export")
            .arg("-O")
            .arg(dest)
            .arg("--force")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is the database being read"));
        statectl_at(&db, NOW)
            .arg("backup")
            .arg(dest)
            .arg("--force")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is the database being read"));
    }
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database is intact"
    );
    assert!(!journal.exists());
    // Another name in the same directory is still fine.
    statectl_at(&db, NOW)
        .arg("backup")
        .arg(d.path().join("copy.sqlite"))
        .assert()
        .success();
}

// ---- item 2: special files -------------------------------------------------------

#[test]
fn fifos_devices_directories_and_fd_links_are_refused_even_with_force() {
    require_root();
    let (d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let fifo = d.path().join("fifo");
    sh(&format!("mkfifo '{}'", fifo.display()));
    // A private copy of /dev/null's device node: the real one is never at risk.
    let null = d.path().join("null");
    sh(&format!("mknod '{}' c 1 3", null.display()));
    let fd_link = d.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &fd_link).unwrap();
    let dir = d.path().join("dir");
    std::fs::create_dir(&dir).unwrap();
    for (dest, what) in [
        (&fifo, "is a FIFO"),
        (&null, "is a character device"),
        (&fd_link, "file descriptor"),
        (&dir, "is a directory"),
    ] {
        statectl_at(&db, NOW)
            .arg("export")
            .arg("-O")
            .arg(dest)
            .arg("--force")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(what))
            .stderr(predicate::str::contains("use - for stdout"));
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(
        std::fs::metadata(&null)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert!(
        std::fs::symlink_metadata(&fd_link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // `backup` to a FIFO is refused the same way.
    statectl_at(&db, NOW)
        .arg("backup")
        .arg(&fifo)
        .arg("--force")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a FIFO"));
}

#[test]
fn backup_into_a_directory_names_the_file_by_its_utc_time() {
    let (d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let dir = d.path().join("backups");
    std::fs::create_dir(&dir).unwrap();
    statectl_at(&db, NOW)
        .arg("backup")
        .arg(&dir)
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    assert!(
        name.starts_with("openclaw-state-2") && name.ends_with("Z.sqlite"),
        "{name}"
    );
    assert_eq!(all_rows(&dir.join(name)), all_rows(&db));
    assert_eq!(
        std::fs::metadata(dir.join(name)).unwrap().mode() & 0o777,
        0o600
    );
}

#[test]
fn export_dash_writes_to_stdout_and_makes_no_file() {
    let (d, db) = fixture_copy("shared-2026.9.6.sqlite");
    let out = statectl_at(&db, NOW)
        .current_dir(d.path())
        .args(["export", "-O", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!d.path().join("-").exists(), "no file named -");
    let text = String::from_utf8(out.stdout).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["statectl_export"], 1);
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .contains("statectl_export_end")
    );
}

// ---- item 7: disk full -----------------------------------------------------------

/// Runs `cmd` (a statectl_process) in a private mount namespace after `setup` (shell,
/// run as root inside the namespace), then `after` (its output is returned as well).
fn in_mount_namespace(
    setup: &str,
    cmd: std::process::Command,
    after: &str,
) -> (std::process::Output, String) {
    require_root();
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-euc"]);
    c.arg(format!(
        "{setup}\nset +e\n\"$@\" 2>\"$STATECTL_T_ERR\"\nrc=$?\nset -e\n{after}\nexit $rc"
    ));
    c.arg("sh").arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let err = tempfile::NamedTempFile::new().unwrap();
    c.env("STATECTL_T_ERR", err.path());
    let out = c.output().expect("unshare (util-linux) is needed");
    let stderr = std::fs::read_to_string(err.path()).unwrap();
    (out, stderr)
}

#[test]
fn a_backup_that_fills_the_disk_leaves_nothing_behind() {
    let (d, db) = legacy_db();
    // About 3 MiB of rows, onto a 1 MiB tmpfs.
    let c = rusqlite::Connection::open(&db).unwrap();
    let big = format!("\"{}\"", "x".repeat(3000));
    for i in 0..1000 {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('p', 'ns', ?1, ?2, 1, NULL)",
            rusqlite::params![format!("k{i}"), big],
        )
        .unwrap();
    }
    drop(c);
    let full = d.path().join("full");
    std::fs::create_dir(&full).unwrap();
    let mut cmd = statectl_process();
    cmd.arg("--db")
        .arg(&db)
        .arg("backup")
        .arg(full.join("b.sqlite"));
    let (out, stderr) = in_mount_namespace(
        &format!("mount -t tmpfs -o size=1m tmpfs '{}'", full.display()),
        cmd,
        &format!("ls -A '{}'", full.display()),
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("full") || stderr.contains("space"),
        "says the disk is full: {stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "nothing left on the full disk"
    );
}

// ---- item 12: closed pipes -------------------------------------------------------

/// A pipe whose reading end is already closed: every write to it fails with EPIPE,
/// with no race against the reader.
fn closed_pipe() -> std::process::Stdio {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is ours and closed once; fds[1] is handed over to Stdio.
    unsafe {
        libc::close(fds[0]);
        std::process::Stdio::from(std::os::fd::OwnedFd::from_raw_fd(fds[1]))
    }
}

#[test]
fn every_format_ends_quietly_on_a_closed_pipe() {
    // Far more output than any buffer (csv's, stdout's) holds: writes fail midway.
    let (_d, db) = legacy_db();
    let c = rusqlite::Connection::open(&db).unwrap();
    for i in 0..3000 {
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('p', 'ns.a', ?1, '{\"v\":\"0123456789012345678901234567890123456789\"}', ?2, NULL)",
            rusqlite::params![format!("key-{i:05}"), 1_795_707_000_000i64 + i],
        )
        .unwrap();
        c.execute(
            "INSERT INTO plugin_state_entries VALUES ('p', ?1, 'k', '1', 1795707000000, NULL)",
            [format!("ns.{i}")],
        )
        .unwrap();
    }
    drop(c);
    let cases: Vec<Vec<&str>> = ["table", "json", "jsonl", "csv"]
        .iter()
        .flat_map(|f| {
            [
                vec!["-o", f, "ls"],
                vec!["-o", f, "ls", "p/ns.a"],
                vec!["-o", f, "ls", "p/ns.a", "--keys-only"],
            ]
        })
        .chain([
            vec!["export"],
            vec!["info"],
            vec!["inspect", "p/ns.a", "key-00001"],
        ])
        .collect();
    for args in cases {
        let mut cmd = statectl_process();
        cmd.arg("--db").arg(&db).args(["--now", &NOW.to_string()]);
        let out = cmd
            .args(&args)
            .stdout(closed_pipe())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

// ---- item 11: busy after a partial run --------------------------------------------

#[test]
fn a_lock_lost_midway_says_how_many_rows_were_already_deleted() {
    let (_d, db) = legacy_db();
    let total = 20_000i64;
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("BEGIN").unwrap();
        for i in 0..total {
            c.execute(
                "INSERT INTO plugin_state_entries VALUES ('p', 'big', ?1, '1', ?2, NULL)",
                rusqlite::params![format!("k{i:06}"), NOW - 1_000_000 + i],
            )
            .unwrap();
        }
        c.execute_batch("COMMIT").unwrap();
    }
    let mut child = statectl_process()
        .arg("--db")
        .arg(&db)
        .args([
            "--now",
            &NOW.to_string(),
            "-o",
            "json",
            "--busy-timeout",
            "300",
        ])
        .args(["prune", "p/big", "--all", "-y"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut holder = rusqlite::Connection::open(&db).unwrap();
    // Retries at once (no back-off), so it finds the gap statectl leaves between batches.
    holder
        .busy_handler(Some(|_| {
            std::thread::yield_now();
            true
        }))
        .unwrap();
    let count = || -> i64 {
        holder
            .query_row("SELECT COUNT(*) FROM plugin_state_entries", [], |r| {
                r.get(0)
            })
            .unwrap()
    };
    // Wait for the first committed batch, then take the write lock between batches.
    let start = std::time::Instant::now();
    while count() == total {
        assert!(child.try_wait().unwrap().is_none(), "finished too early");
        assert!(start.elapsed() < std::time::Duration::from_secs(120));
        std::thread::yield_now();
    }
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let status = child.wait().unwrap();
    holder.execute_batch("ROLLBACK").unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(5), "{stderr}");
    let deleted = total - count();
    assert!(deleted > 0 && deleted < total, "{deleted}");
    let err: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
    let message = err["error"]["message"].as_str().unwrap();
    let said = format!(
        "{} rows were already deleted",
        deleted
            .to_string()
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(message.contains(&said), "{message} should say {said}");
    assert!(message.contains("run the command again"), "{message}");
    assert_eq!(err["error"]["exit"], 5);
}

// ---- item 6: pipes and stdin -----------------------------------------------------

fn export_of(db: &Path) -> Vec<u8> {
    let out = statectl_at(db, NOW).arg("export").output().unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn verify_and_import_read_stdin_as_dash() {
    let (_s, src) = fixture_copy("shared-2026.9.6.sqlite");
    let file = export_of(&src);
    let live = live_rows(&src, NOW, None);
    statectl()
        .args(["verify", "-"])
        .write_stdin(file.clone())
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!("ok: {live} entries")));
    let (_d, db) = legacy_db();
    statectl_at(&db, NOW)
        .args(["import", "-"])
        .write_stdin(file)
        .assert()
        .success();
    assert_eq!(all_rows(&db).len() as i64, live);
    // A truncated stream is refused as a truncated file is, and nothing is written.
    let (_d2, db2) = legacy_db();
    let mut cut = export_of(&src);
    cut.truncate(cut.len() - 20);
    statectl_at(&db2, NOW)
        .args(["import", "-"])
        .write_stdin(cut)
        .assert()
        .code(2);
    assert!(all_rows(&db2).is_empty());
}

#[test]
fn import_reads_a_fifo_as_from_a_process_substitution() {
    require_root();
    let (_s, src) = fixture_copy("shared-2026.9.6.sqlite");
    let file = export_of(&src);
    let (d, db) = legacy_db();
    let fifo = d.path().join("export.fifo");
    sh(&format!("mkfifo '{}'", fifo.display()));
    let feeder = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, file).unwrap())
    };
    statectl_at(&db, NOW)
        .arg("import")
        .arg(&fifo)
        .assert()
        .success();
    feeder.join().unwrap();
    assert_eq!(all_rows(&db).len() as i64, live_rows(&src, NOW, None));
}

// ---- item 8: terminal injection --------------------------------------------------

#[test]
fn escape_sequences_in_keys_and_ids_are_never_printed_raw_for_people() {
    let (_d, db) = legacy_db();
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
    let plugin = format!("p{evil}");
    let ns = format!("ns{evil}");
    let key = format!("k{evil}\nline2");
    insert(
        &db,
        &[
            (&plugin, &ns, &key, "{\"a\":1}", NOW - 10, None),
            (
                &plugin,
                &ns,
                "corrupt",
                "{not json\u{1b}[31m",
                NOW - 5,
                None,
            ),
        ],
    );
    let target = format!("{plugin}/{ns}");
    let human: Vec<Vec<&str>> = vec![
        vec!["ls"],
        vec!["ls", &target],
        vec!["ls", &target, "--keys-only"],
        vec!["-o", "csv", "ls"],
        vec!["-o", "csv", "ls", &target],
        vec!["-o", "csv", "ls", &target, "--keys-only"],
        vec!["inspect", &target, &key],
        vec!["inspect", &target, "corrupt"],
        vec!["prune", &target, "--all", "--dry-run"],
        vec!["check"],
        vec!["inspect", &target, "missing\u{1b}[2J"],
    ];
    for args in &human {
        let out = statectl_at(&db, NOW).args(args).output().unwrap();
        let want = match args[0] {
            "check" => 2, // CRITICAL: a corrupt value, named in the message
            _ if args.contains(&"missing\u{1b}[2J") => 3,
            _ => 0,
        };
        assert_eq!(
            out.status.code(),
            Some(want),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !bytes.iter().any(|b| *b == 0x1b || *b == 0x07),
                "{args:?} printed a raw control character on {name}: {}",
                String::from_utf8_lossy(bytes)
            );
            assert!(
                !String::from_utf8_lossy(bytes).contains('\u{202e}'),
                "{args:?}: raw bidi override on {name}"
            );
        }
        assert!(
            !out.stdout.is_empty() || !out.stderr.is_empty(),
            "{args:?} printed something"
        );
    }
    // What people see names the key, escaped.
    let out = statectl_at(&db, NOW)
        .args(["ls", &target, "--keys-only"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "k\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}\\nline2\ncorrupt\n"
    );
    // JSON stays exact.
    let out = statectl_at(&db, NOW)
        .args(["-o", "json", "ls", &target, "--keys-only"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&out), serde_json::json!([key, "corrupt"]));
}

// ---- item 5: permission errors named as such ---------------------------------------

/// `cmd` (a statectl_process) run as uid/gid 65534 through setpriv, same environment.
fn as_nobody(cmd: std::process::Command) -> std::process::Command {
    require_root();
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
    c.arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

#[test]
fn a_state_dir_another_user_keeps_private_is_reported_as_a_permission_problem() {
    let top = shared_dir(false);
    let state = top.path().join("openclaw-state");
    std::fs::create_dir_all(state.join("state")).unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("shared-2026.9.6.sqlite"),
        state.join("state/openclaw.sqlite"),
    )
    .unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    for how in ["--state-dir", "--db"] {
        let mut cmd = statectl_process();
        if how == "--db" {
            cmd.arg("--db").arg(state.join("state/openclaw.sqlite"));
        } else {
            cmd.arg("--state-dir").arg(&state);
        }
        cmd.arg("ls");
        let out = as_nobody(cmd).output().expect("setpriv");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{how}: {stderr}");
        assert!(
            stderr.contains("permission denied")
                && stderr.contains(&format!("{} (owner uid 0, mode 0700)", state.display()))
                && stderr.contains("run statectl as that user"),
            "{how}: {stderr}"
        );
        assert!(!stderr.contains("no OpenClaw plugin state database found"));
    }
}

// ---- item 10: clear errors -------------------------------------------------------

#[test]
fn tables_and_values_openclaw_never_writes_get_a_one_line_error_naming_them() {
    let cols = "plugin_id TEXT NOT NULL, namespace TEXT NOT NULL, entry_key TEXT NOT NULL, value_json TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER";
    let cases = [
        (
            format!(
                "CREATE TABLE plugin_state_entries ({cols}, PRIMARY KEY (plugin_id, namespace, entry_key)) WITHOUT ROWID;"
            ),
            "is declared WITHOUT ROWID",
        ),
        (
            format!("CREATE TABLE plugin_state_entries ({cols});"),
            "has no primary key",
        ),
        (
            format!(
                "{LEGACY_SCHEMA} INSERT INTO plugin_state_entries VALUES ('p', 'ns', 'k', '1', 'yesterday', NULL);"
            ),
            "holds a TEXT value in column created_at, where OpenClaw stores an INTEGER (epoch ms)",
        ),
    ];
    for (sql, says) in cases {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("state.sqlite");
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch(&format!("{sql} PRAGMA user_version = 1;"))
            .unwrap();
        // The summary reads every row (a listing shows such a row rather than fail).
        let out = statectl_at(&db, NOW).args(["ls"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(!stderr.contains("rusqlite") && !stderr.contains("Invalid column type"));
    }
}

#[test]
fn a_limit_beyond_what_sqlite_can_take_is_a_usage_error() {
    let (_d, db) = fixture_copy("shared-2026.9.6.sqlite");
    statectl_at(&db, NOW)
        .args([
            "ls",
            "slack.thread-participation",
            "--limit",
            "18446744073709551615",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--limit"))
        .stderr(predicate::str::contains("datatype mismatch").not());
    statectl_at(&db, NOW)
        .args([
            "ls",
            "slack.thread-participation",
            "--limit",
            "9223372036854775807",
            "--keys-only",
        ])
        .assert()
        .success()
        .stdout(predicate::str::is_empty().not());
}

#[test]
fn a_trailer_with_whitespace_is_accepted_and_a_pretty_printed_one_is_named() {
    let (_s, src) = fixture_copy("shared-2026.9.6.sqlite");
    let live = live_rows(&src, NOW, None);
    let file = String::from_utf8(export_of(&src)).unwrap();
    let (body, trailer) = file.trim_end().rsplit_once('\n').unwrap();
    let end: serde_json::Value = serde_json::from_str(trailer).unwrap();
    for variant in [
        format!("  {trailer}"),
        format!("\t{trailer}  "),
        format!(
            "{{ \"statectl_export_end\" : {} }}",
            end["statectl_export_end"]
        ),
    ] {
        statectl()
            .args(["verify", "-"])
            .write_stdin(format!("{body}\n{variant}\n"))
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!("ok: {live} entries")));
    }
    let pretty = serde_json::to_string_pretty(&end).unwrap();
    statectl()
        .args(["verify", "-"])
        .write_stdin(format!("{body}\n{pretty}\n"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("multi-line JSON object"))
        .stderr(predicate::str::contains("trailer must be one line"));
}

// ---- item 9: bounded memory on bad input --------------------------------------------

#[test]
fn a_huge_line_is_refused_in_bounded_memory() {
    use std::io::Write;
    // Reaped below with wait4, which std's wait cannot do: it gives the child's rusage.
    #[allow(clippy::zombie_processes)]
    let mut child = statectl_process()
        .args(["verify", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let header = r#"{"statectl_export":1,"exported_at":1,"now":1,"source":{},"selection":{}}"#;
        writeln!(stdin, "{header}").unwrap();
        let chunk = vec![b'x'; 1 << 20];
        // 256 MiB on one line, unless statectl stops reading first (it should).
        let mut sent = 0usize;
        for _ in 0..256 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    // wait4 gives this child's own peak memory.
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child's pid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as i32;
    // SAFETY: waits for our own child, which std has not reaped.
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    let sent = feeder.join().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(libc::WIFEXITED(status), "{stderr}");
    assert_eq!(libc::WEXITSTATUS(status), 2, "{stderr}");
    assert!(
        stderr.contains("line 2") && stderr.contains("longer than"),
        "{stderr}"
    );
    let peak_kib = usage.ru_maxrss;
    assert!(
        peak_kib < 48 * 1024,
        "statectl used {peak_kib} KiB for a line it should refuse early"
    );
    assert!(
        sent < 256 << 20,
        "statectl stopped reading early ({sent} bytes sent)"
    );
}

// ---- item 4: read-only places ----------------------------------------------------

/// A WAL-mode copy of the 2026.9.6 fixture in a directory uid 65534 can enter.
fn wal_db_in_shared_dir() -> (tempfile::TempDir, PathBuf) {
    let d = shared_dir(false);
    let db = d.path().join("openclaw.sqlite");
    std::fs::copy(Path::new(FIXTURES).join("shared-2026.9.6.sqlite"), &db).unwrap();
    let mode: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(!d.path().join("openclaw.sqlite-shm").exists());
    (d, db)
}

fn ro_bind(dir: &Path) -> String {
    format!(
        "mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}'",
        d = dir.display()
    )
}

#[test]
fn read_commands_and_check_work_on_a_read_only_bind_mount() {
    let (d, db) = wal_db_in_shared_dir();
    let want = all_rows(&db);
    for args in [
        vec![
            "-o",
            "json",
            "ls",
            "slack.thread-participation",
            "--keys-only",
        ],
        vec!["check"],
        vec!["info"],
    ] {
        let mut cmd = statectl_process();
        cmd.arg("--db")
            .arg(&db)
            .args(["--now", &NOW.to_string()])
            .args(&args);
        let (out, stderr) = in_mount_namespace(&ro_bind(d.path()), cmd, "true");
        let stdout = String::from_utf8_lossy(&out.stdout);
        if args[0] == "check" {
            // WARNING (1) at most: the test directory is not 0700, nothing is UNKNOWN.
            assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
            assert!(
                stdout.contains("OK       open") && stdout.contains("OK       integrity"),
                "{stdout}"
            );
            assert!(!stdout.contains("UNKNOWN"), "{stdout}");
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        if args.get(2) == Some(&"ls") {
            let keys: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(keys.as_array().unwrap().len(), 5);
        }
    }
    assert_eq!(all_rows(&db), want);
}

#[test]
fn a_directory_the_reader_cannot_write_is_explained() {
    let (d, db) = wal_db_in_shared_dir();
    let mut cmd = statectl_process();
    cmd.arg("--db")
        .arg(&db)
        .args(["--now", &NOW.to_string(), "ls"]);
    let out = as_nobody(cmd).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("must create")
            && stderr.contains("-shm")
            && stderr.contains(&format!(
                "uid 65534 may not write in {}",
                d.path().display()
            ))
            && stderr.contains("run statectl as the database's owner"),
        "{stderr}"
    );
    assert!(!stderr.contains("unable to open database file"));
    // With the gateway running (its connection keeps -wal and -shm), the same reader
    // reads through the read-only -shm.
    let gateway = rusqlite::Connection::open(&db).unwrap();
    gateway
        .execute_batch("UPDATE plugin_state_entries SET value_json = value_json WHERE rowid = 1")
        .unwrap();
    assert!(d.path().join("openclaw.sqlite-shm").exists());
    assert!(d.path().join("openclaw.sqlite-wal").exists());
    let mut cmd = statectl_process();
    cmd.arg("--db")
        .arg(&db)
        .args(["--now", &NOW.to_string(), "-o", "json", "ls"]);
    let out = as_nobody(cmd).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout_json(&out).as_array().unwrap().is_empty());
    drop(gateway);
}

#[test]
fn a_hot_journal_on_a_read_only_mount_has_its_own_message() {
    let d = shared_dir(false);
    let (_l, legacy) = legacy_db();
    let db = d.path().join("state.sqlite");
    {
        // A rollback-journal database with a write interrupted mid-transaction.
        let c = rusqlite::Connection::open(&legacy).unwrap();
        c.execute_batch("PRAGMA journal_mode = DELETE").unwrap();
        drop(c);
        std::fs::copy(&legacy, &db).unwrap();
        insert(&db, &[("p", "ns", "k", "1", NOW, None)]);
        let script = format!(
            "import sqlite3,os\nc=sqlite3.connect('{db}',isolation_level=None)\nc.execute('PRAGMA cache_size=1')\nc.execute('BEGIN')\nfor i in range(3000): c.execute(\"INSERT INTO plugin_state_entries VALUES ('p','ns',?,?,1,NULL)\",(str(i),'x'*200))\nos._exit(0)",
            db = db.display()
        );
        let out = Command::new("python3")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let journal = d.path().join("state.sqlite-journal");
    assert!(
        std::fs::metadata(&journal).unwrap().len() > 0,
        "the interrupted write left a hot journal"
    );
    let mut cmd = statectl_process();
    cmd.arg("--db")
        .arg(&db)
        .args(["--now", &NOW.to_string(), "ls"]);
    let (out, stderr) = in_mount_namespace(&ro_bind(d.path()), cmd, "true");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("hot rollback journal") && stderr.contains("read-only mount"),
        "{stderr}"
    );
    assert!(!stderr.contains("check file and directory permissions"));
}

/// A directory of the state dir another user keeps private may hold a database: `dbs`
/// names it, `ls --all-dbs` warns, `check --all-dbs` is UNKNOWN for it (issue 21).
#[test]
fn all_dbs_names_a_directory_it_cannot_read() {
    let top = shared_dir(false);
    let state = top.path().join("openclaw-state");
    let private = state.join("agents/private/state");
    std::fs::create_dir_all(state.join("state")).unwrap();
    std::fs::create_dir_all(&private).unwrap();
    for db in [
        state.join("state/openclaw.sqlite"),
        private.join("openclaw.sqlite"),
    ] {
        std::fs::copy(Path::new(FIXTURES).join("shared-2026.9.6.sqlite"), &db).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    for d in [&state, &state.join("state"), &state.join("agents")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(
        state.join("agents/private"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut cmd = statectl_process();
        cmd.arg("--state-dir")
            .arg(&state)
            .args(["--now", &NOW.to_string()]);
        cmd.args(args);
        as_nobody(cmd).output().expect("setpriv")
    };
    let out = run(&["dbs"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("agents/private: cannot read this directory (permission denied)"),
        "{text}"
    );
    let out = run(&["ls", "--all-dbs"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: agents/private: cannot read this directory"),
        "{out:?}"
    );
    let out = run(&["check", "--all-dbs", "--only", "open", "-o", "json"]);
    let doc = stdout_json(&out);
    let open = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["db"] == "agents/private")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(open["status"], "unknown", "{open}");
    assert_eq!(out.status.code(), Some(3), "{doc}");
}
