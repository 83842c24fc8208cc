//! Notifications as a phone meets them: a reminder fires exactly once, the SSE stream resumes
//! with `Last-Event-ID` so nothing is lost, and the inbox keeps what was sent.

use bantz_tests::{Bantz, Options, SseStream, Value, json, json_error, json_ok, skill};

fn with_reminders(config: &str) -> Options {
    Options {
        skills: vec![skill("clock"), skill("reminders")],
        config: Some(config.into()),
        ..Default::default()
    }
}

/// Waits until the inbox holds `count` notifications of `types`. A reminder a minute ahead takes
/// a minute: allow that on top of the usual polling limit.
async fn wait_for_inbox(bantz: &Bantz, types: &str, count: usize) -> Vec<Value> {
    let limit = bantz_tests::POLL_LIMIT + std::time::Duration::from_secs(60);
    bantz.wait_for_notifications(types, count, limit).await
}

#[tokio::test]
async fn a_reminder_that_fired_while_offline_is_replayed_with_last_event_id() {
    let bantz = Bantz::start_with(with_reminders("")).await;

    // The phone was connected, then went away: it remembers where it was.
    let mut stream = SseStream::open(&bantz, "/api/v1/notifications", None).await;
    let connected = stream.next().await;
    assert_eq!(connected.event, "connected");
    let last_seen = connected.data["resumed_after"]
        .as_i64()
        .unwrap()
        .to_string();
    drop(stream);

    // Issue 5's case as written: a reminder one minute ahead.
    let reply = bantz.chat("remind me in 1 minute to stretch").await;
    assert_eq!(reply["tools_used"], json!(["reminders.add"]), "{reply}");
    assert!(
        reply["response"].as_str().unwrap().contains("stretch"),
        "{reply}"
    );
    let fired = wait_for_inbox(&bantz, "skill.reminders", 1).await;
    assert_eq!(fired[0]["type"], "skill.reminders.reminder");
    assert_eq!(fired[0]["body"], "Reminder: stretch");

    // Back online with the id it had before: the reminder it missed comes first.
    let mut stream = SseStream::open(
        &bantz,
        "/api/v1/notifications?types=skill",
        Some(&last_seen),
    )
    .await;
    assert_eq!(stream.next().await.event, "connected");
    let missed = stream.next_named("notification").await;
    assert_eq!(
        missed.id.as_deref(),
        Some(fired[0]["id"].to_string().as_str())
    );
    assert_eq!(missed.data["type"], "skill.reminders.reminder");
    assert_eq!(missed.data["title"], "Reminder");
}

