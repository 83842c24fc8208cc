//! The classifier tier: a local statistical model that routes what the rules do not match.
//!
//! It is trained in the host, whenever the skills or the user's corrections change, the way
//! Snips NLU trains its intent classifier: every loaded skill's intent templates are expanded
//! (sampled, with their slots filled by sample values of their kind, in both languages), and
//! every command's examples, the briefing's templates and the corrections are added. A *None*
//! class learns what belongs to no command, from noise sentences made of the training vocabulary
//! and from a small built-in corpus of chit-chat and other assistants' requests
//! (`classifier/out_of_domain_*.txt`).
//!
//! Features survive Turkish suffixes and missing letters: on the folded words, word unigrams and
//! bigrams plus character n-grams within word boundaries (Rasa's `char_wb`), a rough stem, and the
//! word's class of related words ([`super::lexicon`]: "chilly" and "soğuk" share one), hashed into
//! a sparse space; typed values (dates, times, durations, numbers) become one placeholder feature
//! each. The
//! model is a multinomial logistic regression (softmax, L2) trained with AdaGrad on the sparse
//! vectors. It is hand-written: `linfa-logistic` fits dense `ndarray` matrices with L-BFGS, which
//! for tens of thousands of hashed features would need gigabytes and seconds; the sparse
//! version below is a hundred lines, deterministic (seeded) and trains the first-party skills in
//! well under a second.
//!
//! Its answers are probabilities, and it answers only when the best class is a command, with at
//! least [`MIN_CONFIDENCE`] and a margin of [`MIN_MARGIN`] over the runner-up, when the message
//! names something the command's templates do (an anchor), when at least [`MIN_KNOWN_SHARE`] of
//! its content words are words the skills use, and when it names no film, song, book, game,
//! restaurant or shop (what other assistants are for). Typed slots of the
//! command it chose are then looked for anywhere in the message. Free-text slots stay empty, so a
//! command whose schema requires one of them ("remind me" without what) is not chosen: the help
//! reply (or the LLM tier) is better than a call that cannot run.
//!
//! This module knows nothing of HTTP; [`Learner`] keeps the model up to date in the background.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::NaiveDateTime;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::normalise::{self, Token};
use super::template::Template;
use super::{Brain, BrainError, briefing, lexicon, slots};
use crate::runtime::{LoadedSkill, Runtime, SlotKind};
use crate::store::{NewCorrection, Store, StoredCorrection};

/// The least probability the best command needs for the classifier to answer.
///
/// Rasa's fallback uses 0.3 and Snips 0.5. Bantz is stricter, because a wrong command is worse
/// than the help reply: on the tuning sets (round 3), the classifier's answers under 0.75 were
/// mostly wrong (2 right of 10, 7 of them out-of-domain messages), those over 0.8 almost all
/// right (175 of 179). In round 7, two states of the model had 11 answers between 0.72 and
/// 0.75 on the development sets: 7 right, 3 out-of-domain messages ("purple rain by prince"),
/// too close to move the threshold.
pub const MIN_CONFIDENCE: f64 = 0.75;

/// The least probability the best command needs when the classifier fills its free text from
/// the message: any request has words that could be a title, so it must be surer.
pub const MIN_FREE_TEXT_CONFIDENCE: f64 = 0.8;

/// Below this confidence, a rules match that took free text is dropped when the classifier is
/// sure the message belongs to no command (see [`Model::says_none`]).
pub const VETO_BELOW: f64 = 0.6;

/// How sure of *none of these* the classifier must be to drop such a rules match.
const VETO_NONE: f64 = 0.75;

/// The most probability the classifier may give the rules' command for such a match to be
/// dropped.
const VETO_COMMAND: f64 = 0.2;

/// Under this rules confidence, a match is mostly free text, and the classifier need only find
/// None likelier than the command to drop it.
const VETO_MOSTLY_FREE: f64 = 0.35;

/// The least lead the best command needs over the runner-up (which may be None), so that a
/// message halfway between two commands is not guessed (Rasa's `ambiguity_threshold` is 0.1).
pub const MIN_MARGIN: f64 = 0.2;

/// The least share of a message's content words that the commands' templates use (see
/// [`Model::mostly_known`]) for the classifier to choose a command without free text.
pub const MIN_KNOWN_SHARE: f64 = 0.5;

/// The least probability a dated command of the same skill needs, as the classifier's second
/// choice, to be chosen over its first when the message names another day (see
/// [`Model::classify`]).
const MIN_SIBLING_SHARE: f64 = 0.1;

/// The least lead the classifier's favourite needs over the other commands that the rules
/// found equally good, for it to be chosen without asking the user.
pub const TIE_BREAK_MARGIN: f64 = 0.1;

/// Most characters a corrected utterance may have.
pub const MAX_CORRECTION_CHARS: usize = 500;
/// Most bytes of a correction's arguments, as JSON.
pub const MAX_CORRECTION_ARGS_BYTES: usize = 4096;
/// Most corrections kept.
pub const MAX_CORRECTIONS: u64 = 1000;

/// The class name of "none of the commands".
const NONE: &str = "";
/// Seed of every random choice in training, so the same skills give the same model.
const SEED: u64 = 0x000B_4E72_2026;
/// How many models, each from its own random draw, the classifier averages (see [`merge`]).
const MEMBERS: u64 = 3;
/// Sampled utterances per intent (one command in one language), besides its examples.
const SAMPLES_PER_INTENT: usize = 80;
/// Sampled utterances per template of an intent, when that is more than [`SAMPLES_PER_INTENT`].
const SAMPLES_PER_TEMPLATE: usize = 2;
/// The most sampled utterances per intent.
const MAX_SAMPLES_PER_INTENT: usize = 240;
/// Noise sentences for the None class, per command.
const NOISE_PER_COMMAND: usize = 30;
/// Passes over the training data.
const EPOCHS: usize = 10;
/// The last epochs whose weights the model averages.
const AVERAGED_EPOCHS: usize = 5;
/// AdaGrad's base learning rate.
const LEARNING_RATE: f32 = 0.5;
/// L2 penalty per update of a weight.
const L2: f32 = 1e-5;
/// How much more a correction weighs than a sampled utterance.
const CORRECTION_WEIGHT: f32 = 4.0;
/// How much more the None class weighs in total than one command (Snips trains about five
/// times as many noise sentences as an intent has utterances).
const NONE_WEIGHT: f32 = 2.0;
/// How much more a real out-of-domain message weighs than a noise sentence.
const CORPUS_WEIGHT: f32 = 3.0;
/// Character n-gram lengths within a word.
const CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 2..=4;
/// Longest typed value, in words ("2 saat 30 dakika").
const MAX_TYPED_WORDS: usize = 4;
/// How often the learner looks for a changed skill set when nothing told it.
const POLL: Duration = Duration::from_millis(250);

/// The built-in out-of-domain messages, by language.
const OUT_OF_DOMAIN: [(&str, &str); 2] = [
    ("en", include_str!("classifier/out_of_domain_en.txt")),
    ("tr", include_str!("classifier/out_of_domain_tr.txt")),
];

/// A command as the trainer sees it.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// `skill.command`.
    pub name: String,
    /// Intent templates with their locale.
    pub templates: Vec<(String, String)>,
    pub examples: Vec<String>,
    /// The slots its intents declare.
    pub slots: Vec<(String, SlotKind)>,
    /// The arguments its schema requires.
    pub required: Vec<String>,
    /// Its free-text slots that the classifier may fill with the words of a message that no
    /// template of the command spells out: text slots its schema takes as a plain string (not
    /// an enumeration such as `range`).
    pub free_text: Vec<String>,
}

/// The commands of `skills` and the briefing, for training.
pub fn specs(skills: &[Arc<LoadedSkill>]) -> Vec<CommandSpec> {
    let mut specs = Vec::new();
    for skill in skills {
        for command in &skill.manifest.commands {
            let mut spec = CommandSpec {
                name: format!("{}.{}", skill.manifest.name, command.name),
                templates: Vec::new(),
                examples: command.examples.clone(),
                slots: skill.command_slots(&command.name),
                required: required_args(&command.args_schema),
                free_text: Vec::new(),
            };
            spec.free_text = free_text_args(&command.args_schema, &spec.slots);
            for intent in skill
                .manifest
                .intents
                .iter()
                .filter(|i| i.command == command.name)
            {
                for t in &intent.templates {
                    spec.templates.push((intent.locale.clone(), t.clone()));
                }
            }
            specs.push(spec);
        }
    }
    specs.push(CommandSpec {
        name: format!("{}.{}", briefing::SKILL, briefing::COMMAND),
        templates: briefing::INTENTS
            .iter()
            .flat_map(|(locale, ts)| ts.iter().map(|t| ((*locale).to_owned(), (*t).to_owned())))
            .collect(),
        examples: Vec::new(),
        slots: Vec::new(),
        required: Vec::new(),
        free_text: Vec::new(),
    });
    specs
}

