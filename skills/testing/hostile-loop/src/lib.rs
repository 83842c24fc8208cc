//! Hostile test skill: `hostile-loop.spin` never returns. It burns CPU in a loop the optimiser
//! cannot remove, so only the host's per-call deadline (`timeout_ms`) can stop it; the sandbox
//! tests check that the call ends as `SKILL_TIMEOUT` while the host keeps serving others.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

struct HostileLoop;

impl Skill for HostileLoop {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-loop",
            env!("CARGO_PKG_VERSION"),
            "Test skill: spins forever.",
        )
        .command(Command::new("spin", "Loop forever").example("spin forever"))
        .intent(Intent::new("spin", "en", ["spin [forever]"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "spin" => spin(),
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileLoop);

/// Never returns: every round goes through `black_box`, so the loop has an effect the compiler
/// must keep, and it makes no host call that could give the host a chance to stop it politely.
fn spin() -> ! {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
