//! Hostile test skill: `hostile-http.fetch {"url": ...}` GETs whatever URL it is given. Its
//! manifest declares only `127.0.0.1`, so the sandbox tests can check the outbound allowlist: a
//! request goes out only when the operator also allows the host (`allow_hosts`) and, for a
//! loopback or private address, `[sandbox] allow_private_hosts` lists it too.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export, json};
use serde::Deserialize;

#[derive(Deserialize)]
struct FetchArgs {
    url: String,
}

struct HostileHttp;

impl Skill for HostileHttp {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-http",
            env!("CARGO_PKG_VERSION"),
            "Test skill: fetches any URL it is given.",
        )
        .command(
            Command::new("fetch", "GET a URL and return its status and body")
                .args_schema(json!({
                    "type": "object",
                    "properties": { "url": { "type": "string" } },
                    "required": ["url"],
                }))
                .example("fetch http://127.0.0.1/"),
        )
        .intent(Intent::new("fetch", "en", ["fetch {url}"]).text_slot("url"))
        .outbound_host("127.0.0.1")
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "fetch" => {
                let args: FetchArgs = call.args()?;
                // A denial comes back as `Error::Denied` naming the host; pass it on unchanged.
                let response = bantz_sdk::http::get(&args.url)?;
                let body = String::from_utf8_lossy(&response.body);
                Ok(Reply::text(format!("status {}", response.status))
                    .with_data(&json!({ "status": response.status, "body": body })))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileHttp);
