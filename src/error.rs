//! The error kinds of the whole tool and the one table that gives each its stable
//! `code` string and its exit status (cli-contract.md "Exit codes"; the README copies
//! it and `tests/exit_codes.rs` compares the two).
//!
//! Inside, functions return [`Error`] (a kind and a one-line message); commands add
//! context with `anyhow`'s `with_context`, and [`report`] finds the kind again for
//! `main`, so context never costs the exit code.

/// The exit statuses of the contract, with what each means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    Success = 0,
    Runtime = 1,
    Usage = 2,
    NotFound = 3,
    Refused = 4,
    Busy = 5,
    Interrupted = 130,
}

impl Exit {
    pub const ALL: &'static [Exit] = &[
        Exit::Success,
        Exit::Runtime,
        Exit::Usage,
        Exit::NotFound,
        Exit::Refused,
        Exit::Busy,
        Exit::Interrupted,
    ];

    pub fn code(self) -> i32 {
        self as i32
    }

    /// The meaning column of the README's exit-code table.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success; an empty result of a known namespace is success",
            Exit::Runtime => "runtime failure (I/O, SQLite, corrupt database)",
            Exit::Usage => {
                "usage error (including an ambiguous namespace and an invalid export file)"
            }
            Exit::NotFound => {
                "not found: a missing key, or a namespace named explicitly that exists nowhere"
            }
            Exit::Refused => {
                "refused: confirmation needed, protected, schema too new, ownership fence, import conflict"
            }
            Exit::Busy => "database busy: the lock was not obtained within the busy timeout",
            Exit::Interrupted => "interrupted",
        }
    }
}

/// Declares the error kinds: one line per kind, `Name = exit class, "stable code";`.
macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $name:ident = $exit:ident, $code:literal; )+) => {
        /// What went wrong, at the level a script cares about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $( $(#[$doc])* $name, )+ }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$name),+];

            /// The exit class of this kind (before a command's own convention).
            pub fn exit(self) -> Exit {
                match self { $(Kind::$name => Exit::$exit,)+ }
            }

            /// The stable code string of JSON errors.
            pub fn code(self) -> &'static str {
                match self { $(Kind::$name => $code,)+ }
            }
        }
    };
}

// To add a kind, add one line here (and its code to the README's exit-code table).
error_kinds! {
    /// An error that carries no kind of its own.
    Runtime = Runtime, "runtime";
    Io = Runtime, "io";
    /// stdout closed (`statectl ls | head -1`): `main` ends quietly with success.
    BrokenPipe = Runtime, "broken_pipe";
    Sqlite = Runtime, "sqlite";
    NotSqlite = Runtime, "not_sqlite";
    CorruptDatabase = Runtime, "corrupt_database";
    ReadOnly = Runtime, "read_only";
    Json = Runtime, "json";
    Csv = Runtime, "csv";
    DbNotFound = Runtime, "db_not_found";
    OpenFailed = Runtime, "open_failed";
    NotPluginStateDb = Runtime, "not_plugin_state_db";
    /// plugin_state_entries built differently from the runtime's (no rowid, another key).
    UnexpectedSchema = Runtime, "unexpected_schema";
    /// A stored value of a type the runtime never writes (text in created_at).
    UnexpectedValue = Runtime, "unexpected_value";
    LockFailed = Runtime, "lock_failed";
    /// A directory on the way to the database (or the file) that this user may not enter.
    PermissionDenied = Runtime, "permission_denied";
    Prompt = Runtime, "prompt";
    Scan = Runtime, "scan";
    BackupCheckFailed = Runtime, "backup_check_failed";

    Usage = Usage, "usage";
    UnsupportedFormat = Usage, "unsupported_format";
    InvalidNamespace = Usage, "invalid_namespace";
    /// A key the runtime refuses: empty or whitespace-only, or over 512 bytes trimmed.
    InvalidKey = Usage, "invalid_key";
    AmbiguousNamespace = Usage, "ambiguous_namespace";
    ConflictingPlugin = Usage, "conflicting_plugin";
    InvalidExport = Usage, "invalid_export";
    /// An export `diff` cannot compare within its selection.
    UnsupportedExport = Usage, "unsupported_export";
    FileNotFound = Usage, "file_not_found";
    NoHome = Usage, "no_home";
    NamespacesFile = Usage, "namespaces_file";
    InvalidDuration = Usage, "invalid_duration";
    InvalidTime = Usage, "invalid_time";
    UnknownShell = Usage, "unknown_shell";
    NoShell = Usage, "no_shell";
    NoSelection = Usage, "no_selection";
    NeedsAll = Usage, "needs_all";
    ExpireLiveOnly = Usage, "expire_live_only";
    /// A `--where` that does not parse or names no field of the namespace.
    InvalidWhere = Usage, "invalid_where";
    /// `--where` without a namespace, or on one statectl cannot decode.
    NoDecodedFields = Usage, "no_decoded_fields";
    DestinationIsDatabase = Usage, "destination_is_database";
    NotARegularFile = Usage, "not_a_regular_file";

    KeyNotFound = NotFound, "key_not_found";
    /// `diff --sidecar` where no legacy sidecar exists.
    NoSidecar = NotFound, "no_sidecar";
    KeyExpired = NotFound, "key_expired";
    NamespaceNotFound = NotFound, "namespace_not_found";
    /// `explain` of a namespace statectl knows nothing about.
    NamespaceNotKnown = NotFound, "namespace_not_known";

    FileExists = Refused, "file_exists";
    SchemaTooNew = Refused, "schema_too_new";
    /// A shared database whose `schema_meta` disagrees with `PRAGMA user_version`.
    SchemaMetaMismatch = Refused, "schema_meta_mismatch";
    OwnershipFence = Refused, "ownership_fence";
    SecretNamespace = Refused, "secret_namespace";
    ProtectedNamespace = Refused, "protected_namespace";
    ConfirmationNeeded = Refused, "confirmation_needed";
    NotConfirmed = Refused, "not_confirmed";
    ImportConflict = Refused, "import_conflict";
    /// `import --strict` of a file with rows the target runtime cannot take.
    ImportNotTaken = Refused, "import_not_taken";
    PluginCap = Refused, "plugin_cap";
    /// `import --atomic` whose one transaction would hold the lock past the estimate.
    AtomicTooLong = Refused, "atomic_too_long";
    LockDirUntrusted = Refused, "lock_dir_untrusted";

    Busy = Busy, "busy";

    Interrupted = Interrupted, "interrupted";
}

