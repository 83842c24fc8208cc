//! What a forecast says: which of its days a question is about, how likely rain is, and whether
//! to warn about it. Pure functions over an Open-Meteo [`Forecast`], so they are tested natively.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::open_meteo::{FORECAST_DAYS, Forecast, Hourly};

/// Below this precipitation probability (percent) rain is not expected at all.
pub const POSSIBLE_RAIN: f64 = 30.0;

/// The place's local date and time at `now_ms` (Open-Meteo's times are local with
/// `timezone=auto`, and the answer says how far ahead of UTC they are). An offset out of
/// chrono's range is ignored: `forecast` refuses such answers, this is for a cached one.
pub fn local_now(now_ms: i64, utc_offset_seconds: i64) -> NaiveDateTime {
    let utc = DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    Duration::try_seconds(utc_offset_seconds)
        .and_then(|offset| utc.checked_add_signed(offset))
        .unwrap_or(utc)
        .naive_utc()
}

/// The forecast's days as dates; a day that does not parse never matches a question.
pub fn dates(forecast: &Forecast) -> Vec<Option<NaiveDate>> {
    forecast
        .daily
        .time
        .iter()
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .collect()
}

/// The indexes of the days that answer a question: `days` days from `date` (or from today),
/// or that one day. `None` when the first day is not in the forecast.
pub fn choose_days(
    dates: &[Option<NaiveDate>],
    today: NaiveDate,
    date: Option<NaiveDate>,
    days: Option<u32>,
) -> Option<Vec<usize>> {
    let first = date.unwrap_or(today);
    let start = dates.iter().position(|d| *d == Some(first))?;
    let count = days.unwrap_or(1).clamp(1, FORECAST_DAYS) as usize;
    Some((start..dates.len().min(start + count)).collect())
}

/// How likely rain is, and how much.
#[derive(Debug, Clone, PartialEq)]
pub struct Chance {
    /// The highest precipitation probability, in percent.
    pub probability: Option<f64>,
    /// Millimetres expected.
    pub precipitation: Option<f64>,
    /// The first hour whose probability reaches the threshold, when the hours are known.
    pub from_hour: Option<NaiveDateTime>,
}

/// What to answer to "will it rain?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The probability reaches the threshold.
    Likely,
    /// Below the threshold, but not below [`POSSIBLE_RAIN`].
    Possible,
    Unlikely,
}

impl Verdict {
    pub fn of(probability: Option<f64>, threshold: f64) -> Verdict {
        match probability.unwrap_or(0.0) {
            p if p >= threshold => Verdict::Likely,
            p if p >= POSSIBLE_RAIN => Verdict::Possible,
            _ => Verdict::Unlikely,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Likely => "likely",
            Verdict::Possible => "possible",
            Verdict::Unlikely => "unlikely",
        }
    }
}

/// The chance of rain on day `index`. For today it is read from the hours still to come, so
/// that a shower this morning does not answer "will it rain?" asked in the evening; for any
/// other day it is the day's own maximum and sum.
pub fn rain_chance(
    forecast: &Forecast,
    index: usize,
    now: NaiveDateTime,
    threshold: f64,
) -> Chance {
    let daily = &forecast.daily;
    let whole_day = Chance {
        probability: daily.precipitation_probability_max[index],
        precipitation: daily.precipitation_sum[index],
        from_hour: None,
    };
    if dates(forecast)[index] != Some(now.date()) {
        return whole_day;
    }
    let end = (now.date() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or(now);
    let hours = hours_between(&forecast.hourly, start_of_hour(now), end);
    if hours.is_empty() {
        return whole_day;
    }
    Chance {
        probability: hours.iter().filter_map(|h| h.probability).reduce(f64::max),
        precipitation: Some(hours.iter().filter_map(|h| h.precipitation).sum()),
        from_hour: hours
            .iter()
            .find(|h| h.probability.is_some_and(|p| p >= threshold))
            .map(|h| h.time),
    }
}

/// Rain worth a warning: the first hour within `hours` hours of `now` whose precipitation
/// probability reaches `threshold`, with that probability.
pub fn rain_alert(
    hourly: &Hourly,
    now: NaiveDateTime,
    hours: u32,
    threshold: f64,
) -> Option<(NaiveDateTime, f64)> {
    let end = now + Duration::hours(hours.into());
    hours_between(hourly, start_of_hour(now), end)
        .into_iter()
        .find_map(|h| {
            h.probability
                .filter(|p| *p >= threshold)
                .map(|p| (h.time, p))
        })
}

struct Hour {
    time: NaiveDateTime,
    probability: Option<f64>,
    precipitation: Option<f64>,
}

/// The forecast hours that start in `[from, to)`.
fn hours_between(hourly: &Hourly, from: NaiveDateTime, to: NaiveDateTime) -> Vec<Hour> {
    hourly
        .time
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let time = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").ok()?;
            (from <= time && time < to).then(|| Hour {
                time,
                probability: hourly.precipitation_probability.get(i).copied().flatten(),
                precipitation: hourly.precipitation.get(i).copied().flatten(),
            })
        })
        .collect()
}

