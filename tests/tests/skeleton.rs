//! The walking skeleton, as a user meets it: start bantz, ask it things over HTTP.

use bantz_tests::{Bantz, Options, TOKEN, Value, json, json_error, json_ok, skill};
use chrono::{Datelike, Duration, FixedOffset, Timelike, Utc};

/// Asia/Tokyo has no daylight saving time, so the expected local time is UTC+9 all year.
const TOKYO: &str = "[skills.clock]\ntimezone = \"Asia/Tokyo\"\n";

fn tokyo_now() -> chrono::DateTime<FixedOffset> {
    Utc::now().with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap())
}

#[tokio::test]
async fn health_answers_without_a_token() {
    let bantz = Bantz::start().await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    let health = json_ok(response).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert!(health["uptime_seconds"].is_u64());
    assert_eq!(health["components"]["store"]["status"], "ok");
    assert_eq!(health["components"]["skills"]["status"], "ok");
    assert_eq!(
        health["components"]["skills"]["detail"],
        "1 active, 0 failed to load"
    );
}

#[tokio::test]
async fn skills_lists_the_clock_with_its_commands() {
    let bantz = Bantz::start().await;
    let skills = json_ok(bantz.get("/api/v1/skills").await).await;
    let skills = skills.as_array().unwrap();
    assert_eq!(skills.len(), 1);
    let clock = &skills[0];
    assert_eq!(clock["name"], "clock");
    assert_eq!(clock["status"], "active");
    assert_eq!(clock["source"], "clock.wasm");
    assert!(clock["version"].as_str().unwrap().starts_with("0."));
    assert!(!clock["description"].as_str().unwrap().is_empty());
    assert_eq!(clock["sha256"].as_str().unwrap().len(), 64);
    let commands: Vec<&str> = clock["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["now", "today"]);
    assert!(
        clock["commands"][0]["examples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "saat kaç?")
    );
}

#[tokio::test]
async fn turkish_time_question_reaches_the_clock_in_the_configured_timezone() {
    let bantz = Bantz::start_with(Options {
        config: Some(TOKYO.into()),
        ..Default::default()
    })
    .await;
    let before = tokyo_now();
    let reply = bantz.chat("saat kaç?").await;
    let after = tokyo_now();
    assert_eq!(reply["tools_used"], json!(["clock.now"]));
    assert_eq!(reply["tier"], "rules");
    assert_eq!(reply["locale"], "tr");
    assert!(reply["latency_ms"].is_u64(), "{reply}");
    let text = reply["response"].as_str().unwrap();
    let expected: Vec<String> = [before, after]
        .iter()
        .map(|t| format!("Saat {:02}:{:02}.", t.hour(), t.minute()))
        .collect();
    assert!(
        expected.iter().any(|e| e == text),
        "{text:?} is not one of {expected:?}"
    );
    assert_eq!(reply["data"]["timezone"], "Asia/Tokyo");
    assert!(reply["data"]["iso"].as_str().unwrap().ends_with("+09:00"));
}

#[tokio::test]
async fn english_date_question_reaches_the_clock() {
    let bantz = Bantz::start_with(Options {
        config: Some(TOKYO.into()),
        ..Default::default()
    })
    .await;
    let before = tokyo_now();
    let reply = bantz.chat("What's the date today?").await;
    let after = tokyo_now();
    assert_eq!(reply["tools_used"], json!(["clock.today"]));
    assert_eq!(reply["locale"], "en");
    let date = reply["data"]["date"].as_str().unwrap().to_owned();
    let candidates: Vec<String> = [before, after]
        .iter()
        .map(|t| t.format("%Y-%m-%d").to_string())
        .collect();
    assert!(candidates.contains(&date), "{date} not in {candidates:?}");
    let weekday = format!("{:?}", before.weekday());
    assert!(
        reply["response"].as_str().unwrap().starts_with("Today is "),
        "{reply}"
    );
    assert!(
        reply["data"]["weekday"]
            .as_str()
            .unwrap()
            .starts_with(&weekday)
            || before.date_naive() != after.date_naive(),
        "{reply}"
    );
}

#[tokio::test]
async fn turkish_date_and_default_timezone() {
    let bantz = Bantz::start().await;
    let reply = bantz.chat("Bugün günlerden ne?").await;
    assert_eq!(reply["tools_used"], json!(["clock.today"]));
    assert_eq!(reply["locale"], "tr");
    assert!(
        reply["response"].as_str().unwrap().starts_with("Bugün "),
        "{reply}"
    );
    assert_eq!(reply["data"]["timezone"], "Europe/Istanbul");
}

#[tokio::test]
async fn turkish_without_turkish_letters_and_shouting_still_match() {
    let bantz = Bantz::start().await;
    for message in ["saat kac", "SAAT KAÇ?", "Şu an saat kaç acaba"] {
        let reply = bantz.chat(message).await;
        assert_eq!(
            reply["tools_used"],
            json!(["clock.now"]),
            "{message}: {reply}"
        );
    }
    let reply = bantz.chat("what time is it").await;
    assert_eq!(reply["tools_used"], json!(["clock.now"]));
    assert!(reply["response"].as_str().unwrap().starts_with("It's "));
}

#[tokio::test]
async fn an_unknown_message_gets_help_not_an_invented_answer() {
    let bantz = Bantz::start().await;
    let reply = bantz.chat("bana bir fıkra anlat").await;
    assert_eq!(reply["tools_used"], json!([]));
    let text = reply["response"].as_str().unwrap();
    assert!(text.starts_with("Bunu anlayamadım"), "{text}");
    assert!(
        text.contains("- Saati söyler, örneğin \"saat kaç?\"")
            && text.contains("- Bugünün tarihini ve gününü söyler"),
        "{text}"
    );
    assert!(!text.contains("clock.now"), "no command ids: {text}");

    let reply = bantz.chat("tell me a joke").await;
    assert_eq!(reply["tools_used"], json!([]));
    assert!(
        reply["response"]
            .as_str()
            .unwrap()
            .starts_with("I didn't understand that."),
        "{reply}"
    );
}

#[tokio::test]
async fn a_session_continues_when_its_id_is_sent_back() {
    let bantz = Bantz::start().await;
    let first = bantz.chat("saat kaç").await;
    let session = first["session_id"].as_str().unwrap().to_owned();
    assert!(!session.is_empty());
    let second = bantz.say(&session, "what time is it").await;
    assert_eq!(second["session_id"], session.as_str());
    let other = bantz.chat("saat kaç").await;
    assert_ne!(other["session_id"], session.as_str());
}

#[tokio::test]
async fn curl_style_form_encoded_json_is_accepted() {
    // `curl -d '{...}'` sends Content-Type: application/x-www-form-urlencoded.
    let bantz = Bantz::start().await;
    let response = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"message":"saat kaç?"}"#)
        .send()
        .await
        .unwrap();
    let reply = json_ok(response).await;
    assert_eq!(reply["tools_used"], json!(["clock.now"]));
}

#[tokio::test]
async fn without_the_token_every_protected_endpoint_answers_401_json() {
    let bantz = Bantz::start().await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/skills"))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
    let response = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .json(&json!({"message": "saat kaç"}))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/skills"))
        .bearer_auth("wrong-token")
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
}

#[tokio::test]
async fn bad_requests_get_the_error_envelope() {
    let bantz = Bantz::start().await;
    let error = json_error(
        bantz.post("/api/v1/chat", &json!({"message": "   "})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert!(error["message"].as_str().unwrap().contains("message"));
    // Well-formed JSON without the required `message`: it does not fit the schema.
    json_error(
        bantz.post("/api/v1/chat", &json!({"text": "hi"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    json_error(
        bantz
            .post(
                "/api/v1/chat",
                &json!({"message": "hi", "session_id": "bad id!"}),
            )
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let response = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    json_error(response, 400, "BAD_REQUEST").await;
    json_error(bantz.get("/api/v1/no-such-thing").await, 404, "NOT_FOUND").await;
    let response = bantz
        .http
        .delete(bantz.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    json_error(response, 405, "METHOD_NOT_ALLOWED").await;
}

#[tokio::test]
async fn docs_are_served() {
    let bantz = Bantz::start().await;
    let page = bantz
        .http
        .get(bantz.url("/swagger-ui/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let page = bantz.http.get(bantz.url("/redoc/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().to_lowercase().contains("redoc"));
    let spec = json_ok(
        bantz
            .http
            .get(bantz.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(spec["openapi"], "3.0.0");
    assert_eq!(
        spec["components"]["securitySchemes"]["BearerAuth"]["scheme"],
        "bearer"
    );
    for (path, method, id) in [
        ("/api/v1/health", "get", "getHealth"),
        ("/api/v1/skills", "get", "listSkills"),
        ("/api/v1/chat", "post", "chat"),
    ] {
        assert_eq!(spec["paths"][path][method]["operationId"], id, "{path}");
    }
    assert!(
        spec["paths"]["/api/v1/health"]["get"]["security"].is_null(),
        "health needs no token"
    );
    assert!(
        spec["paths"]["/api/v1/chat"]["post"]["security"].is_array(),
        "chat needs the token"
    );
    let yaml = bantz
        .http
        .get(bantz.url("/api-docs/openapi.yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(yaml.status(), 200);
    assert!(yaml.text().await.unwrap().contains("operationId: chat"));
}

#[tokio::test]
async fn the_spec_passes_an_independent_validator_and_matches_the_export_command() {
    let bantz = Bantz::start().await;
    let served = bantz
        .http
        .get(bantz.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file = bantz.dir.path().join("openapi.json");
    let status = std::process::Command::new(bantz_tests::bantz_bin())
        .args(["openapi", "--output"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let exported = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&exported).unwrap(),
        serde_json::from_str::<Value>(&served).unwrap()
    );

    let python = std::env::var("BANTZ_TEST_PYTHON").unwrap_or_else(|_| {
        let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
        assert!(
            venv.exists(),
            "no Python with openapi-spec-validator: run `cargo xtask test`, which makes .venv"
        );
        venv.to_string_lossy().into_owned()
    });
    let out = std::process::Command::new(python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the spec does not validate:\n{report}"
    );
    assert!(report.contains("OK"), "{report}");
}

#[tokio::test]
async fn a_generated_token_is_kept_private_in_the_data_dir() {
    let bantz = Bantz::start_with(Options {
        token: None,
        ..Default::default()
    })
    .await;
    let path = bantz.data_dir().join("api-token");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        bantz
            .stdout
            .iter()
            .any(|l| l.contains(&path.display().to_string())),
        "{:?}",
        bantz.stdout
    );
    assert!(bantz.token.len() >= 32);
    assert!(
        !bantz.log().contains(&bantz.token),
        "the token must never be logged"
    );
    json_ok(bantz.get("/api/v1/skills").await).await;
}

#[tokio::test]
async fn the_original_serve_flags_work() {
    let bantz = Bantz::start_with(Options {
        command: vec!["--serve".into(), "--http".into()],
        ..Default::default()
    })
    .await;
    let reply = bantz.chat("saat kaç?").await;
    assert_eq!(reply["tools_used"], json!(["clock.now"]));
}

#[tokio::test]
async fn a_broken_skill_file_is_reported_and_the_others_keep_working() {
    let bantz = Bantz::start_with(Options {
        skill_files: vec![(
            "broken.wasm".into(),
            b"\0asm not really a component".to_vec(),
        )],
        ..Default::default()
    })
    .await;
    let skills = json_ok(bantz.get("/api/v1/skills").await).await;
    let broken = skills
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "broken.wasm")
        .unwrap();
    assert_eq!(broken["status"], "failed");
    assert!(
        broken["error"]
            .as_str()
            .unwrap()
            .contains("not a valid skill component"),
        "{broken}"
    );
    let health = json_ok(
        bantz
            .http
            .get(bantz.url("/api/v1/health"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(health["status"], "degraded");
    assert_eq!(
        bantz.chat("saat kaç").await["tools_used"],
        json!(["clock.now"])
    );
}

#[tokio::test]
async fn with_no_skills_the_help_says_so() {
    let bantz = Bantz::start_with(Options {
        skills: vec![],
        ..Default::default()
    })
    .await;
    let reply = bantz.chat("what time is it").await;
    assert_eq!(reply["tools_used"], json!([]));
    assert!(
        reply["response"]
            .as_str()
            .unwrap()
            .contains("no skills are loaded"),
        "{reply}"
    );
    // The clock component is still where the harness found it: nothing here depended on it.
    assert!(skill("clock").exists());
}

#[test]
fn tokyo_offset_helper_is_nine_hours_ahead() {
    let diff = tokyo_now().naive_local() - Utc::now().naive_utc();
    assert!((diff - Duration::hours(9)).num_seconds().abs() < 5);
}
