//! Events as the calendar keeps them, and what is asked of them: the occurrences in a time
//! window (recurrences expanded, exceptions applied), free slots and conflicts.
//!
//! Pure functions of their inputs: no kv, no clock, no config. `lib.rs` brings those.

use std::collections::HashSet;
use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::rrule::Rule;
use crate::zone::Zone;

/// The years an event may start in: what a calendar file can write with four digits. Far enough
/// inside chrono's range (±262,000 years) that no sum of a date, an event's length, a
/// recurrence's steps and a time zone's offset that this skill makes can overflow it.
pub const YEARS: RangeInclusive<i32> = 1..=9999;
/// The longest an event may last: ten years.
pub const MAX_DAYS: i64 = 3660;
pub const MAX_SECONDS: i64 = MAX_DAYS * 86400;

/// One calendar event: a single one, a recurring series, or one changed occurrence of a series
/// (`recurrence_id` set, same `uid` as the series).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The RFC 5545 `UID`: kept from an imported file, made up for events added here.
    pub uid: String,
    /// For a changed occurrence: the wall-clock start of the occurrence of the series it
    /// replaces, in the series' zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_id: Option<NaiveDateTime>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub when: When,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrule: Option<Rule>,
    /// Wall-clock starts of occurrences taken out of the series (`EXDATE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exdates: Vec<NaiveDateTime>,
    /// The language the event was added or imported in; its reminders use it.
    #[serde(default = "english")]
    pub locale: String,
}

fn english() -> String {
    "en".into()
}

/// When an event happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum When {
    /// Whole days, wherever the user is: `days` of them from `date`.
    AllDay { date: NaiveDate, days: u32 },
    /// From an instant, for `seconds`; `zone` is the wall clock the event was made in, which
    /// its recurrences follow.
    Timed {
        start: DateTime<Utc>,
        seconds: i64,
        zone: Zone,
    },
}

impl Event {
    /// The wall-clock start of the first occurrence (midnight for an all-day event).
    pub fn local_start(&self) -> NaiveDateTime {
        match &self.when {
            When::AllDay { date, .. } => date.and_time(Default::default()),
            When::Timed { start, zone, .. } => zone.to_local(*start),
        }
    }

    /// Why the calendar cannot keep this event, if it cannot: a start outside [`YEARS`], or
    /// longer than [`MAX_DAYS`]. Every event is checked before it is stored, so the date
    /// arithmetic on stored events stays in range.
    pub fn check(&self) -> Result<(), String> {
        let (year, seconds) = match &self.when {
            When::AllDay { date, days } => (date.year(), i64::from(*days) * 86400),
            When::Timed { start, seconds, .. } => (start.year(), seconds.saturating_abs()),
        };
        if !YEARS.contains(&year) {
            return Err(format!(
                "it starts in the year {year}, and only the years {} to {} are kept",
                YEARS.start(),
                YEARS.end()
            ));
        }
        if seconds > MAX_SECONDS {
            return Err("it lasts longer than ten years".into());
        }
        Ok(())
    }

    /// Where the event lives in kv: one key per `uid` and `recurrence_id`.
    pub fn key(&self) -> String {
        format!("e:{:016x}", self.hash())
    }

    /// A short id the user can name the event by.
    pub fn id(&self) -> String {
        format!("{:016x}", self.hash())[..8].to_owned()
    }

    fn hash(&self) -> u64 {
        // FNV-1a: stable across builds, unlike std's hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let rid = self
            .recurrence_id
            .map(|r| r.format("%Y%m%dT%H%M%S").to_string())
            .unwrap_or_default();
        for b in self.uid.bytes().chain([0]).chain(rid.bytes()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    }

    /// The occurrence that starts at wall-clock time `at` (of the event's zone).
    fn occurrence_at(&self, at: NaiveDateTime) -> Span {
        match &self.when {
            When::AllDay { days, .. } => Span::AllDay {
                date: at.date(),
                days: *days,
            },
            When::Timed { seconds, zone, .. } => {
                let start = zone.to_utc(at);
                Span::Timed {
                    start,
                    end: start + Duration::seconds(*seconds),
                }
            }
        }
    }
}

/// One occurrence's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    AllDay {
        date: NaiveDate,
        days: u32,
    },
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

