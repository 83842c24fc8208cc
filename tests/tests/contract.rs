//! The OpenAPI document as a contract: schemathesis (from .venv, which `cargo xtask test` makes)
//! fuzzes every operation of the real binary with a token, and every answer must be documented:
//! its status, its content type and its schema.

use std::path::PathBuf;
use std::process::Command;

use bantz_tests::{Bantz, Options, json_ok, skill};

/// A fixed seed, so a failure is reproducible with the command the test prints.
const SEED: &str = "20261123";
/// Test cases per operation and phase.
const MAX_EXAMPLES: &str = "30";

/// The checks the contract is held to.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance";

/// No rate limits: thousands of requests in a few seconds are the point here, and a 429 is not
/// what is being tested (it is documented on every limited operation).
const CONFIG: &str =
    "[rate_limits]\nchat = 0\ncommands = 0\nreads = 0\npairing = 0\nper_ip_multiplier = 0\n";

/// schemathesis's settings per operation.
///
/// - The notification stream never ends by itself: read its first events, then hang up.
const SCHEMATHESIS_TOML: &str = r#"
[[operations]]
include-operation-id = "streamNotifications"
max-stream-events = 3
request-timeout = 2
"#;

/// poem-openapi documents an event stream as `{type: array, format: event-stream, items: T}`:
/// each event's `data` is a `T`. schemathesis reads the `schema` of a `text/event-stream`
/// response of an OpenAPI 3.0 document as the schema of one whole event (`event`, `id`,
/// `data` as a string), as OpenAPI 3.2's `itemSchema` does. This hook translates the first
/// into the second as the document loads, so each event's data is still checked against `T`
/// (`ChatStreamEvent`, `NotificationEvent`) rather than left unchecked.
const SSE_HOOK: &str = r#"
import schemathesis


@schemathesis.hook
def before_load_schema(context, raw_schema):
    for item in raw_schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get("text/event-stream")
                schema = (media or {}).get("schema", {})
                if schema.get("type") == "array" and schema.get("format") == "event-stream":
                    media["schema"] = {
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "event": {"type": "string"},
                            "id": {"type": "string"},
                            "data": {
                                "type": "string",
                                "contentMediaType": "application/json",
                                "contentSchema": schema["items"],
                            },
                        },
                    }
"#;

/// The `schemathesis` next to the tests' Python (`BANTZ_TEST_PYTHON`), else the one in .venv.
fn schemathesis() -> PathBuf {
    let bin = match std::env::var_os("BANTZ_TEST_PYTHON") {
        Some(python) => PathBuf::from(python)
            .parent()
            .expect("BANTZ_TEST_PYTHON is a file")
            .join("schemathesis"),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/schemathesis"),
    };
    assert!(
        bin.exists(),
        "{} does not exist: run `cargo xtask test`, which makes .venv with schemathesis",
        bin.display()
    );
    bin
}

#[tokio::test]
async fn every_operation_keeps_the_documented_contract_under_schemathesis() {
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), skill("reminders")],
        config: Some(CONFIG.into()),
        ..Default::default()
    })
    .await;
    let spec = json_ok(bantz.get("/api-docs/openapi.json").await).await;
    let operations: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    let dir = bantz.dir.path().join("schemathesis");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bantz_sse_hook.py"), SSE_HOOK).unwrap();
    std::fs::write(dir.join("schemathesis.toml"), SCHEMATHESIS_TOML).unwrap();

    let mut cmd = Command::new(schemathesis());
    cmd.current_dir(&dir)
        .env("PYTHONPATH", &dir)
        .env("SCHEMATHESIS_HOOKS", "bantz_sse_hook")
        .arg("--config-file")
        .arg(dir.join("schemathesis.toml"))
        .arg("run")
        .arg(bantz.url("/api-docs/openapi.json"))
        .args([
            "--header",
            &format!("Authorization: Bearer {}", bantz.token),
        ])
        .args(["--checks", CHECKS])
        .args(["--seed", SEED, "--max-examples", MAX_EXAMPLES])
        .args(["--generation-database", "none", "--no-color"]);
    let shown = format!("{cmd:?}");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("running schemathesis");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{shown}\n{report}");
    assert!(
        out.status.success(),
        "schemathesis found failures ({}):\n{report}",
        out.status
    );
    // Every operation of the document was tested.
    assert!(
        report.contains(&format!("Selected: {operations}/{operations}"))
            && report.contains(&format!("Tested: {operations}")),
        "not all {operations} operations were tested:\n{report}"
    );
}
