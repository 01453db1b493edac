//! Tables for people, laid out to the terminal the way `kubectl get` does: when a line
//! does not fit, optional columns go first, then shrinkable ones (VALUE) are cut; the
//! columns that name a row (NAMESPACE, KEY) are never cut, a line overflows instead.
//!
//! Every table of statectl goes through [`Table`]; a command only says, per column,
//! how it may give way ([`Fit`]). The width comes from [`super::Term::width`]: `None`
//! (a pipe, or a terminal of unknown width) means no limit and no cutting at all.

use super::{Term, escape_control};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// How a column gives way when the line is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Always shown, never cut: a longer cell makes the line overflow. Only a long hex
    /// run (a hash segment such as `msteams.sent-messages.account.v1.<64 hex>`) is
    /// shortened in its middle, and only when the line would not fit otherwise.
    Keep,
    /// Always shown exactly as it is, hashes included: a path or name to copy. Best as
    /// the last column, where a long cell runs on without pushing the others.
    Verbatim,
    /// Always shown; cut with an ellipsis (down to `min` characters) when the line does
    /// not fit, after every optional column is gone.
    Shrink { min: usize },
    /// Left out when the line does not fit; the lowest `rank` goes first.
    Optional { rank: u8 },
}

/// One column: its header and how it gives way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    pub fit: Fit,
}

impl Column {
    pub fn keep(header: &str) -> Column {
        Column {
            header: header.into(),
            fit: Fit::Keep,
        }
    }
    pub fn verbatim(header: &str) -> Column {
        Column {
            header: header.into(),
            fit: Fit::Verbatim,
        }
    }
    pub fn shrink(header: &str, min: usize) -> Column {
        Column {
            header: header.into(),
            fit: Fit::Shrink { min },
        }
    }
    pub fn optional(header: &str, rank: u8) -> Column {
        Column {
            header: header.into(),
            fit: Fit::Optional { rank },
        }
    }
}

/// Columns and rows, rendered at the end (a layout needs every row's width).
#[derive(Debug, Clone, Default)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

/// Spaces between two columns.
const GAP: usize = 2;
/// A hex run at least this long is a hash segment that may be shortened in its middle.
const HASH_RUN: usize = 16;
/// Hex digits kept on each side of a shortened hash.
const HASH_KEEP: usize = 6;

/// Which columns are shown, in order, and how wide each may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Indexes into the table's columns, in their order.
    pub shown: Vec<usize>,
    /// Per shown column: the width it is cut to, or `None` for its natural width.
    pub cut: Vec<Option<usize>>,
    /// Long hash segments in `Keep` columns are shortened.
    pub short_hashes: bool,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    /// Adds a row; its cells are escaped when rendered, so any text is safe here.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len());
        self.rows.push(
            cells
                .into_iter()
                .map(|c| escape_control(&c).into_owned())
                .collect(),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn natural(&self, i: usize, short_hashes: bool) -> usize {
        let header = self.columns[i].header.width();
        self.rows
            .iter()
            .map(|r| cell(&r[i], self.columns[i].fit, short_hashes).width())
            .fold(header, usize::max)
    }

    /// Decides the layout for `width` columns (`None`: no limit); `wide` shows every
    /// column uncut.
    pub fn layout(&self, width: Option<usize>, wide: bool) -> Layout {
        let all: Vec<usize> = (0..self.columns.len()).collect();
        let uncut = |shown: Vec<usize>, short_hashes| Layout {
            cut: vec![None; shown.len()],
            shown,
            short_hashes,
        };
        let Some(width) = width.filter(|_| !wide) else {
            return uncut(all, false);
        };
        let line = |shown: &[usize], short: bool| -> usize {
            shown.iter().map(|&i| self.natural(i, short)).sum::<usize>()
                + GAP * shown.len().saturating_sub(1)
        };
        let mut shown = all;
        // 1. Optional columns, lowest rank first (the rightmost among equals).
        while line(&shown, false) > width {
            let drop = shown
                .iter()
                .enumerate()
                .filter_map(|(pos, &i)| match self.columns[i].fit {
                    Fit::Optional { rank } => Some((rank, std::cmp::Reverse(pos))),
                    _ => None,
                })
                .min();
            match drop {
                Some((_, std::cmp::Reverse(pos))) => {
                    shown.remove(pos);
                }
                None => break,
            }
        }
        // 2. Hash segments of names, in their middle.
        let short = line(&shown, false) > width;
        let mut layout = uncut(shown, short);
        // 3. Shrinkable columns, each down to its minimum.
        let mut excess = line(&layout.shown, short).saturating_sub(width);
        for (pos, &i) in layout.shown.iter().enumerate() {
            if excess == 0 {
                break;
            }
            if let Fit::Shrink { min } = self.columns[i].fit {
                let natural = self.natural(i, short);
                let floor = min.max(self.columns[i].header.width()).min(natural);
                let give = (natural - floor).min(excess);
                if give > 0 {
                    layout.cut[pos] = Some(natural - give);
                    excess -= give;
                }
            }
        }
        layout
    }

    /// Prints the table laid out for the terminal (`-o wide`: every column, uncut).
    pub fn write(&self, out: &mut dyn Write, term: Term, wide: bool) -> io::Result<()> {
        let width = if term.stdout_tty {
            term.width.map(usize::from)
        } else {
            None
        };
        let layout = self.layout(width, wide);
        let widths: Vec<usize> = layout
            .shown
            .iter()
            .zip(&layout.cut)
            .map(|(&i, cut)| cut.unwrap_or_else(|| self.natural(i, layout.short_hashes)))
            .collect();
        let header: Vec<String> = layout
            .shown
            .iter()
            .map(|&i| self.columns[i].header.clone())
            .collect();
        write_line(out, &header, &widths, term.color)?;
        for r in &self.rows {
            let cells: Vec<String> = layout
                .shown
                .iter()
                .zip(&widths)
                .map(|(&i, &w)| {
                    let text = cell(&r[i], self.columns[i].fit, layout.short_hashes);
                    fit_width(&text, w)
                })
                .collect();
            write_line(out, &cells, &widths, false)?;
        }
        Ok(())
    }
}

