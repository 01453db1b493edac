//! What the runtime makes of a stored value, decided once: [`verdict`] says whether the
//! runtime can read it (exactly when JavaScript's `JSON.parse` accepts the text; a BLOB
//! never), [`write_limits`] whether a runtime version would let it be written (size and
//! depth). Every command asks these two functions; nothing else judges a value.
//!
//! The validator is hand-written on purpose: `JSON.parse` (ECMA-404 grammar) accepts
//! lone UTF-16 surrogate escapes (`"\ud83d"`, what `JSON.stringify` writes for text cut
//! inside an emoji), numbers beyond f64 (`1e400` reads as Infinity) and any nesting
//! depth, which serde_json refuses by default. It is iterative (a stack of open
//! containers, no recursion), so no nesting depth can overflow the call stack.

use super::Entry;
use super::rules::{self, MAX_JSON_DEPTH, RuleSet};
use serde_json::value::RawValue;

/// What the runtime's read path makes of a stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `JSON.parse` accepts it: the runtime reads the row.
    Valid,
    /// `JSON.parse` throws: the runtime reports `PLUGIN_STATE_CORRUPT`.
    Corrupt(Corruption),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Corruption {
    /// The column holds a BLOB, not text (only a non-STRICT legacy table can).
    Blob,
    /// Text that is not JSON: what is wrong, and at which byte.
    NotJson(SyntaxError),
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid)
    }
}

impl std::fmt::Display for Corruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Corruption::Blob => write!(f, "value_json is a BLOB, not text"),
            Corruption::NotJson(e) => write!(f, "value_json is not JSON ({e})"),
        }
    }
}

/// The one rule: what the runtime makes of the stored `value_json` (`blob`: the column
/// holds a BLOB; `text` is then its bytes as read).
pub fn verdict(text: &str, blob: bool) -> Verdict {
    match shape_of(text, blob) {
        Ok(_) => Verdict::Valid,
        Err(why) => Verdict::Corrupt(why),
    }
}

/// [`verdict`], with what the validator learnt of a valid text.
fn shape_of(text: &str, blob: bool) -> Result<Shape, Corruption> {
    if blob {
        return Err(Corruption::Blob);
    }
    parse(text).map_err(Corruption::NotJson)
}

/// Whether the runtime version of `rules` would write this value itself: at most
/// `max_value_bytes` UTF-8 bytes, nesting at most 64 deep (the root at depth 0). Only
/// meaningful for a valid value; a corrupt one is refused here too.
pub fn write_limits(text: &str, rules: &RuleSet) -> Result<(), String> {
    size_limit(text, rules)?;
    let shape = parse(text).map_err(|e| format!("value is not JSON ({e})"))?;
    depth_limit(&shape)
}

fn size_limit(text: &str, rules: &RuleSet) -> Result<(), String> {
    if text.len() > rules.max_value_bytes {
        return Err(format!(
            "value is {} bytes, over the limit of {} for {}",
            text.len(),
            rules.max_value_bytes,
            rules.name
        ));
    }
    Ok(())
}

fn depth_limit(shape: &Shape) -> Result<(), String> {
    if shape.depth > MAX_JSON_DEPTH {
        return Err(format!(
            "value is nested {} deep, over the runtime's write limit of {MAX_JSON_DEPTH}",
            shape.depth
        ));
    }
    Ok(())
}

/// The SQL name of [`verdict`] on a connection where [`register_sql`] ran:
/// `statectl_corrupt(value_json)` is 1 where the runtime cannot read the value.
pub const CORRUPT_SQL: &str = "statectl_corrupt(value_json)";

/// Makes [`verdict`] callable from SQL on `conn` (SQLite's own `json_valid` disagrees
/// with `JSON.parse`), so a scan judges values in the same pass that counts them.
pub fn register_sql(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "statectl_corrupt",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(corrupt(ctx.get_raw(0), &mut Vec::new())),
    )
}

