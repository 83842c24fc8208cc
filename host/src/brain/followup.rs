//! Follow-ups: "ya yarın?", "peki Ankara?", "and tomorrow?", "what about London?" reuse the
//! conversation's last command with one slot changed. This module only recognises the shape;
//! the brain decides which slot the new value fills.

use super::normalise::Token;

/// Words that open a follow-up.
const LEADING: &[&[&str]] = &[
    &["peki", "ya"],
    &["ya", "peki"],
    &["ya"],
    &["peki"],
    &["and", "what", "about", "in"],
    &["and", "what", "about"],
    &["what", "about", "in"],
    &["what", "about"],
    &["how", "about", "in"],
    &["how", "about"],
    &["and", "for"],
    &["and", "in"],
    &["and", "on"],
    &["and"],
];
/// Words that close one.
const TRAILING: &[&[&str]] = &[&["ne", "olacak"], &["icin"], &["peki"], &["then"], &["too"]];

/// The new value of a follow-up ("yarın" of "ya yarın?"), or `None` when the message is not one.
pub fn value(tokens: &[Token]) -> Option<&[Token]> {
    let words: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
    let lead = LEADING
        .iter()
        .find(|l| words.starts_with(l))
        .map_or(0, |l| l.len());
    let rest = &words[lead..];
    let trail = TRAILING
        .iter()
        .find(|t| rest.ends_with(t) && rest.len() > t.len())
        .map_or(0, |t| t.len());
    if lead == 0 && trail == 0 {
        return None;
    }
    let value = &tokens[lead..tokens.len() - trail];
    // "ya için" -> just "için" for a place ("Ankara için") is handled by TRAILING; a value
    // must have words left and be short, or this is a new request, not a follow-up.
    (!value.is_empty() && value.len() <= 5).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brain::normalise::tokenize;

    fn v(text: &str) -> Option<String> {
        let tokens = tokenize(text);
        value(&tokens).map(|t| {
            t.iter()
                .map(|t| t.original.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    #[test]
    fn recognises_follow_ups_in_both_languages() {
        assert_eq!(v("ya yarın?").as_deref(), Some("yarın"));
        assert_eq!(v("Peki Ankara?").as_deref(), Some("Ankara"));
        assert_eq!(v("peki ya cuma?").as_deref(), Some("cuma"));
        assert_eq!(v("yarın ne olacak").as_deref(), Some("yarın"));
        assert_eq!(v("ya İzmir için?").as_deref(), Some("İzmir"));
        assert_eq!(v("and tomorrow?").as_deref(), Some("tomorrow"));
        assert_eq!(v("What about London?").as_deref(), Some("London"));
        assert_eq!(v("and in Ankara?").as_deref(), Some("Ankara"));
        assert_eq!(v("how about in Berlin").as_deref(), Some("Berlin"));
        assert_eq!(v("how about next monday").as_deref(), Some("next monday"));
        assert_eq!(v("tomorrow then").as_deref(), Some("tomorrow"));
    }

    #[test]
    fn other_messages_are_not_follow_ups() {
        assert_eq!(v("yarın"), None);
        assert_eq!(v("saat kaç"), None);
        assert_eq!(v("ya"), None);
        assert_eq!(v("and"), None);
    }
}
