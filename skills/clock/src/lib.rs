//! The clock skill: tells the time and the date, in Turkish or English, in the timezone of its
//! config (`[skills.clock] timezone = "Europe/Istanbul"`, the default).

use bantz_sdk::{
    Call, Command, DescriptionKind, Error, Intent, Manifest, Reply, Skill, export, json, words,
};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

mod now;

/// Used when the config names no timezone.
pub const DEFAULT_TIMEZONE: &str = "Europe/Istanbul";

struct Clock;

impl Skill for Clock {
    fn manifest() -> Manifest {
        Manifest::new(
            "clock",
            env!("CARGO_PKG_VERSION"),
            "Tells the current time and date.",
        )
        .command(
            Command::new("now", "The current time")
                .example("saat kaç?")
                .example("what time is it?"),
        )
        .command(
            Command::new("today", "Today's date and weekday")
                .example("bugün günlerden ne?")
                .example("what's the date today?"),
        )
        .intent(Intent::new(
            "now",
            "tr",
            [
                "[şu an|şu anda] [şimdi] saat kaç [oldu|oluyor|olmuş] [acaba] [lütfen]",
                "[şu an|şu anda|şimdi] saat tam [olarak] kaç [oldu|acaba]",
                "kaç oldu saat",
                "saati öğrenebilir miyim",
                "saat kaçı gösteriyor",
                "saati söyle",
                "saati (söyler|söyleyebilir) misin",
                "[şu an|şimdi] saat ne [oldu|olmuş] [acaba]",
                "saatin kaç olduğunu (söyler misin|söyle|biliyor musun|öğrenebilir miyim)",
                "saat kaç (biliyor musun|söyler misin|oldu acaba)",
                "[şu an|şimdi] saat (kaçı|kaç) gösteriyor",
                "saati (öğrenebilir miyim|söyler misin|alabilir miyim)",
                "saat (şu an|şimdi|şu anda) (kaç|kaçtır) [oldu] [acaba]",
                "saat (kaç|kaçtır) (şimdi|şu an|şu anda) [acaba]",
                "[şu an|şimdi] saat (kaçtır|kaç olmuş|kaç olmuştur) [acaba]",
                "(şimdiki|şu anki|şu andaki) saat (kaç|ne|nedir) [acaba]",
                "[bana] saati (öğrenmek istiyorum|merak ediyorum|söyle|söyler misin|söyleyebilir misin|söylesene)",
                "saatin kaç olduğunu (merak ediyorum|öğrenmek istiyorum|söyleyebilir misin)",
                "saat kaç (oldu|olmuş) (biliyor musun|söyler misin|söyleyebilir misin)",
                "kaç oldu saat [acaba]",
                "saat bilgisi [ver|verir misin|nedir|lütfen]",
                "(saatin|saat) (kaç|kaçta) (olduğunu|olduğumuzu) (söyle|söyler misin|söyleyebilir misin|biliyor musun)",
                "saat kaç diye (soruyorum|merak ettim)",
            ],
        ))
        .intent(Intent::new(
            "now",
            "en",
            [
                "what time is it [now|right now] [please]",
                "(do you know|can you tell me|could you tell me) what time it is [now|right now]",
                "(do you|would you|do you by any chance) (happen to know|know) (the time|what time it is) [now|right now]",
                "(can|could) you tell me the time [please]",
                "[the] time please",
                "what's the time [now]",
                "what is the time [now]",
                "(tell me|give me) the time",
                "time",
                "(what's|what is) the (current|exact) time [now|right now]",
                "(tell me|give me) the (current|exact) time",
                "[the] current time [please]",
                "do you (have|know) the time",
                "what time (do you have|have you got)",
                "what time is it (at the moment|currently|just now)",
                "(what's|what is) the time (right now|at the moment|please)",
                "(what's|what is) the time",
                "what hour is it [now|right now]",
                "(tell me|show me) what time it is [now|right now]",
                "i (need|want) (the time|to know the time|to know what time it is)",
                "(check|say) the time",
                "[the] time (now|right now)",
                "(have you|you) got the time",
                "got the time",
                "[quick] time check",
                "how late is it [now|right now|already]",
            ],
        ))
        .intent(Intent::new(
            "today",
            "tr",
            [
                "bugün (günlerden|hangi gün) ne",
                "bugün günlerden ne",
                "bugün hangi gün",
                "bugün ayın kaçı [acaba]",
                "[bugün] hangi gündeyiz",
                "ayın kaçındayız",
                "(bugünün tarihi|tarih) ne",
                "bugün tarih ne",
                "bugünün tarihi",
                "(bugün|bugünün) (ayın kaçı|tarihi) [oldu] [acaba]",
                "(tarih|bugünün tarihi) (nedir|ne) [bugün] [acaba]",
                "günlerden ne [bugün] [acaba]",
                "bugün (hangi|ne) gün [acaba]",
                "(tarihi|bugünün tarihini) (söyle|söyler misin|öğrenebilir miyim)",
                "bugün (tarih|ayın) (kaç|kaçı) [acaba]",
                "bugün haftanın (hangi|kaçıncı) günü",
                "bugün (ne|hangi) günü [acaba]",
                "(bugünün tarihi|tarih) (kaç|nedir)",
                "bugün (ayın kaçı|tarih ne) [oldu] [acaba]",
                "hangi (ayın kaçındayız|gündeyiz) [bugün]",
                "[bana] (tarihi|bugünün tarihini|günü) (söyler misin|söyleyebilir misin|söyle)",
                "bugün (pazartesi|salı|çarşamba|perşembe|cuma|cumartesi|pazar) (mı|mıydı) [acaba]",
                "bugün ayın (kaçı|kaçıncı günü) [acaba]",
                "bugün (günlerden|hangi gün) (neydi|neymiş)",
                "(hangi ayda|hangi aydayız|ayın kaçındayız|hangi yıldayız) [acaba]",
            ],
        ))
        .intent(Intent::new(
            "today",
            "en",
            [
                "what's the date [today] [please]",
                "which day is (it|today)",
                "what is the date [today]",
                "what's today's date",
                "what is today's date",
                "what day is (it|today)",
                "(today's|the) date",
                "what day of the (week|month) is it [today]",
                "(what's|what is) (today|the day today)",
                "(tell me|give me) [today's|the] date [please]",
                "which date is it [today]",
                "[today's|the] date [today|please]",
                "date today",
                "(can|could) you tell me [today's|the] date",
                "(can|could) you tell me what day it is [today]",
                "(what's|what is) the date (right now|now)",
                "what (date|day) is it [today]",
                "today's date",
                "(remind me|tell me) what (day|date) it is [today]",
                "is (it|today) (monday|tuesday|wednesday|thursday|friday|saturday|sunday) [today]",
                "is (it|today) (monday|tuesday|wednesday|thursday|friday|saturday|sunday) or (monday|tuesday|wednesday|thursday|friday|saturday|sunday) [today]",
                "(what|which) (month|year) is it [now]",
                "(whats|what's) todays date",
            ],
        ))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        let tz = timezone()?;
        let now = now_utc()?.with_timezone(&tz);
        let turkish = call.locale() == "tr";
        match call.command() {
            "now" => {
                let (text, data) = now::now(now, turkish);
                Ok(Reply::text(text).with_data(&data))
            }
            "today" => {
                let (day, month, weekday) = (now.day(), now.month0() as usize, now.weekday());
                let text = if turkish {
                    format!(
                        "Bugün {day} {} {}, {}.",
                        words::month(month as u32, true),
                        now.year(),
                        words::weekday(weekday.num_days_from_monday(), true)
                    )
                } else {
                    format!(
                        "Today is {}, {day} {} {}.",
                        words::weekday(weekday.num_days_from_monday(), false),
                        words::month(month as u32, false),
                        now.year()
                    )
                };
                Ok(Reply::text(text).with_data(&json!({
                    "date": now.format("%Y-%m-%d").to_string(),
                    "weekday": words::weekday(weekday.num_days_from_monday(), false),
                    "timezone": tz.name(),
                })))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }

    fn describe(call: &Call, kind: DescriptionKind) -> Option<String> {
        let tr = call.locale() == "tr";
        let (in_tr, in_en) = match (call.command(), kind) {
            ("now", DescriptionKind::Summary) => ("Saati söyler", "Tells the time"),
            ("today", DescriptionKind::Summary) => (
                "Bugünün tarihini ve gününü söyler",
                "Tells today's date and weekday",
            ),
            _ => return None,
        };
        Some(if tr { in_tr } else { in_en }.to_owned())
    }
}

export!(Clock);

fn timezone() -> Result<Tz, Error> {
    let name = bantz_sdk::config::get_or("timezone", DEFAULT_TIMEZONE);
    name.parse::<Tz>().map_err(|_| {
        Error::Internal(format!(
            "the configured timezone {name:?} is not an IANA timezone name such as \"Europe/Istanbul\""
        ))
    })
}

fn now_utc() -> Result<DateTime<Utc>, Error> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::Internal("the system clock is before 1970".into()))?;
    DateTime::from_timestamp(since_epoch.as_secs() as i64, since_epoch.subsec_nanos())
        .ok_or_else(|| Error::Internal("the system clock is out of range".into()))
}
