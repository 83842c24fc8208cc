//! Typed slot values, parsed once in the host for every skill: numbers, dates, times and
//! durations in Turkish and English, handed to skills as JSON (`YYYY-MM-DD`, `HH:MM`, seconds).
//!
//! Parsers take folded tokens (lowercase, Turkish letters folded, apostrophe suffixes dropped)
//! and the user's local "now"; they accept the whole token list or nothing, so the template
//! matcher can try every split.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

use super::normalise::Token;
use crate::runtime::SlotKind;

/// Parses `tokens` as a value of `kind`, or `None` when they are not one.
pub fn parse(kind: SlotKind, tokens: &[Token], now: NaiveDateTime) -> Option<serde_json::Value> {
    if tokens.is_empty() {
        return None;
    }
    let words: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
    let text = || {
        tokens
            .iter()
            .map(|t| t.original.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    match kind {
        SlotKind::Text => Some(text().into()),
        SlotKind::Place => (tokens.len() <= 4
            && !words
                .iter()
                .any(|w| is_date_or_time_word(w) || NOT_PLACES.contains(w)))
        .then(|| text().into()),
        SlotKind::Number => number(&words)
            .and_then(serde_json::Number::from_f64)
            .map(Into::into),
        SlotKind::Date => date(&words, now.date()).map(|d| d.format("%Y-%m-%d").to_string().into()),
        SlotKind::Time => time(&words, now).map(|t| t.format("%H:%M").to_string().into()),
        SlotKind::Duration => duration(&words).map(|d| d.num_seconds().into()),
    }
}

/// Words of politeness and time that never belong to a place's name ("weather in Tokyo
/// please").
const NOT_PLACES: &[&str] = &[
    "please",
    "lutfen",
    "acaba",
    "now",
    "simdi",
    "thanks",
    "outside",
    "disarida",
    "disarisi",
    "hafta",
    "haftasonu",
    "week",
    "weekend",
    "bu",
];

/// Words that belong to dates and times, so a place slot does not swallow them.
pub fn is_date_or_time_word(word: &str) -> bool {
    weekday(word).is_some()
        || month(word).is_some()
        || matches!(
            word,
            "bugun"
                | "bugunku"
                | "yarin"
                | "yarinki"
                | "yarina"
                | "todays"
                | "tomorrows"
                | "dun"
                | "haftaya"
                | "saat"
                | "sabah"
                | "aksam"
                | "gece"
                | "today"
                | "tomorrow"
                | "yesterday"
                | "tonight"
                | "morning"
                | "evening"
                | "at"
                | "on"
                | "in"
                | "next"
                | "sonra"
                | "ogleden"
                | "aksamustu"
                | "onumuzdeki"
                | "gunlerde"
                | "this"
                | "afternoon"
        )
}

/// A number: digits (`3`, `2,5`, `14.5`) or number words (`on iki`, `twenty five`).
pub fn number(words: &[&str]) -> Option<f64> {
    if let [w] = words
        && let Ok(n) = w.replace(',', ".").parse::<f64>()
    {
        return Some(n);
    }
    let mut total = 0.0;
    for w in words {
        total += number_word(w)?;
    }
    Some(total)
}

fn number_word(word: &str) -> Option<f64> {
    Some(match word {
        "bir" | "one" | "a" | "an" => 1.0,
        "iki" | "two" => 2.0,
        "uc" | "three" => 3.0,
        "dort" | "four" => 4.0,
        "bes" | "five" => 5.0,
        "alti" | "six" => 6.0,
        "yedi" | "seven" => 7.0,
        "sekiz" | "eight" => 8.0,
        "dokuz" | "nine" => 9.0,
        "on" | "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" => 12.0,
        "fifteen" => 15.0,
        "yirmi" | "twenty" => 20.0,
        "otuz" | "thirty" => 30.0,
        "kirk" | "forty" => 40.0,
        "elli" | "fifty" => 50.0,
        "yarim" | "half" => 0.5,
        _ => return None,
    })
}

/// Turkish hour words with a case ending: "beşe" (to five), "üçte" (at three), "ona" (to ten).
fn hour_word(word: &str) -> Option<u32> {
    let stems: [(&str, u32); 10] = [
        ("bir", 1),
        ("iki", 2),
        ("uc", 3),
        ("dort", 4),
        ("dord", 4),
        ("bes", 5),
        ("alti", 6),
        ("yedi", 7),
        ("sekiz", 8),
        ("dokuz", 9),
    ];
    // Bare, dative, locative, and the accusative of "beşi çeyrek geçe".
    const ENDINGS: &[&str] = &[
        "", "e", "a", "ye", "ya", "de", "da", "te", "ta", "i", "yi", "u", "yu",
    ];
    for (stem, n) in stems {
        if let Some(rest) = word.strip_prefix(stem)
            && ENDINGS.contains(&rest)
        {
            return Some(n);
        }
    }
    match word {
        "on" | "ona" | "onda" => Some(10),
        "one" => Some(1),
        "two" => Some(2),
        "three" => Some(3),
        "four" => Some(4),
        "five" => Some(5),
        "six" => Some(6),
        "seven" => Some(7),
        "eight" => Some(8),
        "nine" => Some(9),
        "ten" => Some(10),
        "eleven" => Some(11),
        "twelve" => Some(12),
        _ => None,
    }
}

fn weekday(word: &str) -> Option<Weekday> {
    // A Turkish case ending glued on without an apostrophe ("cumaya", "pazartesiye").
    if let Some(day) = ["ya", "ye", "a", "e", "da", "de", "ki"]
        .iter()
        .filter_map(|suffix| word.strip_suffix(suffix))
        .find_map(weekday_name)
    {
        return Some(day);
    }
    weekday_name(word)
}

fn weekday_name(word: &str) -> Option<Weekday> {
    Some(match word {
        "pazartesi" | "monday" => Weekday::Mon,
        "sali" | "tuesday" => Weekday::Tue,
        "carsamba" | "wednesday" => Weekday::Wed,
        "persembe" | "thursday" => Weekday::Thu,
        "cuma" | "friday" => Weekday::Fri,
        "cumartesi" | "saturday" => Weekday::Sat,
        "pazar" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn month(word: &str) -> Option<u32> {
    const MONTHS: [(&str, &str, &str); 12] = [
        ("ocak", "january", "jan"),
        ("subat", "february", "feb"),
        ("mart", "march", "mar"),
        ("nisan", "april", "apr"),
        ("mayis", "may", "may"),
        ("haziran", "june", "jun"),
        ("temmuz", "july", "jul"),
        ("agustos", "august", "aug"),
        ("eylul", "september", "sep"),
        ("ekim", "october", "oct"),
        ("kasim", "november", "nov"),
        ("aralik", "december", "dec"),
    ];
    MONTHS
        .iter()
        .position(|(tr, en, short)| word == *tr || word == *en || word == *short)
        .map(|i| i as u32 + 1)
}

/// The words of dates that a misspelt word may be corrected to ("tomorow", "wensday"), folded.
pub const SPELLED_DATE_WORDS: &[&str] = &[
    "tomorrow",
    "yesterday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "pazartesi",
    "carsamba",
    "persembe",
    "cumartesi",
    "january",
    "february",
    "august",
    "september",
    "october",
    "november",
    "december",
    "haziran",
    "temmuz",
    "agustos",
    "yarindan",
];

/// Drops filler words that may stand around a date ("on friday", "bu cuma", "cuma günü").
fn strip_date_fillers<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    let mut words = words;
    while let [first, rest @ ..] = words
        && matches!(*first, "on" | "this" | "the" | "bu" | "for")
        && !rest.is_empty()
    {
        words = rest;
    }
    while let [rest @ .., last] = words
        && matches!(*last, "gunu" | "gun" | "gunku")
        && !rest.is_empty()
    {
        words = rest;
    }
    words
}

/// A date relative to `today`: bugün, yarın, öbür gün, pazartesi, haftaya salı, 23 kasım;
/// today, tomorrow, next monday, november 23, 2026-11-23, in 3 days.
pub fn date(words: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    let words = strip_date_fillers(words);
    let days = |n: i64| Some(today + Duration::days(n));
    match words {
        ["bugun"] | ["bugunku"] | ["bugune"] | ["today"] | ["todays"] => return days(0),
        ["yarin"] | ["yarinki"] | ["yarina"] | ["tomorrow"] | ["tomorrows"] => return days(1),
        ["dun"] | ["yesterday"] => return days(-1),
        ["obur"]
        | ["obur", "gun"]
        | ["oburgun"]
        | ["yarindan", "sonra"]
        | ["ertesi", "gun"]
        | ["day", "after", "tomorrow"] => {
            return days(2);
        }
        ["haftaya"] | ["next", "week"] | ["gelecek" | "onumuzdeki", "hafta"] => return days(7),
        [n, "gun", "sonra"] | ["in", n, "days"] | ["in", n, "day"] => {
            return days(number(&[n])? as i64);
        }
        [w] if weekday(w).is_some() => {
            let target = weekday(w)?;
            let ahead = (7 + target.num_days_from_monday() as i64
                - today.weekday().num_days_from_monday() as i64)
                % 7;
            return days(ahead);
        }
        ["haftaya" | "next" | "gelecek" | "onumuzdeki", w] if weekday(w).is_some() => {
            let monday_next_week =
                today + Duration::days(7 - today.weekday().num_days_from_monday() as i64);
            return Some(
                monday_next_week + Duration::days(weekday(w)?.num_days_from_monday() as i64),
            );
        }
        // 2026-11-23, split into three tokens at the dashes.
        [y, m, d]
            if y.len() == 4
                && [y, m, d]
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        }
        _ => {}
    }
    // "the 15th", "on the 3rd", "ayın 15'i", "ayın 15inde": a day of this month, or of the next
    // once it has passed.
    let day_of_month = match words {
        [d] if ordinal(d) => day_number(d),
        ["ayin", d] => day_number(d),
        _ => None,
    };
    if let Some(day) = day_of_month.filter(|d| (1..=31).contains(d)) {
        // This month and the next two at most: a 31st may be missing from one of them.
        let (mut year, mut month) = (today.year(), today.month());
        for _ in 0..3 {
            if let Some(date) = NaiveDate::from_ymd_opt(year, month, day)
                && date >= today
            {
                return Some(date);
            }
            (year, month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
        }
        return None;
    }
    // "23 kasım", "23 kasım 2027", "november 23", "nov 23 2027", "23rd of november"
    let words: Vec<&str> = words.iter().copied().filter(|w| *w != "of").collect();
    let (day, month_no, year) = match words.as_slice() {
        [d, m] if month(m).is_some() => (d, month(m)?, None),
        [m, d] if month(m).is_some() => (d, month(m)?, None),
        [d, m, y] if month(m).is_some() => (d, month(m)?, Some(y)),
        [m, d, y] if month(m).is_some() => (d, month(m)?, Some(y)),
        _ => return None,
    };
    let day = day_number(day)?;
    match year {
        Some(y) => NaiveDate::from_ymd_opt(y.parse().ok()?, month_no, day),
        None => {
            let this_year = NaiveDate::from_ymd_opt(today.year(), month_no, day)?;
            if this_year < today {
                NaiveDate::from_ymd_opt(today.year() + 1, month_no, day)
            } else {
                Some(this_year)
            }
        }
    }
}

/// Whether a word is an English ordinal: `15th`, `1st`, `22nd`, `3rd`.
fn ordinal(word: &str) -> bool {
    ["st", "nd", "rd", "th"].iter().any(|ending| {
        word.strip_suffix(ending)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// A day's number with any letters after it: `15`, `23rd`, `15inde` → 15, 23, 15.
fn day_number(word: &str) -> Option<u32> {
    word.trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()
}

/// A time of day: saat 3'te, beşe, akşam 7'de, 14:30, 10 dakika sonra; at 3pm, 7:30 am, noon,
/// in 10 minutes. A bare hour from 1 to 6 means the afternoon.
pub fn time(words: &[&str], now: NaiveDateTime) -> Option<NaiveTime> {
    // Relative: "10 dakika sonra", "10 dakika içinde", "in 2 hours", "yarım saat sonra", "in
    // half an hour", and the unit in the dative: "yarım saate", "10 dakikaya" (in 10 minutes).
    let relative = match words {
        [rest @ .., "sonra" | "icinde"] => duration(rest),
        ["in", rest @ ..] => duration(rest),
        // The unit in the dative, read as the unit.
        [rest @ .., last] => match *last {
            "saniyeye" => Some("saniye"),
            "dakikaya" => Some("dakika"),
            "saate" => Some("saat"),
            _ => None,
        }
        .and_then(|unit| duration(&[rest, &[unit]].concat())),
        _ => None,
    };
    if let Some(d) = relative {
        let at = now + d;
        return NaiveTime::from_hms_opt(at.hour(), at.minute(), 0);
    }

    let mut words: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "saat" | "at" | "around" | "civari"))
        .collect();
    if words.is_empty() {
        return None;
    }
    // Part of the day, before or after the hour.
    let mut part = None;
    for (i, w) in words.clone().iter().enumerate() {
        let p = match *w {
            "sabah" | "sabaha" | "morning" | "am" => Some(Part::Morning),
            "ogleden" | "oglenden" | "afternoon" | "pm" => Some(Part::Afternoon),
            "aksam" | "aksama" | "aksamustu" | "evening" | "tonight" => Some(Part::Evening),
            // "çeyrek geçe" (a quarter past) folds to "ceyrek gece", not the night.
            "gece" if i > 0 && words[i - 1] == "ceyrek" => None,
            "gece" | "geceye" | "night" => Some(Part::Night),
            _ => None,
        };
        if p.is_some() {
            part = p;
            words[i] = "";
        } else if let Some(meridiem) = glued_meridiem(w) {
            // "6am", "6:30pm": the hour says its half of the day itself.
            part = Some(meridiem);
        }
    }
    words.retain(|w| {
        !w.is_empty()
            && !matches!(
                *w,
                "sonra" | "sonraya" | "the" | "in" | "of" | "this" | "dogru" | "bu"
            )
    });
    // A part of the day alone is its usual hour ("akşama doğru" → 19:00), as phone assistants
    // read it.
    if words.is_empty() {
        let hour = match part? {
            Part::Morning => 9,
            Part::Afternoon => 15,
            Part::Evening => 19,
            Part::Night => 21,
        };
        return NaiveTime::from_hms_opt(hour, 0, 0);
    }
    match words.as_slice() {
        ["noon"] | ["ogle"] | ["oglen"] | ["ogleyin"] => return NaiveTime::from_hms_opt(12, 0, 0),
        ["midnight"] | ["gece", "yarisi"] => return NaiveTime::from_hms_opt(0, 0, 0),
        _ => {}
    }
    let before = |(h, _): (u32, u32)| ((h + 23) % 24, 45);
    let (hour, minute) = match words.as_slice() {
        [w] => hour_minute(w)?,
        // "beşi çeyrek geçe", "beşe çeyrek var"; "quarter past five", "half past 5",
        // "quarter to six".
        [w, "ceyrek", "gece"] => (hour_minute(w)?.0, 15),
        [w, "ceyrek", "var"] => before(hour_minute(w)?),
        ["a" | "quarter", .., "past", w] if words.contains(&"quarter") => (hour_minute(w)?.0, 15),
        ["half", "past", w] => (hour_minute(w)?.0, 30),
        ["a" | "quarter", .., "to", w] if words.contains(&"quarter") => before(hour_minute(w)?),
        [w, b] if b.starts_with("bucu") => (hour_minute(w)?.0, 30),
        [h, m] => (hour_minute(h)?.0, m.parse().ok().filter(|m| *m < 60)?),
        _ => return None,
    };
    let hour = match part {
        Some(Part::Morning) => hour % 12,
        Some(Part::Afternoon | Part::Evening) if hour < 12 => hour + 12,
        Some(Part::Night) if (6..12).contains(&hour) => hour + 12,
        None if (1..=6).contains(&hour) => hour + 12,
        _ => hour,
    };
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// The half of the day glued to an hour: `6am` → morning, `6:30pm` → afternoon.
fn glued_meridiem(word: &str) -> Option<Part> {
    let (rest, part) = match (word.strip_suffix("am"), word.strip_suffix("pm")) {
        (Some(rest), _) => (rest, Part::Morning),
        (_, Some(rest)) => (rest, Part::Afternoon),
        _ => return None,
    };
    rest.ends_with(|c: char| c.is_ascii_digit()).then_some(part)
}

enum Part {
    Morning,
    Afternoon,
    Evening,
    Night,
}

/// `14:30`, `14.30`, `3`, `3pm`, `7de`, `beşe` → (hour, minute), hour as written (0-23).
fn hour_minute(word: &str) -> Option<(u32, u32)> {
    if let Some(h) = hour_word(word) {
        return Some((h, 0));
    }
    let (word, pm) = match (word.strip_suffix("pm"), word.strip_suffix("am")) {
        (Some(w), _) => (w, Some(true)),
        (_, Some(w)) => (w, Some(false)),
        _ => (word, None),
    };
    // Digits with a Turkish case ending written without an apostrophe: "3te", "7de", "10da",
    // "3teki".
    let digits_end = word
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(word.len());
    let (clock, ending) = word.split_at(digits_end);
    if clock.is_empty()
        || !(ending.is_empty()
            || ending.chars().all(|c| c.is_ascii_alphabetic())
                && (ending.len() <= 3 || matches!(ending, "teki" | "taki" | "deki" | "daki")))
    {
        return None;
    }
    let (h, m) = match clock.split_once([':', '.']) {
        Some((h, m)) => (h.parse().ok()?, m.parse().ok()?),
        None => (clock.parse().ok()?, 0),
    };
    if h > 23 || m > 59 {
        return None;
    }
    let h = match pm {
        Some(true) if h < 12 => h + 12,
        Some(false) if h == 12 => 0,
        _ => h,
    };
    Some((h, m))
}

/// A length of time: 10 dakika, 2 saat 30 dakika, yarım saat, bir buçuk saat; 10 minutes,
/// an hour, half an hour, 1.5 hours, 5 and a half minutes, an hour and a half.
pub fn duration(words: &[&str]) -> Option<Duration> {
    let words: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "ve" | "and" | "for"))
        .collect();
    match words.as_slice() {
        ["half", "an", "hour"] | ["yarim", "saat"] => return Some(Duration::minutes(30)),
        [] => return None,
        _ => {}
    }
    let mut total = 0.0;
    let mut amount: Option<f64> = None;
    let mut last_unit: Option<f64> = None;
    let mut rest = words.iter();
    while let Some(w) = rest.next() {
        // "buçuk", or "(and) a half": half of one more, before the unit ("5 and a half
        // minutes", "beş buçuk dakika") or after it ("an hour and a half").
        let half = *w == "bucuk" || (*w == "a" && rest.as_slice().first() == Some(&"half"));
        if half {
            if *w == "a" {
                rest.next();
            }
            match (amount, last_unit) {
                (Some(a), _) => amount = Some(a + 0.5),
                (None, Some(unit)) => total += 0.5 * unit,
                (None, None) => return None,
            }
        } else if let Some(unit) = unit_seconds(w) {
            total += amount.take()? * unit;
            last_unit = Some(unit);
        } else {
            let n = number(&[w])?;
            // "yirmi beş" adds up; "1 saat" starts a new amount after a unit.
            amount = Some(amount.unwrap_or(0.0) + n);
        }
    }
    if amount.is_some() || total <= 0.0 {
        return None;
    }
    Some(Duration::seconds(total.round() as i64))
}

fn unit_seconds(word: &str) -> Option<f64> {
    Some(match word {
        "saniye" | "saniyelik" | "sn" | "second" | "seconds" | "sec" | "secs" => 1.0,
        "dakika" | "dakikalik" | "dk" | "minute" | "minutes" | "min" | "mins" => 60.0,
        "saat" | "saatlik" | "hour" | "hours" | "hr" | "hrs" => 3600.0,
        "gun" | "gunluk" | "day" | "days" => 86400.0,
        "hafta" | "haftalik" | "week" | "weeks" => 604800.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brain::normalise::tokenize;

    /// Monday 23 November 2026, 10:15.
    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 15, 0)
            .unwrap()
    }

    fn p(kind: SlotKind, text: &str) -> Option<serde_json::Value> {
        parse(kind, &tokenize(text), now())
    }

    fn d(text: &str) -> String {
        p(SlotKind::Date, text)
            .unwrap_or_else(|| panic!("no date in {text:?}"))
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn t(text: &str) -> String {
        p(SlotKind::Time, text)
            .unwrap_or_else(|| panic!("no time in {text:?}"))
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn turkish_dates() {
        assert_eq!(d("bugün"), "2026-11-23");
        assert_eq!(d("the 25th"), "2026-11-25");
        assert_eq!(d("on the 3rd"), "2026-12-03");
        assert_eq!(d("23rd"), "2026-11-23");
        assert_eq!(d("ayın 15'i"), "2026-12-15");
        assert_eq!(d("ayın 28inde"), "2026-11-28");
        assert_eq!(d("the 31st"), "2026-12-31");
        assert_eq!(d("3rd of december"), "2026-12-03");
        assert!(p(SlotKind::Date, "the 32nd").is_none());
        assert!(p(SlotKind::Date, "the 0th").is_none());
        assert!(p(SlotKind::Date, "ayın 99u").is_none());
        assert_eq!(d("yarın"), "2026-11-24");
        assert_eq!(d("yarin"), "2026-11-24");
        assert_eq!(d("öbür gün"), "2026-11-25");
        assert_eq!(d("pazartesi"), "2026-11-23");
        assert_eq!(d("cuma"), "2026-11-27");
        assert_eq!(d("cuma günü"), "2026-11-27");
        assert_eq!(d("haftaya salı"), "2026-12-01");
        assert_eq!(d("3 gün sonra"), "2026-11-26");
        assert_eq!(d("23 Kasım"), "2026-11-23");
        assert_eq!(d("1 ocak"), "2027-01-01");
        assert_eq!(d("5 Mart 2027"), "2027-03-05");
    }

    #[test]
    fn english_dates() {
        assert_eq!(d("today"), "2026-11-23");
        assert_eq!(d("tomorrow"), "2026-11-24");
        assert_eq!(d("the day after tomorrow"), "2026-11-25");
        assert_eq!(d("next monday"), "2026-11-30");
        assert_eq!(d("on friday"), "2026-11-27");
        assert_eq!(d("this friday"), "2026-11-27");
        assert_eq!(d("November 30"), "2026-11-30");
        assert_eq!(d("2027-02-01"), "2027-02-01");
        assert_eq!(d("in 2 days"), "2026-11-25");
        assert!(p(SlotKind::Date, "banana").is_none());
        assert!(p(SlotKind::Date, "31 şubat").is_none());
    }

    #[test]
    fn turkish_times() {
        assert_eq!(t("beşe"), "17:00");
        assert_eq!(t("saat 3'te"), "15:00");
        assert_eq!(t("saat 3te"), "15:00");
        assert_eq!(t("akşam 7'de"), "19:00");
        assert_eq!(t("sabah 8'de"), "08:00");
        assert_eq!(t("saat 9"), "09:00");
        assert_eq!(t("14:30"), "14:30");
        assert_eq!(t("saat 14.30"), "14:30");
        assert_eq!(t("üç buçukta"), "15:30");
        assert_eq!(t("10 dakika sonra"), "10:25");
        assert_eq!(t("yarım saat sonra"), "10:45");
        assert_eq!(t("öğlen"), "12:00");
        assert_eq!(t("gece 11'de"), "23:00");
        assert_eq!(t("10 dakika içinde"), "10:25");
        assert_eq!(t("yarım saate"), "10:45");
        assert_eq!(t("10 dakikaya"), "10:25");
        // A part of the day alone is its usual hour.
        assert_eq!(t("akşama doğru"), "19:00");
        assert_eq!(t("bu akşam"), "19:00");
        assert_eq!(t("öğleden sonra"), "15:00");
        assert_eq!(t("sabah"), "09:00");
    }

    #[test]
    fn english_times() {
        assert_eq!(t("at 3pm"), "15:00");
        assert_eq!(t("3 pm"), "15:00");
        assert_eq!(t("7:30 am"), "07:30");
        assert_eq!(t("at 6am"), "06:00");
        assert_eq!(t("6:30am"), "06:30");
        assert_eq!(t("5 am"), "05:00");
        assert_eq!(t("at 6pm"), "18:00");
        assert_eq!(t("12am"), "00:00");
        assert_eq!(t("at 5"), "17:00");
        assert_eq!(t("noon"), "12:00");
        assert_eq!(t("in 10 minutes"), "10:25");
        assert_eq!(t("in an hour"), "11:15");
        assert_eq!(t("at 8 in the evening"), "20:00");
        assert_eq!(t("in the afternoon"), "15:00");
        assert_eq!(t("tonight"), "19:00");
        assert_eq!(t("saat beşi çeyrek geçe"), "17:15");
        assert_eq!(t("saat 3teki"), "15:00");
        assert_eq!(t("sabah dokuza çeyrek var"), "08:45");
        assert_eq!(t("quarter past five"), "17:15");
        assert_eq!(t("at a quarter to 9 am"), "08:45");
        assert_eq!(t("half past 7 in the evening"), "19:30");
        assert!(p(SlotKind::Time, "at 25").is_none());
        assert!(p(SlotKind::Time, "call mom").is_none());
    }

    #[test]
    fn durations_and_numbers() {
        let s = |text| p(SlotKind::Duration, text).and_then(|v| v.as_i64());
        assert_eq!(s("10 dakika"), Some(600));
        assert_eq!(s("2 saat 30 dakika"), Some(9000));
        assert_eq!(s("yarım saat"), Some(1800));
        assert_eq!(s("bir buçuk saat"), Some(5400));
        assert_eq!(s("an hour"), Some(3600));
        assert_eq!(s("half an hour"), Some(1800));
        assert_eq!(s("1.5 hours"), Some(5400));
        assert_eq!(s("90 seconds"), Some(90));
        assert_eq!(s("5 and a half minutes"), Some(330));
        assert_eq!(s("an hour and a half"), Some(5400));
        assert_eq!(s("beş buçuk dakika"), Some(330));
        assert_eq!(s("10 dakikalık"), Some(600));
        assert_eq!(s("a week"), Some(604_800));
        assert_eq!(s("2 hafta"), Some(1_209_600));
        assert_eq!(s("10"), None);
        let n = |text| p(SlotKind::Number, text).and_then(|v| v.as_f64());
        assert_eq!(n("12"), Some(12.0));
        assert_eq!(n("2,5"), Some(2.5));
        assert_eq!(n("yirmi beş"), Some(25.0));
        assert_eq!(n("many"), None);
    }

    #[test]
    fn places_keep_their_letters_and_leave_dates_alone() {
        assert_eq!(p(SlotKind::Place, "İstanbul'da"), Some("İstanbul".into()));
        assert_eq!(p(SlotKind::Place, "New York"), Some("New York".into()));
        assert!(p(SlotKind::Place, "yarın").is_none());
    }
}
