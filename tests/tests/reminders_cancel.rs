//! Cancelling reminders the way people say it, through the binary: by what they are about, by
//! day, all of them, or "the reminder" alone, which cancels the one pending or, when there are
//! several, cancels none and asks which. Every cancel asks first, in the user's language.

use bantz_tests::{Bantz, Options, Value, json};
use chrono::{Duration, FixedOffset, NaiveDate, Utc};

fn response(answer: &Value) -> &str {
    answer["response"].as_str().unwrap()
}

/// Sets a reminder by chat; asserts it was set.
async fn set(bantz: &Bantz, message: &str) {
    let answer = bantz.chat(message).await;
    assert_eq!(
        answer["tools_used"],
        json!(["reminders.add"]),
        "{message}: {answer}"
    );
}

/// Asks to cancel: asserts nothing ran and the question is `question`, then says `yes` and
/// returns the reply.
async fn cancel(bantz: &Bantz, message: &str, question: &str, yes: &str) -> Value {
    let asked = bantz.chat(message).await;
    assert_eq!(asked["requires_confirmation"], true, "{message}: {asked}");
    assert_eq!(asked["tools_used"], json!([]), "{message}: {asked}");
    assert_eq!(asked["confirmation_prompt"], question, "{message}: {asked}");
    let done = bantz.say(asked["session_id"].as_str().unwrap(), yes).await;
    assert_eq!(
        done["tools_used"],
        json!(["reminders.cancel"]),
        "{message}: {done}"
    );
    done
}

/// What the reminders list shows: the text of each, soonest first.
async fn listed(bantz: &Bantz, message: &str) -> Vec<String> {
    let answer = bantz.chat(message).await;
    assert_eq!(answer["tools_used"], json!(["reminders.list"]), "{answer}");
    response(&answer)
        .lines()
        .skip(1)
        .map(|line| {
            let line = line.strip_prefix("- ").unwrap();
            line[..line.rfind(" (").unwrap()].to_owned()
        })
        .collect()
}

/// Tomorrow in Istanbul, the host's default zone.
fn tomorrow() -> NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(3 * 3600).unwrap())
        .date_naive()
        + Duration::days(1)
}

#[tokio::test]
async fn the_ways_people_say_cancel_reach_the_right_reminders() {
    let bantz = Bantz::start_with(Options::first_party()).await;
    let tomorrow = tomorrow().format("%Y-%m-%d").to_string();
    for (message, slots) in [
        ("clear all my reminders", json!({"what": "all"})),
        ("remove all my reminders", json!({"what": "all"})),
        ("tüm hatırlatıcılarımı sil", json!({"what": "tüm"})),
        ("bütün hatırlatmaları iptal et", json!({"what": "bütün"})),
        ("hatırlatıcılarımın hepsini sil", json!({"what": "hepsini"})),
        ("clear my reminders for tomorrow", json!({"date": tomorrow})),
        ("yarınki hatırlatmaları temizle", json!({"date": tomorrow})),
        ("drop my reminder for tomorrow", json!({"date": tomorrow})),
        (
            "delete tomorrow's reminder about the charger",
            json!({"date": tomorrow, "what": "the charger"}),
        ),
        ("saat 3'teki hatırlatmayı sil", json!({"time": "15:00"})),
        ("saat 3teki hatırlatmayı sil", json!({"time": "15:00"})),
        ("delete my 8pm reminder", json!({"time": "20:00"})),
        ("hatirlatmayi iptal et", json!({})),
        ("cancel the reminder", json!({})),
        ("o hatırlatıcıyı sil", json!({})),
        (
            "cancel the all hands meeting reminder",
            json!({"what": "all hands meeting"}),
        ),
    ] {
        let parsed = bantz.parse(message).await;
        assert_eq!(parsed["command"], "reminders.cancel", "{message}: {parsed}");
        assert_eq!(parsed["slots"], slots, "{message}: {parsed}");
        assert_eq!(parsed["requires_confirmation"], true, "{message}: {parsed}");
    }
}

