//! Moments in time as the helpdesk reads them: relative ("3 days ago") and exact
//! ("2026-11-20 10:04 UTC"). Times are Unix seconds; "now" is always passed in (the server's
//! clock at the moment it read the facts), so the page renders the same text on the server and
//! in the browser.

use super::person::span;

/// "just now", "25 minutes ago", "3 days ago" (or "in 5 minutes" for a clock running ahead).
pub fn relative(at: i64, now: i64) -> String {
    let delta = now - at;
    if delta.abs() < 60 {
        "just now".to_string()
    } else if delta > 0 {
        format!("{} ago", span(delta))
    } else {
        format!("in {}", span(-delta))
    }
}

/// `2026-11-20 10:04 UTC`.
pub fn exact(at: i64) -> String {
    let (year, month, day, hour, minute, _) = civil(at);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// RFC 3339 (`2026-11-20T10:04:05Z`), for `<time datetime>`.
pub fn rfc3339(at: i64) -> String {
    let (year, month, day, hour, minute, second) = civil(at);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// Parses the RFC 3339 date-times ISC sends (`2026-11-20T10:04:05.123Z`, or with an offset
/// `+02:00`) into Unix seconds; `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // Skip a fraction, then read the zone.
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = fraction.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && zone.as_bytes()[3] == b':' => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours: i64 = zone.get(1..3)?.parse().ok()?;
            let minutes: i64 = zone.get(4..6)?.parse().ok()?;
            sign * (hours * 3_600 + minutes * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// A day written `YYYY-MM-DD` as the Unix seconds of its start (UTC); `None` otherwise.
pub fn parse_day(text: &str) -> Option<i64> {
    parse_rfc3339(&format!("{}T00:00:00Z", text.trim())).filter(|_| text.trim().len() == 10)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day, hour, minute, second) in UTC of Unix seconds.
fn civil(at: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs / 3_600, secs % 3_600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_times_are_utc_minutes() {
        assert_eq!(exact(0), "1970-01-01 00:00 UTC");
        assert_eq!(exact(1_795_687_445), "2026-11-26 10:04 UTC");
        assert_eq!(exact(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(rfc3339(1_795_687_445), "2026-11-26T10:04:05Z");
    }

    #[test]
    fn iscs_dates_are_read_with_fractions_and_offsets() {
        assert_eq!(parse_rfc3339("2026-11-26T10:04:05Z"), Some(1_795_687_445));
        assert_eq!(
            parse_rfc3339("2026-11-26T10:04:05.123Z"),
            Some(1_795_687_445)
        );
        assert_eq!(
            parse_rfc3339("2026-11-26T12:04:05+02:00"),
            Some(1_795_687_445)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        for bad in [
            "",
            "2026-11-26",
            "2026-13-26T10:04:05Z",
            "2026-11-26T25:04:05Z",
            "2026-11-26T10:04:05",
            "2026-11-26T10:04:05.Z",
            "yyyy-11-26T10:04:05Z",
            "2026-11-26T10:04:05+2:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        // Round trip.
        for at in [0, 1_795_687_445, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&rfc3339(at)), Some(at));
        }
    }

    #[test]
    fn days_are_read_as_their_start_in_utc() {
        assert_eq!(parse_day("2026-11-26"), Some(1_795_651_200));
        assert_eq!(parse_day("2026-11-26T10:00"), None);
        assert_eq!(parse_day("26/11/2026"), None);
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = 1_800_000_000;
        assert_eq!(relative(now - 5, now), "just now");
        assert_eq!(relative(now - 25 * 60, now), "25 minutes ago");
        assert_eq!(relative(now - 3 * 86_400, now), "3 days ago");
        assert_eq!(relative(now + 300, now), "in 5 minutes");
    }
}
