//! Matching intent templates against tokenized messages, in bounded time.
//!
//! The grammar (parsing and the load-time limits) is in [`crate::intent_template`], shared
//! with the runtime. Here a parsed [`Template`] is compiled into a [`Matcher`]: a small acyclic
//! graph of states (a word, a slot, a choice between next states, the end). A match is a path
//! from the start state at message position 0 to the end state at the last position. The best
//! match is found with a memoised chart over (state, position): each cell keeps the best
//! score of the rest of the message from there, so one match costs at most
//! states × positions cells plus, for slots, positions² slot-parser calls, memoised per
//! (slot, start, end); never the exponential number of paths. Every step is charged to a
//! budget, so a caller can bound the work one message may cost.
//!
//! The result is the one a full enumeration of the paths gives: the best (literal words,
//! typed words), and among equal scores the first path in template order (an optional part
//! before its absence, alternatives in order, shorter slot values first).

use std::collections::{BTreeMap, HashMap};

pub use crate::intent_template::{Element, Template};

use super::normalise::{Token, tokenize};

/// A successful match: how many words matched literally, how many went into typed slots (a
/// date, a number…), and the slot values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Match {
    pub literal_words: usize,
    pub typed_words: usize,
    pub slots: BTreeMap<String, serde_json::Value>,
}

/// Decides what a slot may capture: the value of `tokens` for slot `name`, and whether it is a
/// typed value (anything but free text), or `None` when they cannot fill the slot.
pub type SlotParser<'a> = &'a dyn Fn(&str, &[Token]) -> Option<(serde_json::Value, bool)>;

/// The matcher ran out of its work budget before it knew the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget;

/// The folded words of a template word, as a message with that word would tokenize: usually
/// one, none for punctuation, several for e.g. `e-mail`.
pub fn template_words(word: &str) -> Vec<String> {
    tokenize(word).into_iter().map(|t| t.folded).collect()
}

impl Template {
    /// The best match of the whole message, if the template matches it at all (unbounded
    /// work; the router uses [`Matcher::matches_within`]).
    pub fn matches(&self, tokens: &[Token], slots: SlotParser<'_>) -> Option<Match> {
        let mut unlimited = u64::MAX;
        Matcher::new(self)
            .matches_within(tokens, slots, &mut unlimited)
            .unwrap_or(None)
    }
}

/// One state of a compiled template. Every edge leads to a state of a lower index, and state 0
/// is the end, so the graph is acyclic.
#[derive(Debug, Clone)]
enum State {
    /// The whole message has to be consumed here.
    End,
    /// One token equal to `word`.
    Word { word: Box<str>, next: u32 },
    /// One or more tokens that the slot parser accepts for slot `slot`.
    Slot { slot: u16, next: u32 },
    /// Goes on at one of `next`, tried in order.
    Split { next: Box<[u32]> },
}

/// A template compiled for matching.
#[derive(Debug, Clone)]
pub struct Matcher {
    states: Vec<State>,
    start: u32,
    /// Slot names, by index.
    slots: Vec<Box<str>>,
    /// Fewest tokens a match has.
    min_tokens: usize,
    /// Most tokens a match has, when the template has no slot on some path.
    max_tokens: Option<usize>,
    /// Words every match contains (the template's words outside groups).
    required: Vec<Box<str>>,
    /// Sets of words of which every match contains at least one; the router indexes the
    /// template under one of them.
    anchor_options: Vec<Vec<Box<str>>>,
}

/// The score of the rest of a match: (literal words, typed words); higher is better.
type Score = (u32, u32);

/// A chart cell: not yet known, known to match nothing, or the best score and the choice that
/// gives it (the index of a split's next state, or the end of a slot's value).
#[derive(Debug, Clone, Copy)]
enum Cell {
    Unknown,
    Fails,
    Best(Score, u32),
}

impl Matcher {
    /// Compiles a parsed template.
    pub fn new(template: &Template) -> Matcher {
        let mut compiler = Compiler {
            states: vec![State::End],
            slots: Vec::new(),
        };
        let start = compiler.seq(template.elements(), 0);
        let required = template
            .elements()
            .iter()
            .filter_map(|e| match e {
                Element::Word(w) => Some(template_words(w)),
                _ => None,
            })
            .flatten()
            .map(Into::into)
            .collect::<Vec<Box<str>>>();
        let mut anchor_options: Vec<Vec<Box<str>>> =
            required.iter().map(|w| vec![w.clone()]).collect();
        anchor_options.extend(template.elements().iter().filter_map(|e| match e {
            Element::OneOf(alternatives) => one_of_anchor(alternatives),
            _ => None,
        }));
        let (min_tokens, max_tokens) = token_bounds(template.elements());
        Matcher {
            states: compiler.states,
            start,
            slots: compiler.slots,
            min_tokens,
            max_tokens,
            required,
            anchor_options,
        }
    }

