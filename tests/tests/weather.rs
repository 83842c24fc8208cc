//! The weather skill as a user meets it, against a local stand-in for Open-Meteo that serves
//! responses in Open-Meteo's own format (tests/fixtures/open-meteo), records what it is asked,
//! and fails on demand: current conditions, forecasts and rain in both languages, the home
//! place, imperial units, the cache, upstream failures, the sandbox's denial (said as such, with the line that grants it), the bantz.toml a first
//! start writes, and the rain alert.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bantz_tests::{Bantz, Options, Value, json, skill};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Upstream {
    /// The fixtures, with their dates moved to today.
    Serve,
    /// This status, with Open-Meteo's error body.
    Status(u16),
    /// Accepts the request and never answers.
    Hang,
    /// 200 with a body that is not JSON.
    Garbage,
    /// 200 with JSON that is not what was asked for.
    WrongShape,
    /// The fixtures, but with a UTC offset no place has, too large to add to a time.
    FarOffset,
}

/// A local stand-in for both Open-Meteo APIs (geocoding and forecast) on 127.0.0.1.
struct OpenMeteo {
    /// `http://127.0.0.1:PORT`
    base: String,
    /// Every request's path and query, in order.
    requests: Arc<Mutex<Vec<String>>>,
    /// How to answer, and the path it applies to (all paths when `None`; the rest are served).
    mode: Arc<Mutex<(Upstream, Option<&'static str>)>>,
}

impl OpenMeteo {
    async fn start() -> OpenMeteo {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(Mutex::new((Upstream::Serve, None)));
        let (seen, how) = (requests.clone(), mode.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (seen, how) = (seen.clone(), how.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    seen.lock().unwrap().push(target.clone());
                    let mode = match *how.lock().unwrap() {
                        (mode, None) => mode,
                        (mode, Some(path)) if target.starts_with(path) => mode,
                        _ => Upstream::Serve,
                    };
                    let (status, body) = match mode {
                        Upstream::Serve => answer(&target),
                        Upstream::Status(code) => (
                            code,
                            json!({"error": true, "reason": "Service temporarily unavailable"})
                                .to_string(),
                        ),
                        Upstream::Garbage => (200, "<html><body>Bad Gateway".to_owned()),
                        Upstream::WrongShape => (200, json!({"latitude": 41.0}).to_string()),
                        Upstream::FarOffset => {
                            let (status, body) = answer(&target);
                            let mut body: Value = serde_json::from_str(&body).unwrap();
                            body["utc_offset_seconds"] = json!(9_000_000_000_000_000i64);
                            (status, body.to_string())
                        }
                        Upstream::Hang => {
                            // Hold the connection until the host gives up and closes it.
                            while let Ok(n) = stream.read(&mut buf).await {
                                if n == 0 {
                                    break;
                                }
                            }
                            return;
                        }
                    };
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json; charset=utf-8\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        OpenMeteo {
            base,
            requests,
            mode,
        }
    }

    fn set(&self, mode: Upstream) {
        *self.mode.lock().unwrap() = (mode, None);
    }

    /// Answers requests to `path` as `mode`, and serves the rest.
    fn set_for(&self, path: &'static str, mode: Upstream) {
        *self.mode.lock().unwrap() = (mode, Some(path));
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// What Open-Meteo would answer to `target` (path and query), from the fixtures.
fn answer(target: &str) -> (u16, String) {
    let url = reqwest::Url::parse(&format!("http://open-meteo{target}")).unwrap();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    match url.path() {
        "/v1/search" => {
            let name = fold(&query("name").unwrap_or_default());
            let file = match name.as_str() {
                "istanbul" => "search-istanbul.json",
                "ankara" => "search-ankara.json",
                _ => "search-nothing.json",
            };
            (200, fixture(file).to_string())
        }
        "/v1/forecast" => {
            let imperial = query("temperature_unit").as_deref() == Some("fahrenheit");
            let file = match (query("latitude").as_deref(), imperial) {
                (Some("41.01384"), false) => "forecast-istanbul.json",
                (Some("41.01384"), true) => "forecast-istanbul-imperial.json",
                (Some("39.91987"), false) => "forecast-ankara.json",
                _ => {
                    let error = json!({"error": true, "reason": "No fixture for this request"});
                    return (400, error.to_string());
                }
            };
            (200, as_of_today(fixture(file)).to_string())
        }
        _ => (
            404,
            json!({"error": true, "reason": "Not Found"}).to_string(),
        ),
    }
}

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/open-meteo")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Lowercase, Turkish letters folded: how the stand-in matches place names.
fn fold(name: &str) -> String {
    name.chars()
        .flat_map(|c| match c {
            'İ' | 'I' | 'ı' => vec!['i'],
            'Ş' | 'ş' => vec!['s'],
            'Ç' | 'ç' => vec!['c'],
            'Ğ' | 'ğ' => vec!['g'],
            'Ö' | 'ö' => vec!['o'],
            'Ü' | 'ü' => vec!['u'],
            c => c.to_lowercase().collect(),
        })
        .collect()
}

/// The place's local time now, for a forecast fixture (`utc_offset_seconds`).
fn local_now(forecast: &Value) -> NaiveDateTime {
    let offset = forecast["utc_offset_seconds"].as_i64().unwrap();
    (Utc::now() + chrono::Duration::seconds(offset)).naive_utc()
}

/// A forecast fixture with its days moved so that its first day is the place's today, and its
/// current time now, as Open-Meteo would answer today.
fn as_of_today(mut forecast: Value) -> Value {
    let now = local_now(&forecast);
    let first: NaiveDate = forecast["daily"]["time"][0]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let shift = now.date() - first;
    for day in forecast["daily"]["time"].as_array_mut().unwrap() {
        let date: NaiveDate = day.as_str().unwrap().parse().unwrap();
        *day = json!((date + shift).to_string());
    }
    for hour in forecast["hourly"]["time"].as_array_mut().unwrap() {
        let time = NaiveDateTime::parse_from_str(hour.as_str().unwrap(), "%Y-%m-%dT%H:%M").unwrap();
        *hour = json!((time + shift).format("%Y-%m-%dT%H:%M").to_string());
    }
    let quarter = now
        .date()
        .and_hms_opt(now.hour(), now.minute() / 15 * 15, 0)
        .unwrap();
    forecast["current"]["time"] = json!(quarter.format("%Y-%m-%dT%H:%M").to_string());
    forecast
}

/// Today in Istanbul: what "bugün" and "yarın" are relative to, for the host and the fixtures.
fn today() -> NaiveDate {
    local_now(&fixture("forecast-istanbul.json")).date()
}

/// What the weather skill says about day `index` of the İstanbul fixture: high, low, chance of
/// precipitation and the amount, as the Turkish reply writes them.
fn istanbul_day(index: usize) -> [String; 4] {
    let daily = &fixture("forecast-istanbul.json")["daily"];
    let at = |key: &str| daily[key][index].as_f64().unwrap();
    [
        format!("en yüksek {}°C", at("temperature_2m_max").round()),
        format!("en düşük {}°C", at("temperature_2m_min").round()),
        format!("yağış ihtimali %{}", at("precipitation_probability_max")),
        format!("{:.1} mm", at("precipitation_sum")).replace('.', ","),
    ]
}

/// The settings every chat test uses: home is İstanbul, and no rain alert (its ticks would ask
/// the stand-in too).
const CHAT: &str = "home = \"İstanbul\"\nrain_alert = false";

/// bantz.toml for a host whose `[skills.weather]` points at `server`, allows it through the
/// sandbox, and adds `settings` (TOML lines).
fn config(server: &OpenMeteo, settings: &str) -> String {
    format!(
        "[skills.weather]\n\
         geocoding_url = \"{base}\"\n\
         forecast_url = \"{base}\"\n\
         allow_hosts = [\"127.0.0.1\"]\n\
         {settings}\n\
         [sandbox]\n\
         allow_private_hosts = [\"127.0.0.1\"]\n",
        base = server.base
    )
}

/// A host with the clock and weather skills, configured by [`config`].
async fn start(server: &OpenMeteo, settings: &str) -> Bantz {
    start_with_config(config(server, settings)).await
}

async fn start_with_config(config: String) -> Bantz {
    Bantz::start_with(Options {
        skills: vec![skill("clock"), skill("weather")],
        config: Some(config),
        ..Default::default()
    })
    .await
}

fn text(reply: &Value) -> &str {
    reply["response"].as_str().unwrap()
}

/// Asserts that a chat reply ran `command` and says each of `parts`.
fn assert_says(reply: &Value, command: &str, parts: &[&str]) {
    assert_eq!(reply["tools_used"], json!([command]), "{reply}");
    for part in parts {
        assert!(text(reply).contains(part), "no {part:?} in {reply}");
    }
}

/// Asserts the weather skill has answered every call without an error of its own.
async fn assert_no_skill_errors(bantz: &Bantz) {
    let status = bantz.skill_status("weather").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["errors"], 0, "{status}");
    assert_eq!(status["timeouts"], 0, "{status}");
}

#[tokio::test]
async fn current_conditions_in_turkish_and_english() {
    let server = OpenMeteo::start().await;
    let bantz = start(&server, CHAT).await;

    let reply = bantz.chat("İstanbul'da hava nasıl?").await;
    assert_says(
        &reply,
        "weather.current",
        &[
            "İstanbul'da şu an 14°C, parçalı bulutlu",
            "Hissedilen 12°C",
            "nem %72",
            "rüzgâr 16 km/sa",
        ],
    );
    assert_eq!(reply["data"]["current"]["temperature"], 14.3, "{reply}");
    assert_eq!(reply["data"]["place"]["name"], "İstanbul", "{reply}");
    assert_eq!(reply["data"]["units"], "metric", "{reply}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[0],
        "/v1/search?name=%C4%B0stanbul&count=1&language=tr&format=json"
    );
    assert!(
        requests[1].starts_with("/v1/forecast?latitude=41.01384&longitude=28.94966&current=")
            && requests[1].contains("&timezone=auto&forecast_days=7")
            && !requests[1].contains("fahrenheit"),
        "{requests:?}"
    );

    let reply = bantz.chat("what's the weather in Ankara?").await;
    assert_says(
        &reply,
        "weather.current",
        &[
            "In Ankara right now: 6°C, light rain",
            "Feels like 3°C",
            "humidity 91%",
            "wind 11 km/h",
        ],
    );
    assert!(
        server.requests()[2].contains("name=Ankara&count=1&language=en"),
        "{:?}",
        server.requests()
    );
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn the_home_place_answers_when_no_place_is_named() {
    let server = OpenMeteo::start().await;
    let bantz = start(&server, CHAT).await;
    let reply = bantz.chat("hava nasıl").await;
    assert_says(&reply, "weather.current", &["İstanbul'da şu an 14°C"]);
    let reply = bantz.chat("how cold is it?").await;
    assert_says(
        &reply,
        "weather.current",
        &["right now: 14°C, partly cloudy"],
    );

    // Without a home, a question that names no place gets asked which place.
    let server = OpenMeteo::start().await;
    let bantz = start(&server, "rain_alert = false").await;
    let reply = bantz.chat("hava nasıl").await;
    assert_says(&reply, "weather.current", &["Hangi şehrin"]);
    assert_eq!(reply["data"]["error"], "no-place", "{reply}");
    let reply = bantz.chat("will it rain tomorrow?").await;
    assert_says(&reply, "weather.rain", &["Which place do you mean?"]);
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn today_tomorrow_a_weekday_and_several_days() {
    let server = OpenMeteo::start().await;
    let bantz = start(&server, CHAT).await;
    let today = today();
    let date = |n: i64| (today + chrono::Duration::days(n)).to_string();

    let reply = bantz.chat("bugün hava nasıl").await;
    let mut expected = vec!["Bugün İstanbul'da: parçalı bulutlu".to_owned()];
    expected.extend(istanbul_day(0));
    assert_says(
        &reply,
        "weather.forecast",
        &expected.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(reply["data"]["days"][0]["date"], date(0), "{reply}");

    let reply = bantz.chat("yarın hava nasıl olacak").await;
    assert_says(
        &reply,
        "weather.forecast",
        &["Yarın İstanbul'da: yağmur, en yüksek 13°C, en düşük 9°C, yağış ihtimali %85 (12,4 mm)."],
    );
    assert_eq!(reply["data"]["days"][0]["date"], date(1), "{reply}");
    assert_eq!(reply["data"]["days"].as_array().unwrap().len(), 1);

    let reply = bantz.chat("what's the weather in Ankara tomorrow").await;
    assert_says(
        &reply,
        "weather.forecast",
        &["Tomorrow in Ankara: rain, high 6°C, low 2°C, 95% chance of precipitation (14.4 mm)."],
    );

    // The coming Friday, whatever day today is.
    let friday = (7 + 4 - today.weekday().num_days_from_monday() as i64) % 7;
    let reply = bantz.chat("cuma günü hava nasıl").await;
    assert_eq!(reply["data"]["days"][0]["date"], date(friday), "{reply}");
    let [high, low, chance, amount] = istanbul_day(friday as usize);
    assert_says(&reply, "weather.forecast", &[&high, &low, &chance, &amount]);

    let reply = bantz.chat("5 günlük hava durumu").await;
    assert_says(
        &reply,
        "weather.forecast",
        &[
            "İstanbul için 5 günlük tahmin:",
            "- Bugün: parçalı bulutlu",
            "- Yarın: yağmur, en yüksek 13°C",
        ],
    );
    let days: Vec<&str> = reply["data"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(days, [date(0), date(1), date(2), date(3), date(4)]);

    let reply = bantz.chat("3 day forecast for Ankara").await;
    assert_says(
        &reply,
        "weather.forecast",
        &[
            "3-day forecast for Ankara:",
            "- Today: light rain, high 8°C, low 2°C",
            "- Tomorrow: rain",
        ],
    );
    assert_eq!(reply["data"]["days"].as_array().unwrap().len(), 3);

    // All of it from one geocoding and one forecast request per place.
    assert_eq!(server.requests().len(), 4, "{:?}", server.requests());
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn will_it_rain_in_turkish_and_english() {
    let server = OpenMeteo::start().await;
    let bantz = start(&server, CHAT).await;

    let reply = bantz.chat("yarın yağmur yağacak mı").await;
    assert_says(
        &reply,
        "weather.rain",
        &["Evet, yarın İstanbul'da yağmur bekleniyor: yağış ihtimali %85 (12,4 mm)."],
    );
    assert_eq!(reply["data"]["rain"], "likely", "{reply}");
    assert_eq!(
        reply["data"]["date"],
        (today() + chrono::Duration::days(1)).to_string()
    );

    // Today's chance is read from the hours still to come; the fixture's reaches 15% at 23:00.
    let reply = bantz.chat("will it rain today?").await;
    assert_says(
        &reply,
        "weather.rain",
        &["No, rain is not expected in İstanbul today (15% chance of precipitation)."],
    );
    assert_eq!(reply["data"]["rain"], "unlikely", "{reply}");

    let reply = bantz.chat("Ankara'da yağmur yağacak mı").await;
    assert_says(
        &reply,
        "weather.rain",
        &["Evet, bugün Ankara'da yağmur bekleniyor, saat "],
    );
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn follow_ups_change_the_day_or_the_place() {
    let server = OpenMeteo::start().await;
    let bantz = start(&server, CHAT).await;
    let first = bantz.chat("İstanbul'da hava nasıl").await;
    assert_says(&first, "weather.current", &["İstanbul'da şu an 14°C"]);
    let session = first["session_id"].as_str().unwrap();

    let reply = bantz.say(session, "ya yarın?").await;
    assert_says(
        &reply,
        "weather.current",
        &["Yarın İstanbul'da: yağmur, en yüksek 13°C"],
    );
    let reply = bantz.say(session, "peki Ankara?").await;
    assert_says(&reply, "weather.current", &["Yarın Ankara'da: yağmur"]);

    let first = bantz.chat("will it rain tomorrow").await;
    let session = first["session_id"].as_str().unwrap();
    let reply = bantz.say(session, "what about Ankara?").await;
    assert_says(
        &reply,
        "weather.rain",
        &["Yes, rain is expected in Ankara tomorrow"],
    );
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn a_place_written_with_its_suffix_is_found_without_it() {
    let server = OpenMeteo::start().await;
    let bantz = start(&server, CHAT).await;
    // Without an apostrophe the host cannot tell the suffix from the name.
    let reply = bantz.chat("yarin ankarada hava nasil").await;
    assert_says(&reply, "weather.forecast", &["Yarın Ankara'da: yağmur"]);
    let requests = server.requests();
    assert!(requests[0].contains("name=ankarada&"), "{requests:?}");
    assert!(requests[1].contains("name=ankara&"), "{requests:?}");
}

#[tokio::test]
async fn imperial_units_ask_open_meteo_for_fahrenheit_and_mph() {
    let server = OpenMeteo::start().await;
    let bantz = start(
        &server,
        "home = \"İstanbul\"\nrain_alert = false\nunits = \"imperial\"\ncache_seconds = 0",
    )
    .await;
    let reply = bantz.chat("hava nasıl").await;
    assert_says(
        &reply,
        "weather.current",
        &["İstanbul'da şu an 58°F", "Hissedilen 54°F", "rüzgâr 10 mph"],
    );
    assert_eq!(reply["data"]["units"], "imperial", "{reply}");
    let reply = bantz.chat("what will the weather be like tomorrow").await;
    assert_says(&reply, "weather.forecast", &["high 56°F, low 48°F"]);
    let requests = server.requests();
    assert!(
        requests[1].ends_with("&temperature_unit=fahrenheit&wind_speed_unit=mph"),
        "{requests:?}"
    );
    // cache_seconds = 0 keeps nothing: the second question asked again.
    assert_eq!(requests.len(), 4, "{requests:?}");
}

#[tokio::test]
async fn a_second_question_within_the_ttl_makes_no_request() {
    let server = OpenMeteo::start().await;
    let bantz = start(&server, CHAT).await;
    bantz.chat("İstanbul'da hava nasıl").await;
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());

    // The same place, however it is asked for, in Turkish: both answers come from kv.
    let reply = bantz.chat("istanbul'da yarın yağmur yağacak mı").await;
    assert_says(&reply, "weather.rain", &["Evet, yarın İstanbul'da"]);
    let reply = bantz.chat("hava nasıl").await;
    assert_says(&reply, "weather.current", &["İstanbul'da şu an 14°C"]);
    let reply = bantz.chat("5 günlük hava durumu").await;
    assert_says(
        &reply,
        "weather.forecast",
        &["İstanbul için 5 günlük tahmin"],
    );
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());

    // In English the place is looked up in English once; its forecast is still cached.
    let reply = bantz.chat("what's the weather in istanbul").await;
    assert_says(&reply, "weather.current", &["right now: 14°C"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(requests[2].contains("language=en"), "{requests:?}");
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn upstream_failures_get_a_clear_reply_and_are_not_skill_errors() {
    let server = OpenMeteo::start().await;
    // The host cuts a request that gets no answer after 10 s; the call's deadline must be longer
    // for the skill to answer at all.
    let bantz = start(&server, &format!("{CHAT}\ntimeout_ms = 15000")).await;
    let down = "Hava durumu servisine şu an ulaşamıyorum";

    for failure in [
        Upstream::Status(500),
        Upstream::Status(400),
        Upstream::Garbage,
    ] {
        server.set(failure);
        let reply = bantz.chat("hava nasıl").await;
        assert_says(&reply, "weather.current", &[down]);
        assert_eq!(
            reply["data"],
            json!({"error": "upstream"}),
            "{failure:?}: {reply}"
        );
    }
    let reply = bantz.chat("will it rain tomorrow").await;
    assert_says(
        &reply,
        "weather.rain",
        &["I can't reach the weather service right now."],
    );
    assert_eq!(reply["data"]["error"], "upstream", "{reply}");

    // The place is found but its forecast is malformed, or never comes: the same reply. (The
    // place is looked up once: its geocoding is cached.)
    for failure in [
        Upstream::Garbage,
        Upstream::WrongShape,
        Upstream::FarOffset,
        Upstream::Hang,
    ] {
        server.set_for("/v1/forecast", failure);
        let asked = Instant::now();
        let reply = bantz.chat("yarın İstanbul'da hava nasıl olacak").await;
        assert_says(&reply, "weather.forecast", &[down]);
        assert_eq!(
            reply["data"],
            json!({"error": "upstream"}),
            "{failure:?}: {reply}"
        );
        assert!(
            asked.elapsed() < Duration::from_secs(15),
            "{:?}",
            asked.elapsed()
        );
    }
    let forecasts = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("/v1/forecast"))
        .count();
    assert_eq!(forecasts, 4, "{:?}", server.requests());

    // An unknown place is not a failure either.
    server.set(Upstream::Serve);
    let reply = bantz.chat("Atlantis'te hava nasıl").await;
    assert_says(
        &reply,
        "weather.current",
        &["\"Atlantis\" diye bir yer bulamadım"],
    );
    assert_eq!(reply["data"]["error"], "unknown-place", "{reply}");
    let reply = bantz.chat("what's the weather in Atlantis").await;
    assert_says(
        &reply,
        "weather.current",
        &["I couldn't find a place called \"Atlantis\""],
    );

    // And once Open-Meteo is back, so is the weather.
    let reply = bantz.chat("İstanbul'da hava nasıl").await;
    assert_says(&reply, "weather.current", &["İstanbul'da şu an 14°C"]);

    let status = bantz.skill_status("weather").await;
    assert_eq!(status["invocations"], 11, "{status}");
    assert!(status["last_error"].is_null(), "{status}");
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn without_allow_hosts_the_reply_says_it_is_not_allowed_and_the_status_says_how_to_allow_it()
{
    let server = OpenMeteo::start().await;
    // The manifest declares 127.0.0.1 and the sandbox lets it through, but the operator did
    // not allow it for this skill.
    let config = format!(
        "[skills.weather]\nhome = \"İstanbul\"\nrain_alert = false\n\
         geocoding_url = \"{0}\"\nforecast_url = \"{0}\"\n\
         [sandbox]\nallow_private_hosts = [\"127.0.0.1\"]\n",
        server.base
    );
    let bantz = start_with_config(config).await;
    let status = bantz.skill_status("weather").await;
    assert_eq!(
        status["permissions"]["outbound_hosts"],
        json!([]),
        "{status}"
    );
    // What it asks for, next to what it was granted, and the line that grants it.
    let hosts = json!([
        "api.open-meteo.com",
        "geocoding-api.open-meteo.com",
        "127.0.0.1"
    ]);
    assert_eq!(status["requested"]["outbound_hosts"], hosts, "{status}");
    assert_eq!(status["requested"]["not_granted_hosts"], hosts, "{status}");
    let line = "[skills.weather] allow_hosts = [\"api.open-meteo.com\", \
                \"geocoding-api.open-meteo.com\", \"127.0.0.1\"]";
    assert_eq!(status["requested"]["grant_with"], line, "{status}");

    // The user hears that the assistant may not reach the service: not "try again later".
    let reply = bantz.chat("hava nasıl").await;
    assert_says(
        &reply,
        "weather.current",
        &[
            "Hava durumu servisine (Open-Meteo) erişme iznim yok",
            "bantz.toml",
        ],
    );
    assert!(!text(&reply).contains("tekrar"), "{reply}");
    assert_eq!(reply["data"]["error"], "not-allowed", "{reply}");
    let reply = bantz.chat("what's the weather in London").await;
    assert_says(
        &reply,
        "weather.current",
        &[
            "I'm not allowed to reach the weather service (Open-Meteo)",
            "bantz.toml",
        ],
    );
    assert!(!text(&reply).contains("try again"), "{reply}");
    assert_eq!(reply["data"]["error"], "not-allowed", "{reply}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert_no_skill_errors(&bantz).await;

    // The operator's log names the denied request and the line that grants it.
    let logged = bantz.wait_for_log("denied outbound request").await;
    assert!(logged.contains(line), "{logged}");

    // `bantz skills list` shows the same: what it asks for, what it has, and the line.
    let out = bantz.cli(
        &[
            "skills",
            "list",
            "--url",
            &bantz.base,
            "--token",
            &bantz.token,
        ],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains(
            "    asks for: hosts api.open-meteo.com, geocoding-api.open-meteo.com, 127.0.0.1; \
             notify; a tick every "
        ),
        "{listed}"
    );
    assert!(
        listed.contains("    granted:  no hosts; notify; a tick every "),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("put in bantz.toml: {line}")),
        "{listed}"
    );
}

/// The `skill.weather.rain-alert` notifications in the host's inbox.
async fn rain_alerts(bantz: &Bantz) -> Vec<Value> {
    bantz.notifications("skill.weather.rain-alert").await
}

/// Waits for the weather skill's first tick: the one the host gives a skill as it loads.
async fn first_tick(bantz: &Bantz) {
    bantz
        .wait_for_skills("the first tick of the weather skill", |skills| {
            skills
                .iter()
                .any(|s| s["name"] == "weather" && s["ticks"].as_u64() >= Some(1))
        })
        .await;
}

#[tokio::test]
async fn rain_at_home_is_announced_once_however_many_ticks_see_it() {
    let server = OpenMeteo::start().await;
    // Ankara's fixture has rain every hour today and tomorrow.
    let config = config(&server, "home = \"Ankara\"\nlocale = \"tr\"");
    let bantz = start_with_config(config.clone()).await;
    let status = bantz.skill_status("weather").await;
    assert_eq!(status["permissions"]["notify"], true, "{status}");
    // It looks every five minutes, and is ticked as often as that: not every second.
    assert_eq!(status["permissions"]["schedule_seconds"], 300, "{status}");
    first_tick(&bantz).await;

    // The first tick, as the skill loaded, looked at the forecast and sent the alert.
    let alerts = rain_alerts(&bantz).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["type"], "skill.weather.rain-alert", "{alerts:?}");
    assert_eq!(alerts[0]["title"], "Yağmur uyarısı", "{alerts:?}");
    let body = alerts[0]["body"].as_str().unwrap();
    assert!(
        body.starts_with("Ankara'da saat ") && body.contains("yağmur bekleniyor (yağış ihtimali %"),
        "{body}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[0].contains("name=Ankara&count=1&language=tr"),
        "{requests:?}"
    );

    // A restart the same day neither checks again nor sends a second alert.
    let bantz = bantz
        .restart(Options {
            skills: vec![],
            config: Some(config),
            ..Default::default()
        })
        .await;
    first_tick(&bantz).await;
    assert_eq!(rain_alerts(&bantz).await.len(), 1);
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn a_rain_check_that_fails_is_logged_not_an_error() {
    let server = OpenMeteo::start().await;
    server.set(Upstream::Status(503));
    let config = config(&server, "home = \"Ankara\"");
    let bantz = start_with_config(config.clone()).await;
    first_tick(&bantz).await;
    let log = bantz.log();
    assert!(log.contains("rain alert check for"), "{log}");
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
    assert_no_skill_errors(&bantz).await;

    // It tries again in five minutes: a restart meanwhile, whose first tick comes at once,
    // does not ask again.
    let bantz = bantz
        .restart(Options {
            skills: vec![],
            config: Some(config),
            ..Default::default()
        })
        .await;
    first_tick(&bantz).await;
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
    assert_no_skill_errors(&bantz).await;
}

#[tokio::test]
async fn a_first_start_writes_a_commented_bantz_toml_that_lets_weather_reach_open_meteo() {
    let server = OpenMeteo::start().await;
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), skill("weather")],
        no_config_file: true,
        ..Default::default()
    })
    .await;
    let path = bantz.dir.path().join("bantz.toml");
    let written = std::fs::read_to_string(&path).expect("the first start writes bantz.toml");
    assert!(
        written.contains(
            "[skills.weather]\nallow_hosts = [\"geocoding-api.open-meteo.com\", \"api.open-meteo.com\"]\n"
        ),
        "{written}"
    );
    assert!(
        written.lines().filter(|l| l.starts_with('#')).count() >= 5,
        "not commented:\n{written}"
    );
    bantz.wait_for_log("first start: wrote").await;

    // Weather is granted its two Open-Meteo hosts; the clock, like any other skill, nothing.
    let status = bantz.skill_status("weather").await;
    assert_eq!(
        status["permissions"]["outbound_hosts"],
        json!(["api.open-meteo.com", "geocoding-api.open-meteo.com"]),
        "{status}"
    );
    assert_eq!(
        status["requested"]["not_granted_hosts"],
        json!(["127.0.0.1"]),
        "{status}"
    );
    let clock = bantz.skill_status("clock").await;
    assert_eq!(clock["permissions"]["outbound_hosts"], json!([]), "{clock}");

    // The file is the operator's from now on: a restart keeps it as it is, edits included, and
    // the usual overrides still point the skill at a local stand-in.
    let edited = format!("{written}# the operator's own line\n");
    std::fs::write(&path, &edited).unwrap();
    let hosts = "[\"geocoding-api.open-meteo.com\", \"api.open-meteo.com\", \"127.0.0.1\"]";
    let env = [
        ("BANTZ_SKILLS__WEATHER__GEOCODING_URL", server.base.as_str()),
        ("BANTZ_SKILLS__WEATHER__FORECAST_URL", server.base.as_str()),
        ("BANTZ_SKILLS__WEATHER__ALLOW_HOSTS", hosts),
        ("BANTZ_SANDBOX__ALLOW_PRIVATE_HOSTS", "[\"127.0.0.1\"]"),
    ];
    let bantz = bantz
        .restart(Options {
            skills: Vec::new(),
            no_config_file: true,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        })
        .await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    let reply = bantz.chat("İstanbul'da hava nasıl").await;
    assert_says(&reply, "weather.current", &["İstanbul'da şu an 14°C"]);
    assert_no_skill_errors(&bantz).await;
}
