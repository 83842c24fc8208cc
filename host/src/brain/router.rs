//! The rules router: every active skill's intent templates, compiled into bounded matchers and
//! indexed by their literal words.
//!
//! - **Index.** Every template has anchor words: a set of words of which any message it
//!   matches contains at least one (of the words outside groups, or of each alternative of a
//!   group, the set that the fewest other templates share). A message is tried only against
//!   the templates anchored under one of its words, so a skill with tens of thousands of
//!   templates slows only the messages that contain its words.
//! - **Bounded matching.** Each template is matched by a memoised chart (see
//!   [`super::template`]), and a message has a budget of [`ROUTING_BUDGET`] steps for all of
//!   its templates. Past it, the remaining templates are skipped with a warning naming the
//!   skill, and the best match found so far answers.
//! - **No catch-alls.** Every template has a literal word (the grammar refuses one without),
//!   and a route needs a confidence of at least [`MIN_CONFIDENCE`]: the share of the message's
//!   words that the template explained literally or as typed slot values (a date, a number…).
//!   Free-text slot words never count, so a match is never made by free-text slots alone.
//!
//! Routing is synchronous and takes `&self`: a [`Router`] can be shared (`Arc`) and run on a
//! blocking thread.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDateTime;

use super::normalise::Token;
use super::template::{Matcher, OverBudget, Template};
use super::{briefing, slots};
use crate::runtime::{LoadedSkill, Manifest, SlotKind};

/// The least confidence a rules route needs (see the module doc): a quarter of the message's
/// words. With it, one literal word cannot carry a long message of free text: `find {what}`
/// still takes "find lunch with Sam" (1 of 4 words, the lowest of the lines in tests/eval
/// that route), but not "find my bank pin 1234 in my notes".
pub const MIN_CONFIDENCE: f64 = 0.25;

/// The work one message may cost the matchers, in steps (chart cells, edges tried, and
/// slot-parser calls weighted by the words they parse). The first-party skills need a few
/// hundred steps for a typical message; this allows some thousand times that, a few
/// milliseconds, and no more.
pub const ROUTING_BUDGET: u64 = 300_000;

/// Words of politeness, the hesitations of speech typed or transcribed ("uh …", "şey …",
/// "… rn"), and the names an assistant is called by ("bantz", and "olly", the wake word of
/// public voice datasets), that may open or close any request ("please …", "… lütfen").
pub const POLITENESS: &[&str] = &[
    "please", "pls", "kindly", "hey", "lutfen", "acaba", "thanks", "thank", "uh", "um", "umm",
    "uhm", "er", "erm", "hmm", "rn", "sey", "yani", "hani", "falan", "ee", "eee", "ii", "iii",
    "bantz", "olly",
];

/// The message without the words of politeness at its ends, unless it is nothing else: a
/// template need not spell them out.
pub fn without_politeness(tokens: &[Token]) -> &[Token] {
    let polite = |t: &Token| POLITENESS.contains(&t.folded.as_str());
    let start = tokens.iter().take_while(|t| polite(t)).count();
    let end = tokens.len()
        - tokens[start..]
            .iter()
            .rev()
            .take_while(|t| polite(t))
            .count();
    if start < end {
        &tokens[start..end]
    } else {
        tokens
    }
}

