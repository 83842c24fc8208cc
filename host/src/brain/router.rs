//! The rules router: every active skill's intent templates compiled into one matcher.

use std::sync::Arc;

use super::normalise::Token;
use super::template::Template;
use crate::runtime::{LoadedSkill, SlotKind};

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
    /// The share of the message's words that the template matched literally (slot words are
    /// not literal), from 0 to 1.
    pub confidence: f64,
}

struct Entry {
    skill: String,
    command: String,
    locale: String,
    slots: Vec<(String, SlotKind)>,
    template: Template,
}

/// The compiled templates of a set of skills.
pub struct Router {
    entries: Vec<Entry>,
}

impl Router {
    /// Compiles the templates of `skills`. A template that does not parse is skipped with a
    /// warning naming the skill.
    pub fn new(skills: &[Arc<LoadedSkill>]) -> Router {
        let mut entries = Vec::new();
        for skill in skills {
            for intent in &skill.manifest.intents {
                for text in &intent.templates {
                    match Template::parse(text) {
                        Ok(template) => entries.push(Entry {
                            skill: skill.manifest.name.clone(),
                            command: intent.command.clone(),
                            locale: intent.locale.clone(),
                            slots: intent
                                .slots
                                .iter()
                                .map(|s| (s.name.clone(), s.kind))
                                .collect(),
                            template,
                        }),
                        Err(error) => {
                            tracing::warn!(skill = %skill.manifest.name, template = %text, %error, "skipping an intent template that does not parse")
                        }
                    }
                }
            }
        }
        Router { entries }
    }

    /// Routes a tokenized message: the command whose template matched with the most literal
    /// words; a tie between different commands is ambiguous.
    pub fn route(&self, tokens: &[Token]) -> Route {
        if tokens.is_empty() {
            return Route::NoMatch;
        }
        let mut best: Vec<(usize, Target)> = Vec::new();
        for entry in &self.entries {
            let Some(found) = entry.template.matches(tokens) else {
                continue;
            };
            let target = Target {
                skill: entry.skill.clone(),
                command: entry.command.clone(),
                locale: entry.locale.clone(),
                args: slot_args(&entry.slots, found.slots),
                confidence: found.literal_words as f64 / tokens.len() as f64,
            };
            match best.first().map(|(score, _)| *score) {
                Some(score) if found.literal_words < score => {}
                Some(score) if found.literal_words == score => {
                    if !best
                        .iter()
                        .any(|(_, t)| t.skill == target.skill && t.command == target.command)
                    {
                        best.push((found.literal_words, target));
                    }
                }
                _ => best = vec![(found.literal_words, target)],
            }
        }
        match best.len() {
            0 => Route::NoMatch,
            1 => Route::Command(best.remove(0).1),
            _ => Route::Ambiguous(best.into_iter().map(|(_, t)| t).collect()),
        }
    }
}

/// Turns captured slot text into JSON arguments: numbers as numbers when they parse, everything
/// else as text.
fn slot_args(
    kinds: &[(String, SlotKind)],
    values: std::collections::BTreeMap<String, String>,
) -> serde_json::Map<String, serde_json::Value> {
    values
        .into_iter()
        .map(|(name, text)| {
            let kind = kinds.iter().find(|(n, _)| *n == name).map(|(_, k)| *k);
            let value = match kind {
                Some(SlotKind::Number) => text
                    .replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::String(text)),
                _ => serde_json::Value::String(text),
            };
            (name, value)
        })
        .collect()
}
