//! The brain: every chat message, from any surface, goes through [`Brain::chat`]:
//! normalise → route (corrections, intent templates, the classifier, follow-ups, the LLM tiers)
//! → run (skill invocation) → respond, and the exchange is saved before the answer is returned.
//!
//! It knows nothing of HTTP, and it can be driven without a socket.

mod briefing;
pub mod classifier;
mod confirmation;
mod followup;
mod lexicon;
pub mod llm;
mod normalise;
mod router;
mod slots;
mod template;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::runtime::{DescriptionKind, Invocation, InvokeError, LoadedSkill, Runtime, SlotKind};
use crate::store::{CommandCall, Store, StoreError, TurnRecord};
use router::{Route, Router, Target};

/// Which part of the brain answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// The skills' intent templates.
    Rules,
    /// The local classifier trained from the templates, examples and corrections.
    Classifier,
    /// The fast LLM tier.
    Fast,
    /// The quality LLM tier.
    Quality,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Rules => "rules",
            Tier::Classifier => "classifier",
            Tier::Fast => "fast",
            Tier::Quality => "quality",
        }
    }
}

/// A chat message from a user.
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    pub message: String,
    /// The conversation to continue; a new one is started when absent.
    pub session_id: Option<String>,
    /// An explicit answer to a pending confirmation: true runs the command, false cancels it.
    pub confirm: Option<bool>,
    /// Per-request settings for the LLM tiers; the rules ignore them.
    pub overrides: Overrides,
}

/// Per-request settings for the LLM tiers.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
}

/// Tokens an LLM used for one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub prompt: u32,
    pub completion: u32,
    pub total: u32,
}

/// What happens while an answer is made, for the streaming surfaces (SSE, WebSocket). The
/// final answer is the [`ChatOutcome`] that [`Brain::chat`] returns.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// A piece of the response text; the pieces in order make the whole response.
    Delta(String),
    /// A skill command is about to run, as `skill.command`.
    Tool(String),
    /// A command waits for the user's yes or no; the question.
    Confirm(String),
}

/// Where [`Brain::chat`] sends [`ChatEvent`]s; a closed receiver is fine.
pub type ChatEvents = tokio::sync::mpsc::UnboundedSender<ChatEvent>;

/// The brain's answer.
#[derive(Debug, Clone)]
pub struct ChatOutcome {
    pub response: String,
    pub session_id: String,
    /// Commands that ran, as `skill.command`.
    pub tools_used: Vec<String>,
    pub tier: Tier,
    pub latency_ms: u64,
    /// Structured data from the skill, if it gave any.
    pub data: Option<serde_json::Value>,
    /// The language the brain answered in.
    pub locale: &'static str,
    /// Set when a command waits for the user's yes or no instead of running.
    pub confirmation_prompt: Option<String>,
    /// Tokens used, when an LLM answered.
    pub tokens: Option<TokenUsage>,
}

/// What the brain says back, before it is saved.
pub struct Answer {
    pub response: String,
    pub tools_used: Vec<String>,
    pub data: Option<serde_json::Value>,
    pub locale: &'static str,
    pub confirmation_prompt: Option<String>,
    pub tier: Tier,
    pub tokens: Option<TokenUsage>,
}

impl Answer {
    pub fn text(response: String, locale: &str) -> Answer {
        Answer {
            response,
            tools_used: Vec::new(),
            data: None,
            locale: locale_of(locale),
            confirmation_prompt: None,
            tier: Tier::Rules,
            tokens: None,
        }
    }
}

/// One message being answered, and who is listening.
pub struct Turn<'a> {
    pub message: &'a str,
    pub session_id: &'a str,
    pub overrides: &'a Overrides,
    pub events: Option<&'a ChatEvents>,
    /// What the turn leaves in the conversation; saved with the exchange, in one commit.
    kept: std::sync::Mutex<Kept>,
}

/// The commands a turn leaves in its conversation.
#[derive(Default)]
struct Kept {
    /// The command it ran, for follow-ups.
    last_command: Option<CommandCall>,
    /// The command it asks to confirm.
    pending: Option<CommandCall>,
}

