//! Confirmation of commands marked needs-confirmation: the host's own question, for skills
//! whose `describe` export does not phrase it (see wit/skill.wit), and reading the user's yes
//! or no in Turkish or English.

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::briefing::words;
use super::normalise::Token;

/// Words that, alone or together, say yes ("evet", "tamam", "yes please", "do it").
const YES: &[&str] = &[
    "evet",
    "tamam",
    "olur",
    "onayla",
    "onayliyorum",
    "lutfen",
    "yap",
    "hadi",
    "yes",
    "yeah",
    "yep",
    "ok",
    "okay",
    "sure",
    "confirm",
    "please",
    "do",
    "it",
    "go",
    "ahead",
];
/// Words that, alone or together, say no ("hayır", "iptal et", "vazgeç", "no thanks").
const NO: &[&str] = &[
    "hayir",
    "iptal",
    "et",
    "vazgec",
    "vazgectim",
    "istemiyorum",
    "bosver",
    "yapma",
    "tesekkurler",
    "no",
    "nope",
    "cancel",
    "dont",
    "stop",
    "thanks",
    "never",
    "mind",
];

/// Whether the message is a yes (`Some(true)`), a no (`Some(false)`) or neither.
pub fn decision(tokens: &[Token]) -> Option<bool> {
    let all_in = |words: &[&str]| {
        !tokens.is_empty() && tokens.iter().all(|t| words.contains(&t.folded.as_str()))
    };
    if all_in(YES) {
        Some(true)
    } else if all_in(NO) {
        Some(false)
    } else {
        None
    }
}

/// The question that asks for confirmation when the skill does not phrase it: the command's
/// description from the manifest and the arguments as `key: value`, with the usual keys and
/// dates in the user's language, e.g. `Şunu yapayım mı: Add an event (başlık: dişçi, tarih: 29
/// Kasım 2026 Pazar, saat: 15:00)?`.
pub fn prompt(description: &str, args: &Map<String, Value>, locale: &str) -> String {
    let tr = locale == "tr";
    let description = description.trim().trim_end_matches('.');
    let details = details(args, tr);
    match (tr, details.is_empty()) {
        (true, true) => format!("Şunu yapayım mı: {description}?"),
        (true, false) => format!("Şunu yapayım mı: {description} ({details})?"),
        (false, true) => format!("Shall I do this: {description}?"),
        (false, false) => format!("Shall I do this: {description} ({details})?"),
    }
}

/// Argument keys in the order people say them (what, when, where), with their names in
/// Turkish and English; other keys follow in alphabetical order, under their own names.
const KEYS: &[(&str, &str, &str)] = &[
    ("title", "başlık", "title"),
    ("new_title", "yeni başlık", "new title"),
    ("name", "ad", "name"),
    ("text", "metin", "text"),
    ("message", "mesaj", "message"),
    ("query", "aranan", "search"),
    ("date", "tarih", "date"),
    ("time", "saat", "time"),
    ("duration", "süre", "duration"),
    ("place", "yer", "place"),
    ("location", "yer", "place"),
    ("city", "şehir", "city"),
    ("id", "kimlik", "id"),
];