impl Span {
    /// Start and end as instants; all-day spans run midnight to midnight of `user`'s zone.
    pub fn bounds(self, user: Zone) -> (DateTime<Utc>, DateTime<Utc>) {
        match self {
            Span::AllDay { date, days } => (
                user.to_utc(date.and_time(Default::default())),
                user.to_utc(
                    (date + Duration::days(days.max(1).into())).and_time(Default::default()),
                ),
            ),
            Span::Timed { start, end } => (start, end.max(start)),
        }
    }
}

/// An event happening at one time.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    pub event: &'a Event,
    pub span: Span,
}

impl Occurrence<'_> {
    /// Whether it overlaps `[from, to)`; an event of no length counts where it starts.
    fn within(&self, from: DateTime<Utc>, to: DateTime<Utc>, user: Zone) -> bool {
        let (start, end) = self.span.bounds(user);
        start < to && (end > from || (start == end && start >= from))
    }
}

/// Every occurrence that overlaps `[from, to)`, soonest first: series expanded, their
/// `EXDATE`s left out and their changed occurrences in place of the originals.
pub fn occurrences(
    events: &[Event],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    user: Zone,
) -> Vec<Occurrence<'_>> {
    let replaced: HashSet<(&str, NaiveDateTime)> = events
        .iter()
        .filter_map(|e| e.recurrence_id.map(|r| (e.uid.as_str(), r)))
        .collect();
    let mut found = Vec::new();
    for event in events {
        let rule = match &event.rrule {
            Some(rule) if event.recurrence_id.is_none() => rule,
            _ => {
                let single = Occurrence {
                    event,
                    span: event.occurrence_at(event.local_start()),
                };
                if single.within(from, to, user) {
                    found.push(single);
                }
                continue;
            }
        };
        // Occurrences that start earlier than this wall-clock day (a day for any zone's offset,
        // and the event's length) end before `from`: the expansion may skip them.
        let length_days = match &event.when {
            When::AllDay { days, .. } => i64::from(*days),
            When::Timed { seconds, .. } => seconds / 86400,
        };
        let earliest = from
            .naive_utc()
            .date()
            .checked_sub_signed(Duration::days(2 + length_days))
            .unwrap_or(NaiveDate::MIN);
        rule.expand_from(event.local_start(), earliest, |at| {
            let occurrence = Occurrence {
                event,
                span: event.occurrence_at(at),
            };
            if occurrence.span.bounds(user).0 >= to {
                return false;
            }
            let skipped =
                event.exdates.contains(&at) || replaced.contains(&(event.uid.as_str(), at));
            if !skipped && occurrence.within(from, to, user) {
                found.push(occurrence);
            }
            true
        });
    }
    found.sort_by(|a, b| {
        let (sa, sb) = (a.span.bounds(user).0, b.span.bounds(user).0);
        // By start; at the same start, all-day events first.
        let timed = |o: &Occurrence| matches!(o.span, Span::Timed { .. });
        (sa, timed(a), &a.event.title).cmp(&(sb, timed(b), &b.event.title))
    });
    found
}

