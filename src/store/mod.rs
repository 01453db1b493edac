//! The plugin state database: locate and open it, detect its layout and schema, and
//! read entries with the runtime's rules. No clap, no printing.

pub mod backup;
pub mod capacity;
pub mod catalog;
pub mod config;
pub mod context;
pub mod discover;
pub mod import;
pub mod integrity;
pub mod known;
pub mod locate;
pub mod names;
pub mod offsets;
pub mod query;
pub mod rules;
pub mod scan;
pub mod scratch;
pub mod seen;
pub mod stamps;
pub mod value;
pub mod versions;
pub mod write;

use crate::error::{Error, Kind, Result};
use rules::RuleSet;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use query::{Entry, Liveness, Selection};

/// Default busy timeout, the runtime's own.
pub const DEFAULT_BUSY_TIMEOUT_MS: u64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `plugin-state/state.sqlite`, only `plugin_state_entries`, `user_version` 1.
    Legacy,
    /// `state/openclaw.sqlite` with `schema_meta` and ~100 other tables.
    Shared,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Legacy => "legacy",
            Layout::Shared => "shared",
        }
    }
}

/// What the database says about itself.
#[derive(Debug, Clone)]
pub struct Schema {
    pub layout: Layout,
    /// `PRAGMA user_version`.
    pub user_version: i64,
    /// `schema_meta.schema_version` of the primary/global row (shared layout).
    pub recorded_version: Option<i64>,
    /// 2026.9.6's pending `state.schema.contentVersion` (shared layout).
    pub content_version: Option<i64>,
    /// The version the runtime would act on.
    pub effective_version: i64,
    /// The OpenClaw version that last stamped `schema_meta`.
    pub app_version: Option<String>,
    /// `plugin_state_entries` is declared STRICT.
    pub strict: bool,
    /// Newer than any version statectl knows: read with a warning, never written.
    pub newer_than_known: bool,
    /// Why 2026.9.6 would refuse this shared database's `schema_meta` (its primary
    /// row is missing, or its `schema_version` is not `PRAGMA user_version`): read
    /// with a warning, never written. `None` when it agrees (and for a legacy file).
    pub meta_mismatch: Option<String>,
    pub rules: RuleSet,
}