impl Turn<'_> {
    /// Changes what the turn leaves in the conversation.
    fn keep(&self, change: impl FnOnce(&mut Kept)) {
        change(&mut self.kept.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Tells the listener, if there is one.
    pub fn emit(&self, event: ChatEvent) {
        if let Some(events) = self.events {
            let _ = events.send(event);
        }
    }
}

/// What routing makes of a message.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// `skill.command`, when one command matched.
    pub command: Option<String>,
    pub locale: &'static str,
    /// The slot values, as the command's arguments.
    pub slots: serde_json::Map<String, serde_json::Value>,
    pub confidence: f64,
    pub requires_confirmation: bool,
    /// The commands that matched equally well, when the message is ambiguous.
    pub alternatives: Vec<String>,
    /// Which tier chose the command; `None` when none did.
    pub tier: Option<Tier>,
    /// When the classifier chose, its second choice and that one's probability (`None` as a
    /// name is the out-of-domain class); when it was asked and chose nothing, the command it
    /// came closest to choosing.
    pub runner_up: Option<classifier::RunnerUp>,
}

/// The answer of a command run directly.
#[derive(Debug, Clone)]
pub struct CommandOutcome {
    pub response: String,
    pub tools_used: Vec<String>,
    pub latency_ms: u64,
    pub data: Option<serde_json::Value>,
}

/// Why a chat message got no answer.
#[derive(Debug, thiserror::Error)]
pub enum BrainError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error(transparent)]
    Skill(#[from] InvokeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A correction names a command no loaded skill has.
    #[error(
        "there is no command {0:?}: name a command of a loaded skill as `skill.command` (see GET /api/v1/commands)"
    )]
    UnknownCommand(String),
    #[error("at most {0} corrections can be kept: delete some first")]
    TooManyCorrections(u64),
    /// `confirm` in a conversation where no command waits for a yes or no.
    #[error(
        "nothing in this conversation is waiting for confirmation: send `confirm` only after an answer with `requires_confirmation: true`"
    )]
    NothingToConfirm,
}

/// Most characters a chat message may have.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The chat pipeline.
pub struct Brain {
    runtime: Arc<Runtime>,
    store: Store,
    router: Arc<RouterCache>,
    /// The classifier, trained in the background.
    learner: Arc<classifier::Learner>,
    llm: Option<llm::Llm>,
    timezone: chrono_tz::Tz,
}

impl Brain {
    /// A brain over the skills of `runtime`; `llm` is the optional LLM tiers, `timezone` the
    /// user's. It starts training the classifier in the background, so it needs a Tokio runtime.
    pub fn new(
        runtime: Arc<Runtime>,
        store: Store,
        llm: Option<llm::Llm>,
        timezone: chrono_tz::Tz,
    ) -> Brain {
        let router: Arc<RouterCache> = Default::default();
        let learner =
            classifier::Learner::start(runtime.clone(), store.clone(), router.clone(), move || {
                chrono::Utc::now().with_timezone(&timezone).naive_local()
            });
        Brain {
            runtime,
            store,
            router,
            learner,
            llm,
            timezone,
        }
    }

