//! Text normalisation shared by messages and intent templates: Turkish-aware case folding,
//! punctuation and apostrophes removed, and Turkish letters folded to their ASCII look-alikes so
//! that "saat kac" matches "saat kaç".

/// One word of a message: its folded form for matching, and the original for slot values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub folded: String,
    pub original: String,
}

/// Lowercases with Turkish rules: `I` → `ı`, `İ` → `i`; everything else as Unicode says.
pub fn turkish_lowercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'I' => out.push('ı'),
            'İ' => out.push('i'),
            c => out.extend(c.to_lowercase()),
        }
    }
    // `İ` written as `I` + combining dot above lowercases to `i` + U+0307: drop the dot.
    out.replace('\u{307}', "")
}

/// Folds a lowercased word to ASCII look-alikes, so missing Turkish letters still match. The
/// question particle folds to one form (`mı`, `mi`, `mu`, `mü` → `mi`), so a template need not
/// follow vowel harmony; spoken "bi" is "bir", typed "tmrw" is "tomorrow"; and "anımsat-", a
/// synonym of "hatırlat-" (remind), folds to it with whatever suffix it has ("anımsatıcımı" →
/// "hatirlaticimi").
pub fn fold_letters(word: &str) -> String {
    let folded: String = fold_chars(word);
    match folded.as_str() {
        "mu" => "mi".into(),
        "musun" => "misin".into(),
        "muyum" => "miyim".into(),
        "musunuz" => "misiniz".into(),
        "bi" => "bir".into(),
        "olcak" => "olacak".into(),
        // Typed short forms of English words.
        "tmrw" | "tmr" | "tmrow" | "2moro" | "2morrow" => "tomorrow".into(),
        "tonite" | "2nite" => "tonight".into(),
        "plz" => "please".into(),
        "u" => "you".into(),
        "ur" => "your".into(),
        "thx" => "thanks".into(),
        _ => match folded.strip_prefix("animsat") {
            Some(rest) => format!("hatirlat{rest}"),
            None => folded,
        },
    }
}

fn fold_chars(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'ç' => 'c',
            'ğ' => 'g',
            'ı' | 'î' => 'i',
            'ö' => 'o',
            'ş' => 's',
            'ü' | 'û' => 'u',
            'â' => 'a',
            c => c,
        })
        .collect()
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | 'ʼ')
}

/// English contraction endings, kept joined to their word ("what's" → "whats").
const CONTRACTIONS: &[&str] = &["s", "t", "re", "m", "ll", "ve", "d"];

/// The clauses of a message: its parts between commas, colons, semicolons, sentence ends and
/// dashes ("9.30", "14:30" and "5,5" stay whole), without the empty ones.
pub fn clauses(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut clauses = Vec::new();
    let mut start = 0;
    for (i, &(at, c)) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].1.is_ascii_digit()
            && chars.get(i + 1).is_some_and(|(_, n)| n.is_ascii_digit());
        let ends = match c {
            ',' | '.' | ':' => !between_digits,
            ';' | '?' | '!' | '—' | '–' | '…' => true,
            '-' => chars.get(i + 1).is_some_and(|(_, n)| n.is_whitespace()),
            _ => false,
        };
        if ends {
            clauses.push(&text[start..at]);
            start = at + c.len_utf8();
        }
    }
    clauses.push(&text[start..]);
    clauses.retain(|c| c.chars().any(char::is_alphanumeric));
    clauses
}

/// Splits a message into tokens: words of letters and digits (`:`, `.` and `,` between digits,
/// as in `14:30` or `2,5`, are kept); other punctuation separates. After an apostrophe, an English contraction
/// stays joined ("what's" → "whats") and a Turkish suffix is dropped ("İstanbul'da" →
/// "İstanbul", "saat 3'te" → "saat 3").
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut words: Vec<(String, Option<String>)> = Vec::new();
    let mut current = String::new();
    let mut suffix: Option<String> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut end_word = |current: &mut String, suffix: &mut Option<String>| {
        if !current.is_empty() {
            words.push((std::mem::take(current), suffix.take()));
        }
        *suffix = None;
    };
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || c == '\u{307}' {
            match &mut suffix {
                Some(s) => s.push(c),
                None => current.push(c),
            }
        } else if is_apostrophe(c) && !current.is_empty() && suffix.is_none() {
            suffix = Some(String::new());
        } else if matches!(c, ':' | '.' | ',') && between_digits && suffix.is_none() {
            current.push(c);
        } else {
            end_word(&mut current, &mut suffix);
        }
    }
    end_word(&mut current, &mut suffix);
    words
        .into_iter()
        .map(|(stem, suffix)| {
            let original = match suffix {
                Some(s) if CONTRACTIONS.contains(&s.to_lowercase().as_str()) => stem + &s,
                _ => stem,
            };
            Token {
                folded: fold_letters(&turkish_lowercase(&original)),
                original,
            }
        })
        .collect()
}

