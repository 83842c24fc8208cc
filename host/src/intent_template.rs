//! The grammar of intent templates, as `intent.templates` in the WIT documents it (`[optional]`,
//! `[a|b]`, `(a|b)`, `{slot}`), and the limits a skill's templates must keep.
//!
//! Both layers use it: the runtime checks a skill's templates when the skill loads (a skill
//! over a limit is `failed`, with a reason that names the template and the limit), and the brain
//! compiles the parsed [`Template`]s into matchers. Matching is not here; see
//! `brain::template`. The limits keep a template's compiled matcher small, so that matching one
//! message costs polynomial time in a small size, and they make a catch-all impossible: every
//! template has a literal word that any message it matches must contain.

/// Most characters a template may have. The longest first-party template has about 190.
pub const MAX_TEMPLATE_CHARS: usize = 400;

/// Deepest nesting of groups (`[…]`, `(…)`) in a template: `[a [b]]` nests 2 deep. The
/// first-party templates nest at most 1 deep.
pub const MAX_TEMPLATE_NESTING: usize = 4;

/// Most alternatives one group may list (`(a|b|c)` has 3). The first-party templates list at
/// most 12.
pub const MAX_TEMPLATE_ALTERNATIVES: usize = 40;

/// Largest compiled size of a template: its words, slots and groups, each counted once
/// ([`Template::size`]). Matching costs at most size × (message words)² steps, so this bounds
/// the work one template can cost. The first-party templates have at most about 30.
pub const MAX_TEMPLATE_SIZE: usize = 128;

/// Most templates one skill may have, over all its intents, unless bantz.toml says otherwise
/// (`max_templates` in `[limits]` or `[skills.<name>]`): enough for a skill generated from a
/// large phrase list, while the router's index keeps such a skill from slowing messages that
/// share no word with it. The first-party skills have at most about 230.
pub const MAX_SKILL_TEMPLATES: usize = 10_000;

/// Largest compiled size of all of one skill's templates together, which bounds the memory
/// its matchers take.
pub const MAX_SKILL_TEMPLATE_SIZE: usize = 1_000_000;

/// A parsed template: a sequence of [`Element`]s, within the limits above, with at least one
/// literal word that every match contains.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub(crate) seq: Vec<Element>,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A word as the template writes it (`kaç`, `what's`, `14:30`): a run of characters without
    /// white space or template syntax. Matchers normalise it as they normalise messages; a word
    /// without a letter or digit (`?`) matches nothing and is skipped.
    Word(String),
    /// `[…]`: the inner sequence, or nothing. `[a|b]` is `Optional([OneOf([[a], [b]])])`.
    Optional(Vec<Element>),
    /// `(a|b c)`: exactly one of the alternatives.
    OneOf(Vec<Vec<Element>>),
    /// `{name}`: one or more words captured into the slot `name`.
    Slot(String),
}

