//! The assistant speaks the user's language everywhere: the question before a command that
//! changes something is one sentence in the user's language, phrased by the skill (its
//! `describe` export, WIT 0.1.1), with no JSON and no English description; the help reply lists
//! what the skills can do in the user's language, with examples in that language only and no
//! command ids. A skill built for WIT 0.1.0, without `describe`, still loads, runs and gets the
//! host's own question.

use std::path::PathBuf;

use bantz_tests::{Bantz, Options, Value, json, skill, test_skill};
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Utc};

/// A component built before `describe` existed, kept as it was built.
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The question a message asks, checked to be the whole response and a single line.
fn question(asked: &Value) -> &str {
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    assert_eq!(asked["tools_used"], json!([]), "{asked}");
    let prompt = asked["confirmation_prompt"].as_str().unwrap();
    assert_eq!(asked["response"], prompt);
    assert!(
        !prompt.contains(['{', '}', '\n']),
        "no JSON, one line: {prompt}"
    );
    prompt
}

/// The host's default zone, Europe/Istanbul, is UTC+3 all year.
fn tomorrow() -> NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(3 * 3600).unwrap())
        .date_naive()
        + Duration::days(1)
}

#[tokio::test]
async fn a_turkish_calendar_add_is_confirmed_in_one_turkish_sentence() {
    let bantz = Bantz::start_with(Options::first_party()).await;
    let asked = bantz.chat("yarın 15:00'te dişçi randevusu ekle").await;
    assert_eq!(
        question(&asked),
        "Yarın 15:00'te \"Dişçi randevusu\" etkinliğini takvime ekleyeyim mi?"
    );
    assert_eq!(asked["locale"], "tr");
    let session = asked["session_id"].as_str().unwrap();
    let done = bantz.say(session, "evet").await;
    assert_eq!(done["tools_used"], json!(["calendar.add"]), "{done}");

    // A move and a delete name the event as the calendar has it, with the day and time.
    let asked = bantz.chat("dişçi randevusunu yarın saat 4'e taşı").await;
    assert_eq!(
        question(&asked),
        "\"Dişçi randevusu\" etkinliğini yarın 16:00'ya taşıyayım mı?"
    );
    let asked = bantz.chat("dişçi randevusunu sil").await;
    assert_eq!(
        question(&asked),
        "\"Dişçi randevusu\" etkinliğini takvimden sileyim mi?"
    );
}

#[tokio::test]
async fn an_english_calendar_add_is_confirmed_in_one_english_sentence() {
    let bantz = Bantz::start_with(Options::first_party()).await;
    let asked = bantz
        .chat("add dentist appointment to my calendar tomorrow at 3pm")
        .await;
    assert_eq!(
        question(&asked),
        "Shall I add \"Dentist appointment\" to your calendar tomorrow at 15:00?"
    );
    let session = asked["session_id"].as_str().unwrap();
    let done = bantz.say(session, "yes").await;
    assert_eq!(done["tools_used"], json!(["calendar.add"]), "{done}");

    let asked = bantz.chat("cancel my dentist appointment").await;
    assert_eq!(
        question(&asked),
        "Shall I delete \"Dentist appointment\" from your calendar?"
    );
    let asked = bantz.chat("cancel the reminder to call mom").await;
    assert_eq!(
        question(&asked),
        "Shall I cancel the reminder \"call mom\"?"
    );
}

/// The examples a help reply shows, between double quotes.
fn examples(help: &str) -> Vec<&str> {
    help.split('"').skip(1).step_by(2).collect()
}

#[tokio::test]
async fn help_speaks_the_users_language_only() {
    let bantz = Bantz::start_with(Options::first_party()).await;
    let ids = [
        "clock.now",
        "weather.forecast",
        "calendar.add",
        "reminders.cancel",
        "bantz.briefing",
    ];

    let help = bantz.chat("bana bir şarkı çalar mısın").await;
    let help = help["response"].as_str().unwrap();
    assert!(
        help.starts_with("Bunu anlayamadım. Şunları yapabilirim:\n"),
        "{help}"
    );
    for line in [
        "- Saati söyler, örneğin \"saat kaç?\"",
        "- Takviminize etkinlik ekler, örneğin \"takvime yarın saat 3'te dişçi ekle\"",
        "- Bir hatırlatıcıyı iptal eder, örneğin \"çay hatırlatıcısını iptal et\"",
        "- Hava, takvim ve hatırlatıcılarla günün özetini verir, örneğin \"günaydın\"",
    ] {
        assert!(
            help.lines().any(|l| l == line),
            "missing {line:?} in:\n{help}"
        );
    }
    for english in [
        "what time is it?",
        "will it rain tomorrow?",
        "Tells the time",
        "The current time",
        "Add an event",
        "e.g.",
    ] {
        assert!(!help.contains(english), "{english:?} in:\n{help}");
    }
    for id in ids {
        assert!(!help.contains(id), "{id} in:\n{help}");
    }
    let shown = examples(help);
    assert!(shown.len() >= 10, "{help}");
    for example in shown {
        assert!(
            example.contains(['ç', 'ğ', 'ı', 'ö', 'ş', 'ü', 'İ'])
                || ["günaydın", "brifing"].iter().any(|w| example.contains(w)),
            "{example:?} does not look Turkish, in:\n{help}"
        );
    }

    let help = bantz.chat("play some jazz music").await;
    let help = help["response"].as_str().unwrap();
    assert!(
        help.starts_with("I didn't understand that. Here is what I can do:\n"),
        "{help}"
    );
    for line in [
        "- Tells the time, e.g. \"what time is it?\"",
        "- Adds an event to your calendar, e.g. \"add lunch with Sam to my calendar tomorrow at 1pm\"",
        "- Gives you the day's briefing of weather, calendar and reminders, e.g. \"brief me\"",
    ] {
        assert!(
            help.lines().any(|l| l == line),
            "missing {line:?} in:\n{help}"
        );
    }
    for turkish in ["saat kaç", "Saati söyler", "örneğin", "dişçi"] {
        assert!(!help.contains(turkish), "{turkish:?} in:\n{help}");
    }
    for id in ids {
        assert!(!help.contains(id), "{id} in:\n{help}");
    }
    for example in examples(help) {
        assert!(
            !example.contains(['ç', 'ğ', 'ı', 'ö', 'ş', 'ü', 'İ']),
            "{example:?} is not English, in:\n{help}"
        );
    }
}

