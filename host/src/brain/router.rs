//! The rules router: every active skill's intent templates compiled into one matcher.

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::normalise::Token;
use super::template::Template;
use super::{briefing, slots};
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
    /// The share of the message's words that the template explained, literally or as typed
    /// slot values (free-text slot words do not count), from 0 to 1.
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
        // The host's own command: the briefing.
        for (locale, templates) in briefing::INTENTS {
            for text in *templates {
                let template = Template::parse(text).expect("the built-in templates parse");
                entries.push(Entry {
                    skill: briefing::SKILL.into(),
                    command: briefing::COMMAND.into(),
                    locale: (*locale).into(),
                    slots: Vec::new(),
                    template,
                });
            }
        }
        Router { entries }
    }

    /// Routes a tokenized message: the command whose template matched with the most literal
    /// words; a tie between different commands is ambiguous.
    pub fn route(&self, tokens: &[Token], now: NaiveDateTime) -> Route {
        if tokens.is_empty() {
            return Route::NoMatch;
        }
        let mut best: Vec<((usize, usize), Target)> = Vec::new();
        for entry in &self.entries {
            let parse_slot = |name: &str, words: &[Token]| {
                let kind = entry
                    .slots
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(SlotKind::Text, |(_, k)| *k);
                let typed = !matches!(kind, SlotKind::Text | SlotKind::Place);
                slots::parse(kind, words, now).map(|value| (value, typed))
            };
            let Some(found) = entry.template.matches(tokens, &parse_slot) else {
                continue;
            };
            let score = (found.literal_words, found.typed_words);
            let target = Target {
                skill: entry.skill.clone(),
                command: entry.command.clone(),
                locale: entry.locale.clone(),
                confidence: (found.literal_words + found.typed_words) as f64 / tokens.len() as f64,
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
