//! Hostile test skill: a component that imports `test:bad/nope`, an interface the host does not
//! provide. It is otherwise a valid `bantz:skill` component; the sandbox tests check the host
//! refuses to load it, reports it as `failed` with an error naming the missing import, and
//! serves the other skills as usual.
//!
//! The world is the Bantz skill world plus the extra import; the `bantz:skill` types come from
//! the SDK so its manifest builders can be used as in any skill.

#[allow(clippy::too_many_arguments)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        inline: "
            package test:bad;

            interface nope {
                missing: func() -> u32;
            }

            world bad {
                include bantz:skill/skill@0.1.1;
                import nope;
            }
        ",
        world: "test:bad/bad",
        with: {
            "bantz:skill/types@0.1.1": bantz_sdk::bindings::bantz::skill::types,
            "bantz:skill/host@0.1.1": bantz_sdk::bindings::bantz::skill::host,
        },
        generate_all,
    });
}

use bantz_sdk::{Command, Intent};
use bindings::{Call, Guest, Manifest, Reply, SkillError, Timestamp};

struct HostileImport;

impl Guest for HostileImport {
    fn manifest() -> Manifest {
        bantz_sdk::Manifest::new(
            "hostile-import",
            env!("CARGO_PKG_VERSION"),
            "Test skill: imports a function no host provides.",
        )
        .command(Command::new("call", "Call the missing import").example("call the missing import"))
        .intent(Intent::new("call", "en", ["call the missing import"]))
        .into()
    }

    fn invoke(call: Call) -> Result<Reply, SkillError> {
        match call.command.as_str() {
            // Really calls the import, so the linker cannot drop it.
            "call" => Ok(Reply {
                text: format!(
                    "the missing import answered {}",
                    bindings::test::bad::nope::missing()
                ),
                data: None,
            }),
            other => Err(SkillError::UnknownCommand(other.to_owned())),
        }
    }

    fn on_tick(_now: Timestamp) -> Result<(), SkillError> {
        Ok(())
    }
}

bindings::export!(HostileImport with_types_in bindings);
