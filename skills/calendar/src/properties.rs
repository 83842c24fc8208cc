//! Property tests of the calendar's parsers, run with the skill's unit tests (`cargo xtask test`):
//! whatever arrives (iCalendar text, a recurrence rule, a date, a time, a length), the parser
//! answers `Ok` or `Err` and never panics, and what it accepts stays within what the rest of the
//! skill computes with: events pass [`Event::check`], and exporting, re-importing and expanding
//! them does not panic either.
//!
//! The generated text is adversarial: calendars of real property names with random values (huge
//! numbers, truncated dates and durations, unknown zones, broken rules), random lines, a
//! byte-order mark, and bytes cut or spliced at any point, so UTF-8 sequences break. Each
//! property runs a bounded number of cases (seconds in all); `PROPTEST_CASES=100000` runs more.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

use crate::event::{self, Event, When};
use crate::ics;
use crate::rrule::{Rule, Until, end_of};
use crate::zone::{self, Zone};
use crate::{date_arg, duration_arg, time_arg};

/// `cases` cases, or `PROPTEST_CASES` when set; never a regressions file in the checkout.
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Zones an import reads floating times in: none, one with daylight saving, one far west.
fn zones() -> [Zone; 3] {
    [
        Zone::Utc,
        Zone::Iana(chrono_tz::America::New_York),
        Zone::Fixed(-12 * 3600),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0u32..400).prop_map(|n| n.to_string()),
        "[0-9]{15,40}",
        "[+-]?[0-9]{0,3}",
        "\\PC{0,6}",
    ]
}

/// Dates and times as a calendar writes them, and things that only look like them.
fn moment() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            1i32..=9999,
            1u32..=12,
            1u32..=31,
            0u32..24,
            0u32..60,
            any::<bool>()
        )
            .prop_map(|(y, mo, d, h, mi, utc)| format!(
                "{y:04}{mo:02}{d:02}T{h:02}{mi:02}00{}",
                if utc { "Z" } else { "" }
            )),
        (1i32..=9999, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}")),
        "[0-9]{8}",
        "[0-9]{8}T[0-9]{4,6}[Zz]?",
        "[+-][0-9]{5,7}[0-9]{4}(T[0-9]{6})?Z?",
        "[0-9]{0,16}T?[0-9]{0,8}",
        "\\PC{0,16}",
    ]
}

fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<bool>(), any::<u64>(), "[WDHMS]").prop_map(|(neg, n, unit)| format!(
            "{}P{}{n}{unit}",
            if neg { "-" } else { "" },
            if "HMS".contains(&unit) { "T" } else { "" }
        )),
        "[+-]?[Pp]([0-9]{0,25}[WDTHMSwdthms]){0,6}",
        "\\PC{0,12}",
    ]
}

fn rule() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        "FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY|HOURLY|daily|)",
        number().prop_map(|n| format!("INTERVAL={n}")),
        number().prop_map(|n| format!("COUNT={n}")),
        moment().prop_map(|m| format!("UNTIL={m}")),
        "BYDAY=([+-]?[0-9]{0,12}(MO|TU|WE|TH|FR|SA|SU|XX|€|ü)?,?){0,4}",
        prop::collection::vec(number(), 0..4).prop_map(|n| format!("BYMONTHDAY={}", n.join(","))),
        prop::collection::vec(number(), 0..4).prop_map(|n| format!("BYMONTH={}", n.join(","))),
        prop::collection::vec(number(), 0..4).prop_map(|n| format!("BYSETPOS={}", n.join(","))),
        "WKST=(MO|SU|XX|)",
        "BY(HOUR|WEEKNO|YEARDAY)=[0-9,]{0,8}",
        "\\PC{0,12}",
    ];
    prop::collection::vec(part, 0..7).prop_map(|parts| parts.join(";"))
}

fn tzid() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Europe/Istanbul".to_owned()),
        Just("W. Europe Standard Time".to_owned()),
        Just("/mozilla.org/20070129_1/Europe/Berlin".to_owned()),
        Just("Custom Zone".to_owned()),
        "UTC[+-][0-9:]{0,7}",
        "\\PC{0,12}",
    ]
}

