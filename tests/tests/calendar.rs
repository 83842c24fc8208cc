//! The calendar skill as a user meets it: adding, moving and deleting events after a yes; what is
//! on today, tomorrow, a weekday or this week, in Turkish and English; finding events, free time
//! and conflicts; importing what Google Calendar, Outlook and Thunderbird export; an export that
//! reads back as the same calendar; events kept across a restart; and a reminder before an event
//! that arrives once.

use bantz_tests::{Bantz, Options, POLL_LIMIT, Value, json, json_error, json_ok, skill};
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};

fn options(config: &str) -> Options {
    Options {
        skills: vec![skill("clock"), skill("calendar")],
        config: Some(config.into()),
        ..Default::default()
    }
}

async fn start() -> Bantz {
    Bantz::start_with(options("")).await
}

/// The user's wall clock: the host's default zone, Europe/Istanbul, is UTC+3 all year.
fn istanbul_now() -> NaiveDateTime {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(3 * 3600).unwrap())
        .naive_local()
}

fn today() -> NaiveDate {
    istanbul_now().date()
}

fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The coming `weekday` (0 = Monday), today included.
fn coming(weekday: u32) -> NaiveDate {
    let today = today();
    today + Duration::days(((7 + weekday - today.weekday().num_days_from_monday()) % 7).into())
}

/// Runs a calendar command directly (no confirmation asked) in `locale`; returns the reply.
async fn run(bantz: &Bantz, command: &str, args: Value, locale: &str) -> Value {
    json_ok(
        bantz
            .post(
                "/api/v1/commands",
                &json!({"command": format!("calendar.{command}"), "args": args, "locale": locale}),
            )
            .await,
    )
    .await
}

/// Sends a chat message, in the conversation `session` when given.
async fn say(bantz: &Bantz, session: Option<&str>, message: &str) -> Value {
    let mut body = json!({ "message": message });
    if let Some(session) = session {
        body["session_id"] = json!(session);
    }
    json_ok(bantz.post("/api/v1/chat", &body).await).await
}

fn text(reply: &Value) -> &str {
    reply["response"].as_str().unwrap()
}

fn session(reply: &Value) -> Option<&str> {
    reply["session_id"].as_str()
}

/// The events of a reply's data as `HH:MM title` (local time) or `all day title`.
fn listed(reply: &Value) -> Vec<String> {
    reply["data"]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {reply}"))
        .iter()
        .map(|e| {
            let title = e["title"].as_str().unwrap();
            if e["all_day"] == true {
                format!("all day {title}")
            } else {
                format!("{} {title}", &e["start"].as_str().unwrap()[11..16])
            }
        })
        .collect()
}

/// What the agenda lists for a day.
async fn agenda_on(bantz: &Bantz, date: &str) -> Vec<String> {
    listed(&run(bantz, "agenda", json!({ "date": date }), "en").await)
}

async fn add(bantz: &Bantz, title: &str, date: NaiveDate, time: &str, minutes: i64) {
    let reply = run(
        bantz,
        "add",
        json!({"title": title, "date": ymd(date), "time": time, "duration": minutes * 60}),
        "tr",
    )
    .await;
    assert_eq!(reply["tools_used"], json!(["calendar.add"]), "{reply}");
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ics")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn import(bantz: &Bantz, ics: &str, locale: &str) -> Value {
    run(bantz, "import", json!({ "ics": ics }), locale).await
}

