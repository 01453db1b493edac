//! Changing the database beside a running gateway: refusal checks (newer schema,
//! ownership fence), 2026.9.6's lock files, and short `BEGIN IMMEDIATE` batches.

use super::Db;
use super::query::{PlanGroup, Selection};
use super::rules::{ORDER_SQL, RuleSet};
use crate::error::{Error, Kind, Result};
use crate::timefmt::Ms;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Most rows changed per write transaction: the runtime's own batch size.
pub const BATCH_ROWS: usize = 1024;
/// How a run of batches is paced: how long each transaction aims to hold the write
/// lock on a quiet database and while other connections commit, the most rows one may
/// take, and whether a batch may stop taking rows when it runs long.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub target: std::time::Duration,
    pub busy_target: std::time::Duration,
    pub max_rows: usize,
    /// A batch written row by row takes no more rows once its transaction, with the
    /// commit it will need, would run 1.2 times the target, and commits what it has
    /// (see [`Pacer::stop_rule`]).
    pub stops_early: bool,
}

/// A prune's or expire's batches: about 7 ms each, under a third of the 25 ms the
/// longest may take, so that the slow tail stays under it: a commit (writing the
/// batch's 1,000 to 1,400 WAL pages) now and then takes three times its usual time,
/// and at 10 ms such a commit took the longest of a 1,000,000-row prune to 26 and 28
/// ms (at 12 ms, 24 ms). One statement per batch: it cannot stop early.
pub const PRUNE_PACE: Pace = Pace {
    target: std::time::Duration::from_millis(7),
    busy_target: std::time::Duration::from_millis(7),
    max_rows: BATCH_ROWS,
    stops_early: false,
};
/// A batched import's, whose batches may hold the lock up to 50 ms: about 25 ms each
/// on a quiet database. Inserted rows land on the same new pages, so larger batches
/// write each page fewer times (1,024-row batches held the lock about 10 ms). 20 ms
/// batches cost 13 to 45% more time at 1,000,000 rows in a full bench run and did not
/// remove the rare stalled commit (65.5 ms; 56.9 and 87.4 ms in runs at 25 ms). Beside a
/// busy writer a commit can take three times its usual share (the kernel holds back a
/// process that dirties pages fast), and 25 ms batches reached 50.9 to 63.7 ms; there
/// they aim at 12 ms (the longest: 24.9 ms in the same run).
pub const IMPORT_PACE: Pace = Pace {
    target: std::time::Duration::from_millis(25),
    busy_target: std::time::Duration::from_millis(12),
    max_rows: 4 * BATCH_ROWS,
    stops_early: true,
};

/// Refuses writes the runtime would not accept or that are not ours to make.
pub fn check_writable(db: &Db, supervisor_mode: Option<&str>) -> Result<()> {
    if db.schema.newer_than_known {
        return Err(Error::new(
            Kind::SchemaTooNew,
            format!(
                "schema version {} is newer than statectl supports; refusing to write (upgrade statectl)",
                db.schema.effective_version
            ),
        ));
    }
    if let Some(why) = &db.schema.meta_mismatch
        && super::rules::schema_meta_refuses_writes(db.schema.user_version)
    {
        return Err(Error::new(
            Kind::SchemaMetaMismatch,
            format!(
                "{why}: OpenClaw 2026.8.1 and later refuse to write this database, so statectl refuses too; run `openclaw doctor` (or restore schema_meta from a backup)"
            ),
        ));
    }
    if let Some(mode) = supervision_mode(&db.conn)?
        && mode == "external"
        && supervisor_mode != Some("external")
    {
        return Err(Error::new(
            Kind::OwnershipFence,
            "this state database is owned by an external supervisor (gateway.supervision); writes are refused unless OPENCLAW_SUPERVISOR_MODE=external",
        ));
    }
    Ok(())
}

/// 2026.9.6's ownership fence: `config_machine_state` row `gateway.supervision`.
fn supervision_mode(conn: &Connection) -> Result<Option<String>> {
    let has_table = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'config_machine_state'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !has_table {
        return Ok(None);
    }
    let json: Option<String> = conn
        .query_row(
            "SELECT value_json FROM config_machine_state WHERE state_key = 'gateway.supervision'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json
        .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
        .and_then(|v| v.get("mode").and_then(|m| m.as_str()).map(str::to_string)))
}

