//! Test skill with 20,000 intent templates, generated here: each names an item of its own
//! (`item123`) among common words (`what`, `is`, `saat`), so the router's index must keep them
//! away from messages that do not name one of its items.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

struct ManyTemplates;

/// How many templates the skill declares.
pub const TEMPLATES: usize = 20_000;

fn templates() -> Vec<String> {
    (0..TEMPLATES)
        .map(|i| match i % 4 {
            0 => format!("what is the stock of item{i} [now]"),
            1 => format!("how many item{i} (do|did) we have [now]"),
            2 => format!("item{i} stoğu ne [acaba]"),
            _ => format!("saat kaç item{i} [{{when}}]"),
        })
        .collect()
}

impl Skill for ManyTemplates {
    fn manifest() -> Manifest {
        let templates = templates();
        Manifest::new(
            "many-templates",
            env!("CARGO_PKG_VERSION"),
            "Test skill: tells the stock of 20,000 items.",
        )
        .command(
            Command::new("stock", "The stock of an item").example("what is the stock of item0"),
        )
        .intent(Intent::new("stock", "en", templates.iter().map(String::as_str)).text_slot("when"))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "stock" => Ok(Reply::text("42")),
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(ManyTemplates);