#[tokio::test]
async fn a_new_event_is_added_only_after_a_yes() {
    let bantz = start().await;
    let tomorrow = ymd(today() + Duration::days(1));

    let asked = say(&bantz, None, "takvime yarın saat 3'te dişçi ekle").await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    assert_eq!(asked["tools_used"], json!([]));
    assert!(
        agenda_on(&bantz, &tomorrow).await.is_empty(),
        "nothing is added before the yes"
    );
    let done = say(&bantz, session(&asked), "evet").await;
    assert_eq!(done["tools_used"], json!(["calendar.add"]), "{done}");
    assert!(
        text(&done).starts_with("Takviminize ekledim: Dişçi, yarın 15:00–16:00."),
        "{done}"
    );
    assert_eq!(agenda_on(&bantz, &tomorrow).await, ["15:00 Dişçi"]);

    // A no, in either language, adds nothing.
    let asked = say(
        &bantz,
        None,
        "add lunch with Sam to my calendar tomorrow at 1pm",
    )
    .await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    let declined = say(&bantz, session(&asked), "no").await;
    assert_eq!(declined["tools_used"], json!([]));
    let asked = say(&bantz, None, "cuma akşam 8'de yemek ekle").await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    let declined = say(&bantz, session(&asked), "hayır").await;
    assert_eq!(declined["tools_used"], json!([]));
    for query in ["lunch", "yemek"] {
        let found = run(&bantz, "find", json!({ "query": query }), "en").await;
        assert!(listed(&found).is_empty(), "{found}");
    }

    // An English yes, and an event that overlaps is pointed out.
    let asked = say(&bantz, None, "schedule a 2 hour workshop tomorrow at 2pm").await;
    let done = say(&bantz, session(&asked), "yes").await;
    assert_eq!(done["tools_used"], json!(["calendar.add"]), "{done}");
    assert!(
        text(&done).starts_with("Added to your calendar: Workshop, tomorrow 14:00–16:00.")
            && text(&done).contains("overlaps with Dişçi (15:00–16:00)"),
        "{done}"
    );
    assert_eq!(
        agenda_on(&bantz, &tomorrow).await,
        ["14:00 Workshop", "15:00 Dişçi"]
    );
}

#[tokio::test]
async fn the_agenda_of_today_tomorrow_a_weekday_and_this_week_in_both_languages() {
    let bantz = start().await;
    let today = today();
    let friday = coming(4);
    let next_monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    add(&bantz, "Öğle yemeği", today, "12:00", 60).await;
    add(&bantz, "Standup", today + Duration::days(1), "09:00", 15).await;
    add(&bantz, "Concert", friday, "18:00", 120).await;
    add(&bantz, "Planlama", next_monday, "10:00", 60).await;

    let reply = say(&bantz, None, "bugün neler var takvimimde?").await;
    assert_eq!(reply["tools_used"], json!(["calendar.agenda"]), "{reply}");
    assert!(
        listed(&reply).contains(&"12:00 Öğle yemeği".to_owned()),
        "{reply}"
    );
    assert!(
        text(&reply).starts_with("Bugün takviminizde")
            && text(&reply).contains("- 12:00–13:00 Öğle yemeği"),
        "{reply}"
    );
    // A follow-up keeps the question and changes the day.
    let reply = say(&bantz, session(&reply), "ya yarın?").await;
    assert_eq!(reply["tools_used"], json!(["calendar.agenda"]), "{reply}");
    assert!(
        listed(&reply).contains(&"09:00 Standup".to_owned()),
        "{reply}"
    );
    assert!(text(&reply).starts_with("Yarın takviminizde"), "{reply}");

    let reply = say(&bantz, None, "yarin programim ne").await;
    assert!(
        listed(&reply).contains(&"09:00 Standup".to_owned()),
        "{reply}"
    );

    let reply = say(&bantz, None, "what's on Friday?").await;
    assert_eq!(reply["data"]["date"], ymd(friday), "{reply}");
    assert!(
        listed(&reply).contains(&"18:00 Concert".to_owned()),
        "{reply}"
    );
    assert!(text(&reply).contains("- 18:00–20:00 Concert"), "{reply}");

    let reply = say(&bantz, None, "what's on my calendar today").await;
    let reply = say(&bantz, session(&reply), "and tomorrow?").await;
    assert!(text(&reply).starts_with("Tomorrow you have"), "{reply}");

    let reply = say(&bantz, None, "haftaya pazartesi programım ne").await;
    assert!(
        listed(&reply).contains(&"10:00 Planlama".to_owned()),
        "{reply}"
    );

    // This week runs Monday to Sunday: next Monday's event is not in it.
    let monday = today - Duration::days(today.weekday().num_days_from_monday().into());
    let this_week = monday..monday + Duration::days(7);
    let added = [
        ("Öğle yemeği", today),
        ("Standup", today + Duration::days(1)),
        ("Concert", friday),
        ("Planlama", next_monday),
    ];
    for (message, head) in [
        ("what do I have this week", "This week ("),
        ("bu hafta neler var", "Bu hafta ("),
    ] {
        let reply = say(&bantz, None, message).await;
        assert_eq!(reply["tools_used"], json!(["calendar.agenda"]), "{reply}");
        assert_eq!(reply["data"]["range"], "week", "{reply}");
        assert_eq!(reply["data"]["date"], ymd(monday), "{reply}");
        let titles: Vec<String> = listed(&reply).iter().map(|e| e[6..].to_owned()).collect();
        for (title, date) in &added {
            let shown = titles.contains(&title.to_string());
            assert_eq!(shown, this_week.contains(date), "{title} in {reply}");
        }
        assert!(text(&reply).starts_with(head), "{reply}");
    }

    // A day with nothing on it says so.
    let empty = run(&bantz, "agenda", json!({"date": "2031-01-01"}), "tr").await;
    assert_eq!(text(&empty), "1 Ocak Çarşamba takviminizde bir şey yok.");
}