#[tokio::test]
async fn a_reminder_fires_exactly_once_across_a_restart_and_live_listeners_get_it() {
    let bantz = Bantz::start_with(with_reminders("")).await;
    let mut stream =
        SseStream::open(&bantz, "/api/v1/notifications?types=skill.reminders", None).await;
    assert_eq!(stream.next().await.event, "connected");
    let reply = bantz.chat("2 saniye sonra çayı hatırlat").await;
    assert_eq!(reply["tools_used"], json!(["reminders.add"]), "{reply}");
    assert_eq!(reply["locale"], "tr");
    let live = stream.next_named("notification").await;
    assert_eq!(live.data["body"], "Hatırlatma: çayı");
    assert_eq!(live.data["silent"], false);
    // On time: never before its time, and within the skill's tick period (15 s) after it, give
    // or take a busy machine.
    let status = bantz.skill_status("reminders").await;
    assert_eq!(status["permissions"]["schedule_seconds"], 15, "{status}");
    let due = chrono::DateTime::parse_from_rfc3339(reply["data"]["due"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let sent = live.data["created_at_ms"].as_i64().unwrap();
    assert!(sent >= due, "sent at {sent}, before its time {due}");
    assert!(sent - due <= 20_000, "sent {} ms late", sent - due);

    // The host ticks a skill as it loads, to catch up on what fell due while it was down: that
    // is the tick that would send it again.
    let bantz = bantz.restart(with_reminders("")).await;
    bantz
        .wait_for_skills("the first tick after the restart", |l| {
            l.iter()
                .any(|s| s["name"] == "reminders" && s["ticks"].as_u64().unwrap() >= 1)
        })
        .await;
    let all = json_ok(
        bantz
            .get("/api/v1/notifications/history?types=skill.reminders")
            .await,
    )
    .await;
    assert_eq!(all.as_array().unwrap().len(), 1, "exactly once: {all}");
    let list = bantz.chat("hatırlatıcılarım neler").await;
    assert!(
        list["response"].as_str().unwrap().contains("yok"),
        "nothing left to fire: {list}"
    );
}

#[tokio::test]
async fn an_impossible_reminder_is_refused_with_a_sentence_never_a_crash() {
    let bantz = Bantz::start_with(with_reminders("")).await;
    for (args, says) in [
        (
            json!({"what": "tea", "duration": i64::MAX}),
            "at most ten years ahead",
        ),
        (
            json!({"what": "tea", "date": "9999-12-31", "time": "23:59"}),
            "at most ten years ahead",
        ),
        (
            json!({"what": "tea", "date": "+262143-12-31"}),
            "is not a date like 2026-11-23",
        ),
        (
            json!({"what": "tea", "time": "25:99"}),
            "is not a time like 17:30",
        ),
        (json!({"what": "tea", "duration": -5}), "must be positive"),
        (
            json!({"what": " ", "duration": 60}),
            "say what to remind you of",
        ),
        (
            json!({"what": "tea", "duration": 1.5e300}),
            "invalid arguments",
        ),
    ] {
        let error = json_error(
            bantz.command("reminders.add", args.clone()).await,
            422,
            "SKILL_INVALID_ARGS",
        )
        .await;
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(says), "{args}: {message}");
    }
    let status = bantz.skill_status("reminders").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(
        status["last_error"]["code"], "SKILL_INVALID_ARGS",
        "{status}"
    );
    let list = bantz.chat("list my reminders").await;
    assert_eq!(list["data"]["reminders"], json!([]), "{list}");
}

#[tokio::test]
async fn reminders_can_be_listed_and_cancelled_with_a_yes() {
    let bantz = Bantz::start_with(with_reminders("")).await;
    bantz.chat("remind me to call mom tomorrow at 5pm").await;
    bantz.chat("yarın sabah 8'de ilacımı hatırlat").await;
    let list = bantz.chat("list my reminders").await;
    let text = list["response"].as_str().unwrap();
    assert!(
        text.contains("call mom") && text.contains("ilacımı"),
        "{text}"
    );
    assert!(
        text.contains("tomorrow at 17:00") && text.contains("tomorrow at 08:00"),
        "{text}"
    );

    let asked = bantz.chat("cancel the reminder to call mom").await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    let session = asked["session_id"].as_str().unwrap();
    let done = bantz.say(session, "yes").await;
    assert_eq!(done["tools_used"], json!(["reminders.cancel"]));
    assert_eq!(done["data"]["cancelled"], 1);
    let list = bantz.chat("hatırlatıcılarım neler").await;
    let text = list["response"].as_str().unwrap();
    assert!(
        !text.contains("call mom") && text.contains("ilacımı"),
        "{text}"
    );
}

#[tokio::test]
async fn the_inbox_reads_one_or_all_and_filters() {
    let bantz = Bantz::start_with(with_reminders("")).await;
    bantz.chat("remind me in 1 second to drink water").await;
    bantz.chat("remind me in 1 second to stand up").await;
    let unread = wait_for_inbox(&bantz, "skill.reminders", 2).await;
    assert!(unread.iter().all(|n| n["read"] == false));
    assert!(
        unread[0]["id"].as_i64() > unread[1]["id"].as_i64(),
        "newest first"
    );

    let read = json_ok(
        bantz
            .post(
                &format!("/api/v1/notifications/{}/read", unread[0]["id"]),
                &json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(read["read"], true);
    let still = json_ok(
        bantz
            .get("/api/v1/notifications/history?unread=true&types=skill.reminders")
            .await,
    )
    .await;
    assert_eq!(still.as_array().unwrap().len(), 1);

    let marked = json_ok(
        bantz
            .post("/api/v1/notifications/read-all", &json!({}))
            .await,
    )
    .await;
    assert!(marked["marked"].as_u64().unwrap() >= 1);
    let none = json_ok(bantz.get("/api/v1/notifications/history?unread=true").await).await;
    assert_eq!(none, json!([]));

    // System events are in the inbox too, under their own type.
    let system = json_ok(
        bantz
            .get("/api/v1/notifications/history?types=system.skill.loaded")
            .await,
    )
    .await;
    assert!(
        system
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["data"]["skill"] == "reminders"),
        "{system}"
    );

    json_error(
        bantz
            .post("/api/v1/notifications/999999/read", &json!({}))
            .await,
        404,
        "NOTIFICATION_NOT_FOUND",
    )
    .await;
    json_error(
        bantz.get("/api/v1/notifications/history?limit=0").await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
}

#[tokio::test]
async fn the_stream_takes_the_token_as_a_query_parameter_for_browsers() {
    let bantz = Bantz::start_with(with_reminders("")).await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/notifications"))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
    let response = bantz
        .http
        .get(bantz.url(&format!("/api/v1/notifications?token={}", bantz.token)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = bantz
        .http
        .get(bantz.url("/api/v1/notifications?token=wrong"))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
}

#[tokio::test]
async fn quiet_hours_deliver_silently_and_the_rate_limit_holds_the_rest_back() {
    // Quiet hours from an hour ago to an hour from now, in the host's default timezone
    // (Europe/Istanbul, UTC+3 all year).
    let now = chrono::Utc::now() + chrono::Duration::hours(3);
    let (from, to) = (
        now - chrono::Duration::hours(1),
        now + chrono::Duration::hours(1),
    );
    let config = format!(
        "[notifications]\nquiet_hours = \"{}-{}\"\nmax_per_skill_per_hour = 1\n",
        from.format("%H:%M"),
        to.format("%H:%M")
    );
    let bantz = Bantz::start_with(with_reminders(&config)).await;
    bantz.chat("remind me in 1 second to breathe").await;
    let first = wait_for_inbox(&bantz, "skill.reminders", 1).await;
    assert_eq!(first[0]["silent"], true, "quiet hours: {first:?}");

    bantz.chat("remind me in 1 second to blink").await;
    bantz
        .wait_for_skills("the rate limit to refuse the second reminder", |l| {
            l.iter().any(|s| {
                s["name"] == "reminders"
                    && s["last_error"]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("notifications an hour"))
            })
        })
        .await;
    let all = json_ok(
        bantz
            .get("/api/v1/notifications/history?types=skill.reminders")
            .await,
    )
    .await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    // Held back, not lost: it is still waiting to be sent.
    let list = bantz.chat("list my reminders").await;
    assert!(
        list["response"].as_str().unwrap().contains("blink"),
        "{list}"
    );
}

#[tokio::test]
async fn the_briefing_answers_on_demand_and_arrives_once_at_its_time() {
    // The reminder is stored first, so the briefing has it however long the host takes to
    // start (a debug build trains its classifier before it serves).
    let bantz = Bantz::start_with(with_reminders("")).await;
    bantz
        .chat("remind me tomorrow at 9 to water the plants")
        .await;
    // Then the briefing is due five seconds from now, Europe/Istanbul (UTC+3 all year): a time
    // that passes while the host starts is sent once it serves.
    let at = chrono::Utc::now() + chrono::Duration::hours(3) + chrono::Duration::seconds(5);
    let config = format!(
        "[briefing]\ntime = \"{}\"\nlocale = \"en\"\n",
        at.format("%H:%M:%S")
    );
    let bantz = bantz.restart(with_reminders(&config)).await;

    let reply = bantz.chat("günaydın, bugün ne var?").await;
    assert_eq!(
        reply["tools_used"],
        json!(["bantz.briefing", "reminders.list"]),
        "{reply}"
    );
    let text = reply["response"].as_str().unwrap();
    assert!(text.starts_with("Günaydın! Bugün "), "{text}");
    assert!(
        text.contains("Hatırlatıcılar:") && text.contains("water the plants"),
        "{text}"
    );

    let english = bantz.chat("brief me").await;
    assert!(
        english["response"]
            .as_str()
            .unwrap()
            .starts_with("Good morning! Today is "),
        "{english}"
    );

    let sent = wait_for_inbox(&bantz, "system.briefing", 1).await;
    assert_eq!(sent[0]["title"], "Good morning");
    assert!(
        sent[0]["body"]
            .as_str()
            .unwrap()
            .contains("water the plants"),
        "{sent:?}"
    );
}

#[tokio::test]
async fn the_briefing_combines_weather_the_calendar_and_reminders() {
    let bantz = Bantz::start_with(Options {
        skills: vec![
            skill("clock"),
            skill("weather"),
            skill("calendar"),
            skill("reminders"),
        ],
        // No weather service is reachable here: that part must say so, not break the briefing.
        config: Some("[skills.weather]\nhome = \"İstanbul\"\n".into()),
        ..Default::default()
    })
    .await;
    let today = (chrono::Utc::now() + chrono::Duration::hours(3))
        .format("%Y-%m-%d")
        .to_string();
    let added = bantz
        .command(
            "calendar.add",
            json!({"title": "Standup", "date": today, "time": "23:30"}),
        )
        .await;
    json_ok(added).await;
    bantz
        .chat("remind me tomorrow at 9 to water the plants")
        .await;

    let reply = bantz.chat("good morning").await;
    assert_eq!(
        reply["tools_used"],
        json!([
            "bantz.briefing",
            "weather.forecast",
            "calendar.agenda",
            "reminders.list"
        ]),
        "{reply}"
    );
    let text = reply["response"].as_str().unwrap();
    for part in [
        "Good morning! Today is ",
        "Weather: ",
        "Calendar: ",
        "Standup",
        "Reminders: ",
        "water the plants",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    assert!(
        reply["data"]["calendar"].is_object() || reply["data"]["calendar"].is_array(),
        "{reply}"
    );
}
