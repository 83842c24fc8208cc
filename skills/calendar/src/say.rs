//! How the calendar talks: dates, times and event lines in Turkish and English, and matching
//! what the user calls an event against its title.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

use crate::event::{Occurrence, Span};
use crate::zone::Zone;

pub fn weekday(day: Weekday, tr: bool) -> &'static str {
    bantz_sdk::words::weekday(day.num_days_from_monday(), tr)
}

/// "27 Kasım Cuma" / "Friday 27 November".
pub fn date(d: NaiveDate, tr: bool) -> String {
    let month = d.month0() as usize;
    if tr {
        format!(
            "{} {} {}",
            d.day(),
            bantz_sdk::words::month(month as u32, true),
            weekday(d.weekday(), true)
        )
    } else {
        format!(
            "{} {} {}",
            weekday(d.weekday(), false),
            d.day(),
            bantz_sdk::words::month(month as u32, false)
        )
    }
}

/// "bugün" / "today", "yarın" / "tomorrow", else the date.
pub fn day(d: NaiveDate, today: NaiveDate, tr: bool) -> String {
    match ((d - today).num_days(), tr) {
        (0, true) => "bugün".into(),
        (0, false) => "today".into(),
        (1, true) => "yarın".into(),
        (1, false) => "tomorrow".into(),
        (-1, true) => "dün".into(),
        (-1, false) => "yesterday".into(),
        _ => date(d, tr),
    }
}

/// "23–29 Kasım" / "23–29 November", across months "30 Kasım – 6 Aralık".
pub fn week(first: NaiveDate, last: NaiveDate, tr: bool) -> String {
    let month = |d: NaiveDate| bantz_sdk::words::month(d.month0(), tr);
    if first.month() == last.month() {
        format!("{}–{} {}", first.day(), last.day(), month(last))
    } else {
        format!(
            "{} {} – {} {}",
            first.day(),
            month(first),
            last.day(),
            month(last)
        )
    }
}

/// The last word of a clock time read aloud in Turkish: "15:00" is "on beş", "09:30" is
/// "dokuz otuz"; it decides the endings.
fn last_spoken(t: NaiveTime) -> &'static str {
    const ONES: [&str; 10] = [
        "sıfır", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz",
    ];
    const TENS: [&str; 6] = ["sıfır", "on", "yirmi", "otuz", "kırk", "elli"];
    let n = if t.minute() == 0 {
        t.hour()
    } else {
        t.minute()
    } as usize;
    match (n / 10, n % 10) {
        (0, ones) => ONES[ones],
        (tens, 0) => TENS[tens],
        (_, ones) => ONES[ones],
    }
}

/// The locative and dative endings after a word: "beş" → ('te, 'e), "altı" → ('da, 'ya).
fn endings(word: &str) -> (&'static str, &'static str) {
    match word {
        "bir" | "sekiz" => ("de", "e"),
        "iki" | "yedi" | "yirmi" | "elli" => ("de", "ye"),
        "üç" | "dört" | "beş" => ("te", "e"),
        "altı" => ("da", "ya"),
        "kırk" => ("ta", "a"),
        _ => ("da", "a"), // sıfır, dokuz, on, otuz
    }
}

/// "15:00'te", "09:30'da": at a time, in Turkish.
pub fn at(t: NaiveTime) -> String {
    format!("{}'{}", t.format("%H:%M"), endings(last_spoken(t)).0)
}

/// "16:00'ya", "15:00'e": to a time, in Turkish.
pub fn to(t: NaiveTime) -> String {
    format!("{}'{}", t.format("%H:%M"), endings(last_spoken(t)).1)
}

/// "bugüne", "yarına", "27 Kasım Cuma gününe": to a day, in Turkish.
pub fn to_day(d: NaiveDate, today: NaiveDate) -> String {
    match (d - today).num_days() {
        0 => "bugüne".into(),
        1 => "yarına".into(),
        _ => format!("{} gününe", date(d, true)),
    }
}

/// "1 saat 30 dakika" / "1 hour 30 minutes"; whole days as days.
pub fn length(seconds: i64, tr: bool) -> String {
    let (days, hours, minutes) = (seconds / 86400, seconds % 86400 / 3600, seconds % 3600 / 60);
    let unit = |n: i64, tr_word: &str, en_word: &str| match (tr, n) {
        (true, _) => format!("{n} {tr_word}"),
        (false, 1) => format!("1 {en_word}"),
        (false, _) => format!("{n} {en_word}s"),
    };
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(unit(days, "gün", "day"));
    }
    if hours > 0 {
        parts.push(unit(hours, "saat", "hour"));
    }
    if minutes > 0 || parts.is_empty() {
        parts.push(unit(minutes.max(1), "dakika", "minute"));
    }
    parts.join(" ")
}

pub fn hm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

