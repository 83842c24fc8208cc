//! Intent templates: parsing the syntax of `intent.templates` in the WIT (`[optional]`,
//! `(a|b)`, `{slot}`) and matching a tokenized message against it.

use std::collections::BTreeMap;

use super::normalise::{Token, fold_letters, tokenize, turkish_lowercase};

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    seq: Vec<Element>,
}

#[derive(Debug, Clone, PartialEq)]
enum Element {
    Word(String),
    Optional(Vec<Element>),
    OneOf(Vec<Vec<Element>>),
    Slot(String),
}

/// A successful match: how many words matched literally, how many went into typed slots (a
/// date, a number…), and the slot values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Match {
    pub literal_words: usize,
    pub typed_words: usize,
    pub slots: BTreeMap<String, serde_json::Value>,
}

impl Match {
    /// Better matches explain more of the message by words, then by typed values.
    fn score(&self) -> (usize, usize) {
        (self.literal_words, self.typed_words)
    }
}

/// Decides what a slot may capture: the value of `tokens` for slot `name`, and whether it is a
/// typed value (anything but free text), or `None` when they cannot fill the slot.
pub type SlotParser<'a> = &'a dyn Fn(&str, &[Token]) -> Option<(serde_json::Value, bool)>;

impl Template {
    /// Parses a template; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parser = Parser {
            chars: text.chars().collect(),
            pos: 0,
        };
        let seq = parser.sequence(&[])?;
        if parser.pos < parser.chars.len() {
            return Err(format!(
                "unexpected {:?} at {} in {text:?}",
                parser.chars[parser.pos], parser.pos
            ));
        }
        if seq.is_empty() {
            return Err(format!("template {text:?} has no words"));
        }
        Ok(Template { seq })
    }

    /// The best match of the whole message, if the template matches it at all.
    pub fn matches(&self, tokens: &[Token], slots: SlotParser<'_>) -> Option<Match> {
        let mut best: Option<Match> = None;
        let mut on_full = |m: &Match| {
            if best.as_ref().is_none_or(|b| m.score() > b.score()) {
                best = Some(m.clone());
            }
        };
        let cx = Cx { tokens, slots };
        match_seq(&self.seq, &cx, 0, Match::default(), &mut |pos, m| {
            if pos == tokens.len() {
                on_full(&m);
            }
        });
        best
    }

    /// One expansion of the template, for the classifier's training data: `pick(n)` chooses
    /// among `n` ways at every choice (an optional part is taken at 0 and left out at 1; an
    /// alternative is taken by its index), and `fill(name)` gives the words of slot `name`.
    /// The literal words come out folded, as the matcher compares them.
    pub fn sample(
        &self,
        pick: &mut dyn FnMut(usize) -> usize,
        fill: &mut dyn FnMut(&str) -> Vec<String>,
    ) -> Vec<String> {
        fn walk(
            seq: &[Element],
            pick: &mut dyn FnMut(usize) -> usize,
            fill: &mut dyn FnMut(&str) -> Vec<String>,
            out: &mut Vec<String>,
        ) {
            for element in seq {
                match element {
                    Element::Word(w) => out.push(w.clone()),
                    Element::Optional(inner) => {
                        if pick(2) == 0 {
                            walk(inner, pick, fill, out);
                        }
                    }
                    Element::OneOf(alternatives) => {
                        let i = pick(alternatives.len()).min(alternatives.len() - 1);
                        walk(&alternatives[i], pick, fill, out);
                    }
                    Element::Slot(name) => out.extend(fill(name)),
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.seq, pick, fill, &mut out);
        out
    }
}

/// What every step of a match looks at.
struct Cx<'a> {
    tokens: &'a [Token],
    slots: SlotParser<'a>,
}

