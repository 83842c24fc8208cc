//! The OpenAPI document as a contract: schemathesis (from .venv, which `cargo xtask test` makes)
//! fuzzes every operation of the real binary with a token, with every check it has and no hook:
//! every answer must be documented (its status, its content type, its schema, its headers), what
//! the schema allows must be accepted and what it refuses refused.

use std::path::PathBuf;
use std::process::Command;

use bantz_tests::{Bantz, Options, json, json_error, json_ok, skill};

/// A fixed seed, so a failure is reproducible with the command the test prints.
const SEED: &str = "20261123";
/// Test cases per operation and phase.
const MAX_EXAMPLES: &str = "30";

/// The checks the contract is held to: every check schemathesis has, among them that data the
/// schema allows is accepted and data it refuses is refused, that a 405 says `Allow`, and that
/// each event of a stream fits the schema of one event.
const CHECKS: &str = "all";

/// No rate limits: thousands of requests in a few seconds are the point here, and a 429 is not
/// what is being tested (it is documented on every limited operation).
const CONFIG: &str =
    "[rate_limits]\nchat = 0\ncommands = 0\nreads = 0\npairing = 0\nper_ip_multiplier = 0\n";

/// schemathesis's settings per operation.
///
/// - The notification stream never ends by itself: read its first events, then hang up.
/// - Four refusals depend on the server's state or on what a body holds, which no static document
///   can describe, so a request the schema allows may still get them (each is documented on its
///   operation):
///   - `runCommand`: 422 `SKILL_INVALID_ARGS`, when `args` does not fit the `args_schema` of the
///     command named (each skill's own, listed by `GET /api/v1/commands`);
///   - `addCorrection`: 422 `UNKNOWN_COMMAND` for a command no loaded skill has, and
///     `INVALID_REQUEST` for args without what the command requires or an utterance without a
///     word;
///   - `verifyPairingCode`: 410 when no pairing code is valid now (none was asked for, or it was
///     used or burned);
///   - `uploadSkillFile`: 422 `NOT_WASM` for a body that is not a WebAssembly file (any bytes fit
///     `application/octet-stream`).
const SCHEMATHESIS_TOML: &str = r#"
[[operations]]
include-operation-id = "streamNotifications"
max-stream-events = 3
request-timeout = 2

[[operations]]
include-operation-id = "runCommand"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-operation-id = "addCorrection"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-operation-id = "verifyPairingCode"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "429", "5xx"]

[[operations]]
include-operation-id = "uploadSkillFile"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429", "5xx"]
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
    std::fs::write(dir.join("schemathesis.toml"), SCHEMATHESIS_TOML).unwrap();

    let mut cmd = Command::new(schemathesis());
    cmd.current_dir(&dir)
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

#[tokio::test]
async fn a_405_says_which_methods_the_route_takes() {
    let bantz = Bantz::start().await;
    let client = reqwest::Client::new();
    for (method, path, allow) in [
        ("PUT", "/api/v1/skills/clock", "GET, HEAD"),
        ("GET", "/api/v1/skills/reload", "POST"),
        ("PATCH", "/api/v1/conversations/abc", "DELETE"),
        ("POST", "/api-docs/openapi.json", "GET, HEAD"),
    ] {
        let response = client
            .request(method.parse().unwrap(), bantz.url(path))
            .bearer_auth(&bantz.token)
            .send()
            .await
            .unwrap();
        let got = response.headers().get("allow").cloned();
        assert_eq!(
            got.as_ref().map(|v| v.to_str().unwrap()),
            Some(allow),
            "{method} {path}"
        );
        json_error(response, 405, "METHOD_NOT_ALLOWED").await;
    }
}

#[tokio::test]
async fn what_the_schema_refuses_is_refused_and_nothing_is_coerced() {
    let bantz = Bantz::start().await;
    // A number, a boolean or null where the schema says string (or leaves the field optional).
    for (path, body) in [
        ("/api/v1/commands/parse", json!({"input": -1.9e16})),
        ("/api/v1/commands/parse", json!({"input": false})),
        ("/api/v1/chat", json!({"message": 42})),
        (
            "/api/v1/chat",
            json!({"message": "saat kaç", "stream": null}),
        ),
        (
            "/api/v1/commands",
            json!({"command": "clock.now", "args": [1]}),
        ),
    ] {
        let error = json_error(bantz.post(path, &body).await, 422, "VALIDATION_FAILED").await;
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("does not fit the schema"),
            "{path} {body}: {error}"
        );
    }
    // What the schema says about lengths and ranges is what the server holds to.
    let spec = json_ok(bantz.get("/api-docs/openapi.json").await).await;
    let message = &spec["components"]["schemas"]["ChatRequest"]["properties"]["message"];
    assert_eq!(
        (message["minLength"].clone(), message["maxLength"].clone()),
        (json!(1), json!(4000))
    );
    let long = "a".repeat(4001);
    json_error(
        bantz.post("/api/v1/chat", &json!({"message": long})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    json_error(
        bantz
            .get("/api/v1/conversations?limit=-9223372036854775808")
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
}
