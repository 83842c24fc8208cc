//! Words in Turkish and English: weather codes, days, numbers with their units, and the Turkish
//! suffixes a place name takes. Pure functions; nothing here talks to the host.

use chrono::{Datelike, NaiveDate};

use crate::open_meteo::Units;

/// The user's language: Turkish, or English for anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Tr,
    En,
}

impl Lang {
    pub fn of(locale: &str) -> Lang {
        if locale == "tr" { Lang::Tr } else { Lang::En }
    }

    /// The code Open-Meteo's geocoding takes as `language`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Tr => "tr",
            Lang::En => "en",
        }
    }
}

/// A WMO weather interpretation code (what Open-Meteo's `weather_code` holds) in words.
pub fn conditions(code: Option<f64>, lang: Lang) -> String {
    let Some(code) = code else {
        return match lang {
            Lang::Tr => "hava durumu bilinmiyor".into(),
            Lang::En => "conditions unknown".into(),
        };
    };
    let (tr, en) = match code.round() as i64 {
        0 => ("açık", "clear sky"),
        1 => ("çoğunlukla açık", "mainly clear"),
        2 => ("parçalı bulutlu", "partly cloudy"),
        3 => ("kapalı", "overcast"),
        45 => ("sisli", "fog"),
        48 => ("kırağılı sis", "freezing fog"),
        51 => ("hafif çisenti", "light drizzle"),
        53 => ("çisenti", "drizzle"),
        55 => ("yoğun çisenti", "dense drizzle"),
        56 => ("hafif dondurucu çisenti", "light freezing drizzle"),
        57 => ("dondurucu çisenti", "freezing drizzle"),
        61 => ("hafif yağmur", "light rain"),
        63 => ("yağmur", "rain"),
        65 => ("şiddetli yağmur", "heavy rain"),
        66 => ("hafif dondurucu yağmur", "light freezing rain"),
        67 => ("dondurucu yağmur", "freezing rain"),
        71 => ("hafif kar", "light snow"),
        73 => ("kar", "snow"),
        75 => ("yoğun kar", "heavy snow"),
        77 => ("kar taneleri", "snow grains"),
        80 => ("hafif sağanak", "light showers"),
        81 => ("sağanak", "showers"),
        82 => ("şiddetli sağanak", "violent showers"),
        85 => ("hafif kar sağanağı", "light snow showers"),
        86 => ("yoğun kar sağanağı", "heavy snow showers"),
        95 => ("gök gürültülü fırtına", "thunderstorm"),
        96 => ("dolu ile gök gürültülü fırtına", "thunderstorm with hail"),
        99 => (
            "şiddetli dolu ile gök gürültülü fırtına",
            "thunderstorm with heavy hail",
        ),
        other => {
            return match lang {
                Lang::Tr => format!("bilinmeyen hava (kod {other})"),
                Lang::En => format!("unknown conditions (code {other})"),
            };
        }
    };
    match lang {
        Lang::Tr => tr.into(),
        Lang::En => en.into(),
    }
}

