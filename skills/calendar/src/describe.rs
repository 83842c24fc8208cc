//! What the calendar's commands do, in the user's language: a phrase per command for the help
//! list, and the question that confirms an add, a move or a delete, with the event's title,
//! day and time in natural words (the `describe` export of WIT 0.1.1).

use bantz_sdk::{Call, DescriptionKind};
use chrono::NaiveTime;

use super::{
    AddArgs, Context, DEFAULT_SECONDS, PickArgs, Picked, UpdateArgs, capitalise, date_arg, load,
    pick, say, shift_arg, time_arg,
};

/// See [`bantz_sdk::Skill::describe`].
pub fn describe(call: &Call, kind: DescriptionKind) -> Option<String> {
    let tr = call.locale() == "tr";
    match kind {
        DescriptionKind::Summary => {
            summary(call.command()).map(|(in_tr, in_en)| (if tr { in_tr } else { in_en }).into())
        }
        DescriptionKind::Confirmation => {
            let cx = Context::load(tr).ok()?;
            match call.command() {
                "add" => add(&cx, call.args().ok()?),
                "update" => update(&cx, call.args().ok()?),
                "delete" => delete(&cx, &call.args().ok()?),
                _ => None,
            }
        }
    }
}

/// What each command does, in Turkish and English.
fn summary(command: &str) -> Option<(&'static str, &'static str)> {
    Some(match command {
        "agenda" => (
            "Bir günde ya da haftada takviminizde neler olduğunu söyler",
            "Tells what is on your calendar on a day or in a week",
        ),
        "find" => (
            "Takviminizde bir etkinliği bulur",
            "Finds an event on your calendar",
        ),
        "add" => (
            "Takviminize etkinlik ekler",
            "Adds an event to your calendar",
        ),
        "update" => (
            "Bir etkinliği taşır ya da değiştirir",
            "Moves or changes an event",
        ),
        "delete" => (
            "Bir etkinliği takviminizden siler",
            "Deletes an event from your calendar",
        ),
        "free" => (
            "Bir gün mesai saatlerinde ne zaman boş olduğunuzu söyler",
            "Tells when you are free in working hours on a day",
        ),
        "conflicts" => ("Çakışan etkinlikleri bulur", "Finds events that overlap"),
        "import" => (
            "iCalendar (.ics) dosyasındaki etkinlikleri takviminize alır",
            "Imports events from an iCalendar (.ics) file",
        ),
        "export" => (
            "Takviminizi iCalendar (.ics) olarak dışa aktarır",
            "Exports your calendar as iCalendar (.ics)",
        ),
        _ => return None,
    })
}