/// What a write needs to know of its environment. The command layer reads it
/// (`Ctx::write_env`): the store reads no environment variables.
#[derive(Debug, Clone)]
pub struct WriteEnv {
    pub busy_timeout_ms: u64,
    /// `OPENCLAW_SUPERVISOR_MODE`, which lifts the ownership fence when `external`.
    pub supervisor_mode: Option<String>,
    /// The directory that holds `openclaw-state-locks-<uid>`: `/tmp`, where the
    /// runtime keeps it (statectl's own tests point it elsewhere).
    pub lock_root: PathBuf,
}

/// Where 2026.9.6 keeps its cross-process lock files for a database:
/// `/tmp/openclaw-state-locks-<uid>/<family>.<first 8 hex of sha256(real path)>.lock.sqlite`.
pub fn lock_file(lock_root: &Path, db_path: &Path, uid: u32, family: &str) -> PathBuf {
    lock_file_in(lock_root, db_path, uid, family)
}

/// [`lock_file`] under another lock root.
pub fn lock_file_in(root: &Path, db_path: &Path, uid: u32, family: &str) -> PathBuf {
    let real = std::fs::canonicalize(db_path).unwrap_or_else(|_| db_path.to_path_buf());
    let digest = Sha256::digest(real.to_string_lossy().as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    root.join(format!("openclaw-state-locks-{uid}"))
        .join(format!("{family}.{hex}.lock.sqlite"))
}

fn own_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

fn untrusted(dir: &Path, why: String) -> Error {
    Error::new(
        Kind::LockDirUntrusted,
        format!(
            "the lock directory {} {why}; the OpenClaw runtime refuses it too; nothing was changed; remove it (or fix it) as its owner and retry",
            dir.display()
        ),
    )
}

/// The runtime's rule for its lock directory (2026.9.6,
/// `ensurePrivateSqliteCoordinatorDirectory`): a real directory (not a symlink),
/// owned by the lock's uid, mode 0700 (the owner resets another mode to 0700; a
/// directory still open to group or others is refused). `uid` is the gateway's, which
/// statectl takes from the database file's owner.
pub fn check_lock_dir(dir: &Path, uid: u32) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::symlink_metadata(dir).map_err(|e| {
        Error::new(
            Kind::LockFailed,
            format!("cannot inspect the lock directory {}: {e}", dir.display()),
        )
    })?;
    if meta.file_type().is_symlink() {
        return Err(untrusted(
            dir,
            "is a symbolic link, not a real directory".into(),
        ));
    }
    if !meta.is_dir() {
        return Err(untrusted(dir, "is not a directory".into()));
    }
    if meta.uid() != uid {
        return Err(untrusted(
            dir,
            format!(
                "belongs to another user (uid {}, expected uid {uid}, the database's owner)",
                meta.uid()
            ),
        ));
    }
    if meta.mode() & 0o7777 != 0o700 && meta.uid() == own_uid() {
        // As the runtime does: the owner makes its directory private again.
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let secured = std::fs::symlink_metadata(dir)?;
    if secured.file_type().is_symlink() || !secured.is_dir() || secured.mode() & 0o077 != 0 {
        return Err(untrusted(
            dir,
            format!(
                "is open to other users (mode {:o}, the runtime needs 0700)",
                secured.mode() & 0o7777
            ),
        ));
    }
    Ok(())
}

/// Opens (or, as its owner, creates) one lock file without following a symlink, and
/// checks it is a regular file owned by `uid`.
fn open_lock_file(path: &Path, uid: u32, create: bool) -> Result<Option<std::fs::File>> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path);
    let file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(Error::new(
                Kind::LockDirUntrusted,
                format!(
                    "the lock file {} is a symbolic link; refusing to follow it; nothing was changed; remove it as its owner and retry",
                    path.display()
                ),
            ));
        }
        Err(e) => {
            return Err(Error::new(
                Kind::LockFailed,
                format!("cannot open lock file {}: {e}", path.display()),
            ));
        }
    };
    let meta = file.metadata()?;
    if !meta.is_file() || meta.uid() != uid || meta.nlink() != 1 {
        return Err(Error::new(
            Kind::LockDirUntrusted,
            format!(
                "the lock file {} is not a private regular file of uid {uid} (owner uid {}, {} links); nothing was changed; remove it as its owner and retry",
                path.display(),
                meta.uid(),
                meta.nlink()
            ),
        ));
    }
    if create && meta.mode() & 0o077 != 0 {
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    Ok(Some(file))
}