/// `key: value` for every argument that has a value, in [`KEYS`] order.
fn details(args: &Map<String, Value>, tr: bool) -> String {
    let rank = |key: &str| {
        KEYS.iter()
            .position(|(k, _, _)| *k == key)
            .unwrap_or(KEYS.len())
    };
    let mut keys: Vec<&String> = args.keys().collect();
    keys.sort_by_key(|k| (rank(k), k.as_str()));
    keys.iter()
        .filter_map(|key| {
            let value = value(key, &args[key.as_str()], tr)?;
            let name = match KEYS.iter().find(|(k, _, _)| k == key) {
                Some((_, name_tr, name_en)) => (if tr { *name_tr } else { *name_en }).to_owned(),
                None => key.replace(['_', '-'], " "),
            };
            Some(format!("{name}: {value}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An argument's value as words: dates with month and weekday names, durations in hours and
/// minutes, yes/no for booleans; none for null or empty.
fn value(key: &str, value: &Value, tr: bool) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::Bool(b) => match (b, tr) {
            (true, true) => "evet".into(),
            (false, true) => "hayır".into(),
            (true, false) => "yes".into(),
            (false, false) => "no".into(),
        },
        Value::Number(n) if key == "duration" => match n.as_i64() {
            Some(seconds) => duration(seconds, tr),
            None => n.to_string(),
        },
        Value::Number(n) => n.to_string(),
        Value::String(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => date(d, tr),
            Err(_) => s.trim().to_owned(),
        },
        Value::Array(items) => items
            .iter()
            .filter_map(|v| self::value(key, v, tr))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(fields) => details(fields, tr),
    };
    (!text.is_empty()).then_some(text)
}

/// "29 Kasım 2026 Pazar" / "Sunday 29 November 2026".
fn date(d: NaiveDate, tr: bool) -> String {
    let month = words::month(d.month0(), tr);
    let weekday = words::weekday(d.weekday().num_days_from_monday(), tr);
    if tr {
        format!("{} {month} {} {weekday}", d.day(), d.year())
    } else {
        format!("{weekday} {} {month} {}", d.day(), d.year())
    }
}

/// "1 saat 30 dakika" / "1 hour 30 minutes"; under a minute, in seconds.
fn duration(seconds: i64, tr: bool) -> String {
    let (hours, minutes) = (seconds / 3600, seconds % 3600 / 60);
    let unit = |n: i64, tr_word: &str, en_word: &str| match (tr, n) {
        (true, _) => format!("{n} {tr_word}"),
        (false, 1) => format!("1 {en_word}"),
        (false, _) => format!("{n} {en_word}s"),
    };
    match (hours, minutes) {
        (0, 0) => unit(seconds, "saniye", "second"),
        (0, m) => unit(m, "dakika", "minute"),
        (h, 0) => unit(h, "saat", "hour"),
        (h, m) => format!(
            "{} {}",
            unit(h, "saat", "hour"),
            unit(m, "dakika", "minute")
        ),
    }
}

/// The answer to a no.
pub fn cancelled(locale: &str) -> String {
    if locale == "tr" {
        "Tamam, iptal ettim.".into()
    } else {
        "OK, cancelled.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brain::normalise::tokenize;

    #[test]
    fn reads_yes_and_no_in_both_languages() {
        for yes in [
            "evet",
            "Evet!",
            "tamam",
            "olur",
            "yes",
            "yes please",
            "do it",
            "OK",
        ] {
            assert_eq!(decision(&tokenize(yes)), Some(true), "{yes}");
        }
        for no in [
            "hayır",
            "HAYIR",
            "iptal",
            "iptal et",
            "vazgeç",
            "no",
            "no thanks",
            "cancel",
        ] {
            assert_eq!(decision(&tokenize(no)), Some(false), "{no}");
        }
        for neither in ["saat kaç", "yes and no", "evet ama yarın", ""] {
            assert_eq!(decision(&tokenize(neither)), None, "{neither}");
        }
    }

    #[test]
    fn the_hosts_own_question_has_no_json() {
        let args = serde_json::json!({
            "time": "15:00",
            "title": "dişçi randevusu",
            "date": "2026-11-29",
            "duration": 5400,
            "all_day": false,
        });
        let args = args.as_object().unwrap();
        assert_eq!(
            prompt("Add an event to the calendar", args, "tr"),
            "Şunu yapayım mı: Add an event to the calendar (başlık: dişçi randevusu, \
             tarih: 29 Kasım 2026 Pazar, saat: 15:00, süre: 1 saat 30 dakika, all day: hayır)?"
        );
        assert_eq!(
            prompt("Add an event to the calendar.", args, "en"),
            "Shall I do this: Add an event to the calendar (title: dişçi randevusu, \
             date: Sunday 29 November 2026, time: 15:00, duration: 1 hour 30 minutes, \
             all day: no)?"
        );
        assert_eq!(
            prompt("Reset the tick counter", &Map::new(), "en"),
            "Shall I do this: Reset the tick counter?"
        );
    }
}
