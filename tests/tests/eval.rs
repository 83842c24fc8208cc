//! The brain's evaluation sets, in two parts that are never mixed:
//!
//! - **tuning** (`tests/eval/tuning/*.txt`): written together with the templates and the
//!   classifier's data, and used to tune them. Every utterance goes through a real host with the
//!   skills its file names (`# skills: …`) and must reach its command with its arguments, wait for
//!   a yes, or get the help reply. Lines that start a conversation are first routed with
//!   `POST /api/v1/commands/parse` (command and slots), then every line is sent through
//!   `POST /api/v1/chat`; the errands test skill echoes its arguments, so its follow-ups and
//!   confirmations are checked to the slot. Every line must pass.
//! - **held-out** (`tests/eval/heldout/*.txt`): written blind, before any tuning, without looking
//!   at the templates, and never tuned on. Every line is routed with `POST /api/v1/commands/parse`
//!   and scored command-exact; lines that expect `-` are the out-of-domain set, scored by their
//!   false positives. The figures are what README reports; the floors below only catch a
//!   regression and were set from a measurement, not the other way round.
//!
//! Both print accuracy per language, per skill and per tier (`cargo xtask test` shows it).

use std::collections::BTreeMap;

use bantz_tests::{Bantz, Options, Value, component, json, json_ok};
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Utc, Weekday};

/// Held-out in-domain utterances that must reach exactly the right command: a regression
/// floor under the measured figure over the five held-out sets (94.5% after the ninth tuning
/// round, 92.8% before it with the fifth set, written blind before that round; the first four
/// sets went from 94.8% to 96.0%). Earlier: 94.0% to 94.6% over three sets after the fifth round,
/// 89.1% before it; the first set measured 81.0% after the second round and 36.1% before brain
/// v2. Issue #12 aims at 95%, which this is not yet over all five sets.
const HELD_OUT_FLOOR: f64 = 0.92;
/// Most out-of-domain messages that may reach a command: a regression bound over the measured
/// figure (1.8% after the ninth tuning round, 1.9% before it with the fifth set's near misses;
/// 0.5% to 0.9% over the first four sets; 2.3% before brain v2), at issue #12's 2%.
const OUT_OF_DOMAIN_MAX_FALSE_POSITIVES: f64 = 0.02;

/// The host's own command that gathers the day's weather, agenda and reminders.
const BRIEFING: &str = "bantz.briefing";

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
    /// `None` for `*`: the command is checked, its slots are not.
    slots: Option<Vec<(String, String)>>,
    /// `tr` or `en`: from the last `# lang:` line, else guessed from the words.
    lang: &'static str,
}

enum Expect {
    Runs(String),
    Asks(String),
    Nothing,
}

impl Expect {
    fn command(&self) -> Option<&str> {
        match self {
            Expect::Runs(c) | Expect::Asks(c) => Some(c),
            Expect::Nothing => None,
        }
    }
}

/// An evaluation file: the skills it needs, and its lines.
struct EvalFile {
    name: String,
    skills: Vec<String>,
    lines: Vec<Line>,
}

fn read_files(part: &str) -> Vec<EvalFile> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("eval")
        .join(part);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = format!("{part}/{}", path.file_name().unwrap().to_string_lossy());
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
    let mut lang = None;
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim();
        if let Some(l) = raw.strip_prefix("# lang:") {
            lang = match l.trim() {
                "tr" => Some("tr"),
                "en" => Some("en"),
                other => panic!("{file}:{}: unknown language {other:?}", i + 1),
            };
            continue;
        }
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
        let slots = (parts[2] != "*").then(|| {
            parts[2]
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    let (k, v) = s
                        .split_once('=')
                        .unwrap_or_else(|| panic!("{file}:{}: slot {s:?} needs `=`", i + 1));
                    (k.trim().to_owned(), v.trim().to_owned())
                })
                .collect()
        });
        lines.push(Line {
            number: i + 1,
            lang: lang.unwrap_or_else(|| guess_lang(parts[0])),
            say: parts[0].into(),
            follows,
            expect,
            slots,
        });
    }
    lines
}