impl Kind {
    pub fn exit_code(self) -> i32 {
        self.exit().code()
    }
}

/// How a command turns an error into its exit status: most follow the table; some
/// follow the convention their callers expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitPolicy {
    /// The exit-code table.
    Standard,
    /// Monitoring-plugin convention (`check`): every error is 3 UNKNOWN, usage included.
    Monitoring,
    /// GNU diff convention (`diff`): every error is 2 "trouble".
    GnuDiff,
}

impl ExitPolicy {
    /// The policy of a subcommand, by its name on the command line.
    pub fn for_subcommand(name: Option<&str>) -> ExitPolicy {
        match name {
            Some("check") => ExitPolicy::Monitoring,
            Some("diff") => ExitPolicy::GnuDiff,
            _ => ExitPolicy::Standard,
        }
    }

    pub fn exit_code(self, kind: Kind) -> i32 {
        match self {
            ExitPolicy::Standard => kind.exit_code(),
            ExitPolicy::Monitoring => 3,
            ExitPolicy::GnuDiff => 2,
        }
    }
}

/// An error with a kind and a one-line message that says what is wrong and what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub kind: Kind,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }
    /// True when the error is only a closed stdout (`statectl ls | head -1`).
    pub fn is_broken_pipe(&self) -> bool {
        self.kind == Kind::BrokenPipe
    }
    /// The JSON form printed on stderr under `--format json|jsonl`.
    pub fn to_json(&self, exit: i32) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code(), "message": self.message, "exit": exit}})
    }
}

/// The kind and the whole message (every context, outermost first) of an error
/// raised anywhere: the one place that decides what `main` reports.
pub fn report(e: &anyhow::Error) -> Error {
    let mut context = Vec::new();
    for cause in e.chain() {
        let found = if let Some(x) = cause.downcast_ref::<Error>() {
            Some(x.clone())
        } else if let Some(x) = cause.downcast_ref::<std::io::Error>() {
            Some(io_error(x))
        } else if let Some(x) = cause.downcast_ref::<rusqlite::Error>() {
            Some(sqlite_error(x))
        } else if let Some(x) = cause.downcast_ref::<serde_json::Error>() {
            Some(json_error(x))
        } else {
            cause.downcast_ref::<csv::Error>().map(csv_error)
        };
        if let Some(mut inner) = found {
            if !context.is_empty() {
                context.push(inner.message);
                inner.message = context.join(": ");
            }
            return inner;
        }
        context.push(cause.to_string());
    }
    Error::new(Kind::Runtime, context.join(": "))
}