/// Words that wrap a request in any domain, at its start ("can you tell me …", "hey bantz …")
/// or at its end ("… söyler misin", "… for me"), folded. A message that no template matches as
/// it is is routed once more without them (see [`Router::route`]), so that no template needs
/// to spell them out.
const WRAPPER_STARTS: &[&[&str]] = &[
    &["i", "was", "wondering", "if", "you", "could"],
    &["i", "was", "wondering", "if", "you", "can"],
    &["i", "was", "wondering", "if"],
    &["i", "was", "wondering", "whether"],
    &["i", "was", "wondering"],
    &["i", "wonder", "if"],
    &["i", "wonder"],
    &["any", "chance", "you", "could"],
    &["would", "you", "mind"],
    &["do", "you", "think"],
    &["i", "need", "you", "to"],
    &["i", "need", "to"],
    &["i", "think"],
    &["can", "we"],
    &["could", "we"],
    &["quick", "one"],
    &["actually"],
    &["and", "also"],
    &["and"],
    &["also"],
    &["bir", "de"],
    &["ayrica"],
    &["wait"],
    &["oh"],
    &["can", "you", "please", "tell", "me"],
    &["could", "you", "please", "tell", "me"],
    &["can", "you", "tell", "me"],
    &["could", "you", "tell", "me"],
    &["would", "you", "tell", "me"],
    &["can", "you", "let", "me", "know"],
    &["could", "you", "let", "me", "know"],
    &["can", "you", "give", "me"],
    &["could", "you", "give", "me"],
    &["i", "would", "like", "to", "know"],
    &["id", "like", "to", "know"],
    &["i", "want", "to", "know"],
    &["i", "wanna", "know"],
    &["let", "me", "know"],
    &["do", "you", "know"],
    &["quick", "question"],
    &["tell", "me"],
    &["give", "me"],
    &["can", "you"],
    &["could", "you"],
    &["would", "you"],
    &["ok"],
    &["okay"],
    &["so"],
    &["well"],
    &["hi"],
    &["hello"],
    &["merhaba"],
    &["selam"],
    &["peki"],
    &["hadi"],
    &["bakalim"],
];
const WRAPPER_ENDS: &[&[&str]] = &[
    &["ogrenmek", "istiyorum"],
    &["bilmek", "istiyorum"],
    &["merak", "ediyorum"],
    &["soyleyebilir", "misin"],
    &["soyler", "misin"],
    &["ogrenebilir", "miyim"],
    &["bakabilir", "misin"],
    &["bakar", "misin"],
    &["if", "you", "can"],
    &["real", "quick"],
    &["ya", "unuttum"],
    &["unuttum"],
    &["ya", "karistirdim"],
    &["karistirdim"],
    &["again"],
    &["quickly"],
    &["for", "me"],
    &["bakalim"],
    &["bantz"],
    &["then"],
];

/// The most times a message no template matches is routed again with one more layer of the
/// words that wrap a request taken off.
const MAX_UNWRAPS: usize = 3;

/// The message with one layer of wrapping words taken off: one at its start and one at its
/// end, and the politeness then at its ends; `None` when there is none to take.
fn unwrapped_once(tokens: &[Token]) -> Option<&[Token]> {
    let starts_with = |tokens: &[Token], words: &[&str]| {
        tokens.len() > words.len() && tokens.iter().zip(words).all(|(t, w)| t.folded == *w)
    };
    let ends_with = |tokens: &[Token], words: &[&str]| {
        tokens.len() > words.len()
            && tokens[tokens.len() - words.len()..]
                .iter()
                .zip(words)
                .all(|(t, w)| t.folded == *w)
    };
    let mut inner = tokens;
    if let Some(words) = WRAPPER_STARTS.iter().find(|w| starts_with(inner, w)) {
        inner = without_politeness(&inner[words.len()..]);
    }
    if let Some(words) = WRAPPER_ENDS.iter().find(|w| ends_with(inner, w)) {
        inner = without_politeness(&inner[..inner.len() - words.len()]);
    }
    (inner.len() < tokens.len()).then_some(inner)
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// One command matched best.
    Command(Target),
    /// Several commands matched equally well: ask which one was meant.
    Ambiguous(Vec<Target>),
    /// Nothing matched.
    NoMatch,
}

/// A command of a skill, with the arguments taken from the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub skill: String,
    pub command: String,
    pub locale: String,
    pub args: serde_json::Map<String, serde_json::Value>,
    /// The share of the message's words that the template explained, literally or as typed
    /// slot values (free-text slot words do not count), from 0 to 1.
    pub confidence: f64,
}

impl Target {
    /// The call that runs this command in `locale`, for conversation `conversation_id`.
    pub fn invocation(&self, locale: &str, conversation_id: &str) -> crate::runtime::Invocation {
        crate::runtime::Invocation {
            skill: self.skill.clone(),
            command: self.command.clone(),
            args: serde_json::Value::Object(self.args.clone()),
            locale: locale.to_owned(),
            conversation_id: conversation_id.to_owned(),
        }
    }
}

/// What an intent's templates route to.
struct Intent {
    skill: Arc<str>,
    command: String,
    locale: String,
    slots: Vec<(String, SlotKind)>,
}

/// One compiled template.
struct Entry {
    /// Index into [`Router::intents`].
    intent: u32,
    matcher: Matcher,
}