/// [`verdict`] of a `value_json` as SQLite hands it over, for a scan that only needs to
/// know whether the runtime can read it: `true` where it cannot. `stack` is scratch
/// space for the parser, kept by the caller across rows.
///
/// Text is judged as raw bytes: the runtime reads it with invalid UTF-8 replaced by
/// U+FFFD, which replaces only bytes of 0x80 and above by bytes of 0x80 and above and
/// never touches an ASCII byte; the grammar treats every such byte alike (text inside
/// a string, an unexpected token outside one), so the bytes and the repaired text get
/// the same verdict.
pub fn corrupt(v: rusqlite::types::ValueRef<'_>, stack: &mut Vec<u8>) -> bool {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Text(t) => parse_bytes(t, stack).is_err(),
        ValueRef::Blob(_) => true,
        // The runtime reads a number as JSON text (`JSON.parse(5)` is 5), and
        // NULL cannot be stored (NOT NULL): neither is corrupt.
        ValueRef::Integer(_) | ValueRef::Real(_) => false,
        ValueRef::Null => true,
    }
}

/// Whether the runtime of `rules` can take this row as it is: a readable value within
/// its write limits, times a valid JavaScript Date can hold (`rules::time_in_range`,
/// as for every time statectl writes), a key and namespace it would accept as they
/// are. `Err` says why not, for the import/verify report.
pub fn can_take(e: &Entry, rules: &RuleSet) -> Result<(), String> {
    judge(e, rules).1
}

/// [`verdict`] (true: valid) and [`can_take`] of one row, its value parsed once (an
/// import judges every row of the file).
pub fn judge(e: &Entry, rules: &RuleSet) -> (bool, Result<(), String>) {
    match shape_of(&e.value_json, e.blob) {
        Ok(shape) => (true, takes_valid(e, &shape, rules)),
        Err(why) => (false, Err(format!("the runtime cannot read it: {why}"))),
    }
}

/// [`can_take`] of a row whose value is valid, with `shape` its validator's findings.
fn takes_valid(e: &Entry, shape: &Shape, rules: &RuleSet) -> Result<(), String> {
    size_limit(&e.value_json, rules)?;
    depth_limit(shape)?;
    for (name, t) in [
        ("created_at", Some(e.created_at)),
        ("expires_at", e.expires_at),
    ] {
        if let Some(t) = t
            && !rules::time_in_range(t)
        {
            return Err(format!(
                "{name} {t} is outside 0..={} ms, a time the runtime cannot read",
                rules::MAX_TIME_MS
            ));
        }
    }
    if e.plugin_id.trim().is_empty() {
        return Err("empty plugin_id".into());
    }
    if rules::validate_namespace(&e.namespace)? != e.namespace {
        return Err(
            "the namespace has surrounding whitespace; the runtime stores it trimmed".into(),
        );
    }
    if rules::validate_key(&e.key)? != e.key {
        return Err("the key has surrounding whitespace; the runtime stores keys trimmed".into());
    }
    if e.namespace.starts_with(rules::RETAINED_PREFIX) {
        if !rules.retained_namespaces {
            return Err(format!(
                "a retained namespace needs an OpenClaw 2026.9 (schema 18) database, not {}",
                rules.name
            ));
        }
        if e.expires_at.is_some() {
            return Err("retained namespaces have no TTL, but expires_at is set".into());
        }
    }
    Ok(())
}

/// Where `JSON.parse` would throw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset in the text.
    pub at: usize,
    pub what: &'static str,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// What the validator learnt of a valid text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Depth of the deepest value, the root at 0 (the runtime's count).
    pub depth: usize,
    /// Whitespace outside strings (around or between tokens).
    pub has_whitespace: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
    ws: bool,
}