/// An open database with its detected schema.
pub struct Db {
    pub conn: Connection,
    pub path: PathBuf,
    pub schema: Schema,
    pub busy_timeout_ms: u64,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The directory holding `path` is on a read-only mount (filesystem or bind mount).
fn on_read_only_mount(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(dir) = std::ffi::CString::new(dir_of(path).as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: an all-zero statvfs is valid; statvfs fills it for a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `dir` is a valid C string and `st` a valid out-pointer.
    unsafe { libc::statvfs(dir.as_ptr(), &mut st) == 0 && st.f_flag & libc::ST_RDONLY != 0 }
}

fn non_empty(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > 0)
}

/// SQLite's `immutable` mode is only for a file no writer can change (a read-only
/// mount), and only when no -wal or hot -journal holds content the file lacks.
fn immutable_is_safe(path: &Path) -> bool {
    on_read_only_mount(path)
        && !non_empty(&sidecar(path, "-wal"))
        && !non_empty(&sidecar(path, "-journal"))
}

fn immutable_uri(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'?' | b'#' | b'%' => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(*b as char),
        }
    }
    // Bytes above 0x7f were pushed one per char: rebuild them as UTF-8 percent escapes.
    let uri: String = uri
        .chars()
        .map(|c| {
            if (c as u32) > 0x7f {
                format!("%{:02X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("{uri}?mode=ro&immutable=1")
}

fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes())
        // SAFETY: a valid C string; access has no other preconditions.
        .is_ok_and(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
}

fn owner_and_mode(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).map_or_else(
        |_| "unknown owner".into(),
        |m| format!("owner uid {}, mode {:04o}", m.uid(), m.mode() & 0o7777),
    )
}

/// Why a reader cannot open `path` here, when the place is the reason: a hot rollback
/// journal it cannot roll back, a WAL database whose -shm it may not create or
/// write, a WAL with changes on a read-only mount. `None`: something else.
fn unreadable_here(path: &Path, read_only: bool) -> Option<Error> {
    if !read_only {
        return None;
    }
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let dir = dir_of(path);
    let journal = sidecar(path, "-journal");
    let wal = sidecar(path, "-wal");
    let shm = sidecar(path, "-shm");
    let rofs = on_read_only_mount(path);
    let place = if rofs {
        format!("{} is on a read-only mount", dir.display())
    } else {
        format!(
            "uid {me} may not write in {} ({})",
            dir.display(),
            owner_and_mode(dir)
        )
    };
    if non_empty(&journal) {
        return Some(Error::new(
            Kind::ReadOnly,
            format!(
                "{} is a hot rollback journal: a write was interrupted and must be rolled back before the database can be read, but {place}; run statectl (or the gateway) once as the database's owner where it can write, or copy the database with its -journal to a writable place and read the copy",
                journal.display()
            ),
        ));
    }
    let mut header = [0u8; 20];
    let wal_mode = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok()
        && header[18] == 2;
    if !wal_mode {
        return None;
    }
    if rofs && non_empty(&wal) {
        return Some(Error::new(
            Kind::ReadOnly,
            format!(
                "{} holds changes not yet in the database file, and {place}, so SQLite cannot read them; copy the database with its -wal and -shm to a writable place and read the copy",
                wal.display()
            ),
        ));
    }
    let why = if !shm.exists() {
        format!(
            "a reader of a WAL database must create {}, but {place}",
            shm.display()
        )
    } else if !writable(&shm) {
        format!(
            "a reader of a WAL database must write {} ({}), which uid {me} may not",
            shm.display(),
            owner_and_mode(&shm)
        )
    } else {
        return None;
    };
    Some(Error::new(
        Kind::ReadOnly,
        format!(
            "cannot read {}: {why}; run statectl as the database's owner (the gateway's user), e.g. sudo -u '#{}' statectl ...",
            path.display(),
            std::fs::metadata(path).map_or(0, |m| std::os::unix::fs::MetadataExt::uid(&m))
        ),
    ))
}

fn check_is_sqlite(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| {
        Error::new(
            Kind::OpenFailed,
            format!("cannot open {}: {e}", path.display()),
        )
    })?;
    let n = f.read(&mut header)?;
    if n < 16 || &header != SQLITE_MAGIC {
        return Err(Error::new(
            Kind::NotSqlite,
            format!("{} is not a SQLite database; check --db", path.display()),
        ));
    }
    Ok(())
}

/// A read transaction for a run of lookups (an import's survey), renewed every
/// [`Snapshot::ROWS`] rows: the lookups take the WAL's shared-memory locks once per
/// snapshot, not once per query, and no snapshot lives long enough to keep the gateway's
/// checkpoints from reclaiming the WAL.
pub struct Snapshot<'c> {
    conn: &'c Connection,
    rows: u32,
    open: bool,
}

impl<'c> Snapshot<'c> {
    pub const ROWS: u32 = 10_000;

    pub fn begin(conn: &'c Connection) -> Result<Snapshot<'c>> {
        conn.execute_batch("BEGIN")?;
        Ok(Snapshot {
            conn,
            rows: 0,
            open: true,
        })
    }

    /// After one row: a fresh snapshot every [`Snapshot::ROWS`].
    pub fn row(&mut self) -> Result<()> {
        self.rows += 1;
        if self.rows >= Self::ROWS {
            self.rows = 0;
            self.conn.execute_batch("COMMIT; BEGIN")?;
        }
        Ok(())
    }

    pub fn end(mut self) -> Result<()> {
        self.open = false;
        Ok(self.conn.execute_batch("COMMIT")?)
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        if self.open {
            // On an error path: the error being returned says more than this one would.
            let _ = self.conn.execute_batch("COMMIT");
        }
    }
}

impl Db {
    /// Runs `f` inside one read transaction: every query in it sees one snapshot.
    pub fn in_snapshot<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN")?;
        let result = f();
        self.conn.execute_batch("COMMIT")?;
        result
    }