/// One content line of an event or of a time zone.
fn property() -> impl Strategy<Value = String> {
    // The lines that make an event (and its length) come most often, so most events get far.
    prop_oneof![
        4 => moment().prop_map(|v| format!("DTSTART:{v}")),
        3 => (tzid(), moment()).prop_map(|(z, v)| format!("DTSTART;TZID=\"{z}\":{v}")),
        2 => moment().prop_map(|v| format!("DTSTART;VALUE=DATE:{v}")),
        1 => moment().prop_map(|v| format!("DTEND:{v}")),
        1 => (tzid(), moment()).prop_map(|(z, v)| format!("DTEND;TZID={z}:{v}")),
        4 => duration().prop_map(|v| format!("DURATION:{v}")),
        3 => rule().prop_map(|v| format!("RRULE:{v}")),
        1 => prop::collection::vec(moment(), 0..3).prop_map(|v| format!("EXDATE:{}", v.join(","))),
        1 => moment().prop_map(|v| format!("RECURRENCE-ID:{v}")),
        1 => "UID:[a-c]{1,2}",
        1 => "SUMMARY:\\PC{0,20}",
        1 => "(LOCATION|DESCRIPTION):\\PC{0,20}",
        1 => Just("STATUS:CANCELLED".to_owned()),
        1 => tzid().prop_map(|z| format!("TZID:{z}")),
        1 => tzid().prop_map(|z| format!("X-LIC-LOCATION:{z}")),
        1 => tzid().prop_map(|z| format!("X-WR-TIMEZONE:{z}")),
        1 => "TZOFFSET(TO|FROM):[+-]?[0-9:]{0,8}",
        1 => " \\PC{0,10}",
        1 => "\\PC{0,30}",
    ]
}

/// A calendar in the shape real files have: a zone, events, random lines in between.
fn calendar() -> impl Strategy<Value = String> {
    let block = |name: &'static str| {
        prop::collection::vec(property(), 0..10).prop_map(move |lines| {
            let mut block = vec![format!("BEGIN:{name}")];
            block.extend(lines);
            block.push(format!("END:{name}"));
            block
        })
    };
    let zone = (
        tzid(),
        prop::collection::vec(prop_oneof![block("STANDARD"), block("DAYLIGHT")], 0..3),
    )
        .prop_map(|(id, parts)| {
            let mut lines = vec!["BEGIN:VTIMEZONE".to_owned(), format!("TZID:{id}")];
            lines.extend(parts.into_iter().flatten());
            lines.push("END:VTIMEZONE".into());
            lines
        });
    (
        prop::collection::vec(zone, 0..2),
        prop::collection::vec(block("VEVENT"), 0..5),
        prop::collection::vec(property(), 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(zones, events, loose, bom, crlf)| {
            let mut lines = vec!["BEGIN:VCALENDAR".to_owned(), "VERSION:2.0".into()];
            lines.extend(loose);
            lines.extend(zones.into_iter().flatten());
            lines.extend(events.into_iter().flatten());
            lines.push("END:VCALENDAR".into());
            let text = lines.join(if crlf { "\r\n" } else { "\n" });
            if bom { format!("\u{feff}{text}") } else { text }
        })
}

/// A calendar damaged as a transfer damages one: cut short anywhere, or with bytes spliced in
/// (which may break a UTF-8 sequence: the text then holds U+FFFD, as a lossy reader makes it).
fn damaged() -> impl Strategy<Value = String> {
    (
        calendar(),
        any::<Index>(),
        prop::collection::vec(any::<u8>(), 0..6),
        any::<bool>(),
    )
        .prop_map(|(text, at, bytes, cut)| {
            let mut raw = text.into_bytes();
            let at = at.index(raw.len() + 1);
            if cut {
                raw.truncate(at);
            }
            raw.splice(at..at, bytes);
            String::from_utf8_lossy(&raw).into_owned()
        })
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap()
}

/// Imports `text` in every zone; whatever imports must check, export, import again and expand.
fn import_survives(text: &str) -> Result<(), TestCaseError> {
    for user in zones() {
        let Ok(imported) = ics::import(text, user, "tr") else {
            continue;
        };
        for note in &imported.notes {
            note.text(true);
            note.text(false);
        }
        for e in &imported.events {
            prop_assert!(e.check().is_ok(), "{e:?}: {:?}", e.check());
        }
        let written = ics::export(&imported.events, now());
        let again = ics::import(&written, user, "en");
        prop_assert!(again.is_ok(), "{written}\n{again:?}");
        expand(&imported.events, user);
    }
    Ok(())
}