/// The gaps of at least `min` between the timed occurrences within `[from, to)`. All-day
/// events do not make anyone busy (a birthday, a holiday, a trip written as a date).
pub fn free_slots(
    busy: &[Occurrence<'_>],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    min: Duration,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut intervals: Vec<(DateTime<Utc>, DateTime<Utc>)> = busy
        .iter()
        .filter_map(|o| match o.span {
            Span::Timed { start, end } => Some((start.max(from), end.min(to))),
            Span::AllDay { .. } => None,
        })
        .filter(|(s, e)| s < e)
        .collect();
    intervals.sort();
    let mut free = Vec::new();
    let mut cursor = from;
    for (start, end) in intervals {
        if start - cursor >= min {
            free.push((cursor, start));
        }
        cursor = cursor.max(end);
    }
    if to - cursor >= min {
        free.push((cursor, to));
    }
    free
}

/// Pairs of timed occurrences that overlap, by their indices in `occurrences` (which must be
/// sorted by start, as [`occurrences`] returns them).
pub fn conflicts(occurrences: &[Occurrence<'_>]) -> Vec<(usize, usize)> {
    let timed: Vec<(usize, DateTime<Utc>, DateTime<Utc>)> = occurrences
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o.span {
            Span::Timed { start, end } if end > start => Some((i, start, end)),
            _ => None,
        })
        .collect();
    let mut pairs = Vec::new();
    for (n, &(i, _, end)) in timed.iter().enumerate() {
        for &(j, start, _) in &timed[n + 1..] {
            if start >= end {
                break;
            }
            pairs.push((i, j));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rrule::end_of;

    const ISTANBUL: Zone = Zone::Fixed(3 * 3600);

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn timed(uid: &str, start: &str, minutes: i64) -> Event {
        Event {
            uid: uid.into(),
            recurrence_id: None,
            title: uid.into(),
            description: None,
            location: None,
            when: When::Timed {
                start: ISTANBUL.to_utc(local(start)),
                seconds: minutes * 60,
                zone: ISTANBUL,
            },
            rrule: None,
            exdates: Vec::new(),
            locale: "en".into(),
        }
    }

    fn rule(text: &str) -> Option<Rule> {
        Some(
            Rule::parse(text, |u| match u {
                crate::rrule::Until::Date(d) => end_of(d),
                crate::rrule::Until::Utc(t) | crate::rrule::Until::Local(t) => t,
            })
            .unwrap()
            .0,
        )
    }

    fn day(date: &str) -> (DateTime<Utc>, DateTime<Utc>) {
        let from = ISTANBUL.to_utc(local(&format!("{date} 00:00")));
        (from, from + Duration::days(1))
    }

    fn titles(occurrences: &[Occurrence]) -> Vec<String> {
        occurrences
            .iter()
            .map(|o| {
                let (start, _) = o.span.bounds(ISTANBUL);
                format!(
                    "{} {}",
                    ISTANBUL.to_local(start).format("%d %H:%M"),
                    o.event.title
                )
            })
            .collect()
    }

    #[test]
    fn a_series_with_an_exdate_and_a_moved_occurrence() {
        let mut standup = timed("standup", "2026-11-23 09:30", 15);
        standup.rrule = rule("FREQ=DAILY;COUNT=5");
        standup.exdates = vec![local("2026-11-24 09:30")];
        let mut moved = timed("standup", "2026-11-25 11:00", 15);
        moved.recurrence_id = Some(local("2026-11-25 09:30"));
        let events = [standup, moved];
        let (from, _) = day("2026-11-23");
        let week = occurrences(&events, from, from + Duration::days(7), ISTANBUL);
        assert_eq!(
            titles(&week),
            [
                "23 09:30 standup",
                "25 11:00 standup",
                "26 09:30 standup",
                "27 09:30 standup"
            ]
        );
        assert_ne!(events[0].key(), events[1].key());
    }

    #[test]
    fn all_day_events_cover_their_days() {
        let trip = Event {
            when: When::AllDay {
                date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                days: 2,
            },
            ..timed("trip", "2026-11-24 00:00", 0)
        };
        let events = [trip, timed("lunch", "2026-11-25 12:00", 60)];
        let (from, to) = day("2026-11-25");
        assert_eq!(
            titles(&occurrences(&events, from, to, ISTANBUL)),
            ["24 00:00 trip", "25 12:00 lunch"]
        );
        let (from, to) = day("2026-11-26");
        assert!(occurrences(&events, from, to, ISTANBUL).is_empty());
    }

    #[test]
    fn free_slots_and_conflicts() {
        let events = [
            timed("a", "2026-11-23 09:00", 60),
            timed("b", "2026-11-23 09:30", 60),
            timed("c", "2026-11-23 13:00", 30),
            timed("d", "2026-11-23 17:45", 60),
        ];
        let (from, to) = day("2026-11-23");
        let found = occurrences(&events, from, to, ISTANBUL);
        assert_eq!(conflicts(&found), [(0, 1)]);
        let work = (
            ISTANBUL.to_utc(local("2026-11-23 09:00")),
            ISTANBUL.to_utc(local("2026-11-23 18:00")),
        );
        let free: Vec<String> = free_slots(&found, work.0, work.1, Duration::minutes(30))
            .iter()
            .map(|(s, e)| {
                format!(
                    "{}-{}",
                    ISTANBUL.to_local(*s).format("%H:%M"),
                    ISTANBUL.to_local(*e).format("%H:%M")
                )
            })
            .collect();
        assert_eq!(free, ["10:30-13:00", "13:30-17:45"]);
        let long = free_slots(&found, work.0, work.1, Duration::hours(3));
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].0, utc("2026-11-23T10:30:00Z"));
    }

    #[test]
    fn stored_form_round_trips() {
        let mut e = timed("x@bantz", "2026-11-23 09:30", 15);
        e.rrule = rule("FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261231");
        e.exdates = vec![local("2026-11-26 09:30")];
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
    }
}
