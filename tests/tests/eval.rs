//! The brain's evaluation set (tests/eval/utterances.txt): every utterance goes through
//! `POST /api/v1/chat` of a real host with the clock, ticker and errands skills, and must reach
//! its command with its arguments, wait for a yes, or get the help reply. The test prints the
//! accuracy and requires every line to pass.

use bantz_tests::{Bantz, Options, Value, json, json_ok, skill, test_skill};
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Utc, Weekday};

/// The host's default timezone, Europe/Istanbul, has been UTC+3 all year since 2016.
fn istanbul_now() -> NaiveDateTime {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(3 * 3600).unwrap())
        .naive_local()
}

struct Line {
    number: usize,
    say: String,
    follows: bool,
    expect: Expect,
    slots: Vec<(String, String)>,
}

enum Expect {
    Runs(String),
    Asks(String),
    Nothing,
}

fn read_lines() -> Vec<Line> {
    let text = include_str!("../eval/utterances.txt");
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let (follows, raw) = match raw.strip_prefix('>') {
            Some(rest) => (true, rest.trim()),
            None => (false, raw),
        };
        let parts: Vec<&str> = raw.split('|').map(str::trim).collect();
        assert_eq!(
            parts.len(),
            3,
            "line {}: want `utterance | expectation | slots`",
            i + 1
        );
        let expect = match parts[1] {
            "-" => Expect::Nothing,
            e => match e.strip_prefix("ask ") {
                Some(cmd) => Expect::Asks(cmd.trim().into()),
                None => Expect::Runs(e.into()),
            },
        };
        let slots = parts[2]
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                let (k, v) = s
                    .split_once('=')
                    .unwrap_or_else(|| panic!("line {}: slot {s:?} needs `=`", i + 1));
                (k.trim().to_owned(), v.trim().to_owned())
            })
            .collect();
        lines.push(Line {
            number: i + 1,
            say: parts[0].into(),
            follows,
            expect,
            slots,
        });
    }
    lines
}

fn weekday(name: &str) -> Weekday {
    name.parse()
        .unwrap_or_else(|_| panic!("not a weekday: {name}"))
}

/// The values a symbolic slot may have now (a minute may turn while the request runs).
fn expected(name: &str, value: &str, before: NaiveDateTime, after: NaiveDateTime) -> Vec<Value> {
    let today = before.date();
    let date = |d: NaiveDate| Value::from(d.format("%Y-%m-%d").to_string());
    match name {
        "date" => vec![date(
            if let Some(n) = value.strip_prefix('+').and_then(|v| v.strip_suffix('d')) {
                today + Duration::days(n.parse().unwrap())
            } else if let Some(w) = value.strip_prefix("wd:") {
                let ahead = (7 + weekday(w).num_days_from_monday() as i64
                    - today.weekday().num_days_from_monday() as i64)
                    % 7;
                today + Duration::days(ahead)
            } else if let Some(w) = value.strip_prefix("nw:") {
                let monday =
                    today + Duration::days(7 - today.weekday().num_days_from_monday() as i64);
                monday + Duration::days(weekday(w).num_days_from_monday() as i64)
            } else if let Some(md) = value.strip_prefix("md:") {
                let (m, d) = md.split_once('-').unwrap();
                let this_year =
                    NaiveDate::from_ymd_opt(today.year(), m.parse().unwrap(), d.parse().unwrap())
                        .unwrap();
                if this_year < today {
                    this_year.with_year(today.year() + 1).unwrap()
                } else {
                    this_year
                }
            } else {
                value.parse().unwrap()
            },
        )],
        "time" => match value.strip_prefix('+').and_then(|v| v.strip_suffix('m')) {
            Some(n) => {
                let minutes = Duration::minutes(n.parse().unwrap());
                [before + minutes, after + minutes]
                    .iter()
                    .map(|t| Value::from(t.format("%H:%M").to_string()))
                    .collect()
            }
            None => vec![value.into()],
        },
        "duration" => vec![json!(value.parse::<i64>().unwrap())],
        _ => vec![value.into()],
    }
}

#[tokio::test]
async fn the_evaluation_set_passes() {
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("ticker"), test_skill("errands")],
        ..Default::default()
    })
    .await;
    let lines = read_lines();
    assert!(
        lines.len() >= 150,
        "the set must have at least 150 utterances, has {}",
        lines.len()
    );

    let mut session: Option<String> = None;
    let mut failures = Vec::new();
    for line in &lines {
        let mut body = json!({ "message": line.say });
        if line.follows {
            body["session_id"] = json!(session.clone().expect("a `>` line follows another"));
        }
        let before = istanbul_now();
        let reply = json_ok(bantz.post("/api/v1/chat", &body).await).await;
        let after = istanbul_now();
        session = reply["session_id"].as_str().map(String::from);

        let asked = reply["requires_confirmation"] == true;
        let ran = reply["tools_used"].clone();
        let problem = match &line.expect {
            Expect::Nothing if ran != json!([]) || asked => {
                Some(format!("expected no command, got {ran} (asked: {asked})"))
            }
            Expect::Asks(cmd) if !asked || ran != json!([]) => {
                Some(format!("expected a question before {cmd}, got {ran}"))
            }
            Expect::Runs(cmd) if ran != json!([cmd]) => {
                Some(format!("expected {cmd}, got {ran} (asked: {asked})"))
            }
            Expect::Runs(cmd) if cmd.starts_with("errands.") => {
                let data = reply["data"].as_object().cloned().unwrap_or_default();
                let mut problem = None;
                if data.len() != line.slots.len() {
                    problem = Some(format!(
                        "expected slots {:?}, got {}",
                        line.slots, reply["data"]
                    ));
                }
                for (name, value) in &line.slots {
                    let allowed = expected(name, value, before, after);
                    if !data.get(name).is_some_and(|got| allowed.contains(got)) {
                        problem = Some(format!(
                            "slot {name}: expected one of {allowed:?}, got {:?}",
                            data.get(name)
                        ));
                    }
                }
                problem
            }
            _ => None,
        };
        if let Some(problem) = problem {
            failures.push(format!("line {} {:?}: {problem}", line.number, line.say));
        }
    }
    let passed = lines.len() - failures.len();
    println!(
        "evaluation: {passed}/{} utterances passed ({:.1}%)",
        lines.len(),
        100.0 * passed as f64 / lines.len() as f64
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