/// The text slots among `slots` that the schema (given as text) takes as a plain string: a
/// `string` property with no `enum`, `format` or `pattern`.
pub fn free_text_args(schema: &str, slots: &[(String, SlotKind)]) -> Vec<String> {
    let schema = serde_json::from_str::<serde_json::Value>(schema).unwrap_or_default();
    slots
        .iter()
        .filter(|(_, kind)| *kind == SlotKind::Text)
        .filter(|(name, _)| {
            schema["properties"][name.as_str()]
                .as_object()
                .is_some_and(|p| {
                    p.get("type").and_then(|t| t.as_str()) == Some("string")
                        && !p.contains_key("enum")
                        && !p.contains_key("format")
                        && !p.contains_key("pattern")
                })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The `required` properties of a JSON Schema given as text (none when it has none or does not
/// parse).
pub fn required_args(schema: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(schema)
        .ok()
        .and_then(|s| {
            s.get("required")?.as_array().map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// A correction as the trainer sees it.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub utterance: String,
    pub command: String,
    pub args: serde_json::Map<String, serde_json::Value>,
}

/// What the classifier makes of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// `skill.command`, when the classifier answers.
    pub command: Option<String>,
    /// The probability of the best class (a command or None).
    pub confidence: f64,
    /// The best class, answered or not; `None` for the None class.
    pub best: Option<String>,
    /// When it answers, the second-best class and its probability (`None` as a name for the
    /// None class); when it does not, its best command guess, the one it would not take, and
    /// why it would not.
    pub runner_up: Option<RunnerUp>,
    /// The typed slots found for the command, as its arguments.
    pub args: serde_json::Map<String, serde_json::Value>,
}

/// Another class the classifier weighed: its second choice, or the command it would not take.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerUp {
    /// `skill.command`; `None` for the None class.
    pub command: Option<String>,
    /// Its probability.
    pub confidence: f64,
    /// Why the classifier did not answer with it, when it did not answer.
    pub declined: Option<String>,
}

/// A trained model, for one skill set and one set of corrections.
pub struct Model {
    /// What it was trained for: the runtime's generation and the corrections' version.
    pub key: (u64, u64),
    /// `skill.command` per class; class 0 is None.
    classes: Vec<String>,
    /// The slots each class's command declares.
    slots: Vec<Vec<(String, SlotKind)>>,
    /// Whether a class's templates put a date anywhere (a command may take a date that its
    /// templates never ask for, as `weather.current` does for follow-ups).
    dated: Vec<bool>,
    /// The arguments each class's command requires.
    required: Vec<Vec<String>>,
    /// The free-text slots each class's command may have filled (see [`CommandSpec`]).
    free_text: Vec<Vec<String>>,
    /// Per class, the folded words its templates spell out: what is left of a message without
    /// them (and without typed values) is the free text.
    literals: Vec<HashSet<String>>,
    /// Hashed feature → row of `weights`; features never seen in training have no row.
    rows: HashMap<u64, u32>,
    /// `rows.len() × classes.len()`, a feature's weights side by side.
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// Corrected utterances, normalised: their command (class) and arguments.
    exact: HashMap<String, (usize, serde_json::Map<String, serde_json::Value>)>,
    /// Words the templates and examples spell out: never taken for a place.
    vocabulary: HashSet<String>,
    /// Per class, the [`anchor`]s of the words its templates and corrections spell out: the
    /// classifier answers a command only for a message that has one of them, so a message of
    /// words no template of it uses ("sing me a song") never reaches it, however the weights
    /// lean.
    anchors: Vec<HashSet<String>>,
    /// Every command's anchors together: the words the skills talk about.
    known: HashSet<String>,
}

/// The normalised form of a message: its folded words, joined by spaces.
pub fn key(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.folded.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One training utterance.
struct Example {
    features: Vec<u64>,
    class: usize,
    weight: f32,
}

/// Trains a model; the same inputs always give the same model.
/// `claimed` says whether a loaded skill's templates match a message: a message of the built-in
/// out-of-domain corpus that one does ("alışveriş listeme süt ekle", when a lists skill is
/// loaded) is not out of domain for these skills, and is left out.
///
/// The model is [`MEMBERS`] models averaged, each trained on its own random draw of samples,
/// noise and order (see [`merge`]).
pub fn train(
    specs: &[CommandSpec],
    lessons: &[Lesson],
    now: NaiveDateTime,
    claimed: &dyn Fn(&[Token]) -> bool,
) -> Model {
    let members: Vec<Model> = (0..MEMBERS)
        .map(|i| train_member(specs, lessons, now, claimed, SEED.wrapping_add(i)))
        .collect();
    merge(members)
}

/// Averages models trained on the same specifications: a feature's weights are summed over the
/// members that have it and divided by their number, as are the biases, so the merged model's
/// scores are the members' scores averaged (a product of their probabilities, normalised).
/// Every member's sample is a random draw from the templates, and a message near a threshold
/// is decided by the draw: on the tuning sets, the answers of one model moved with its seed,
/// and the average of several moves far less. What the members learned of the words (the
/// vocabulary, anchors, literals) is their union.
fn merge(members: Vec<Model>) -> Model {
    let count = members.len() as f32;
    let mut members = members.into_iter();
    let mut model = members.next().expect("at least one member");
    let n = model.classes.len();
    model.weights.iter_mut().for_each(|w| *w /= count);
    model.bias.iter_mut().for_each(|b| *b /= count);
    for member in members {
        // In the member's own row order, so that the same inputs give the same layout.
        let mut rows: Vec<(&u64, &u32)> = member.rows.iter().collect();
        rows.sort_unstable_by_key(|(_, row)| **row);
        for (feature, row) in rows {
            let next = model.rows.len() as u32;
            let at = *model.rows.entry(*feature).or_insert(next) as usize * n;
            if at == model.weights.len() {
                model.weights.resize(at + n, 0.0);
            }
            let from = *row as usize * n;
            for c in 0..n {
                model.weights[at + c] += member.weights[from + c] / count;
            }
        }
        for c in 0..n {
            model.bias[c] += member.bias[c] / count;
            model.dated[c] |= member.dated[c];
            model.literals[c].extend(member.literals[c].iter().cloned());
            model.anchors[c].extend(member.anchors[c].iter().cloned());
        }
        model.vocabulary.extend(member.vocabulary);
        model.known.extend(member.known);
    }
    model
}

/// One member of the model, trained from the random stream of `seed`.
fn train_member(
    specs: &[CommandSpec],
    lessons: &[Lesson],
    now: NaiveDateTime,
    claimed: &dyn Fn(&[Token]) -> bool,
    seed: u64,
) -> Model {
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fill_rng = StdRng::seed_from_u64(seed ^ 1);
    let mut classes = vec![NONE.to_owned()];
    let mut class_slots = vec![Vec::new()];
    let mut class_required = vec![Vec::new()];
    let mut class_free_text = vec![Vec::new()];
    for spec in specs {
        if !classes.contains(&spec.name) {
            classes.push(spec.name.clone());
            class_slots.push(spec.slots.clone());
            class_required.push(spec.required.clone());
            class_free_text.push(spec.free_text.clone());
        }
    }
    let class_of = |name: &str| classes.iter().position(|c| c == name);

    let mut utterances: Vec<(Vec<Token>, usize, f32)> = Vec::new();
    let mut vocabulary = HashSet::new();
    let mut anchors: Vec<HashSet<String>> = vec![HashSet::new(); classes.len()];
    let mut literals: Vec<HashSet<String>> = vec![HashSet::new(); classes.len()];
    let mut dated = vec![false; classes.len()];
    for spec in specs {
        let class = class_of(&spec.name).expect("every spec has a class");
        for example in &spec.examples {
            let tokens = normalise::tokenize(example);
            for t in &tokens {
                if !t.original.starts_with(char::is_uppercase) {
                    vocabulary.insert(t.folded.clone());
                }
            }
            utterances.push((tokens, class, 1.0));
        }
        let templates: Vec<(String, Template)> = spec
            .templates
            .iter()
            .filter_map(|(locale, text)| Some((locale.clone(), Template::parse(text).ok()?)))
            .collect();
        for locale in ["tr", "en"] {
            let own: Vec<&Template> = templates
                .iter()
                .filter(|(l, _)| l == locale)
                .map(|(_, t)| t)
                .collect();
            if own.is_empty() {
                continue;
            }
            for template in &own {
                literals[class].extend(template.words());
            }
            // Each intent draws from its own seeded stream, so that changing one skill's
            // templates does not reshuffle what every other command is trained on.
            let intent_seed = hash(&[spec.name.as_bytes(), locale.as_bytes()]);
            let mut rng = StdRng::seed_from_u64(seed ^ intent_seed);
            let mut fill_rng = StdRng::seed_from_u64(seed ^ intent_seed ^ 1);
            let mut seen = HashSet::new();
            // An intent of many templates gets more samples, so that each template is seen
            // a few times, up to a bound on the training's cost.
            let samples = (SAMPLES_PER_TEMPLATE * own.len())
                .clamp(SAMPLES_PER_INTENT, MAX_SAMPLES_PER_INTENT);
            for i in 0..samples * 2 {
                if seen.len() >= samples {
                    break;
                }
                let template = own[i % own.len()];
                let words = template.sample(&mut |n| rng.random_range(0..n), &mut |name| {
                    let kind = spec
                        .slots
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(SlotKind::Text, |(_, k)| *k);
                    if kind == SlotKind::Place {
                        return vec![PLACE.to_owned()];
                    }
                    if kind == SlotKind::Date {
                        dated[class] = true;
                    }
                    let values = sample_values(kind, name, locale);
                    let value = values[fill_rng.random_range(0..values.len())];
                    normalise::tokenize(value)
                        .into_iter()
                        .map(|t| t.folded)
                        .collect()
                });
                // The literal words, without slot values.
                let literal =
                    template.sample(&mut |n| fill_rng.random_range(0..n), &mut |_| Vec::new());
                anchors[class].extend(literal.iter().flat_map(|w| anchors_of(w)));
                vocabulary.extend(literal);
                if words.is_empty() || !seen.insert(words.join(" ")) {
                    continue;
                }
                let words = with_fillers(words, locale, &mut fill_rng);
                utterances.push((folded_tokens(&words), class, 1.0));
            }
        }
    }
    // Corrections whose command exists, and their variants with one word left out.
    let mut exact = HashMap::new();
    for lesson in lessons {
        let Some(class) = class_of(&lesson.command) else {
            continue;
        };
        let tokens = normalise::tokenize(&lesson.utterance);
        if tokens.is_empty() {
            continue;
        }
        exact.insert(key(&tokens), (class, lesson.args.clone()));
        anchors[class].extend(tokens.iter().flat_map(|t| anchors_of(&t.folded)));
        if tokens.len() >= 3 {
            for skip in 0..tokens.len() {
                let mut variant = tokens.clone();
                variant.remove(skip);
                utterances.push((variant, class, CORRECTION_WEIGHT / 2.0));
            }
        }
        utterances.push((tokens, class, CORRECTION_WEIGHT));
    }
    // The None class: real out-of-domain messages, and noise made of the training vocabulary
    // with the lengths of the training utterances.
    for (locale, corpus) in OUT_OF_DOMAIN {
        for line in corpus.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') {
                let tokens = normalise::tokenize(line);
                if claimed(&tokens) {
                    continue;
                }
                let words = tokens.into_iter().map(|t| t.folded).collect();
                let words = with_fillers(words, locale, &mut fill_rng);
                utterances.push((folded_tokens(&words), 0, CORPUS_WEIGHT));
            }
        }
    }
    // A filler alone asks for nothing.
    for (_, before, after) in FILLERS {
        for filler in before.iter().chain(after.iter()) {
            utterances.push((normalise::tokenize(filler), 0, 1.0));
        }
    }
    let mut words: Vec<String> = utterances
        .iter()
        .filter(|(_, c, _)| *c != 0)
        .flat_map(|(tokens, _, _)| tokens.iter().map(|t| t.folded.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    words.sort();
    let lengths: Vec<usize> = utterances
        .iter()
        .filter(|(_, c, _)| *c != 0)
        .map(|(t, _, _)| t.len())
        .collect();
    if !words.is_empty() {
        for _ in 0..NOISE_PER_COMMAND * (classes.len() - 1) {
            let len = lengths[rng.random_range(0..lengths.len())];
            let noise: Vec<String> = (0..len)
                .map(|_| words[rng.random_range(0..words.len())].clone())
                .collect();
            utterances.push((folded_tokens(&noise), 0, 1.0));
        }
    }

    // Balanced classes: every command weighs the same in total, and None [`NONE_WEIGHT`]
    // times as much.
    let mut totals = vec![0.0f32; classes.len()];
    for (_, class, weight) in &utterances {
        totals[*class] += weight;
    }
    totals[0] /= NONE_WEIGHT;
    let used = totals.iter().filter(|t| **t > 0.0).count().max(1) as f32;
    let all: f32 = totals.iter().sum();
    let examples: Vec<Example> = utterances
        .iter()
        .map(|(tokens, class, weight)| Example {
            features: features(tokens, now, &place_words(tokens, &vocabulary)),
            class: *class,
            weight: weight * all / (used * totals[*class]),
        })
        .collect();

    let mut rows: HashMap<u64, u32> = HashMap::new();
    for example in &examples {
        for f in &example.features {
            let next = rows.len() as u32;
            rows.entry(*f).or_insert(next);
        }
    }
    let n = classes.len();
    let indexes: Vec<Vec<usize>> = examples
        .iter()
        .map(|e| e.features.iter().map(|f| rows[f] as usize * n).collect())
        .collect();
    let prepared = started.elapsed();
    let (weights, bias) = fit(&examples, &indexes, rows.len(), n, &mut rng);
    tracing::debug!(
        examples = examples.len(),
        prepare_ms = prepared.as_millis() as u64,
        fit_ms = (started.elapsed() - prepared).as_millis() as u64,
        "classifier fitted"
    );
    Model {
        key: (0, 0),
        classes,
        slots: class_slots,
        dated,
        required: class_required,
        free_text: class_free_text,
        literals,
        rows,
        weights,
        bias,
        exact,
        vocabulary,
        known: anchors
            .iter()
            .skip(1)
            .flatten()
            .cloned()
            .chain(
                FILLERS
                    .iter()
                    .flat_map(|(_, before, after)| before.iter().chain(after.iter()))
                    .flat_map(|filler| normalise::tokenize(filler))
                    .flat_map(|t| anchors_of(&t.folded).collect::<Vec<_>>()),
            )
            .collect(),
        anchors,
    }
}

/// Words that carry no request on their own: a message made only of them and of words no
/// template of a command spells out is never given to that command.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "me", "my", "i", "you", "your", "is", "it", "its", "are", "am", "be", "to",
    "for", "of", "in", "on", "at", "and", "or", "with", "about", "from", "this", "that", "please",
    "can", "could", "would", "will", "do", "does", "some", "any", "there", "bir", "bu", "su", "ne",
    "mi", "ve", "ile", "icin", "bana", "beni", "benim", "lutfen", "acaba", "da", "de", "ki", "ya",
    "cok", "daha", "misin", "misiniz", "biraz", "hadi", "what", "whats", "how", "hows", "has",
    "have", "had", "got", "get", "was", "were", "which", "when", "where", "who", "why", "here",
    "just", "really", "very", "so", "if", "not", "no", "yes", "ok", "okay",
];

/// The form a word is compared in when the classifier asks whether a message names anything a
/// command's templates spell out: its first four letters, so that Turkish suffixes do not
/// matter ("saati" and "saat" meet in "saat", "hatırlatmalarımı" and "hatırlatıcı" in "hati"); none
/// for a function word,
/// a number, or a single letter.
fn anchor(word: &str) -> Option<String> {
    if word.chars().count() < 2
        || FUNCTION_WORDS.contains(&word)
        || word.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    Some(word.chars().take(4).collect())
}

/// A word's anchors: its [`anchor`], and its class of related words ([`lexicon`]), so that
/// "chilly" names what "cold" does.
fn anchors_of(word: &str) -> impl Iterator<Item = String> {
    // The stem's anchor too: short Turkish stems carry their endings into the first four
    // letters ("kaça", "günü"), which their stems do not ("kac", "gun").
    let stem = normalise::stem(word);
    anchor(word)
        .into_iter()
        .chain((stem != word).then(|| anchor(stem)).flatten())
        .chain(lexicon::class_of(word).map(|class| format!("@{class}")))
}

/// Fits the softmax regression by AdaGrad over `examples`, whose features are at `indexes`
/// (the first of each feature's `classes` weights): the weights, feature by feature, and the
/// biases.
// Plain index loops: the tests run this unoptimised, where iterator adaptors cost a call per
// element.
#[allow(clippy::needless_range_loop)]
fn fit(
    examples: &[Example],
    indexes: &[Vec<usize>],
    features: usize,
    classes: usize,
    rng: &mut StdRng,
) -> (Vec<f32>, Vec<f32>) {
    let n = classes;
    let mut weights = vec![0.0f32; features * n];
    let mut bias = vec![0.0f32; n];
    // AdaGrad's sums of squared gradients, one per feature (shared by its classes' weights, as
    // in AdaGrad's row-wise variant) and one per bias.
    let mut grad_sums = vec![0.0f32; features];
    let mut bias_sums = vec![0.0f32; n];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut probs = vec![0.0f32; n];
    // The model is the average of the weights at the end of the last [`AVERAGED_EPOCHS`]
    // epochs: one epoch's order of examples sways the last one's weights, and with them the
    // answers near a threshold; the average is steadier.
    let mut sum_weights = vec![0.0f32; features * n];
    let mut sum_bias = vec![0.0f32; n];
    for epoch in 0..EPOCHS {
        order.shuffle(rng);
        for &i in &order {
            let example = &examples[i];
            let rows = &indexes[i];
            let x = 1.0 / (rows.len().max(1) as f32).sqrt();
            scores(&weights, &bias, rows, x, &mut probs);
            // The loss's gradient for each class, times the features' value.
            let mut squares = 0.0;
            for c in 0..n {
                let target = if c == example.class { 1.0 } else { 0.0 };
                probs[c] = example.weight * (probs[c] - target) * x;
                squares += probs[c] * probs[c];
            }
            let squares = squares / n as f32;
            for &row in rows {
                let sum = &mut grad_sums[row / n];
                *sum += squares;
                let rate = LEARNING_RATE / (sum.sqrt() + 1e-6);
                let ws = &mut weights[row..row + n];
                for c in 0..n {
                    ws[c] -= rate * (probs[c] + L2 * ws[c]);
                }
            }
            for c in 0..n {
                let g = probs[c] / x;
                bias_sums[c] += g * g;
                bias[c] -= LEARNING_RATE * g / (bias_sums[c].sqrt() + 1e-6);
            }
        }
        if epoch + AVERAGED_EPOCHS >= EPOCHS {
            sum_weights
                .iter_mut()
                .zip(&weights)
                .for_each(|(s, w)| *s += w);
            sum_bias.iter_mut().zip(&bias).for_each(|(s, b)| *s += b);
        }
    }
    let scale = 1.0 / AVERAGED_EPOCHS as f32;
    sum_weights.iter_mut().for_each(|w| *w *= scale);
    sum_bias.iter_mut().for_each(|b| *b *= scale);
    (sum_weights, sum_bias)
}

/// The softmax of the scores of a message whose features are at `rows`, each of value `x`.
#[allow(clippy::needless_range_loop)]
fn scores(weights: &[f32], bias: &[f32], rows: &[usize], x: f32, out: &mut [f32]) {
    let n = out.len();
    out.copy_from_slice(bias);
    for &row in rows {
        let ws = &weights[row..row + n];
        for c in 0..n {
            out[c] += ws[c] * x;
        }
    }
    let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for o in out.iter_mut() {
        *o = (*o - max).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

impl Model {
    /// The command of a corrected utterance, with the corrected arguments.
    pub fn corrected(
        &self,
        tokens: &[Token],
    ) -> Option<(String, serde_json::Map<String, serde_json::Value>)> {
        let (class, args) = self.exact.get(&key(tokens))?;
        Some((self.classes[*class].clone(), args.clone()))
    }

    /// Whether the message belongs to no command rather than to `command` (`skill.command`):
    /// None has a probability of at least [`VETO_NONE`], and the command less than
    /// [`VETO_COMMAND`].
    ///
    /// A match made mostly of free text (a rules confidence under [`VETO_MOSTLY_FREE`]: "find
    /// {query}" taking "find the book Dune") needs less: None more likely than the command.
    pub fn says_none(
        &self,
        tokens: &[Token],
        now: NaiveDateTime,
        command: &str,
        rules_confidence: f64,
    ) -> bool {
        let probs = self.probabilities(tokens, now);
        let of_command = self
            .classes
            .iter()
            .position(|c| c == command)
            .map_or(0.0, |c| probs[c]);
        tracing::debug!(
            none = probs[0],
            command = of_command,
            "the classifier's view of a rules match with free text"
        );
        (f64::from(probs[0]) >= VETO_NONE && f64::from(of_command) < VETO_COMMAND)
            || (rules_confidence < VETO_MOSTLY_FREE && probs[0] > of_command)
    }

    /// Which of `commands` (`skill.command`, which the rules found equally good) the
    /// classifier prefers: the index of the one with the highest probability, when it leads
    /// the others by at least [`TIE_BREAK_MARGIN`].
    pub fn prefers(
        &self,
        tokens: &[Token],
        now: NaiveDateTime,
        commands: &[String],
    ) -> Option<usize> {
        let probs = self.probabilities(tokens, now);
        let mut ranked: Vec<(usize, f64)> = commands
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let p = self
                    .classes
                    .iter()
                    .position(|k| k == c)
                    .map_or(0.0, |k| f64::from(probs[k]));
                (i, p)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (best, p) = *ranked.first()?;
        let second = ranked.get(1).map_or(0.0, |(_, p)| *p);
        (p - second >= TIE_BREAK_MARGIN).then_some(best)
    }

    /// The probability of every class, None first.
    fn probabilities(&self, tokens: &[Token], now: NaiveDateTime) -> Vec<f32> {
        // Politeness at the ends ("… please", "lütfen …") says nothing of the request.
        let tokens = super::router::without_politeness(tokens);
        let n = self.classes.len();
        let features = features(tokens, now, &place_words(tokens, &self.vocabulary));
        let rows: Vec<usize> = features
            .iter()
            .filter_map(|f| self.rows.get(f).map(|r| *r as usize * n))
            .collect();
        let mut probs = vec![0.0f32; n];
        // Features unseen in training count in the norm: a message of mostly unknown words
        // leans on the bias, which favours no command.
        let x = 1.0 / (features.len().max(1) as f32).sqrt();
        scores(&self.weights, &self.bias, &rows, x, &mut probs);
        probs
    }

    /// Classifies a message; `command` is set only when the answer passes the thresholds.
    pub fn classify(&self, tokens: &[Token], now: NaiveDateTime) -> Classified {
        let probs = self.probabilities(tokens, now);
        let mut ranked: Vec<(usize, f64)> = probs
            .iter()
            .enumerate()
            .map(|(c, p)| (c, *p as f64))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let name = |c: usize| (c != 0).then(|| self.classes[c].clone());
        let (mut best, mut confidence) = ranked[0];
        // A day other than today, for a command whose templates ask for no date, belongs to a
        // command of the same skill whose templates do ("how's the weather looking *next
        // tuesday*" is the forecast, not the weather now): the classifier is sure of the skill,
        // and the typed value picks the command within it, with the two commands' probability
        // together.
        if let Some((date_class, p)) = self.dated_sibling(best, tokens, now, &ranked) {
            confidence += p;
            best = date_class;
        }
        // The likeliest class besides the one chosen (and the one it replaced, if any).
        let runner = ranked
            .iter()
            .find(|(c, _)| *c != best && *c != ranked[0].0)
            .copied();
        let second = runner.map_or(0.0, |(_, p)| p);
        let names_it = tokens
            .iter()
            .flat_map(|t| anchors_of(&t.folded))
            .any(|a| self.anchors[best].contains(&a));
        // The first threshold the best class misses, if any: why the classifier does not answer.
        let mut declined = if best == 0 {
            Some(format!(
                "none of the commands is likelier ({confidence:.2})"
            ))
        } else if !names_it {
            Some("the message names nothing the command's templates do".to_owned())
        } else if confidence < MIN_CONFIDENCE {
            Some(format!(
                "its probability {confidence:.2} is under {MIN_CONFIDENCE}"
            ))
        } else if confidence - second < MIN_MARGIN {
            Some(format!(
                "it leads the runner-up by {:.2}, under {MIN_MARGIN}",
                confidence - second
            ))
        } else if self.free_text[best].is_empty() && !self.mostly_known(tokens, now) {
            Some("most of the message's words are not the skills' words".to_owned())
        } else if self.free_text[best].is_empty()
            && !self.slots[best].iter().any(|(_, k)| *k == SlotKind::Place)
            && self.names_a_location(tokens, now)
        {
            Some("the message asks about a place, which the command does not take".to_owned())
        } else if lexicon::names_elsewhere(
            tokens
                .iter()
                .map(|t| t.folded.as_str())
                .filter(|w| !self.literals[best].contains(*w)),
        ) && !lexicon::names_own_plans(tokens.iter().map(|t| t.folded.as_str()))
        {
            Some("the message names a film, song, book, game, restaurant or shop".to_owned())
        } else {
            None
        };
        let mut args = if declined.is_none() {
            self.slots_for(best, tokens, now)
        } else {
            Default::default()
        };
        // The words no template of the command spells out are its free text ("remind me
        // tomorrow to *water the plants*"), for its first free-text slot; a command that needs
        // free text needs more confidence, since any request has words to take.
        if declined.is_none()
            && let Some(name) = self.free_text[best].first()
            && !args.contains_key(name)
            && let Some(text) = self.free_text(best, tokens, now)
        {
            args.insert(name.clone(), text.into());
            if confidence < MIN_FREE_TEXT_CONFIDENCE {
                declined = Some(format!(
                    "its probability {confidence:.2} is under {MIN_FREE_TEXT_CONFIDENCE}, \
                     which a command needs to take free text"
                ));
            }
        }
        // A command is only chosen when it can run: the classifier fills no free-text slot, so
        // "remind me" cannot become `reminders.add` without what to remind of.
        if declined.is_none()
            && let Some(missing) = self.required[best].iter().find(|r| !args.contains_key(*r))
        {
            declined = Some(format!(
                "its required argument `{missing}` is not in the message"
            ));
        }
        let answers = declined.is_none();
        let runner_up = if answers {
            runner.map(|(c, p)| RunnerUp {
                command: name(c),
                confidence: p,
                declined: None,
            })
        } else {
            ranked.iter().find(|(c, _)| *c != 0).map(|(c, p)| RunnerUp {
                command: name(*c),
                confidence: *p,
                declined: declined.clone(),
            })
        };
        Classified {
            command: answers.then(|| self.classes[best].clone()),
            confidence,
            best: name(best),
            runner_up,
            args: if answers { args } else { Default::default() },
        }
    }

    /// When class `best`'s templates ask for no date and the message names a day other than
    /// today, the runner-up, with its probability, if it is a command of the same skill whose
    /// templates do and has at least [`MIN_SIBLING_SHARE`].
    fn dated_sibling(
        &self,
        best: usize,
        tokens: &[Token],
        now: NaiveDateTime,
        ranked: &[(usize, f64)],
    ) -> Option<(usize, f64)> {
        if best == 0 || self.dated[best] {
            return None;
        }
        let today = now.date().format("%Y-%m-%d").to_string();
        let another_day = typed_spans(tokens, now)
            .iter()
            .any(|(_, _, kind, value)| *kind == SlotKind::Date && value.as_str() != Some(&today));
        if !another_day {
            return None;
        }
        // The sibling must be the classifier's own second choice, and a real one: a command
        // that merely takes dates too ("remind me …") is no reason to leave the first choice.
        let skill = |c: usize| self.classes[c].split_once('.').map(|(s, _)| s.to_owned());
        let (sibling, p) = *ranked.get(1)?;
        (sibling != 0
            && skill(sibling) == skill(best)
            && self.dated[sibling]
            && p >= MIN_SIBLING_SHARE)
            .then_some((sibling, p))
    }

    /// Whether at least [`MIN_KNOWN_SHARE`] of the message's content words (not function
    /// words, typed values or places) are words some command's templates use, or their
    /// relatives: a message mostly about something else ("saat kulesi nerede", where is the
    /// clock tower) is not given to the command its one known word leans to.
    fn mostly_known(&self, tokens: &[Token], now: NaiveDateTime) -> bool {
        let mut content = vec![true; tokens.len()];
        for (start, end, _, _) in typed_spans(tokens, now) {
            content[start..end].iter_mut().for_each(|c| *c = false);
        }
        for (i, place) in place_words(tokens, &self.vocabulary)
            .into_iter()
            .enumerate()
        {
            if place {
                content[i] = false;
            }
        }
        let (mut words, mut known) = (0usize, 0usize);
        for (t, content) in tokens.iter().zip(content) {
            let word = t.folded.as_str();
            if !content
                || FILLER_WORDS.contains(&word)
                || super::router::POLITENESS.contains(&word)
                || anchor(word).is_none()
            {
                continue;
            }
            words += 1;
            if anchors_of(word).any(|a| self.known.contains(&a)) {
                known += 1;
            }
        }
        words == 0 || known as f64 >= MIN_KNOWN_SHARE * words as f64
    }

    /// The free text of a message for class `class`'s command: the longest run of words that
    /// are neither typed values nor words its templates spell out, without the words that
    /// carry no request at its ends; `None` when no such word is left.
    fn free_text(&self, class: usize, tokens: &[Token], now: NaiveDateTime) -> Option<String> {
        let mut free = vec![true; tokens.len()];
        for (start, end, _, _) in typed_spans(tokens, now) {
            free[start..end].iter_mut().for_each(|f| *f = false);
        }
        for (i, t) in tokens.iter().enumerate() {
            if self.literals[class].contains(&t.folded) {
                free[i] = false;
            }
        }
        let filler = |t: &Token| {
            FUNCTION_WORDS.contains(&t.folded.as_str()) || FILLER_WORDS.contains(&t.folded.as_str())
        };
        let mut best: Option<(usize, usize)> = None;
        let mut i = 0;
        while i < tokens.len() {
            if !free[i] {
                i += 1;
                continue;
            }
            let mut end = i;
            while end < tokens.len() && free[end] {
                end += 1;
            }
            let (mut start, mut stop) = (i, end);
            while start < stop && filler(&tokens[start]) {
                start += 1;
            }
            while stop > start && filler(&tokens[stop - 1]) {
                stop -= 1;
            }
            if stop > start && best.is_none_or(|(s, e)| stop - start > e - s) {
                best = Some((start, stop));
            }
            i = end;
        }
        let (start, stop) = best?;
        Some(
            tokens[start..stop]
                .iter()
                .map(|t| t.original.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// The typed slots of class `class`'s command, found anywhere in the message.
    /// The typed values (dates, times, durations, numbers, places) in the message that
    /// `command` takes, by its slot names; nothing for a command the model does not know.
    pub fn typed_slots(
        &self,
        command: &str,
        tokens: &[Token],
        now: NaiveDateTime,
    ) -> serde_json::Map<String, serde_json::Value> {
        match self.classes.iter().position(|c| c == command) {
            Some(class) if class != 0 => self.slots_for(class, tokens, now),
            _ => Default::default(),
        }
    }

    fn slots_for(
        &self,
        class: usize,
        tokens: &[Token],
        now: NaiveDateTime,
    ) -> serde_json::Map<String, serde_json::Value> {
        let wanted = &self.slots[class];
        let mut args = serde_json::Map::new();
        let spans = typed_spans(tokens, now);
        let mut used = vec![false; tokens.len()];
        for (start, end, kind, value) in &spans {
            if let Some((name, _)) = wanted
                .iter()
                .find(|(n, k)| k == kind && !args.contains_key(n))
            {
                args.insert(name.clone(), value.clone());
                used[*start..*end].iter_mut().for_each(|u| *u = true);
            }
        }
        // A number inside a value the command does not take ("5 günlük" is a duration).
        if let Some((name, _)) = wanted
            .iter()
            .find(|(n, k)| *k == SlotKind::Number && !args.contains_key(n))
            && let Some((i, n)) = tokens.iter().enumerate().find_map(|(i, t)| {
                let n = t.folded.replace(',', ".").parse::<f64>().ok()?;
                (!used[i]).then_some((i, n))
            })
            && let Some(number) = serde_json::Number::from_f64(n)
        {
            args.insert(name.clone(), number.into());
            used[i] = true;
        }
        // No typed value is a place, whether the command takes it or not.
        for (start, end, _, _) in &spans {
            used[*start..*end].iter_mut().for_each(|u| *u = true);
        }
        if let Some((name, _)) = wanted.iter().find(|(_, k)| *k == SlotKind::Place)
            && let Some(place) = self.place(tokens, &used)
        {
            args.insert(name.clone(), place.into());
        }
        args
    }

    /// Whether the message asks about somewhere: "in" or "at" before a word the templates do not
    /// spell out ("what's on in Ankara"), or, in a Turkish message, a word with
    /// a locative suffix whose stem is no known word ("ankarada"). A command that takes no place cannot
    /// answer for one: "what time is it in Tokyo" is not the time here.
    fn names_a_location(&self, tokens: &[Token], now: NaiveDateTime) -> bool {
        let known = |w: &str| {
            self.vocabulary.contains(w) || slots::is_date_or_time_word(w) || NOT_PLACES.contains(&w)
        };
        // The locative is a Turkish ending: "agenda" and "update" are English words.
        let originals: Vec<&str> = tokens.iter().map(|t| t.original.as_str()).collect();
        let turkish = normalise::detect_locale(&originals.join(" ")) == "tr";
        let mut typed = vec![false; tokens.len()];
        for (start, end, _, _) in typed_spans(tokens, now) {
            typed[start..end].iter_mut().for_each(|u| *u = true);
        }
        tokens.iter().enumerate().any(|(i, t)| {
            // "ayın on beşinde" is a day of the month.
            let of_the_month = tokens[i.saturating_sub(2)..i]
                .iter()
                .any(|t| t.folded == "ayin");
            if typed[i]
                || of_the_month
                || known(&t.folded)
                || t.original.chars().any(|c| c.is_ascii_digit())
            {
                return false;
            }
            let after_in = i > 0 && matches!(tokens[i - 1].folded.as_str(), "in" | "at");
            let locative = turkish
                && ["nda", "nde", "da", "de", "ta", "te"].iter().any(|suffix| {
                    t.folded
                        .strip_suffix(suffix)
                        .is_some_and(|stem| stem.chars().count() >= 3 && !known(stem))
                });
            after_in || locative
        })
    }

    /// A place in the message: capitalised words the templates do not spell out, or a word
    /// with a Turkish locative or genitive suffix whose stem is no known word ("istanbulda").
    fn place(&self, tokens: &[Token], used: &[bool]) -> Option<String> {
        let known = |w: &str| {
            self.vocabulary.contains(w) || slots::is_date_or_time_word(w) || NOT_PLACES.contains(&w)
        };
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            if !used[i] && !known(&t.folded) && t.original.starts_with(char::is_uppercase) {
                let mut words = vec![t.original.clone()];
                let mut j = i + 1;
                while j < tokens.len()
                    && !used[j]
                    && !known(&tokens[j].folded)
                    && tokens[j].original.starts_with(char::is_uppercase)
                {
                    words.push(tokens[j].original.clone());
                    j += 1;
                }
                return Some(words.join(" "));
            }
            i += 1;
        }
        const SUFFIXES: &[&str] = &[
            "nda", "nde", "nin", "nun", "da", "de", "ta", "te", "in", "un", "ya", "ye",
        ];
        for (i, t) in tokens.iter().enumerate() {
            if used[i] || known(&t.folded) || t.original.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            for suffix in SUFFIXES {
                let Some(stem) = t.folded.strip_suffix(suffix) else {
                    continue;
                };
                if stem.chars().count() >= 3 && !known(stem) {
                    let original: String = t.original.chars().take(stem.chars().count()).collect();
                    return Some(capitalise(&original));
                }
            }
        }
        None
    }
}

/// The first letter upper-cased, the Turkish way (`i` → `İ`).
fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some('i') => format!("İ{}", chars.as_str()),
        Some('ı') => format!("I{}", chars.as_str()),
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Words people put around a request in any domain ("could you …", "… lütfen"). Sampled
/// utterances get them at random, for every class alike, so that they tell no class apart and
/// a request wrapped in them is still recognised.
const FILLERS: [(&str, &[&str], &[&str]); 2] = [
    (
        "en",
        &[
            "please",
            "can you",
            "could you",
            "hey",
            "do you know",
            "i want to know",
            "i would like to know",
            "tell me",
            "so",
            "i was wondering if",
            "do you think",
            "um",
        ],
        &["please", "now", "for me", "thanks", "right now", "then"],
    ),
    (
        "tr",
        &[
            "lütfen", "acaba", "bana", "şimdi", "peki", "bakalım", "hadi", "şey", "yani",
        ],
        &[
            "lütfen",
            "acaba",
            "söyler misin",
            "öğrenebilir miyim",
            "bakar mısın",
            "şimdi",
            "bakalım",
        ],
    ),
];

/// Single words of the fillers and politeness, and words that name nothing ("something"),
/// that never belong to a free text's ends.
const FILLER_WORDS: &[&str] = &[
    "now",
    "thanks",
    "thank",
    "then",
    "hey",
    "lutfen",
    "acaba",
    "simdi",
    "peki",
    "bakalim",
    "hadi",
    "also",
    "kindly",
    "right",
    "too",
    "da",
    "de",
    "bi",
    "something",
    "anything",
    "things",
    "thing",
    "stuff",
    "sey",
    "seyi",
    "seyler",
    "birsey",
    "birseyi",
];

/// `words` with a filler of `locale` before and after it, each at random.
fn with_fillers(mut words: Vec<String>, locale: &str, rng: &mut StdRng) -> Vec<String> {
    let Some((_, before, after)) = FILLERS.iter().find(|(l, _, _)| *l == locale) else {
        return words;
    };
    let folded = |text: &str| -> Vec<String> {
        normalise::tokenize(text)
            .into_iter()
            .map(|t| t.folded)
            .collect()
    };
    if rng.random_bool(0.3) {
        let mut with = folded(before[rng.random_range(0..before.len())]);
        with.append(&mut words);
        words = with;
    }
    if rng.random_bool(0.3) {
        words.extend(folded(after[rng.random_range(0..after.len())]));
    }
    words
}

/// Tokens whose original form is their folded one, for generated utterances.
fn folded_tokens(words: &[String]) -> Vec<Token> {
    words
        .iter()
        .map(|w| Token {
            folded: w.clone(),
            original: w.clone(),
        })
        .collect()
}

/// The typed values in a message, left to right, the longest first at each word: `(start, end,
/// kind, value)`. A single word is a value only when it is a date ("yarın") or has a digit, so
/// "bir" or "on" stay words.
fn typed_spans(
    tokens: &[Token],
    now: NaiveDateTime,
) -> Vec<(usize, usize, SlotKind, serde_json::Value)> {
    let mut spans = Vec::new();
    // Only spans with a word that dates, times, durations or numbers need are tried: most
    // words are none, and the parsers are too slow to try on every span of every training
    // utterance.
    let strong: Vec<bool> = tokens.iter().map(|t| value_word(&t.folded)).collect();
    let mut start = 0;
    'next: while start < tokens.len() {
        for end in (start + 1..=(start + MAX_TYPED_WORDS).min(tokens.len())).rev() {
            if !strong[start..end].contains(&true) {
                continue;
            }
            let words = &tokens[start..end];
            let digits = words
                .iter()
                .any(|t| t.folded.chars().any(|c| c.is_ascii_digit()));
            for kind in [SlotKind::Date, SlotKind::Duration, SlotKind::Time] {
                if end - start == 1 && kind != SlotKind::Date && !digits {
                    continue;
                }
                if end - start == 1 && kind == SlotKind::Time && !words[0].folded.contains(':') {
                    // A bare number is a number, not "at 5".
                    continue;
                }
                if let Some(value) = slots::parse(kind, words, now) {
                    spans.push((start, end, kind, value));
                    start = end;
                    continue 'next;
                }
            }
            if end - start == 1
                && let Ok(n) = words[0].folded.replace(',', ".").parse::<f64>()
                && let Some(number) = serde_json::Number::from_f64(n)
            {
                spans.push((start, end, SlotKind::Number, number.into()));
                start = end;
                continue 'next;
            }
        }
        start += 1;
    }
    spans
}

/// Whether a word can carry a typed value: a digit, a day, a month, a part of the day or a
/// unit of time. Words that only go with one ("at", "on", "bir") do not count.
fn value_word(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
        || (slots::is_date_or_time_word(word) && !matches!(word, "at" | "on" | "in" | "next"))
        || matches!(
            word,
            "saniye"
                | "dakika"
                | "dk"
                | "second"
                | "seconds"
                | "minute"
                | "minutes"
                | "hour"
                | "hours"
                | "gun"
                | "day"
                | "days"
                | "hafta"
                | "week"
                | "noon"
                | "midnight"
                | "ogle"
                | "oglen"
                | "ogleyin"
                | "ogleden"
                | "obur"
                | "oburgun"
                | "yarindan"
                | "ertesi"
                | "afternoon"
                | "night"
                | "pm"
                | "am"
                | "quarter"
                | "ceyrek"
        )
}

/// The hashed features of a message: typed values as placeholders, word unigrams and bigrams,
/// and character n-grams within each word.
fn features(tokens: &[Token], now: NaiveDateTime, places: &[bool]) -> Vec<u64> {
    let spans = typed_spans(tokens, now);
    let mut words: Vec<(&str, bool)> = Vec::new();
    let mut i = 0;
    let mut spans = spans.iter().peekable();
    let place = |i: usize| places.get(i).copied().unwrap_or(false);
    while i < tokens.len() {
        if let Some((start, end, kind, _)) = spans.peek()
            && *start == i
        {
            words.push((placeholder(*kind), true));
            i = *end;
            spans.next();
            continue;
        }
        if place(i) {
            // A place of several words is one placeholder.
            if !(i > 0 && place(i - 1)) {
                words.push((PLACE, true));
            }
            i += 1;
            continue;
        }
        let word = tokens[i].folded.as_str();
        words.push((word, word.starts_with('<')));
        i += 1;
    }
    let mut out = Vec::new();
    // Whether the message names a day at all tells "now" from "then" ("weather in Berlin",
    // "weather in Berlin tomorrow").
    if !words
        .iter()
        .any(|(w, typed)| *typed && *w == placeholder(SlotKind::Date))
    {
        out.push(hash(&[b"w", b"<no-date>"]));
    }
    for (i, (word, typed)) in words.iter().enumerate() {
        out.push(hash(&[b"w", word.as_bytes()]));
        if i > 0 {
            out.push(hash(&[
                b"b",
                words[i - 1].0.as_bytes(),
                b" ",
                word.as_bytes(),
            ]));
        }
        if !typed {
            out.push(hash(&[b"s", normalise::stem(word).as_bytes()]));
            if let Some(class) = lexicon::class_of(word) {
                out.push(hash(&[b"l", class.as_bytes()]));
            }
            let padded: Vec<char> = std::iter::once(' ')
                .chain(word.chars())
                .chain(std::iter::once(' '))
                .collect();
            for n in CHAR_NGRAMS {
                for gram in padded.windows(n) {
                    let gram: String = gram.iter().collect();
                    out.push(hash(&[b"c", gram.as_bytes()]));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Common words with a locative ending that name no place ("nerede", "evde").
const NOT_PLACES: &[&str] = &[
    "nerede", "nerde", "burada", "burda", "orada", "orda", "surada", "evde", "iste", "aslinda",
    "sonunda", "icinde", "yaninda", "gercekte", "genelde", "bazen", "simdide", "here", "there",
    "home", "work", "all", "general", "total", "advance", "case", "fact",
];

/// The placeholder of a place: sampled utterances get it for their place slots, messages for
/// the words [`place_words`] takes for a place.
const PLACE: &str = "<place>";

/// Which words of a message the features take for a place: capitalised words that no template
/// or example spells out, and words with a Turkish locative ending whose stem is unknown
/// ("istanbulda"), so that "Berlin" and "Oslo" look alike and no city leans to a command.
fn place_words(tokens: &[Token], vocabulary: &HashSet<String>) -> Vec<bool> {
    let known = |w: &str| {
        vocabulary.contains(w) || slots::is_date_or_time_word(w) || NOT_PLACES.contains(&w)
    };
    tokens
        .iter()
        .map(|t| {
            if known(&t.folded) || t.original.chars().any(|c| c.is_ascii_digit()) {
                return false;
            }
            t.original.starts_with(char::is_uppercase)
                || ["nda", "nde", "da", "de", "ta", "te"].iter().any(|suffix| {
                    t.folded
                        .strip_suffix(suffix)
                        .is_some_and(|stem| stem.chars().count() >= 4 && !known(stem))
                })
        })
        .collect()
}

fn placeholder(kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Date => "<date>",
        SlotKind::Time => "<time>",
        SlotKind::Duration => "<duration>",
        _ => "<number>",
    }
}

/// FNV-1a over the parts: stable across builds and platforms, so the same words always give
/// the same feature.
fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Sample values of a slot kind in a language, to fill templates with.
fn sample_values(kind: SlotKind, name: &str, locale: &str) -> &'static [&'static str] {
    let tr = locale == "tr";
    // What an event is called or looked for: appointments and meetings, not errands.
    let event = matches!(name, "title" | "query" | "event" | "new_title");
    match kind {
        SlotKind::Text if tr && event => &[
            "dişçi randevusu",
            "toplantı",
            "yoga dersi",
            "Ayşe ile yemek",
            "doktor randevusu",
            "kuaför",
            "spor salonu",
            "proje sunumu",
            "Mehmet ile kahve",
            "veli toplantısı",
            "iş görüşmesi",
            "ekip toplantısı",
            "dişçi",
            "uçuş",
            "piyano dersi",
            "veteriner",
            "doğum günü partisi",
            "düğün",
            "konferans görüşmesi",
            "okul servisi",
            "futbol antrenmanı",
            "komşularla akşam yemeği",
            "fizik tedavi",
            "araba servisi",
        ],
        SlotKind::Text if event => &[
            "dentist appointment",
            "team meeting",
            "yoga class",
            "lunch with Sam",
            "doctor's appointment",
            "haircut",
            "the gym",
            "project review",
            "coffee with Ali",
            "parent teacher meeting",
            "job interview",
            "flight to Berlin",
            "dentist",
            "standup",
            "piano lesson",
            "vet appointment",
            "birthday party",
            "wedding",
            "conference call",
            "school pickup",
            "football practice",
            "dinner with the neighbours",
            "physio",
            "car service",
        ],
        SlotKind::Place if tr => &[
            "İstanbul",
            "Ankara",
            "İzmir",
            "Berlin",
            "Londra",
            "Antalya",
            "Bursa",
            "Trabzon",
            "Kadıköy",
            "Paris",
        ],
        SlotKind::Place => &[
            "London", "Berlin", "Paris", "New York", "Istanbul", "Tokyo", "Madrid", "Rome",
            "Ankara", "Boston",
        ],
        SlotKind::Date if tr => &[
            "bugün",
            "yarın",
            "cuma",
            "pazartesi",
            "haftaya salı",
            "23 kasım",
            "öbür gün",
            "cumartesi günü",
        ],
        SlotKind::Date => &[
            "today",
            "tomorrow",
            "on friday",
            "next monday",
            "november 23",
            "the day after tomorrow",
            "saturday",
        ],
        SlotKind::Time if tr => &[
            "saat 5",
            "17:30",
            "sabah 9",
            "akşam 7",
            "saat 14:00",
            "öğlen",
        ],
        SlotKind::Time => &["at 5", "at 5 pm", "17:30", "at 9 am", "at noon", "7:15"],
        SlotKind::Duration if tr => &["10 dakika", "bir saat", "yarım saat", "2 saat", "5 dakika"],
        SlotKind::Duration => &[
            "10 minutes",
            "an hour",
            "half an hour",
            "2 hours",
            "5 minutes",
        ],
        SlotKind::Number => &["3", "5", "7", "2"],
        SlotKind::Text if tr => &[
            "annemi ara",
            "çay",
            "ilacımı iç",
            "toplantı",
            "dişçi randevusu",
            "ekmek al",
            "faturayı öde",
            "çöpü çıkar",
            "çiçekleri sula",
            "fırını kapat",
            "kediyi besle",
            "annemi aramayı",
            "ilacımı içmeyi",
            "vitaminimi almayı",
            "kirayı ödemeyi",
            "eczaneye uğramayı",
            "süt almayı",
            "köpeği gezdirmeyi",
            "çamaşırları asmayı",
            "bulaşık makinesini boşaltmayı",
            "e-postaları kontrol etmeyi",
            "Ahmet'e mesaj atmayı",
            "doğum günü hediyesi almayı",
            "arabayı yıkatmayı",
            "kargoyu teslim almayı",
            "su içmeyi",
            "spora gitmeyi",
            "raporu göndermek",
            "elektrik faturası",
            "kira",
            "randevu",
            "pasaport başvurusu",
            "anneme çiçek",
            "toplantı notları",
            "çocukları okuldan almak",
            "market alışverişi",
            "ödevini kontrol et",
            "sunumu hazırla",
            "bankayı ara",
            "ocağı kapat",
        ],
        SlotKind::Text => &[
            "call mom",
            "the tea",
            "take my pills",
            "meeting",
            "dentist appointment",
            "buy bread",
            "pay the bill",
            "take out the trash",
            "water the plants",
            "turn off the oven",
            "feed the cat",
            "email Sarah",
            "take my vitamins",
            "pay the rent",
            "pick up the dry cleaning",
            "stop by the pharmacy",
            "walk the dog",
            "do the laundry",
            "empty the dishwasher",
            "check my emails",
            "text John back",
            "buy a birthday present",
            "get the car washed",
            "pick up the package",
            "drink water",
            "go to the gym",
            "send the report",
            "the electricity bill",
            "the rent",
            "the appointment",
            "renew my passport",
            "flowers for mom",
            "the meeting notes",
            "pick the kids up from school",
            "the groceries",
            "check the homework",
            "prepare the slides",
            "call the bank",
            "the laundry",
            "stretch",
        ],
    }
}

/// Keeps the classifier trained for the skills loaded now and the corrections stored now,
/// training in the background; chats use the model in place meanwhile (or the rules alone).
pub struct Learner {
    model: RwLock<Option<Arc<Model>>>,
    /// Bumped by every change of the corrections.
    corrections: AtomicU64,
    wake: tokio::sync::Notify,
    /// The key of the model in place.
    installed: tokio::sync::watch::Sender<(u64, u64)>,
}

impl Learner {
    /// A learner that starts training at once, for the skills of `runtime` and the
    /// corrections of `store`, with `now` telling the time for typed values. `router` is the
    /// brain's cache of the compiled rules, which training consults too (see [`train`]).
    pub fn start(
        runtime: Arc<Runtime>,
        store: Store,
        router: Arc<super::RouterCache>,
        now: impl Fn() -> NaiveDateTime + Send + Sync + 'static,
    ) -> Arc<Learner> {
        let learner = Arc::new(Learner {
            model: RwLock::new(None),
            corrections: AtomicU64::new(1),
            wake: tokio::sync::Notify::new(),
            installed: tokio::sync::watch::Sender::new((0, 0)),
        });
        let weak = Arc::downgrade(&learner);
        let now = Arc::new(now);
        tokio::spawn(async move {
            loop {
                let Some(learner) = weak.upgrade() else {
                    return;
                };
                let wanted = (
                    runtime.generation(),
                    learner.corrections.load(Ordering::Acquire),
                );
                if *learner.installed.borrow() == wanted {
                    tokio::select! {
                        _ = learner.wake.notified() => {}
                        _ = tokio::time::sleep(POLL) => {}
                    }
                    continue;
                }
                let stored = match store.corrections().await {
                    Ok(stored) => stored,
                    Err(error) => {
                        tracing::warn!(%error, "cannot read the corrections; the classifier keeps its model");
                        tokio::time::sleep(POLL * 4).await;
                        continue;
                    }
                };
                let specs = specs(&runtime.skills());
                let lessons: Vec<Lesson> = stored
                    .into_iter()
                    .map(|c| Lesson {
                        utterance: c.utterance,
                        command: c.command,
                        args: c.args.as_object().cloned().unwrap_or_default(),
                    })
                    .collect();
                let now = now.clone();
                let (runtime, router) = (runtime.clone(), router.clone());
                let started = std::time::Instant::now();
                let trained = tokio::task::spawn_blocking(move || {
                    let now = (*now)();
                    // The rules the brain routes by, compiled once for both.
                    let router = super::cached_router(&runtime, &router);
                    // A match made mostly of free text is no claim: "find the nearest
                    // pharmacy" stays out of domain, for the veto of such matches to learn.
                    let claimed = |tokens: &[Token]| match router.route(tokens, now) {
                        super::router::Route::Command(target) => {
                            target.confidence >= VETO_MOSTLY_FREE
                        }
                        _ => false,
                    };
                    let mut model = train(&specs, &lessons, now, &claimed);
                    model.key = wanted;
                    model
                })
                .await;
                match trained {
                    Ok(model) => {
                        tracing::debug!(
                            elapsed_ms = started.elapsed().as_millis() as u64,
                            classes = model.classes.len(),
                            features = model.rows.len(),
                            "classifier trained"
                        );
                        *learner.model.write().unwrap() = Some(Arc::new(model));
                        learner.installed.send_replace(wanted);
                    }
                    Err(error) => {
                        tracing::error!(%error, "training the classifier failed");
                        tokio::time::sleep(POLL * 4).await;
                    }
                }
            }
        });
        learner
    }

    /// Waits until a first model is in place, at most `timeout`.
    pub async fn first_model(&self, timeout: Duration) {
        let mut installed = self.installed.subscribe();
        let _ = tokio::time::timeout(timeout, installed.wait_for(|key| *key != (0, 0))).await;
    }

    /// The model in place, if one was trained yet.
    pub fn model(&self) -> Option<Arc<Model>> {
        self.model.read().unwrap().clone()
    }

    /// Asks for a model that includes the corrections as they are now, and waits until it is
    /// in place (at most `timeout`).
    async fn corrections_changed(&self, timeout: Duration) {
        let version = self.corrections.fetch_add(1, Ordering::AcqRel) + 1;
        self.wake.notify_one();
        let mut installed = self.installed.subscribe();
        let _ = tokio::time::timeout(timeout, installed.wait_for(|(_, v)| *v >= version)).await;
    }
}

/// How long a change of the corrections waits for the model that includes it.
const RETRAIN_WAIT: Duration = Duration::from_secs(30);

/// A correction with whether it is applied: its command exists now.
#[derive(Debug, Clone)]
pub struct Correction {
    pub stored: StoredCorrection,
    pub applied: bool,
}

/// How long the host waits at start for the first model before it serves with the rules alone.
/// A release build trains the first-party skills in well under a second; a debug build on a
/// busy machine (the test suite) may take ten.
pub const FIRST_MODEL_WAIT: Duration = Duration::from_secs(30);

/// Whether `command` (`skill.command`) is a command of a skill loaded in `runtime` now, or the
/// briefing. A model trained before a skill was removed may still name its commands until the
/// next one is in place.
pub fn command_exists(runtime: &Runtime, command: &str) -> bool {
    let Some((skill, name)) = command.split_once('.') else {
        return false;
    };
    (skill == briefing::SKILL && name == briefing::COMMAND)
        || runtime
            .skill(skill)
            .is_some_and(|s| s.command(name).is_some())
}

impl Brain {
    /// Waits (at most [`FIRST_MODEL_WAIT`]) until the classifier for the skills loaded at start
    /// is trained, so that the first messages are routed as all later ones.
    pub async fn classifier_trained(&self) {
        self.learner.first_model(FIRST_MODEL_WAIT).await;
    }

    /// Stores a correction and returns once the classifier that learned it is in place, so the
    /// next message routes it.
    pub async fn add_correction(
        &self,
        utterance: &str,
        command: &str,
        args: Option<serde_json::Value>,
    ) -> Result<Correction, BrainError> {
        let utterance = utterance.trim();
        if utterance.chars().count() > MAX_CORRECTION_CHARS {
            return Err(BrainError::InvalidRequest(format!(
                "utterance must have at most {MAX_CORRECTION_CHARS} characters"
            )));
        }
        let tokens = normalise::tokenize(utterance);
        if tokens.is_empty() {
            return Err(BrainError::InvalidRequest(
                "utterance must have at least one word".into(),
            ));
        }
        let args = args.unwrap_or_else(|| serde_json::json!({}));
        if !args.is_object() {
            return Err(BrainError::InvalidRequest(
                "args must be a JSON object".into(),
            ));
        }
        if args.to_string().len() > MAX_CORRECTION_ARGS_BYTES {
            return Err(BrainError::InvalidRequest(format!(
                "args must be at most {MAX_CORRECTION_ARGS_BYTES} bytes of JSON"
            )));
        }
        if !command_exists(&self.runtime, command) {
            return Err(BrainError::UnknownCommand(command.to_owned()));
        }
        let required = command
            .split_once('.')
            .and_then(|(skill, name)| {
                let skill = self.runtime.skill(skill)?;
                Some(required_args(&skill.command(name)?.args_schema))
            })
            .unwrap_or_default();
        let missing: Vec<&str> = required
            .iter()
            .map(String::as_str)
            .filter(|r| args.get(r).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(BrainError::InvalidRequest(format!(
                "{command} needs these arguments in args: {}",
                missing.join(", ")
            )));
        }
        let stored = self
            .store
            .insert_correction(
                NewCorrection {
                    key: &key(&tokens),
                    utterance,
                    command,
                    args: &args,
                },
                MAX_CORRECTIONS,
            )
            .await?
            .ok_or(BrainError::TooManyCorrections(MAX_CORRECTIONS))?;
        self.learner.corrections_changed(RETRAIN_WAIT).await;
        Ok(Correction {
            stored,
            applied: true,
        })
    }

    /// Every correction, oldest first, with whether its command still exists.
    pub async fn corrections(&self) -> Result<Vec<Correction>, BrainError> {
        Ok(self
            .store
            .corrections()
            .await?
            .into_iter()
            .map(|stored| Correction {
                applied: command_exists(&self.runtime, &stored.command),
                stored,
            })
            .collect())
    }

    /// Forgets a correction; `false` when there was none with this id. Returns once the
    /// classifier no longer knows it.
    pub async fn delete_correction(&self, id: i64) -> Result<bool, BrainError> {
        let deleted = self.store.delete_correction(id).await?;
        if deleted {
            self.learner.corrections_changed(RETRAIN_WAIT).await;
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 15, 0)
            .unwrap()
    }

    fn spec(name: &str, templates: &[(&str, &str)], slots: &[(&str, SlotKind)]) -> CommandSpec {
        CommandSpec {
            name: name.into(),
            templates: templates
                .iter()
                .map(|(l, t)| ((*l).into(), (*t).into()))
                .collect(),
            examples: Vec::new(),
            slots: slots.iter().map(|(n, k)| ((*n).into(), *k)).collect(),
            required: Vec::new(),
            free_text: Vec::new(),
        }
    }

    fn specs() -> Vec<CommandSpec> {
        vec![
            spec(
                "clock.now",
                &[
                    ("tr", "[şu an] saat kaç [acaba]"),
                    ("tr", "saati söyle"),
                    ("en", "what time is it [now]"),
                    ("en", "(tell me|give me) the time"),
                ],
                &[],
            ),
            spec(
                "weather.current",
                &[
                    ("tr", "[{place}] hava [durumu] nasıl"),
                    ("tr", "{place} için hava durumu"),
                    ("en", "(what's|how's) the weather [like] [in {place}]"),
                    ("en", "weather (in|for) {place}"),
                ],
                &[("place", SlotKind::Place), ("date", SlotKind::Date)],
            ),
            spec(
                "reminders.list",
                &[
                    ("tr", "hatırlatıcılarım [neler]"),
                    ("tr", "hatırlatıcılarımı (göster|listele)"),
                    ("en", "(list|show) [me] my reminders"),
                    ("en", "what are my reminders"),
                ],
                &[],
            ),
        ]
    }

    fn classify(model: &Model, text: &str) -> Classified {
        model.classify(&normalise::tokenize(text), now())
    }

    #[test]
    fn training_is_deterministic() {
        let a = train(&specs(), &[], now(), &|_| false);
        let b = train(&specs(), &[], now(), &|_| false);
        assert_eq!(a.classes, b.classes);
        assert_eq!(a.weights, b.weights);
        assert_eq!(a.bias, b.bias);
        let text = "what is the time please";
        assert_eq!(classify(&a, text), classify(&b, text));
    }

    #[test]
    fn generalises_to_unseen_phrasings_and_finds_typed_slots() {
        let model = train(&specs(), &[], now(), &|_| false);
        let found = classify(&model, "tell me what time it is now please");
        assert_eq!(found.command.as_deref(), Some("clock.now"), "{found:?}");
        let found = classify(&model, "istanbulda yarın hava nasil");
        assert_eq!(
            found.command.as_deref(),
            Some("weather.current"),
            "{found:?}"
        );
        assert_eq!(found.args["place"], "İstanbul");
        assert_eq!(found.args["date"], "2026-11-24");
        let found = classify(&model, "Berlin weather");
        assert_eq!(
            found.command.as_deref(),
            Some("weather.current"),
            "{found:?}"
        );
        assert_eq!(found.args["place"], "Berlin");
    }

    #[test]
    fn rejects_what_no_command_does() {
        let model = train(&specs(), &[], now(), &|_| false);
        for text in [
            "order a pizza with extra cheese",
            "turn on the kitchen lights",
            "bana bir film öner",
            "my bank pin is 4321",
        ] {
            let found = classify(&model, text);
            assert_eq!(found.command, None, "{text}: {found:?}");
        }
    }

    #[test]
    fn a_correction_routes_its_utterance_and_near_variants() {
        let lesson = Lesson {
            utterance: "what's cooking in my agenda of things to remember".into(),
            command: "reminders.list".into(),
            args: Default::default(),
        };
        let model = train(&specs(), &[lesson], now(), &|_| false);
        let tokens = normalise::tokenize("What's cooking in my agenda of things to remember?");
        assert_eq!(model.corrected(&tokens).unwrap().0, "reminders.list");
        let found = classify(
            &model,
            "what's cooking in my agenda of things to remember today",
        );
        assert_eq!(
            found.command.as_deref(),
            Some("reminders.list"),
            "{found:?}"
        );
    }

    #[test]
    fn a_command_whose_required_arguments_cannot_be_filled_is_not_chosen() {
        let mut specs = specs();
        specs.push(CommandSpec {
            required: vec!["what".into()],
            ..spec(
                "reminders.add",
                &[
                    ("en", "remind me to {what} [{date}]"),
                    ("tr", "{what} hatırlat"),
                ],
                &[("what", SlotKind::Text), ("date", SlotKind::Date)],
            )
        });
        let model = train(&specs, &[], now(), &|_| false);
        let found = classify(&model, "please remind me tomorrow to water the plants");
        assert_eq!(found.command, None, "{found:?}");
        assert_eq!(
            found.runner_up.and_then(|r| r.command).as_deref(),
            Some("reminders.add")
        );
    }

    #[test]
    fn free_text_is_what_no_template_of_the_command_spells_out() {
        let mut specs = specs();
        specs.push(CommandSpec {
            required: vec!["what".into()],
            free_text: vec!["what".into()],
            examples: vec![
                "remind me about the meeting at 3pm".into(),
                "set a reminder to call the bank".into(),
            ],
            ..spec(
                "reminders.add",
                &[
                    ("en", "remind me to {what} [{date}] [{time}]"),
                    ("en", "remind me [{date}] [{time}] to {what}"),
                    ("tr", "[{date}] [{time}] {what} hatırlat"),
                ],
                &[
                    ("what", SlotKind::Text),
                    ("date", SlotKind::Date),
                    ("time", SlotKind::Time),
                ],
            )
        });
        let model = train(&specs, &[], now(), &|_| false);
        let found = classify(&model, "please remind me tomorrow to water the plants");
        assert_eq!(found.command.as_deref(), Some("reminders.add"), "{found:?}");
        assert_eq!(found.args["what"], "water the plants");
        assert_eq!(found.args["date"], "2026-11-24");
        // Nothing left to remind of: not chosen.
        let found = classify(&model, "remind me tomorrow please");
        assert_eq!(found.command, None, "{found:?}");
    }

    #[test]
    fn typed_values_become_placeholders() {
        let a = features(
            &normalise::tokenize("remind me tomorrow at 17:30"),
            now(),
            &[],
        );
        let b = features(
            &normalise::tokenize("remind me on friday at 9:15"),
            now(),
            &[],
        );
        assert_eq!(a, b);
    }
}
