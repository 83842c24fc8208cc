//! Telegram and WhatsApp as their users meet them, against one local stand-in for both the
//! Telegram Bot API and the WhatsApp Graph API that speaks their documented JSON: linking a chat
//! with the pairing code, a whole conversation with a follow-up and a yes pressed on a button, a
//! notification passed on in quiet hours, a stranger who gets one sentence, WhatsApp's
//! verification handshake and signatures, redeliveries dropped, and a `kill -9` in the middle of
//! a burst after which every message is answered exactly once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bantz_tests::{Bantz, Options, POLL_LIMIT, Value, json, json_error, json_ok, poll, skill};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

const BOT_TOKEN: &str = "123456:TEST-bot-token_abc";
const BOT_ID: i64 = 123456;
const AYSE: i64 = 5550001;
const STRANGER: i64 = 5550099;

const APP_SECRET: &str = "test-app-secret";
const VERIFY_TOKEN: &str = "test-verify-token";
const ACCESS_TOKEN: &str = "test-graph-access-token";
const PHONE_NUMBER_ID: &str = "106540352242922";
const ALLOWED: &str = "905320000001";

const TR_NOT_LINKED: &str = "Bu sohbet henüz Bantz'a bağlı değil; lütfen `bantz pair` komutunun gösterdiği altı haneli eşleştirme kodunu gönderin.";
const EN_NOT_LINKED: &str = "This chat is not linked to Bantz yet; please send the six-digit pairing code that `bantz pair` shows.";

/// What the stand-in has seen and will do.
#[derive(Default)]
struct World {
    /// Every update ever queued, as `getUpdates` returns them.
    updates: Vec<Value>,
    next_update: i64,
    next_message: i64,
    /// Updates below this id were confirmed by an offset and are not returned again.
    confirmed: i64,
    /// The next `getUpdates` returns every update again, as if the offset were lost.
    redeliver: bool,
    /// `sendMessage` bodies answered with success, each with the `message_id` it got.
    sent: Vec<Value>,
    /// `answerCallbackQuery` bodies.
    answers: Vec<Value>,
    /// Graph API `messages` posts: (path, Authorization, body).
    graph: Vec<(String, String, Value)>,
    /// Holds the `sendMessage` that would be the n-th one sent, never answering it: the host is
    /// killed while it waits, so it never reaches Telegram.
    hold_send: Option<usize>,
    held: usize,
    /// Answers this many `sendMessage` calls with 429 `retry_after`.
    rate_limit: usize,
    /// Answers this many `getUpdates` calls with a 502 from a proxy, as a network failure.
    failing_polls: usize,
    limited: usize,
}

/// A local stand-in for the Telegram Bot API and the WhatsApp Cloud (Graph) API on 127.0.0.1.
struct Messenger {
    base: String,
    world: Arc<Mutex<World>>,
    changed: watch::Sender<u64>,
}