#[tokio::test]
async fn cancelling_reminders_in_english() {
    let bantz = Bantz::start_with(Options::first_party()).await;
    set(&bantz, "remind me to call mom tomorrow at 5pm").await;
    set(&bantz, "remind me to buy bread tomorrow at 9am").await;
    set(&bantz, "remind me in 3 days to pay the rent").await;

    // Which one is not said and three are pending: none is cancelled; the reply asks which.
    let asked = cancel(
        &bantz,
        "cancel the reminder",
        "Shall I cancel your reminder?",
        "yes",
    )
    .await;
    let lines: Vec<&str> = response(&asked).lines().collect();
    assert_eq!(
        lines[0], "You have 3 reminders; which one shall I cancel?",
        "{asked}"
    );
    assert_eq!(lines[1], "- buy bread (tomorrow at 09:00)", "{asked}");
    assert_eq!(lines[2], "- call mom (tomorrow at 17:00)", "{asked}");
    assert!(lines[3].starts_with("- pay the rent (on "), "{asked}");
    assert_eq!(lines.len(), 4, "{asked}");
    assert_eq!(asked["data"]["cancelled"], 0, "{asked}");
    let all = ["buy bread", "call mom", "pay the rent"];
    assert_eq!(listed(&bantz, "list my reminders").await, all);

    let done = cancel(
        &bantz,
        "cancel the reminder to pay the rent",
        "Shall I cancel the reminder \"pay the rent\"?",
        "yes",
    )
    .await;
    assert_eq!(response(&done), "Cancelled the reminder \"pay the rent\".");
    assert_eq!(
        listed(&bantz, "list my reminders").await,
        ["buy bread", "call mom"]
    );

    set(&bantz, "remind me in 4 days to water the plants").await;
    let done = cancel(
        &bantz,
        "drop my reminders for tomorrow",
        "Shall I cancel your reminders for tomorrow?",
        "yes",
    )
    .await;
    assert_eq!(response(&done), "Cancelled 2 reminders.");
    assert_eq!(
        listed(&bantz, "list my reminders").await,
        ["water the plants"]
    );

    set(&bantz, "remind me in 5 days to renew the passport").await;
    let done = cancel(
        &bantz,
        "clear all my reminders",
        "Shall I cancel all your reminders?",
        "yes",
    )
    .await;
    assert_eq!(response(&done), "Cancelled all 2 of your reminders.");
    assert_eq!(
        response(&bantz.chat("list my reminders").await),
        "You have no reminders coming up."
    );

    // With one pending, "the reminder" is that one; with none, the reply says so.
    set(&bantz, "remind me in 2 days to call the bank").await;
    let done = cancel(
        &bantz,
        "delete the reminder",
        "Shall I cancel your reminder?",
        "yes",
    )
    .await;
    assert_eq!(response(&done), "Cancelled the reminder \"call the bank\".");
    let done = cancel(
        &bantz,
        "delete the reminder",
        "Shall I cancel your reminder?",
        "yes",
    )
    .await;
    assert_eq!(response(&done), "You have no reminders to cancel.");
}

#[tokio::test]
async fn cancelling_reminders_in_turkish() {
    let bantz = Bantz::start_with(Options::first_party()).await;
    set(&bantz, "yarın saat 5'te annemi aramayı hatırlat").await;
    set(&bantz, "yarın sabah 9'da ekmek almayı hatırlat").await;
    set(&bantz, "3 gün sonra kirayı ödemeyi hatırlat").await;

    let asked = cancel(
        &bantz,
        "hatirlatmayi iptal et",
        "Hatırlatıcınızı iptal edeyim mi?",
        "evet",
    )
    .await;
    let lines: Vec<&str> = response(&asked).lines().collect();
    assert_eq!(
        lines[0], "3 hatırlatıcınız var; hangisini iptal edeyim?",
        "{asked}"
    );
    assert_eq!(lines[1], "- ekmek almayı (yarın 09:00'de)", "{asked}");
    assert_eq!(lines[2], "- annemi aramayı (yarın 17:00'de)", "{asked}");
    assert!(lines[3].starts_with("- kirayı ödemeyi ("), "{asked}");
    assert_eq!(lines.len(), 4, "{asked}");
    let all = ["ekmek almayı", "annemi aramayı", "kirayı ödemeyi"];
    assert_eq!(listed(&bantz, "hatırlatıcılarım neler").await, all);

    let done = cancel(
        &bantz,
        "kira hatırlatıcısını sil",
        "\"kira\" hatırlatıcısını iptal edeyim mi?",
        "evet",
    )
    .await;
    assert_eq!(
        response(&done),
        "\"kirayı ödemeyi\" hatırlatıcısını iptal ettim."
    );
    assert_eq!(
        listed(&bantz, "hatırlatıcılarım neler").await,
        ["ekmek almayı", "annemi aramayı"]
    );

    set(&bantz, "4 gün sonra çiçekleri sulamayı hatırlat").await;
    let done = cancel(
        &bantz,
        "yarınki hatırlatmaları temizle",
        "Yarınki hatırlatıcılarınızı iptal edeyim mi?",
        "evet",
    )
    .await;
    assert_eq!(response(&done), "2 hatırlatıcıyı iptal ettim.");
    assert_eq!(
        listed(&bantz, "hatırlatıcılarım neler").await,
        ["çiçekleri sulamayı"]
    );

    set(&bantz, "5 gün sonra pasaportu yenilemeyi hatırlat").await;
    let done = cancel(
        &bantz,
        "tüm hatırlatıcılarımı sil",
        "Tüm hatırlatıcılarınızı iptal edeyim mi?",
        "evet",
    )
    .await;
    assert_eq!(response(&done), "2 hatırlatıcınızın hepsini iptal ettim.");
    assert_eq!(
        response(&bantz.chat("hatırlatıcılarım neler").await),
        "Bekleyen hatırlatıcınız yok."
    );

    let done = cancel(
        &bantz,
        "o hatırlatıcıyı sil",
        "Hatırlatıcınızı iptal edeyim mi?",
        "evet",
    )
    .await;
    assert_eq!(response(&done), "İptal edilecek bir hatırlatıcınız yok.");
}