/// The language of a line without a `# lang:` heading: Turkish when it has a Turkish letter or
/// a common Turkish word. Only for reporting; the host guesses on its own.
fn guess_lang(text: &str) -> &'static str {
    const WORDS: &[&str] = &[
        "ne", "mi", "mı", "mu", "mü", "var", "bugun", "yarin", "hava", "saat", "kac", "nasil",
        "bana", "sil", "ekle", "iptal", "evet", "hayir", "tamam", "olur", "takvim", "peki", "ya",
        "neler", "hatirlat", "gunaydin", "brifing", "sonra", "icin", "durumu", "haftaya", "cuma",
        "dakika", "yagmur",
    ];
    if text.chars().any(|c| "çğıöşüÇĞİÖŞÜ".contains(c)) {
        return "tr";
    }
    let lower = text.to_lowercase();
    if lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| WORDS.contains(&w))
    {
        "tr"
    } else {
        "en"
    }
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
            } else if let Some(day) = value.strip_prefix("dom:") {
                // A day of this month, or of the next once it has passed.
                let day: u32 = day.parse().unwrap();
                let this_month = today.with_day(day).filter(|d| *d >= today);
                this_month.unwrap_or_else(|| {
                    let first = today.with_day(1).unwrap() + Duration::days(32);
                    first.with_day(day).unwrap()
                })
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
        "duration" | "later_by" | "earlier_by" => vec![json!(value.parse::<i64>().unwrap())],
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

/// Passed and total counts, by a key such as `tr`, `weather` or `rules`.
#[derive(Default)]
struct Tally(BTreeMap<String, (usize, usize)>);

impl Tally {
    fn add(&mut self, key: &str, passed: bool) {
        let entry = self.0.entry(key.to_owned()).or_default();
        entry.0 += usize::from(passed);
        entry.1 += 1;
    }

    fn print(&self, title: &str) {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(key, (passed, total))| {
                format!(
                    "{key} {passed}/{total} ({:.1}%)",
                    100.0 * *passed as f64 / *total as f64
                )
            })
            .collect();
        println!("  {title:<12} {}", parts.join(", "));
    }
}

/// The figures of one part, by language, skill and tier.
#[derive(Default)]
struct Report {
    by_language: Tally,
    by_skill: Tally,
    by_tier: Tally,
}

impl Report {
    fn add(&mut self, line: &Line, tier: &str, passed: bool) {
        let skill = line
            .expect
            .command()
            .and_then(|c| c.split_once('.'))
            .map_or("out-of-domain", |(skill, _)| skill);
        self.by_language.add(line.lang, passed);
        self.by_skill.add(skill, passed);
        self.by_tier.add(tier, passed);
    }

    fn print(&self) {
        self.by_language.print("language");
        self.by_skill.print("skill");
        self.by_tier.print("tier");
    }
}

/// The tier that placed a message: the answer's `tier`, or `none` when no command took it.
fn tier_of(answer: &Value) -> String {
    if answer["command"].is_null() && answer["tools_used"].as_array().is_none_or(Vec::is_empty) {
        return "none".into();
    }
    answer["tier"].as_str().unwrap_or("rules").to_owned()
}

async fn host_for(file: &EvalFile) -> Bantz {
    Bantz::start_with(Options {
        skills: file.skills.iter().map(|s| component(s)).collect(),
        ..Default::default()
    })
    .await
}