    /// Opens read-only: never creates a file, never writes.
    pub fn open_read_only(path: &Path, busy_timeout_ms: u64) -> Result<Db> {
        Self::open(path, busy_timeout_ms, OpenFlags::SQLITE_OPEN_READ_ONLY)
    }

    /// Opens for writing an existing file (never creates one).
    pub fn open_read_write(path: &Path, busy_timeout_ms: u64) -> Result<Db> {
        Self::open(path, busy_timeout_ms, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    fn open(path: &Path, busy_timeout_ms: u64, mode: OpenFlags) -> Result<Db> {
        check_is_sqlite(path)?;
        let flags = mode | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let read_only = mode == OpenFlags::SQLITE_OPEN_READ_ONLY;
        // On a read-only filesystem no writer can exist and no -shm can be made: read
        // the file as immutable (unless a WAL holds changes the file does not have).
        // The path as its bytes: a lossy copy of a name that is not UTF-8 is another file.
        let target = if read_only && immutable_is_safe(path) {
            std::path::PathBuf::from(immutable_uri(path))
        } else {
            path.to_path_buf()
        };
        let mut conn = Connection::open_with_flags(&target, flags).map_err(|e| {
            unreadable_here(path, read_only).unwrap_or_else(|| {
                Error::new(
                    Kind::OpenFailed,
                    format!("cannot open {}: {e}", path.display()),
                )
            })
        })?;
        set_busy_timeout(&mut conn, busy_timeout_ms)?;
        query::register_sql(&conn)?;
        let schema = detect_schema(&conn, path).map_err(|e| match e.kind {
            Kind::Sqlite | Kind::ReadOnly | Kind::OpenFailed => {
                unreadable_here(path, read_only).unwrap_or(e)
            }
            _ => e,
        })?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
            schema,
            busy_timeout_ms,
        })
    }

    /// `PRAGMA journal_mode`, read without changing it.
    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }
}

thread_local! {
    /// When the current lock wait began, and how long it may last.
    static BUSY_WAIT: std::cell::Cell<(Option<std::time::Instant>, u64)> =
        const { std::cell::Cell::new((None, 0)) };
}

/// Polls a busy lock every millisecond until `timeout_ms` has passed. SQLite's default
/// handler backs off to 100 ms sleeps, which a gateway writing in a tight loop can
/// starve; short polls find the gaps between its transactions.
fn busy_poll(attempt: i32) -> bool {
    BUSY_WAIT.with(|w| {
        let (start, limit) = w.get();
        let start = match (attempt, start) {
            (0, _) | (_, None) => {
                let now = std::time::Instant::now();
                w.set((Some(now), limit));
                now
            }
            (_, Some(s)) => s,
        };
        if start.elapsed() >= Duration::from_millis(limit) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
        true
    })
}