/// Whether two different words are one edit apart: one letter left out, added or changed, or
/// two neighbouring letters swapped.
fn one_edit_apart(a: &[char], b: &[char]) -> bool {
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let start = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let end = a[start..]
        .iter()
        .rev()
        .zip(b[start..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (rest_a, rest_b) = (a.len() - start - end, b.len() - start - end);
    match (rest_a, rest_b) {
        // One left out, added or changed.
        (0, 1) | (1, 0) | (1, 1) => true,
        // Two neighbours swapped.
        (2, 2) => a[start] == b[start + 1] && a[start + 1] == b[start],
        _ => false,
    }
}

/// The compiled templates of a set of skills.
pub struct Router {
    intents: Vec<Intent>,
    /// In the order of the skills and their templates: ties go to the first.
    entries: Vec<Entry>,
    /// Entries by anchor word, each list in ascending order.
    index: HashMap<Box<str>, Vec<u32>>,
    /// The templates' literal words of at least [`MIN_SPELLED_CHARS`] letters, for
    /// [`Router::respelled`].
    vocabulary: HashSet<Box<str>>,
    /// The same words as characters, by their length.
    vocabulary_by_length: HashMap<usize, Vec<Box<[char]>>>,
}

/// The shortest word [`Router::respelled`] corrects, and the shortest it corrects to: shorter
/// words have too many neighbours one letter away ("time" and "tide").
const MIN_SPELLED_CHARS: usize = 6;

/// The most words of one message [`Router::respelled`] tries to correct: a message with more
/// unknown words is not a typo away from a template.
const MAX_RESPELLED_WORDS: usize = 8;

/// The most word comparisons [`Router::respelled`] makes for one message, whatever the size of
/// the vocabulary (a skill may bring 10,000 templates): past it, no more words are corrected.
/// The first-party skills' vocabulary takes a few hundred per word.
const RESPELL_COMPARISONS: usize = 100_000;

impl Router {
    /// Compiles the templates of `skills`, and the host's own (the briefing).
    pub fn new(skills: &[Arc<LoadedSkill>]) -> Router {
        Router::from_manifests(skills.iter().map(|s| &s.manifest))
    }

    /// Compiles the templates of these manifests, and the host's own (the briefing). A
    /// template that does not parse (which a loaded skill cannot have) is skipped with a
    /// warning naming the skill.
    pub fn from_manifests<'a>(manifests: impl IntoIterator<Item = &'a Manifest>) -> Router {
        let mut router = Router {
            intents: Vec::new(),
            entries: Vec::new(),
            index: HashMap::new(),
            vocabulary: HashSet::new(),
            vocabulary_by_length: HashMap::new(),
        };
        // The words of dates are no template's, but a typo in them is as common.
        for word in slots::SPELLED_DATE_WORDS {
            router.learn_spelling(word);
        }
        for manifest in manifests {
            let skill: Arc<str> = manifest.name.as_str().into();
            for intent in &manifest.intents {
                let slots = intent
                    .slots
                    .iter()
                    .map(|s| (s.name.clone(), s.kind))
                    .collect();
                router.add(
                    &skill,
                    &intent.command,
                    &intent.locale,
                    slots,
                    intent.templates.iter().map(String::as_str),
                );
            }
        }
        let host: Arc<str> = briefing::SKILL.into();
        for (locale, templates) in briefing::INTENTS {
            router.add(
                &host,
                briefing::COMMAND,
                locale,
                Vec::new(),
                templates.iter().copied(),
            );
        }
        router.build_index();
        router
    }

    /// Adds a word to the vocabulary that [`Router::respelled`] corrects to, if it is long
    /// enough.
    fn learn_spelling(&mut self, word: &str) {
        let chars: Box<[char]> = word.chars().collect();
        if chars.len() >= MIN_SPELLED_CHARS && self.vocabulary.insert(word.into()) {
            self.vocabulary_by_length
                .entry(chars.len())
                .or_default()
                .push(chars);
        }
    }

    fn add<'t>(
        &mut self,
        skill: &Arc<str>,
        command: &str,
        locale: &str,
        slots: Vec<(String, SlotKind)>,
        templates: impl Iterator<Item = &'t str>,
    ) {
        let intent = self.intents.len() as u32;
        self.intents.push(Intent {
            skill: skill.clone(),
            command: command.to_owned(),
            locale: locale.to_owned(),
            slots,
        });
        for text in templates {
            match Template::parse(text) {
                Ok(template) => {
                    for word in template.words() {
                        self.learn_spelling(&word);
                    }
                    self.entries.push(Entry {
                        intent,
                        matcher: Matcher::new(&template),
                    })
                }
                Err(error) => {
                    tracing::warn!(%skill, template = %text, %error, "skipping an intent template that is not valid")
                }
            }
        }
    }

    /// Indexes every entry under the anchor option whose words the fewest entries share.
    fn build_index(&mut self) {
        let mut shared: HashMap<&str, u32> = HashMap::new();
        for entry in &self.entries {
            let words: HashSet<&str> = entry
                .matcher
                .anchor_options()
                .iter()
                .flatten()
                .map(|w| &**w)
                .collect();
            for word in words {
                *shared.entry(word).or_default() += 1;
            }
        }
        let mut index: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for (id, entry) in self.entries.iter().enumerate() {
            let cost = |option: &Vec<Box<str>>| -> u64 {
                option.iter().map(|w| u64::from(shared[&**w])).sum()
            };
            let Some(anchor) = entry
                .matcher
                .anchor_options()
                .iter()
                .min_by_key(|o| cost(o))
            else {
                // Only templates whose words are all punctuation, which match nothing.
                continue;
            };
            for word in anchor {
                index.entry(word.clone()).or_default().push(id as u32);
            }
        }
        self.index = index;
    }

    /// How many templates the router holds.
    #[cfg(test)]
    pub fn templates(&self) -> usize {
        self.entries.len()
    }

    /// The message with its misspelt words corrected, if it has any: a word of at least
    /// [`MIN_SPELLED_CHARS`] letters that no template spells, one letter away (one left out,
    /// added, changed, or two swapped) from exactly one word that templates do ("takvmimde" →
    /// "takvimimde", "calender" → "calendar"). Only the folded form changes: slot values keep
    /// what the user wrote. Bounded: at most [`MAX_RESPELLED_WORDS`] words are tried, against
    /// the words one letter longer or shorter or as long, in at most [`RESPELL_COMPARISONS`]
    /// comparisons in all.
    pub fn respelled(&self, tokens: &[Token]) -> Option<Vec<Token>> {
        self.respelled_counting(tokens).0
    }

    /// [`Router::respelled`], and the number of comparisons it made.
    fn respelled_counting(&self, tokens: &[Token]) -> (Option<Vec<Token>>, usize) {
        let (mut changed, mut tried, mut compared) = (false, 0, 0);
        let respelled = tokens
            .iter()
            .map(|t| {
                let word = t.folded.as_str();
                let chars: Vec<char> = word.chars().collect();
                let length = chars.len();
                if length < MIN_SPELLED_CHARS
                    || chars.iter().any(|c| !c.is_alphabetic())
                    || self.vocabulary.contains(word)
                    || tried == MAX_RESPELLED_WORDS
                    || compared == RESPELL_COMPARISONS
                {
                    return t.clone();
                }
                tried += 1;
                let candidates = (length - 1..=length + 1)
                    .filter_map(|n| self.vocabulary_by_length.get(&n))
                    .flatten();
                // The nearest words by the kind of slip that makes them: a letter left out
                // (the likeliest when typing fast), one mistyped, one too many.
                let mut near: [Option<&[char]>; 3] = [None; 3];
                let mut ties = [false; 3];
                for candidate in candidates {
                    if compared == RESPELL_COMPARISONS {
                        // Out of budget: this word is left as it is.
                        return t.clone();
                    }
                    compared += 1;
                    if one_edit_apart(&chars, candidate) {
                        let slip = (length + 1 - candidate.len()).min(2);
                        ties[slip] |= near[slip].is_some();
                        near[slip] = Some(candidate);
                    }
                }
                // The likeliest kind of slip that some word explains decides; two words
                // explained by it as well are a tie, and neither is chosen.
                let near = match (0..3).find(|&slip| near[slip].is_some()) {
                    Some(slip) if !ties[slip] => near[slip],
                    _ => None,
                };
                match near {
                    Some(only) => {
                        changed = true;
                        Token {
                            folded: only.iter().collect(),
                            original: t.original.clone(),
                        }
                    }
                    None => t.clone(),
                }
            })
            .collect();
        (changed.then_some(respelled), compared)
    }

    /// Routes a tokenized message: the command whose template matched with the most literal
    /// words, then typed words; a tie between different commands is ambiguous.
    ///
    /// A message no template matches is routed again with the words that wrap a request taken
    /// off, one layer at a time ([`unwrapped_once`]), at most [`MAX_UNWRAPS`] times.
    pub fn route(&self, tokens: &[Token], now: NaiveDateTime) -> Route {
        let mut inner = without_politeness(tokens);
        let mut route = self.route_as_is(inner, now);
        for _ in 0..MAX_UNWRAPS {
            let Some(next) = unwrapped_once(inner) else {
                break;
            };
            if route != Route::NoMatch {
                break;
            }
            inner = next;
            route = self.route_as_is(inner, now);
        }
        route
    }

    fn route_as_is(&self, tokens: &[Token], now: NaiveDateTime) -> Route {
        if tokens.is_empty() {
            return Route::NoMatch;
        }
        let words: HashSet<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
        let mut candidates: Vec<u32> = words
            .iter()
            .filter_map(|w| self.index.get(*w))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();

        let mut work = ROUTING_BUDGET;
        let mut best: Vec<((usize, usize), Target)> = Vec::new();
        for (tried, &id) in candidates.iter().enumerate() {
            let entry = &self.entries[id as usize];
            let intent = &self.intents[entry.intent as usize];
            let exhausted = |work: u64| {
                tracing::warn!(
                    skill = %intent.skill,
                    untried = candidates.len() - tried,
                    budget = ROUTING_BUDGET,
                    steps_left = work,
                    "routing budget spent: the remaining intent templates of this message are skipped"
                );
            };
            if work == 0 {
                exhausted(work);
                break;
            }
            work -= 1;
            if !entry
                .matcher
                .could_match(tokens.len(), |w| words.contains(w))
            {
                continue;
            }
            let parse_slot = |name: &str, words: &[Token]| {
                let kind = intent
                    .slots
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(SlotKind::Text, |(_, k)| *k);
                let typed = !matches!(kind, SlotKind::Text | SlotKind::Place);
                slots::parse(kind, words, now).map(|value| (value, typed))
            };
            let found = match entry.matcher.matches_within(tokens, &parse_slot, &mut work) {
                Ok(Some(found)) => found,
                Ok(None) => continue,
                Err(OverBudget) => {
                    exhausted(work);
                    break;
                }
            };
            let confidence = (found.literal_words + found.typed_words) as f64 / tokens.len() as f64;
            if confidence < MIN_CONFIDENCE {
                continue;
            }
            let score = (found.literal_words, found.typed_words);
            let target = Target {
                skill: intent.skill.to_string(),
                command: intent.command.clone(),
                locale: intent.locale.clone(),
                confidence,
                args: found.slots.into_iter().collect(),
            };
            match best.first().map(|(s, _)| *s) {
                Some(top) if score < top => {}
                Some(top) if score == top => {
                    if !best
                        .iter()
                        .any(|(_, t)| t.skill == target.skill && t.command == target.command)
                    {
                        best.push((score, target));
                    }
                }
                _ => best = vec![(score, target)],
            }
        }
        match best.len() {
            0 => Route::NoMatch,
            1 => Route::Command(best.remove(0).1),
            _ => Route::Ambiguous(best.into_iter().map(|(_, t)| t).collect()),
        }
    }
}

