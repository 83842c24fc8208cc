//! The brain as a user meets it: confirmation of commands that change things, and routing
//! decisions inspected without running anything.

use bantz_tests::{Bantz, Options, json, json_error, json_ok, skill, test_skill};

async fn start() -> Bantz {
    Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("ticker")],
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn a_command_that_needs_confirmation_runs_only_after_a_yes() {
    let bantz = start().await;
    let asked = bantz.chat("reset the ticks").await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    assert_eq!(asked["tools_used"], json!([]));
    // The ticker has no `describe`: the host asks with the manifest's description.
    assert_eq!(
        asked["confirmation_prompt"],
        "Shall I do this: Reset the tick counter?"
    );
    assert_eq!(
        bantz.skill_status("ticker").await["invocations"],
        0,
        "nothing ran before the yes"
    );

    let session = asked["session_id"].as_str().unwrap();
    let done = bantz.say(session, "yes").await;
    assert_eq!(done["tools_used"], json!(["ticker.reset"]), "{done}");
    assert_eq!(done["requires_confirmation"], false);
    assert!(
        done["response"].as_str().unwrap().starts_with("Reset;"),
        "{done}"
    );
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 1);

    // The yes was used up: another yes is just a message.
    let again = bantz.say(session, "yes").await;
    assert_eq!(again["tools_used"], json!([]));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 1);
}

#[tokio::test]
async fn turkish_no_cancels_and_nothing_runs() {
    let bantz = start().await;
    let asked = bantz.chat("sayacı sıfırla").await;
    assert_eq!(asked["requires_confirmation"], true);
    assert_eq!(
        asked["confirmation_prompt"], "Şunu yapayım mı: Reset the tick counter?",
        "{asked}"
    );
    let session = asked["session_id"].as_str().unwrap();
    let cancelled = bantz.say(session, "Hayır, iptal et").await;
    assert_eq!(cancelled["tools_used"], json!([]));
    assert_eq!(cancelled["response"], "Tamam, iptal ettim.");
    assert_eq!(
        bantz.say(session, "evet").await["tools_used"],
        json!([]),
        "the no used it up"
    );
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 0);
}

#[tokio::test]
async fn the_confirm_field_answers_and_another_message_drops_the_question() {
    let bantz = start().await;
    let session = bantz.chat("reset the counter").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = json_ok(
        bantz
            .post(
                "/api/v1/chat",
                &json!({"message": "👍", "session_id": session, "confirm": true}),
            )
            .await,
    )
    .await;
    assert_eq!(done["tools_used"], json!(["ticker.reset"]), "{done}");

    // A different message instead of an answer: the waiting command is dropped, the message answered.
    let session = bantz.chat("reset the counter").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = bantz.say(&session, "saat kaç").await;
    assert_eq!(other["tools_used"], json!(["clock.now"]));
    assert_eq!(bantz.say(&session, "yes").await["tools_used"], json!([]));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 1);

    // confirm with nothing waiting is a mistake the client should hear about.
    json_error(
        bantz
            .post(
                "/api/v1/chat",
                &json!({"message": "yes", "session_id": session, "confirm": true}),
            )
            .await,
        409,
        "NOTHING_TO_CONFIRM",
    )
    .await;
}

#[tokio::test]
async fn a_pending_confirmation_survives_a_restart() {
    let bantz = start().await;
    let session = bantz.chat("reset the ticks").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bantz = bantz
        .restart(Options {
            skills: vec![],
            ..Default::default()
        })
        .await;
    assert_eq!(
        bantz.say(&session, "evet").await["tools_used"],
        json!(["ticker.reset"])
    );
}

#[tokio::test]
async fn parse_routes_without_running_and_the_catalogue_lists_every_command() {
    let bantz = start().await;
    let parsed = bantz.parse("Saat kaç?").await;
    assert_eq!(parsed["command"], "clock.now");
    assert_eq!(parsed["locale"], "tr");
    assert_eq!(parsed["confidence"], 1.0);
    assert_eq!(parsed["requires_confirmation"], false);
    let parsed = bantz.parse("reset the ticks").await;
    assert_eq!(parsed["command"], "ticker.reset");
    assert_eq!(parsed["requires_confirmation"], true);
    assert_eq!(
        bantz.skill_status("ticker").await["invocations"],
        0,
        "parse runs nothing"
    );
    let parsed = bantz.parse("sing me a song").await;
    assert!(parsed["command"].is_null());
    assert_eq!(parsed["confidence"], 0.0);

    let catalogue = json_ok(bantz.get("/api/v1/commands").await).await;
    let names: Vec<&str> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "clock.now",
            "clock.today",
            "ticker.count",
            "ticker.hold",
            "ticker.reset"
        ]
    );
    let reset = &catalogue[4];
    assert_eq!(reset["needs_confirmation"], true);
    assert!(catalogue[3]["args_schema"]["properties"]["ms"].is_object());
}

#[tokio::test]
async fn deleting_a_conversation_drops_what_waited_for_confirmation() {
    let bantz = start().await;
    let session = bantz.chat("reset the ticks").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The question was saved with the conversation, so it can be deleted like any other.
    assert_eq!(
        bantz
            .delete(&format!("/api/v1/conversations/{session}"))
            .await
            .status(),
        204
    );
    assert_eq!(bantz.say(&session, "yes").await["tools_used"], json!([]));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 0);
}

#[tokio::test]
async fn a_request_after_a_clause_of_context_is_found_with_the_context_s_values() {
    let bantz = Bantz::start_with(Options::first_party()).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(3 + 24))
        .format("%Y-%m-%d")
        .to_string();

    // The request is the second clause; its day and place are in the first.
    let parsed = bantz
        .parse("I'm driving to Izmir tomorrow, will it rain?")
        .await;
    assert_eq!(parsed["command"], "weather.rain", "{parsed}");
    assert_eq!(
        parsed["slots"],
        json!({"date": tomorrow, "place": "Izmir"}),
        "{parsed}"
    );
    let parsed = bantz
        .parse("yarın işe erken gideceğim, saat kaç şimdi?")
        .await;
    assert_eq!(parsed["command"], "clock.now", "{parsed}");

    // Two clauses that ask for two different things: neither is guessed.
    let parsed = bantz
        .parse("what time is it, and what's on my calendar today?")
        .await;
    assert!(parsed["command"].is_null(), "{parsed}");

    // Words that wrap a request come off one layer at a time, so "tell me the time" is tried
    // before "the time".
    let parsed = bantz
        .parse("um I was wondering if you could tell me the time real quick")
        .await;
    assert_eq!(parsed["command"], "clock.now", "{parsed}");
    assert_eq!(parsed["tier"], "rules", "{parsed}");
}
