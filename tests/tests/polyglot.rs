//! Skills written in Python and JavaScript, as a user meets them through chat: the lists skill
//! (Python, componentize-py) and the timers skill (JavaScript, componentize-js), in Turkish and
//! English; a timer that ends is one notification, also across a restart; and README's "Write a
//! skill in Python" and "Write a skill in JavaScript" are the notes and greeter test skills,
//! which answer as README says.
//!
//! An interpreter makes a component of 13 to 19 MB, which a debug host compiles in about a
//! minute the first time; the harness's compile cache (target/test-compile-cache) makes every
//! later start take seconds. So the tests are few and each does a whole story.

use std::path::Path;

use bantz_tests::{Bantz, Options, POLL_LIMIT, Value, json, json_ok, skill, test_skill};

/// Sends a chat message, in the conversation `session` when given.
async fn say(bantz: &Bantz, session: Option<&str>, message: &str) -> Value {
    let mut body = json!({ "message": message });
    if let Some(session) = session {
        body["session_id"] = json!(session);
    }
    json_ok(bantz.post("/api/v1/chat", &body).await).await
}

/// The reply's text.
fn text(reply: &Value) -> &str {
    reply["response"].as_str().unwrap_or_default()
}

/// Chats `message` and asserts that `command` answered it with `expected`.
async fn answers(bantz: &Bantz, message: &str, command: &str, expected: &str) -> Value {
    let reply = say(bantz, None, message).await;
    assert_eq!(reply["tools_used"], json!([command]), "{message}: {reply}");
    assert_eq!(text(&reply), expected, "{message}: {reply}");
    reply
}

#[tokio::test]
async fn lists_add_show_remove_and_clear_after_a_yes_in_both_languages() {
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), skill("lists")],
        ..Default::default()
    })
    .await;

    let added = answers(
        &bantz,
        "alışveriş listesine süt ve ekmek ekle",
        "lists.add",
        "Alışveriş listesine ekledim: süt, ekmek.",
    )
    .await;
    assert_eq!(added["locale"], "tr");
    assert_eq!(added["data"]["items"], json!(["süt", "ekmek"]));
    answers(
        &bantz,
        "add eggs to my shopping list",
        "lists.add",
        "Added eggs to your shopping list.",
    )
    .await;
    answers(
        &bantz,
        "add milk to my shopping list",
        "lists.add",
        "Added milk to your shopping list.",
    )
    .await;
    answers(
        &bantz,
        "alışveriş listemi göster",
        "lists.show",
        "Alışveriş listesinde 4 şey var:\n- süt\n- ekmek\n- eggs\n- milk",
    )
    .await;
    // "sütü" is "süt" with its case ending.
    answers(
        &bantz,
        "sütü alışveriş listesinden çıkar",
        "lists.remove",
        "Alışveriş listesinden çıkardım: süt.",
    )
    .await;
    answers(
        &bantz,
        "remove milk from my shopping list",
        "lists.remove",
        "Removed milk from your shopping list.",
    )
    .await;
    answers(
        &bantz,
        "what's on my shopping list",
        "lists.show",
        "Your shopping list has 2 items:\n- ekmek\n- eggs",
    )
    .await;

    // The to-do list is another list.
    answers(
        &bantz,
        "add call the bank to my to-do list",
        "lists.add",
        "Added call the bank to your to-do list.",
    )
    .await;
    answers(
        &bantz,
        "yapılacaklar listemi göster",
        "lists.show",
        "Yapılacaklar listesinde 1 şey var:\n- call the bank",
    )
    .await;

    // Clearing asks first, in the user's language, naming what would go; a no keeps the list.
    let asked = say(&bantz, None, "clear my shopping list").await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    assert_eq!(asked["tools_used"], json!([]), "{asked}");
    assert_eq!(
        asked["confirmation_prompt"],
        "Shall I clear your shopping list? The 2 items on it will be removed.",
        "{asked}"
    );
    let declined = say(&bantz, asked["session_id"].as_str(), "no").await;
    assert_eq!(declined["tools_used"], json!([]), "{declined}");
    let asked = say(&bantz, None, "alışveriş listesini temizle").await;
    assert_eq!(
        asked["confirmation_prompt"], "Alışveriş listesi temizlensin mi? İçindeki 2 şey silinecek.",
        "{asked}"
    );
    let done = say(&bantz, asked["session_id"].as_str(), "evet").await;
    assert_eq!(done["tools_used"], json!(["lists.clear"]), "{done}");
    assert_eq!(
        text(&done),
        "Alışveriş listesi temizlendi (2 şey silindi).",
        "{done}"
    );
    answers(
        &bantz,
        "alışveriş listemi göster",
        "lists.show",
        "Alışveriş listesi boş.",
    )
    .await;
    answers(
        &bantz,
        "what's on my to-do list",
        "lists.show",
        "Your to-do list has 1 item:\n- call the bank",
    )
    .await;
}

