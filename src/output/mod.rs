//! Output: terminal policy, tables for people, JSON/JSONL/CSV for scripts.

pub mod accounts;
pub mod all_dbs;
pub mod check;
pub mod columns;
pub mod dbs;
pub mod diff;
pub mod entries;
pub mod explain;
pub mod format;
pub mod import;
pub mod info;
pub mod inspect;
pub mod json_lines;
pub mod limits;
pub mod ls;
pub mod man;
pub mod mutate;
pub mod prompt;
pub mod top;
pub mod watch;

pub use format::Format;

use std::io::IsTerminal;

/// What the terminal allows: decided once, at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Colour and bold: only on a terminal and when `NO_COLOR` is unset or empty.
    pub color: bool,
    /// Columns available for tables when stdout is a terminal; `None` when unknown
    /// (a terminal that reports 0 columns, as under `script`): then there is no limit.
    pub width: Option<u16>,
}

impl Term {
    pub fn detect() -> Term {
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let width = if stdout_tty { terminal_width() } else { None };
        Term {
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            color: stdout_tty && !no_color,
            width,
        }
    }

    /// No terminal at all: what tests and pipes see.
    pub fn plain() -> Term {
        Term {
            stdout_tty: false,
            stderr_tty: false,
            color: false,
            width: None,
        }
    }
}

/// The terminal's width: `COLUMNS` when set to a number, else what stdout's terminal
/// reports; 0 (unknown) is `None`.
fn terminal_width() -> Option<u16> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<u16>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    // SAFETY: TIOCGWINSZ fills a plain C struct for the descriptor; a failure leaves it 0.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(ws.ws_col)
}

/// The progress bar of long writes: `1,024/12,544 rows (26,567 rows/s, 0s)`.
pub fn progress_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(
        "{spinner} {msg} {bar:30} {human_pos}/{human_len} rows ({rate}, {eta})",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .with_key(
        "rate",
        |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}", rate(s.per_sec()));
        },
    )
}

/// A rate for people: a whole number of rows per second.
pub fn rate(per_sec: f64) -> String {
    let n = if per_sec.is_finite() && per_sec > 0.0 {
        per_sec.round() as u64
    } else {
        0
    };
    format!("{} rows/s", thousands(n))
}

/// One JSON document for scripts: indented under `-o json`, a single line under
/// `-o jsonl`, followed by a newline.
pub fn write_json(
    out: &mut dyn std::io::Write,
    format: Format,
    value: &impl serde::Serialize,
) -> crate::error::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, value)?;
    } else {
        serde_json::to_writer(&mut *out, value)?;
    }
    writeln!(out)?;
    Ok(())
}

/// A table of a report (`diff`, `import --dry-run`, `verify`), laid out like every
/// table of statectl ([`columns::Table`]): its columns are kept whole, so a narrow
/// terminal makes a line overflow rather than cut a name or stack a header over three
/// lines, and a terminal of unknown width (`script`) or a pipe sets no limit.
pub struct ReportTable {
    table: columns::Table,
    term: Term,
}

/// A [`ReportTable`] with these headers.
pub fn new_table(term: Term, header: &[&str]) -> ReportTable {
    ReportTable {
        table: columns::Table::new(header.iter().map(|h| columns::Column::keep(h)).collect()),
        term,
    }
}

/// A [`ReportTable`] whose columns say how they give way on a narrow terminal.
pub fn new_table_fitted(term: Term, columns: Vec<columns::Column>) -> ReportTable {
    ReportTable {
        table: columns::Table::new(columns),
        term,
    }
}

/// Adds a row; every cell is escaped ([`escape_control`]).
pub fn add_row(t: &mut ReportTable, cells: Vec<String>) {
    t.table.row(cells);
}

/// Prints a finished table, trailing spaces trimmed.
pub fn write_table(out: &mut dyn std::io::Write, t: &ReportTable) -> std::io::Result<()> {
    t.table.write(out, t.term, false)
}

/// Text for people, the one escaping step of every human-facing output (tables, plans,
/// `--keys-only`, CSV, `inspect`, `check`, warnings and error messages): control
/// characters (C0 including newline and ESC, DEL, C1), the line and paragraph
/// separators and the bidirectional overrides are shown escaped (`\t`, `\u{1b}`,
/// `\u{202e}`), so a key, plugin id or value from the database can neither move the
/// cursor, recolour or retitle the terminal, nor break a line or a table. JSON output
/// never goes through it (it stays exact).
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if needs_escape(c) {
                    c.escape_default().collect()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// [`escape_control`] for text that may span lines: each line escaped, newlines kept.
pub fn escape_lines(s: &str) -> String {
    s.split('\n')
        .map(|l| escape_control(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A number with thousands separators: `1,204`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 row`, `1,204 rows`.
pub fn rows(n: u64) -> String {
    format!("{} row{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// Bytes for people: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sizes_read_well() {
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(rate(26_566.689_3), "26,567 rows/s");
        assert_eq!(rate(f64::NAN), "0 rows/s");
        assert_eq!(
            escape_control("tab\tin\u{85}x\u{2028}"),
            "tab\\tin\\u{85}x\\u{2028}"
        );
        assert_eq!(
            escape_control("\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}"),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}"
        );
        assert_eq!(escape_control("ключ:😀"), "ключ:😀");
        assert_eq!(escape_lines("a\u{1b}\nb"), "a\\u{1b}\nb");
    }
}
