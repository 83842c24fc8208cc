//! Recurrence rules (RFC 5545 `RRULE`): parsing, writing, and expanding them into occurrence
//! times, in the event's own wall-clock time so that "every Monday at 10:00" stays at 10:00
//! across daylight-saving changes.
//!
//! Supported: `FREQ` DAILY/WEEKLY/MONTHLY/YEARLY, `INTERVAL`, `COUNT`, `UNTIL`, `BYDAY` (with
//! ordinals such as `2TU` or `-1FR`), `BYMONTHDAY`, `BYMONTH`, `BYSETPOS` and `WKST`. Other parts
//! (`BYHOUR`, `BYWEEKNO`, …) are reported as ignored, not guessed at. Zones are not this module's
//! business: `UNTIL` arrives already in the event's wall-clock time.

use std::fmt;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use crate::event::YEARS;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How far past the last occurrence an expansion looks for the next one before giving up on a
/// rule that matches no more (say, the 30th of February).
const HORIZON_YEARS: i32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A parsed `RRULE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    /// The last wall-clock time an occurrence may start at, in the event's own zone.
    pub until: Option<NaiveDateTime>,
    /// Weekdays, each with an ordinal within the month or year (0 means every one).
    pub by_day: Vec<(i32, Weekday)>,
    pub by_month_day: Vec<i32>,
    pub by_month: Vec<u32>,
    pub by_set_pos: Vec<i32>,
    pub week_start: Weekday,
}

/// An `UNTIL` value as written: the caller turns it into the event's wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// `…Z`
    Utc(NaiveDateTime),
    /// No `Z`: the event's own wall-clock time.
    Local(NaiveDateTime),
    /// A date: through the end of that day.
    Date(NaiveDate),
}

impl Rule {
    /// Parses an `RRULE` value such as `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`. `until` turns the
    /// `UNTIL` part into wall-clock time. Returns the rule and the names of parts it ignored.
    pub fn parse(
        value: &str,
        until: impl Fn(Until) -> NaiveDateTime,
    ) -> Result<(Rule, Vec<String>), String> {
        let mut rule = Rule {
            freq: Freq::Daily,
            interval: 1,
            count: None,
            until: None,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
            week_start: Weekday::Mon,
        };
        let mut freq = None;
        let mut ignored = Vec::new();
        let bad = |part: &str| format!("the recurrence rule part {part:?} is not valid");
        for part in value.trim().split(';').filter(|p| !p.trim().is_empty()) {
            let (name, v) = part.split_once('=').ok_or_else(|| bad(part))?;
            let v = v.trim();
            match name.trim().to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match v.to_ascii_uppercase().as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        other => {
                            return Err(format!(
                                "repeating {} is not supported (daily, weekly, monthly and yearly are)",
                                other.to_lowercase()
                            ));
                        }
                    })
                }
                "INTERVAL" => {
                    rule.interval = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| bad(part))?
                }
                "COUNT" => rule.count = Some(v.parse().map_err(|_| bad(part))?),
                "UNTIL" => {
                    let at = until(parse_until(v).ok_or_else(|| bad(part))?);
                    rule.until = Some(within_years(at));
                }
                "BYDAY" => {
                    for day in v.split(',') {
                        rule.by_day
                            .push(parse_by_day(day).ok_or_else(|| bad(part))?);
                    }
                }
                "BYMONTHDAY" => rule.by_month_day = numbers(v, 1, 31).ok_or_else(|| bad(part))?,
                "BYMONTH" => {
                    rule.by_month = numbers(v, 1, 12)
                        .ok_or_else(|| bad(part))?
                        .into_iter()
                        .map(|m| m.unsigned_abs())
                        .filter(|m| *m > 0)
                        .collect()
                }
                "BYSETPOS" => rule.by_set_pos = numbers(v, 1, 366).ok_or_else(|| bad(part))?,
                "WKST" => rule.week_start = weekday(v).ok_or_else(|| bad(part))?,
                other => ignored.push(other.to_owned()),
            }
        }
        rule.freq = freq.ok_or("a recurrence rule needs FREQ")?;
        Ok((rule, ignored))
    }

    /// The rule as an `RRULE` value, with `until` as the `UNTIL` text to write (if any).
    pub fn format(&self, until: Option<String>) -> String {
        let mut parts = vec![format!(
            "FREQ={}",
            match self.freq {
                Freq::Daily => "DAILY",
                Freq::Weekly => "WEEKLY",
                Freq::Monthly => "MONTHLY",
                Freq::Yearly => "YEARLY",
            }
        )];
        if self.interval != 1 {
            parts.push(format!("INTERVAL={}", self.interval));
        }
        if let Some(count) = self.count {
            parts.push(format!("COUNT={count}"));
        }
        if let Some(until) = until {
            parts.push(format!("UNTIL={until}"));
        }
        let join = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
        if !self.by_month.is_empty() {
            let months: Vec<i32> = self.by_month.iter().map(|m| *m as i32).collect();
            parts.push(format!("BYMONTH={}", join(&months)));
        }
        if !self.by_month_day.is_empty() {
            parts.push(format!("BYMONTHDAY={}", join(&self.by_month_day)));
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|(n, d)| match n {
                    0 => day_code(*d).to_owned(),
                    n => format!("{n}{}", day_code(*d)),
                })
                .collect();
            parts.push(format!("BYDAY={}", days.join(",")));
        }
        if !self.by_set_pos.is_empty() {
            parts.push(format!("BYSETPOS={}", join(&self.by_set_pos)));
        }
        if self.week_start != Weekday::Mon {
            parts.push(format!("WKST={}", day_code(self.week_start)));
        }
        parts.join(";")
    }

    /// Calls `visit` with every occurrence from `start` (the first, always) on, in order,
    /// until the rule ends or `visit` returns false.
    pub fn expand(&self, start: NaiveDateTime, visit: impl FnMut(NaiveDateTime) -> bool) {
        self.expand_from(start, NaiveDate::MIN, visit);
    }

    /// [`Rule::expand`], except that it may leave out occurrences on days before `from`
    /// (never the first): a rule without `COUNT` skips the periods that end before it, so a
    /// daily series that began centuries ago costs no more to look at today than one that began
    /// last week. (`COUNT` counts from the first occurrence, so such a rule is walked from there.)
    pub fn expand_from(
        &self,
        start: NaiveDateTime,
        from: NaiveDate,
        mut visit: impl FnMut(NaiveDateTime) -> bool,
    ) {
        let mut emitted = 0u32;
        let mut emit = |at: NaiveDateTime| {
            if self.count.is_some_and(|c| emitted >= c) || self.until.is_some_and(|u| at > u) {
                return false;
            }
            emitted += 1;
            visit(at)
        };
        if !emit(start) {
            return;
        }
        let (first, time) = (start.date(), start.time());
        let skipped = match self.count {
            None => self.periods_before(first, from),
            Some(_) => 0,
        };
        let mut last_year = match self.period(first, skipped) {
            Some(days) if skipped > 0 => days.first().map_or(first.year(), |d| d.year()),
            _ => first.year(),
        };
        for period in skipped.. {
            let Some(days) = self.period(first, period) else {
                return;
            };
            if days
                .first()
                .is_some_and(|d| d.year() > last_year + HORIZON_YEARS)
            {
                return;
            }
            for day in self.select(first, days) {
                let at = day.and_time(time);
                if at > start {
                    if !emit(at) {
                        return;
                    }
                    last_year = day.year();
                }
            }
        }
    }

    /// How many whole periods from the one `first` is in all end before `from` (one fewer, to
    /// be safe at the edges of weeks and months).
    fn periods_before(&self, first: NaiveDate, from: NaiveDate) -> u32 {
        if from <= first {
            return 0;
        }
        let units = match self.freq {
            Freq::Daily => (from - first).num_days(),
            Freq::Weekly => (from - first).num_days() / 7,
            Freq::Monthly => {
                i64::from(from.year() - first.year()) * 12 + i64::from(from.month())
                    - i64::from(first.month())
            }
            Freq::Yearly => i64::from(from.year() - first.year()),
        };
        let periods = units / i64::from(self.interval.max(1)) - 1;
        u32::try_from(periods.max(0)).unwrap_or(u32::MAX)
    }

    /// Every day of the `n`th period (day, week, month or year) after the one `first` is in;
    /// `None` past the calendar's range.
    fn period(&self, first: NaiveDate, n: u32) -> Option<Vec<NaiveDate>> {
        let step = n.checked_mul(self.interval)?;
        let days = |from: NaiveDate, count: i64| -> Vec<NaiveDate> {
            (0..count)
                .map_while(|i| from.checked_add_signed(Duration::days(i)))
                .collect()
        };
        Some(match self.freq {
            Freq::Daily => vec![first.checked_add_signed(Duration::days(step.into()))?],
            Freq::Weekly => {
                let back = (7 + first.weekday().num_days_from_monday()
                    - self.week_start.num_days_from_monday())
                    % 7;
                let week = first.checked_sub_signed(Duration::days(back.into()))?;
                days(week.checked_add_signed(Duration::weeks(step.into()))?, 7)
            }
            Freq::Monthly => {
                let month = first.with_day(1)?.checked_add_months(Months::new(step))?;
                days(month, days_in_month(month).into())
            }
            Freq::Yearly => {
                let year = NaiveDate::from_ymd_opt(first.year().checked_add(step as i32)?, 1, 1)?;
                days(year, if year.leap_year() { 366 } else { 365 })
            }
        })
    }

    /// The days of one period that the rule's BY parts pick, in order.
    fn select(&self, first: NaiveDate, days: Vec<NaiveDate>) -> Vec<NaiveDate> {
        let by_month =
            |d: &NaiveDate| self.by_month.is_empty() || self.by_month.contains(&d.month());
        let by_month_day = |d: &NaiveDate| {
            self.by_month_day.is_empty()
                || self.by_month_day.iter().any(|&n| {
                    let last = days_in_month(*d) as i32;
                    n == d.day() as i32 || (n < 0 && last + 1 + n == d.day() as i32)
                })
        };
        // Ordinals count within the month, except in a yearly rule without BYMONTH.
        let within_year = self.freq == Freq::Yearly && self.by_month.is_empty();
        let by_day = |d: &NaiveDate| {
            self.by_day.is_empty()
                || self.by_day.iter().any(|&(n, wd)| {
                    if d.weekday() != wd {
                        return false;
                    }
                    if n == 0 || matches!(self.freq, Freq::Daily | Freq::Weekly) {
                        return true;
                    }
                    let (nth, from_end) = if within_year {
                        let len = if d.leap_year() { 366 } else { 365 };
                        let ord = d.ordinal0() as i32;
                        (ord / 7 + 1, (len - 1 - ord) / 7 + 1)
                    } else {
                        let day0 = d.day0() as i32;
                        (day0 / 7 + 1, (days_in_month(*d) as i32 - 1 - day0) / 7 + 1)
                    };
                    n == nth || n == -from_end
                })
        };
        // With no BY part to say which days, the rule repeats the first occurrence's day.
        let default = |d: &NaiveDate| match self.freq {
            Freq::Daily => true,
            Freq::Weekly => !self.by_day.is_empty() || d.weekday() == first.weekday(),
            Freq::Monthly => {
                !(self.by_day.is_empty() && self.by_month_day.is_empty()) || d.day() == first.day()
            }
            Freq::Yearly => {
                if !(self.by_day.is_empty() && self.by_month_day.is_empty()) {
                    true
                } else if !self.by_month.is_empty() {
                    d.day() == first.day()
                } else {
                    d.month() == first.month() && d.day() == first.day()
                }
            }
        };
        let picked: Vec<NaiveDate> = days
            .into_iter()
            .filter(|d| by_month(d) && by_month_day(d) && by_day(d) && default(d))
            .collect();
        if self.by_set_pos.is_empty() {
            return picked;
        }
        let len = picked.len() as i32;
        let mut chosen: Vec<NaiveDate> = self
            .by_set_pos
            .iter()
            .filter_map(|&p| {
                let i = if p > 0 { p - 1 } else { len + p };
                (0..len).contains(&i).then(|| picked[i as usize])
            })
            .collect();
        chosen.sort();
        chosen.dedup();
        chosen
    }
}

/// Kept in kv as its `RRULE` text, with `UNTIL` in the event's wall-clock time.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let until = self.until.map(|u| u.format("%Y%m%dT%H%M%S").to_string());
        f.write_str(&self.format(until))
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let text = String::deserialize(d)?;
        Rule::parse(&text, |until| match until {
            Until::Utc(t) | Until::Local(t) => t,
            Until::Date(d) => end_of(d),
        })
        .map(|(rule, _)| rule)
        .map_err(serde::de::Error::custom)
    }
}

/// `at`, moved into [`YEARS`] if a zone's offset took it out (a UTC `UNTIL` at the very end
/// of 9999 is in 10000 east of Greenwich), so the rule is written and read back unchanged.
fn within_years(at: NaiveDateTime) -> NaiveDateTime {
    let first = NaiveDate::from_ymd_opt(*YEARS.start(), 1, 1).map(|d| d.and_time(NaiveTime::MIN));
    let last = NaiveDate::from_ymd_opt(*YEARS.end(), 12, 31).map(end_of);
    match (first, last) {
        (Some(first), Some(last)) => at.clamp(first, last),
        _ => at,
    }
}

/// The last second of a day: what a date-only `UNTIL` allows.
pub fn end_of(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default())
}

/// An `UNTIL` value; `None` when it is not a date or time of [`YEARS`], so that turning it into
/// an event's wall-clock time cannot overflow.
fn parse_until(v: &str) -> Option<Until> {
    if v.len() == 8 {
        return NaiveDate::parse_from_str(v, "%Y%m%d")
            .ok()
            .filter(|d| YEARS.contains(&d.year()))
            .map(Until::Date);
    }
    let (text, utc) = match v.strip_suffix('Z') {
        Some(t) => (t, true),
        None => (v, false),
    };
    let t = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .ok()
        .filter(|t| YEARS.contains(&t.year()))?;
    Some(if utc { Until::Utc(t) } else { Until::Local(t) })
}

fn parse_by_day(text: &str) -> Option<(i32, Weekday)> {
    let text = text.trim();
    let split = text.len().checked_sub(2)?;
    let (n, day) = text.split_at_checked(split)?;
    let n = match n {
        "" => 0,
        n => n
            .trim_start_matches('+')
            .parse()
            .ok()
            .filter(|n: &i32| *n != 0)?,
    };
    Some((n, weekday(day)?))
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

pub fn day_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// A comma list of non-zero numbers within ±`max`.
fn numbers(v: &str, min: u32, max: u32) -> Option<Vec<i32>> {
    v.split(',')
        .map(|n| {
            let n: i32 = n.trim().trim_start_matches('+').parse().ok()?;
            (min..=max).contains(&n.unsigned_abs()).then_some(n)
        })
        .collect()
}

fn days_in_month(d: NaiveDate) -> u32 {
    let first = d.with_day(1).unwrap_or(d);
    let next = first
        .checked_add_months(Months::new(1))
        .unwrap_or(first + Duration::days(31));
    (next - first).num_days() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn rule(text: &str) -> Rule {
        Rule::parse(text, |u| match u {
            Until::Utc(t) | Until::Local(t) => t,
            Until::Date(d) => end_of(d),
        })
        .unwrap()
        .0
    }

    /// The first `n` occurrences, as `YYYY-MM-DD HH:MM`.
    fn first(text: &str, start: &str, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        rule(text).expand(at(start), |t| {
            out.push(t.format("%Y-%m-%d %H:%M").to_string());
            out.len() < n
        });
        out
    }

    #[test]
    fn daily_with_interval_and_until() {
        assert_eq!(
            first(
                "FREQ=DAILY;INTERVAL=2;UNTIL=20261129T235959Z",
                "2026-11-23 09:00",
                10
            ),
            [
                "2026-11-23 09:00",
                "2026-11-25 09:00",
                "2026-11-27 09:00",
                "2026-11-29 09:00"
            ]
        );
        assert_eq!(
            first("FREQ=DAILY;UNTIL=20261125", "2026-11-23 09:00", 10).len(),
            3,
            "a date UNTIL includes that day"
        );
    }

    #[test]
    fn weekly_by_day_with_count() {
        // Starts on a Monday; Mondays and Wednesdays, six in all.
        assert_eq!(
            first("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", "2026-11-23 10:00", 99),
            [
                "2026-11-23 10:00",
                "2026-11-25 10:00",
                "2026-11-30 10:00",
                "2026-12-02 10:00",
                "2026-12-07 10:00",
                "2026-12-09 10:00"
            ]
        );
        // Every other week on the start's weekday.
        assert_eq!(
            first("FREQ=WEEKLY;INTERVAL=2", "2026-11-26 18:30", 3),
            ["2026-11-26 18:30", "2026-12-10 18:30", "2026-12-24 18:30"]
        );
        // A start that the rule does not match still counts as the first occurrence.
        assert_eq!(
            first("FREQ=WEEKLY;BYDAY=FR;COUNT=3", "2026-11-24 08:00", 9),
            ["2026-11-24 08:00", "2026-11-27 08:00", "2026-12-04 08:00"]
        );
    }

    #[test]
    fn monthly_by_month_day_and_by_weekday_ordinal() {
        assert_eq!(
            first("FREQ=MONTHLY", "2026-01-31 12:00", 3),
            ["2026-01-31 12:00", "2026-03-31 12:00", "2026-05-31 12:00"],
            "months without the 31st are skipped"
        );
        assert_eq!(
            first("FREQ=MONTHLY;BYDAY=2TU", "2026-11-10 19:00", 3),
            ["2026-11-10 19:00", "2026-12-08 19:00", "2027-01-12 19:00"]
        );
        assert_eq!(
            first("FREQ=MONTHLY;BYDAY=-1FR", "2026-11-27 17:00", 3),
            ["2026-11-27 17:00", "2026-12-25 17:00", "2027-01-29 17:00"]
        );
        assert_eq!(
            first("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-11-30 09:00", 3),
            ["2026-11-30 09:00", "2026-12-31 09:00", "2027-01-31 09:00"]
        );
        // The last weekday of the month.
        assert_eq!(
            first(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                "2026-11-30 16:00",
                3
            ),
            ["2026-11-30 16:00", "2026-12-31 16:00", "2027-01-29 16:00"]
        );
    }

    #[test]
    fn yearly() {
        assert_eq!(
            first("FREQ=YEARLY", "2024-02-29 00:00", 3),
            ["2024-02-29 00:00", "2028-02-29 00:00", "2032-02-29 00:00"]
        );
        // US Thanksgiving: the fourth Thursday of November.
        assert_eq!(
            first("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "2026-11-26 15:00", 2),
            ["2026-11-26 15:00", "2027-11-25 15:00"]
        );
        // The last Sunday of March, as VTIMEZONE blocks write it.
        assert_eq!(
            first("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "1970-03-29 02:00", 2),
            ["1970-03-29 02:00", "1971-03-28 02:00"]
        );
    }

    #[test]
    fn a_rule_that_never_matches_ends() {
        assert_eq!(
            first("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-01-01 10:00", 5),
            ["2026-01-01 10:00"]
        );
    }

    #[test]
    fn parses_writes_and_reports_what_it_ignores() {
        let text = "FREQ=WEEKLY;INTERVAL=2;COUNT=5;BYDAY=MO,-1FR;WKST=SU";
        assert_eq!(rule(text).format(None), text);
        let (r, ignored) = Rule::parse(
            "FREQ=DAILY;BYHOUR=9,17;UNTIL=20261201T100000Z",
            |u| match u {
                Until::Utc(t) => t + Duration::hours(3),
                _ => panic!("a UTC until"),
            },
        )
        .unwrap();
        assert_eq!(ignored, ["BYHOUR"]);
        assert_eq!(r.until, Some(at("2026-12-01 13:00")));
        assert_eq!(r.to_string(), "FREQ=DAILY;UNTIL=20261201T130000");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), r);
        assert!(Rule::parse("FREQ=HOURLY", |_| at("2026-01-01 00:00")).is_err());
        assert!(Rule::parse("COUNT=3", |_| at("2026-01-01 00:00")).is_err());
    }
}