/// Whether a template word matches anything: it has a letter or a digit.
pub fn is_literal(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

impl Template {
    /// Parses a template and checks it against the per-template limits; the error says what
    /// is wrong, where, and which limit it breaks.
    pub fn parse(text: &str) -> Result<Template, String> {
        let chars = text.chars().count();
        if chars > MAX_TEMPLATE_CHARS {
            return Err(format!(
                "it has {chars} characters; the limit is {MAX_TEMPLATE_CHARS} (MAX_TEMPLATE_CHARS)"
            ));
        }
        let mut parser = Parser {
            chars: text.chars().collect(),
            pos: 0,
            depth: 0,
        };
        let seq = parser.sequence(&[])?;
        if parser.pos < parser.chars.len() {
            return Err(format!(
                "unexpected {:?} at {}",
                parser.chars[parser.pos], parser.pos
            ));
        }
        let template = Template { seq };
        let has_word = has(
            &template.seq,
            &|e| matches!(e, Element::Word(w) if is_literal(w)),
        );
        if !has_word && !has(&template.seq, &|e| matches!(e, Element::Slot(_))) {
            return Err("it has no words".into());
        }
        let size = template.size();
        if size > MAX_TEMPLATE_SIZE {
            return Err(format!(
                "its compiled size is {size} (words, slots and groups); the limit is \
                 {MAX_TEMPLATE_SIZE} (MAX_TEMPLATE_SIZE)"
            ));
        }
        if !requires_word(&template.seq) {
            return Err(
                "it matches without a literal word (a catch-all): every template needs a word \
                 outside `[…]` and `{…}` that any message it matches must contain"
                    .into(),
            );
        }
        Ok(template)
    }

    /// The elements, in order.
    pub fn elements(&self) -> &[Element] {
        &self.seq
    }

    /// The compiled size: words, slots and groups, each counted once.
    pub fn size(&self) -> usize {
        fn size(seq: &[Element]) -> usize {
            seq.iter()
                .map(|e| match e {
                    Element::Word(_) | Element::Slot(_) => 1,
                    Element::Optional(inner) => 1 + size(inner),
                    Element::OneOf(alternatives) => {
                        1 + alternatives.iter().map(|a| size(a)).sum::<usize>()
                    }
                })
                .sum()
        }
        size(&self.seq)
    }
}

/// Whether `seq` has an element, at any depth, for which `test` holds.
fn has(seq: &[Element], test: &dyn Fn(&Element) -> bool) -> bool {
    seq.iter().any(|e| {
        test(e)
            || match e {
                Element::Word(_) | Element::Slot(_) => false,
                Element::Optional(inner) => has(inner, test),
                Element::OneOf(alternatives) => alternatives.iter().any(|a| has(a, test)),
            }
    })
}

/// Whether every match of `seq` contains a literal word.
fn requires_word(seq: &[Element]) -> bool {
    seq.iter().any(|e| match e {
        Element::Word(w) => is_literal(w),
        Element::Slot(_) | Element::Optional(_) => false,
        Element::OneOf(alternatives) => alternatives.iter().all(|a| requires_word(a)),
    })
}

/// Checks the templates of one skill, given as (command, locale, template): each must parse
/// within the per-template limits, and together they must keep the per-skill limits, at most
/// `max_templates` of them (the skill's `max_templates`, by default [`MAX_SKILL_TEMPLATES`]).
/// The error names the template and the limit.
pub fn check_skill<'a>(
    templates: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    max_templates: usize,
) -> Result<(), String> {
    let (mut count, mut total) = (0usize, 0usize);
    for (command, locale, text) in templates {
        count += 1;
        if count > max_templates {
            return Err(format!(
                "the skill has more than {max_templates} intent templates, the limit \
                 (max_templates)"
            ));
        }
        let template = Template::parse(text).map_err(|error| {
            format!(
                "intent template {} of command {command:?} ({locale}) is invalid: {error}",
                quote(text)
            )
        })?;
        total += template.size();
        if total > MAX_SKILL_TEMPLATE_SIZE {
            return Err(format!(
                "the skill's intent templates have a compiled size over {MAX_SKILL_TEMPLATE_SIZE}, \
                 the limit (MAX_SKILL_TEMPLATE_SIZE), at template {} of command {command:?}",
                quote(text)
            ));
        }
    }
    Ok(())
}