impl Messenger {
    async fn start() -> Messenger {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let world = Arc::new(Mutex::new(World {
            next_update: 1000,
            next_message: 1,
            ..Default::default()
        }));
        let (changed, _) = watch::channel(0u64);
        let (w, c) = (world.clone(), changed.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, w.clone(), c.clone()));
            }
        });
        Messenger {
            base,
            world,
            changed,
        }
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    fn queue(&self, make: impl FnOnce(i64, i64) -> Value) -> (i64, i64) {
        let mut w = self.world();
        let (update_id, message_id) = (w.next_update, w.next_message);
        w.next_update += 1;
        w.next_message += 1;
        w.updates.push(make(update_id, message_id));
        drop(w);
        self.changed.send_modify(|n| *n += 1);
        (update_id, message_id)
    }

    /// A user writes `text` in their private chat; returns the message's id.
    fn say(&self, chat: i64, text: &str, language: &str) -> i64 {
        self.queue(|update_id, message_id| {
            json!({
                "update_id": update_id,
                "message": {
                    "message_id": message_id,
                    "from": user(chat, language),
                    "chat": private_chat(chat),
                    "date": now(),
                    "text": text,
                }
            })
        })
        .1
    }

    /// A user sends a sticker, which has no text.
    fn sticker(&self, chat: i64) -> i64 {
        self.queue(|update_id, message_id| {
            json!({
                "update_id": update_id,
                "message": {
                    "message_id": message_id,
                    "from": user(chat, "en"),
                    "chat": private_chat(chat),
                    "date": now(),
                    "sticker": {"file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgAD", "type": "regular",
                                "width": 512, "height": 512, "is_animated": false, "is_video": false}
                }
            })
        })
        .1
    }

    /// A user presses an inline button under the bot's message `under`; returns the query id.
    fn press(&self, chat: i64, under: &Value, data: &str) -> String {
        let id = format!("cb-{}", self.world().next_update);
        let query_id = id.clone();
        self.queue(|update_id, _| {
            json!({
                "update_id": update_id,
                "callback_query": {
                    "id": query_id,
                    "from": user(chat, "tr"),
                    "message": {
                        "message_id": under["message_id"],
                        "from": {"id": BOT_ID, "is_bot": true, "first_name": "Bantz", "username": "bantz_bot"},
                        "chat": private_chat(chat),
                        "date": now(),
                        "text": under["text"],
                        "reply_markup": under["reply_markup"],
                    },
                    "chat_instance": "-7391738461231234",
                    "data": data,
                }
            })
        });
        id
    }

    /// What was sent to a chat, in order.
    fn sent_to(&self, chat: i64) -> Vec<Value> {
        self.world()
            .sent
            .iter()
            .filter(|m| m["chat_id"] == chat)
            .cloned()
            .collect()
    }

    /// Waits until a chat has been sent `count` messages, and returns them.
    async fn replies(&self, bantz: &Bantz, chat: i64, count: usize) -> Vec<Value> {
        poll(POLL_LIMIT, async || {
            let sent = self.sent_to(chat);
            if sent.len() >= count {
                return Ok(sent);
            }
            Err(format!(
                "for {count} messages to {chat}; have {sent:#?}\nlog:\n{}",
                bantz.log()
            ))
        })
        .await
    }

    /// Waits until the button press `id` is answered, and returns the answer.
    async fn answer_of(&self, bantz: &Bantz, id: &str) -> Value {
        poll(POLL_LIMIT, async || {
            let answers = self.world().answers.clone();
            match answers.iter().find(|a| a["callback_query_id"] == id) {
                Some(a) => Ok(a.clone()),
                None => Err(format!("for the answer to {id}; log:\n{}", bantz.log())),
            }
        })
        .await
    }

    /// Waits until `count` WhatsApp messages were sent, and returns them.
    async fn whatsapp_sent(&self, bantz: &Bantz, count: usize) -> Vec<(String, String, Value)> {
        poll(POLL_LIMIT, async || {
            let graph = self.world().graph.clone();
            if graph.len() >= count {
                return Ok(graph);
            }
            Err(format!(
                "for {count} WhatsApp messages; have {graph:#?}\nlog:\n{}",
                bantz.log()
            ))
        })
        .await
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn user(id: i64, language: &str) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Ayşe", "last_name": "Yılmaz", "language_code": language})
}

fn private_chat(id: i64) -> Value {
    json!({"id": id, "first_name": "Ayşe", "last_name": "Yılmaz", "type": "private"})
}

/// One request: the path, the headers (names lowercased) and the body.
async fn read_request(
    stream: &mut tokio::net::TcpStream,
) -> Option<(String, Vec<(String, String)>, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.lines();
    let path = lines.next()?.split_whitespace().nth(1)?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    Some((path, headers, body))
}

