//! A test skill with the intents an everyday assistant has: weather, rain, reminders, calendar
//! and timers, in Turkish and English, with typed slots. Every command answers with the
//! arguments it received as its data, so the brain's evaluation set can check routing and slot
//! parsing end to end without real services behind them.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, SlotKind, export};

struct Errands;

impl Skill for Errands {
    fn manifest() -> Manifest {
        Manifest::new(
            "errands",
            env!("CARGO_PKG_VERSION"),
            "Everyday-assistant intents that echo their arguments.",
        )
        .command(Command::new("weather", "The weather forecast"))
        .command(Command::new("rain", "Whether it will rain"))
        .command(
            Command::new("remind", "Set a reminder").args_schema(serde_json::json!({
                "type": "object",
                "properties": {"what": {"type": "string"}},
                "required": ["what"]
            })),
        )
        .command(Command::new("reminders", "List the reminders"))
        .command(Command::new("cancel-reminder", "Cancel a reminder").needs_confirmation())
        .command(Command::new("agenda", "What is on the calendar"))
        .command(Command::new("add-event", "Add an event to the calendar").needs_confirmation())
        .command(Command::new("timer", "Set a timer"))
        .intent(
            Intent::new(
                "weather",
                "tr",
                [
                    "[{date}] [{place}] hava (nasıl|durumu|durumu nasıl|nasıl olacak) [acaba]",
                    "[{place}] [{date}] hava (nasıl|durumu|durumu nasıl|nasıl olacak) [acaba]",
                    "{place} için [{date}] hava durumu",
                    "hava durumu [{place}] [{date}]",
                    "[{date}] [{place}] (hava|havalar) (sıcak|soğuk) mu",
                    "[{date}] kaç derece [olacak]",
                ],
            )
            .slot("place", SlotKind::Place)
            .slot("date", SlotKind::Date),
        )
        .intent(
            Intent::new(
                "weather",
                "en",
                [
                    "(what's|what is|how's|how is) the weather [like] [in {place}] [{date}]",
                    "(what's|what is|how's|how is) the weather [like] [{date}] [in {place}]",
                    "[{date}] weather [in {place}]",
                    "weather [forecast] [in|for {place}] [{date}]",
                    "(is it|will it be) (hot|cold|warm) [in {place}] [{date}]",
                    "[what's the] forecast [for {place}] [{date}]",
                ],
            )
            .slot("place", SlotKind::Place)
            .slot("date", SlotKind::Date),
        )
        .intent(
            Intent::new(
                "rain",
                "tr",
                [
                    "[{date}] [{place}] yağmur (yağacak|yağar) mı",
                    "[{date}] şemsiye (alayım mı|almalı mıyım|lazım mı)",
                ],
            )
            .slot("place", SlotKind::Place)
            .slot("date", SlotKind::Date),
        )
        .intent(
            Intent::new(
                "rain",
                "en",
                [
                    "will it rain [in {place}] [{date}]",
                    "is it going to rain [in {place}] [{date}]",
                    "(do|should) i (need|take|bring) an umbrella [{date}]",
                ],
            )
            .slot("place", SlotKind::Place)
            .slot("date", SlotKind::Date),
        )
        .intent(
            Intent::new(
                "remind",
                "tr",
                [
                    "[bana] [{date}] {time} {what} hatırlat",
                    "[bana] [{date}] {time} {what} (hatırlatır mısın|hatırlatabilir misin)",
                    "{what} (diye|için) [{date}] {time} hatırlatıcı kur",
                ],
            )
            .slot("date", SlotKind::Date)
            .slot("time", SlotKind::Time)
            .text_slot("what"),
        )
        .intent(
            Intent::new(
                "remind",
                "en",
                [
                    "remind me to {what} [{date}] [{time}]",
                    "remind me [{date}] [{time}] to {what}",
                    "remind me to {what} {time} [{date}]",
                    "set a reminder (to|for) {what} [{date}] [{time}]",
                ],
            )
            .slot("date", SlotKind::Date)
            .slot("time", SlotKind::Time)
            .text_slot("what"),
        )
        .intent(Intent::new(
            "reminders",
            "tr",
            [
                "hatırlatıcılarım [neler|ne]",
                "hatırlatıcılarımı (göster|listele)",
                "neyi hatırlatacaksın",
            ],
        ))
        .intent(Intent::new(
            "reminders",
            "en",
            [
                "(list|show) [me] my reminders",
                "what are my reminders",
                "what reminders do i have",
            ],
        ))
        .intent(
            Intent::new(
                "cancel-reminder",
                "tr",
                ["{what} hatırlatıcısını (iptal et|sil)"],
            )
            .text_slot("what"),
        )
        .intent(
            Intent::new(
                "cancel-reminder",
                "en",
                ["(cancel|delete) the reminder (to|about) {what}"],
            )
            .text_slot("what"),
        )
        .intent(
            Intent::new(
                "agenda",
                "tr",
                [
                    "[{date}] (neler var|ne var) [takvimimde|takvimde]",
                    "[{date}] takvimimde (neler var|ne var)",
                    "[{date}] programım (ne|nasıl)",
                    "[{date}] toplantım var mı",
                ],
            )
            .slot("date", SlotKind::Date),
        )
        .intent(
            Intent::new(
                "agenda",
                "en",
                [
                    "(what's|what is) on [my calendar] [for] [{date}]",
                    "what do i have [on] [{date}]",
                    "(show|check) my (calendar|schedule) [for] [{date}]",
                    "do i have (meetings|anything) [on] [{date}]",
                ],
            )
            .slot("date", SlotKind::Date),
        )
        .intent(
            Intent::new(
                "add-event",
                "tr",
                [
                    "takvime [{date}] [{time}] {title} ekle",
                    "[{date}] {time} {title} (ekle|toplantısı ekle|randevusu ekle)",
                ],
            )
            .slot("date", SlotKind::Date)
            .slot("time", SlotKind::Time)
            .text_slot("title"),
        )
        .intent(
            Intent::new(
                "add-event",
                "en",
                [
                    "add {title} to my calendar [{date}] [{time}]",
                    "schedule {title} [{date}] [{time}]",
                    "(put|add) {title} on {date} [{time}]",
                ],
            )
            .slot("date", SlotKind::Date)
            .slot("time", SlotKind::Time)
            .text_slot("title"),
        )
        .intent(
            Intent::new(
                "timer",
                "tr",
                [
                    "{duration} (zamanlayıcı|sayaç) kur",
                    "{duration} (sonra haber ver|say)",
                ],
            )
            .slot("duration", SlotKind::Duration),
        )
        .intent(
            Intent::new(
                "timer",
                "en",
                [
                    "set a timer for {duration}",
                    "{duration} timer",
                    "start a {duration} timer",
                ],
            )
            .slot("duration", SlotKind::Duration),
        )
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        let args: serde_json::Value = call.args()?;
        Ok(Reply::text(format!("{} {args}", call.command())).with_data(&args))
    }
}

export!(Errands);
