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

/// Folds a lowercased word to ASCII look-alikes, so missing Turkish letters still match.
pub fn fold_letters(word: &str) -> String {
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

/// Splits a message into tokens: words of letters and digits (`:` and `.` inside numbers such as
/// `14:30` are kept); apostrophes join ("what's" → "whats"); other punctuation separates.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = |_: char| {
            i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
        };
        if c.is_alphanumeric() || c == '\u{307}' {
            current.push(c);
        } else if is_apostrophe(c) || ((c == ':' || c == '.') && between_digits(c)) {
            if !is_apostrophe(c) {
                current.push(c);
            }
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
        .into_iter()
        .map(|original| Token {
            folded: fold_letters(&turkish_lowercase(&original)),
            original,
        })
        .collect()
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

    fn folded(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.folded).collect()
    }

    #[test]
    fn folds_turkish_case_and_letters() {
        assert_eq!(turkish_lowercase("İSTANBUL IŞIK"), "istanbul ışık");
        assert_eq!(folded("Saat kaç?"), ["saat", "kac"]);
        assert_eq!(folded("SAAT KAÇ"), ["saat", "kac"]);
        assert_eq!(folded("bugün günlerden ne?"), folded("bugun gunlerden ne"));
        assert_eq!(folded("İzmir'de"), ["izmirde"]);
    }

    #[test]
    fn splits_punctuation_but_keeps_times_and_contractions() {
        assert_eq!(
            folded("What's the time, now?!"),
            ["whats", "the", "time", "now"]
        );
        assert_eq!(folded("at 14:30."), ["at", "14:30"]);
        assert_eq!(tokenize("İstanbul")[0].original, "İstanbul");
    }

    #[test]
    fn detects_locale() {
        assert_eq!(detect_locale("saat kac"), "tr");
        assert_eq!(detect_locale("nasılsın"), "tr");
        assert_eq!(detect_locale("what is the weather"), "en");
    }
}