#[cfg(test)]
mod bench;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brain::normalise::tokenize;
    use crate::runtime::{Command, Intent, Permissions, Slot};

    /// A manifest with one command per intent: (command, locale, templates), where every slot
    /// is free text except `date`.
    fn manifest(name: &str, intents: &[(&str, &str, Vec<String>)]) -> Manifest {
        Manifest {
            name: name.into(),
            version: "0.1.0".into(),
            description: String::new(),
            commands: intents
                .iter()
                .map(|(command, _, _)| Command {
                    name: (*command).into(),
                    description: String::new(),
                    args_schema: String::new(),
                    examples: Vec::new(),
                    needs_confirmation: false,
                })
                .collect(),
            intents: intents
                .iter()
                .map(|(command, locale, templates)| Intent {
                    command: (*command).into(),
                    locale: (*locale).into(),
                    templates: templates.clone(),
                    slots: vec![Slot {
                        name: "date".into(),
                        kind: SlotKind::Date,
                    }],
                })
                .collect(),
            permissions: Permissions {
                outbound_hosts: Vec::new(),
                notify: false,
                schedule: None,
            },
        }
    }

    fn strings(templates: &[&str]) -> Vec<String> {
        templates.iter().map(|t| (*t).to_owned()).collect()
    }

    fn clock() -> Manifest {
        manifest(
            "clock",
            &[
                ("now", "tr", strings(&["[şu an] saat kaç [acaba]"])),
                ("now", "en", strings(&["what time is it [now]"])),
            ],
        )
    }

    fn route(router: &Router, message: &str) -> Route {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        router.route(&tokenize(message), now)
    }

    fn command(route: &Route) -> Option<String> {
        match route {
            Route::Command(t) => Some(format!("{}.{}", t.skill, t.command)),
            _ => None,
        }
    }

    #[test]
    fn words_that_wrap_a_request_need_no_template() {
        let router = Router::from_manifests([&clock()]);
        for message in [
            "can you tell me what time is it",
            "hey bantz what time is it please",
            "ok so what time is it",
            "bantz şu an saat kaç söyler misin",
            "peki saat kaç bakar mısın",
        ] {
            assert_eq!(
                command(&route(&router, message)).as_deref(),
                Some("clock.now"),
                "{message}"
            );
        }
        // Only at the ends, and never the whole message.
        assert_eq!(
            route(&router, "what time can you tell me is it"),
            Route::NoMatch
        );
        assert_eq!(route(&router, "tell me"), Route::NoMatch);
        assert_eq!(unwrapped_once(&tokenize("tell me")), None);
        // One layer at a time, so "tell me the time" is tried before "the time".
        let wrapped = tokenize("i was wondering if you could tell me the time real quick");
        let once = unwrapped_once(&wrapped).unwrap();
        assert_eq!(once.len(), 4);
        assert_eq!(unwrapped_once(once).map(<[Token]>::len), Some(2));
    }

    #[test]
    fn misspelt_words_are_corrected_to_the_one_template_word_nearby() {
        let apart = |a: &str, b: &str| {
            one_edit_apart(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert!(apart("takvmimde", "takvimimde"));
        assert!(apart("calender", "calendar"));
        assert!(apart("shcedule", "schedule"));
        assert!(apart("schedulee", "schedule"));
        assert!(!apart("schedule", "schedule"));
        assert!(!apart("calendra", "calendar2"));
        assert!(!apart("weather", "leathers"));
        let notes = manifest(
            "notes",
            &[(
                "show",
                "en",
                strings(&["show my calendar", "show my schedule"]),
            )],
        );
        let router = Router::from_manifests([&notes]);
        let tokens = tokenize("show my calender");
        let spelled = router.respelled(&tokens).expect("a word is corrected");
        assert_eq!(spelled[2].folded, "calendar");
        assert_eq!(spelled[2].original, "calender");
        assert_eq!(router.respelled(&tokenize("show my calendar")), None);
        assert_eq!(router.respelled(&tokenize("show my bicycle")), None);

        // "toplantılarmı" is a letter short of "toplantılarımı" and a letter over
        // "toplantıları": the letter left out is the likelier slip. Two words that the same
        // slip explains are a tie, and neither is chosen.
        let meetings = manifest(
            "meetings",
            &[(
                "show",
                "tr",
                strings(&[
                    "toplantılarımı göster",
                    "toplantıları göster",
                    "kediyi göster",
                    "kedili göster",
                ]),
            )],
        );
        let router = Router::from_manifests([&meetings]);
        let spelled = router
            .respelled(&tokenize("toplantılarmı göster"))
            .expect("a word is corrected");
        assert_eq!(spelled[0].folded, "toplantilarimi");
        assert_eq!(
            router.respelled(&tokenize("kedii göster")),
            None,
            "kediyi or kedili"
        );
    }

    /// A 7-letter word for every `n`, spread over all such words so that few are one letter
    /// from another.
    fn word(n: u64) -> String {
        let mut n = n * 2_654_435_761 % 26u64.pow(7);
        (0..7)
            .map(|_| {
                let c = char::from(b'a' + (n % 26) as u8);
                n /= 26;
                c
            })
            .collect()
    }

    #[test]
    fn respelling_is_bounded_whatever_the_vocabulary_and_the_message() {
        // A skill whose templates spell 40,000 different 7-letter words, and a message of
        // 500 unknown 7-letter words: without a bound, 20 million comparisons.
        let templates: Vec<String> = (0..1_000u64)
            .map(|t| {
                let words: Vec<String> = (0..40).map(|w| word(t * 40 + w)).collect();
                format!("zz {}", words.join(" "))
            })
            .collect();
        let big = manifest("big", &[("say", "en", templates)]);
        let router = Router::from_manifests([&big]);
        let message: Vec<String> = (0..500).map(|n| word(1_000_000 + n)).collect();
        let tokens = tokenize(&message.join(" "));
        let (_, compared) = router.respelled_counting(&tokens);
        assert!(
            compared <= RESPELL_COMPARISONS,
            "{compared} comparisons, over the bound"
        );
        assert!(compared > 0, "the words were tried");
        // A real typo still finds its word in that vocabulary.
        let right = word(12_345);
        let typo = format!("{}{}", &right[..3], &right[4..]);
        let spelled = router
            .respelled(&tokenize(&format!("zz {typo}")))
            .expect("the typo is corrected");
        assert_eq!(spelled[1].folded, right);
    }

    #[test]
    fn routes_to_the_best_template_and_reports_ties() {
        let notes = manifest(
            "notes",
            &[
                (
                    "add",
                    "en",
                    strings(&["note {what}", "note {what} for {date}"]),
                ),
                ("time", "en", strings(&["what time is it [now]"])),
            ],
        );
        let router = Router::from_manifests([&clock(), &notes]);
        assert_eq!(command(&route(&router, "saat kaç")).unwrap(), "clock.now");
        assert_eq!(
            command(&route(&router, "brief me")).unwrap(),
            "bantz.briefing"
        );
        let Route::Command(target) = route(&router, "note milk for tomorrow") else {
            panic!("no route");
        };
        assert_eq!(target.args["date"], "2026-11-29");
        assert_eq!(target.args["what"], "milk");
        assert_eq!(target.confidence, 3.0 / 4.0);
        let Route::Ambiguous(targets) = route(&router, "what time is it") else {
            panic!("not ambiguous");
        };
        assert_eq!(targets.len(), 2);
        assert_eq!(route(&router, "what is the time"), Route::NoMatch);
    }

    #[test]
    fn free_text_never_carries_a_route_alone() {
        let notes = manifest("notes", &[("add", "en", strings(&["note {what}"]))]);
        let router = Router::from_manifests([&notes]);
        assert!(command(&route(&router, "note call mom")).is_some());
        // One literal word of ten: under the minimum confidence.
        assert_eq!(
            route(
                &router,
                "note my bank pin is 1234 and my password is hunter2"
            ),
            Route::NoMatch
        );
        // A catch-all that slipped past loading is not compiled.
        let catch_all = manifest("catch-all", &[("take", "en", strings(&["{msg}"]))]);
        let router = Router::from_manifests([&catch_all]);
        // Only the briefing's own templates.
        let briefing: usize = briefing::INTENTS.iter().map(|(_, t)| t.len()).sum();
        assert_eq!(router.templates(), briefing);
        assert_eq!(route(&router, "my bank pin is 1234"), Route::NoMatch);
    }

    #[test]
    fn a_huge_skill_slows_only_messages_with_its_words() {
        let items: Vec<String> = (0..20_000)
            .map(|i| format!("saat kaç item{i} [{{when}}]"))
            .collect();
        let many = manifest("many", &[("stock", "en", items)]);
        let router = Router::from_manifests([&clock(), &many]);
        assert_eq!(
            router.index["saat"].len(),
            1,
            "indexed under their rarest word"
        );
        assert_eq!(command(&route(&router, "saat kaç")).unwrap(), "clock.now");
        assert_eq!(
            command(&route(&router, "saat kaç item19999 yarın")).unwrap(),
            "many.stock"
        );
    }

    #[test]
    fn the_budget_bounds_a_pathological_message_and_it_still_gets_an_answer() {
        // The first template matches at once; the others would cost far more than the budget.
        let hostile: Vec<String> = std::iter::once(format!("a {}{{rest}}", "[a|a a] ".repeat(20)))
            .chain((0..200).map(|i| {
                format!(
                    "a {{s1}} {{s2}} {{s3}} {{s4}} {{s5}} {{s6}} {{s7}} {}{{rest}}",
                    "[a|a a] ".repeat(10 + i % 7)
                )
            }))
            .collect();
        let hostile = manifest("hostile", &[("echo", "en", hostile)]);
        let router = Router::from_manifests([&clock(), &hostile]);
        let message = vec!["a"; 60].join(" ");
        let started = std::time::Instant::now();
        let routed = route(&router, &message);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(command(&routed).unwrap(), "hostile.echo");
        assert_eq!(command(&route(&router, "saat kaç")).unwrap(), "clock.now");
    }
}