/// Installs [`busy_poll`] with this timeout on `conn` (a timeout of 0 fails at once).
pub fn set_busy_timeout(conn: &mut Connection, timeout_ms: u64) -> Result<()> {
    BUSY_WAIT.with(|w| w.set((None, timeout_ms)));
    conn.busy_handler(if timeout_ms == 0 {
        None
    } else {
        Some(busy_poll)
    })?;
    Ok(())
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The runtime's table has a rowid and the primary key (plugin_id, namespace,
/// entry_key); statectl's reads and batched writes rely on both. A table built
/// otherwise was not made by OpenClaw.
fn check_table_shape(conn: &Connection, path: &Path) -> Result<()> {
    let without_rowid: bool = conn
        .query_row(
            "SELECT wr FROM pragma_table_list WHERE name = 'plugin_state_entries' AND schema = 'main'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    let mut pk: Vec<(i64, String)> = conn
        .prepare("SELECT pk, name FROM pragma_table_info('plugin_state_entries') WHERE pk > 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    pk.sort();
    let pk: Vec<&str> = pk.iter().map(|(_, n)| n.as_str()).collect();
    let problem = if without_rowid {
        Some("is declared WITHOUT ROWID".to_string())
    } else if pk != ["plugin_id", "namespace", "entry_key"] {
        Some(if pk.is_empty() {
            "has no primary key".to_string()
        } else {
            format!("has the primary key ({})", pk.join(", "))
        })
    } else {
        None
    };
    match problem {
        Some(p) => Err(Error::new(
            Kind::UnexpectedSchema,
            format!(
                "the plugin_state_entries table in {} {p}; OpenClaw creates it with a rowid and PRIMARY KEY (plugin_id, namespace, entry_key), so this file was not written by OpenClaw; check --db",
                path.display()
            ),
        )),
        None => Ok(()),
    }
}

/// 2026.9.6's startup check of a shared database: the first `schema_meta` row with
/// `meta_key = 'primary'` must hold a number `schema_version` equal to
/// `PRAGMA user_version`. Says what disagrees (both numbers), or `None`.
fn schema_meta_mismatch(conn: &Connection, user_version: i64) -> Result<Option<String>> {
    use rusqlite::types::Value;
    let recorded: Option<Value> = conn
        .query_row(
            "SELECT schema_version FROM schema_meta WHERE meta_key = 'primary' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let shown = match recorded {
        None => {
            return Ok(Some(format!(
                "schema_meta has no primary row (schema_version missing, PRAGMA user_version {user_version})"
            )));
        }
        Some(Value::Integer(v)) if v == user_version => return Ok(None),
        Some(Value::Real(v)) if v == user_version as f64 => return Ok(None),
        Some(Value::Integer(v)) => v.to_string(),
        Some(Value::Real(v)) => v.to_string(),
        Some(Value::Null) => "NULL".to_string(),
        Some(Value::Text(t)) => format!("the text '{}'", t.escape_debug()),
        Some(Value::Blob(_)) => "a BLOB".to_string(),
    };
    Ok(Some(format!(
        "schema_meta schema_version {shown} disagrees with PRAGMA user_version {user_version}"
    )))
}

/// Reads layout, versions and the rule set that follows from them.
pub fn detect_schema(conn: &Connection, path: &Path) -> Result<Schema> {
    if !table_exists(conn, "plugin_state_entries")? {
        return Err(Error::new(
            Kind::NotPluginStateDb,
            format!(
                "{} is a SQLite database without a plugin_state_entries table: not an OpenClaw state database; check --db",
                path.display()
            ),
        ));
    }
    check_table_shape(conn, path)?;
    let user_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let strict: bool = conn
        .query_row(
            "SELECT strict FROM pragma_table_list WHERE name = 'plugin_state_entries' AND schema = 'main'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);

    if !table_exists(conn, "schema_meta")? {
        return Ok(Schema {
            layout: Layout::Legacy,
            user_version,
            recorded_version: None,
            content_version: None,
            effective_version: user_version,
            app_version: None,
            strict,
            newer_than_known: user_version > rules::NEWEST_LEGACY_VERSION,
            meta_mismatch: None,
            rules: rules::LEGACY,
        });
    }

    let meta: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT schema_version, app_version FROM schema_meta WHERE meta_key = 'primary' AND role = 'global'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let content_version = if table_exists(conn, "config_machine_state")? {
        conn.query_row(
            "SELECT value_json FROM config_machine_state WHERE state_key = 'state.schema.contentVersion'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .and_then(|v| v.as_i64())
    } else {
        None
    };
    // 2026.9.6: user_version if above 18, else the larger of it and the pending version.
    let effective_version = if user_version > rules::NEWEST_SHARED_VERSION {
        user_version
    } else {
        user_version.max(content_version.unwrap_or(0))
    };
    Ok(Schema {
        layout: Layout::Shared,
        user_version,
        recorded_version: meta.as_ref().map(|m| m.0),
        content_version,
        effective_version,
        app_version: meta.and_then(|m| m.1),
        strict,
        newer_than_known: effective_version > rules::NEWEST_SHARED_VERSION,
        meta_mismatch: schema_meta_mismatch(conn, user_version)?,
        rules: rules::shared_rules(effective_version),
    })
}