async fn run_tuning_file(file: &EvalFile, report: &mut Report) -> (usize, Vec<String>) {
    let bantz = host_for(file).await;
    let mut session: Option<String> = None;
    let mut failures = Vec::new();
    for line in &file.lines {
        let expected_command = line.expect.command();
        let mut problem = None;
        if !line.follows {
            let before = istanbul_now();
            let parsed = bantz.parse(&line.say).await;
            let after = istanbul_now();
            if parsed["command"].as_str() != expected_command {
                problem = Some(format!(
                    "parse: expected {expected_command:?}, got {}",
                    parsed["command"]
                ));
            } else if expected_command.is_some() {
                problem = line.slots.as_ref().and_then(|slots| {
                    compare_slots(slots, &parsed["slots"], before, after)
                        .map(|p| format!("parse: {p}"))
                });
            }
        }

        let mut body = json!({ "message": line.say });
        if line.follows {
            body["session_id"] = json!(session.clone().expect("a `>` line follows another"));
        }
        let before = istanbul_now();
        let response = bantz.post("/api/v1/chat", &body).await;
        // A skill may refuse what the message left out ("remind me tomorrow to call mom" has
        // no time): the routing, checked above, was right, and a line whose slots are not
        // checked asks no more of it.
        let tier = if response.status() == 422 {
            let text = response.text().await.unwrap();
            let refused = matches!(line.expect, Expect::Runs(_))
                && line.slots.is_none()
                && text.contains("SKILL_INVALID_ARGS");
            problem = problem.or((!refused).then(|| format!("chat: 422 {text}")));
            session = None;
            "rules".to_owned()
        } else {
            let reply = json_ok(response).await;
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
                // The briefing runs the commands it gathers after its own.
                Expect::Runs(cmd)
                    if ran[0] != json!(cmd) || (ran != json!([cmd]) && cmd != BRIEFING) =>
                {
                    Some(format!("expected {cmd}, got {ran} (asked: {asked})"))
                }
                Expect::Runs(cmd) if cmd.starts_with("errands.") => line
                    .slots
                    .as_ref()
                    .and_then(|slots| compare_slots(slots, &reply["data"], before, after)),
                _ => None,
            });
            if asked {
                reply["tier"].as_str().unwrap_or("rules").to_owned()
            } else {
                tier_of(&reply)
            }
        };
        report.add(line, &tier, problem.is_none());
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
async fn the_tuning_sets_pass() {
    let files = read_files("tuning");
    let (mut total, mut failures) = (0, Vec::new());
    let mut report = Report::default();
    for file in &files {
        let (count, failed) = run_tuning_file(file, &mut report).await;
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
        "evaluation, tuning part: {passed}/{total} utterances passed ({:.1}%)",
        100.0 * passed as f64 / total as f64
    );
    report.print();
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A message as the comparison of [`seen_utterances`] sees it: lowercased the Turkish way,
/// Turkish letters folded, punctuation and apostrophes dropped, spaces collapsed.
fn comparable(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            'I' => vec!['ı'],
            'İ' => vec!['i'],
            c => c.to_lowercase().collect(),
        })
        .map(|c| match c {
            'ç' => 'c',
            'ğ' => 'g',
            'ı' => 'i',
            'ö' => 'o',
            'ş' => 's',
            'ü' => 'u',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every utterance the brain was tuned or trained on, as [`comparable`] gives it: the tuning
/// sets and the classifier's out-of-domain corpus. A held-out line equal to one of them says
/// nothing about messages the project never saw, however it got there (a common phrasing that
/// both writers chose, or a copy), so the held-out report also gives the figure without them.
fn seen_utterances() -> std::collections::HashSet<String> {
    let mut seen: std::collections::HashSet<String> = read_files("tuning")
        .iter()
        .flat_map(|f| f.lines.iter().map(|l| comparable(&l.say)))
        .collect();
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host/src/brain/classifier");
    for lang in ["en", "tr"] {
        let path = corpus.join(format!("out_of_domain_{lang}.txt"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        seen.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .map(comparable),
        );
    }
    seen
}

#[tokio::test]
async fn the_held_out_sets_are_measured() {
    let files = read_files("heldout");
    let seen = seen_utterances();
    let mut report = Report::default();
    let (mut in_domain, mut in_domain_right) = (0usize, 0usize);
    // The same, for the lines no tuning or training utterance equals.
    let (mut unseen, mut unseen_right) = (0usize, 0usize);
    let (mut out_of_domain, mut false_positives) = (0usize, Vec::new());
    for file in &files {
        let bantz = host_for(file).await;
        let mut right = 0;
        // This file's in-domain lines and right ones, and its out-of-domain lines and right ones.
        let mut of_file = [0usize; 4];
        for line in &file.lines {
            assert!(!line.follows, "{}: held-out lines stand alone", file.name);
            let parsed = bantz.parse(&line.say).await;
            let got = parsed["command"].as_str();
            let passed = got == line.expect.command();
            match line.expect.command() {
                Some(_) => {
                    in_domain += 1;
                    in_domain_right += usize::from(passed);
                    if !seen.contains(&comparable(&line.say)) {
                        unseen += 1;
                        unseen_right += usize::from(passed);
                    }
                }
                None => {
                    out_of_domain += 1;
                    if !passed {
                        false_positives.push(format!("{:?} -> {}", line.say, parsed["command"]));
                    }
                }
            }
            right += usize::from(passed);
            let at = if line.expect.command().is_some() {
                0
            } else {
                2
            };
            of_file[at] += 1;
            of_file[at + 1] += usize::from(passed);
            report.add(line, &tier_of(&parsed), passed);
        }
        println!(
            "{}: {right}/{} right (in-domain {}/{}, out-of-domain {}/{})",
            file.name,
            file.lines.len(),
            of_file[1],
            of_file[0],
            of_file[3],
            of_file[2]
        );
    }
    let accuracy = in_domain_right as f64 / in_domain.max(1) as f64;
    let false_positive_rate = false_positives.len() as f64 / out_of_domain.max(1) as f64;
    println!(
        "evaluation, held-out part: in-domain {in_domain_right}/{in_domain} command-exact ({:.1}%), \
         out-of-domain false positives {}/{out_of_domain} ({:.1}%)",
        100.0 * accuracy,
        false_positives.len(),
        100.0 * false_positive_rate
    );
    println!(
        "  unseen       in-domain lines no tuning or training utterance equals: \
         {unseen_right}/{unseen} ({:.1}%)",
        100.0 * unseen_right as f64 / unseen.max(1) as f64
    );
    report.print();
    assert!(
        out_of_domain >= 200,
        "the out-of-domain set must have at least 200 messages, has {out_of_domain}"
    );
    assert!(
        accuracy >= HELD_OUT_FLOOR,
        "held-out accuracy {:.1}% fell under its floor {:.1}%",
        100.0 * accuracy,
        100.0 * HELD_OUT_FLOOR
    );
    assert!(
        false_positive_rate <= OUT_OF_DOMAIN_MAX_FALSE_POSITIVES,
        "out-of-domain false positives {:.1}% over {:.1}%:\n{}",
        100.0 * false_positive_rate,
        100.0 * OUT_OF_DOMAIN_MAX_FALSE_POSITIVES,
        false_positives.join("\n")
    );
}