async fn respond(stream: &mut tokio::net::TcpStream, status: u16, body: &Value) {
    let body = body.to_string();
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn serve(
    mut stream: tokio::net::TcpStream,
    world: Arc<Mutex<World>>,
    changed: watch::Sender<u64>,
) {
    let Some((path, headers, body)) = read_request(&mut stream).await else {
        return;
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let bot = format!("/bot{BOT_TOKEN}/");
    if let Some(method) = path.strip_prefix(&bot) {
        let (status, answer) = match method {
            "getUpdates" => {
                let failing = {
                    let mut w = world.lock().unwrap();
                    let failing = w.failing_polls > 0;
                    w.failing_polls = w.failing_polls.saturating_sub(1);
                    failing
                };
                if failing {
                    let page = "<html><body>502 Bad Gateway</body></html>";
                    let response = format!(
                        "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                        page.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    return;
                }
                (200, get_updates(&world, &changed, &body).await)
            }
            "sendMessage" => {
                // 0: serve it; 1: rate-limit it; 2: hold it.
                let what = {
                    let mut w = world.lock().unwrap();
                    if w.limited < w.rate_limit {
                        w.limited += 1;
                        1
                    } else if w.hold_send == Some(w.sent.len() + 1) {
                        w.hold_send = None;
                        w.held += 1;
                        2
                    } else {
                        0
                    }
                };
                if what == 1 {
                    let answer = json!({"ok": false, "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}});
                    respond(&mut stream, 429, &answer).await;
                    return;
                }
                let hold = what == 2;
                if hold {
                    changed.send_modify(|n| *n += 1);
                    // Never answered: the host is killed while it waits, and what it sent never
                    // reached Telegram.
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = stream.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                    }
                    return;
                }
                let message_id = {
                    let mut w = world.lock().unwrap();
                    let message_id = w.next_message;
                    w.next_message += 1;
                    let mut kept = body.clone();
                    kept["message_id"] = json!(message_id);
                    w.sent.push(kept);
                    message_id
                };
                changed.send_modify(|n| *n += 1);
                let result = json!({
                    "message_id": message_id,
                    "from": {"id": BOT_ID, "is_bot": true, "first_name": "Bantz", "username": "bantz_bot"},
                    "chat": private_chat(body["chat_id"].as_i64().unwrap_or(0)),
                    "date": now(),
                    "text": body["text"],
                });
                (200, json!({"ok": true, "result": result}))
            }
            "answerCallbackQuery" => {
                world.lock().unwrap().answers.push(body);
                changed.send_modify(|n| *n += 1);
                (200, json!({"ok": true, "result": true}))
            }
            _ => (
                404,
                json!({"ok": false, "error_code": 404, "description": "Not Found"}),
            ),
        };
        respond(&mut stream, status, &answer).await;
        return;
    }
    if path == format!("/v21.0/{PHONE_NUMBER_ID}/messages") {
        let auth = headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let to = body["to"].clone();
        let id = {
            let mut w = world.lock().unwrap();
            let id = format!("wamid.out-{}", w.graph.len() + 1);
            w.graph.push((path, auth, body));
            id
        };
        changed.send_modify(|n| *n += 1);
        let answer = json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": id}],
        });
        respond(&mut stream, 200, &answer).await;
        return;
    }
    let answer =
        json!({"error": {"message": "Unknown path", "type": "OAuthException", "code": 803}});
    respond(&mut stream, 404, &answer).await;
}

/// `getUpdates`: confirms the updates below `offset`, then answers with the rest, waiting up to
/// `timeout` seconds for one to come.
async fn get_updates(world: &Mutex<World>, changed: &watch::Sender<u64>, body: &Value) -> Value {
    let timeout = body["timeout"].as_u64().unwrap_or(0).min(25);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    let mut seen = changed.subscribe();
    loop {
        {
            let mut w = world.lock().unwrap();
            if let Some(offset) = body["offset"].as_i64() {
                w.confirmed = w.confirmed.max(offset);
            }
            let from = if w.redeliver { 0 } else { w.confirmed };
            let list: Vec<Value> = w
                .updates
                .iter()
                .filter(|u| u["update_id"].as_i64().unwrap() >= from)
                .take(body["limit"].as_u64().unwrap_or(100) as usize)
                .cloned()
                .collect();
            if !list.is_empty() {
                w.redeliver = false;
                return json!({"ok": true, "result": list});
            }
        }
        tokio::select! {
            _ = seen.changed() => {}
            _ = tokio::time::sleep_until(deadline) => return json!({"ok": true, "result": []}),
        }
    }
}

fn telegram_config(base: &str) -> String {
    format!("[channels.telegram]\nbot_token = \"{BOT_TOKEN}\"\napi_base = \"{base}\"\n")
}

async fn pairing_code(bantz: &Bantz) -> String {
    let response = bantz.post("/api/v1/pair/request", &json!({})).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["code"].as_str().unwrap().to_owned()
}

/// Links Ayşe's chat with a fresh pairing code; returns her link.
async fn link_ayse(bantz: &Bantz, tg: &Messenger, language: &str) -> Value {
    let before = tg.sent_to(AYSE).len();
    let code = pairing_code(bantz).await;
    tg.say(AYSE, &format!("/start {code}"), language);
    let sent = tg.replies(bantz, AYSE, before + 1).await;
    let linked = if language == "tr" {
        "Bağlandı: bu sohbet artık Bantz ile konuşuyor, buyurun sorun."
    } else {
        "Linked: this chat now talks to Bantz, so ask away."
    };
    assert_eq!(sent[before]["text"], linked, "{sent:#?}");
    let links = json_ok(bantz.get("/api/v1/channels/links").await).await;
    links
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["chat_id"].as_str().and_then(|s| s.parse().ok()) == Some(AYSE))
        .cloned()
        .unwrap_or_else(|| panic!("Ayşe is not linked: {links}"))
}

async fn conversation(bantz: &Bantz, link: &Value) -> Vec<Value> {
    let path = format!(
        "/api/v1/conversations/{}/messages",
        link["conversation_id"].as_str().unwrap()
    );
    json_ok(bantz.get(&path).await)
        .await
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_telegram_chat_links_with_the_pairing_code_and_talks_with_a_follow_up_and_buttons() {
    let tg = Messenger::start().await;
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), skill("calendar")],
        config: Some(telegram_config(&tg.base)),
        ..Default::default()
    })
    .await;

    // A stranger gets one polite sentence, in their language, and nothing runs.
    let hello = tg.say(STRANGER, "takvime yarın dişçi ekle", "tr");
    let sent = tg.replies(&bantz, STRANGER, 1).await;
    assert_eq!(sent[0]["text"], TR_NOT_LINKED);
    assert_eq!(sent[0]["reply_parameters"]["message_id"], hello);
    assert!(
        sent[0].get("parse_mode").is_none(),
        "replies are plain text"
    );
    // A wrong code links nothing and says so.
    pairing_code(&bantz).await;
    tg.say(STRANGER, "/start 000000", "en");
    let sent = tg.replies(&bantz, STRANGER, 2).await;
    let wrong = sent[1]["text"].as_str().unwrap();
    assert!(wrong.starts_with("That pairing code is wrong;"), "{wrong}");
    assert_eq!(
        json_ok(bantz.get("/api/v1/channels/links").await).await,
        json!([])
    );

    let link = link_ayse(&bantz, &tg, "tr").await;
    assert_eq!(link["channel"], "telegram");
    assert_eq!(link["name"], "Ayşe Yılmaz");

    // A command that changes something asks, with yes and no as buttons.
    tg.say(AYSE, "takvime yarın saat 3'te dişçi ekle", "tr");
    let sent = tg.replies(&bantz, AYSE, 2).await;
    let question = &sent[1];
    assert_eq!(
        question["reply_markup"],
        json!({"inline_keyboard": [[
            {"text": "Evet", "callback_data": "yes"},
            {"text": "Hayır", "callback_data": "no"},
        ]]}),
        "{question}"
    );
    assert!(conversation(&bantz, &link).await.last().unwrap()["tools_used"] == json!([]));

    // Pressing yes runs it: the press is acknowledged, and the answer comes as a message.
    let pressed = tg.press(AYSE, question, "yes");
    let sent = tg.replies(&bantz, AYSE, 3).await;
    let done = sent[2]["text"].as_str().unwrap();
    assert!(
        done.starts_with("Takviminize ekledim: Dişçi, yarın 15:00–16:00."),
        "{done}"
    );
    assert_eq!(
        sent[2]["reply_parameters"]["message_id"],
        question["message_id"]
    );
    assert!(sent[2].get("reply_markup").is_none());
    assert!(tg.answer_of(&bantz, &pressed).await.get("text").is_none());
    // The same button again finds nothing waiting: a notice on the button, no message.
    let again = tg.press(AYSE, question, "yes");
    assert_eq!(
        tg.answer_of(&bantz, &again).await["text"],
        "Yanıt bekleyen bir şey yok."
    );

    // A follow-up continues the chat's one conversation.
    tg.say(AYSE, "bugün neler var takvimimde?", "tr");
    tg.replies(&bantz, AYSE, 4).await;
    tg.say(AYSE, "ya yarın?", "tr");
    let sent = tg.replies(&bantz, AYSE, 5).await;
    let tomorrow = sent[4]["text"].as_str().unwrap();
    assert!(
        tomorrow.starts_with("Yarın takviminizde") && tomorrow.contains("Dişçi"),
        "{tomorrow}"
    );
    let messages = conversation(&bantz, &link).await;
    let tools: Vec<&Value> = messages
        .iter()
        .filter(|m| m["role"] == "assistant")
        .map(|m| &m["tools_used"])
        .collect();
    assert_eq!(
        tools,
        [
            &json!([]),
            &json!(["calendar.add"]),
            &json!(["calendar.agenda"]),
            &json!(["calendar.agenda"])
        ]
    );

    // Only text is read.
    tg.sticker(AYSE);
    let sent = tg.replies(&bantz, AYSE, 6).await;
    assert_eq!(
        sent[5]["text"],
        "Yalnızca metin mesajlarını okuyabiliyorum."
    );

    // Only the owner manages links; unlinked, the chat is a stranger again.
    let id = link["id"].as_str().unwrap();
    let paired = {
        let code = pairing_code(&bantz).await;
        let response = bantz
            .http
            .post(bantz.url("/api/v1/pair/verify"))
            .json(&json!({"code": code, "device_name": "phone"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let as_device = bantz
        .http
        .get(bantz.url("/api/v1/channels/links"))
        .bearer_auth(&paired)
        .send()
        .await
        .unwrap();
    json_error(as_device, 403, "OWNER_ONLY").await;
    let deleted = bantz.delete(&format!("/api/v1/channels/links/{id}")).await;
    assert_eq!(deleted.status(), 204);
    json_error(
        bantz.delete(&format!("/api/v1/channels/links/{id}")).await,
        404,
        "LINK_NOT_FOUND",
    )
    .await;
    tg.say(AYSE, "ya yarın?", "tr");
    let sent = tg.replies(&bantz, AYSE, 7).await;
    assert_eq!(sent[6]["text"], TR_NOT_LINKED);

    // The stranger got nothing but the two answers to what they sent.
    assert_eq!(tg.sent_to(STRANGER).len(), 2);
}

#[tokio::test]
async fn a_notification_reaches_the_linked_chat_silently_in_quiet_hours() {
    let tg = Messenger::start().await;
    // Quiet from an hour ago to two hours from now, in UTC.
    let now = chrono::Utc::now();
    let hm = |t: chrono::DateTime<chrono::Utc>| t.format("%H:%M").to_string();
    let quiet = format!(
        "timezone = \"UTC\"\n[notifications]\nquiet_hours = \"{}-{}\"\n",
        hm(now - chrono::Duration::hours(1)),
        hm(now + chrono::Duration::hours(2))
    );
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), skill("reminders")],
        config: Some(format!("{quiet}{}", telegram_config(&tg.base))),
        ..Default::default()
    })
    .await;
    link_ayse(&bantz, &tg, "tr").await;
    // A stranger is sent no notification.
    tg.say(STRANGER, "hi", "en");
    assert_eq!(
        tg.replies(&bantz, STRANGER, 1).await[0]["text"],
        EN_NOT_LINKED
    );

    tg.say(AYSE, "2 saniye sonra çayı hatırlat", "tr");
    let sent = tg.replies(&bantz, AYSE, 3).await;
    let reminder = &sent[2];
    assert_eq!(reminder["text"], "Hatırlatma: çayı", "{sent:#?}");
    assert_eq!(reminder["disable_notification"], true, "quiet hours");
    assert!(reminder.get("reply_parameters").is_none());
    let inbox = bantz
        .wait_for_notifications("skill.reminders", 1, POLL_LIMIT)
        .await;
    assert_eq!(inbox[0]["silent"], true);
    assert_eq!(tg.sent_to(STRANGER).len(), 1);
}

