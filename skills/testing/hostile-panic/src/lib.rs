//! Hostile test skill: `hostile-panic.boom` panics. Skills are built with `panic = "abort"`, so
//! the panic becomes a WebAssembly trap; the sandbox tests check the host reports it as
//! `SKILL_TRAPPED` and keeps serving.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

struct HostilePanic;

impl Skill for HostilePanic {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-panic",
            env!("CARGO_PKG_VERSION"),
            "Test skill: panics on every call.",
        )
        .command(Command::new("boom", "Panic").example("go boom"))
        .intent(Intent::new("boom", "en", ["[go] boom"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "boom" => panic!("hostile-panic: boom, on purpose"),
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostilePanic);
