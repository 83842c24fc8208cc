//! The optional LLM tiers, `fast` and `quality`: any OpenAI-compatible chat-completions endpoint,
//! with the skills' commands as tools. The brain asks them only when the rules place no command.

use super::{Answer, Brain, BrainError, Turn};

/// The configured tiers.
pub struct Llm {
    _configured: (),
}

impl Llm {
    /// The tiers bantz.toml configures, or `None` when it configures none.
    pub fn from_config(_config: &crate::config::Config) -> Option<Llm> {
        None
    }

    /// Answers a message the rules could not place.
    pub(super) async fn answer(
        &self,
        _brain: &Brain,
        _turn: &Turn<'_>,
    ) -> Result<Answer, BrainError> {
        Err(BrainError::Llm("no LLM tier is configured".into()))
    }
}
