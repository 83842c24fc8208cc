//! Time zones of events: UTC, IANA zones, and fixed offsets (what a calendar file's own
//! `VTIMEZONE` comes down to when its name is unknown). Converts between an event's local wall
//! time and UTC instants, and maps the Windows zone names Outlook writes to IANA ones.
//!
//! It does not read `VTIMEZONE` blocks; `ics` does, and hands the offset it found to
//! [`Zone::Fixed`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The zone an event's wall-clock times are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Utc,
    Iana(Tz),
    /// Seconds east of UTC, all year round.
    Fixed(i32),
}

impl Zone {
    /// The instant of a wall-clock time. A time skipped by a daylight-saving jump means the
    /// same time an hour later; a time that happens twice means the first one.
    pub fn to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Utc => local.and_utc(),
            Zone::Fixed(east) => local.and_utc() - Duration::seconds(east.into()),
            Zone::Iana(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                LocalResult::None => tz
                    .from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
                    .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
            },
        }
    }

    /// The wall-clock time of an instant.
    pub fn to_local(self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::Utc => t.naive_utc(),
            Zone::Fixed(east) => t.naive_utc() + Duration::seconds(east.into()),
            Zone::Iana(tz) => t.with_timezone(&tz).naive_local(),
        }
    }

    /// Seconds east of UTC at an instant.
    pub fn offset_at(self, t: DateTime<Utc>) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(east) => east,
            Zone::Iana(tz) => tz
                .offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc(),
        }
    }

    /// Reads a `TZID` the way calendar programs write it: an IANA name (also behind a
    /// `/mozilla.org/…/` prefix, as old Thunderbird wrote it), a Windows name, `UTC`, or a
    /// fixed offset such as `UTC+03:00`. `None` when it is none of these.
    pub fn from_tzid(tzid: &str) -> Option<Zone> {
        let tzid = tzid.trim().trim_matches('"');
        if let Ok(zone) = tzid.parse() {
            return Some(zone);
        }
        if let Some(iana) = windows_to_iana(tzid) {
            return iana.parse().ok();
        }
        // "/mozilla.org/20070129_1/Europe/Berlin", "/softwarestudio.org/Olson_20011030_5/America/New_York"
        tzid.match_indices('/')
            .find_map(|(i, _)| tzid[i + 1..].parse::<Tz>().ok())
            .map(Zone::Iana)
    }
}

/// `UTC`, an IANA name, or `UTC+03:00`: what [`Zone`]'s `Display` writes.
impl FromStr for Zone {
    type Err = String;

    fn from_str(s: &str) -> Result<Zone, String> {
        let s = s.trim();
        if matches!(s, "UTC" | "Z" | "GMT" | "Etc/UTC" | "Etc/GMT") {
            return Ok(Zone::Utc);
        }
        if let Ok(tz) = s.parse::<Tz>() {
            return Ok(Zone::Iana(tz));
        }
        let rest = s
            .strip_prefix("UTC")
            .or_else(|| s.strip_prefix("GMT"))
            .ok_or_else(|| format!("{s:?} is not a time zone"))?;
        parse_offset(rest)
            .map(Zone::Fixed)
            .ok_or_else(|| format!("{s:?} is not a time zone"))
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Utc => f.write_str("UTC"),
            Zone::Iana(tz) => f.write_str(tz.name()),
            Zone::Fixed(east) => write!(f, "UTC{}", format_offset(*east, true)),
        }
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// `+0300`, `-05:30`, `+03`, `+3` → seconds east of UTC; what `TZOFFSETTO` and `UTC+03:00` hold.
pub fn parse_offset(text: &str) -> Option<i32> {
    let text = text.trim();
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m, s) = match digits.len() {
        1 | 2 => (digits.parse().ok()?, 0, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?, 0),
        6 => (
            digits[..2].parse().ok()?,
            digits[2..4].parse().ok()?,
            digits[4..].parse().ok()?,
        ),
        _ => return None,
    };
    let (h, m, s): (i32, i32, i32) = (h, m, s);
    (h < 24 && m < 60 && s < 60).then_some(sign * (h * 3600 + m * 60 + s))
}