/// Common endings of folded Turkish words (case, possession, plural, tense, the question
/// particle glued on) and of English ones, longest first within each length.
const SUFFIXES: &[&str] = &[
    "yacak", "yecek", "misin", "iyor", "uyor", "acak", "ecek", "lari", "leri", "imiz", "iniz",
    "umuz", "unuz", "ndan", "nden", "mayi", "meyi", "ing", "lar", "ler", "dan", "den", "tan",
    "ten", "nda", "nde", "nin", "nun", "yla", "yle", "yor", "mak", "mek", "imi", "umu", "siz",
    "suz", "dir", "tir", "dur", "tur", "ken", "ed", "es", "da", "de", "ta", "te", "in", "un", "yi",
    "yu", "la", "le", "ya", "ye", "si", "su", "im", "um", "mi", "ma", "me", "li", "lu", "ki", "ca",
    "ce", "a", "e", "i", "u", "s",
];

/// A rough stem of a folded word: its known endings stripped, at most three, while at least
/// three letters stay ("hatirlatmalarimi" → "hatirlatma", "istanbulda" → "istanbul",
/// "reminders" → "reminder"). Only a feature for the classifier: two forms of a word that meet
/// here look alike to it; it never changes what a message says.
pub fn stem(word: &str) -> &str {
    let mut stem = word;
    for _ in 0..3 {
        let Some(shorter) = SUFFIXES.iter().find_map(|suffix| {
            let rest = stem.strip_suffix(suffix)?;
            (rest.chars().count() >= 3).then_some(rest)
        }) else {
            break;
        };
        stem = shorter;
    }
    stem
}

/// Guesses the language of a message that matched no intent: Turkish when it has Turkish letters
/// or common Turkish words, else English.
pub fn detect_locale(text: &str) -> &'static str {
    const TURKISH_LETTERS: &str = "çğıöşüÇĞİÖŞÜ";
    const TURKISH_WORDS: &[&str] = &[
        "ne",
        "nedir",
        "kac",
        "mi",
        "mı",
        "mu",
        "bugun",
        "yarin",
        "nasil",
        "merhaba",
        "selam",
        "hava",
        "saat",
        "lutfen",
        "bana",
        "benim",
        "var",
        "yok",
        "evet",
        "hayir",
        "tesekkurler",
        "gunaydin",
        "hatirlat",
        "takvim",
        "neler",
    ];
    if text.chars().any(|c| TURKISH_LETTERS.contains(c)) {
        return "tr";
    }
    if tokenize(text)
        .iter()
        .any(|t| TURKISH_WORDS.contains(&t.folded.as_str()))
    {
        return "tr";
    }
    "en"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_clauses_at_punctuation_but_not_inside_numbers() {
        assert_eq!(
            clauses("we have a barbecue on friday, will it rain?"),
            ["we have a barbecue on friday", " will it rain"]
        );
        assert_eq!(
            clauses("summarize my day: weather; meetings - all of it... ok"),
            [
                "summarize my day",
                " weather",
                " meetings ",
                " all of it",
                " ok"
            ]
        );
        assert_eq!(
            clauses("remind me at 14:30 or 9.30, 2,5 km"),
            ["remind me at 14:30 or 9.30", " 2,5 km"]
        );
        assert_eq!(clauses("a well-known place"), ["a well-known place"]);
        assert_eq!(clauses("?!"), Vec::<&str>::new());
    }

    #[test]
    fn folds_spoken_forms_and_synonyms() {
        assert_eq!(fold_letters("bi"), "bir");
        assert_eq!(fold_letters("tmrw"), "tomorrow");
        assert_eq!(fold_letters("anımsatıcımı"), "hatirlaticimi");
        assert_eq!(fold_letters("anımsat"), "hatirlat");
        assert_eq!(fold_letters("bilet"), "bilet");
    }

    fn folded(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.folded).collect()
    }

    #[test]
    fn folds_turkish_case_and_letters() {
        assert_eq!(turkish_lowercase("İSTANBUL IŞIK"), "istanbul ışık");
        assert_eq!(folded("Saat kaç?"), ["saat", "kac"]);
        assert_eq!(folded("SAAT KAÇ"), ["saat", "kac"]);
        assert_eq!(folded("bugün günlerden ne?"), folded("bugun gunlerden ne"));
        assert_eq!(folded("İzmir'de"), ["izmir"]);
    }

    #[test]
    fn splits_punctuation_but_keeps_times_and_contractions() {
        assert_eq!(
            folded("What's the time, now?!"),
            ["whats", "the", "time", "now"]
        );
        assert_eq!(folded("at 14:30."), ["at", "14:30"]);
        assert_eq!(tokenize("İstanbul")[0].original, "İstanbul");
        assert_eq!(tokenize("İstanbul'da hava")[0].original, "İstanbul");
        assert_eq!(folded("Ankara'nın havası"), ["ankara", "havasi"]);
        assert_eq!(folded("saat 3'te"), ["saat", "3"]);
        assert_eq!(folded("akşam 7’de"), ["aksam", "7"]);
        assert_eq!(folded("don't, I'm, we'll"), ["dont", "im", "well"]);
    }

    #[test]
    fn stems_suffixes_away() {
        assert_eq!(stem("istanbulda"), "istanbul");
        assert_eq!(stem("hatirlatmalarimi"), stem("hatirlatma"));
        assert_eq!(stem("takvimime"), stem("takvim"));
        assert_eq!(stem("reminders"), "reminder");
        assert_eq!(stem("saat"), "saat");
    }

    #[test]
    fn detects_locale() {
        assert_eq!(detect_locale("saat kac"), "tr");
        assert_eq!(detect_locale("nasılsın"), "tr");
        assert_eq!(detect_locale("what is the weather"), "en");
    }
}