/// A template quoted for an error message, shortened when it is long.
fn quote(text: &str) -> String {
    const SHOWN: usize = 120;
    if text.chars().count() <= SHOWN {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(SHOWN).collect();
        format!("{head:?}…")
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// How many groups enclose the current position.
    depth: usize,
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
                '[' | '(' => {
                    push_word(&mut seq, &mut word);
                    if self.depth == MAX_TEMPLATE_NESTING {
                        return Err(format!(
                            "its groups nest more than {MAX_TEMPLATE_NESTING} deep at {}; the \
                             limit is {MAX_TEMPLATE_NESTING} (MAX_TEMPLATE_NESTING)",
                            self.pos
                        ));
                    }
                    self.pos += 1;
                    self.depth += 1;
                    let close = if c == '[' { ']' } else { ')' };
                    let mut alternatives = self.alternatives(close)?;
                    self.depth -= 1;
                    seq.push(match (c, alternatives.len()) {
                        // `[a|b]` is an optional choice: `[(a|b)]`.
                        ('[', 1) => Element::Optional(alternatives.remove(0)),
                        ('[', _) => Element::Optional(vec![Element::OneOf(alternatives)]),
                        _ => Element::OneOf(alternatives),
                    });
                }
                '{' => {
                    push_word(&mut seq, &mut word);
                    self.pos += 1;
                    let start = self.pos;
                    while self.chars.get(self.pos).is_some_and(|&c| c != '}') {
                        self.pos += 1;
                    }
                    let name: String = self.chars[start..self.pos].iter().collect();
                    self.expect('}')?;
                    if name.trim().is_empty() {
                        return Err("a slot `{}` needs a name".into());
                    }
                    seq.push(Element::Slot(name.trim().to_owned()));
                }
                ']' | ')' | '}' | '|' => return Err(format!("unexpected {c:?} at {}", self.pos)),
                c if c.is_whitespace() => {
                    push_word(&mut seq, &mut word);
                    self.pos += 1;
                }
                c => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
        push_word(&mut seq, &mut word);
        Ok(seq)
    }

    /// The `|`-separated alternatives of a group up to its `close`, which is consumed.
    fn alternatives(&mut self, close: char) -> Result<Vec<Vec<Element>>, String> {
        let open = self.pos;
        let mut alternatives = vec![self.sequence(&['|', close])?];
        while self.chars.get(self.pos) == Some(&'|') {
            self.pos += 1;
            alternatives.push(self.sequence(&['|', close])?);
            if alternatives.len() > MAX_TEMPLATE_ALTERNATIVES {
                return Err(format!(
                    "the group at {} has more than {MAX_TEMPLATE_ALTERNATIVES} alternatives; the \
                     limit is {MAX_TEMPLATE_ALTERNATIVES} (MAX_TEMPLATE_ALTERNATIVES)",
                    open - 1
                ));
            }
        }
        self.expect(close)?;
        Ok(alternatives)
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

fn push_word(seq: &mut Vec<Element>, word: &mut String) {
    if !word.is_empty() {
        seq.push(Element::Word(std::mem::take(word)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Element {
        Element::Word(w.into())
    }

    #[test]
    fn parses_the_syntax_of_the_wit() {
        let t = Template::parse("[şu an] saat kaç?").unwrap();
        assert_eq!(
            t.elements(),
            [
                Element::Optional(vec![word("şu"), word("an")]),
                word("saat"),
                word("kaç?"),
            ]
        );
        let t = Template::parse("weather [in|for {place}]").unwrap();
        assert_eq!(
            t.elements(),
            [
                word("weather"),
                Element::Optional(vec![Element::OneOf(vec![
                    vec![word("in")],
                    vec![word("for"), Element::Slot("place".into())],
                ])]),
            ]
        );
        assert_eq!(t.size(), 6);
        let t = Template::parse("(tell me|give me) the time").unwrap();
        assert_eq!(t.elements().len(), 3);
    }

    #[test]
    fn rejects_malformed_templates() {
        for bad in ["saat [kaç", "a | b", "{}", "", "  ?! ", "a)", "(a|b"] {
            assert!(Template::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn rejects_catch_alls() {
        for bad in ["{msg}", "[please] {msg}", "[a|b] {x}", "(a|{x})", "(a|[b])"] {
            let error = Template::parse(bad).unwrap_err();
            assert!(error.contains("catch-all"), "{bad:?}: {error}");
        }
        for good in ["(a|b) {x}", "{x} (a|b c)", "[x] a"] {
            assert!(Template::parse(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn enforces_the_limits() {
        let long = "a ".repeat(MAX_TEMPLATE_CHARS);
        assert!(
            Template::parse(&long)
                .unwrap_err()
                .contains("MAX_TEMPLATE_CHARS")
        );
        let deep = format!(
            "a {}b{}",
            "[".repeat(MAX_TEMPLATE_NESTING + 1),
            "]".repeat(MAX_TEMPLATE_NESTING + 1)
        );
        assert!(
            Template::parse(&deep)
                .unwrap_err()
                .contains("MAX_TEMPLATE_NESTING")
        );
        let ok_deep = format!(
            "a {}b{}",
            "[".repeat(MAX_TEMPLATE_NESTING),
            "]".repeat(MAX_TEMPLATE_NESTING)
        );
        assert!(Template::parse(&ok_deep).is_ok());
        let wide = format!("a ({})", vec!["b"; MAX_TEMPLATE_ALTERNATIVES + 1].join("|"));
        assert!(
            Template::parse(&wide)
                .unwrap_err()
                .contains("MAX_TEMPLATE_ALTERNATIVES")
        );
        let big = format!("a {}", "[a|a a] ".repeat(40));
        assert!(
            Template::parse(&big)
                .unwrap_err()
                .contains("MAX_TEMPLATE_SIZE")
        );
    }

    #[test]
    fn checks_a_skill_and_names_the_template() {
        assert!(check_skill([("now", "en", "what time is it")], MAX_SKILL_TEMPLATES).is_ok());
        let error = check_skill(
            [("now", "en", "time"), ("say", "en", "[please] {msg}")],
            MAX_SKILL_TEMPLATES,
        )
        .unwrap_err();
        assert!(error.contains("\"[please] {msg}\""), "{error}");
        assert!(error.contains("\"say\""), "{error}");
        let many = vec![("now", "en", "time"); MAX_SKILL_TEMPLATES + 1];
        assert!(
            check_skill(many, MAX_SKILL_TEMPLATES)
                .unwrap_err()
                .contains("(max_templates)")
        );
    }
}