#[tokio::test]
async fn a_kill_in_the_middle_of_a_burst_leaves_every_message_answered_exactly_once() {
    let tg = Messenger::start().await;
    let options = || Options {
        config: Some(telegram_config(&tg.base)),
        ..Default::default()
    };
    let bantz = Bantz::start_with(options()).await;
    let link = link_ayse(&bantz, &tg, "en").await;

    // The fifth answer of the burst is on its way when the host is killed.
    const BURST: usize = 12;
    tg.world().hold_send = Some(1 + 5);
    let asked: Vec<i64> = (0..BURST)
        .map(|_| tg.say(AYSE, "what time is it", "en"))
        .collect();
    poll(POLL_LIMIT, async || {
        if tg.world().held == 1 {
            Ok(())
        } else {
            Err(format!("for the fifth answer; log:\n{}", bantz.log()))
        }
    })
    .await;
    assert_eq!(tg.sent_to(AYSE).len(), 1 + 4);

    // After the restart Telegram delivers everything again (as if the offset were lost) and
    // rate-limits the first answers.
    {
        let mut w = tg.world();
        w.redeliver = true;
        w.rate_limit = 2;
    }
    let bantz = bantz.restart(options()).await;
    let sent = tg.replies(&bantz, AYSE, 1 + BURST).await;
    for id in &asked {
        let answers = sent
            .iter()
            .filter(|m| m["reply_parameters"]["message_id"] == *id)
            .count();
        assert_eq!(answers, 1, "message {id} got {answers} answers: {sent:#?}");
    }
    // Every answer is the clock's, and the brain answered each message once.
    for m in &sent[1..] {
        let text = m["text"].as_str().unwrap();
        assert!(text.starts_with("It's "), "{text}");
    }
    assert_eq!(tg.world().limited, 2);
    let messages = conversation(&bantz, &link).await;
    assert_eq!(messages.len(), 2 * BURST, "{messages:#?}");

    // Nothing more comes: a last message is answered next, and alone.
    let last = tg.say(AYSE, "what time is it", "en");
    let sent = tg.replies(&bantz, AYSE, 2 + BURST).await;
    assert_eq!(sent.len(), 2 + BURST);
    assert_eq!(sent[1 + BURST]["reply_parameters"]["message_id"], last);
}

