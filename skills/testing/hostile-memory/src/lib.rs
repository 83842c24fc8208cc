//! Hostile test skill: `hostile-memory.bomb` allocates without bound. It keeps 1 MiB chunks,
//! each filled with non-zero bytes so every page is really touched, until the allocator fails;
//! the sandbox tests check that the host's memory cap (`memory_mb`) stops it as `SKILL_MEMORY`.
//!
//! `{"mb": n}` makes it stop after n MiB and answer, so a test can show that the configured
//! cap, not the default one, is the limit (e.g. 32 MiB fails under `memory_mb = 16`).

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export, json};
use serde::Deserialize;

/// Size of one allocation.
const CHUNK: usize = 1024 * 1024;

#[derive(Deserialize)]
struct BombArgs {
    /// Stop after this many MiB; none means never.
    mb: Option<usize>,
}

struct HostileMemory;

impl Skill for HostileMemory {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-memory",
            env!("CARGO_PKG_VERSION"),
            "Test skill: eats all the memory it can get.",
        )
        .command(
            Command::new("bomb", "Allocate until memory runs out (or `mb` MiB)")
                .args_schema(json!({
                    "type": "object",
                    "properties": { "mb": { "type": "integer", "minimum": 0 } },
                }))
                .example("memory bomb"),
        )
        .intent(Intent::new("bomb", "en", ["[memory] bomb"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "bomb" => {
                let args: BombArgs = call.args()?;
                let kept = bomb(args.mb.unwrap_or(usize::MAX));
                Ok(Reply::text(format!("kept {kept} MiB")).with_data(&json!({ "mb": kept })))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileMemory);

/// Holds `mb` MiB at once, then returns how many it held. When `memory.grow` is refused first,
/// the allocator's failure aborts, which is a trap in WebAssembly.
fn bomb(mb: usize) -> usize {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    while hoard.len() < mb {
        let chunk = vec![0xA5u8; CHUNK];
        hoard.push(std::hint::black_box(chunk));
        std::hint::black_box(&mut hoard);
    }
    hoard.len()
}
