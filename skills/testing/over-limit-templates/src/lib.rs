//! Hostile test skill: one intent template over the load-time limits, `[a|a a]` 40 times (a
//! compiled size of 200, over the limit of 128). The host must refuse to load it, with a
//! reason that names the template and the limit.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

struct OverLimitTemplates;

impl Skill for OverLimitTemplates {
    fn manifest() -> Manifest {
        let over = "[a|a a] ".repeat(40);
        Manifest::new(
            "over-limit-templates",
            env!("CARGO_PKG_VERSION"),
            "Test skill: a template over the limits.",
        )
        .command(Command::new("echo", "Never runs").example("echo"))
        .intent(Intent::new("echo", "en", ["echo", over.trim_end()]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        Err(Error::UnknownCommand(call.command().to_owned()))
    }
}

export!(OverLimitTemplates);
