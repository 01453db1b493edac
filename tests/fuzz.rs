//! Property tests, also run as a fuzzer by `bench/fuzz.sh` (more cases, for a fixed
//! time): the export reader and the duration/time parsers never panic on any input,
//! and accept exactly what they should. Failures proptest finds are saved in
//! `tests/fuzz.proptest-regressions` (commit it) and replayed by every `cargo test`.

use proptest::prelude::*;
use statectl::export::{ExportWriter, read};
use statectl::store::Entry;
use statectl::timefmt::{format_abs, parse_duration, parse_time};

fn valid_export() -> Vec<u8> {
    let header = serde_json::json!({"statectl_export": 1, "exported_at": 1, "now": 1, "source": {}, "selection": {}});
    let mut w = ExportWriter::new(Vec::new(), &header).unwrap();
    for (i, v) in [
        "1",
        r#"{"a":[1,2,{"b":null}]}"#,
        r#""é😀\u2028""#,
        "{not json",
    ]
    .iter()
    .enumerate()
    {
        w.entry(&Entry {
            plugin_id: "p".into(),
            namespace: "ns.a".into(),
            key: format!("k{i}"),
            value_json: v.to_string(),
            created_at: 1_795_707_055_987 + i as i64,
            expires_at: (i % 2 == 0).then_some(1_795_707_999_999),
            blob: false,
        })
        .unwrap();
    }
    w.finish().unwrap().0
}

/// Where proptest saves the failures it finds, and replays them from: a file in the
/// repository. (Its default looks for `lib.rs` beside the test source, finds none
/// under `tests/`, and saves nothing.)
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fuzz.proptest-regressions"
);

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(REGRESSIONS),
        )),
        ..ProptestConfig::default()
    }
}

#[test]
fn failures_are_saved_to_and_replayed_from_a_committed_file() {
    let persistence = config().failure_persistence.unwrap();
    // Loading reads the committed file: it exists and parses (its seeds run first).
    assert!(
        std::path::Path::new(REGRESSIONS).is_file(),
        "{REGRESSIONS} is committed"
    );
    let seeds = persistence.load_persisted_failures2(None);
    assert!(
        !seeds.is_empty(),
        "the committed file holds at least one seed"
    );
    assert!(format!("{persistence:?}").contains("tests/fuzz.proptest-regressions"));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_export_reader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read(&bytes[..], None, |_| Ok(()));
    }

    #[test]
    fn the_export_reader_never_panics_on_arbitrary_lines(lines in proptest::collection::vec("\\PC{0,120}", 0..8)) {
        let text = lines.join("\n");
        let _ = read(text.as_bytes(), None, |_| Ok(()));
    }

    #[test]
    fn any_change_to_an_entry_line_is_refused(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let file = valid_export();
        let header_end = file.iter().position(|b| *b == b'\n').unwrap() + 1;
        let trailer_start = file[..file.len() - 1].iter().rposition(|b| *b == b'\n').unwrap() + 1;
        let at = header_end + pos.index(trailer_start - header_end);
        prop_assume!(file[at] != byte);
        let mut edited = file.clone();
        edited[at] = byte;
        prop_assert!(read(&edited[..], None, |_| Ok(())).is_err());
    }

    #[test]
    fn truncating_an_export_anywhere_is_refused(cut in any::<prop::sample::Index>()) {
        let file = valid_export();
        // Dropping only the final newline leaves a complete file.
        let at = cut.index(file.len() - 1);
        prop_assert!(read(&file[..at], None, |_| Ok(())).is_err());
    }

    #[test]
    fn the_duration_parser_never_panics(s in "\\PC{0,40}") {
        let _ = parse_duration(&s);
    }

    #[test]
    fn durations_in_every_unit_combination_parse_exactly(d in 0u64..400, h in 0u64..24, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
        let text = format!("{d}d{h}h{m}m{s}s{ms}ms");
        let want = (((d * 24 + h) * 60 + m) * 60 + s) * 1000 + ms;
        prop_assert_eq!(parse_duration(&text).unwrap(), want as i64);
    }

    #[test]
    fn the_time_parser_never_panics(s in "\\PC{0,40}", base in any::<i64>()) {
        let _ = parse_time(&s, base);
    }

    #[test]
    fn printed_times_parse_back(t in 0i64..253_402_300_799_999) {
        prop_assert_eq!(parse_time(&format_abs(t), 0).unwrap(), t);
        prop_assert_eq!(parse_time(&t.to_string(), 0).unwrap(), t);
    }
}
