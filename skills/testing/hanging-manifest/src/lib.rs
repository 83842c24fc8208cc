//! Hostile test skill: `manifest()` never returns. It burns CPU in a loop the optimiser cannot
//! remove, so only the host's load deadline (`[limits] manifest_timeout_ms`) can stop it; the
//! sandbox tests check that the file is `failed` with a reason naming that deadline, and that
//! the files next to it load all the same.

use bantz_sdk::{Call, Error, Manifest, Reply, Skill, export};

struct HangingManifest;

impl Skill for HangingManifest {
    fn manifest() -> Manifest {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        Err(Error::UnknownCommand(call.command().to_owned()))
    }
}

export!(HangingManifest);