    /// Sets of words of which every match contains at least one. Empty only for a template
    /// that matches no message (all its words are punctuation).
    pub fn anchor_options(&self) -> &[Vec<Box<str>>] {
        &self.anchor_options
    }

    /// Whether a message of these tokens (with `has_word` telling which words it contains)
    /// could match at all: cheap checks before the chart.
    pub fn could_match(&self, tokens: usize, has_word: impl Fn(&str) -> bool) -> bool {
        tokens >= self.min_tokens
            && self.max_tokens.is_none_or(|max| tokens <= max)
            && self.required.iter().all(|w| has_word(w))
    }

    /// The best match of the whole message, spending at most `work` steps (chart cells, edges
    /// tried and slot-parser calls, a call weighing as much as the words it parses); `work` is
    /// decreased by what was spent. `Err` when the budget ran out first.
    pub fn matches_within(
        &self,
        tokens: &[Token],
        slots: SlotParser<'_>,
        work: &mut u64,
    ) -> Result<Option<Match>, OverBudget> {
        if tokens.is_empty() {
            return Ok(None);
        }
        let mut chart = Chart {
            matcher: self,
            tokens,
            parse: slots,
            width: tokens.len() + 1,
            cells: vec![Cell::Unknown; self.states.len() * (tokens.len() + 1)],
            parsed: HashMap::new(),
            work,
        };
        let Some(score) = chart.best(self.start, 0)? else {
            return Ok(None);
        };
        Ok(Some(chart.path(score)))
    }
}

/// The anchor of a group: the union of one anchor of each alternative, if each has one.
fn one_of_anchor(alternatives: &[Vec<Element>]) -> Option<Vec<Box<str>>> {
    let mut words: Vec<Box<str>> = Vec::new();
    for alternative in alternatives {
        let best = alternative
            .iter()
            .filter_map(|e| match e {
                Element::Word(w) => template_words(w)
                    .into_iter()
                    .next()
                    .map(|w| vec![w.into_boxed_str()]),
                Element::OneOf(inner) => one_of_anchor(inner),
                _ => None,
            })
            .min_by_key(Vec::len)?;
        for w in best {
            if !words.contains(&w) {
                words.push(w);
            }
        }
    }
    Some(words)
}

/// The fewest and the most tokens a match of `seq` has; no most when a slot can take any.
fn token_bounds(seq: &[Element]) -> (usize, Option<usize>) {
    let (mut min, mut max) = (0, Some(0));
    for e in seq {
        let (lo, hi) = match e {
            Element::Word(w) => {
                let n = template_words(w).len();
                (n, Some(n))
            }
            Element::Slot(_) => (1, None),
            Element::Optional(inner) => (0, token_bounds(inner).1),
            Element::OneOf(alternatives) => {
                let bounds: Vec<_> = alternatives.iter().map(|a| token_bounds(a)).collect();
                let lo = bounds.iter().map(|b| b.0).min().unwrap_or(0);
                let hi = bounds.iter().try_fold(0, |acc, b| b.1.map(|h| acc.max(h)));
                (lo, hi)
            }
        };
        min += lo;
        max = max.zip(hi).map(|(a, b)| a + b);
    }
    (min, max)
}

impl Template {
    /// One expansion of the template, for the classifier's training data: `pick(n)` chooses
    /// among `n` ways at every choice (an optional part is taken at 0 and left out at 1; an
    /// alternative is taken by its index), and `fill(name)` gives the words of slot `name`.
    /// The literal words come out folded, as the matcher compares them (see [`template_words`]).
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
                    Element::Word(w) => out.extend(template_words(w)),
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

