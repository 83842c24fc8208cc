//! The morning briefing: weather, the day's events and the reminders still to come, in one
//! answer. It is a host feature, not a skill: it runs the `weather.forecast`,
//! `calendar.agenda` and `reminders.list` commands through the same runner as any chat (same
//! limits, counters and quarantine), so no skill needs the power to call another skill, and
//! the WIT contract needs no skill-to-skill capability with its own permissions, cycles and
//! nested deadlines. A part whose skill is missing or failing is left out with a note.

use chrono::{Datelike, NaiveDateTime};

use super::{Answer, Brain, BrainError, ChatEvent, Turn};
use crate::runtime::Invocation;

// The SDK's names, the ones the skills answer with, compiled into the host as well. The host
// folds messages its own way (`normalise`), so the SDK's `fold` is unused here.
#[allow(dead_code)]
#[path = "../../../sdk/src/words.rs"]
pub(super) mod words;

/// The pseudo-skill name the briefing routes under (`bantz.briefing`).
pub const SKILL: &str = "bantz";
pub const COMMAND: &str = "briefing";

/// What the briefing does, for the help reply, in Turkish and English (a skill says this with
/// `describe`; the briefing is the host's own).
pub const SUMMARY: (&str, &str) = (
    "Hava, takvim ve hatırlatıcılarla günün özetini verir",
    "Gives you the day's briefing of weather, calendar and reminders",
);
/// One way to ask for it, in Turkish and English, for the help reply.
pub const EXAMPLE: (&str, &str) = ("günaydın", "brief me");
/// The skills whose commands make up the briefing; it is offered when one of them is loaded.
pub fn parts() -> impl Iterator<Item = &'static str> {
    PARTS.iter().map(|(skill, _, _, _)| *skill)
}

/// The built-in intents that ask for the briefing.
pub const INTENTS: &[(&str, &[&str])] = &[
    (
        "tr",
        &[
            "günaydın [bugün ne var]",
            "(beni|bizi) (bugüne|güne) hazırla",
            "brifing ver",
            "günün özeti",
            "bugün beni neler bekliyor",
            "[bana] (günün|bugünün|sabah) (özeti|özetini ver|özetini söyle|brifingi)",
            "(günlük|sabah) (özet|özetim|brifing|brifingim)",
            "(brifingimi|özetimi) ver",
            "günümü özetle",
            "[bugün|bugünün|bugün için] [kısa] [bir] özet (geçer misin|geç|geçebilir misin|verir misin|ver)",
            "bugün (günüm|günümüz) nasıl geçecek",
            "(sabah|günlük|günün) (özetimi|brifingimi) (ver|söyle|oku)",
            "bugün (beni|bizi) ne bekliyor",
            "günaydın (bugün|günüm) nasıl",
            "(bugünü|günü|günümü|bugün neler olacak) (özetle|özetler misin|özetleyebilir misin)",
            "(sabah|günlük) (raporu|raporum|raporumu ver)",
            "[bana] [kısa] [bir] (günün|bugünün|sabah|günlük) (özetini|brifingini|brifingi|özeti) (alabilir miyim|verir misin|ver|söyler misin|dinlemek istiyorum|istiyorum)",
            "[bana] [kısa] [bir] (sabah|günlük|günün) (özeti|brifingi|özetini|brifingini) (ver|verir misin|geç|çıkar)",
            "(bugünkü|bugünün|sabahki|günlük) (brifingi|brifingimi|özeti|özetimi) (alabilir miyim|verir misin|ver|söyle|oku|istiyorum)",
            "güne başlamadan (önce|evvel) [bana] [kısa] [bir] (özet|sabah özeti|brifing) (ver|verir misin|geç)",
            "[bugün] (beni|bizi) [bir] (güncelle|bilgilendir|haberdar et) [bakalım]",
            "(günüme|bugüne|güne) dair [kısa] [bir] (genel bakış|özet|brifing) (istiyorum|ver|verir misin)",
            "(günümün|bugünün) özetini (çıkar|çıkarır mısın|yap|istiyorum)",
            "(bugün|bugünle ilgili|bugün için) bilmem gereken (şeyler|neler|bir şey) (ne|neler|var mı)",
            "(bugün|bugünle ilgili|bugün için) (bilmem gerekenler|bilmem gereken her şey) [ne|neler]",
        ],
    ),
    (
        "en",
        &[
            "brief me",
            "good morning",
            "(give me|what's) my briefing",
            "how does my day look",
            "(what does|how does) my day look like [today]",
            "(daily|morning) (briefing|summary|rundown)",
            "(give me|read me|what's) my (daily|morning) (briefing|summary|rundown)",
            "(summarize|sum up) my day",
            "(run|walk) me through (today|my day)",
            "run through (today|my day)",
            "(give me|what's) the rundown [for today]",
            "(what's|what does) my day look like [today]",
            "(what's|how's) my day (looking|shaping up) [today]",
            "good morning (what's up today|what's on today|brief me)",
            "(give me|what's) [a|the] (rundown|summary|overview) of my day",
            "(daily|morning) (update|report|summary|briefing) [please]",
            "(start|kick off|begin) my day",
            "(get me|help me get) ready for (the|my) day [today]",
            "what's up today",
            "catch me up [on today|on my day]",
            "(can i get|can i have|could i get|i'd like|i want) [my|the|a] (daily|morning) (briefing|summary|rundown|update)",
            "(give me|read me) [a|the] (quick|short) (briefing|summary|rundown) [of my day|for today]",
            "(update me|fill me in|bring me up to speed) [on today|on my day|for today]",
            "what do i need to know [today|for today|about today]",
        ],
    ),
];