#[tokio::test]
async fn a_skill_built_without_describe_loads_and_gets_the_hosts_question() {
    let bantz = Bantz::start_with(Options {
        skills: vec![fixture("errands-0.1.0.wasm"), fixture("ticker-0.1.0.wasm")],
        ..Default::default()
    })
    .await;
    for name in ["errands", "ticker"] {
        assert_eq!(bantz.skill_status(name).await["status"], "active");
    }

    let date = tomorrow();
    const MONTHS: [&str; 12] = [
        "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim",
        "Kasım", "Aralık",
    ];
    const DAYS: [&str; 7] = [
        "Pazartesi",
        "Salı",
        "Çarşamba",
        "Perşembe",
        "Cuma",
        "Cumartesi",
        "Pazar",
    ];
    let asked = bantz.chat("takvime yarın 15:00'te dişçi ekle").await;
    assert_eq!(
        question(&asked),
        format!(
            "Şunu yapayım mı: Add an event to the calendar (başlık: dişçi, tarih: {} {} {} {}, saat: 15:00)?",
            date.day(),
            MONTHS[date.month0() as usize],
            date.year(),
            DAYS[date.weekday().num_days_from_monday() as usize],
        )
    );
    let session = asked["session_id"].as_str().unwrap();
    let done = bantz.say(session, "evet").await;
    assert_eq!(done["tools_used"], json!(["errands.add-event"]), "{done}");

    // Built against host@0.1.0: its kv imports still link, and it runs after a yes.
    let asked = bantz.chat("reset the ticks").await;
    assert_eq!(question(&asked), "Shall I do this: Reset the tick counter?");
    let session = asked["session_id"].as_str().unwrap();
    let done = bantz.say(session, "yes").await;
    assert!(
        done["response"].as_str().unwrap().starts_with("Reset;"),
        "{done}"
    );
}

#[tokio::test]
async fn a_skill_built_with_the_sdk_but_no_describe_gets_the_hosts_question_too() {
    // The SDK's default `describe` answers none.
    let bantz = Bantz::start_with(Options {
        skills: vec![test_skill("ticker")],
        ..Default::default()
    })
    .await;
    let asked = bantz.chat("sayacı sıfırla").await;
    assert_eq!(question(&asked), "Şunu yapayım mı: Reset the tick counter?");
}

#[tokio::test]
async fn a_describe_that_never_returns_costs_one_deadline_and_then_the_hosts_words() {
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("hostile-describe")],
        config: Some("[skills.hostile-describe]\ntimeout_ms = 300\n".into()),
        ..Default::default()
    })
    .await;
    // It loaded: its summaries, asked within one deadline, are the manifest's.
    assert_eq!(
        bantz.skill_status("hostile-describe").await["status"],
        "active"
    );
    let help = bantz.chat("play some jazz music").await;
    let help = help["response"].as_str().unwrap();
    assert!(
        help.lines()
            .any(|l| l == "- Wipe the slate, e.g. \"wipe the slate\""),
        "{help}"
    );
    assert!(
        help.lines()
            .any(|l| l == "- Tells the time, e.g. \"what time is it?\""),
        "{help}"
    );

    // The question waits for the deadline, then the host asks instead.
    let asked = bantz.chat("wipe the slate").await;
    assert_eq!(question(&asked), "Shall I do this: Wipe the slate?");
    let waited = asked["latency_ms"].as_u64().unwrap();
    assert!((300..5000).contains(&waited), "{asked}");
    let session = asked["session_id"].as_str().unwrap();
    assert_eq!(bantz.say(session, "yes").await["response"], "Wiped.");

    // A describe that ran out of time is not a failed call: nothing counts against the skill.
    let status = bantz.skill_status("hostile-describe").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["invocations"], 1, "{status}");
    assert_eq!(
        bantz.chat("what time is it").await["tools_used"],
        json!(["clock.now"])
    );
}

#[tokio::test]
async fn the_question_between_two_commands_names_them_in_the_users_language() {
    // The calendar and the old errands skill both take "takvime … ekle" equally well (in English
    // their templates differ, and the classifier settles it).
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("calendar"), fixture("errands-0.1.0.wasm")],
        ..Default::default()
    })
    .await;
    let asked = bantz.chat("takvime yarın 15:00'te dişçi ekle").await;
    assert_eq!(asked["tools_used"], json!([]), "{asked}");
    // The errands skill has no `describe`: its line is its manifest's description.
    assert_eq!(
        asked["response"],
        "Hangisini kastettiniz?\n- Takviminize etkinlik ekler\n- Add an event to the calendar"
    );
}
