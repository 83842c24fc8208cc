//! `bantz-sdk`: write a Bantz skill in one small file.
//!
//! A skill is a WebAssembly component for the `bantz:skill` WIT package (see `wit/skill.wit`).
//! This crate hides the generated bindings: implement [`Skill`], call [`export!`], build for
//! `wasm32-wasip2`, and drop the `.wasm` file into Bantz's skills folder.
//!
//! The SDK builds for the `describing-skill` world (WIT 0.1.1): the `skill` world of 0.1.0 plus
//! the optional `describe` export, which lets a skill phrase, in the user's language, what a
//! command does (for the help reply) and the question that confirms a call (for commands that
//! need confirmation). Implement [`Skill::describe`] for that; its default answers `None`, and
//! the host then phrases both from the manifest. A skill built for 0.1.0 keeps loading.
//!
//! It is not a host library: nothing here runs outside a skill, although it compiles anywhere so
//! that skill code can be type-checked and unit-tested natively.
//!
//! # A complete skill
//!
//! ```no_run
//! use bantz_sdk::{export, Call, Command, DescriptionKind, Error, Intent, Manifest, Reply, Skill};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct GreetArgs {
//!     name: Option<String>,
//! }
//!
//! struct Greeter;
//!
//! impl Skill for Greeter {
//!     fn manifest() -> Manifest {
//!         Manifest::new("greeter", env!("CARGO_PKG_VERSION"), "Says hello.")
//!             .command(Command::new("hello", "Greet someone").example("say hello to Ada"))
//!             .intent(Intent::new("hello", "en", ["say hello [to {name}]", "hi"]).text_slot("name"))
//!             .intent(Intent::new("hello", "tr", ["[{name}] merhaba de", "selam"]).text_slot("name"))
//!     }
//!
//!     fn invoke(call: Call) -> Result<Reply, Error> {
//!         let args: GreetArgs = call.args()?;
//!         let name = args.name.unwrap_or_else(|| "there".into());
//!         let times = bantz_sdk::kv::get_json::<u64>("greetings")?.unwrap_or(0) + 1;
//!         bantz_sdk::kv::set_json("greetings", &times)?;
//!         let text = match call.locale() {
//!             "tr" => format!("Merhaba {name}! ({times}. selam)"),
//!             _ => format!("Hello {name}! (greeting #{times})"),
//!         };
//!         Ok(Reply::text(text).with_data(&serde_json::json!({ "count": times })))
//!     }
//!
//!     // Optional: what `hello` does, in the user's language, for the help reply.
//!     fn describe(call: &Call, kind: DescriptionKind) -> Option<String> {
//!         let tr = call.locale() == "tr";
//!         match (call.command(), kind) {
//!             ("hello", DescriptionKind::Summary) => {
//!                 Some(if tr { "Selam verir" } else { "Says hello" }.into())
//!             }
//!             _ => None,
//!         }
//!     }
//! }
//!
//! export!(Greeter);
//! ```
//!
//! Build it with `cargo build --release --target wasm32-wasip2` (the repository's `cargo xtask skills`
//! does this for the first-party skills, with a fallback toolchain). The repository's
//! `skills/.cargo/config.toml` links with `--initial-memory=2097152`: Bantz instantiates a skill
//! afresh for every call, and a call that does not grow its memory is cheaper to clean up after.

#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "bantz:skill/describing-skill",
        generate_all,
        pub_export_macro: true,
        export_macro_name: "export_skill_world",
        default_bindings_module: "bantz_sdk::bindings",
    });
}

pub mod config;
pub mod http;
pub mod kv;
pub mod log;
mod manifest;
pub mod notify;
mod skill;
pub mod words;

pub use manifest::{Command, Intent, Manifest, SlotKind};
pub use serde_json::json;
pub use skill::{Call, DescriptionKind, Error, Reply, Skill, Timestamp};

/// Exports a type that implements [`Skill`] as this component's `bantz:skill/describing-skill`
/// world.
///
/// Call it once, at the top level of the skill crate: `bantz_sdk::export!(MySkill);`
#[macro_export]
macro_rules! export {
    ($skill:ty) => {
        type __BantzSkillExport = $crate::__Export<$skill>;
        $crate::bindings::export_skill_world!(__BantzSkillExport);
    };
}

#[doc(hidden)]
pub use skill::__Export;
