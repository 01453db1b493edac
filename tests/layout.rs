//! The shape of the source (issue 12): a command file in `src/commands/` stays under
//! ~200 lines and a function anywhere in `src/` under ~80 lines, unit tests excluded;
//! every module opens with a comment that says its job.
//!
//! Measured by a small Rust scanner that knows comments, strings (raw ones too) and
//! character literals, so a brace in text never counts; `#[cfg(test)]` items are left out.

mod common;

use std::path::{Path, PathBuf};

/// A command file's longest allowed length, in lines outside `#[cfg(test)]` items.
const COMMAND_FILE_LINES: usize = 200;
/// A function's longest allowed length, from its `fn` line to its closing brace.
const FUNCTION_LINES: usize = 80;

/// What the scanner needs from source text: the code characters, with every comment,
/// string and character literal blanked out (newlines kept, so lines still count).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        if c[i] == '/' && ch(&c, i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && ch(&c, i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && ch(&c, i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && ch(&c, i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&c, i) {
            // r"..", r#".."#, br#".."#: ends at a quote followed by as many hashes.
            let open = c[i..].iter().position(|&x| x == '"').unwrap_or(0) + 1;
            for &ch in &c[i..i + open] {
                blank(&mut out, ch);
            }
            i += open;
            while i < c.len() {
                if c[i] == '"' && (1..=hashes).all(|k| ch(&c, i + k) == '#') {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += hashes + 1;
                    break;
                }
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '\'' && char_literal_len(&c, i) > 0 {
            let n = char_literal_len(&c, i);
            for _ in 0..n {
                out.push(' ');
            }
            i += n;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The character at `i`, or NUL past the end.
fn ch(c: &[char], i: usize) -> char {
    c.get(i).copied().unwrap_or('\0')
}

/// At a raw string's start (`r"`, `r#"`, `br"`, not inside an identifier): its hashes.
fn raw_string_start(c: &[char], i: usize) -> Option<usize> {
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    if i > 0 && ident(c[i - 1]) {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some(hashes)
}

/// The length of a character literal starting at `i` (`'a'`, `'\n'`, `'\u{1b}'`, `'{'`),
/// or 0 for a lifetime (`'a`).
fn char_literal_len(c: &[char], i: usize) -> usize {
    if c.get(i + 1) == Some(&'\\') {
        // Past the escaped character, so `'\''` ends at its last quote.
        let mut j = i + 3;
        while j < c.len() && j < i + 14 {
            if c[j] == '\'' {
                return j - i + 1;
            }
            j += 1;
        }
        return 0;
    }
    if c.get(i + 2) == Some(&'\'') { 3 } else { 0 }
}

/// Byte ranges (in `code`) of the items under `#[cfg(test)]`: to its closing brace, or
/// to a `;` for an item without a body.
fn test_items(code: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("#[cfg(test)]") {
        let start = from + p;
        let end = item_end(code, start + "#[cfg(test)]".len());
        out.push((start, end));
        from = end.max(start + 1);
    }
    out
}

/// Where the item starting after `from` ends: its matching `}` (past it), or its `;`.
fn item_end(code: &str, from: usize) -> usize {
    let b = code.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

fn line_of(code: &str, at: usize) -> usize {
    code[..at].matches('\n').count() + 1
}

/// Every function outside test items: its name, first line and length in lines.
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let tests = test_items(code);
    let in_test = |at: usize| tests.iter().any(|&(s, e)| at >= s && at < e);
    let b = code.as_bytes();
    let ident = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("fn ") {
        let at = from + p;
        from = at + 3;
        if (at > 0 && ident(b[at - 1])) || in_test(at) {
            continue;
        }
        let name: String = code[at + 3..]
            .trim_start()
            .chars()
            .take_while(|&ch| ch.is_alphanumeric() || ch == '_')
            .collect();
        if name.is_empty() {
            continue; // `fn(` types
        }
        // The body is the first `{` outside the signature's brackets; a `;` first
        // means no body (a trait's declaration).
        let (mut paren, mut i) = (0i32, at);
        let body = loop {
            match b.get(i) {
                None => break None,
                Some(b'(' | b'[') => paren += 1,
                Some(b')' | b']') => paren -= 1,
                Some(b';') if paren == 0 => break None,
                Some(b'{') if paren == 0 => break Some(i),
                _ => {}
            }
            i += 1;
        };
        let Some(open) = body else { continue };
        let end = item_end(code, open);
        let first = line_of(code, at);
        out.push((
            name,
            first,
            line_of(code, end.saturating_sub(1)) - first + 1,
        ));
    }
    out
}

/// Lines of the file outside `#[cfg(test)]` items.
fn lines_outside_tests(src: &str, code: &str) -> usize {
    let total = src.lines().count();
    let test_lines: usize = test_items(code)
        .iter()
        .map(|&(s, e)| line_of(code, e.saturating_sub(1)) - line_of(code, s) + 1)
        .sum();
    total - test_lines
}

fn sources() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    common::source_files()
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f.strip_prefix(&src).unwrap().to_path_buf(), text)
        })
        .collect()
}

#[test]
fn the_scanner_measures_functions_and_skips_text_and_tests() {
    let src = r####"//! doc
fn a() {
    let s = "}}} { fn fake() {";
    let r = r#"}"#;
    let c = '}';
    let q = ('"', '\'', b'{');
    let l: &'static str = "x";
    /* } fn hidden() { */
    // }
}

fn b(x: impl Fn(u8) -> [u8; 2]) -> u8 where u8: Copy {
    1
}

#[cfg(test)]
mod tests {
    fn long_test() {
    }
}
fn c();
"####;
    let code = code_only(src);
    let got = functions(&code);
    assert_eq!(
        got,
        vec![("a".to_string(), 2, 9), ("b".to_string(), 12, 3)],
        "{code}"
    );
    assert_eq!(lines_outside_tests(src, &code), 21 - 5);
}

#[test]
fn command_files_and_functions_stay_small() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        let code = code_only(&text);
        if path.starts_with("commands") {
            let n = lines_outside_tests(&text, &code);
            if n > COMMAND_FILE_LINES {
                found.push(format!(
                    "{}: {n} lines outside tests (at most {COMMAND_FILE_LINES}: move rendering to src/output/, work to src/ops/ or src/store/)",
                    path.display()
                ));
            }
        }
        for (name, line, len) in functions(&code) {
            if len > FUNCTION_LINES {
                found.push(format!(
                    "{}:{line}: fn {name} is {len} lines (at most {FUNCTION_LINES})",
                    path.display()
                ));
            }
        }
    }
    assert!(found.is_empty(), "too long:\n{}", found.join("\n"));
}

#[test]
fn every_module_says_its_job_first() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") || first.trim_start_matches("//!").trim().is_empty() {
            found.push(path.display().to_string());
        }
    }
    assert!(
        found.is_empty(),
        "modules without an opening `//!` comment saying their job:\n{}",
        found.join("\n")
    );
}
