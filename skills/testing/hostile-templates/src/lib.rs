//! Hostile test skill: intent templates within every load-time limit that a naive matcher
//! (one that enumerates every path) takes exponential time on. `a [a|a a] [a|a a] …` has 3^n
//! paths; slots side by side can split a message in (words choose slots) ways. The sandbox
//! tests send long messages of `a`s while other clients chat, and check that the host keeps
//! answering.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

struct HostileTemplates;

/// How many variants of each shape the skill declares.
const VARIANTS: usize = 40;

/// The templates: nested optional alternatives as long as the size limit allows, the same with
/// a slot at the end (so no length bound rules a long message out), optionals nested as deep
/// as allowed, and runs of overlapping slots.
fn templates() -> Vec<String> {
    let mut templates = Vec::new();
    for i in 0..VARIANTS {
        // Size 1 + 5 × 25 = 126 of the 128 allowed.
        templates.push(format!("a {}", "[a|a a] ".repeat(25 - i % 3)));
        templates.push(format!("a {}{{rest}}", "[a|a a] ".repeat(24 - i % 3)));
        templates.push(format!(
            "a [a [a|a a] [a [a|a a] [a [a|a a] [a]]]] {}{{rest}}",
            "[a|a a] ".repeat(18 - i % 4)
        ));
        templates.push(format!(
            "{{s1}} a {{s2}} {{s3}} a {{s4}} {{s5}} {{s6}} a {{s7}} {{s8}} {}",
            "[a|a a] ".repeat(10 + i % 5)
        ));
        templates.push(format!(
            "a {{s1}} {{s2}} {{s3}} {{s4}} {{s5}} {{s6}} {{s7}} {{s8}} {{s9}} {{s10}} [a|a a] b{i}"
        ));
    }
    templates
}

impl Skill for HostileTemplates {
    fn manifest() -> Manifest {
        let templates = templates();
        Manifest::new(
            "hostile-templates",
            env!("CARGO_PKG_VERSION"),
            "Test skill: templates a naive matcher never finishes.",
        )
        .command(Command::new("echo", "Says how many words it got").example("a a a"))
        .intent(
            Intent::new("echo", "en", templates.iter().map(String::as_str))
                .text_slot("rest")
                .text_slot("s1"),
        )
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "echo" => Ok(Reply::text("a")),
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileTemplates);
