//! statectl's validity rule as a filter, for the interop harness's differential test
//! against node's `JSON.parse` (tests/interop/json-parse.mjs): each stdin line is a
//! JSON string holding one candidate `value_json`; each stdout line is `1` when
//! `store::value::verdict` calls it valid, `0` when corrupt.
//!
//!   cargo run --example value_verdict < candidates.jsonl

use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin is UTF-8 text");
        let text: String = serde_json::from_str(&line).expect("each line is a JSON string");
        let valid = statectl::store::value::verdict(&text, false).is_valid();
        writeln!(out, "{}", u8::from(valid)).unwrap();
    }
}