/// When an occurrence happens, in the user's zone: "15:00–16:00", "Tüm gün" / "All day",
/// "22:00 – 25 Kasım Çarşamba 01:00" when it ends on another day.
pub fn span(o: &Occurrence<'_>, user: Zone, tr: bool) -> String {
    match o.span {
        Span::AllDay { days, date: d } if days > 1 => {
            let last = d + chrono::Duration::days(i64::from(days) - 1);
            if tr {
                format!("Tüm gün, {} tarihine kadar", date(last, true))
            } else {
                format!("All day, until {}", date(last, false))
            }
        }
        Span::AllDay { .. } => (if tr { "Tüm gün" } else { "All day" }).into(),
        Span::Timed { start, end } => {
            let (s, e) = (user.to_local(start), user.to_local(end));
            if e <= s {
                hm(s)
            } else if e.date() == s.date()
                || (e.date() == s.date().succ_opt().unwrap_or(s.date())
                    && e.time() == Default::default())
            {
                format!("{}–{}", hm(s), hm(e))
            } else {
                format!("{} – {} {}", hm(s), date(e.date(), tr), hm(e))
            }
        }
    }
}

/// "- 15:00–16:00 Dişçi (Kadıköy)"
pub fn line(o: &Occurrence<'_>, user: Zone, tr: bool) -> String {
    let colon = if matches!(o.span, Span::AllDay { .. }) {
        ":"
    } else {
        ""
    };
    let mut text = format!("- {}{colon} {}", span(o, user, tr), o.event.title);
    if let Some(place) = &o.event.location {
        text.push_str(&format!(" ({place})"));
    }
    text
}

pub use bantz_sdk::words::fold;

fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// Words that say what kind of thing an event is rather than which one it is.
const KIND_WORDS: &[&str] = &[
    "the",
    "my",
    "a",
    "an",
    "event",
    "meeting",
    "appointment",
    "etkinlik",
    "etkinligi",
    "etkinligini",
    "toplanti",
    "toplantisi",
    "toplantisini",
    "toplantim",
    "toplantimi",
    "randevu",
    "randevusu",
    "randevusunu",
    "randevum",
    "randevumu",
];

/// Whether `said` (what the user called an event) names one whose text is `title`: every word
/// said is a word of the title, or the same word with another Turkish ending ("dişçiyi" names
/// "Dişçi", "toplantıyı" names "Proje toplantısı"). Kind words ("meeting", "randevusu") are
/// left out when other words say which event it is.
pub fn names(title: &str, said: &str) -> bool {
    const ARTICLES: &[&str] = &["the", "my", "a", "an"];
    let title = words(title);
    let all = words(said);
    let specific: Vec<&String> = all
        .iter()
        .filter(|w| !KIND_WORDS.contains(&w.as_str()))
        .collect();
    let said: Vec<&String> = if specific.is_empty() {
        all.iter()
            .filter(|w| !ARTICLES.contains(&w.as_str()))
            .collect()
    } else {
        specific
    };
    !said.is_empty() && said.iter().all(|s| title.iter().any(|t| same_word(t, s)))
}

/// `t` and `s` are one word, perhaps with different endings.
fn same_word(t: &str, s: &str) -> bool {
    let (t_len, s_len) = (t.chars().count(), s.chars().count());
    let common = t.chars().zip(s.chars()).take_while(|(a, b)| a == b).count();
    t.starts_with(s)
        || (s.starts_with(t) && t_len >= 3)
        || (common >= 4 && common + 2 >= t_len.min(s_len))
}

/// Whether `query` is in any of `texts`, as written or word by word.
pub fn mentions(texts: &[&str], query: &str) -> bool {
    let q = fold(query.trim());
    !q.is_empty()
        && texts
            .iter()
            .any(|t| fold(t).contains(&q) || names(t, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_events_the_way_people_say_them() {
        assert!(names("Dişçi", "dişçiyi"));
        assert!(names("Dişçi", "disci randevusunu"));
        assert!(names("Proje toplantısı", "toplantıyı"));
        assert!(names("Yemek", "yemeği"));
        assert!(names("Dentist", "the dentist appointment"));
        assert!(names("Lunch with Sam", "lunch"));
        assert!(!names("Lunch with Sam", "dinner"));
        assert!(!names("Dişçi", "the"));
        assert!(names("Proje toplantısı", "toplantı"));
        assert!(!names("Yoga", "meeting"));
        assert!(mentions(&["Weekly sync", "Agenda: budget"], "budget"));
        assert!(mentions(&["DİŞÇİ"], "dişçi"));
    }

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(date(d, true), "27 Kasım Cuma");
        assert_eq!(date(d, false), "Friday 27 November");
        assert_eq!(day(d, d.pred_opt().unwrap(), true), "yarın");
        let next = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(week(d, next, true), "27 Kasım – 3 Aralık");
    }

    #[test]
    fn turkish_endings_follow_the_time_as_it_is_read() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(at(t(15, 0)), "15:00'te");
        assert_eq!(at(t(9, 30)), "09:30'da");
        assert_eq!(at(t(13, 40)), "13:40'ta");
        assert_eq!(at(t(12, 0)), "12:00'de");
        assert_eq!(to(t(16, 0)), "16:00'ya");
        assert_eq!(to(t(15, 0)), "15:00'e");
        assert_eq!(to(t(10, 0)), "10:00'a");
        assert_eq!(to(t(17, 0)), "17:00'ye");
        assert_eq!(length(5400, true), "1 saat 30 dakika");
        assert_eq!(length(3600, false), "1 hour");
    }
}