impl Cursor<'_> {
    fn err(&self, what: &'static str) -> SyntaxError {
        SyntaxError { at: self.i, what }
    }
    fn skip_ws(&mut self) {
        while self.i < self.b.len() && is_ws(self.b[self.i]) {
            self.i += 1;
            self.ws = true;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }
    /// Moves over the bytes of a string that need no look, eight at a time: a run
    /// without `"`, `\\` or a control character (below 0x20), exactly the bytes that
    /// [`Cursor::string`] would step over one by one.
    fn skip_plain(&mut self) {
        const ONES: u64 = u64::from_ne_bytes([1; 8]);
        const HIGH: u64 = ONES * 0x80;
        // Whether a byte of `x` is below `n` (n <= 0x80; exact as to "any").
        let any_below = |x: u64, n: u8| x.wrapping_sub(ONES * n as u64) & !x & HIGH != 0;
        while let Some(chunk) = self.b.get(self.i..self.i + 8) {
            let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
                return;
            };
            let x = u64::from_ne_bytes(bytes);
            if any_below(x, 0x20)
                || any_below(x ^ (ONES * b'"' as u64), 1)
                || any_below(x ^ (ONES * b'\\' as u64), 1)
            {
                return;
            }
            self.i += 8;
        }
    }
    /// A string, the cursor on its opening quote.
    fn string(&mut self) -> Result<(), SyntaxError> {
        self.i += 1;
        loop {
            self.skip_plain();
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            self.i += 1;
                            for _ in 0..4 {
                                if !self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                                    return Err(self.err("bad \\u escape"));
                                }
                                self.i += 1;
                            }
                        }
                        _ => return Err(self.err("bad escape")),
                    }
                }
                Some(c) if c < 0x20 => return Err(self.err("control character in string")),
                Some(_) => self.i += 1,
            }
        }
    }
    /// A number, the cursor on its first byte (`-` or a digit).
    fn number(&mut self) -> Result<(), SyntaxError> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("bad number")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.err("no digit after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("no digit in the exponent"));
            }
        }
        Ok(())
    }
    fn literal(&mut self, word: &'static [u8]) -> Result<(), SyntaxError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.err("unexpected token"))
        }
    }
    /// `"key" :` of an object member, the cursor on the key (whitespace skipped).
    fn member_key(&mut self) -> Result<(), SyntaxError> {
        if self.peek() != Some(b'"') {
            return Err(self.err("expected a property name"));
        }
        self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.err("expected ':'"));
        }
        self.i += 1;
        Ok(())
    }
}

/// Checks `text` against the JSON grammar exactly as `JSON.parse` does (ECMA-404; JSON
/// whitespace is space, tab, LF and CR only; no BOM, no trailing commas, no comments).
pub fn parse(text: &str) -> Result<Shape, SyntaxError> {
    parse_bytes(text.as_bytes(), &mut Vec::new())
}

/// [`parse`] of text as bytes; `stack` (emptied first) holds the open containers, `[`
/// or `{`, so that a caller judging many values allocates it once.
fn parse_bytes(b: &[u8], stack: &mut Vec<u8>) -> Result<Shape, SyntaxError> {
    let mut c = Cursor { b, i: 0, ws: false };
    stack.clear();
    let mut depth = 0;
    'value: loop {
        c.skip_ws();
        depth = depth.max(stack.len());
        match c.peek() {
            Some(b'{') => {
                c.i += 1;
                c.skip_ws();
                if c.peek() == Some(b'}') {
                    c.i += 1;
                } else {
                    stack.push(b'{');
                    c.member_key()?;
                    continue 'value;
                }
            }
            Some(b'[') => {
                c.i += 1;
                c.skip_ws();
                if c.peek() == Some(b']') {
                    c.i += 1;
                } else {
                    stack.push(b'[');
                    continue 'value;
                }
            }
            Some(b'"') => c.string()?,
            Some(b't') => c.literal(b"true")?,
            Some(b'f') => c.literal(b"false")?,
            Some(b'n') => c.literal(b"null")?,
            Some(b'-' | b'0'..=b'9') => c.number()?,
            None => return Err(c.err("unexpected end of JSON input")),
            Some(_) => return Err(c.err("unexpected token")),
        }
        // After a complete value: close containers until one wants another member.
        loop {
            c.skip_ws();
            let Some(&open) = stack.last() else {
                return if c.i == c.b.len() {
                    Ok(Shape {
                        depth,
                        has_whitespace: c.ws,
                    })
                } else {
                    Err(c.err("unexpected non-whitespace after JSON"))
                };
            };
            let close = if open == b'[' { b']' } else { b'}' };
            match c.peek() {
                Some(b',') => {
                    c.i += 1;
                    if open == b'{' {
                        c.skip_ws();
                        c.member_key()?;
                    }
                    continue 'value;
                }
                Some(x) if x == close => {
                    c.i += 1;
                    stack.pop();
                }
                None => return Err(c.err("unexpected end of JSON input")),
                Some(_) => return Err(c.err("expected ',' or a closing bracket")),
            }
        }
    }
}