#[tokio::test]
async fn events_are_found_moved_and_deleted_by_what_people_call_them() {
    let bantz = start().await;
    let tomorrow = today() + Duration::days(1);
    let later = today() + Duration::days(2);
    add(&bantz, "Dişçi", tomorrow, "15:00", 60).await;
    add(&bantz, "Yoga", later, "19:00", 60).await;

    let found = say(&bantz, None, "dişçi ne zaman").await;
    assert_eq!(found["tools_used"], json!(["calendar.find"]), "{found}");
    assert!(
        text(&found).contains("- 15:00–16:00 Dişçi, yarın"),
        "{found}"
    );
    let found = say(&bantz, None, "when is yoga").await;
    assert_eq!(listed(&found), ["19:00 Yoga"], "{found}");

    // "dişçiyi" names "Dişçi"; the move waits for a yes.
    let friday = coming(4);
    let asked = say(&bantz, None, "dişçiyi cuma saat 4'e taşı").await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    let moved = say(&bantz, session(&asked), "evet").await;
    assert_eq!(moved["tools_used"], json!(["calendar.update"]), "{moved}");
    assert!(text(&moved).starts_with("Güncelledim: Dişçi"), "{moved}");
    assert!(
        agenda_on(&bantz, &ymd(friday))
            .await
            .contains(&"16:00 Dişçi".to_owned())
    );
    if friday != tomorrow {
        assert!(
            !agenda_on(&bantz, &ymd(tomorrow))
                .await
                .contains(&"15:00 Dişçi".to_owned())
        );
    }

    let asked = say(&bantz, None, "move yoga to 8pm").await;
    let moved = say(&bantz, session(&asked), "yes").await;
    assert_eq!(moved["tools_used"], json!(["calendar.update"]), "{moved}");
    assert!(
        agenda_on(&bantz, &ymd(later))
            .await
            .contains(&"20:00 Yoga".to_owned())
    );

    // A no keeps it; a yes deletes it.
    let asked = say(&bantz, None, "cancel my yoga appointment").await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    assert_eq!(
        say(&bantz, session(&asked), "no").await["tools_used"],
        json!([])
    );
    assert!(
        agenda_on(&bantz, &ymd(later))
            .await
            .contains(&"20:00 Yoga".to_owned())
    );
    let asked = say(&bantz, None, "dişçi randevusunu sil").await;
    let deleted = say(&bantz, session(&asked), "evet").await;
    assert_eq!(
        deleted["tools_used"],
        json!(["calendar.delete"]),
        "{deleted}"
    );
    assert!(text(&deleted).starts_with("Sildim: Dişçi"), "{deleted}");
    let found = run(&bantz, "find", json!({"query": "dişçi"}), "tr").await;
    assert!(listed(&found).is_empty(), "{found}");
    assert!(text(&found).contains("bulamadım"), "{found}");

    // Two events with one name: nothing changes until the user says which, by id.
    add(&bantz, "Toplantı", tomorrow, "10:00", 60).await;
    add(&bantz, "Toplantı", later, "10:00", 60).await;
    let unsure = run(&bantz, "delete", json!({"title": "toplantı"}), "tr").await;
    assert_eq!(unsure["data"]["changed"], 0, "{unsure}");
    let matches = unsure["data"]["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2, "{unsure}");
    let id = matches[1]["id"].as_str().unwrap();
    let deleted = run(&bantz, "delete", json!({ "id": id }), "tr").await;
    assert_eq!(deleted["data"]["changed"], 1, "{deleted}");
    assert_eq!(agenda_on(&bantz, &ymd(later)).await, ["20:00 Yoga"]);
    let missing = run(
        &bantz,
        "update",
        json!({"title": "konser", "time": "10:00"}),
        "en",
    )
    .await;
    assert_eq!(missing["data"]["changed"], 0, "{missing}");
}

#[tokio::test]
async fn free_time_is_found_in_working_hours_and_overlaps_are_reported() {
    let bantz = Bantz::start_with(options(
        "[skills.calendar]\nday_start = \"08:00\"\nday_end = \"17:00\"\n",
    ))
    .await;
    let tomorrow = today() + Duration::days(1);
    add(&bantz, "Müşteri görüşmesi", tomorrow, "10:00", 60).await;
    add(&bantz, "Bütçe", tomorrow, "10:30", 90).await;
    add(&bantz, "Kod incelemesi", tomorrow, "13:30", 60).await;
    let slots = |reply: &Value| -> Vec<String> {
        reply["data"]["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{}-{}",
                    s["start"].as_str().unwrap(),
                    s["end"].as_str().unwrap()
                )
            })
            .collect()
    };

    let reply = say(&bantz, None, "yarın ne zaman boşum").await;
    assert_eq!(reply["tools_used"], json!(["calendar.free"]), "{reply}");
    assert_eq!(slots(&reply), ["08:00-10:00", "12:00-13:30", "14:30-17:00"]);
    assert_eq!(
        text(&reply),
        "Yarın boş zamanlarınız: 08:00–10:00, 12:00–13:30, 14:30–17:00."
    );
    let reply = say(&bantz, None, "find me a 2 hour slot tomorrow").await;
    assert_eq!(slots(&reply), ["08:00-10:00", "14:30-17:00"], "{reply}");

    let reply = say(&bantz, None, "do i have any conflicts tomorrow").await;
    assert_eq!(
        reply["tools_used"],
        json!(["calendar.conflicts"]),
        "{reply}"
    );
    let pairs = reply["data"]["conflicts"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{reply}");
    assert_eq!(pairs[0][0]["title"], "Müşteri görüşmesi");
    assert_eq!(pairs[0][1]["title"], "Bütçe");
    assert!(
        text(&reply).contains("Müşteri görüşmesi (10:00–11:00) and Bütçe (10:30–12:00)"),
        "{reply}"
    );
    let reply = say(&bantz, None, "yarın çakışan toplantım var mı").await;
    assert!(
        text(&reply).starts_with("Yarın çakışan etkinlikleriniz var:"),
        "{reply}"
    );
    // Without a day: the coming seven days.
    let week = run(&bantz, "conflicts", json!({}), "en").await;
    assert_eq!(
        week["data"]["conflicts"].as_array().unwrap().len(),
        1,
        "{week}"
    );
    let none = run(
        &bantz,
        "conflicts",
        json!({"date": ymd(today() + Duration::days(3))}),
        "en",
    )
    .await;
    assert!(
        text(&none).ends_with("nothing on your calendar overlaps."),
        "{none}"
    );
}

