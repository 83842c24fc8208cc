//! The skill of README's "Write your own skill", word for word: CI builds and runs it.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

struct Counter;

impl Skill for Counter {
    fn manifest() -> Manifest {
        Manifest::new("counter", "0.1.0", "Counts how often you ask.")
            .command(Command::new("count", "Count one more").example("count"))
            .intent(Intent::new("count", "en", ["count [again]"]))
            .intent(Intent::new("count", "tr", ["[bir daha] say"]))
    }
    fn invoke(call: Call) -> Result<Reply, Error> {
        let n = bantz_sdk::kv::get_json::<u64>("n")?.unwrap_or(0) + 1; // kept by the host, in SQLite
        bantz_sdk::kv::set_json("n", &n)?;
        Ok(Reply::text(if call.locale() == "tr" {
            format!("{n}!")
        } else {
            format!("That's {n}.")
        }))
    }
}
export!(Counter);
