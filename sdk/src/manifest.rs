//! Builders for the skill's manifest: commands, intents and permissions.

use crate::bindings::bantz::skill::types as wit;

/// The kind of a slot captured from an utterance; see `slot-kind` in the WIT.
pub use wit::SlotKind;

/// What a skill is and what it can do.
#[derive(Debug, Clone)]
pub struct Manifest {
    name: String,
    version: String,
    description: String,
    commands: Vec<Command>,
    intents: Vec<Intent>,
    outbound_hosts: Vec<String>,
    notify: bool,
    tick_every_seconds: Option<u32>,
}

impl Manifest {
    /// A manifest with no commands yet. `version` is usually `env!("CARGO_PKG_VERSION")`.
    pub fn new(name: &str, version: &str, description: &str) -> Self {
        Manifest {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            commands: Vec::new(),
            intents: Vec::new(),
            outbound_hosts: Vec::new(),
            notify: false,
            tick_every_seconds: None,
        }
    }

    /// Adds a command.
    pub fn command(mut self, command: Command) -> Self {
        self.commands.push(command);
        self
    }

    /// Adds an intent.
    pub fn intent(mut self, intent: Intent) -> Self {
        self.intents.push(intent);
        self
    }

    /// Asks for outbound HTTP to `host` (`name` or `name:port`).
    pub fn outbound_host(mut self, host: &str) -> Self {
        self.outbound_hosts.push(host.into());
        self
    }

    /// Asks for permission to send notifications.
    pub fn notifies(mut self) -> Self {
        self.notify = true;
        self
    }

    /// Asks for `on_tick` every `seconds` seconds. The host ticks a skill at once when it loads
    /// (so it catches up after a restart or a replacement), then every `seconds`, never two
    /// ticks of one skill at a time. It clamps the period to at least 5 seconds (and logs that
    /// it did): ask for what the skill needs, e.g. `300` for something done every five minutes,
    /// rather than ticking often and keeping time in kv. Ticks are not exact: one may come up
    /// to a period late, so compare times with `now` instead of counting ticks.
    pub fn tick_every(mut self, seconds: u32) -> Self {
        self.tick_every_seconds = Some(seconds);
        self
    }
}

impl From<Manifest> for wit::Manifest {
    fn from(m: Manifest) -> Self {
        wit::Manifest {
            name: m.name,
            version: m.version,
            description: m.description,
            commands: m.commands.into_iter().map(Into::into).collect(),
            intents: m.intents.into_iter().map(Into::into).collect(),
            permissions: wit::Permissions {
                outbound_hosts: m.outbound_hosts,
                notify: m.notify,
                schedule: m
                    .tick_every_seconds
                    .map(|every_seconds| wit::Schedule { every_seconds }),
            },
        }
    }
}

/// One action the skill offers.
#[derive(Debug, Clone)]
pub struct Command {
    name: String,
    description: String,
    args_schema: Option<serde_json::Value>,
    examples: Vec<String>,
    needs_confirmation: bool,
}

impl Command {
    /// A command that takes no arguments.
    pub fn new(name: &str, description: &str) -> Self {
        Command {
            name: name.into(),
            description: description.into(),
            args_schema: None,
            examples: Vec::new(),
            needs_confirmation: false,
        }
    }

    /// Sets the JSON Schema of the argument object.
    pub fn args_schema(mut self, schema: serde_json::Value) -> Self {
        self.args_schema = Some(schema);
        self
    }

    /// Adds an example utterance.
    pub fn example(mut self, utterance: &str) -> Self {
        self.examples.push(utterance.into());
        self
    }

    /// Makes the host ask the user to confirm before running the command.
    pub fn needs_confirmation(mut self) -> Self {
        self.needs_confirmation = true;
        self
    }
}

impl From<Command> for wit::Command {
    fn from(c: Command) -> Self {
        wit::Command {
            name: c.name,
            description: c.description,
            args_schema: c.args_schema.map(|s| s.to_string()).unwrap_or_default(),
            examples: c.examples,
            needs_confirmation: c.needs_confirmation,
        }
    }
}

/// Utterance templates in one language that route to a command. See the template syntax on
/// `intent.templates` in the WIT: `[optional]`, `(a|b)`, `{slot}`.
#[derive(Debug, Clone)]
pub struct Intent {
    command: String,
    locale: String,
    templates: Vec<String>,
    slots: Vec<(String, SlotKind)>,
}

impl Intent {
    /// Templates in `locale` (`tr` or `en`) that run `command`.
    pub fn new<'a>(
        command: &str,
        locale: &str,
        templates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Intent {
            command: command.into(),
            locale: locale.into(),
            templates: templates.into_iter().map(String::from).collect(),
            slots: Vec::new(),
        }
    }

    /// Declares a slot the templates capture.
    pub fn slot(mut self, name: &str, kind: SlotKind) -> Self {
        self.slots.push((name.into(), kind));
        self
    }

    /// Declares a free-text slot.
    pub fn text_slot(self, name: &str) -> Self {
        self.slot(name, SlotKind::Text)
    }
}

impl From<Intent> for wit::Intent {
    fn from(i: Intent) -> Self {
        wit::Intent {
            command: i.command,
            locale: i.locale,
            templates: i.templates,
            slots: i
                .slots
                .into_iter()
                .map(|(name, kind)| wit::Slot { name, kind })
                .collect(),
        }
    }
}