/// Seconds east of UTC as `+0300` (or `+03:00` with `colon`).
pub fn format_offset(east: i32, colon: bool) -> String {
    let sign = if east < 0 { '-' } else { '+' };
    let abs = east.unsigned_abs();
    let (h, m) = (abs / 3600, abs % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// The IANA zone for the Windows zone names that Outlook and Exchange write most often.
fn windows_to_iana(name: &str) -> Option<&'static str> {
    const NAMES: &[(&str, &str)] = &[
        ("UTC", "UTC"),
        ("Coordinated Universal Time", "UTC"),
        ("Turkey Standard Time", "Europe/Istanbul"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Romance Standard Time", "Europe/Paris"),
        ("Central Europe Standard Time", "Europe/Budapest"),
        ("Central European Standard Time", "Europe/Warsaw"),
        ("GMT Standard Time", "Europe/London"),
        ("Greenwich Standard Time", "Atlantic/Reykjavik"),
        ("E. Europe Standard Time", "Europe/Chisinau"),
        ("FLE Standard Time", "Europe/Kiev"),
        ("GTB Standard Time", "Europe/Bucharest"),
        ("Russian Standard Time", "Europe/Moscow"),
        ("Israel Standard Time", "Asia/Jerusalem"),
        ("Egypt Standard Time", "Africa/Cairo"),
        ("South Africa Standard Time", "Africa/Johannesburg"),
        ("Morocco Standard Time", "Africa/Casablanca"),
        ("W. Central Africa Standard Time", "Africa/Lagos"),
        ("Arab Standard Time", "Asia/Riyadh"),
        ("Arabian Standard Time", "Asia/Dubai"),
        ("Iran Standard Time", "Asia/Tehran"),
        ("Azerbaijan Standard Time", "Asia/Baku"),
        ("Georgian Standard Time", "Asia/Tbilisi"),
        ("Pakistan Standard Time", "Asia/Karachi"),
        ("India Standard Time", "Asia/Kolkata"),
        ("SE Asia Standard Time", "Asia/Bangkok"),
        ("China Standard Time", "Asia/Shanghai"),
        ("Singapore Standard Time", "Asia/Singapore"),
        ("Taipei Standard Time", "Asia/Taipei"),
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("Korea Standard Time", "Asia/Seoul"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
        ("E. Australia Standard Time", "Australia/Brisbane"),
        ("New Zealand Standard Time", "Pacific/Auckland"),
        ("Eastern Standard Time", "America/New_York"),
        ("Central Standard Time", "America/Chicago"),
        ("Mountain Standard Time", "America/Denver"),
        ("US Mountain Standard Time", "America/Phoenix"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Alaskan Standard Time", "America/Anchorage"),
        ("Hawaiian Standard Time", "Pacific/Honolulu"),
        ("Atlantic Standard Time", "America/Halifax"),
        ("Canada Central Standard Time", "America/Regina"),
        ("Central Standard Time (Mexico)", "America/Mexico_City"),
        ("SA Pacific Standard Time", "America/Bogota"),
        ("E. South America Standard Time", "America/Sao_Paulo"),
        ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ];
    NAMES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
        .map(|(_, iana)| *iana)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn reads_the_zone_names_calendar_programs_write() {
        let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
        assert_eq!(Zone::from_tzid("Europe/Berlin"), Some(berlin));
        assert_eq!(Zone::from_tzid("W. Europe Standard Time"), Some(berlin));
        assert_eq!(
            Zone::from_tzid("Turkey Standard Time"),
            Some(Zone::Iana(chrono_tz::Europe::Istanbul))
        );
        assert_eq!(
            Zone::from_tzid("/mozilla.org/20070129_1/Europe/Berlin"),
            Some(berlin)
        );
        assert_eq!(Zone::from_tzid("UTC"), Some(Zone::Utc));
        assert_eq!(Zone::from_tzid("UTC+03:00"), Some(Zone::Fixed(3 * 3600)));
        assert_eq!(Zone::from_tzid("Customized Time Zone"), None);
    }

    #[test]
    fn names_round_trip() {
        for zone in [
            Zone::Utc,
            Zone::Iana(chrono_tz::America::New_York),
            Zone::Fixed(-(5 * 3600 + 1800)),
        ] {
            assert_eq!(zone.to_string().parse::<Zone>(), Ok(zone));
        }
        assert_eq!(parse_offset("+0530"), Some(19800));
        assert_eq!(parse_offset("-05:00"), Some(-18000));
        assert_eq!(parse_offset("0300"), None);
        assert_eq!(format_offset(-18000, false), "-0500");
    }

    #[test]
    fn converts_across_daylight_saving() {
        let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
        let winter = berlin.to_utc(local("2026-01-15 10:00"));
        let summer = berlin.to_utc(local("2026-07-15 10:00"));
        assert_eq!(winter.format("%H:%M").to_string(), "09:00");
        assert_eq!(summer.format("%H:%M").to_string(), "08:00");
        // 02:30 on 29 March 2026 does not exist in Berlin: it means 03:30.
        let gap = berlin.to_utc(local("2026-03-29 02:30"));
        assert_eq!(
            berlin.to_local(gap),
            NaiveDate::from_ymd_opt(2026, 3, 29)
                .unwrap()
                .and_hms_opt(3, 30, 0)
                .unwrap()
        );
        assert_eq!(berlin.offset_at(summer), 7200);
        let fixed = Zone::Fixed(3 * 3600);
        assert_eq!(
            fixed.to_local(fixed.to_utc(local("2026-07-15 10:00"))),
            local("2026-07-15 10:00")
        );
    }
}