#[tokio::test]
async fn files_from_google_outlook_and_thunderbird_import_with_their_recurrences() {
    let bantz = start().await;
    let google = import(&bantz, &fixture("google.ics"), "tr").await;
    assert_eq!(google["data"]["imported"], 4, "{google}");
    assert_eq!(google["data"]["recurring"], 2, "{google}");
    assert!(
        text(&google).starts_with("Takviminize 4 etkinlik aldım"),
        "{google}"
    );
    let outlook = import(&bantz, &fixture("outlook.ics"), "en").await;
    assert_eq!(outlook["data"]["imported"], 3, "{outlook}");
    // Outlook's own zone without a known name is read from its VTIMEZONE, and the reply says so.
    let notes = outlook["data"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{outlook}");
    assert!(
        notes[0].as_str().unwrap().contains("Customized Time Zone"),
        "{outlook}"
    );
    let thunderbird = import(&bantz, &fixture("thunderbird.ics"), "en").await;
    assert_eq!(thunderbird["data"]["imported"], 4, "{thunderbird}");

    // Times are shown in Istanbul (UTC+3); each file's zones are followed, daylight saving included.
    let expected: &[(&str, &[&str])] = &[
        // Google: weekly on Monday and Thursday, ten times, one left out, one moved.
        ("2026-11-02", &["10:00 Ekip toplantısı"]),
        ("2026-11-12", &[]),
        (
            "2026-11-19",
            &["14:00 Ekip toplantısı (öğleden sonraya alındı)"],
        ),
        ("2026-12-03", &["10:00 Ekip toplantısı"]),
        ("2026-12-07", &[]),
        // Thunderbird: New York at 10:00, before and after the US clocks change.
        ("2026-10-27", &["17:00 Call with the New York office"]),
        (
            "2026-11-24",
            &[
                "07:00 Sabah koşusu",
                "09:30 Günlük durum toplantısı",
                "12:00 Quarterly review",
                "18:00 Call with the New York office",
            ],
        ),
        // Google's UTC lunch; Outlook's daily stand-up and Thunderbird's daily run.
        (
            "2026-11-25",
            &[
                "07:00 Sabah koşusu",
                "09:30 Günlük durum toplantısı",
                "15:00 Lunch with Sam",
            ],
        ),
        (
            "2026-11-26",
            &[
                "07:00 Sabah koşusu",
                "09:30 Günlük durum toplantısı",
                "10:00 Ekip toplantısı",
                "12:00 Call with the Bangalore team",
                "19:00 Dinner at Ayşe's",
            ],
        ),
        ("2026-11-28", &["07:00 Sabah koşusu"]),
        ("2026-11-30", &["10:00 Ekip toplantısı"]),
        ("2026-12-15", &["18:00 Call with the New York office"]),
        ("2026-12-22", &[]),
        // All-day events: a week-long holiday, a yearly birthday.
        ("2026-12-31", &["all day Kış tatili"]),
        ("2027-01-02", &[]),
        ("2027-12-01", &["all day Ayşe'nin doğum günü"]),
    ];
    for (date, events) in expected {
        assert_eq!(&agenda_on(&bantz, date).await, events, "on {date}");
    }

    // Escaped and folded text reads back whole.
    let found = run(&bantz, "find", json!({"query": "engeller"}), "tr").await;
    let event = &found["data"]["events"][0];
    assert_eq!(
        event["description"],
        "Haftalık ekip toplantısı. Gündem: engeller, demolar; sonra sorular.\nBağlantı: https://meet.google.com/abc-defg-hij"
    );
    assert_eq!(event["location"], "Toplantı odası 3, Levent");

    // The same file again replaces its events instead of doubling them.
    let again = import(&bantz, &fixture("google.ics"), "tr").await;
    assert_eq!(again["data"]["replaced"], 4, "{again}");
    assert_eq!(
        agenda_on(&bantz, "2026-11-02").await,
        ["10:00 Ekip toplantısı"]
    );

    let bad = bantz
        .post(
            "/api/v1/commands",
            &json!({"command": "calendar.import", "args": {"ics": "hello"}}),
        )
        .await;
    bantz_tests::json_error(bad, 422, "SKILL_INVALID_ARGS").await;
}

/// An export without its `DTSTAMP` lines (the time it was written).
fn without_stamps(ics: &str) -> String {
    ics.split("\r\n")
        .filter(|l| !l.starts_with("DTSTAMP:"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[tokio::test]
async fn an_export_imports_into_an_empty_calendar_as_the_same_events() {
    let first = start().await;
    for name in ["google.ics", "outlook.ics", "thunderbird.ics"] {
        import(&first, &fixture(name), "en").await;
    }
    let added = run(
        &first,
        "add",
        json!({
            "title": "Retro; then beers, maybe",
            "date": "2026-11-27",
            "time": "17:30",
            "location": "Kadıköy, İstanbul",
            "description": "Line one\nLine two with a \\ backslash"
        }),
        "en",
    )
    .await;
    assert_eq!(added["tools_used"], json!(["calendar.add"]));
    let exported = run(&first, "export", json!({}), "en").await;
    assert_eq!(exported["data"]["events"], 11, "{exported}");
    let ics = exported["data"]["ics"].as_str().unwrap().to_owned();
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && ics.ends_with("END:VCALENDAR\r\n"),
        "{ics}"
    );
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "a line longer than 75 octets: {line:?}");
    }
    assert!(
        ics.contains("SUMMARY:Retro\\; then beers\\, maybe\r\n"),
        "{ics}"
    );

    let second = start().await;
    let imported = import(&second, &ics, "en").await;
    assert_eq!(
        imported["data"]["imported"], 12,
        "every event and changed occurrence: {imported}"
    );
    assert_eq!(imported["data"]["notes"], json!([]), "{imported}");
    let again = run(&second, "export", json!({}), "en").await;
    assert_eq!(
        without_stamps(again["data"]["ics"].as_str().unwrap()),
        without_stamps(&ics)
    );
    for (date, range) in [
        ("2026-11-23", "week"),
        ("2026-11-19", "day"),
        ("2026-12-31", "day"),
    ] {
        let args = json!({"date": date, "range": range});
        let a = run(&first, "agenda", args.clone(), "en").await;
        let b = run(&second, "agenda", args, "en").await;
        assert_eq!(a["data"], b["data"], "{date}");
    }
}

/// A calendar with one event whose lines are `lines`.
fn one_event(lines: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\
         UID:one@example.com\r\nSUMMARY:Odd one\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Runs a calendar command that must be refused; returns the error's message.
async fn refused(bantz: &Bantz, command: &str, args: Value) -> String {
    let response = bantz.command(&format!("calendar.{command}"), args).await;
    let error = json_error(response, 422, "SKILL_INVALID_ARGS").await;
    error["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn files_of_a_public_icalendar_test_suite_import_or_are_refused_never_crash() {
    let bantz = start().await;

    // Windows tools start a file with a UTF-8 byte-order mark.
    let bom = format!("\u{feff}{}", fixture("outlook.ics"));
    let imported = import(&bantz, &bom, "en").await;
    assert_eq!(imported["data"]["imported"], 3, "{imported}");
    let empty = import(&bantz, "\u{feff}BEGIN:VCALENDAR\nEND:VCALENDAR\n", "en").await;
    assert_eq!(empty["data"]["imported"], 0, "{empty}");

    // The suite's invalid DURATION: 999,999,999,999,999,999 weeks. The only event cannot be
    // kept, so the file is refused, saying why.
    let message = refused(
        &bantz,
        "import",
        json!({"ics": one_event("DTSTART:20240101T000000Z\r\nDURATION:P999999999999999999W\r\n")}),
    )
    .await;
    assert!(
        message.contains("\"Odd one\" was not imported: it lasts longer than ten years"),
        "{message}"
    );
    for (lines, says) in [
        (
            "DTSTART:20240101T000000Z\r\nDURATION:PT15\r\n",
            "DURATION is not a length",
        ),
        (
            "DTSTART;VALUE=DATE:20240101\r\nDURATION:P99999999999999999999D\r\n",
            "longer than ten years",
        ),
        (
            "DTSTART:+2621431231T235959Z\r\n",
            "DTSTART is not a date or time",
        ),
        (
            "DTSTART:00000101T000000\r\n",
            "DTSTART is not a date or time",
        ),
    ] {
        let message = refused(&bantz, "import", json!({"ics": one_event(lines)})).await;
        assert!(message.contains(says), "{lines}: {message}");
    }

    // A broken rule is left out with a note; the event itself is kept.
    let odd_rule = import(
        &bantz,
        &one_event(
            "DTSTART:20240101T090000Z\r\nRRULE:FREQ=WEEKLY;BYSETPOS=-2147483648;BYDAY=€\r\n",
        ),
        "en",
    )
    .await;
    assert_eq!(odd_rule["data"]["imported"], 1, "{odd_rule}");
    assert_eq!(odd_rule["data"]["recurring"], 0, "{odd_rule}");

    // Daily series that began in the year 1: today's agenda lists them all, and does not walk
    // two thousand years of days to get there (thirty such walks took longer than a call's
    // deadline).
    let ancient: String = (0..30)
        .map(|n| {
            format!(
                "BEGIN:VEVENT\r\nUID:ancient-{n}\r\nSUMMARY:Ancient {n:02}\r\n\
                 DTSTART;TZID=Europe/Istanbul:00010101T0900{n:02}\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
            )
        })
        .collect();
    let ancient = import(
        &bantz,
        &format!("BEGIN:VCALENDAR\r\n{ancient}END:VCALENDAR\r\n"),
        "en",
    )
    .await;
    assert_eq!(ancient["data"]["recurring"], 30, "{ancient}");
    let today_listed = agenda_on(&bantz, &ymd(today())).await;
    let daily = today_listed
        .iter()
        .filter(|e| e.contains("Ancient"))
        .count();
    assert_eq!(daily, 30, "{today_listed:?}");

    // Commands refuse what no calendar can hold, in a sentence.
    let tomorrow = ymd(today() + Duration::days(1));
    let message = refused(
        &bantz,
        "add",
        json!({"title": "Forever", "date": tomorrow, "time": "10:00", "duration": i64::MAX}),
    )
    .await;
    assert!(message.contains("longer than ten years"), "{message}");
    let message = refused(&bantz, "agenda", json!({"date": "+262143-12-31"})).await;
    assert!(
        message.contains("is not a date like 2026-11-23"),
        "{message}"
    );
    // A gap longer than a day is never found, but asking is no crash.
    let free = run(
        &bantz,
        "free",
        json!({"date": tomorrow, "duration": i64::MAX}),
        "en",
    )
    .await;
    assert_eq!(free["data"]["slots"], json!([]), "{free}");

    // Nothing trapped: the skill is active, and its last error is a refusal.
    let status = bantz.skill_status("calendar").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(
        status["last_error"]["code"], "SKILL_INVALID_ARGS",
        "{status}"
    );
    let export = run(&bantz, "export", json!({}), "en").await;
    assert_eq!(export["data"]["events"], 34, "{export}");
}

#[tokio::test]
async fn events_survive_a_restart() {
    let bantz = start().await;
    let tomorrow = today() + Duration::days(1);
    add(&bantz, "Kuaför", tomorrow, "11:00", 45).await;
    let bantz = bantz.restart(options("")).await;
    assert_eq!(agenda_on(&bantz, &ymd(tomorrow)).await, ["11:00 Kuaför"]);
    let reply = say(&bantz, None, "yarın programım ne").await;
    assert!(text(&reply).contains("- 11:00–11:45 Kuaför"), "{reply}");
}

#[tokio::test]
async fn a_reminder_arrives_once_before_an_event_restarts_included() {
    let bantz = start().await;
    // Ten minutes from now (to the minute), within the default 15 minutes of warning.
    let at = istanbul_now() + Duration::minutes(10);
    let time = format!("{:02}:{:02}", at.hour(), at.minute());
    let added = run(
        &bantz,
        "add",
        json!({"title": "Standup call", "date": ymd(at.date()), "time": time, "location": "Room 2"}),
        "en",
    )
    .await;
    assert_eq!(added["tools_used"], json!(["calendar.add"]));

    // The skill ticks every minute: the first tick after the add sends the reminder.
    let types = "skill.calendar.event-reminder";
    let limit = POLL_LIMIT + std::time::Duration::from_secs(60);
    let sent = bantz.wait_for_notifications(types, 1, limit).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["title"], "Standup call");
    let body = sent[0]["body"].as_str().unwrap();
    assert!(
        body.starts_with(&format!("Starts at {time} (in ")) && body.ends_with("Where: Room 2."),
        "{body}"
    );

    // After a restart the event is still ahead and in the window, and is not announced again.
    let bantz = bantz.restart(options("")).await;
    let started = std::time::Instant::now();
    while bantz.skill_status("calendar").await["ticks"]
        .as_u64()
        .unwrap()
        < 1
    {
        assert!(started.elapsed() < limit, "the calendar did not tick");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(bantz.notifications(types).await.len(), 1);
}