/// `Yarın 15:00'te "Dişçi" etkinliğini takvime ekleyeyim mi?` / `Shall I add "Dentist" to your
/// calendar tomorrow at 15:00?`
fn add(cx: &Context, args: AddArgs) -> Option<String> {
    let title = args.title.trim();
    if title.is_empty() {
        return None;
    }
    // The title as `add` will keep it.
    let title = if title.chars().nth(1).is_none_or(char::is_lowercase) {
        capitalise(title, cx.tr)
    } else {
        title.to_owned()
    };
    let today = cx.today();
    let day = date_arg(args.date.as_deref()).ok()?.unwrap_or(today);
    let time = time_arg(args.time.as_deref()).ok()?;
    let place = args
        .location
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let day_word = say::day(day, today, cx.tr);
    let text = match (time, args.all_day, cx.tr) {
        (Some(t), None | Some(false), true) => {
            let length = args
                .duration
                .filter(|s| *s > 0 && *s != DEFAULT_SECONDS)
                .map(|s| format!("{} sürecek ", say::length(s, true)))
                .unwrap_or_default();
            let place = place
                .map(|p| format!(", yeri {p} olarak,"))
                .unwrap_or_default();
            capitalise(
                &format!(
                    "{day_word} {} {length}\"{title}\" etkinliğini{place} takvime ekleyeyim mi?",
                    say::at(t)
                ),
                true,
            )
        }
        (Some(t), None | Some(false), false) => {
            let when = match (day - today).num_days() {
                0 | 1 => format!("{day_word} at {}", t.format("%H:%M")),
                _ => format!("on {day_word} at {}", t.format("%H:%M")),
            };
            let length = args
                .duration
                .filter(|s| *s > 0 && *s != DEFAULT_SECONDS)
                .map(|s| format!(" for {}", say::length(s, false)))
                .unwrap_or_default();
            let place = place.map(|p| format!(" ({p})")).unwrap_or_default();
            format!("Shall I add \"{title}\"{place} to your calendar {when}{length}?")
        }
        (_, _, true) => {
            let place = place
                .map(|p| format!(", yeri {p} olarak,"))
                .unwrap_or_default();
            format!(
                "\"{title}\" etkinliğini{place} {day_word} için tüm gün olarak takvime ekleyeyim mi?"
            )
        }
        (_, _, false) => {
            let on = match (day - today).num_days() {
                0 | 1 => day_word,
                _ => format!("on {day_word}"),
            };
            let place = place.map(|p| format!(" ({p})")).unwrap_or_default();
            format!("Shall I add \"{title}\"{place} to your calendar as an all-day event {on}?")
        }
    };
    Some(text)
}

/// The title of the event the user means, as the calendar has it when exactly one fits, else
/// in the user's own words.
fn name(cx: &Context, args: &PickArgs) -> Option<String> {
    if let Ok(events) = load()
        && let Ok(Picked::One(event)) = pick(cx, &events, args)
    {
        return Some(event.title);
    }
    [&args.title, &args.id]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `"Dişçi" etkinliğini cuma 16:00'ya taşıyayım mı?` / `Shall I move "Dentist" to Friday at
/// 16:00?`, `"Toplantı" etkinliğini bir saat ileri alayım mı?` / `Shall I move "Meeting" an hour
/// later?`, with renaming, a new place and a new length joined in.
fn update(cx: &Context, args: UpdateArgs) -> Option<String> {
    let name = name(cx, &args.pick)?;
    let today = cx.today();
    let date = date_arg(args.date.as_deref()).ok()?;
    let time = time_arg(args.time.as_deref()).ok()?;
    let by = shift_arg(args.later_by, args.earlier_by).ok()?;
    let new_title = args
        .new_title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let place = args
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let length = args.duration.filter(|s| *s > 0);
    let tr = cx.tr;
    // Each change as (the first clause, a later one): Turkish joins them with -ıp and ends
    // with -ayım mı; English with commas and "and".
    let mut clauses: Vec<(String, String)> = Vec::new();
    if date.is_some() || time.is_some() {
        if tr {
            let to = match (date, time) {
                (Some(d), Some(t)) => format!("{} {}", say::day(d, today, true), say::to(t)),
                (Some(d), None) => say::to_day(d, today),
                (None, Some(t)) => say::to(t),
                (None, None) => unreachable!("one of them is set"),
            };
            clauses.push((format!("{to} taşı"), String::new()));
        } else {
            let when = match (date, time) {
                (Some(d), Some(t)) => format!("{} at {}", say::day(d, today, false), hm(t)),
                (Some(d), None) => say::day(d, today, false),
                (None, Some(t)) => hm(t),
                (None, None) => unreachable!("one of them is set"),
            };
            clauses.push((
                format!("move \"{name}\" to {when}"),
                format!("move it to {when}"),
            ));
        }
    }
    if let Some(seconds) = by {
        let how_far = amount(seconds.abs(), tr);
        clauses.push(match (tr, seconds > 0) {
            (true, true) => (format!("{how_far} ileri al"), String::new()),
            (true, false) => (format!("{how_far} öne al"), String::new()),
            (false, later) => {
                let way = if later { "later" } else { "earlier" };
                (
                    format!("move \"{name}\" {how_far} {way}"),
                    format!("move it {how_far} {way}"),
                )
            }
        });
    }
    if let Some(new) = new_title {
        clauses.push(if tr {
            (format!("adını \"{new}\" yap"), String::new())
        } else {
            (
                format!("rename \"{name}\" to \"{new}\""),
                format!("rename it to \"{new}\""),
            )
        });
    }
    if let Some(p) = place {
        clauses.push(if tr {
            (format!("yerini {p} yap"), String::new())
        } else {
            (
                format!("set the place of \"{name}\" to {p}"),
                format!("set its place to {p}"),
            )
        });
    }
    if let Some(s) = length {
        clauses.push(if tr {
            (
                format!("süresini {} yap", say::length(s, true)),
                String::new(),
            )
        } else {
            (
                format!("make \"{name}\" {} long", say::length(s, false)),
                format!("make it {} long", say::length(s, false)),
            )
        });
    }
    if clauses.is_empty() {
        return None;
    }
    if tr {
        // "taşı", "al" and "yap" are the only verbs: -yıp / -ıp, -yayım mı / -ayım mı.
        let last = clauses.len() - 1;
        let verbs: Vec<String> = clauses
            .iter()
            .enumerate()
            .map(|(i, (clause, _))| {
                let (stem, verb) = clause.rsplit_once(' ').unwrap_or(("", clause));
                let verb = match (verb, i == last) {
                    ("taşı", false) => "taşıyıp",
                    ("taşı", true) => "taşıyayım mı",
                    ("al", false) => "alıp",
                    ("al", true) => "alayım mı",
                    (_, false) => "yapıp",
                    (_, true) => "yapayım mı",
                };
                format!("{stem} {verb}")
            })
            .collect();
        let object = if date.is_some() || time.is_some() || by.is_some() {
            "etkinliğini"
        } else {
            "etkinliğinin"
        };
        Some(format!("\"{name}\" {object} {}?", verbs.join(" ")))
    } else {
        let mut parts: Vec<String> = vec![clauses[0].0.clone()];
        parts.extend(clauses[1..].iter().map(|(_, later)| later.clone()));
        let joined = match parts.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => return None,
        };
        Some(format!("Shall I {joined}?"))
    }
}