    /// Every literal word of the template, in every alternative, folded.
    pub fn words(&self) -> Vec<String> {
        fn walk(seq: &[Element], out: &mut Vec<String>) {
            for element in seq {
                match element {
                    Element::Word(w) => out.extend(template_words(w)),
                    Element::Optional(inner) => walk(inner, out),
                    Element::OneOf(alternatives) => {
                        alternatives.iter().for_each(|a| walk(a, out));
                    }
                    Element::Slot(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.seq, &mut out);
        out
    }
}

struct Compiler {
    states: Vec<State>,
    slots: Vec<Box<str>>,
}

impl Compiler {
    fn push(&mut self, state: State) -> u32 {
        self.states.push(state);
        (self.states.len() - 1) as u32
    }

    /// Compiles `seq` so that it goes on at `next`; returns its first state.
    fn seq(&mut self, seq: &[Element], mut next: u32) -> u32 {
        for element in seq.iter().rev() {
            next = self.element(element, next);
        }
        next
    }

    fn element(&mut self, element: &Element, mut next: u32) -> u32 {
        match element {
            Element::Word(w) => {
                for word in template_words(w).into_iter().rev() {
                    next = self.push(State::Word {
                        word: word.into(),
                        next,
                    });
                }
                next
            }
            Element::Slot(name) => {
                let slot = match self.slots.iter().position(|s| **s == **name) {
                    Some(i) => i,
                    None => {
                        self.slots.push(name.as_str().into());
                        self.slots.len() - 1
                    }
                } as u16;
                self.push(State::Slot { slot, next })
            }
            Element::Optional(inner) => {
                let inner = self.seq(inner, next);
                self.push(State::Split {
                    next: [inner, next].into(),
                })
            }
            Element::OneOf(alternatives) => {
                let starts: Vec<u32> = alternatives.iter().map(|a| self.seq(a, next)).collect();
                self.push(State::Split {
                    next: starts.into(),
                })
            }
        }
    }
}

/// One match in progress.
struct Chart<'a> {
    matcher: &'a Matcher,
    tokens: &'a [Token],
    parse: SlotParser<'a>,
    /// Positions per state: tokens + 1.
    width: usize,
    cells: Vec<Cell>,
    /// Slot-parser answers by (slot, start, end).
    parsed: HashMap<(u16, u32, u32), Option<(serde_json::Value, bool)>>,
    work: &'a mut u64,
}

impl Chart<'_> {
    fn charge(&mut self, steps: u64) -> Result<(), OverBudget> {
        *self.work = self.work.checked_sub(steps).ok_or(OverBudget)?;
        Ok(())
    }

    /// Whether slot `slot` can hold tokens `start..end`, and whether as a typed value.
    fn slot(&mut self, slot: u16, start: usize, end: usize) -> Result<Option<bool>, OverBudget> {
        let key = (slot, start as u32, end as u32);
        if let Some(known) = self.parsed.get(&key) {
            return Ok(known.as_ref().map(|(_, typed)| *typed));
        }
        self.charge((end - start) as u64)?;
        let name = &self.matcher.slots[slot as usize];
        let value = (self.parse)(name, &self.tokens[start..end]);
        let typed = value.as_ref().map(|(_, typed)| *typed);
        self.parsed.insert(key, value);
        Ok(typed)
    }

    /// The best score of matching the tokens from `pos` to the end, from `state` on.
    fn best(&mut self, state: u32, pos: usize) -> Result<Option<Score>, OverBudget> {
        let index = state as usize * self.width + pos;
        match self.cells[index] {
            Cell::Fails => return Ok(None),
            Cell::Best(score, _) => return Ok(Some(score)),
            Cell::Unknown => {}
        }
        self.charge(1)?;
        let matcher = self.matcher;
        let tokens = self.tokens.len();
        let mut best: Option<(Score, u32)> = None;
        let mut consider = |score: Score, choice: u32| {
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, choice));
            }
        };
        match &matcher.states[state as usize] {
            State::End => {
                if pos == tokens {
                    consider((0, 0), 0);
                }
            }
            State::Word { word, next } => {
                if self.tokens.get(pos).is_some_and(|t| *t.folded == **word)
                    && let Some((literal, typed)) = self.best(*next, pos + 1)?
                {
                    consider((literal + 1, typed), 0);
                }
            }
            State::Slot { slot, next } => {
                for end in pos + 1..=tokens {
                    self.charge(1)?;
                    let Some((literal, typed)) = self.best(*next, end)? else {
                        continue;
                    };
                    let Some(is_typed) = self.slot(*slot, pos, end)? else {
                        continue;
                    };
                    let words = if is_typed { (end - pos) as u32 } else { 0 };
                    consider((literal, typed + words), end as u32);
                }
            }
            State::Split { next } => {
                for (i, next) in next.iter().enumerate() {
                    self.charge(1)?;
                    if let Some(score) = self.best(*next, pos)? {
                        consider(score, i as u32);
                    }
                }
            }
        }
        self.cells[index] = match best {
            Some((score, choice)) => Cell::Best(score, choice),
            None => Cell::Fails,
        };
        Ok(best.map(|(score, _)| score))
    }

    /// The match along the best path, whose score is `score`.
    fn path(&mut self, (literal, typed): Score) -> Match {
        let mut found = Match {
            literal_words: literal as usize,
            typed_words: typed as usize,
            slots: BTreeMap::new(),
        };
        let (mut state, mut pos) = (self.matcher.start, 0);
        loop {
            let Cell::Best(_, choice) = self.cells[state as usize * self.width + pos] else {
                unreachable!("the best path goes through known cells only");
            };
            match &self.matcher.states[state as usize] {
                State::End => return found,
                State::Word { next, .. } => (state, pos) = (*next, pos + 1),
                State::Slot { slot, next } => {
                    let end = choice as usize;
                    if let Some(Some((value, _))) =
                        self.parsed.remove(&(*slot, pos as u32, end as u32))
                    {
                        let name = &self.matcher.slots[*slot as usize];
                        found.slots.insert(name.to_string(), value);
                    }
                    (state, pos) = (*next, end);
                }
                State::Split { next } => state = next[choice as usize],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(_: &str, tokens: &[Token]) -> Option<(serde_json::Value, bool)> {
        let words: Vec<&str> = tokens.iter().map(|t| t.original.as_str()).collect();
        Some((serde_json::Value::from(words.join(" ")), false))
    }

    fn m(template: &str, message: &str) -> Option<Match> {
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
        assert!(m("send an e-mail", "send an e mail").is_some());
    }

    #[test]
    fn captures_slots_with_original_text() {
        let found = m("weather in {place} [please]", "weather in İstanbul please").unwrap();
        assert_eq!(found.slots["place"], "İstanbul");
        assert_eq!(found.literal_words, 3);
        let found = m("remind me to {what}", "remind me to call mom").unwrap();
        assert_eq!(found.slots["what"], "call mom");
    }

    /// The best path, and among equal ones the first in template order, as a full
    /// enumeration finds it.
    #[test]
    fn prefers_literal_words_then_the_first_path() {
        let found = m(
            "remind me [to] {what} [please]",
            "remind me to buy milk please",
        )
        .unwrap();
        assert_eq!(found.literal_words, 4);
        assert_eq!(found.slots["what"], "buy milk");
        // Taking the optional word explains one word more than leaving it to the slot.
        let found = m("a [b] {x}", "a b c").unwrap();
        assert_eq!(found.slots["x"], "c");
        // Equal scores: the shorter first slot value comes first.
        let found = m("go {x} {y}", "go one two three").unwrap();
        assert_eq!(found.slots["x"], "one");
        assert_eq!(found.slots["y"], "two three");
    }

    #[test]
    fn typed_words_break_ties() {
        let typed = |name: &str, tokens: &[Token]| {
            let words: Vec<&str> = tokens.iter().map(|t| t.original.as_str()).collect();
            let joined = words.join(" ");
            match name {
                "n" => joined.parse::<i64>().ok().map(|n| (n.into(), true)),
                _ => Some((joined.into(), false)),
            }
        };
        let t = Template::parse("(add {n}|add {what})").unwrap();
        let found = t.matches(&tokenize("add 5"), &typed).unwrap();
        assert_eq!((found.literal_words, found.typed_words), (1, 1));
        assert_eq!(found.slots["n"], 5);
    }

    /// `a [a|a a]` × 24 has 3^24 paths; a message of 50 `a`s has none that matches, and one
    /// of 49 is matched, both in a few thousand steps.
    #[test]
    fn nested_optional_alternatives_cost_polynomial_work() {
        let template = Template::parse(&format!("a {}", "[a|a a] ".repeat(24))).unwrap();
        let matcher = Matcher::new(&template);
        for (words, matches) in [(49, true), (50, false), (30, true)] {
            let message = vec!["a"; words].join(" ");
            let mut work = 1_000_000;
            let found = matcher
                .matches_within(&tokenize(&message), &text, &mut work)
                .unwrap();
            assert_eq!(found.is_some(), matches, "{words} words");
            assert!(1_000_000 - work < 20_000, "{} steps", 1_000_000 - work);
        }
    }

    #[test]
    fn stops_at_the_budget() {
        let template = Template::parse("a {b} {c} {d} {e} z").unwrap();
        let message = vec!["a"; 60].join(" ");
        let mut work = 1_000;
        assert_eq!(
            Matcher::new(&template).matches_within(&tokenize(&message), &text, &mut work),
            Err(OverBudget)
        );
    }

    /// The matcher before the chart: every path, enumerated. Exponential, but the reference
    /// for what the best match is.
    fn enumerate(
        seq: &[Element],
        tokens: &[Token],
        slots: SlotParser<'_>,
        pos: usize,
        m: Match,
        done: &mut dyn FnMut(usize, Match),
    ) {
        let Some((first, rest)) = seq.split_first() else {
            done(pos, m);
            return;
        };
        let mut then = |pos: usize, m: Match| enumerate(rest, tokens, slots, pos, m, done);
        match first {
            Element::Word(w) => {
                let words = template_words(w);
                if tokens.len() >= pos + words.len()
                    && words
                        .iter()
                        .zip(&tokens[pos..])
                        .all(|(w, t)| *w == t.folded)
                {
                    let mut m = m;
                    m.literal_words += words.len();
                    then(pos + words.len(), m);
                }
            }
            Element::Optional(inner) => {
                enumerate(inner, tokens, slots, pos, m.clone(), &mut then);
                then(pos, m);
            }
            Element::OneOf(alternatives) => {
                for alt in alternatives {
                    enumerate(alt, tokens, slots, pos, m.clone(), &mut then);
                }
            }
            Element::Slot(name) => {
                for end in pos + 1..=tokens.len() {
                    let Some((value, typed)) = slots(name, &tokens[pos..end]) else {
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

    fn reference(template: &Template, tokens: &[Token], slots: SlotParser<'_>) -> Option<Match> {
        let mut best: Option<Match> = None;
        enumerate(
            template.elements(),
            tokens,
            slots,
            0,
            Match::default(),
            &mut |pos, m| {
                let score = |m: &Match| (m.literal_words, m.typed_words);
                if pos == tokens.len() && best.as_ref().is_none_or(|b| score(&m) > score(b)) {
                    best = Some(m);
                }
            },
        );
        best
    }

    /// Random templates over a tiny vocabulary, against every message of up to 6 words: the
    /// chart finds exactly what enumerating every path finds, slot values included.
    #[test]
    fn finds_what_enumerating_every_path_finds() {
        // `x` takes any words as free text; `n` only runs of `b`, as a typed value.
        let slots = |name: &str, tokens: &[Token]| {
            let words: Vec<&str> = tokens.iter().map(|t| t.original.as_str()).collect();
            match name {
                "n" => words
                    .iter()
                    .all(|w| *w == "b")
                    .then(|| (words.len().into(), true)),
                _ => Some((words.join(" ").into(), false)),
            }
        };
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        fn piece(next: &mut dyn FnMut(u64) -> u64, depth: u32) -> String {
            match next(if depth < 2 { 7 } else { 4 }) {
                0 | 1 => ["a", "b", "c"][next(3) as usize].into(),
                2 => "{x}".into(),
                3 => "{n}".into(),
                4 => format!("[{}]", seq(next, depth + 1)),
                5 => format!("[{}|{}]", seq(next, depth + 1), seq(next, depth + 1)),
                _ => format!("({}|{})", seq(next, depth + 1), seq(next, depth + 1)),
            }
        }
        fn seq(next: &mut dyn FnMut(u64) -> u64, depth: u32) -> String {
            let n = 1 + next(3);
            (0..n)
                .map(|_| piece(next, depth))
                .collect::<Vec<_>>()
                .join(" ")
        }
        let mut messages = vec![String::new()];
        for len in 1..=6 {
            for code in 0..3usize.pow(len) {
                let words: Vec<&str> = (0..len)
                    .map(|i| ["a", "b", "c"][code / 3usize.pow(i) % 3])
                    .collect();
                messages.push(words.join(" "));
            }
        }
        let mut compared = 0;
        for _ in 0..300 {
            let text = seq(&mut next, 0);
            let Ok(template) = Template::parse(&text) else {
                continue;
            };
            for message in &messages {
                let tokens = tokenize(message);
                assert_eq!(
                    template.matches(&tokens, &slots),
                    reference(&template, &tokens, &slots),
                    "{text:?} on {message:?}"
                );
                compared += 1;
            }
        }
        assert!(compared > 50_000, "only {compared} comparisons");
    }

    #[test]
    fn knows_its_bounds_and_anchors() {
        let t = Matcher::new(&Template::parse("[şu an] saat kaç").unwrap());
        assert!(t.could_match(2, |w| w == "saat" || w == "kac"));
        assert!(!t.could_match(5, |_| true));
        assert!(!t.could_match(2, |w| w == "saat"));
        let anchors: Vec<Vec<&str>> = t
            .anchor_options()
            .iter()
            .map(|o| o.iter().map(|w| &**w).collect())
            .collect();
        assert_eq!(anchors, [["saat"], ["kac"]]);
        let t = Matcher::new(&Template::parse("(tell me|give me) the {x}").unwrap());
        assert!(t.could_match(9, |w| w == "the"));
        assert!(
            t.anchor_options()
                .iter()
                .any(|o| o.iter().map(|w| &**w).collect::<Vec<_>>() == ["tell", "give"])
        );
    }
}
