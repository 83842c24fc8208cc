//! Hostile test skill: `hostile-recursion.dive` recurses without bound. Each frame keeps a
//! buffer alive across the recursive call, so it can be neither a loop nor a tail call, and the
//! call stack overflows; the sandbox tests check the host turns that into `SKILL_TRAPPED`.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};
use std::hint::black_box;

struct HostileRecursion;

impl Skill for HostileRecursion {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-recursion",
            env!("CARGO_PKG_VERSION"),
            "Test skill: recurses until the stack runs out.",
        )
        .command(Command::new("dive", "Recurse without end").example("dive deeper"))
        .intent(Intent::new("dive", "en", ["dive [deeper]"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "dive" => {
                let depth = dive(0);
                Ok(Reply::text(format!("came back from depth {depth}")))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileRecursion);

/// Recurses until the stack overflows; the exit it pretends to have is never taken, it is only
/// there because the compiler refuses recursion without any exit.
#[inline(never)]
fn dive(depth: u64) -> u64 {
    if black_box(depth) == u64::MAX {
        return depth;
    }
    // A buffer in linear memory (its address escapes) plus a wasm frame per level: whichever
    // stack runs out first, the shadow stack in memory or wasmtime's native stack, traps.
    let frame = black_box([depth; 32]);
    let below = dive(black_box(depth + 1));
    black_box(&frame);
    below.wrapping_add(frame[(depth % 32) as usize])
}