/// Lowercase with Turkish rules and Turkish letters folded to ASCII: a cache key that does not
/// care how a place was typed ("İstanbul", "istanbul", "ISTANBUL", "Istanbul").
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match c {
            'I' | 'İ' | 'ı' | 'î' | 'Î' => out.push('i'),
            'Ç' | 'ç' => out.push('c'),
            'Ğ' | 'ğ' => out.push('g'),
            'Ö' | 'ö' => out.push('o'),
            'Ş' | 'ş' => out.push('s'),
            'Ü' | 'ü' | 'û' | 'Û' => out.push('u'),
            'Â' | 'â' => out.push('a'),
            '\u{307}' => {}
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// A place name with a Turkish suffix on it ("Bursa'da", "istanbulda", "izmirde", "parista"),
/// without the suffix; `None` when it has none. Only tried when the name as written is not
/// found, so a real name that happens to end this way ("Rhode", "O'Neill") is safe.
pub fn without_locative(name: &str) -> Option<&str> {
    let name = name.trim();
    if let Some(at) = name.rfind(['\'', '’'])
        && at > 0
        && name[at..].chars().skip(1).all(char::is_alphabetic)
        && name[at..].chars().count() <= 5
    {
        return Some(&name[..at]);
    }
    let folded = fold(name);
    if !["da", "de", "ta", "te"].iter().any(|s| folded.ends_with(s)) {
        return None;
    }
    // Folding maps letter to letter, so the suffix is the name's last two characters.
    let stem_len = name.chars().count() - 2;
    (stem_len >= 3).then(|| {
        let end = name
            .char_indices()
            .nth(stem_len)
            .map_or(name.len(), |(i, _)| i);
        &name[..end]
    })
}

/// The place in a Turkish sentence: "İstanbul'da", "İzmir'de", "Paris'te", "New York'ta".
pub fn locative(name: &str) -> String {
    let folded: Vec<char> = name
        .chars()
        .flat_map(|c| match c {
            'I' | 'ı' => vec!['ı'],
            'İ' => vec!['i'],
            c => c.to_lowercase().collect(),
        })
        .collect();
    let back_vowel = folded
        .iter()
        .rev()
        .find(|c| "aeıioöuüâîû".contains(**c))
        .is_none_or(|c| "aıouâû".contains(*c));
    let hard = folded.last().is_some_and(|c| "fstkçşhp".contains(*c));
    let suffix = match (hard, back_vowel) {
        (false, true) => "da",
        (false, false) => "de",
        (true, true) => "ta",
        (true, false) => "te",
    };
    format!("{name}'{suffix}")
}

/// A temperature, rounded: "14°C", "-3°F".
pub fn temperature(value: Option<f64>, units: Units) -> String {
    let unit = match units {
        Units::Metric => "°C",
        Units::Imperial => "°F",
    };
    match value {
        Some(v) => format!("{}{unit}", v.round() as i64),
        None => format!("?{unit}"),
    }
}

/// A wind speed, rounded: "15 km/sa", "15 km/h", "9 mph".
pub fn wind(value: Option<f64>, units: Units, lang: Lang) -> String {
    let unit = match (units, lang) {
        (Units::Metric, Lang::Tr) => "km/sa",
        (Units::Metric, Lang::En) => "km/h",
        (Units::Imperial, _) => "mph",
    };
    match value {
        Some(v) => format!("{} {unit}", v.round() as i64),
        None => format!("? {unit}"),
    }
}

/// A percentage: "%85" in Turkish, "85%" in English.
pub fn percent(value: Option<f64>, lang: Lang) -> String {
    let n = value.map_or_else(|| "?".to_owned(), |v| (v.round() as i64).to_string());
    match lang {
        Lang::Tr => format!("%{n}"),
        Lang::En => format!("{n}%"),
    }
}

/// Millimetres with one decimal, with a decimal comma in Turkish: "12,4 mm", "12.4 mm".
pub fn millimetres(value: Option<f64>, lang: Lang) -> String {
    let text = format!("{:.1}", value.unwrap_or(0.0).max(0.0));
    match lang {
        Lang::Tr => format!("{} mm", text.replace('.', ",")),
        Lang::En => format!("{text} mm"),
    }
}

/// How a day is named relative to `today`: "Bugün"/"Today", "Yarın"/"Tomorrow", else
/// "26 Kasım Perşembe"/"Thursday 26 November".
pub fn day_name(date: NaiveDate, today: NaiveDate, lang: Lang) -> String {
    let ahead = (date - today).num_days();
    match (lang, ahead) {
        (Lang::Tr, 0) => "Bugün".into(),
        (Lang::Tr, 1) => "Yarın".into(),
        (Lang::En, 0) => "Today".into(),
        (Lang::En, 1) => "Tomorrow".into(),
        (Lang::Tr, _) => format!(
            "{} {} {}",
            date.day(),
            bantz_sdk::words::month(date.month0(), true),
            bantz_sdk::words::weekday(date.weekday().num_days_from_monday(), true)
        ),
        (Lang::En, _) => format!(
            "{} {} {}",
            bantz_sdk::words::weekday(date.weekday().num_days_from_monday(), false),
            date.day(),
            bantz_sdk::words::month(date.month0(), false)
        ),
    }
}

/// The day inside a sentence: "bugün", "yarın", "26 Kasım Perşembe günü"; "today",
/// "tomorrow", "on Thursday 26 November".
pub fn day_in_sentence(date: NaiveDate, today: NaiveDate, lang: Lang) -> String {
    match (lang, (date - today).num_days()) {
        (Lang::Tr, 0) => "bugün".into(),
        (Lang::Tr, 1) => "yarın".into(),
        (Lang::En, 0) => "today".into(),
        (Lang::En, 1) => "tomorrow".into(),
        (Lang::Tr, _) => format!("{} günü", day_name(date, today, lang)),
        (Lang::En, _) => format!("on {}", day_name(date, today, lang)),
    }
}

/// A date without relative naming: "23 Kasım", "23 November".
pub fn date(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Tr => format!(
            "{} {}",
            date.day(),
            bantz_sdk::words::month(date.month0(), true)
        ),
        Lang::En => format!(
            "{} {}",
            date.day(),
            bantz_sdk::words::month(date.month0(), false)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weather_codes_in_both_languages() {
        assert_eq!(conditions(Some(0.0), Lang::Tr), "açık");
        assert_eq!(conditions(Some(0.0), Lang::En), "clear sky");
        assert_eq!(conditions(Some(2.0), Lang::Tr), "parçalı bulutlu");
        assert_eq!(conditions(Some(63.0), Lang::En), "rain");
        assert_eq!(conditions(Some(61.0), Lang::Tr), "hafif yağmur");
        assert_eq!(conditions(Some(95.0), Lang::En), "thunderstorm");
        assert_eq!(conditions(Some(75.0), Lang::Tr), "yoğun kar");
        assert_eq!(
            conditions(Some(42.0), Lang::En),
            "unknown conditions (code 42)"
        );
        assert_eq!(conditions(None, Lang::Tr), "hava durumu bilinmiyor");
        // Every code Open-Meteo documents has words of its own in both languages.
        for code in [
            0, 1, 2, 3, 45, 48, 51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 71, 73, 75, 77, 80, 81, 82,
            85, 86, 95, 96, 99,
        ] {
            for lang in [Lang::Tr, Lang::En] {
                let words = conditions(Some(code as f64), lang);
                assert!(!words.contains("code") && !words.contains("kod"), "{code}");
            }
        }
    }

    #[test]
    fn folding_ignores_case_and_turkish_letters() {
        for name in ["İstanbul", "istanbul", "ISTANBUL", "Istanbul", " İSTANBUL "] {
            assert_eq!(fold(name), "istanbul", "{name}");
        }
        assert_eq!(fold("Şanlıurfa"), "sanliurfa");
        assert_eq!(fold("New   York"), "new york");
    }

    #[test]
    fn locative_suffixes_follow_vowel_harmony() {
        assert_eq!(locative("İstanbul"), "İstanbul'da");
        assert_eq!(locative("Ankara"), "Ankara'da");
        assert_eq!(locative("İzmir"), "İzmir'de");
        assert_eq!(locative("Paris"), "Paris'te");
        assert_eq!(locative("New York"), "New York'ta");
        assert_eq!(locative("Berlin"), "Berlin'de");
        assert_eq!(locative("Köln"), "Köln'de");
        assert_eq!(locative("Tokyo"), "Tokyo'da");
        assert_eq!(locative("Bitlis"), "Bitlis'te");
    }

    #[test]
    fn locative_suffixes_come_off_when_written_on() {
        assert_eq!(without_locative("istanbulda"), Some("istanbul"));
        assert_eq!(without_locative("İzmirde"), Some("İzmir"));
        assert_eq!(without_locative("Bursa'da"), Some("Bursa"));
        assert_eq!(without_locative("Kadıköy’de"), Some("Kadıköy"));
        assert_eq!(without_locative("parista"), Some("paris"));
        assert_eq!(without_locative("Ankara"), None);
        assert_eq!(without_locative("Oda"), None);
    }

    #[test]
    fn numbers_with_units() {
        assert_eq!(temperature(Some(14.3), Units::Metric), "14°C");
        assert_eq!(temperature(Some(-0.4), Units::Metric), "0°C");
        assert_eq!(temperature(Some(-2.6), Units::Imperial), "-3°F");
        assert_eq!(wind(Some(15.8), Units::Metric, Lang::Tr), "16 km/sa");
        assert_eq!(wind(Some(9.2), Units::Imperial, Lang::En), "9 mph");
        assert_eq!(percent(Some(85.0), Lang::Tr), "%85");
        assert_eq!(percent(Some(85.0), Lang::En), "85%");
        assert_eq!(millimetres(Some(12.44), Lang::Tr), "12,4 mm");
        assert_eq!(millimetres(Some(12.44), Lang::En), "12.4 mm");
        assert_eq!(millimetres(None, Lang::En), "0.0 mm");
    }

    #[test]
    fn days_are_named_relative_to_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let day = |n| today + chrono::Duration::days(n);
        assert_eq!(day_name(today, today, Lang::Tr), "Bugün");
        assert_eq!(day_name(day(1), today, Lang::En), "Tomorrow");
        assert_eq!(day_name(day(3), today, Lang::Tr), "26 Kasım Perşembe");
        assert_eq!(day_name(day(3), today, Lang::En), "Thursday 26 November");
        assert_eq!(day_in_sentence(day(1), today, Lang::Tr), "yarın");
        assert_eq!(
            day_in_sentence(day(4), today, Lang::Tr),
            "27 Kasım Cuma günü"
        );
        assert_eq!(
            day_in_sentence(day(4), today, Lang::En),
            "on Friday 27 November"
        );
        assert_eq!(date(day(8), Lang::Tr), "1 Aralık");
    }
}