/// Opens a runtime lock file. The gateway's uid is the database file's owner; a lock
/// file is only created when statectl runs as that user, so root never leaves a
/// root-owned lock behind that the gateway cannot open. The directory must pass the
/// runtime's trust rule ([`check_lock_dir`]) and no symlink is ever followed.
fn open_lock(db_path: &Path, family: &str, env: &WriteEnv) -> Result<Option<Connection>> {
    use std::os::unix::fs::MetadataExt;
    let busy_timeout_ms = env.busy_timeout_ms;
    let owner = std::fs::metadata(db_path)?.uid();
    let path = lock_file(&env.lock_root, db_path, owner, family);
    let may_create = owner == own_uid();
    let dir = path.parent().unwrap_or(Path::new("/"));
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !may_create {
                return Ok(None);
            }
            use std::os::unix::fs::DirBuilderExt;
            match std::fs::DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(Error::new(
                        Kind::LockFailed,
                        format!("cannot create the lock directory {}: {e}", dir.display()),
                    ));
                }
            }
        }
        _ => {}
    }
    check_lock_dir(dir, owner)?;
    if open_lock_file(&path, owner, may_create)?.is_none() {
        return Ok(None);
    }
    // The directory is the owner's own and private, and the file was just checked;
    // SQLite reopens it by name, also without following a symlink.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let mut conn = Connection::open_with_flags(&path, flags).map_err(|e| {
        Error::new(
            Kind::LockFailed,
            format!("cannot open lock file {}: {e}", path.display()),
        )
    })?;
    super::set_busy_timeout(&mut conn, busy_timeout_ms)?;
    Ok(Some(conn))
}

fn lock_busy(what: &str) -> Error {
    Error::new(
        Kind::Busy,
        format!(
            "{what} is held by another process past the busy timeout; nothing was changed in this batch; retry, or raise --busy-timeout"
        ),
    )
}

/// A database open for writing, with the runtime's cross-process coordination.
pub struct Writer {
    pub db: Db,
    /// `state-lifecycle` lock, taken EXCLUSIVE around each write transaction (2026.9.6).
    lifecycle: Option<Connection>,
    /// `state-handles` lock, held SHARED while the database is open (2026.9.6).
    _handles: Option<Connection>,
    /// Write transactions run, the longest one and the last one (lock wait excluded).
    pub txn_count: u64,
    pub txn_longest: std::time::Duration,
    pub txn_last: std::time::Duration,
    /// The last transaction's commit: writing its pages to the WAL.
    pub commit_last: std::time::Duration,
    /// With `STATECTL_TXN_LOG=FILE`, one line per event of a run (for bench/run.py):
    /// `open UNIX_MS` first, `txn MS body MS commit MS` per write transaction (its
    /// time holding the lock: the rows' and the commit's), `apply ROWS` before and `batch ROWS CHANGED`
    /// after a batch's transaction, `candidates ROWS MS`,
    /// `wal FRAMES`, `checkpoint MS`, `pause MS`; each ends with `@MS` since the open.
    trace: Option<std::cell::RefCell<std::fs::File>>,
    opened: std::time::Instant,
}