fn start_of_hour(t: NaiveDateTime) -> NaiveDateTime {
    t.date().and_hms_opt(t.hour(), 0, 0).unwrap_or(t)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::open_meteo::{Current, Daily};

    pub(crate) fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() + Duration::days(n)
    }

    pub(crate) fn at(n: i64, hour: u32, minute: u32) -> NaiveDateTime {
        day(n).and_hms_opt(hour, minute, 0).unwrap()
    }

    /// Three days from 2026-11-23: a dry day with a shower at 08:00, a wet day, a dry day.
    pub(crate) fn forecast() -> Forecast {
        let mut hourly = Hourly {
            time: Vec::new(),
            precipitation_probability: Vec::new(),
            precipitation: Vec::new(),
        };
        for n in 0..3 {
            for h in 0..24 {
                hourly
                    .time
                    .push(at(n, h, 0).format("%Y-%m-%dT%H:%M").to_string());
                let p = match (n, h) {
                    (0, 8) => 90.0,
                    (0, 20) => 35.0,
                    (1, 3..=18) => 70.0,
                    _ => 5.0,
                };
                hourly.precipitation_probability.push(Some(p));
                hourly
                    .precipitation
                    .push(Some(if p >= 60.0 { 0.5 } else { 0.0 }));
            }
        }
        Forecast {
            utc_offset_seconds: 10800,
            current: Current {
                time: "2026-11-23T10:00".into(),
                temperature_2m: Some(14.0),
                relative_humidity_2m: None,
                apparent_temperature: None,
                precipitation: None,
                weather_code: Some(2.0),
                wind_speed_10m: None,
            },
            hourly,
            daily: Daily {
                time: (0..3).map(|n| day(n).to_string()).collect(),
                weather_code: vec![Some(80.0), Some(63.0), Some(1.0)],
                temperature_2m_max: vec![Some(16.0), Some(13.0), Some(15.0)],
                temperature_2m_min: vec![Some(9.0), Some(8.0), Some(7.0)],
                precipitation_probability_max: vec![Some(90.0), Some(70.0), Some(5.0)],
                precipitation_sum: vec![Some(0.5), Some(8.0), Some(0.0)],
            },
        }
    }

    #[test]
    fn local_time_comes_from_the_offset() {
        // 2026-11-23T21:30Z is 00:30 the next day in Istanbul.
        let ms = DateTime::parse_from_rfc3339("2026-11-23T21:30:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(local_now(ms, 10800), at(1, 0, 30));
        assert_eq!(local_now(ms, 0), at(0, 21, 30));
    }

    #[test]
    fn choosing_the_days() {
        let dates = dates(&forecast());
        let today = day(0);
        assert_eq!(choose_days(&dates, today, None, None), Some(vec![0]));
        assert_eq!(
            choose_days(&dates, today, Some(day(1)), None),
            Some(vec![1])
        );
        assert_eq!(choose_days(&dates, today, None, Some(2)), Some(vec![0, 1]));
        assert_eq!(
            choose_days(&dates, today, Some(day(1)), Some(5)),
            Some(vec![1, 2])
        );
        assert_eq!(choose_days(&dates, today, None, Some(0)), Some(vec![0]));
        assert_eq!(choose_days(&dates, today, Some(day(3)), None), None);
        assert_eq!(choose_days(&dates, today, Some(day(-1)), None), None);
        // After midnight a forecast fetched yesterday still answers for today.
        assert_eq!(choose_days(&dates, day(1), None, None), Some(vec![1]));
    }

    #[test]
    fn rain_today_counts_only_the_hours_to_come() {
        let f = forecast();
        let morning = rain_chance(&f, 0, at(0, 7, 15), 60.0);
        assert_eq!(morning.probability, Some(90.0));
        assert_eq!(morning.from_hour, Some(at(0, 8, 0)));
        assert_eq!(Verdict::of(morning.probability, 60.0), Verdict::Likely);
        // The 08:00 shower is over by noon; a 35% chance at 20:00 remains.
        let noon = rain_chance(&f, 0, at(0, 12, 0), 60.0);
        assert_eq!(noon.probability, Some(35.0));
        assert_eq!(noon.from_hour, None);
        assert_eq!(Verdict::of(noon.probability, 60.0), Verdict::Possible);
        let late = rain_chance(&f, 0, at(0, 21, 0), 60.0);
        assert_eq!(Verdict::of(late.probability, 60.0), Verdict::Unlikely);
    }

    #[test]
    fn rain_on_other_days_is_the_daily_maximum() {
        let f = forecast();
        let tomorrow = rain_chance(&f, 1, at(0, 12, 0), 60.0);
        assert_eq!(tomorrow.probability, Some(70.0));
        assert_eq!(tomorrow.precipitation, Some(8.0));
        assert_eq!(Verdict::of(tomorrow.probability, 60.0), Verdict::Likely);
        assert_eq!(Verdict::of(tomorrow.probability, 75.0), Verdict::Possible);
        let after = rain_chance(&f, 2, at(0, 12, 0), 60.0);
        assert_eq!(Verdict::of(after.probability, 60.0), Verdict::Unlikely);
        assert_eq!(Verdict::of(None, 60.0), Verdict::Unlikely);
    }

    #[test]
    fn the_alert_looks_only_within_its_window() {
        let f = forecast();
        // At 16:00 on day 0, the rain of day 1 starts at 03:00: 11 hours ahead.
        assert_eq!(
            rain_alert(&f.hourly, at(0, 16, 0), 12, 60.0),
            Some((at(1, 3, 0), 70.0))
        );
        assert_eq!(rain_alert(&f.hourly, at(0, 16, 0), 11, 60.0), None);
        // The hour under way counts: at 08:40 the 08:00 hour is still to come.
        assert_eq!(
            rain_alert(&f.hourly, at(0, 8, 40), 1, 60.0),
            Some((at(0, 8, 0), 90.0))
        );
        assert_eq!(rain_alert(&f.hourly, at(0, 9, 0), 12, 60.0), None);
        assert_eq!(
            rain_alert(&f.hourly, at(0, 9, 0), 12, 30.0),
            Some((at(0, 20, 0), 35.0))
        );
    }
}
