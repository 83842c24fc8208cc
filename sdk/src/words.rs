//! Month and weekday names in the languages Bantz speaks, for skills' replies.

const MONTHS_TR: [&str; 12] = [
    "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim",
    "Kasım", "Aralık",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS_TR: [&str; 7] = [
    "Pazartesi",
    "Salı",
    "Çarşamba",
    "Perşembe",
    "Cuma",
    "Cumartesi",
    "Pazar",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The name of a month, `month0` from 0 (January) to 11, in Turkish when `tr`, else English.
pub fn month(month0: u32, tr: bool) -> &'static str {
    let names = if tr { &MONTHS_TR } else { &MONTHS_EN };
    names[month0 as usize % 12]
}

/// The name of a weekday, counted from Monday (0) to Sunday (6), in Turkish when `tr`, else
/// English.
pub fn weekday(days_from_monday: u32, tr: bool) -> &'static str {
    let names = if tr { &WEEKDAYS_TR } else { &WEEKDAYS_EN };
    names[days_from_monday as usize % 7]
}

/// Lowercase with Turkish rules and Turkish letters folded to ASCII, as the host folds
/// messages, so "Dişçi", "DİŞÇİ" and "disci" are one word.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'I' | 'ı' | 'İ' => out.push('i'),
            'ç' | 'Ç' => out.push('c'),
            'ğ' | 'Ğ' => out.push('g'),
            'ö' | 'Ö' => out.push('o'),
            'ş' | 'Ş' => out.push('s'),
            'ü' | 'Ü' => out.push('u'),
            '\u{307}' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert_eq!(super::month(10, true), "Kasım");
        assert_eq!(super::month(10, false), "November");
        assert_eq!(super::weekday(0, true), "Pazartesi");
        assert_eq!(super::weekday(6, false), "Sunday");
    }
}