impl Writer {
    /// Opens an existing database for writing, after the refusal checks.
    pub fn open(path: &Path, env: &WriteEnv) -> Result<Writer> {
        let busy_timeout_ms = env.busy_timeout_ms;
        let db = Db::open_read_write(path, busy_timeout_ms)?;
        // SQLite quietly falls back to read-only when the file is not writable.
        if db.conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(Error::new(
                Kind::ReadOnly,
                format!(
                    "{} is read-only for this user; nothing was changed; run statectl as the gateway's user or fix the file's permissions",
                    path.display()
                ),
            ));
        }
        // The runtime's durability setting (per connection; the file is not changed).
        // Checkpoints run between transactions ([`Writer::checkpoint_over`]), not inside
        // a commit, so the time a batch holds the write lock is the batch's own.
        // A larger page cache keeps the pages a long prune revisits between batches.
        db.conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -32768;",
        )?;
        check_writable(&db, env.supervisor_mode.as_deref())?;
        let (lifecycle, handles) = if db.schema.rules.lifecycle_locks {
            let handles = open_lock(path, "state-handles", env)?;
            if let Some(h) = &handles {
                h.execute_batch(
                    "PRAGMA journal_mode = MEMORY; BEGIN; SELECT rootpage FROM sqlite_schema LIMIT 1;",
                )
                    .map_err(|e| match Error::from(e) {
                        e if e.kind == Kind::Busy => lock_busy("the state-handles lock"),
                        e => e,
                    })?;
            }
            (open_lock(path, "state-lifecycle", env)?, handles)
        } else {
            (None, None)
        };
        Ok(Writer {
            db,
            lifecycle,
            _handles: handles,
            txn_count: 0,
            txn_longest: std::time::Duration::ZERO,
            txn_last: std::time::Duration::ZERO,
            commit_last: std::time::Duration::ZERO,
            trace: trace_file(),
            opened: std::time::Instant::now(),
        })
    }

    /// Appends one event line to the `STATECTL_TXN_LOG` file, when there is one.
    pub fn trace(&self, line: std::fmt::Arguments) {
        if let Some(file) = &self.trace {
            use std::io::Write;
            let at = ms(self.opened.elapsed());
            let _ = writeln!(file.borrow_mut(), "{line} @{at}");
        }
    }

    /// A passive checkpoint (never waits for or blocks the gateway) once the WAL holds
    /// more than `pages` pages.
    pub fn checkpoint_over(&self, pages: i64) {
        let wal: Option<i64> = self
            .db
            .conn
            .query_row("PRAGMA wal_checkpoint(NOOP)", [], |r| r.get(1))
            .ok();
        if let Some(wal) = wal {
            self.trace(format_args!("wal {wal}"));
        }
        if wal.is_some_and(|wal| wal > pages) {
            let start = std::time::Instant::now();
            let _ = self.db.conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
            self.trace(format_args!("checkpoint {}", ms(start.elapsed())));
        }
    }

    pub fn rules(&self) -> RuleSet {
        self.db.schema.rules
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction, inside the lifecycle lock when
    /// the runtime uses one. On any error the transaction rolls back.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> Result<T>,
    ) -> Result<T> {
        if let Some(lock) = &self.lifecycle {
            // As the runtime acquires it: the journal mode switch itself may wait.
            lock.execute_batch("PRAGMA journal_mode = MEMORY; BEGIN EXCLUSIVE")
                .map_err(|e| match Error::from(e) {
                    e if e.kind == Kind::Busy => lock_busy("the state-lifecycle lock"),
                    e => e,
                })?;
        }
        let (mut held, mut body) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        let result = (|| {
            let tx = self
                .db
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            // The lock is ours from here to the commit.
            let start = std::time::Instant::now();
            let value = f(&tx)?;
            body = start.elapsed();
            tx.commit()?;
            held = start.elapsed();
            Ok(value)
        })();
        self.txn_count += 1;
        self.txn_longest = self.txn_longest.max(held);
        self.txn_last = held;
        // Zero when the transaction failed before its commit ended.
        self.commit_last = held.saturating_sub(body);
        self.trace(format_args!(
            "txn {} body {} commit {}",
            ms(held),
            ms(body),
            ms(self.commit_last)
        ));
        if let Some(lock) = &self.lifecycle {
            let _ = lock.execute_batch("COMMIT");
        }
        result
    }
}

/// The `STATECTL_TXN_LOG` file (see [`Writer::trace`]), created or truncated; a path
/// that cannot be written is ignored: the trace is for benchmarks, never in the way.
/// Its first line, `open UNIX_MS`, dates the `@MS` of the others.
fn trace_file() -> Option<std::cell::RefCell<std::fs::File>> {
    use std::io::Write;
    let path = std::env::var_os("STATECTL_TXN_LOG")?;
    let mut file = std::fs::File::create(path).ok()?;
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    writeln!(file, "open {}", ms(since_epoch)).ok()?;
    Some(std::cell::RefCell::new(file))
}

fn ms(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// What a mutation does to each selected row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Delete,
    /// Set `expires_at` (`None` removes the TTL).
    SetExpiry(Option<Ms>),
}