/// Calls `done(pos, match)` for every way `seq` can match `tokens` starting at `pos`.
fn match_seq(
    seq: &[Element],
    cx: &Cx<'_>,
    pos: usize,
    m: Match,
    done: &mut dyn FnMut(usize, Match),
) {
    let tokens = cx.tokens;
    let Some((first, rest)) = seq.split_first() else {
        done(pos, m);
        return;
    };
    let mut then = |pos: usize, m: Match| match_seq(rest, cx, pos, m, done);
    match first {
        Element::Word(w) => {
            if tokens.get(pos).is_some_and(|t| &t.folded == w) {
                let mut m = m;
                m.literal_words += 1;
                then(pos + 1, m);
            }
        }
        Element::Optional(inner) => {
            match_seq(inner, cx, pos, m.clone(), &mut then);
            then(pos, m);
        }
        Element::OneOf(alternatives) => {
            for alt in alternatives {
                match_seq(alt, cx, pos, m.clone(), &mut then);
            }
        }
        Element::Slot(name) => {
            for end in pos + 1..=tokens.len() {
                let Some((value, typed)) = (cx.slots)(name, &tokens[pos..end]) else {
                    continue;
                };
                let mut m = m.clone();
                if typed {
                    m.typed_words += end - pos;
                }
                m.slots.insert(name.clone(), value);
                then(end, m);
            }
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    /// Parses elements until one of `stops` (not consumed) or the end.
    fn sequence(&mut self, stops: &[char]) -> Result<Vec<Element>, String> {
        let mut seq = Vec::new();
        let mut word = String::new();
        while let Some(&c) = self.chars.get(self.pos) {
            if stops.contains(&c) {
                break;
            }
            match c {
                '[' | '(' | '{' => {
                    push_words(&mut seq, &mut word);
                    self.pos += 1;
                    seq.push(match c {
                        '[' => {
                            // `[a|b]` is an optional choice: `[(a|b)]`.
                            let mut alternatives = vec![self.sequence(&['|', ']'])?];
                            while self.chars.get(self.pos) == Some(&'|') {
                                self.pos += 1;
                                alternatives.push(self.sequence(&['|', ']'])?);
                            }
                            self.expect(']')?;
                            match alternatives.len() {
                                1 => Element::Optional(alternatives.remove(0)),
                                _ => Element::Optional(vec![Element::OneOf(alternatives)]),
                            }
                        }
                        '(' => {
                            let mut alternatives = vec![self.sequence(&['|', ')'])?];
                            while self.chars.get(self.pos) == Some(&'|') {
                                self.pos += 1;
                                alternatives.push(self.sequence(&['|', ')'])?);
                            }
                            self.expect(')')?;
                            Element::OneOf(alternatives)
                        }
                        _ => {
                            let start = self.pos;
                            while self.chars.get(self.pos).is_some_and(|&c| c != '}') {
                                self.pos += 1;
                            }
                            let name: String = self.chars[start..self.pos].iter().collect();
                            self.expect('}')?;
                            if name.trim().is_empty() {
                                return Err("a slot `{}` needs a name".into());
                            }
                            Element::Slot(name.trim().to_owned())
                        }
                    });
                }
                ']' | ')' | '}' | '|' => return Err(format!("unexpected {c:?} at {}", self.pos)),
                c => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
        push_words(&mut seq, &mut word);
        Ok(seq)
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.chars.get(self.pos) == Some(&c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {c:?} at {}", self.pos))
        }
    }
}

fn push_words(seq: &mut Vec<Element>, text: &mut String) {
    for token in tokenize(text) {
        seq.push(Element::Word(fold_letters(&turkish_lowercase(
            &token.folded,
        ))));
    }
    text.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(template: &str, message: &str) -> Option<Match> {
        let text = |_: &str, tokens: &[Token]| {
            let words: Vec<&str> = tokens.iter().map(|t| t.original.as_str()).collect();
            Some((serde_json::Value::from(words.join(" ")), false))
        };
        Template::parse(template)
            .unwrap()
            .matches(&tokenize(message), &text)
    }

    #[test]
    fn matches_words_optionals_and_alternatives() {
        assert!(m("[şu an] saat kaç", "saat kaç?").is_some());
        assert!(m("[şu an] saat kaç", "Şu an saat kaç").is_some());
        assert!(m("[şu an] saat kaç", "saat kac").is_some());
        assert!(m("what (time|hour) is it", "what hour is it").is_some());
        assert!(m("what (time|hour) is it", "what day is it").is_none());
        assert!(m("what's the date [today]", "What's the date today?").is_some());
        assert!(m("weather [in|for {place}]", "weather for Ankara").is_some());
        assert!(m("weather [in|for {place}]", "weather").is_some());
        assert!(m("saat kaç", "saat kaç oldu").is_none());
    }

    #[test]
    fn captures_slots_with_original_text() {
        let found = m("weather in {place} [please]", "weather in İstanbul please").unwrap();
        assert_eq!(found.slots["place"], "İstanbul");
        assert_eq!(found.literal_words, 3);
        let found = m("remind me to {what}", "remind me to call mom").unwrap();
        assert_eq!(found.slots["what"], "call mom");
    }

    #[test]
    fn rejects_malformed_templates() {
        assert!(Template::parse("saat [kaç").is_err());
        assert!(Template::parse("a | b").is_err());
        assert!(Template::parse("{}").is_err());
        assert!(Template::parse("").is_err());
        assert!(Template::parse("  ?! ").is_err());
    }
}