/// Seconds left, from a `timers.left` reply's data.
fn seconds_left(reply: &Value) -> i64 {
    reply["data"]["seconds_left"]
        .as_i64()
        .unwrap_or_else(|| panic!("no seconds_left: {reply}"))
}

fn with_timers() -> Options {
    Options {
        skills: vec![skill("clock"), skill("timers")],
        ..Default::default()
    }
}

/// One story, so the 13 MB component is compiled once: start, list, time left and cancel in
/// both languages; then a timer that ends is one notification, also when Bantz restarts
/// before it ends.
#[tokio::test]
async fn timers_start_list_say_the_time_left_cancel_and_ring_once_across_a_restart() {
    let bantz = Bantz::start_with(with_timers()).await;

    let started = answers(
        &bantz,
        "10 dakikalık zamanlayıcı kur",
        "timers.start",
        "Tamam, 10 dakikalık zamanlayıcı kuruldu.",
    )
    .await;
    assert_eq!(started["data"]["seconds"], 600, "{started}");
    answers(
        &bantz,
        "set a pasta timer for 5 and a half minutes",
        "timers.start",
        "OK, the pasta timer is set for 5 minutes 30 seconds.",
    )
    .await;

    let list = say(&bantz, None, "list my timers").await;
    assert_eq!(list["tools_used"], json!(["timers.list"]), "{list}");
    let lines: Vec<&str> = text(&list).lines().collect();
    assert_eq!(lines[0], "Your timers:", "{list}");
    assert!(lines[1].starts_with("- pasta: 5 minutes "), "{list}");
    assert!(lines[2].starts_with("- 10 minute: "), "{list}");
    let list = say(&bantz, None, "zamanlayıcılarım").await;
    assert_eq!(list["tools_used"], json!(["timers.list"]), "{list}");
    assert!(
        text(&list).starts_with("Çalışan zamanlayıcılar:\n- pasta: 5 dakika ")
            && text(&list).contains("\n- 10 dakikalık: "),
        "{list}"
    );

    let left = say(&bantz, None, "how much time is left on the pasta timer").await;
    assert_eq!(left["tools_used"], json!(["timers.left"]), "{left}");
    assert!((300..=330).contains(&seconds_left(&left)), "{left}");
    assert!(
        text(&left).starts_with("5 minutes ") && text(&left).ends_with(" left on the pasta timer."),
        "{left}"
    );
    // Two are running, so a question that names none is asked back.
    let which = say(&bantz, None, "zamanlayıcıda ne kadar kaldı").await;
    assert_eq!(which["tools_used"], json!(["timers.left"]), "{which}");
    assert!(text(&which).ends_with("hangisi?"), "{which}");

    answers(
        &bantz,
        "cancel the pasta timer",
        "timers.cancel",
        "Cancelled the pasta timer.",
    )
    .await;
    let left = say(&bantz, None, "zamanlayıcıda ne kadar kaldı").await;
    assert_eq!(left["tools_used"], json!(["timers.left"]), "{left}");
    assert!((570..=600).contains(&seconds_left(&left)), "{left}");
    assert!(
        text(&left).starts_with("Zamanlayıcıda ") && text(&left).ends_with(" kaldı."),
        "{left}"
    );
    answers(
        &bantz,
        "zamanlayıcıyı iptal et",
        "timers.cancel",
        "10 dakikalık zamanlayıcıyı iptal ettim.",
    )
    .await;
    answers(
        &bantz,
        "list my timers",
        "timers.list",
        "You have no timers running.",
    )
    .await;

    // A timer that ends is one notification.
    answers(
        &bantz,
        "set a timer for 2 seconds called tea",
        "timers.start",
        "OK, the tea timer is set for 2 seconds.",
    )
    .await;
    let fired = bantz
        .wait_for_notifications("skill.timers", 1, POLL_LIMIT)
        .await;
    assert_eq!(fired[0]["type"], "skill.timers.timer", "{fired:?}");
    assert_eq!(fired[0]["title"], "Timer");
    assert_eq!(fired[0]["body"], "Time's up: tea (2 seconds).");

    // One more, and Bantz stops before (or just as) it ends: the next start sends it, once.
    answers(
        &bantz,
        "3 saniyelik zamanlayıcı kur",
        "timers.start",
        "Tamam, 3 saniyelik zamanlayıcı kuruldu.",
    )
    .await;
    let bantz = bantz.restart(with_timers()).await;
    let fired = bantz
        .wait_for_notifications("skill.timers", 2, POLL_LIMIT)
        .await;
    assert_eq!(fired[0]["title"], "Zamanlayıcı", "{fired:?}");
    assert_eq!(fired[0]["body"], "Süre doldu: 3 saniyelik (3 saniye).");

    // Three more ticks send nothing again.
    let ticks = bantz.skill_status("timers").await["ticks"]
        .as_u64()
        .unwrap();
    bantz
        .wait_for_skills("three more ticks of the timers", |list| {
            list.iter()
                .any(|s| s["name"] == "timers" && s["ticks"].as_u64().unwrap() >= ticks + 3)
        })
        .await;
    let all = bantz.notifications("skill.timers").await;
    assert_eq!(all.len(), 2, "each timer exactly once: {all:?}");
    answers(
        &bantz,
        "list my timers",
        "timers.list",
        "You have no timers running.",
    )
    .await;
}