#[tokio::test]
async fn polling_backs_off_while_telegram_is_unreachable_and_health_says_so() {
    let tg = Messenger::start().await;
    tg.world().failing_polls = 3;
    let bantz = Bantz::start_with(Options {
        config: Some(telegram_config(&tg.base)),
        ..Default::default()
    })
    .await;
    let health = poll(POLL_LIMIT, async || {
        let health = json_ok(bantz.get("/api/v1/health").await).await;
        if health["components"]["channels"][0]["status"] == "degraded" {
            Ok(health)
        } else {
            Err(format!("for the channel to be degraded: {health}"))
        }
    })
    .await;
    assert_eq!(health["status"], "degraded");
    let detail = health["components"]["channels"][0]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains("502"), "{detail}");
    assert!(
        !detail.contains(BOT_TOKEN),
        "the token is in the URL, never in a message"
    );
    // Once Telegram answers again, the message sent meanwhile is answered and health recovers.
    tg.say(STRANGER, "hello", "en");
    assert_eq!(
        tg.replies(&bantz, STRANGER, 1).await[0]["text"],
        EN_NOT_LINKED
    );
    assert_eq!(tg.world().failing_polls, 0);
    let health = json_ok(bantz.get("/api/v1/health").await).await;
    assert_eq!(
        health["components"]["channels"][0]["status"], "ok",
        "{health}"
    );
    assert!(
        !bantz.log().contains(BOT_TOKEN),
        "the token is never logged"
    );
}

