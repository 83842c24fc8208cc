//! Hostile test skill: `describe` never returns. The host asks it for every command's summary
//! when the skill loads and for the question before `hostile-describe.wipe`, which needs
//! confirmation; the tests check that the load still ends within one call deadline, that the
//! skill serves, and that the help and the question fall back on the host's own words.

use bantz_sdk::{Call, Command, DescriptionKind, Error, Intent, Manifest, Reply, Skill, export};

struct HostileDescribe;

impl Skill for HostileDescribe {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-describe",
            env!("CARGO_PKG_VERSION"),
            "Test skill: describes itself forever.",
        )
        .command(
            Command::new("wipe", "Wipe the slate")
                .needs_confirmation()
                .example("wipe the slate"),
        )
        .intent(Intent::new("wipe", "en", ["wipe the slate"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "wipe" => Ok(Reply::text("Wiped.")),
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }

    fn describe(_call: &Call, _kind: DescriptionKind) -> Option<String> {
        // Every round goes through `black_box`, so the loop has an effect the compiler must keep.
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}

export!(HostileDescribe);