/// Applies `change` to the rows of `sel` in `groups` (the plan's namespaces), in
/// batches of at most [`BATCH_ROWS`], each its own short transaction. Candidates are
/// read in pages through a separate read-only connection, each page its own short read
/// transaction: a read held open for the whole run would keep checkpoints from
/// reclaiming the WAL, which would grow by every batch. Each batch re-checks the
/// selection, so a row the gateway rewrote meanwhile (its `created_at` moves past
/// `sel.created_at_most`) is left alone. A group planned with decoded conditions
/// carries its rowids: exactly those rows are changed, in the same batches.
/// `on_batch` sees every committed batch's rows.
/// Returns the number of rows changed.
pub fn apply_in_batches(
    writer: &mut Writer,
    sel: &Selection,
    groups: &[PlanGroup],
    change: Change,
    mut on_batch: impl FnMut(usize, u64) -> Result<()>,
) -> Result<u64> {
    let reader = Db::open_read_only(&writer.db.path, writer.db.busy_timeout_ms)?;
    let (where_sql, params) = sel.to_sql();
    let mut pages = Pages::new(&reader.conn, &where_sql, params)?;
    let by_rowid = table_order(&reader.conn, sel, groups)?;
    let guarded = sel.guard.sorted_rows();
    let mut total = 0u64;
    let mut batch: Vec<i64> = Vec::with_capacity(BATCH_ROWS);
    let mut pacer = Pacer::new(writer, PRUNE_PACE)?;
    let mut flush = |writer: &mut Writer, batch: &mut Vec<i64>, pacer: &mut Pacer| -> Result<()> {
        crate::interrupt::check(|| {
            let done = match change {
                Change::Delete => "deleted",
                Change::SetExpiry(_) => "updated",
            };
            format!(
                "{} {done}, in whole batches; the other selected rows are untouched; run the command again to finish",
                crate::output::rows(total)
            )
        })?;
        pacer.before_batch(writer);
        writer.trace(format_args!("apply {}", batch.len()));
        let (batch_sql, batch_params) = sel.for_batch(&guarded, batch).to_sql();
        let n = apply_batch(writer, &batch_sql, &batch_params, batch, change)
            .map_err(|e| partial_run(e, total, change))?;
        writer.trace(format_args!("batch {} {n}", batch.len()));
        pacer.after_batch(writer, batch.len())?;
        total += n;
        on_batch(batch.len(), n)?;
        batch.clear();
        Ok(())
    };
    pages.each(groups, by_rowid, |page, read| {
        if let Some(read) = read {
            writer.trace(format_args!("candidates {} {}", page.len(), ms(read)));
        }
        for rowid in page {
            batch.push(*rowid);
            if batch.len() >= pacer.limit() {
                flush(writer, &mut batch, &mut pacer)?;
            }
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        flush(writer, &mut batch, &mut pacer)?;
    }
    Ok(total)
}

/// Whether a write's candidates are read in rowid order, the whole table in one pass:
/// for a selection over every namespace (no group planned by rowids) when the listing
/// index lacks `expires_at` (before 2026.9). There, paging each namespace through the
/// index costs a table lookup per row (3.1 s of a 1,000,000-row prune --expired).
fn table_order(conn: &Connection, sel: &Selection, groups: &[PlanGroup]) -> Result<bool> {
    if sel.plugin.is_some()
        || !sel.namespaces.is_empty()
        || groups.iter().any(|g| g.rowids.is_some())
    {
        return Ok(false);
    }
    let listing = super::capacity::listing_index_columns(conn)?;
    Ok(!listing.is_some_and(|cols| cols.iter().any(|c| c == "expires_at")))
}

/// A lock lost after some batches committed: say how far the run got (exit 5 still).
fn partial_run(e: Error, done: u64, change: Change) -> Error {
    if e.kind != Kind::Busy || done == 0 {
        return e;
    }
    let verb = match change {
        Change::Delete => "deleted",
        Change::SetExpiry(_) => "updated",
    };
    Error::new(
        Kind::Busy,
        format!(
            "{}; {} were already {verb} in whole batches before that; run the command again to continue with the rest",
            e.message,
            crate::output::rows(done)
        ),
    )
}

/// Where a namespace's candidates continue: the last one's `(created_at, entry_key)`.
type Position = (Stored, Stored);

/// A stored value bound back exactly as read: TEXT keeps its bytes even when they are
/// not valid UTF-8 (a hand-made key), which rusqlite's `Value` cannot hold, so such a
/// key never stops a prune or expire of its namespace.
#[derive(Debug, Clone)]
enum Stored {
    Text(Vec<u8>),
    Other(Value),
}

impl rusqlite::types::FromSql for Stored {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        Ok(match v {
            rusqlite::types::ValueRef::Text(t) => Stored::Text(t.to_vec()),
            rusqlite::types::ValueRef::Null => Stored::Other(Value::Null),
            rusqlite::types::ValueRef::Integer(i) => Stored::Other(Value::Integer(i)),
            rusqlite::types::ValueRef::Real(r) => Stored::Other(Value::Real(r)),
            rusqlite::types::ValueRef::Blob(b) => Stored::Other(Value::Blob(b.to_vec())),
        })
    }
}

impl rusqlite::ToSql for Stored {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(match self {
            Stored::Text(t) => rusqlite::types::ValueRef::Text(t),
            Stored::Other(v) => v.into(),
        }))
    }
}

/// The candidate rowids of one namespace in runtime order, a page at a time, each
/// page read from where the last one ended (through the listing index).
struct Pages<'c> {
    first: rusqlite::Statement<'c>,
    rest: rusqlite::Statement<'c>,
    /// The whole selection in rowid order, from `:from_rowid` on.
    by_rowid: rusqlite::Statement<'c>,
    params: Vec<(String, Value)>,
}

impl<'c> Pages<'c> {
    const SIZE: usize = BATCH_ROWS;

