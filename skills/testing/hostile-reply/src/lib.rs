//! Hostile test skill: `hostile-reply.huge` answers with 8 MiB of text, far over the host's
//! reply-size cap (`max_reply_bytes`); the sandbox tests check the reply is refused as
//! `SKILL_REPLY_TOO_LARGE` instead of being passed on to the client.
//!
//! `{"bytes": n}` sets the size of the text instead, so a test can show that the configured
//! cap, not the default one, is the limit.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export, json};
use serde::Deserialize;

/// Size of the reply text unless `bytes` says otherwise.
pub const REPLY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct HugeArgs {
    bytes: Option<usize>,
}

struct HostileReply;

impl Skill for HostileReply {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-reply",
            env!("CARGO_PKG_VERSION"),
            "Test skill: answers with an 8 MiB reply.",
        )
        .command(
            Command::new("huge", "Reply with 8 MiB (or `bytes` bytes) of text")
                .args_schema(json!({
                    "type": "object",
                    "properties": { "bytes": { "type": "integer", "minimum": 0 } },
                }))
                .example("huge reply"),
        )
        .intent(Intent::new("huge", "en", ["huge [reply]"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "huge" => {
                let args: HugeArgs = call.args()?;
                Ok(Reply::text("x".repeat(args.bytes.unwrap_or(REPLY_BYTES))))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileReply);