/// `text` (valid) without its whitespace outside strings.
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_str, mut escaped) = (false, false);
    for ch in text.chars() {
        if in_str {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_str = false;
            }
        } else if ch == '"' {
            in_str = true;
        } else if matches!(ch, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        out.push(ch);
    }
    out
}

/// How a stored value is put inside one JSON line (an export line, `ls -o jsonl`).
pub enum Embed<'a> {
    /// The stored text itself, byte for byte.
    Verbatim(&'a RawValue),
    /// Valid, but with whitespace around or between tokens (which would break a line):
    /// the same JSON without it. Not byte-exact: an export carries such text as a string.
    Compacted(Box<RawValue>),
    /// As a JSON string holding the text: corrupt (or a BLOB).
    Text,
}

/// How to carry `text` inside a JSON line (`blob`: the column holds a BLOB).
pub fn embed(text: &str, blob: bool) -> Embed<'_> {
    if blob {
        return Embed::Text;
    }
    let Ok(shape) = parse(text) else {
        return Embed::Text;
    };
    if !shape.has_whitespace {
        // serde_json's RawValue takes lone surrogates, 1e400 and any depth (it skips
        // over the text, never builds a value); anything else it refuses goes as text.
        return match serde_json::from_str::<&RawValue>(text) {
            Ok(raw) if raw.get() == text => Embed::Verbatim(raw),
            _ => Embed::Text,
        };
    }
    match RawValue::from_string(minify(text)) {
        Ok(raw) => Embed::Compacted(raw),
        Err(_) => Embed::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rules::{LEGACY, SHARED_V18};

    fn ok(t: &str) -> bool {
        verdict(t, false).is_valid()
    }

    #[test]
    fn what_json_parse_accepts() {
        for t in [
            r#"{"text":"cut \ud83d"}"#,
            r#""\udc00\ud800""#,
            "1e400",
            "-1E-400",
            "0",
            "-0.5e+3",
            " {\"a\":1} ",
            "{\"a\":\n1}",
            "\t[ 1 ,\r\n2 ]\n",
            "null",
            "\"\u{7f}\u{2028}é😀\"",
            r#"{"a":{},"b":[],"":""}"#,
            r#"{"a":1,"a":2}"#,
        ] {
            assert!(ok(t), "{t:?} is valid");
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(ok(&deep(70)));
        assert!(ok(&deep(100_000)), "any depth, no recursion");
    }

    #[test]
    fn what_json_parse_refuses() {
        for t in [
            "",
            " ",
            "\u{feff}{}",
            "{not json",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "Infinity",
            "NaN",
            "'a'",
            "\"a\u{1}\"",
            "\"\\x41\"",
            "\"\\u12\"",
            "{a:1}",
            "[1]]",
            "[1",
            "{\"a\"}",
            "true false",
            "\u{a0}1",
            "tru",
            "nul",
            "// c\n1",
        ] {
            assert!(!ok(t), "{t:?} is not valid");
        }
        assert_eq!(
            verdict("{}", true),
            Verdict::Corrupt(Corruption::Blob),
            "a BLOB is corrupt"
        );
    }

    #[test]
    fn one_judgement_agrees_with_verdict_and_can_take() {
        let deep = format!("{}{}", "[".repeat(66), "]".repeat(66));
        let big = format!("\"{}\"", "x".repeat(LEGACY.max_value_bytes));
        for text in [
            "{}",
            "{not json",
            "\"\\ud83d\"",
            "1e400",
            " [1, 2] ",
            deep.as_str(),
            big.as_str(),
        ] {
            for blob in [false, true] {
                let e = Entry {
                    plugin_id: "p".into(),
                    namespace: "n".into(),
                    key: "k".into(),
                    value_json: text.into(),
                    created_at: 1,
                    expires_at: None,
                    blob,
                };
                for rules in [&LEGACY, &SHARED_V18] {
                    let (readable, takes) = judge(&e, rules);
                    assert_eq!(readable, verdict(text, blob).is_valid(), "{text}");
                    assert_eq!(takes, can_take(&e, rules), "{text}");
                    let limits = if readable {
                        write_limits(text, rules)
                    } else {
                        Ok(())
                    };
                    assert_eq!(takes.is_ok(), readable && limits.is_ok(), "{text}");
                }
            }
        }
    }

    #[test]
    fn every_byte_of_a_long_string_is_looked_at() {
        for at in 0..24 {
            let with = |c: &str| format!("\"{}{c}{}\"", "é".repeat(at / 2), "a".repeat(24 - at));
            assert!(!ok(&with("\u{1}")), "control character at {at}");
            assert!(!ok(&with("\u{1f}")), "control character at {at}");
            assert!(!ok(&with("\\x")), "bad escape at {at}");
            assert!(!ok(&with("\"")), "early quote at {at}");
            assert!(ok(&with("\\\"")), "escaped quote at {at}");
            assert!(ok(&with(" \u{7f}~!")), "plain bytes at {at}");
            assert!(
                !ok(&format!("\"{}", "a".repeat(at))),
                "unterminated at {at}"
            );
        }
    }

    #[test]
    fn raw_bytes_get_the_verdict_of_the_repaired_text() {
        use rusqlite::types::ValueRef;
        for b in [
            &b"\"cut \xf0\x9f\""[..],
            b"{\"a\":\"\xff\"}",
            b"\xff",
            b"[1,\xc3]",
            b"\"\xe2\x80\"",
            b"{\"\xc0\":1}",
        ] {
            let repaired = verdict(&String::from_utf8_lossy(b), false).is_valid();
            assert_eq!(
                corrupt(ValueRef::Text(b), &mut Vec::new()),
                !repaired,
                "{b:?}"
            );
        }
        let mut stack = vec![b'['; 3];
        assert!(!corrupt(ValueRef::Text(b"{}"), &mut stack), "stack reused");
        assert!(corrupt(ValueRef::Blob(b"{}"), &mut stack));
        assert!(!corrupt(ValueRef::Integer(5), &mut stack));
    }

    #[test]
    fn write_limits_are_size_and_depth_per_version() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(
            write_limits(&nested(65), &SHARED_V18).is_ok(),
            "innermost at 64"
        );
        assert!(write_limits(&nested(66), &SHARED_V18).is_err());
        let scalar_at = |d: usize| format!("{}1{}", "[".repeat(d), "]".repeat(d));
        assert!(write_limits(&scalar_at(64), &SHARED_V18).is_ok());
        assert!(write_limits(&scalar_at(65), &SHARED_V18).is_err());
        let big = format!("\"{}\"", "x".repeat(70_000));
        assert!(write_limits(&big, &SHARED_V18).is_ok());
        assert!(write_limits(&big, &LEGACY).is_err());
        assert!(write_limits("1e400", &LEGACY).is_ok(), "valid and small");
    }

    #[test]
    fn embedding_keeps_one_line() {
        assert!(matches!(
            embed(r#"{"a":"\ud83d"}"#, false),
            Embed::Verbatim(_)
        ));
        match embed("{\"a\":\n [1, \" x \"]}", false) {
            Embed::Compacted(r) => assert_eq!(r.get(), r#"{"a":[1," x "]}"#),
            _ => panic!("compacted"),
        }
        assert!(matches!(embed("{x", false), Embed::Text));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(embed(&deep, false), Embed::Verbatim(_)));
        assert!(matches!(embed("{}", true), Embed::Text), "a BLOB");
    }
}