    /// `where_sql` and `params`: the selection, as [`Selection::to_sql`] gives them.
    fn new(
        conn: &'c Connection,
        where_sql: &str,
        params: Vec<(String, Value)>,
    ) -> Result<Pages<'c>> {
        let sql = |after: &str| {
            format!(
                "SELECT rowid, created_at, entry_key FROM plugin_state_entries \
                 WHERE plugin_id = :page_plugin AND namespace = :page_ns {after} AND {where_sql} \
                 ORDER BY {ORDER_SQL} LIMIT {}",
                Self::SIZE
            )
        };
        Ok(Pages {
            first: conn.prepare(&sql(""))?,
            rest: conn.prepare(&sql(
                "AND (created_at, entry_key) > (:after_created, :after_key)",
            ))?,
            by_rowid: conn.prepare(&format!(
                "SELECT rowid, plugin_id, namespace FROM plugin_state_entries NOT INDEXED \
                 WHERE rowid >= :from_rowid AND {where_sql} ORDER BY rowid LIMIT {}",
                Self::SIZE
            ))?,
            params,
        })
    }

    /// Every candidate rowid, a page at a time: each group's in runtime order (its
    /// planned rowids as they are), or with `by_rowid` the whole selection in rowid
    /// order, of the planned groups only (a namespace that appeared after the plan was
    /// neither shown nor checked). `f` also gets the time a page took to read (none for
    /// planned rowids).
    fn each(
        &mut self,
        groups: &[PlanGroup],
        by_rowid: bool,
        mut f: impl FnMut(&[i64], Option<std::time::Duration>) -> Result<()>,
    ) -> Result<()> {
        if by_rowid {
            let planned: std::collections::HashSet<(&[u8], &[u8])> = groups
                .iter()
                .map(|g| (g.plugin_id.as_bytes(), g.namespace.as_bytes()))
                .collect();
            // Hand-made rows may have any rowid, negative ones too.
            let mut from = i64::MIN;
            loop {
                let start = std::time::Instant::now();
                let (page, last, read) = self.rowid_page(from, &planned)?;
                f(&page, Some(start.elapsed()))?;
                match last.and_then(|last| last.checked_add(1)) {
                    Some(next) if read == Self::SIZE => from = next,
                    _ => return Ok(()),
                }
            }
        }
        for group in groups {
            if let Some(ids) = &group.rowids {
                f(ids, None)?;
                continue;
            }
            let mut after = None;
            loop {
                let start = std::time::Instant::now();
                let page = self.next(group, after.take())?;
                let ids: Vec<i64> = page.iter().map(|(rowid, _)| *rowid).collect();
                f(&ids, Some(start.elapsed()))?;
                match page.last() {
                    Some((_, position)) if page.len() == Self::SIZE => {
                        after = Some(position.clone())
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// One page in rowid order from `from`: the rowids in `planned` groups, the last
    /// rowid read and how many rows were read.
    fn rowid_page(
        &mut self,
        from: i64,
        planned: &std::collections::HashSet<(&[u8], &[u8])>,
    ) -> Result<(Vec<i64>, Option<i64>, usize)> {
        let mut bound = super::query::named(&self.params);
        bound.push((":from_rowid", &from));
        let (mut ids, mut last, mut read) = (Vec::new(), None, 0);
        let mut rows = self.by_rowid.query(bound.as_slice())?;
        while let Some(r) = rows.next()? {
            let rowid: i64 = r.get(0)?;
            (last, read) = (Some(rowid), read + 1);
            if let (ValueRef::Text(p), ValueRef::Text(n)) = (r.get_ref(1)?, r.get_ref(2)?)
                && planned.contains(&(p, n))
            {
                ids.push(rowid);
            }
        }
        Ok((ids, last, read))
    }

    fn next(&mut self, group: &PlanGroup, after: Option<Position>) -> Result<Vec<(i64, Position)>> {
        let plugin = Value::Text(group.plugin_id.clone());
        let ns = Value::Text(group.namespace.clone());
        let mut bound = super::query::named(&self.params);
        bound.push((":page_plugin", &plugin));
        bound.push((":page_ns", &ns));
        let stmt = match &after {
            None => &mut self.first,
            Some((created, key)) => {
                bound.push((":after_created", created));
                bound.push((":after_key", key));
                &mut self.rest
            }
        };
        // Read to the end: the statement resets and the read transaction ends.
        let page = stmt
            .query_map(bound.as_slice(), |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(page)
    }
}

/// What happens between two batches: a checkpoint, and a pause that leaves the lock
/// free. A gateway writer waits with SQLite's backing-off busy handler (retries 1, 2,
/// 5, 10, 25, 50, 100 ms apart), so back-to-back batches would starve it. While other
/// connections are committing (`PRAGMA data_version` moves) statectl pauses as long as
/// each batch held the lock, and checkpoints after every batch: the gateway's own
/// auto-checkpoint (1000 pages, run inside its commit) then finds nothing to do. On a
/// quiet database it pauses a quarter of that, which still lets a waiting writer in,
/// and checkpoints every [`QUIET_CHECKPOINT_PAGES`], sparing most checkpoints' fsync.
/// The pause runs from the commit, so a checkpoint and the reads for the next batch
/// spend part of it.
struct Yield {
    version: i64,
    busy_until: Option<std::time::Instant>,
    /// The end of the pause after the last commit.
    free_until: Option<std::time::Instant>,
}

/// SQLite's default auto-checkpoint size in pages, which the gateway runs with.
pub const AUTOCHECKPOINT_PAGES: i64 = 1000;
/// The WAL statectl lets grow (128 MiB at 4 KiB pages) between its checkpoints when no
/// one else is writing.
const QUIET_CHECKPOINT_PAGES: i64 = 32768;

impl Yield {
    const BUSY_WINDOW: std::time::Duration = std::time::Duration::from_secs(2);

    fn new(conn: &Connection) -> Result<Yield> {
        Ok(Yield {
            version: conn.query_row("PRAGMA data_version", [], |r| r.get(0))?,
            busy_until: None,
            free_until: None,
        })
    }

    fn after_batch(&mut self, writer: &Writer) -> Result<()> {
        let committed = std::time::Instant::now();
        let version: i64 = writer
            .db
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if version != self.version {
            self.version = version;
            self.busy_until = Some(committed + Self::BUSY_WINDOW);
        }
        let contended = self.contended(committed);
        let held = writer.txn_last;
        let (pause, checkpoint_pages) = if contended {
            (held, AUTOCHECKPOINT_PAGES)
        } else {
            (held / 4, QUIET_CHECKPOINT_PAGES)
        };
        writer.checkpoint_over(checkpoint_pages);
        self.free_until = Some(committed + pause.max(std::time::Duration::from_millis(1)));
        Ok(())
    }

    /// Whether another connection committed within the last [`Self::BUSY_WINDOW`].
    fn contended(&self, at: std::time::Instant) -> bool {
        self.busy_until.is_some_and(|t| t > at)
    }

    /// Before the next transaction: waits out what is left of the pause. The work done
    /// since the commit (the checkpoint, reading the next candidates or entries) spent
    /// the rest, with the lock free all along.
    fn before_batch(&mut self, writer: &Writer) {
        if let Some(until) = self.free_until.take() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            writer.trace(format_args!("pause {}", ms(left)));
            std::thread::sleep(left);
        }
    }
}

/// Paces a run of short write transactions (a prune's batches, a batched import): the
/// batch size starts small and adapts to its target time, and after every batch the
/// write lock is left free for the gateway (see `Yield`).
pub struct Pacer {
    limit: usize,
    pace: Pace,
    yielder: Yield,
    /// The last batch's commit time per row it wrote.
    commit_per_row: std::time::Duration,
}

/// When a transaction that writes row by row stops taking rows: once the time it has
/// run plus the commit its rows will need (at the last batch's commit time per row)
/// reaches `most`. The commit writes every page the rows dirtied and took a third of a
/// batched import's transaction (7 to 18 ms of 25 to 43 ms): a rule that looked at the
/// rows' time alone let the commit run past it.
#[derive(Debug, Clone, Copy)]
pub struct StopRule {
    pub most: std::time::Duration,
    pub commit_per_row: std::time::Duration,
}

impl StopRule {
    /// Whether a transaction that has run `elapsed` and written `rows` rows stops.
    pub fn reached(&self, elapsed: std::time::Duration, rows: usize) -> bool {
        elapsed + self.commit_per_row * rows as u32 >= self.most
    }
}

impl Pacer {
    pub fn new(writer: &Writer, pace: Pace) -> Result<Pacer> {
        // Start small: the first batches meet a cold cache; quick ones grow the size.
        Ok(Pacer {
            limit: BATCH_ROWS / 4,
            pace,
            yielder: Yield::new(&writer.db.conn)?,
            commit_per_row: std::time::Duration::ZERO,
        })
    }

    /// Rows for the next batch.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// How long the next batch aims to hold the write lock: the pace's target, or its
    /// busy target while other connections are committing.
    fn target(&self) -> std::time::Duration {
        if self.yielder.contended(std::time::Instant::now()) {
            self.pace.busy_target
        } else {
            self.pace.target
        }
    }

    /// When a batch written row by row stops taking rows (see [`StopRule`]).
    pub fn stop_rule(&self) -> Option<StopRule> {
        self.pace.stops_early.then(|| StopRule {
            most: self.target() * 6 / 5,
            commit_per_row: self.commit_per_row,
        })
    }

    /// After a committed batch of `rows` rows: checkpoint, start the pause, and resize
    /// the next batch.
    pub fn after_batch(&mut self, writer: &Writer, rows: usize) -> Result<()> {
        self.yielder.after_batch(writer)?;
        self.commit_per_row = writer.commit_last / rows.max(1) as u32;
        self.limit = next_batch_limit(rows, writer.txn_last, self.target(), self.pace.max_rows);
        Ok(())
    }

    /// Right before the next batch's transaction: the rest of the pause.
    pub fn before_batch(&mut self, writer: &Writer) {
        self.yielder.before_batch(writer)
    }
}

/// The next batch's size: as many rows as the last batch's rate (`limit` rows in
/// `held`) fits in `target`, at most twice and at least half the last size, within 16
/// and `max_rows`.
fn next_batch_limit(
    limit: usize,
    held: std::time::Duration,
    target: std::time::Duration,
    max_rows: usize,
) -> usize {
    let held = held.as_secs_f64().max(1e-4);
    let fits = (limit as f64 * target.as_secs_f64() / held).round() as usize;
    fits.clamp(limit / 2, limit * 2).clamp(16, max_rows)
}

/// One transaction: change exactly these rowids, where they still match the selection.
fn apply_batch(
    writer: &mut Writer,
    where_sql: &str,
    params: &[(String, Value)],
    batch: &[i64],
    change: Change,
) -> Result<u64> {
    let ids: Vec<String> = batch.iter().map(|id| id.to_string()).collect();
    // Rowids are integers we read ourselves, never user text.
    let id_list = ids.join(",");
    let sql = match change {
        Change::Delete => {
            format!("DELETE FROM plugin_state_entries WHERE rowid IN ({id_list}) AND {where_sql}")
        }
        Change::SetExpiry(_) => format!(
            "UPDATE plugin_state_entries SET expires_at = :new_expiry WHERE rowid IN ({id_list}) AND {where_sql}"
        ),
    };
    let mut bound: Vec<(&str, &dyn rusqlite::ToSql)> = super::query::named(params);
    let new_expiry = match change {
        Change::SetExpiry(t) => t,
        Change::Delete => None,
    };
    if matches!(change, Change::SetExpiry(_)) {
        bound.push((":new_expiry", &new_expiry));
    }
    writer.transaction(|tx| Ok(tx.execute(&sql, bound.as_slice())? as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_follow_the_target_within_half_and_twice_the_last_size() {
        use std::time::Duration;
        let ms = Duration::from_millis;
        let (prune, import) = (PRUNE_PACE.max_rows, IMPORT_PACE.max_rows);
        // Slow: halved at most; never under 16 rows.
        assert_eq!(next_batch_limit(1024, ms(80), ms(10), prune), 512);
        assert_eq!(next_batch_limit(16, ms(80), ms(10), prune), 16);
        // Quick: doubled at most; never over the pace's most rows.
        assert_eq!(next_batch_limit(256, ms(1), ms(10), prune), 512);
        assert_eq!(next_batch_limit(1024, ms(1), ms(10), prune), 1024);
        assert_eq!(next_batch_limit(1024, ms(1), ms(25), import), 2048);
        assert_eq!(next_batch_limit(4096, ms(1), ms(25), import), 4096);
        // In between: the rows the last batch's rate fits in the target.
        assert_eq!(next_batch_limit(400, ms(16), ms(10), prune), 250);
        assert_eq!(next_batch_limit(300, ms(12), ms(10), prune), 250);
        assert_eq!(next_batch_limit(256, ms(10), ms(10), prune), 256);
        assert_eq!(next_batch_limit(1000, ms(10), ms(25), import), 2000);
        assert_eq!(next_batch_limit(2000, ms(25), ms(12), import), 1000);
    }

    #[test]
    fn lock_file_names_follow_the_runtime() {
        let p = lock_file_in(
            Path::new("/tmp"),
            Path::new("/nonexistent/state/openclaw.sqlite"),
            1000,
            "state-lifecycle",
        );
        let hex: String = Sha256::digest(b"/nonexistent/state/openclaw.sqlite")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            p,
            PathBuf::from(format!(
                "/tmp/openclaw-state-locks-1000/state-lifecycle.{}.lock.sqlite",
                &hex[..8]
            ))
        );
    }
}
