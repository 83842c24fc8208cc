//! Hostile test skill: `kv-filler.fill` writes `count` values of `bytes` bytes each into its kv
//! store (keys `<prefix><n>`), as a skill filling the disk would, and stops at the first write
//! the host refuses. It calls the host's `kv-set` directly, so its answer tells which WIT error
//! the host gave: `{"written": n, "error": {"kind": "limit-exceeded", "message": "…"}}`.
//! `kv-filler.clear` deletes the keys that start with `prefix`.

use bantz_sdk::bindings::bantz::skill::host;
use bantz_sdk::bindings::bantz::skill::types::HostError;
use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export, json};
use serde::Deserialize;

#[derive(Deserialize)]
struct FillArgs {
    count: u32,
    bytes: usize,
    #[serde(default)]
    prefix: String,
}

#[derive(Deserialize)]
struct ClearArgs {
    #[serde(default)]
    prefix: String,
}

struct KvFiller;

impl Skill for KvFiller {
    fn manifest() -> Manifest {
        Manifest::new(
            "kv-filler",
            env!("CARGO_PKG_VERSION"),
            "Test skill: fills its kv store.",
        )
        .command(
            Command::new("fill", "Write `count` values of `bytes` bytes").args_schema(json!({
                "type": "object",
                "properties": {
                    "count": { "type": "integer", "minimum": 0 },
                    "bytes": { "type": "integer", "minimum": 0 },
                    "prefix": { "type": "string" },
                },
                "required": ["count", "bytes"],
            })),
        )
        .command(Command::new(
            "clear",
            "Delete the keys that start with `prefix`",
        ))
        .intent(Intent::new("fill", "en", ["fill the disk"]))
        .intent(Intent::new("clear", "en", ["clear the disk"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "fill" => {
                let args: FillArgs = call.args()?;
                let value = vec![b'x'; args.bytes];
                let mut written = 0;
                let mut error = None;
                for n in 0..args.count {
                    match host::kv_set(&format!("{}{n}", args.prefix), &value) {
                        Ok(()) => written += 1,
                        Err(e) => {
                            let (kind, message) = match e {
                                HostError::Denied(m) => ("denied", m),
                                HostError::LimitExceeded(m) => ("limit-exceeded", m),
                                HostError::Unavailable(m) => ("unavailable", m),
                            };
                            error = Some(json!({ "kind": kind, "message": message }));
                            break;
                        }
                    }
                }
                Ok(Reply::text(format!("wrote {written} values"))
                    .with_data(&json!({ "written": written, "error": error })))
            }
            "clear" => {
                let args: ClearArgs = call.args()?;
                let keys = bantz_sdk::kv::keys(&args.prefix)?;
                for key in &keys {
                    bantz_sdk::kv::delete(key)?;
                }
                Ok(Reply::text(format!("deleted {} keys", keys.len()))
                    .with_data(&json!({ "deleted": keys.len() })))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(KvFiller);
