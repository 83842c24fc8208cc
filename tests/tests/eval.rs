//! The brain's evaluation sets (tests/eval/*.txt): every utterance goes through a real host with
//! the skills its file names (`# skills: …`) and must reach its command with its arguments, wait
//! for a yes, or get the help reply. Lines that start a conversation are first routed with
//! `POST /api/v1/commands/parse` (command and slots), then every line is sent through
//! `POST /api/v1/chat`; the errands test skill echoes its arguments, so its follow-ups and
//! confirmations are checked to the slot. The test prints the accuracy and requires every line
//! to pass.

use bantz_tests::{Bantz, Options, Value, component, json, json_ok};
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

/// An evaluation file: the skills it needs, and its lines.
struct EvalFile {
    name: String,
    skills: Vec<String>,
    lines: Vec<Line>,
}

fn read_files() -> Vec<EvalFile> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let skills = text
                .lines()
                .find_map(|l| l.strip_prefix("# skills:"))
                .unwrap_or_else(|| panic!("{name} needs a `# skills: …` line"))
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect();
            EvalFile {
                lines: read_lines(&name, &text),
                name,
                skills,
            }
        })
        .collect()
}

fn read_lines(file: &str, text: &str) -> Vec<Line> {
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
            "{file}:{}: want `utterance | expectation | slots`",
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
                    .unwrap_or_else(|| panic!("{file}:{}: slot {s:?} needs `=`", i + 1));
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
fn expected_values(
    name: &str,
    value: &str,
    before: NaiveDateTime,
    after: NaiveDateTime,
) -> Vec<Value> {
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
        // A number slot arrives as a number; text that looks like one stays text.
        _ => match value.parse::<f64>() {
            Ok(n) => vec![json!(n), value.into()],
            Err(_) => vec![value.into()],
        },
    }
}

/// The slots that `data` should hold, or the problem.
fn compare_slots(
    expected: &[(String, String)],
    got: &Value,
    before: NaiveDateTime,
    after: NaiveDateTime,
) -> Option<String> {
    let got = got.as_object().cloned().unwrap_or_default();
    if got.len() != expected.len() {
        return Some(format!(
            "expected slots {expected:?}, got {}",
            Value::Object(got)
        ));
    }
    for (name, value) in expected {
        let allowed = expected_values(name, value, before, after);
        if !got.get(name).is_some_and(|v| allowed.contains(v)) {
            return Some(format!(
                "slot {name}: expected one of {allowed:?}, got {:?}",
                got.get(name)
            ));
        }
    }
    None
}

async fn run_file(file: &EvalFile) -> (usize, Vec<String>) {
    let bantz = Bantz::start_with(Options {
        skills: file.skills.iter().map(|s| component(s)).collect(),
        ..Default::default()
    })
    .await;
    let mut session: Option<String> = None;
    let mut failures = Vec::new();
    for line in &file.lines {
        let expected_command = match &line.expect {
            Expect::Runs(c) | Expect::Asks(c) => Some(c.as_str()),
            Expect::Nothing => None,
        };
        let mut problem = None;
        if !line.follows {
            let before = istanbul_now();
            let parsed = json_ok(
                bantz
                    .post("/api/v1/commands/parse", &json!({ "input": line.say }))
                    .await,
            )
            .await;
            let after = istanbul_now();
            if parsed["command"].as_str() != expected_command {
                problem = Some(format!(
                    "parse: expected {expected_command:?}, got {}",
                    parsed["command"]
                ));
            } else if expected_command.is_some() {
                problem = compare_slots(&line.slots, &parsed["slots"], before, after)
                    .map(|p| format!("parse: {p}"));
            }
        }

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
        problem = problem.or(match &line.expect {
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
                compare_slots(&line.slots, &reply["data"], before, after)
            }
            _ => None,
        });
        if let Some(problem) = problem {
            failures.push(format!(
                "{}:{} {:?}: {problem}",
                file.name, line.number, line.say
            ));
        }
    }
    (file.lines.len(), failures)
}

#[tokio::test]
async fn the_evaluation_sets_pass() {
    let files = read_files();
    let (mut total, mut failures) = (0, Vec::new());
    for file in &files {
        let (count, failed) = run_file(file).await;
        println!("{}: {}/{count} passed", file.name, count - failed.len());
        total += count;
        failures.extend(failed);
    }
    assert!(
        total >= 150,
        "the sets must have at least 150 utterances, have {total}"
    );
    let passed = total - failures.len();
    println!(
        "evaluation: {passed}/{total} utterances passed ({:.1}%)",
        100.0 * passed as f64 / total as f64
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
