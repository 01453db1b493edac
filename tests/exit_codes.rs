//! The README's exit-code table is the code's table (`statectl::error`): same exit
//! statuses, same meanings, same error codes under each.

use statectl::error::{Exit, Kind};

/// The README's table: (exit, meaning, codes) per row, between the markers.
fn readme_table() -> Vec<(i32, String, Vec<String>)> {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- exit-codes -->")
        .expect("README has no <!-- exit-codes --> marker");
    let end = readme
        .find("<!-- /exit-codes -->")
        .expect("README has no <!-- /exit-codes --> marker");
    readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| exit") && !l.starts_with("|--"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 3, "README exit-code row with 3 cells: {l}");
            let codes = cells[2]
                .split(", ")
                .filter(|c| !c.is_empty())
                .map(|c| c.trim_matches('`').to_string())
                .collect();
            (cells[0].parse().expect(l), cells[1].to_string(), codes)
        })
        .collect()
}

fn code_table() -> Vec<(i32, String, Vec<String>)> {
    Exit::ALL
        .iter()
        .map(|&exit| {
            let mut codes: Vec<String> = Kind::ALL
                .iter()
                .filter(|k| k.exit() == exit)
                .map(|k| k.code().to_string())
                .collect();
            codes.sort();
            (exit.code(), exit.meaning().to_string(), codes)
        })
        .collect()
}

#[test]
fn the_readme_table_is_the_code_table() {
    let (readme, code) = (readme_table(), code_table());
    for (r, c) in readme.iter().zip(&code) {
        assert_eq!(r, c, "README row differs from src/error.rs");
    }
    assert_eq!(
        readme.len(),
        code.len(),
        "README rows vs src/error.rs Exit::ALL"
    );
}