fn cell(text: &str, fit: Fit, short_hashes: bool) -> std::borrow::Cow<'_, str> {
    if short_hashes && fit == Fit::Keep {
        shorten_hashes(text).into()
    } else {
        text.into()
    }
}

fn write_line(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    bold: bool,
) -> io::Result<()> {
    let mut line = String::new();
    for (n, (c, w)) in cells.iter().zip(widths).enumerate() {
        let last = n + 1 == cells.len();
        let pad = if last {
            0
        } else {
            w.saturating_sub(c.width()) + GAP
        };
        if bold {
            line.push_str("\x1b[1m");
            line.push_str(c);
            line.push_str("\x1b[0m");
        } else {
            line.push_str(c);
        }
        line.extend(std::iter::repeat_n(' ', pad));
    }
    writeln!(out, "{}", line.trim_end())
}

/// Cuts `s` to at most `w` display columns, ending in `…` when cut.
pub fn fit_width(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        out.push(ch);
        used += cw;
    }
    out.push('…');
    out
}

/// `msteams.sent-messages.account.v1.0123ab…89cdef`: every run of at least 16 hex
/// digits keeps 6 on each side. A run of decimal digits alone is a number (a Discord
/// snowflake, a Telegram chat id, a timestamp), not a hash: it stays whole.
pub fn shorten_hashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= HASH_RUN && run.chars().any(|c| c.is_ascii_alphabetic()) {
            out.push_str(&run[..HASH_KEEP]);
            out.push('…');
            out.push_str(&run[run.len() - HASH_KEEP..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for ch in s.chars() {
        if ch.is_ascii_hexdigit() {
            run.push(ch);
        } else {
            flush(&mut run, &mut out);
            out.push(ch);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut t = Table::new(vec![
            Column::keep("NAMESPACE"),
            Column::optional("BYTES", 2),
            Column::optional("OLDEST", 1),
            Column::shrink("VALUE", 5),
        ]);
        t.row(vec![
            "discord.components".into(),
            "1.5 KiB".into(),
            "3d 2h ago".into(),
            "x".repeat(40),
        ]);
        t
    }

    #[test]
    fn optional_columns_go_first_then_values_shrink() {
        let t = table();
        // 18 + 2 + 7 + 2 + 9 + 2 + 40 = 80
        assert_eq!(t.layout(Some(80), false).shown, [0, 1, 2, 3]);
        assert_eq!(t.layout(Some(79), false).shown, [0, 1, 3], "OLDEST first");
        assert_eq!(t.layout(Some(69), false).shown, [0, 1, 3]);
        assert_eq!(t.layout(Some(68), false).shown, [0, 3], "then BYTES");
        let l = t.layout(Some(40), false);
        assert_eq!(
            (l.shown.clone(), l.cut.clone()),
            (vec![0, 3], vec![None, Some(20)])
        );
        let l = t.layout(Some(10), false);
        assert_eq!(
            l.cut,
            [None, Some(5)],
            "VALUE stops at its minimum; the line overflows"
        );
        assert_eq!(
            t.layout(None, false).shown,
            [0, 1, 2, 3],
            "unknown width: no limit"
        );
        assert_eq!(t.layout(Some(10), true).cut, [None; 4], "-o wide");
    }

    #[test]
    fn names_are_never_cut_but_hashes_shorten_in_the_middle() {
        let hash = "0123456789abcdef".repeat(4);
        let ns = format!("msteams.sent-messages.account.v1.{hash}");
        let mut t = Table::new(vec![Column::keep("NAMESPACE"), Column::keep("LIVE")]);
        t.row(vec![ns.clone(), "3".into()]);
        let mut out = Vec::new();
        let term = Term {
            stdout_tty: true,
            stderr_tty: true,
            color: false,
            width: Some(60),
        };
        t.write(&mut out, term, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("msteams.sent-messages.account.v1.012345…abcdef  3"),
            "{text}"
        );
        let mut out = Vec::new();
        t.write(
            &mut out,
            Term {
                width: Some(200),
                ..term
            },
            false,
        )
        .unwrap();
        assert!(String::from_utf8(out).unwrap().contains(&ns));
        assert_eq!(shorten_hashes("key-abc"), "key-abc");
        assert_eq!(
            shorten_hashes("default:1287654321098765432"),
            "default:1287654321098765432",
            "a snowflake is no hash"
        );
        assert_eq!(fit_width("abcdef", 4), "abc…");
        assert_eq!(fit_width("ключ", 4), "ключ");
    }
}
