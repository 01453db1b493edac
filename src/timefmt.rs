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

/// A time statectl may compute or write (`store::rules::time_in_range`), or a usage
/// error naming `what` produced it. Nothing has changed when this fails.
pub fn in_range(ms: Option<Ms>, what: &str) -> Result<Ms> {
    use crate::store::rules::{MAX_TIME_MS, MIN_TIME_MS, time_in_range};
    match ms {
        Some(ms) if time_in_range(ms) => Ok(ms),
        _ => Err(Error::new(
            Kind::InvalidTime,
            format!(
                "{what} is out of range: statectl computes and writes only times from {MIN_TIME_MS} ({}) to {MAX_TIME_MS} ms ({}), what the runtime can read as a JavaScript Date",
                format_abs(MIN_TIME_MS),
                format_abs(MAX_TIME_MS)
            ),
        )),
    }
}

/// `base + delta`, checked: a usage error (naming `what`) when it overflows or leaves
/// the range of times statectl may compute.
pub fn offset(base: Ms, delta: Ms, what: &str) -> Result<Ms> {
    in_range(base.checked_add(delta), what)
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

/// Parses a point in time: epoch milliseconds, `@` epoch seconds, RFC 3339, a local
/// date `2026-11-27` or date and time `2026-11-27 14:30[:05]`, or `+DUR` / `-DUR`
/// relative to `base` (`--now`). The result is within the range of times statectl may
/// compute (`in_range`), or a usage error.
pub fn parse_time(text: &str, base: Ms) -> Result<Ms> {
    let ms = parse_time_unchecked(text, base)?;
    in_range(Some(ms), &format!("time '{}'", text.trim()))
}

fn parse_time_unchecked(text: &str, base: Ms) -> Result<Ms> {
    let t = text.trim();
    let bad = || {
        Error::new(
            Kind::InvalidTime,
            format!(
                "invalid time '{text}': use epoch milliseconds, @epoch-seconds, RFC 3339 (2026-11-26T10:00:00Z), a local 2026-11-27 or 2026-11-27 14:30, or a relative +2h / -30m"
            ),
        )
    };
    if let Some(secs) = t.strip_prefix('@') {
        if secs.is_empty() || !secs.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        return secs
            .parse::<Ms>()
            .ok()
            .and_then(|s| s.checked_mul(1000))
            .ok_or_else(bad);
    }
    // `date +%s` prints seconds; read as milliseconds they land in January 1970.
    if !t.is_empty() && t.len() <= 10 && t.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::new(
            Kind::InvalidTime,
            format!(
                "invalid time '{t}': a number of 10 or fewer digits looks like epoch seconds, but statectl reads epoch milliseconds; use {t}000 or @{t}"
            ),
        ));
    }
    if let Some(ms) = parse_local(t) {
        return ms.ok_or_else(bad);
    }
    if let Some(rest) = t.strip_prefix('+') {
        let d = parse_duration(rest).map_err(|_| bad())?;
        return offset(base, d, &format!("time '{t}'"));
    }
    if let Some(rest) = t.strip_prefix('-') {
        let d = parse_duration(rest).map_err(|_| bad())?;
        return offset(base, -d, &format!("time '{t}'"));
    }
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        return t.parse::<Ms>().map_err(|_| bad());
    }
    let dt = OffsetDateTime::parse(t, &Rfc3339).map_err(|_| bad())?;
    i64::try_from(dt.unix_timestamp_nanos() / 1_000_000).map_err(|_| bad())
}