#[tokio::test]
async fn the_telegram_webhook_takes_updates_only_with_the_secret_and_once() {
    let tg = Messenger::start().await;
    let config = format!(
        "{}mode = \"webhook\"\nwebhook_secret = \"s3cret-Token_1\"\n",
        telegram_config(&tg.base)
    );
    let bantz = Bantz::start_with(Options {
        config: Some(config),
        ..Default::default()
    })
    .await;
    let update = json!({
        "update_id": 77,
        "message": {"message_id": 9, "from": user(STRANGER, "en"), "chat": private_chat(STRANGER),
                    "date": now(), "text": "hello"}
    });
    let post = |secret: Option<&str>| {
        let mut request = bantz
            .http
            .post(bantz.url("/api/v1/channels/telegram/webhook"))
            .json(&update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        request.send()
    };
    json_error(post(None).await.unwrap(), 401, "WEBHOOK_UNAUTHORIZED").await;
    json_error(
        post(Some("s3cret-Token_2")).await.unwrap(),
        401,
        "WEBHOOK_UNAUTHORIZED",
    )
    .await;
    assert_eq!(post(Some("s3cret-Token_1")).await.unwrap().status(), 200);
    // Telegram retries what it thinks failed: the same update is answered once.
    assert_eq!(post(Some("s3cret-Token_1")).await.unwrap().status(), 200);
    let sent = tg.replies(&bantz, STRANGER, 1).await;
    assert_eq!(sent[0]["text"], EN_NOT_LINKED);
    // The host asks Telegram for nothing in webhook mode; a next update shows the order.
    let mut next = update.clone();
    next["update_id"] = json!(78);
    next["message"]["message_id"] = json!(10);
    assert_eq!(
        bantz
            .http
            .post(bantz.url("/api/v1/channels/telegram/webhook"))
            .header("X-Telegram-Bot-Api-Secret-Token", "s3cret-Token_1")
            .json(&next)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let sent = tg.replies(&bantz, STRANGER, 2).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["reply_parameters"]["message_id"], 10);
    bantz
        .wait_for_log("without the right secret token was refused")
        .await;
    // Not configured for WhatsApp: a clear 404.
    json_error(
        bantz
            .http
            .get(bantz.url("/api/v1/channels/whatsapp/webhook?hub.mode=subscribe"))
            .send()
            .await
            .unwrap(),
        404,
        "CHANNEL_NOT_CONFIGURED",
    )
    .await;
}

fn whatsapp_config(base: &str) -> String {
    format!(
        "[channels.whatsapp]\naccess_token = \"{ACCESS_TOKEN}\"\napp_secret = \"{APP_SECRET}\"\n\
         verify_token = \"{VERIFY_TOKEN}\"\nphone_number_id = \"{PHONE_NUMBER_ID}\"\n\
         allowed_numbers = [\"+90 532 000 00 01\"]\napi_base = \"{base}\"\n"
    )
}

/// A webhook notification with one text message, as the Cloud API posts it.
fn whatsapp_message(from: &str, id: &str, text: &str) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                    "contacts": [{"profile": {"name": "Ayşe"}, "wa_id": from}],
                    "messages": [{
                        "from": from,
                        "id": id,
                        "timestamp": now().to_string(),
                        "type": "text",
                        "text": {"body": text}
                    }]
                },
                "field": "messages"
            }]
        }]
    })
}

