//! Durations and points in time as users type them (`1h30m`, `+2h`, RFC 3339, epoch ms)
//! and as statectl prints them.

use crate::error::{Error, Kind, Result};
use std::time::{SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch, the unit of every timestamp in the store.
pub type Ms = i64;

pub fn system_now_ms() -> Ms {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Ms)
        .unwrap_or(0)
}

/// Parses `500ms`, `90s`, `15m`, `2h`, `7d`, `1h30m` into milliseconds.
pub fn parse_duration(text: &str) -> Result<Ms> {
    let t = text.trim();
    let bad = || {
        Error::new(
            Kind::InvalidDuration,
            format!(
                "invalid duration '{text}': use a number with a unit, like 500ms, 90s, 15m, 2h, 7d or 1h30m"
            ),
        )
    };
    // A bare number is ambiguous (seconds? ms?): insist on a unit.
    if t.is_empty() || t.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let d = humantime::parse_duration(t).map_err(|_| bad())?;
    i64::try_from(d.as_millis()).map_err(|_| bad())
}

/// Parses a point in time: epoch milliseconds, RFC 3339, or `+DUR` / `-DUR` relative
/// to `base` (the real clock).
pub fn parse_time(text: &str, base: Ms) -> Result<Ms> {
    let t = text.trim();
    let bad = || {
        Error::new(
            Kind::InvalidTime,
            format!(
                "invalid time '{text}': use epoch milliseconds, RFC 3339 (2026-11-26T10:00:00Z) or a relative +2h / -30m"
            ),
        )
    };
    if let Some(rest) = t.strip_prefix('+') {
        return Ok(base.saturating_add(parse_duration(rest).map_err(|_| bad())?));
    }
    if let Some(rest) = t.strip_prefix('-') {
        return Ok(base.saturating_sub(parse_duration(rest).map_err(|_| bad())?));
    }
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        return t.parse::<Ms>().map_err(|_| bad());
    }
    let dt = OffsetDateTime::parse(t, &Rfc3339).map_err(|_| bad())?;
    i64::try_from(dt.unix_timestamp_nanos() / 1_000_000).map_err(|_| bad())
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-26T10:00:00.123Z`.
pub fn format_abs(ms: Ms) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(dt) => {
            let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
            let (h, mi, s, milli) = (dt.hour(), dt.minute(), dt.second(), dt.millisecond());
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
        }
        Err(_) => format!("{ms} (out of range)"),
    }
}

/// A short human duration: `45s`, `29m 59s`, `3d 4h`: the two largest units.
pub fn format_span(ms: Ms) -> String {
    let ms = ms.unsigned_abs();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = ms / 1000;
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, name) in units {
        if rest >= size {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        }
        if parts.len() == 2 || (!parts.is_empty() && rest == 0) {
            break;
        }
    }
    parts.join(" ")
}

/// `in 29m 59s` or `3h 2m ago`, relative to `now`.
pub fn format_rel(ms: Ms, now: Ms) -> String {
    if ms == now {
        "now".to_string()
    } else if ms > now {
        format!("in {}", format_span(ms - now))
    } else {
        format!("{} ago", format_span(now - ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_the_contract_parse() {
        assert_eq!(parse_duration("500ms").unwrap(), 500);
        assert_eq!(parse_duration("90s").unwrap(), 90_000);
        assert_eq!(parse_duration("15m").unwrap(), 900_000);
        assert_eq!(parse_duration("2h").unwrap(), 7_200_000);
        assert_eq!(parse_duration("7d").unwrap(), 604_800_000);
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000);
    }

    #[test]
    fn bad_durations_are_usage_errors() {
        for bad in ["", "10", "h", "1x", "-5m", "1h30"] {
            let e = parse_duration(bad).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidDuration, "{bad}");
            assert_eq!(e.exit_code(), 2);
        }
    }

    #[test]
    fn times_parse_in_every_form() {
        let base = 1_795_707_055_987;
        assert_eq!(
            parse_time("1795707055987", base).unwrap(),
            1_795_707_055_987
        );
        assert_eq!(parse_time("+2h", base).unwrap(), base + 7_200_000);
        assert_eq!(parse_time("-30m", base).unwrap(), base - 1_800_000);
        assert_eq!(parse_time("1970-01-01T00:00:01.5Z", base).unwrap(), 1500);
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00", base).unwrap(), 0);
        assert_eq!(
            parse_time("yesterday", base).unwrap_err().kind,
            Kind::InvalidTime
        );
        assert_eq!(parse_time("+", base).unwrap_err().kind, Kind::InvalidTime);
    }

    #[test]
    fn formats_round_trip_through_the_parser() {
        let t = 1_795_707_055_987;
        assert_eq!(parse_time(&format_abs(t), 0).unwrap(), t);
        assert_eq!(format_rel(t + 61_000, t), "in 1m 1s");
        assert_eq!(format_rel(t - 3 * 86_400_000 - 7_200_000, t), "3d 2h ago");
        assert_eq!(format_rel(t, t), "now");
    }
}
