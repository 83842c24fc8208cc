//! A well-behaved test skill for the runtime's moving parts: `on-tick` (counted in
//! kv), `count`, which reads the counter, `reset`, which needs confirmation, and `hold`, which
//! keeps a call open for a while so tests can replace the skill under a running call. It asks to
//! be ticked every second, less than the host allows, so tests see the period clamped.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, SlotKind, export, json};
use serde::Deserialize;

struct Ticker;

#[derive(Deserialize)]
struct HoldArgs {
    /// A number slot arrives as a JSON number that may have a fraction.
    ms: f64,
}

impl Skill for Ticker {
    fn manifest() -> Manifest {
        Manifest::new("ticker", env!("CARGO_PKG_VERSION"), "Counts its ticks.")
            .command(Command::new("count", "How many ticks so far").example("tick count"))
            .command(
                Command::new("hold", "Answers after `ms` milliseconds")
                    .args_schema(json!({"type": "object", "properties": {"ms": {"type": "integer"}}, "required": ["ms"]})),
            )
            .command(Command::new("reset", "Reset the tick counter").needs_confirmation())
                        .intent(Intent::new("count", "en", ["tick count"]))
            .intent(Intent::new("hold", "en", ["hold for {ms} (ms|milliseconds)"]).slot("ms", SlotKind::Number))
            .intent(Intent::new("reset", "en", ["reset the (ticks|counter)"]))
            .intent(Intent::new("reset", "tr", ["sayacı sıfırla"]))
            .tick_every(1)
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "count" => {
                let ticks = bantz_sdk::kv::get_json::<u64>("ticks")?.unwrap_or(0);
                Ok(Reply::text(format!("{ticks} ticks")).with_data(&json!({ "ticks": ticks })))
            }
            "reset" => {
                let ticks = bantz_sdk::kv::get_json::<u64>("ticks")?.unwrap_or(0);
                bantz_sdk::kv::set_json("ticks", &0u64)?;
                Ok(Reply::text(format!("Reset; there were {ticks} ticks.")))
            }
            "hold" => {
                let args: HoldArgs = call.args()?;
                let ms = args.ms.max(0.0) as u64;
                std::thread::sleep(std::time::Duration::from_millis(ms));
                Ok(Reply::text(format!("held for {ms} ms")))
            }
            other => Err(Error::UnknownCommand(other.into())),
        }
    }

    fn on_tick(_now: bantz_sdk::Timestamp) -> Result<(), Error> {
        let ticks = bantz_sdk::kv::get_json::<u64>("ticks")?.unwrap_or(0) + 1;
        bantz_sdk::kv::set_json("ticks", &ticks)
    }
}

export!(Ticker);