/// `2026-11-27`, `2026-11-27 14:30` or `2026-11-27 14:30:05` in local time (the `TZ`
/// rules, as `date` reads them). `None` when the text has another shape; `Some(None)`
/// when it has this shape but is no valid local time.
fn parse_local(t: &str) -> Option<Option<Ms>> {
    let (date, time) = match t.split_once([' ', 'T']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let num = |s: &str, len: usize| -> Option<i32> {
        (s.len() == len && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let mut d = date.split('-');
    let (y, mo, day) = (num(d.next()?, 4)?, num(d.next()?, 2)?, num(d.next()?, 2)?);
    if d.next().is_some() {
        return None;
    }
    let (h, mi, sec) = match time {
        None => (0, 0, 0),
        Some(tm) => {
            let mut p = tm.split(':');
            let h = num(p.next()?, 2)?;
            let mi = num(p.next()?, 2)?;
            let sec = match p.next() {
                Some(s) => num(s, 2)?,
                None => 0,
            };
            if p.next().is_some() {
                return None;
            }
            (h, mi, sec)
        }
    };
    // Reject what mktime would silently roll over (2026-02-31, 25:00).
    let valid = time::Date::from_calendar_date(y, time::Month::try_from(mo as u8).ok()?, day as u8)
        .is_ok()
        && h < 24
        && mi < 60
        && sec < 60;
    if !valid {
        return Some(None);
    }
    // SAFETY: mktime reads and normalises a plain C struct we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    let secs = unsafe { libc::mktime(&mut tm) };
    if secs == -1 && !(y == 1969 || y == 1970) {
        return Some(None);
    }
    Some(secs.checked_mul(1000))
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-26T10:00:00.123Z`.
pub fn format_abs(ms: Ms) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let Ok(dt) = OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return format!("{ms} (out of range)");
    };
    let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
    let (h, mi, s, milli) = (dt.hour(), dt.minute(), dt.second(), dt.millisecond());
    let Some(year) = u32::try_from(y).ok().filter(|y| *y <= 9999) else {
        return format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z");
    };
    // Digit by digit, not through `format!`: this runs twice for every row of a JSON
    // listing.
    let mut out = String::with_capacity(24);
    for (n, width, sep) in [
        (year, 4, '-'),
        (mo.into(), 2, '-'),
        (d.into(), 2, 'T'),
        (h.into(), 2, ':'),
        (mi.into(), 2, ':'),
        (s.into(), 2, '.'),
        (milli.into(), 3, 'Z'),
    ] {
        for p in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(p) % 10) as u8));
        }
        out.push(sep);
    }
    out
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
    fn seconds_are_refused_with_a_hint_and_local_dates_parse() {
        let base = 1_795_707_055_987;
        let e = parse_time("1795730000", base).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.message.contains("1795730000000") && e.message.contains("@1795730000"));
        assert_eq!(parse_time("@1795730000", base).unwrap(), 1_795_730_000_000);
        assert_eq!(parse_time("0", base).unwrap_err().kind, Kind::InvalidTime);
        // SAFETY: the test process reads TZ before any other thread calls mktime here.
        unsafe { std::env::set_var("TZ", "UTC") };
        assert_eq!(parse_time("2026-11-27", base).unwrap(), 1_795_737_600_000);
        assert_eq!(
            parse_time("2026-11-27 14:30", base).unwrap(),
            1_795_737_600_000 + 14 * 3_600_000 + 30 * 60_000
        );
        assert_eq!(
            parse_time("2026-11-27 14:30:05", base).unwrap(),
            1_795_737_600_000 + 14 * 3_600_000 + 30 * 60_000 + 5_000
        );
        for bad in [
            "2026-02-31",
            "2026-11-27 25:00",
            "2026-11-27 14",
            "2026-1-27",
        ] {
            assert_eq!(
                parse_time(bad, base).unwrap_err().kind,
                Kind::InvalidTime,
                "{bad}"
            );
        }
    }

    #[test]
    fn formats_round_trip_through_the_parser() {
        let t = 1_795_707_055_987;
        assert_eq!(parse_time(&format_abs(t), 0).unwrap(), t);
        assert_eq!(format_rel(t + 61_000, t), "in 1m 1s");
        assert_eq!(format_rel(t - 3 * 86_400_000 - 7_200_000, t), "3d 2h ago");
        assert_eq!(format_rel(t, t), "now");
    }

    #[test]
    fn format_abs_writes_the_digits_format_would() {
        use crate::store::rules::MAX_TIME_MS;
        let reference = |ms: Ms| {
            let Ok(dt) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            else {
                return format!("{ms} (out of range)");
            };
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.millisecond()
            )
        };
        let mut t: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut times = vec![
            0,
            1,
            999,
            86_399_999,
            -1,
            -62_135_596_800_001,
            MAX_TIME_MS,
            253_402_300_799_999,
        ];
        for _ in 0..2000 {
            t = t.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            times.push((t >> 16) as Ms % (MAX_TIME_MS + 1));
            times.push(-((t >> 20) as Ms % 400_000_000_000_000));
        }
        for ms in times {
            assert_eq!(format_abs(ms), reference(ms), "{ms}");
        }
    }
}
