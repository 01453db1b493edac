//! One error type for the whole tool: a stable code string and an exit status per kind.

/// What went wrong, at the level a script cares about; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Runtime failure: I/O, SQLite, a corrupt database (exit 1).
    Runtime,
    /// Bad command line or bad input value (exit 2).
    Usage,
    /// A key or namespace that does not exist (exit 3).
    NotFound,
    /// Refused for safety: confirmation, protection, schema, fence, conflict (exit 4).
    Refused,
    /// The database lock was not obtained within the busy timeout (exit 5).
    Busy,
    /// Interrupted by the user (exit 130).
    Interrupted,
}

impl Kind {
    pub fn exit_code(self) -> i32 {
        match self {
            Kind::Runtime => 1,
            Kind::Usage => 2,
            Kind::NotFound => 3,
            Kind::Refused => 4,
            Kind::Busy => 5,
            Kind::Interrupted => 130,
        }
    }
}

/// An error with a kind, a stable machine-readable code and a one-line message that
/// says what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub kind: Kind,
    pub code: &'static str,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Error {
            kind,
            code,
            message: message.into(),
        }
    }
    pub fn usage(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, code, message)
    }
    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Refused, code, message)
    }
    pub fn runtime(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Runtime, code, message)
    }
    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }
    /// True when the error is only a closed stdout (`statectl ls | head -1`).
    pub fn is_broken_pipe(&self) -> bool {
        self.code == "broken_pipe"
    }
    /// The JSON form printed on stderr under `--format json|jsonl`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code, "message": self.message, "exit": self.exit_code()}})
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Error::runtime("broken_pipe", "output closed");
        }
        Error::runtime("io", format!("I/O error: {e}"))
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    return Error::new(
                        Kind::Busy,
                        "busy",
                        "database is busy: another process held the lock past the busy timeout; retry, or raise --busy-timeout",
                    );
                }
                ErrorCode::NotADatabase => {
                    return Error::runtime(
                        "not_sqlite",
                        "the file is not a SQLite database; check --db",
                    );
                }
                ErrorCode::DatabaseCorrupt => {
                    return Error::runtime(
                        "corrupt_database",
                        format!("the database file is corrupt ({e}); restore it from a backup"),
                    );
                }
                ErrorCode::ReadOnly => {
                    return Error::runtime(
                        "read_only",
                        format!(
                            "the database is read-only here ({e}); check file and directory permissions"
                        ),
                    );
                }
                _ => {}
            }
        }
        Error::runtime("sqlite", format!("SQLite error: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            return std::io::Error::from(e).into();
        }
        Error::runtime("json", format!("JSON error: {e}"))
    }
}

impl From<csv::Error> for Error {
    fn from(e: csv::Error) -> Self {
        if e.is_io_error() {
            // A closed pipe under `-o csv` is a closed pipe like any other.
            if let csv::ErrorKind::Io(io) = e.into_kind() {
                return io.into();
            }
            return Error::runtime("csv", "CSV output failed");
        }
        Error::runtime("csv", e.to_string())
    }
}