fn io_error(e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Error::new(Kind::BrokenPipe, "output closed");
    }
    Error::new(Kind::Io, format!("I/O error: {e}"))
}

fn sqlite_error(e: &rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    match e {
        rusqlite::Error::InvalidColumnType(_, name, ty) => {
            // The name may be an expression (MIN(CASE ... created_at END)): name the column.
            let name = ["created_at", "expires_at", "value_json", "entry_key"]
                .into_iter()
                .find(|c| name.contains(c))
                .unwrap_or(name.as_str());
            return Error::new(
                Kind::UnexpectedValue,
                format!(
                    "a row holds {} in column {name}, where OpenClaw stores {}; it was not written by the runtime; find it with sqlite3 (typeof({name})) and fix or delete it",
                    match ty {
                        rusqlite::types::Type::Null => "NULL".to_string(),
                        t => format!("a {} value", t.to_string().to_uppercase()),
                    },
                    match name {
                        "created_at" | "expires_at" => "an INTEGER (epoch ms)",
                        _ => "TEXT",
                    }
                ),
            );
        }
        rusqlite::Error::IntegralValueOutOfRange(_, v) => {
            return Error::new(
                Kind::UnexpectedValue,
                format!("a row holds the integer {v}, out of the range statectl can use"),
            );
        }
        _ => {}
    }
    if let rusqlite::Error::SqliteFailure(f, _) = e {
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return Error::new(
                    Kind::Busy,
                    "database is busy: another process held the lock past the busy timeout; retry, or raise --busy-timeout",
                );
            }
            ErrorCode::NotADatabase => {
                return Error::new(
                    Kind::NotSqlite,
                    "the file is not a SQLite database; check --db",
                );
            }
            ErrorCode::DatabaseCorrupt => {
                return Error::new(
                    Kind::CorruptDatabase,
                    format!("the database file is corrupt ({e}); restore it from a backup"),
                );
            }
            ErrorCode::ReadOnly => {
                return Error::new(
                    Kind::ReadOnly,
                    format!(
                        "the database is read-only here ({e}); check file and directory permissions"
                    ),
                );
            }
            _ => {}
        }
    }
    Error::new(Kind::Sqlite, format!("SQLite error: {e}"))
}

fn csv_error(e: &csv::Error) -> Error {
    // A closed pipe under `-o csv` is a closed pipe like any other.
    if let csv::ErrorKind::Io(io) = e.kind() {
        return io_error(io);
    }
    Error::new(Kind::Csv, e.to_string())
}

fn json_error(e: &serde_json::Error) -> Error {
    if e.is_io() {
        // serde_json keeps the I/O error's kind; a closed pipe must stay recognisable.
        return io_error(&std::io::Error::new(
            e.io_error_kind().unwrap_or(std::io::ErrorKind::Other),
            e.to_string(),
        ));
    }
    Error::new(Kind::Json, format!("JSON error: {e}"))
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        io_error(&e)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        sqlite_error(&e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            return std::io::Error::from(e).into();
        }
        json_error(&e)
    }
}

impl From<csv::Error> for Error {
    fn from(e: csv::Error) -> Self {
        csv_error(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn every_code_is_unique() {
        let mut codes: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
        codes.sort();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n, "two kinds share a code");
    }

    #[test]
    fn context_never_costs_the_kind() {
        let inner: Result<()> = Err(Error::new(Kind::KeyNotFound, "no key 'k'"));
        let e = inner
            .context("reading things")
            .with_context(|| "in the outer step".to_string())
            .unwrap_err();
        let r = report(&e);
        assert_eq!(r.kind, Kind::KeyNotFound);
        assert_eq!(r.message, "in the outer step: reading things: no key 'k'");
        let io: std::result::Result<(), _> =
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(report(&io.context("writing").unwrap_err()).is_broken_pipe());
        assert_eq!(report(&anyhow::anyhow!("odd")).kind, Kind::Runtime);
    }

    #[test]
    fn check_and_diff_have_their_own_conventions() {
        let p = ExitPolicy::for_subcommand;
        assert_eq!(p(Some("ls")).exit_code(Kind::AmbiguousNamespace), 2);
        assert_eq!(p(Some("ls")).exit_code(Kind::Busy), 5);
        assert_eq!(p(Some("check")).exit_code(Kind::Usage), 3);
        assert_eq!(p(Some("check")).exit_code(Kind::Busy), 3);
        assert_eq!(p(Some("diff")).exit_code(Kind::KeyNotFound), 2);
    }
}