/// Each event's occurrences in the week around its start, with everything said about them.
/// One event at a time: a daily series from the year 1 expanded up to the year 9999 is slow,
/// not wrong.
fn expand(events: &[Event], user: Zone) {
    for e in events {
        let start = user.to_utc(e.local_start());
        let found = event::occurrences(
            std::slice::from_ref(e),
            start - Duration::days(1),
            start + Duration::days(8),
            user,
        );
        for o in &found {
            crate::say::line(o, user, true);
            crate::say::line(o, user, false);
        }
        event::conflicts(&found);
        event::free_slots(
            &found,
            start,
            start + Duration::days(1),
            Duration::minutes(30),
        );
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn any_calendar_imports_or_is_refused_and_never_panics(text in calendar()) {
        import_survives(&text)?;
    }

    #[test]
    fn a_damaged_calendar_imports_or_is_refused_and_never_panics(text in damaged()) {
        import_survives(&text)?;
    }

    #[test]
    fn random_lines_are_refused_or_imported_and_never_panic(
        lines in prop::collection::vec(prop_oneof![property(), "(BEGIN|END):V(CALENDAR|EVENT|TIMEZONE)"], 0..30)
    ) {
        import_survives(&lines.join("\n"))?;
    }

    #[test]
    fn any_text_at_all_never_panics(text in "\\PC{0,200}") {
        import_survives(&text)?;
    }

    #[test]
    fn durations_parse_or_are_refused(text in prop_oneof![duration(), "\\PC{0,30}"]) {
        ics::parse_duration(&text);
    }

    #[test]
    fn a_rule_parses_or_is_refused_writes_back_the_same_and_expands_in_order(
        text in rule(),
        start in (1i32..=9999, 1u32..=366, 0u32..86400),
    ) {
        let wall = |until: Until| match until {
            Until::Utc(t) | Until::Local(t) => t,
            Until::Date(d) => end_of(d),
        };
        let Ok((rule, _ignored)) = Rule::parse(&text, wall) else {
            return Ok(());
        };
        let written = rule.to_string();
        let (again, _) = Rule::parse(&written, wall).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&again, &rule, "{}", written);

        let (year, day, second) = start;
        let Some(start) = NaiveDate::from_yo_opt(year, day)
            .and_then(|d| d.and_hms_opt(second / 3600, second / 60 % 60, second % 60))
        else {
            return Ok(());
        };
        let mut seen = Vec::new();
        rule.expand(start, |at| {
            seen.push(at);
            seen.len() < 400
        });
        if let Some(first) = seen.first() {
            prop_assert_eq!(*first, start);
        }
        prop_assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        if let Some(count) = rule.count {
            prop_assert!(seen.len() as u64 <= u64::from(count));
        }
        if let Some(until) = rule.until {
            prop_assert!(seen.iter().all(|at| *at <= until), "{seen:?} until {until}");
        }
    }

    #[test]
    fn skipping_ahead_finds_the_same_occurrences_as_walking_there(
        text in rule(),
        start in (1i32..=9999, 1u32..=366, 0u32..86400),
        ahead in 0i64..3000,
    ) {
        let wall = |until: Until| match until {
            Until::Utc(t) | Until::Local(t) => t,
            Until::Date(d) => end_of(d),
        };
        let Ok((rule, _)) = Rule::parse(&text, wall) else {
            return Ok(());
        };
        let (year, day, second) = start;
        let Some(start) = NaiveDate::from_yo_opt(year, day)
            .and_then(|d| d.and_hms_opt(second / 3600, second / 60 % 60, second % 60))
        else {
            return Ok(());
        };
        let Some(from) = start.date().checked_add_signed(Duration::days(ahead)) else {
            return Ok(());
        };
        let end = from + Duration::days(60);
        let collect = |skip: bool| {
            let mut seen = Vec::new();
            let mut visit = |at: chrono::NaiveDateTime| {
                if at.date() >= from {
                    seen.push(at);
                }
                at.date() < end && seen.len() < 500
            };
            if skip {
                rule.expand_from(start, from, &mut visit);
            } else {
                rule.expand(start, &mut visit);
            }
            seen
        };
        prop_assert_eq!(collect(true), collect(false), "{} from {}", rule, from);
    }

    #[test]
    fn dates_times_and_lengths_of_commands_are_read_or_refused(
        date in prop_oneof![
            "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}",
            (1i32..=9999, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
            "\\PC{0,12}",
        ],
        time in prop_oneof!["[0-9]{1,3}:[0-9]{1,3}", "\\PC{0,6}"],
        seconds in prop_oneof![any::<i64>(), 1i64..=event::MAX_SECONDS],
        zone in prop::sample::select(zones().to_vec()),
    ) {
        let day = date_arg(Some(&date));
        let time = time_arg(Some(&time));
        let length = duration_arg(Some(seconds));
        if let Ok(Some(d)) = day {
            prop_assert!(event::YEARS.contains(&chrono::Datelike::year(&d)));
        }
        if let Ok(Some(s)) = length {
            prop_assert!((1..=event::MAX_SECONDS).contains(&s));
        }
        // An event made as `add` makes one: it checks, or is refused; a kept one expands.
        if let (Ok(Some(day)), Ok(time), Ok(Some(seconds))) = (day, time, length) {
            let when = match time {
                Some(t) => When::Timed { start: zone.to_utc(day.and_time(t)), seconds, zone },
                None => When::AllDay { date: day, days: ((seconds + 86399) / 86400) as u32 },
            };
            let e = Event {
                uid: "u".into(),
                recurrence_id: None,
                title: "t".into(),
                description: None,
                location: None,
                when,
                rrule: None,
                exdates: Vec::new(),
                locale: "en".into(),
            };
            if e.check().is_ok() {
                let events = [e];
                expand(&events, zone);
                ics::export(&events, now());
            }
        }
    }

    #[test]
    fn zones_and_offsets_are_read_or_refused(text in prop_oneof![tzid(), "[+-]?[0-9:]{0,9}", "\\PC{0,20}"]) {
        if let Some(east) = zone::parse_offset(&text) {
            prop_assert!(east.abs() < 86400);
        }
        let _ = text.parse::<Zone>();
        Zone::from_tzid(&text);
    }
}
