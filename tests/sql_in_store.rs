//! Every SQL statement lives in `src/store/`: no other source file (outside its unit
//! tests) holds SQL text or runs a statement on a connection.

mod common;

use std::path::Path;

/// What SQL looks like in Rust source: a statement in a string, or a call that runs one.
fn sql_on(line: &str) -> Option<&'static str> {
    const CALLS: [&str; 7] = [
        ".prepare(",
        ".prepare_cached(",
        ".execute(",
        ".execute_batch(",
        ".query_row(",
        ".pragma_update(",
        ".pragma_query_value(",
    ];
    if let Some(c) = CALLS.iter().find(|c| line.contains(*c)) {
        return Some(c);
    }
    let upper = |w: &str| {
        line.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|x| x == w)
    };
    let quoted = line.contains('"');
    let shapes: [(&str, &str, &str); 7] = [
        ("SELECT", "FROM", "SELECT ... FROM"),
        ("INSERT", "INTO", "INSERT INTO"),
        ("UPDATE", "SET", "UPDATE ... SET"),
        ("DELETE", "FROM", "DELETE FROM"),
        ("CREATE", "TABLE", "CREATE TABLE"),
        ("PRAGMA", "=", "PRAGMA x ="),
        ("json_valid", "json_valid", "json_valid"),
    ];
    for (a, b, name) in shapes {
        if quoted && upper(a) && (line.contains(b)) {
            return Some(name);
        }
    }
    for stmt in ["\"BEGIN", "\"COMMIT", "\"ROLLBACK", "\"PRAGMA "] {
        if line.contains(stmt) && !line.contains("PRAGMA quick_check (") {
            return Some("a statement");
        }
    }
    None
}

#[test]
fn the_detector_sees_sql() {
    assert!(sql_on(r#"conn.query_row("SELECT 1", [], f)"#).is_some());
    assert!(sql_on(r#"  "SELECT plugin_id FROM plugin_state_entries""#).is_some());
    assert!(sql_on(r#"const Q: &str = "DELETE FROM t WHERE rowid = ?1";"#).is_some());
    assert!(sql_on(r#"db.conn.execute_batch("BEGIN")?;"#).is_some());
    assert!(sql_on(r#"format!("the copy failed PRAGMA quick_check ({check})")"#).is_none());
    assert!(sql_on(r#"println!("Select a namespace from the list")"#).is_none());
}

#[test]
fn no_sql_outside_store() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = common::source_files();
    let mut found = Vec::new();
    for f in files {
        if f.starts_with(src.join("store")) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        // Unit tests may build their own databases.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(what) = sql_on(line) {
                found.push(format!(
                    "{}:{}: {what}: {}",
                    f.strip_prefix(&src).unwrap().display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL outside src/store/ (move it into a store function):\n{}",
        found.join("\n")
    );
}