fn sign(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post_whatsapp(bantz: &Bantz, body: &[u8], signature: Option<&str>) -> reqwest::Response {
    let mut request = bantz
        .http
        .post(bantz.url("/api/v1/channels/whatsapp/webhook"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature-256", signature);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn whatsapp_verifies_signs_serves_only_allowed_numbers_and_drops_redeliveries() {
    let graph = Messenger::start().await;
    let bantz = Bantz::start_with(Options {
        config: Some(whatsapp_config(&graph.base)),
        ..Default::default()
    })
    .await;

    // The verification handshake echoes the challenge only for the verify token.
    let verify = |token: &str| {
        bantz
            .http
            .get(bantz.url(&format!(
                "/api/v1/channels/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
            )))
            .send()
    };
    let ok = verify(VERIFY_TOKEN).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    json_error(verify("wrong").await.unwrap(), 403, "WEBHOOK_FORBIDDEN").await;

    // Unsigned and wrongly signed posts are refused before they are read.
    let first = serde_json::to_vec(&whatsapp_message(ALLOWED, "wamid.IN-1", "saat kaç")).unwrap();
    json_error(
        post_whatsapp(&bantz, &first, None).await,
        401,
        "WEBHOOK_UNAUTHORIZED",
    )
    .await;
    let forged = sign(&first, "not-the-app-secret");
    json_error(
        post_whatsapp(&bantz, &first, Some(&forged)).await,
        401,
        "WEBHOOK_UNAUTHORIZED",
    )
    .await;
    let garbage = sign(b"{", APP_SECRET);
    json_error(
        post_whatsapp(&bantz, b"{", Some(&garbage)).await,
        400,
        "INVALID_WEBHOOK_BODY",
    )
    .await;
    bantz
        .wait_for_log("without a valid X-Hub-Signature-256 was refused")
        .await;

    // Signed: answered through the Graph API, as a reply to the message.
    let response = post_whatsapp(&bantz, &first, Some(&sign(&first, APP_SECRET))).await;
    assert_eq!(response.status(), 200);
    let sent = graph.whatsapp_sent(&bantz, 1).await;
    let (path, auth, body) = &sent[0];
    assert_eq!(path, &format!("/v21.0/{PHONE_NUMBER_ID}/messages"));
    assert_eq!(auth, &format!("Bearer {ACCESS_TOKEN}"));
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["to"], ALLOWED);
    assert_eq!(body["type"], "text");
    assert_eq!(body["context"]["message_id"], "wamid.IN-1");
    assert!(
        body["text"]["body"].as_str().unwrap().starts_with("Saat"),
        "{body}"
    );

    // WhatsApp retries: the same message again is dropped. A stranger is not served. Messages
    // are answered in order, so once the last one is answered nothing else is coming.
    assert_eq!(
        post_whatsapp(&bantz, &first, Some(&sign(&first, APP_SECRET)))
            .await
            .status(),
        200
    );
    let stranger =
        serde_json::to_vec(&whatsapp_message("15550001111", "wamid.IN-2", "saat kaç")).unwrap();
    assert_eq!(
        post_whatsapp(&bantz, &stranger, Some(&sign(&stranger, APP_SECRET)))
            .await
            .status(),
        200
    );
    let last =
        serde_json::to_vec(&whatsapp_message(ALLOWED, "wamid.IN-3", "what time is it")).unwrap();
    assert_eq!(
        post_whatsapp(&bantz, &last, Some(&sign(&last, APP_SECRET)))
            .await
            .status(),
        200
    );
    let sent = graph.whatsapp_sent(&bantz, 2).await;
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(sent[1].2["context"]["message_id"], "wamid.IN-3");
    assert!(
        sent[1].2["text"]["body"]
            .as_str()
            .unwrap()
            .starts_with("It's "),
        "{}",
        sent[1].2
    );
    bantz
        .wait_for_log("a message from a number not in allowed_numbers was dropped")
        .await;

    // The number is linked, with its one conversation.
    let links = json_ok(bantz.get("/api/v1/channels/links").await).await;
    assert_eq!(links.as_array().unwrap().len(), 1, "{links}");
    assert_eq!(links[0]["channel"], "whatsapp");
    assert_eq!(links[0]["chat_id"], ALLOWED);
    assert_eq!(links[0]["name"], "Ayşe");
    assert_eq!(conversation(&bantz, &links[0]).await.len(), 4);

    // What happened shows in the status, health and metrics.
    // The last answer's bookkeeping follows its send by a moment.
    let status = poll(POLL_LIMIT, async || {
        let status = json_ok(bantz.get("/api/v1/status").await).await;
        if status["channel_backlog"] == 0 && status["channels"][0]["sent"] == 2 {
            Ok(status)
        } else {
            Err(format!("for the backlog to empty: {status}"))
        }
    })
    .await;
    let channel = &status["channels"][0];
    assert_eq!(channel["channel"], "whatsapp", "{status}");
    assert_eq!(channel["mode"], "webhook");
    assert_eq!(channel["received"], 2);
    assert_eq!(channel["duplicates"], 1);
    assert_eq!(channel["sent"], 2);
    assert_eq!(channel["refused"], 2);
    assert_eq!(status["channel_backlog"], 0);
    let health = json_ok(bantz.get("/api/v1/health").await).await;
    assert_eq!(
        health["components"]["channels"][0]["status"], "ok",
        "{health}"
    );
    let metrics = bantz.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("bantz_channel_messages_total{channel=\"whatsapp\",kind=\"duplicate\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("bantz_channel_backlog 0"), "{metrics}");
}

#[tokio::test]
async fn channel_secrets_come_from_the_environment_and_are_masked_in_config_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bantz.toml"),
        "[channels.telegram]\nmode = \"polling\"\n",
    )
    .unwrap();
    let output = bantz_tests::run_cli(
        dir.path(),
        &[
            "config",
            "check",
            "--config",
            "bantz.toml",
            "--data-dir",
            "data",
        ],
        &[("BANTZ_CHANNELS__TELEGRAM__BOT_TOKEN", BOT_TOKEN)],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("[channels.telegram]"), "{stdout}");
    assert!(stdout.contains("bot_token = \"********\""), "{stdout}");
    assert!(!stdout.contains(BOT_TOKEN), "{stdout}");

    // Without the token, the error says where to put it.
    let output = bantz_tests::run_cli(
        dir.path(),
        &[
            "config",
            "check",
            "--config",
            "bantz.toml",
            "--data-dir",
            "data",
        ],
        &[],
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(
        printed.contains("bantz.toml:1: [channels.telegram] needs bot_token")
            && printed.contains("BANTZ_CHANNELS__TELEGRAM__BOT_TOKEN"),
        "{output:?}"
    );
}