/// The code block of `lang` in README's section `title`.
fn readme_code(title: &str, lang: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme
        .find(&format!("## {title}\n"))
        .unwrap_or_else(|| panic!("README has no section {title:?}"))..];
    let fence = format!("```{lang}\n");
    let start = section.find(&fence).unwrap() + fence.len();
    section[start..start + section[start..].find("```").unwrap()].to_owned()
}

#[tokio::test]
async fn the_readme_python_and_javascript_skills_build_and_answer_as_it_says() {
    // README's code is exactly what `cargo xtask skills` builds into these two test skills.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (title, lang, file) in [
        (
            "Write a skill in Python",
            "python",
            "skills/testing/notes/skill.py",
        ),
        (
            "Write a skill in JavaScript",
            "js",
            "skills/testing/greeter/skill.js",
        ),
    ] {
        let code = readme_code(title, lang);
        assert!(
            code.lines().count() <= 25,
            "README promises a skill in about 20 lines:\n{code}"
        );
        let built_from = std::fs::read_to_string(root.join(file)).unwrap();
        assert_eq!(code, built_from, "README's {lang} skill and {file} differ");
    }

    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("notes"), test_skill("greeter")],
        ..Default::default()
    })
    .await;
    answers(&bantz, "read my notes", "notes.read", "No notes.").await;
    answers(&bantz, "note buy stamps", "notes.add", "buy stamps").await;
    answers(&bantz, "not al ekmek", "notes.add", "buy stamps; ekmek").await;
    answers(&bantz, "notlarımı oku", "notes.read", "buy stamps; ekmek").await;
    answers(
        &bantz,
        "say hello to Ada",
        "greeter.hello",
        "Hello Ada! (hello #1)",
    )
    .await;
    answers(
        &bantz,
        "Ada için merhaba de",
        "greeter.hello",
        "Merhaba Ada! (2. selam)",
    )
    .await;
}
