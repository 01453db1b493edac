//! `-o`: the output formats, which ones each command can render (the matrix of
//! cli-contract.md), and the refusal of any other (a usage error naming the ones it can).

use crate::error::{Error, Kind, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people
    Table,
    /// A table with every column
    Wide,
    /// One JSON document
    Json,
    /// One JSON object per line
    Jsonl,
    /// Comma-separated values with a header
    Csv,
}

/// Lists (`ls`, `ls NS`, and later `top`, `dbs`, `diff`, `watch`): every format.
pub const LIST: &[Format] = &[
    Format::Table,
    Format::Wide,
    Format::Json,
    Format::Jsonl,
    Format::Csv,
];
/// Single reports (`inspect`, `info`, `check`, `verify`, `import`, `prune`, `expire`,
/// `backup`, and later `explain`): a table, or the same document as JSON or on one line.
pub const REPORT: &[Format] = &[Format::Table, Format::Wide, Format::Json, Format::Jsonl];
/// Commands with an output of their own (`export`, `completions`, `man`): no `-o`.
pub const NONE: &[Format] = &[];

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Wide => "wide",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
    pub fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::Jsonl)
    }
    /// A table for people (`wide` is a table with every column).
    pub fn is_table(self) -> bool {
        matches!(self, Format::Table | Format::Wide)
    }
}

/// The format a command renders: `-o` when it is one the command supports, the table
/// when `-o` is absent; anything else is a usage error naming what the command can do.
pub fn negotiate(asked: Option<Format>, supported: &[Format], command: &str) -> Result<Format> {
    let Some(f) = asked else {
        return Ok(Format::Table);
    };
    if supported.contains(&f) {
        return Ok(f);
    }
    let names: Vec<&str> = supported.iter().map(|f| f.name()).collect();
    Err(Error::new(
        Kind::UnsupportedFormat,
        if names.is_empty() {
            format!(
                "`statectl {command}` has no -o: it writes its own output; drop -o {}",
                f.name()
            )
        } else {
            format!(
                "`statectl {command}` cannot render -o {}; use one of: {}",
                f.name(),
                names.join(", ")
            )
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_refuses_a_format_it_cannot_render() {
        assert_eq!(negotiate(None, NONE, "man").unwrap(), Format::Table);
        assert_eq!(
            negotiate(Some(Format::Csv), LIST, "ls").unwrap(),
            Format::Csv
        );
        let e = negotiate(Some(Format::Csv), REPORT, "info").unwrap_err();
        assert_eq!(e.kind, Kind::UnsupportedFormat);
        assert!(e.message.contains("table, wide, json, jsonl"), "{e}");
        let e = negotiate(Some(Format::Json), NONE, "export").unwrap_err();
        assert!(e.message.contains("has no -o"), "{e}");
    }
}