/// The parts, in order: skill, command, arguments (today's date is added), heading tr/en.
const PARTS: &[(&str, &str, &str, &str)] = &[
    ("weather", "forecast", "Hava", "Weather"),
    ("calendar", "agenda", "Takvim", "Calendar"),
    ("reminders", "list", "Hatırlatıcılar", "Reminders"),
];

impl Brain {
    /// Sends today's briefing as a `system.briefing` notification, once per day.
    pub async fn send_briefing(
        &self,
        bus: &crate::events::Bus,
        locale: &'static str,
    ) -> Result<(), BrainError> {
        let now = self.now();
        let answer = self.brief(now, locale, None).await?;
        let title = if locale == "tr" {
            "Günaydın"
        } else {
            "Good morning"
        };
        let data = answer.data.map(|d| d.to_string());
        let new = crate::store::NewNotification {
            source: "system",
            kind: "briefing",
            title,
            body: &answer.response,
            data: data.as_deref(),
        };
        let key = format!("briefing-{}", now.date());
        match bus.notify(&new, Some(&key)).await {
            Ok(_) => Ok(()),
            Err(crate::events::NotifyError::Store(e)) => Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "the briefing was not sent");
                Ok(())
            }
        }
    }

    /// Composes the briefing for `now` (local time) in `locale`. `turn` is the chat it answers,
    /// if any; the scheduled briefing has none.
    pub(super) async fn brief(
        &self,
        now: NaiveDateTime,
        locale: &'static str,
        turn: Option<&Turn<'_>>,
    ) -> Result<Answer, BrainError> {
        let tr = locale == "tr";
        let date = now.date();
        let month = words::month(date.month0(), tr);
        let weekday = words::weekday(date.weekday().num_days_from_monday(), tr);
        let greeting = if tr {
            format!(
                "Günaydın! Bugün {} {month} {}, {weekday}.",
                date.day(),
                date.year()
            )
        } else {
            format!(
                "Good morning! Today is {weekday}, {} {month} {}.",
                date.day(),
                date.year()
            )
        };
        let mut sections = vec![greeting];
        let mut tools_used = Vec::new();
        let mut data = serde_json::Map::new();
        for (skill, command, heading_tr, heading_en) in PARTS {
            let heading = if tr { heading_tr } else { heading_en };
            let Some(loaded) = self.runtime.skill(skill) else {
                continue;
            };
            if loaded.command(command).is_none() {
                continue;
            }
            let tool = format!("{skill}.{command}");
            if let Some(turn) = turn {
                turn.emit(ChatEvent::Tool(tool.clone()));
            }
            let args = match *command {
                "list" => serde_json::json!({}),
                _ => serde_json::json!({ "date": date.format("%Y-%m-%d").to_string() }),
            };
            let invocation = Invocation {
                skill: (*skill).to_owned(),
                command: (*command).to_owned(),
                args,
                locale: locale.to_owned(),
                conversation_id: turn.map(|t| t.session_id.to_owned()).unwrap_or_default(),
            };
            tools_used.push(tool);
            match self.runtime.invoke(&invocation).await {
                Ok(reply) => {
                    sections.push(format!("{heading}: {}", reply.text));
                    if let Some(d) = reply.data {
                        data.insert((*skill).to_owned(), d);
                    }
                }
                Err(e) => {
                    tracing::warn!(skill, error = %e, "briefing part failed");
                    let note = if tr {
                        "şu an alınamadı"
                    } else {
                        "not available right now"
                    };
                    sections.push(format!("{heading}: {note}."));
                }
            }
        }
        let response = sections.join("\n\n");
        Ok(Answer {
            response,
            tools_used,
            data: Some(serde_json::Value::Object(data)),
            ..Answer::text(String::new(), locale)
        })
    }
}
