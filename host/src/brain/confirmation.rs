//! Confirmation of commands marked needs-confirmation: the question, and reading the user's
//! yes or no in Turkish or English.

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

/// The question that asks for confirmation.
pub fn prompt(
    description: &str,
    args: &serde_json::Map<String, serde_json::Value>,
    locale: &str,
) -> String {
    let details = if args.is_empty() {
        String::new()
    } else {
        format!(" ({})", serde_json::Value::Object(args.clone()))
    };
    if locale == "tr" {
        format!("Şunu yapmamı onaylıyor musunuz: {description}{details}? Evet ya da hayır deyin.")
    } else {
        format!("Do you want me to do this: {description}{details}? Say yes or no.")
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
}
