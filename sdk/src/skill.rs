//! The [`Skill`] trait and the values that cross it: calls, replies and errors.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::bantz::skill::types as wit;
use crate::manifest::Manifest;

/// Milliseconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// What a skill implements. Every method runs in a fresh instance: keep state in [`crate::kv`].
pub trait Skill {
    /// Describes the skill: its commands, the intents that route chat to them, and the
    /// permissions it needs.
    fn manifest() -> Manifest;

    /// Runs one command.
    fn invoke(call: Call) -> Result<Reply, Error>;

    /// Runs on the schedule the manifest asks for. The default does nothing.
    fn on_tick(now: Timestamp) -> Result<(), Error> {
        let _ = now;
        Ok(())
    }

    /// Says, in `call.locale()`, what running `call` would do, as [`DescriptionKind`] asks:
    /// - [`DescriptionKind::Summary`]: what the command does in general, one short phrase for
    ///   the help list, capitalised, without a final full stop (`call.args` are `{}`):
    ///   `Takvime etkinlik ekler` / `Adds an event to your calendar`;
    /// - [`DescriptionKind::Confirmation`]: the yes-or-no question that asks the user to let
    ///   this call run, one natural sentence naming what matters in the arguments:
    ///   `Yarın 15:00'te "Dişçi" etkinliğini takvime ekleyeyim mi?`.
    ///
    /// `None` (the default) lets the host phrase it from the manifest: the command's
    /// description and, for a confirmation, its arguments as `key: value`. Keep it quick and
    /// free of side effects; it runs when the skill loads and before each confirmation. Text
    /// that is empty, spans lines or is longer than 300 characters is not used.
    fn describe(call: &Call, kind: DescriptionKind) -> Option<String> {
        let _ = (call, kind);
        None
    }
}

/// What [`Skill::describe`] is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptionKind {
    /// What a command does in general, for the help list.
    Summary,
    /// The question that asks the user to confirm one call.
    Confirmation,
}

/// One request to run a command.
#[derive(Debug, Clone)]
pub struct Call {
    command: String,
    args: String,
    locale: String,
    conversation_id: String,
}

impl Call {
    /// Builds a call by hand, for unit tests of a skill.
    pub fn new(command: &str, args: serde_json::Value, locale: &str) -> Self {
        Call {
            command: command.to_owned(),
            args: args.to_string(),
            locale: locale.to_owned(),
            conversation_id: String::new(),
        }
    }

    /// The command's name within the skill, e.g. `now`.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The user's language: `tr` or `en`.
    pub fn locale(&self) -> &str {
        &self.locale
    }

    /// The conversation this call belongs to.
    pub fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    /// The arguments, deserialised into the command's argument type. A mismatch becomes
    /// [`Error::InvalidArgs`] naming the problem.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let text = if self.args.trim().is_empty() {
            "{}"
        } else {
            &self.args
        };
        serde_json::from_str(text).map_err(|e| Error::InvalidArgs(e.to_string()))
    }
}

/// A command's answer: text for the user, and optionally structured data for clients.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// What the assistant says, in the call's locale.
    pub text: String,
    /// Structured result, if any.
    pub data: Option<serde_json::Value>,
}

impl Reply {
    /// A reply with text only.
    pub fn text(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            data: None,
        }
    }

    /// Adds structured data. A value that cannot be serialised is dropped, never a failure.
    pub fn with_data(mut self, data: &impl Serialize) -> Self {
        self.data = serde_json::to_value(data).ok();
        self
    }
}

/// Why a command failed. The message is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The arguments do not fit the command.
    InvalidArgs(String),
    /// The manifest does not declare this command.
    UnknownCommand(String),
    /// A service the skill depends on failed.
    Upstream(String),
    /// The host did not allow what the skill asked for: an outbound host the operator has not
    /// granted (`allow_hosts` in the skill's section of bantz.toml), or a capability the manifest
    /// does not declare. Retrying will not help; tell the user that you are not allowed.
    Denied(String),
    /// Anything else.
    Internal(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::InvalidArgs(m) => write!(f, "invalid arguments: {m}"),
            Error::UnknownCommand(m) => write!(f, "unknown command: {m}"),
            Error::Upstream(m) => write!(f, "upstream failure: {m}"),
            Error::Denied(m) => write!(f, "not allowed: {m}"),
            Error::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<wit::HostError> for Error {
    fn from(e: wit::HostError) -> Self {
        match e {
            wit::HostError::Denied(m) => Error::Denied(m),
            wit::HostError::LimitExceeded(m) => Error::Internal(format!("host limit reached: {m}")),
            wit::HostError::Unavailable(m) => Error::Internal(format!("host unavailable: {m}")),
        }
    }
}

impl From<Error> for wit::SkillError {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidArgs(m) => wit::SkillError::InvalidArgs(m),
            Error::UnknownCommand(m) => wit::SkillError::UnknownCommand(m),
            Error::Upstream(m) => wit::SkillError::Upstream(m),
            Error::Denied(m) => wit::SkillError::Upstream(format!("not allowed: {m}")),
            Error::Internal(m) => wit::SkillError::Internal(m),
        }
    }
}

#[doc(hidden)]
pub struct __Export<S>(PhantomData<S>);

impl<S: Skill> crate::bindings::Guest for __Export<S> {
    fn manifest() -> wit::Manifest {
        S::manifest().into()
    }

    fn invoke(call: wit::Call) -> Result<wit::Reply, wit::SkillError> {
        match S::invoke(call.into()) {
            Ok(reply) => Ok(wit::Reply {
                text: reply.text,
                data: reply.data.map(|d| d.to_string()),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn on_tick(now: Timestamp) -> Result<(), wit::SkillError> {
        S::on_tick(now).map_err(Into::into)
    }

    fn describe(call: wit::Call, kind: wit::DescriptionKind) -> Option<String> {
        let kind = match kind {
            wit::DescriptionKind::Summary => DescriptionKind::Summary,
            wit::DescriptionKind::Confirmation => DescriptionKind::Confirmation,
        };
        S::describe(&call.into(), kind)
    }
}

impl From<wit::Call> for Call {
    fn from(call: wit::Call) -> Self {
        Call {
            command: call.command,
            args: call.args,
            locale: call.locale,
            conversation_id: call.conversation_id,
        }
    }
}
