//! Hostile test skill: a manifest over every manifest limit's default but one. It declares 300
//! commands (`max_commands` is 256 by default) and 1,200 intents (1,024), with 1,200 templates
//! in all and some 40 KiB of text, so that the sandbox tests can raise one limit after another
//! in `[skills.bloated-manifest]` and see each refusal name its own limit.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

struct BloatedManifest;

const COMMANDS: usize = 300;
const INTENTS: usize = 1_200;

impl Skill for BloatedManifest {
    fn manifest() -> Manifest {
        let mut manifest = Manifest::new(
            "bloated-manifest",
            env!("CARGO_PKG_VERSION"),
            "Test skill: a manifest over the limits.",
        );
        for i in 0..COMMANDS {
            manifest = manifest.command(Command::new(&format!("c{i}"), &format!("Command {i}")));
        }
        for i in 0..INTENTS {
            let command = format!("c{}", i % COMMANDS);
            let template = format!("bloat word{i}");
            manifest = manifest.intent(Intent::new(&command, "en", [template.as_str()]));
        }
        manifest
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        Ok(Reply::text(format!("{} ran", call.command())))
    }
}

export!(BloatedManifest);