/// `"Dişçi" etkinliğini takvimden sileyim mi?` / `Shall I delete "Dentist" from your calendar?`
fn delete(cx: &Context, args: &PickArgs) -> Option<String> {
    let name = name(cx, args)?;
    Some(if cx.tr {
        format!("\"{name}\" etkinliğini takvimden sileyim mi?")
    } else {
        format!("Shall I delete \"{name}\" from your calendar?")
    })
}

/// How far a move goes, the way people say it: "bir saat", "yarım saat", "45 dakika" / "an
/// hour", "half an hour", "45 minutes".
fn amount(seconds: i64, tr: bool) -> String {
    match (seconds, tr) {
        (1800, true) => "yarım saat".into(),
        (1800, false) => "half an hour".into(),
        (3600, true) => "bir saat".into(),
        (3600, false) => "an hour".into(),
        (86400, true) => "bir gün".into(),
        (86400, false) => "a day".into(),
        (604800, true) => "bir hafta".into(),
        (604800, false) => "a week".into(),
        _ => say::length(seconds, tr),
    }
}

fn hm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::amount;

    #[test]
    fn says_how_far_a_move_goes_the_way_people_do() {
        assert_eq!(amount(3600, true), "bir saat");
        assert_eq!(amount(3600, false), "an hour");
        assert_eq!(amount(1800, true), "yarım saat");
        assert_eq!(amount(1800, false), "half an hour");
        assert_eq!(amount(900, true), "15 dakika");
        assert_eq!(amount(5400, false), "1 hour 30 minutes");
        assert_eq!(amount(604800, true), "bir hafta");
    }
}