    /// The user's local time now: what "today" and "at 5" are relative to.
    fn now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now()
            .with_timezone(&self.timezone)
            .naive_local()
    }

    /// The LLM tiers, when any are configured.
    pub fn llm(&self) -> Option<&llm::Llm> {
        self.llm.as_ref()
    }

    /// Checks what can be checked of a request without answering it, so that a streaming
    /// surface can refuse it before it starts; [`Brain::chat`] checks the same.
    pub fn validate(request: &ChatRequest) -> Result<(), BrainError> {
        let message = request.message.trim();
        if message.is_empty() {
            return Err(BrainError::InvalidRequest(
                "message must not be empty".into(),
            ));
        }
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(BrainError::InvalidRequest(format!(
                "message must have at most {MAX_MESSAGE_CHARS} characters"
            )));
        }
        if let Some(id) = &request.session_id {
            validate_session_id(id)?;
        }
        Ok(())
    }

    /// Answers one message and saves the exchange; `events` (if any) sees the answer being made.
    ///
    /// A command that needs confirmation does not run at first: the answer asks, and the
    /// command waits in the conversation until a yes (it runs), a no (it is cancelled) or any
    /// other message (it is dropped, and that message is answered instead).
    pub async fn chat(
        &self,
        request: ChatRequest,
        events: Option<ChatEvents>,
    ) -> Result<ChatOutcome, BrainError> {
        let started = Instant::now();
        Brain::validate(&request)?;
        let message = request.message.trim();
        // A new conversation has nothing waiting in it, so it skips the read.
        let (session_id, pending) = match request.session_id {
            Some(id) => {
                let pending = self.store.take_pending(&id).await?;
                (id, pending)
            }
            // Time-ordered (UUIDv7), so a new conversation's rows go at the end of the
            // indexes keyed by conversation instead of anywhere in them: fewer pages per commit.
            None => (uuid::Uuid::now_v7().to_string(), None),
        };
        let turn = Turn {
            message,
            session_id: &session_id,
            overrides: &request.overrides,
            events: events.as_ref(),
            kept: Default::default(),
        };

        let tokens = normalise::tokenize(message);
        let decision = request.confirm.or_else(|| confirmation::decision(&tokens));
        let answer = match (pending, decision) {
            (Some(pending), Some(true)) => {
                let target = Target {
                    skill: pending.skill,
                    command: pending.command,
                    locale: pending.locale,
                    args: pending.args.as_object().cloned().unwrap_or_default(),
                    confidence: 1.0,
                };
                self.run(&target, &turn).await?
            }
            (Some(pending), Some(false)) => {
                let answer =
                    Answer::text(confirmation::cancelled(&pending.locale), &pending.locale);
                turn.emit(ChatEvent::Delta(answer.response.clone()));
                answer
            }
            (None, _) if request.confirm.is_some() => {
                return Err(BrainError::NothingToConfirm);
            }
            (_, _) => self.route(&tokens, &turn).await?,
        };

        let kept = turn.kept.into_inner().unwrap_or_else(|e| e.into_inner());
        self.store
            .record_turn(TurnRecord {
                conversation_id: session_id.clone(),
                user_text: message.to_owned(),
                reply_text: answer.response.clone(),
                tools_used: answer.tools_used.clone(),
                tier: answer.tier.as_str(),
                last_command: kept.last_command,
                pending: kept.pending,
            })
            .await?;
        Ok(ChatOutcome {
            response: answer.response,
            session_id,
            tools_used: answer.tools_used,
            tier: answer.tier,
            latency_ms: started.elapsed().as_millis() as u64,
            data: answer.data,
            locale: answer.locale,
            confirmation_prompt: answer.confirmation_prompt,
            tokens: answer.tokens,
        })
    }

    /// Routes a message (corrections, the intent templates, then the classifier) and answers
    /// it; what they cannot place goes to a follow-up, then to the LLM tiers when there are
    /// any, else gets the help reply.
    async fn route(
        &self,
        tokens: &[normalise::Token],
        turn: &Turn<'_>,
    ) -> Result<Answer, BrainError> {
        let decision = self.decide_off_workers(turn.message, tokens).await;
        match decision.route {
            Route::Command(target) => {
                // A follow-up's shape ("ya yarın?") continues the conversation rather than
                // starting what the classifier guessed.
                if decision.tier == Some(Tier::Classifier)
                    && followup::value(tokens).is_some()
                    && let Some(target) = self.follow_up(tokens, turn).await?
                {
                    return self.run_or_ask(&target, turn).await;
                }
                let mut answer = self.run_or_ask(&target, turn).await?;
                answer.tier = decision.tier.unwrap_or(Tier::Rules);
                Ok(answer)
            }
            route => {
                if let Some(target) = self.follow_up(tokens, turn).await? {
                    return self.run_or_ask(&target, turn).await;
                }
                if let Some(llm) = &self.llm {
                    return llm.answer(self, turn).await;
                }
                let locale = normalise::detect_locale(turn.message);
                let text = match route {
                    Route::Ambiguous(targets) => self.which_one(&targets, locale),
                    _ => self.help(locale),
                };
                turn.emit(ChatEvent::Delta(text.clone()));
                Ok(Answer::text(text, locale))
            }
        }
    }

    /// A follow-up to the conversation's last command: that command with the slot the new value
    /// fits replaced (dates first, then times, durations, numbers and places).
    async fn follow_up(
        &self,
        tokens: &[normalise::Token],
        turn: &Turn<'_>,
    ) -> Result<Option<Target>, BrainError> {
        let Some(value) = followup::value(tokens) else {
            return Ok(None);
        };
        let Some(last) = self.store.last_command(turn.session_id).await? else {
            return Ok(None);
        };
        let Some(skill) = self.runtime.skill(&last.skill) else {
            return Ok(None);
        };
        let slots = skill.command_slots(&last.command);
        let now = self.now();
        for kind in [
            SlotKind::Date,
            SlotKind::Time,
            SlotKind::Duration,
            SlotKind::Number,
            SlotKind::Place,
        ] {
            for (name, _) in slots.iter().filter(|(_, k)| *k == kind) {
                if let Some(new) = slots::parse(kind, value, now) {
                    let mut args = last.args.as_object().cloned().unwrap_or_default();
                    args.insert(name.clone(), new);
                    return Ok(Some(Target {
                        skill: last.skill,
                        command: last.command,
                        locale: last.locale,
                        args,
                        confidence: 1.0,
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Runs a routed command, or, when it needs confirmation, asks and keeps it waiting.
    async fn run_or_ask(&self, target: &Target, turn: &Turn<'_>) -> Result<Answer, BrainError> {
        let answer = self.invoke_or_ask(target, turn).await?;
        if answer.confirmation_prompt.is_none() {
            turn.emit(ChatEvent::Delta(answer.response.clone()));
        }
        Ok(answer)
    }

    /// [`Brain::run_or_ask`] without streaming the skill's reply as response text: the LLM
    /// tiers hand the reply to the model and stream the model's own words instead.
    async fn invoke_or_ask(&self, target: &Target, turn: &Turn<'_>) -> Result<Answer, BrainError> {
        let needs_confirmation = self
            .runtime
            .skill(&target.skill)
            .and_then(|s| s.command(&target.command).map(|c| c.needs_confirmation))
            .unwrap_or(false);
        if !needs_confirmation {
            return self.invoke(target, turn).await;
        }
        let locale = locale_of(&target.locale);
        let prompt = self.confirmation_prompt(target, turn, locale).await;
        turn.keep(|kept| {
            kept.pending = Some(CommandCall {
                skill: target.skill.clone(),
                command: target.command.clone(),
                args: serde_json::Value::Object(target.args.clone()),
                locale: locale.to_owned(),
            })
        });
        turn.emit(ChatEvent::Confirm(prompt.clone()));
        Ok(Answer {
            confirmation_prompt: Some(prompt.clone()),
            ..Answer::text(prompt, locale)
        })
    }

    /// Runs a command and streams the skill's reply as the response.
    async fn run(&self, target: &Target, turn: &Turn<'_>) -> Result<Answer, BrainError> {
        let answer = self.invoke(target, turn).await?;
        turn.emit(ChatEvent::Delta(answer.response.clone()));
        Ok(answer)
    }

    /// Runs a command: the one place a chat runs a skill. It announces the command as a
    /// [`ChatEvent::Tool`] and streams no text.
    async fn invoke(&self, target: &Target, turn: &Turn<'_>) -> Result<Answer, BrainError> {
        let locale = locale_of(&target.locale);
        if target.skill == briefing::SKILL {
            turn.emit(ChatEvent::Tool(format!(
                "{}.{}",
                briefing::SKILL,
                briefing::COMMAND
            )));
            let mut answer = self.brief(self.now(), locale, Some(turn)).await?;
            answer
                .tools_used
                .insert(0, format!("{}.{}", briefing::SKILL, briefing::COMMAND));
            return Ok(answer);
        }
        let tool = format!("{}.{}", target.skill, target.command);
        turn.emit(ChatEvent::Tool(tool.clone()));
        let invocation = target.invocation(locale, turn.session_id);
        let reply = self.runtime.invoke(&invocation).await?;
        let last = CommandCall {
            skill: invocation.skill,
            command: invocation.command,
            args: invocation.args,
            locale: invocation.locale,
        };
        turn.keep(|kept| kept.last_command = Some(last));
        Ok(Answer {
            response: reply.text,
            tools_used: vec![tool],
            data: reply.data,
            ..Answer::text(String::new(), locale)
        })
    }

    /// What routing would do with `input`, without running anything.
    pub fn parse(&self, input: &str) -> Parsed {
        let tokens = normalise::tokenize(input);
        self.parsed(input, decide(self.routing(), input, &tokens))
    }

    /// [`Brain::parse`], with the routing run off the async workers.
    pub async fn parse_off_workers(&self, input: &str) -> Parsed {
        let tokens = normalise::tokenize(input);
        let decision = self.decide_off_workers(input, &tokens).await;
        self.parsed(input, decision)
    }

    fn parsed(&self, input: &str, decision: Decision) -> Parsed {
        let Decision {
            route,
            tier,
            runner_up,
            confidence,
        } = decision;
        match route {
            Route::Command(target) => {
                let requires_confirmation = self
                    .runtime
                    .skill(&target.skill)
                    .and_then(|s| s.command(&target.command).map(|c| c.needs_confirmation))
                    .unwrap_or(false);
                Parsed {
                    command: Some(format!("{}.{}", target.skill, target.command)),
                    locale: locale_of(&target.locale),
                    slots: target.args,
                    confidence: target.confidence,
                    requires_confirmation,
                    alternatives: Vec::new(),
                    tier,
                    runner_up,
                }
            }
            Route::Ambiguous(targets) => Parsed {
                command: None,
                locale: normalise::detect_locale(input),
                slots: Default::default(),
                confidence,
                requires_confirmation: false,
                alternatives: targets
                    .iter()
                    .map(|t| format!("{}.{}", t.skill, t.command))
                    .collect(),
                tier: None,
                runner_up,
            },
            Route::NoMatch => Parsed {
                command: None,
                locale: normalise::detect_locale(input),
                slots: Default::default(),
                confidence,
                requires_confirmation: false,
                alternatives: Vec::new(),
                tier: None,
                runner_up,
            },
        }
    }

    /// What the rules and the classifier in place now need to route a message.
    fn routing(&self) -> Routing {
        Routing {
            runtime: self.runtime.clone(),
            router: self.router.clone(),
            model: self.learner.model(),
            now: self.now(),
        }
    }

    /// Routes a message by corrections, rules and classifier on a blocking thread: a long
    /// match must not hold up an async worker.
    async fn decide_off_workers(&self, message: &str, tokens: &[normalise::Token]) -> Decision {
        let routing = self.routing();
        let message = message.to_owned();
        let tokens = tokens.to_vec();
        match tokio::task::spawn_blocking(move || decide(routing, &message, &tokens)).await {
            Ok(decision) => decision,
            Err(error) => {
                tracing::error!(%error, "routing a message failed");
                Decision {
                    route: Route::NoMatch,
                    tier: None,
                    runner_up: None,
                    confidence: 0.0,
                }
            }
        }
    }

    /// The question that asks the user to confirm `target`: the skill's own sentence from its
    /// `describe` export, else the host's, from the manifest's description and the arguments.
    async fn confirmation_prompt(
        &self,
        target: &Target,
        turn: &Turn<'_>,
        locale: &'static str,
    ) -> String {
        let invocation = target.invocation(locale, turn.session_id);
        if let Some(question) = self
            .runtime
            .describe(&invocation, DescriptionKind::Confirmation)
            .await
        {
            return question;
        }
        let description = self
            .runtime
            .skill(&target.skill)
            .and_then(|s| s.command(&target.command).map(|c| c.description.clone()))
            .unwrap_or_else(|| target.command.replace(['-', '_'], " "));
        confirmation::prompt(&description, &target.args, locale)
    }

    /// What a command does, for a list shown to the user: the skill's own words in `locale`
    /// when its `describe` gave them, else the manifest's description.
    fn summary(skill: &LoadedSkill, command: &str, locale: &str) -> String {
        let description = skill
            .summary(command, locale)
            .map(str::to_owned)
            .or_else(|| {
                skill
                    .command(command)
                    .map(|c| c.description.trim().trim_end_matches('.').to_owned())
            });
        description.unwrap_or_else(|| command.replace(['-', '_'], " "))
    }

    /// Runs one command directly, bypassing the router: `command` is `skill.command`.
    pub async fn run_command(
        &self,
        command: &str,
        args: serde_json::Value,
        locale: &str,
    ) -> Result<CommandOutcome, BrainError> {
        let started = Instant::now();
        let Some((skill, name)) = command.split_once('.') else {
            return Err(BrainError::InvalidRequest(format!(
                "command {command:?} must be written as `skill.command`, e.g. `clock.now`"
            )));
        };
        if !args.is_object() {
            return Err(BrainError::InvalidRequest(
                "args must be a JSON object".into(),
            ));
        }
        let locale = match locale {
            "tr" | "en" => locale,
            other => {
                return Err(BrainError::InvalidRequest(format!(
                    "locale {other:?} is not supported: use \"tr\" or \"en\""
                )));
            }
        };
        let invocation = Invocation {
            skill: skill.to_owned(),
            command: name.to_owned(),
            args,
            locale: locale.to_owned(),
            conversation_id: String::new(),
        };
        let reply = self.runtime.invoke(&invocation).await?;
        Ok(CommandOutcome {
            response: reply.text,
            tools_used: vec![command.to_owned()],
            latency_ms: started.elapsed().as_millis() as u64,
            data: reply.data,
        })
    }

    /// The reply to a message no intent matched: what the skills can do, never a guess. It
    /// lists, in the user's language, the commands that can be asked for in it (those with an
    /// intent in that language), each with the examples written in it.
    fn help(&self, locale: &str) -> String {
        let tr = locale == "tr";
        let skills = self.runtime.skills();
        let mut lines = Vec::new();
        let line = |what: &str, examples: &[&str]| {
            let quoted: Vec<String> = examples.iter().map(|e| format!("\"{e}\"")).collect();
            match (quoted.is_empty(), tr) {
                (true, _) => format!("- {what}"),
                (false, true) => format!("- {what}, örneğin {}", quoted.join(" ya da ")),
                (false, false) => format!("- {what}, e.g. {}", quoted.join(" or ")),
            }
        };
        if skills
            .iter()
            .any(|s| briefing::parts().any(|p| p == s.manifest.name))
        {
            let (what, example) = if tr {
                (briefing::SUMMARY.0, briefing::EXAMPLE.0)
            } else {
                (briefing::SUMMARY.1, briefing::EXAMPLE.1)
            };
            lines.push(line(what, &[example]));
        }
        for skill in &skills {
            for command in &skill.manifest.commands {
                let askable = skill
                    .manifest
                    .intents
                    .iter()
                    .any(|i| i.command == command.name && i.locale == locale);
                if !askable {
                    continue;
                }
                let examples: Vec<&str> = command
                    .examples
                    .iter()
                    .map(String::as_str)
                    .filter(|e| normalise::detect_locale(e) == locale)
                    // The first is the skill's own pick; the others are for the classifier.
                    .take(1)
                    .collect();
                lines.push(line(
                    &Brain::summary(skill, &command.name, locale),
                    &examples,
                ));
            }
        }
        match (tr, skills.is_empty()) {
            (true, true) => "Bunu anlayamadım, ve şu an yüklü bir yetenek yok: skills klasörüne bir .wasm yeteneği ekleyin.".into(),
            (false, true) => "I didn't understand that, and no skills are loaded yet: add a .wasm skill to the skills folder.".into(),
            (true, false) if lines.is_empty() => "Bunu anlayamadım.".into(),
            (false, false) if lines.is_empty() => "I didn't understand that.".into(),
            (true, false) => format!("Bunu anlayamadım. Şunları yapabilirim:\n{}", lines.join("\n")),
            (false, false) => format!("I didn't understand that. Here is what I can do:\n{}", lines.join("\n")),
        }
    }

    /// The question for a message that several commands fit equally well: what each does, in
    /// the user's language.
    fn which_one(&self, targets: &[router::Target], locale: &str) -> String {
        let options: Vec<String> = targets
            .iter()
            .map(|t| match self.runtime.skill(&t.skill) {
                Some(skill) => format!("- {}", Brain::summary(&skill, &t.command, locale)),
                None if t.skill == briefing::SKILL => {
                    let (tr, en) = briefing::SUMMARY;
                    format!("- {}", if locale == "tr" { tr } else { en })
                }
                None => format!("- {}", t.command.replace(['-', '_'], " ")),
            })
            .collect();
        if locale == "tr" {
            format!("Hangisini kastettiniz?\n{}", options.join("\n"))
        } else {
            format!("Which one did you mean?\n{}", options.join("\n"))
        }
    }
}

/// The compiled rules and the skills' generation they were compiled for.
pub(super) type RouterCache = Mutex<Option<(u64, Arc<Router>)>>;

/// The rules for the skills loaded now, compiled again only when they change.
pub(super) fn cached_router(runtime: &Runtime, cache: &RouterCache) -> Arc<Router> {
    let generation = runtime.generation();
    let mut cached = cache.lock().unwrap_or_else(|e| e.into_inner());
    match &*cached {
        Some((g, router)) if *g == generation => router.clone(),
        _ => {
            let router = Arc::new(Router::new(&runtime.skills()));
            *cached = Some((generation, router.clone()));
            router
        }
    }
}

/// What routing one message needs, taken once so that it can move to a blocking thread.
struct Routing {
    runtime: Arc<Runtime>,
    /// The rules, compiled on the routing thread when the skills changed.
    router: Arc<RouterCache>,
    model: Option<Arc<classifier::Model>>,
    now: chrono::NaiveDateTime,
}

/// Where routing sends a message, and which tier decided.
struct Decision {
    route: Route,
    tier: Option<Tier>,
    /// The classifier's runner-up, when it was asked.
    runner_up: Option<classifier::RunnerUp>,
    /// How sure the tier that chose is; 0 when none chose.
    confidence: f64,
}

/// Routes a message: an exact correction first (the user said what it means), then the rules,
/// then the classifier. A message none of them places, written in clauses ("we're having a
/// barbecue on friday, will it rain?"), is routed clause by clause: the clauses the rules place
/// (else those the classifier does) must all go to one command, which then answers, with the
/// typed values (a date, a time, a place) the other clauses name and its clause does not.
fn decide(routing: Routing, message: &str, tokens: &[normalise::Token]) -> Decision {
    let decision = decide_message(&routing, message, tokens);
    if decision.route != Route::NoMatch {
        return decision;
    }
    let clauses = normalise::clauses(message);
    if clauses.len() < 2 || clauses.len() > MAX_CLAUSES {
        return decision;
    }
    // The clauses the rules place, else those the classifier does: all for the same command.
    let mut placed: Vec<Decision> = Vec::new();
    for clause in clauses {
        let clause_decision = decide_message(&routing, clause, &normalise::tokenize(clause));
        match clause_decision.route {
            Route::NoMatch => {}
            Route::Command(_) => placed.push(clause_decision),
            Route::Ambiguous(_) => return decision,
        }
    }
    if placed.iter().any(|d| d.tier == Some(Tier::Rules)) {
        placed.retain(|d| d.tier == Some(Tier::Rules));
    }
    // "Brief me: weather, meetings, reminders" names the briefing's parts after it.
    let skill_of = |d: &Decision| match &d.route {
        Route::Command(t) => t.skill.clone(),
        _ => String::new(),
    };
    if placed.iter().any(|d| skill_of(d) == briefing::SKILL) {
        placed.retain(|d| !briefing::parts().any(|part| part == skill_of(d)));
    }
    let command = |d: &Decision| match &d.route {
        Route::Command(t) => Some((t.skill.clone(), t.command.clone())),
        _ => None,
    };
    if placed.iter().any(|d| command(d) != command(&placed[0])) {
        return decision;
    }
    let Some(mut found) = placed.into_iter().next() else {
        return decision;
    };
    if let (Route::Command(target), Some(model)) = (&mut found.route, &routing.model) {
        let command = format!("{}.{}", target.skill, target.command);
        for (name, value) in model.typed_slots(&command, tokens, routing.now) {
            target.args.entry(name).or_insert(value);
        }
    }
    found
}

/// The most clauses a message is routed in, one by one, when it is not placed whole.
const MAX_CLAUSES: usize = 6;

/// [`decide`] for one message or clause as it is.
fn decide_message(routing: &Routing, message: &str, tokens: &[normalise::Token]) -> Decision {
    let target = |command: &str, args, confidence| {
        if !classifier::command_exists(&routing.runtime, command) {
            return None;
        }
        let (skill, command) = command.split_once('.')?;
        Some(Target {
            skill: skill.to_owned(),
            command: command.to_owned(),
            locale: normalise::detect_locale(message).to_owned(),
            args,
            confidence,
        })
    };
    if let Some(model) = &routing.model
        && let Some((command, args)) = model.corrected(tokens)
        && let Some(target) = target(&command, args, 1.0)
    {
        return Decision {
            route: Route::Command(target),
            tier: Some(Tier::Classifier),
            runner_up: None,
            confidence: 1.0,
        };
    }
    let router = cached_router(&routing.runtime, &routing.router);
    let mut route = router.route(tokens, routing.now);
    // No template matched: the same message with its misspelt words corrected may.
    if route == Route::NoMatch
        && let Some(spelled) = router.respelled(tokens)
    {
        route = router.route(&spelled, routing.now);
    }
    if let Route::Command(target) = &route {
        // A template made mostly of free text ("find {query}") takes any request that starts
        // with its word: when the classifier is sure the message belongs to no command ("find
        // the nearest pharmacy"), the match does not count.
        // Only the words the match took as free text count: a word its template spells out
        // ("add milk to my *shopping* list") is what the skill is for.
        let taken: Vec<String> = target
            .args
            .values()
            .filter_map(|v| v.as_str())
            .flat_map(normalise::tokenize)
            .map(|t| t.folded)
            .collect();
        let elsewhere = lexicon::names_elsewhere(&taken);
        let vetoed = target.confidence < classifier::VETO_BELOW
            && ((elsewhere && took_words(&routing.runtime, target))
                || (has_free_text(&routing.runtime, target)
                    && routing.model.as_ref().is_some_and(|m| {
                        m.says_none(
                            tokens,
                            routing.now,
                            &format!("{}.{}", target.skill, target.command),
                            target.confidence,
                        )
                    })));
        if !vetoed {
            return Decision {
                route,
                tier: Some(Tier::Rules),
                runner_up: None,
                confidence: 0.0,
            };
        }
        route = Route::NoMatch;
    }
    // Several commands of one skill fit the templates equally well: the classifier picks one
    // when it clearly prefers it among them. Otherwise (or when the commands belong to
    // different skills, whose owner the user should choose) the user is asked which one was
    // meant.
    if let Route::Ambiguous(targets) = &route
        && targets.iter().all(|t| t.skill == targets[0].skill)
    {
        let names: Vec<String> = targets
            .iter()
            .map(|t| format!("{}.{}", t.skill, t.command))
            .collect();
        if let Some(model) = &routing.model
            && let Some(chosen) = model.prefers(tokens, routing.now, &names)
        {
            let Route::Ambiguous(mut targets) = route else {
                unreachable!()
            };
            return Decision {
                route: Route::Command(targets.swap_remove(chosen)),
                tier: Some(Tier::Rules),
                runner_up: None,
                confidence: 0.0,
            };
        }
    }
    if matches!(route, Route::Ambiguous(_)) {
        return Decision {
            route,
            tier: None,
            runner_up: None,
            confidence: 0.0,
        };
    }
    let Some(model) = &routing.model else {
        return Decision {
            route,
            tier: None,
            runner_up: None,
            confidence: 0.0,
        };
    };
    let classified = model.classify(tokens, routing.now);
    if let Some(command) = &classified.command
        && let Some(target) = target(command, classified.args, classified.confidence)
    {
        return Decision {
            route: Route::Command(target),
            tier: Some(Tier::Classifier),
            runner_up: classified.runner_up,
            confidence: classified.confidence,
        };
    }
    Decision {
        route,
        tier: None,
        runner_up: classified.runner_up,
        confidence: 0.0,
    }
}

/// Whether a rules route took words of the message as they are: free text or a place ("the
/// forecast for *the stock market*").
fn took_words(runtime: &Runtime, target: &Target) -> bool {
    runtime.skill(&target.skill).is_some_and(|skill| {
        skill
            .command_slots(&target.command)
            .iter()
            .any(|(name, kind)| {
                matches!(kind, SlotKind::Text | SlotKind::Place) && target.args.contains_key(name)
            })
    })
}

/// Whether a rules route took free text into one of its command's text slots.
///
/// A match that also took a typed value (a date, a time, a duration: "cuma akşam 8'de doğum
/// günü partisi ekle") is made of more than a verb and free text, and does not count as one.
fn has_free_text(runtime: &Runtime, target: &Target) -> bool {
    runtime.skill(&target.skill).is_some_and(|skill| {
        let slots = skill.command_slots(&target.command);
        let took = |wanted: fn(&SlotKind) -> bool| {
            slots
                .iter()
                .any(|(name, kind)| wanted(kind) && target.args.contains_key(name))
        };
        took(|k| *k == SlotKind::Text)
            && !took(|k| matches!(k, SlotKind::Date | SlotKind::Time | SlotKind::Duration))
    })
}

/// The supported locale closest to `locale`.
fn locale_of(locale: &str) -> &'static str {
    if locale == "tr" { "tr" } else { "en" }
}

fn validate_session_id(id: &str) -> Result<(), BrainError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(BrainError::InvalidRequest(
            "session_id must be 1-128 characters of letters, digits, '-', '_' or '.'".into(),
        ))
    }
}
