//! The reminders skill: "10 dakika sonra çayı hatırlat", "remind me to call mom at 5pm", list and
//! cancel. Reminders live in kv; `on-tick` (every [`TICK_SECONDS`]) sends each one that is due as
//! a notification exactly once: `notify-once` with the reminder's id, then the reminder is
//! removed, so a crash between the two neither loses nor repeats it.
//!
//! Times are read in the timezone of the skill's config, else the host's (`config-get("timezone")`).
//!
//! A cancel names its reminders by text, day, time, a word for all, or not at all ([`Which`]);
//! it never guesses between several: it asks which.

use bantz_sdk::words::fold;
use bantz_sdk::{
    Call, Command, DescriptionKind, Error, Intent, Manifest, Reply, Skill, SlotKind, export, json,
    kv,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How often the skill looks for due reminders: a reminder fires at most this many seconds after
/// its time. People set reminders to the minute ("at 5pm", "in 10 minutes"), and a quarter of a
/// minute is on time for those; the host would not tick more often than every 5 s anyway.
const TICK_SECONDS: u32 = 15;
/// A date alone means this time of that day.
const DEFAULT_TIME: &str = "09:00";
/// The furthest ahead a reminder may be: ten years, in seconds.
const MAX_AHEAD_SECONDS: i64 = 3660 * 86400;
const PREFIX: &str = "r:";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Reminder {
    id: String,
    what: String,
    due_ms: i64,
    locale: String,
}

#[derive(Deserialize)]
struct AddArgs {
    what: String,
    date: Option<String>,
    time: Option<String>,
    /// Seconds from now.
    duration: Option<i64>,
}

/// The arguments of `cancel`, each optional (see [`Which`] for what they mean together).
#[derive(Deserialize, Default)]
struct CancelArgs {
    what: Option<String>,
    date: Option<String>,
    time: Option<String>,
}

/// Which pending reminders a `cancel` means.
#[derive(Debug, PartialEq)]
enum Which {
    /// Every one: `what` was only a word for all ("all", "tümünü"), since a template cannot
    /// set a constant argument.
    All,
    /// Those whose text contains `what`, due on `date`, at `time`: at least one of them is
    /// given.
    Matching {
        what: Option<String>,
        date: Option<NaiveDate>,
        time: Option<NaiveTime>,
    },
    /// Nothing says which ("cancel the reminder"): the one pending, or a question when
    /// there are several.
    Unsaid,
}

/// Words that, alone, mean every reminder, folded ("tümünü" → "tumunu").
const ALL_WORDS: &[&str] = &[
    "all",
    "all of them",
    "every",
    "every one",
    "everything",
    "each",
    "hepsi",
    "hepsini",
    "tumu",
    "tumunu",
    "tum",
    "butun",
];

struct Reminders;

impl Skill for Reminders {
    fn manifest() -> Manifest {
        let add = |locale, templates: &[&'static str]| {
            Intent::new("add", locale, templates.iter().copied())
                .slot("date", SlotKind::Date)
                .slot("time", SlotKind::Time)
                .slot("duration", SlotKind::Duration)
                .text_slot("what")
        };
        Manifest::new("reminders", env!("CARGO_PKG_VERSION"), "Reminds you of things at a time you choose.")
            .command(
                Command::new("add", "Set a reminder")
                    .args_schema(json!({
                        "type": "object",
                        "properties": {
                            "what": {"type": "string", "description": "what to remind of"},
                            "date": {"type": "string", "format": "date"},
                            "time": {"type": "string", "description": "HH:MM, local time"},
                            "duration": {"type": "integer", "description": "seconds from now"}
                        },
                        "required": ["what"]
                    }))
                    .example("10 dakika sonra çayı hatırlat")
                    .example("remind me to call mom at 5pm")
                    .example("yarın sabah 8'de ilacımı içmemi hatırlat")
                    .example("akşam 7'de çöpü çıkarmayı unutmayayım")
                    .example("remind me about the meeting at 3pm")
                    .example("don't let me forget to buy bread tomorrow")
                    .example("set a reminder for 9am to call the doctor")
                    .example("yarın için faturayı ödeme hatırlatıcısı kur")
                    .example("5 dakika sonra bana ocağı hatırlat")
                    .example("remind me in an hour to take a break"),
            )
            .command(
                Command::new("list", "List the reminders still to come")
                    .example("hatırlatıcılarım neler")
                    .example("list my reminders")
                    .example("hatırlatıcılarımı listele")
                    .example("bekleyen hatırlatmalarım neler")
                    .example("hangi hatırlatıcılarım var")
                    .example("bana neleri hatırlatacaksın")
                    .example("hatirlaticilarimi goster")
                    .example("show me my reminders")
                    .example("what reminders do i have coming up")
                    .example("read me my reminders")
                    .example("check my reminders")
                    .example("do i have any reminders set"),
            )
            .command(
                Command::new("cancel", "Cancel a reminder")
                    .args_schema(json!({
                        "type": "object",
                        "description": "Which reminders to cancel. `what` alone: those whose text contains it; with `date`/`time`: only those due then. `date`/`time` alone: those due then. `what` that is only a word for all (\"all\", \"tümünü\"): every one. Nothing: the one pending reminder; when several are pending, none is cancelled and the reply lists them and asks which.",
                        "properties": {
                            "what": {"type": "string", "description": "a word of the reminder's text, or a word for all"},
                            "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD, the day the reminder is due"},
                            "time": {"type": "string", "description": "HH:MM, local time the reminder is due"}
                        }
                    }))
                    .needs_confirmation()
                    .example("çay hatırlatıcısını iptal et")
                    .example("cancel the reminder to call mom")
                    .example("fatura hatırlatıcısını sil")
                    .example("spor hatırlatmasını iptal et")
                    .example("yarınki hatırlatıcıyı kaldır")
                    .example("delete the reminder about the dentist")
                    .example("remove my reminder to buy milk")
                    .example("drop my reminder for tomorrow")
                    .example("i don't need the reminder about the gym anymore")
                    .example("tüm hatırlatıcılarımı sil")
                    .example("clear all my reminders")
                    .example("yarınki hatırlatmaları temizle"),
            )
            .intent(add(
                "tr",
                &[
                    "[bana] [{date}] {time} {what} hatırlat",
                    "[bana] [{date}] {time} {what} (hatırlatır mısın|hatırlatabilir misin)",
                    "{what} (diye|için) [{date}] {time} hatırlatıcı kur",
                    "[bana] {duration} sonra {what} hatırlat",
                    "[bana] {date} {what} hatırlat",
                    "[bana] [{date}] [{time}] {what} (hatırlatır mısın|hatırlatabilir misin|hatırlat lütfen)",
                    "[bana] {duration} sonra {what} (hatırlatır mısın|hatırlatabilir misin)",
                    "{what} (diye|için) [{date}] [{time}] (hatırlatıcı|hatırlatma) (kur|ekle|oluştur)",
                    "[{date}] [{time}] {what} (diye|için) (hatırlatıcı|hatırlatma) (kur|ekle|oluştur)",
                    "{duration} sonra {what} (diye|için) (hatırlatıcı|hatırlatma) (kur|ekle|oluştur)",
                    "[{date}] [{time}] {what} (unutmayayım|unutmamamı sağla)",
                    "[{date}] [{time}] {what} hatırlat bana",
                    "{duration} sonra {what} hatırlat bana",
                    "{duration} sonra bana {what} (hatırlat|hatırlatır mısın|hatırlatabilir misin)",
                    "[{date}] [{time}] için {what} (hatırlatıcısı|hatırlatması|hatırlatıcı|hatırlatma) (kur|ekle|oluştur|ayarla)",
                    "[{date}] [{time}] bana {what} (hatırlat|hatırlatır mısın|hatırlatabilir misin)",
                    "(hatırlatıcı|hatırlatma) (kur|ekle|oluştur) [{date}] [{time}] {what}",
                    "(hatırlat bana|bana hatırlat) [{date}] [{time}] {what}",
                    "(hatırlat bana|bana hatırlat) {duration} sonra {what}",
                    "{duration} sonra (beni|bana) (hatırlat|uyar) {what}",
                    "[{date}] {what} (hatırlat|hatırlatır mısın|hatırlatabilir misin) [bana] [{date}] {time}",
                    "[bir] (hatırlatma|hatırlatıcı) (ekle|kur|oluştur|ayarla|yap) [{date}] [{time}] {what}",
                    "[{date}] [{time}] {what} (diye|için) [bana] [bir] (hatırlatma|hatırlatıcı) (ekle|kur|oluştur|ayarla|yap|ekler misin|kurar mısın|oluşturur musun)",
                    "[{date}] [{time}] {what} (unutturma|unutmama izin verme|unutmamam lazım|unutmayım)",
                    "(unutturma|unutmama izin verme) [bana] [{date}] [{time}] {what}",
                    "[{date}] [{time}] {what} (gerektiğini|lazım olduğunu) [bana] (hatırlat|hatırlatır mısın|hatırlatabilir misin)",
                    "[lütfen] [{date}] [{time}] {what} [bana] (hatırlatsana|hatırlatıver|hatırlatman lazım|hatırlatmanı istiyorum)",
                    "[{date}] [{time}] {what} (için|diye) [bir] (hatırlatıcı|hatırlatma) istiyorum",
                ],
            ))
            .intent(add(
                "en",
                &[
                    "remind me to {what} [{date}] [{time}]",
                    "remind me [{date}] [{time}] to {what}",
                    "remind me to {what} {time} [{date}]",
                    "remind me in {duration} to {what}",
                    "remind me to {what} in {duration}",
                    "set a reminder (to|for) {what} [{date}] [{time}]",
                    "(set|create|make|add) a reminder [{date}] [{time}] (to|for|about) {what}",
                    "(create|make|add) a reminder (to|for|about) {what} [{date}] [{time}]",
                    "remind me (about|of) {what} [{date}] [{time}]",
                    "remind me [{date}] [{time}] (about|of) {what}",
                    "remind me {date} to {what} [{time}]",
                    "(don't|do not) let me forget to {what} [{date}] [{time}]",
                    "(don't|do not) let me forget (about|my|the) {what} [{date}] [{time}]",
                    "remind me in {duration} (about|of) {what}",
                    "(alert|ping|notify|nudge|buzz) me [{date}] [{time}] to {what}",
                    "(alert|ping|notify|nudge|buzz) me to {what} [{date}] [{time}]",
                    "i need a reminder (to|for|about) {what} [{date}] [{time}]",
                    "(can|could|would) you remind me to {what} [{date}] [{time}]",
                    "(can|could|would) you remind me [{date}] [{time}] to {what}",
                    "(set|create|make|add) a reminder (for|at) {time} [{date}] (to|about|for) {what}",
                    "(set|create|make|add) a reminder (to|for|about) {what} in {duration}",
                    "(set|create|make|add) [a] reminder in {duration} (to|for|about) {what}",
                    "(can|could|would) you remind me (about|of) {what} [{date}] [{time}]",
                    "(please|can you|could you) set a reminder (to|for|about) {what} [{date}] [{time}]",
                    "remind me {date} {time} to {what}",
                    "remind me to {what} {date} {time}",
                    "remind me [{date}] [this] (morning|afternoon|evening|night|tonight) to {what}",
                    "remind me to {what} [{date}] [this] (morning|afternoon|evening|tonight)",
                    "in {duration} remind me to {what}",
                    "in {duration} remind me (about|of) {what}",
                    "make sure i (remember|don't forget) to {what} [{date}] [{time}]",
                    "[a] reminder (to|for|about) {what} [{date}] [{time}]",
                    "[{date}] [{time}] remind me to {what}",
                    "new reminder [to|for|about] {what} [{date}] [{time}]",
                    "(set|create|make|add) [a|an] [new] reminder {what} [{date}] [{time}]",
                    "(ping|nudge|alert|notify|buzz) me in {duration} (about|for|of) {what}",
                    "(ping|nudge|alert|notify|buzz) me (about|for|of) {what} in {duration}",
                    "(ping|nudge|alert|notify|buzz) me [{date}] [{time}] (about|of) {what}",
                    "(i want|i'd like|i would like) (a reminder|to be reminded) (to|about|of|for) {what} [{date}] [{time}]",
                    "(please|can you|could you|would you) remind me (to|about|of) {what} in {duration}",
                ],
            ))
            .intent(Intent::new(
                "list",
                "tr",
                [
                    "[bütün|tüm] (hatırlatıcılarım|hatırlatmalarım) [neler|ne|nedir]",
                    "[bütün|tüm] (hatırlatıcılarımı|hatırlatmalarımı) (göster|listele|söyle|oku) [lütfen]",
                    "(neyi|neleri) hatırlatacaksın [bana]",
                    "(kurduğum|bekleyen|kurulu|ayarladığım|sıradaki) (hatırlatıcılar|hatırlatmalar|hatırlatıcılarım|hatırlatmalarım) (neler|ne)",
                    "(kurduğum|bekleyen|kurulu|ayarladığım|sıradaki) (hatırlatıcıları|hatırlatmaları|hatırlatıcılarımı|hatırlatmalarımı) (göster|listele)",
                    "(hangi|kaç) [tane] (hatırlatıcım|hatırlatmam|hatırlatıcılarım|hatırlatmalarım) var",
                    "(hatırlatıcı|hatırlatma) (listemi|listesini) (göster|oku)",
                    "(hatırlatıcım|hatırlatmam) var mı",
                    "(hatırlatıcılarıma|hatırlatmalarıma) [bir] (bak|bakar mısın|bakabilir misin|göz at)",
                    "(bekleyen|kurulu|sıradaki|kurduğum|ayarladığım|yaklaşan) (hatırlatıcılar|hatırlatmalar|hatırlatıcılarım|hatırlatmalarım)",
                    "[bütün|tüm] (hatırlatıcılarımı|hatırlatmalarımı) (listeler misin|gösterir misin|okur musun|söyler misin|listeleyebilir misin|gösterebilir misin)",
                    "(bugün|yarın|bugünkü|yarınki|bugün için|yarın için|bu hafta) (hatırlatıcılarım|hatırlatmalarım|hatırlatıcım|hatırlatmam) (neler|ne|var mı|nedir)",
                    "(hangi|ne) (hatırlatıcılar|hatırlatmalar|hatırlatıcılarım|hatırlatmalarım) (var|kurulu)",
                    "(hatırlatıcı|hatırlatma) listem [ne|neler]",
                    "(hatırlatıcı|hatırlatma) (listemi|listesini|listeni) (görebilir miyim|gösterir misin|göster|oku|aç)",
                    "hangi (hatırlatmaları|hatırlatıcıları) (kurmuştum|kurdum|ayarladım|ayarlamıştım)",
                    "bana (neyi|neleri|ne) hatırlatacaktın",
                    "bana (neyi|neleri|ne) hatırlatmanı (istemiştim|istedim|söylemiştim)",
                    "[bana] hatırlatacağın (şeyler|şeyleri|işler) [neler|ne]",
                    "[bütün|tüm] (hatırlatıcıları|hatırlatmaları|hatırlatıcılarımı|hatırlatmalarımı) (aç|açar mısın)",
                    "(hatırlatıcılarım|hatırlatmalarım) (nelerdi|neydi)",
                    "[bekleyen|kurulu|sıradaki|yaklaşan|kurduğum|ayarladığım] [bir] (hatırlatıcım|hatırlatmam|hatırlatıcılarım|hatırlatmalarım) (var mı|kaldı mı)",
                    "(bekleyen|kurulu|sıradaki|yaklaşan|kurduğum|ayarladığım) (hatırlatıcıları|hatırlatmaları|hatırlatıcılarımı|hatırlatmalarımı) (söyle|söyler misin|oku|okur musun|listele|göster)",
                ],
            ))
            .intent(Intent::new(
                "list",
                "en",
                [
                    "(list|show|read|check|give) [me] [all] [of] my [upcoming|pending] reminders [please]",
                    "what are my [upcoming|pending] reminders",
                    "(what|which) reminders do i have [set|coming up]",
                    "(what|which) reminders (have i set|are set|are pending|are coming up)",
                    "(any|do i have any) [upcoming|pending] reminders",
                    "[all] my reminders",
                    "what do i (need|have) to remember [today|tomorrow]",
                    "(list|show|read|check|give) [me] [all] [of] (the|my) [upcoming|pending] reminders [please]",
                    "(list|show|read|check) [all] reminders",
                    "[do i have] any reminders (for|today|tomorrow|this) [today|tomorrow|week]",
                    "what (have i asked you|did i ask you) to remind me [about|of]",
                    "(what|which) reminders (are there|do i have) [for] [today|tomorrow|this week]",
                    "(what's|what is) on my reminder list",
                    "(what|which) reminders (did i set|have i set|i set|i have) [for] [today|tomorrow|the weekend|this week|next week]",
                    "my reminders [please]",
                ],
            ))
            .intent(
                Intent::new(
                    "cancel",
                    "tr",
                    [
                        "{what} (hatırlatıcısını|hatırlatmasını) (iptal et|sil|kaldır)",
                        "{what} (için|diye) kurduğum (hatırlatıcıyı|hatırlatmayı) (iptal et|sil|kaldır)",
                        "{what} (hatırlatıcısı|hatırlatması) (iptal|silinsin)",
                        "{what} (hatırlatmayı|hatırlatıcıyı) (iptal et|sil|kaldır)",
                        "{what} (hatırlatıcısını|hatırlatmasını|hatırlatıcımı|hatırlatmamı) (iptal eder misin|iptal edebilir misin|siler misin|silebilir misin|kaldırır mısın|kaldırabilir misin|silsene|iptal edelim|silelim) [lütfen]",
                        "{what} (hatırlatıcısını|hatırlatmasını|hatırlatıcımı|hatırlatmamı) (silmek|iptal etmek|kaldırmak) istiyorum",
                        "{what} (hatırlatıcısına|hatırlatmasına) (gerek|ihtiyaç) (kalmadı|yok) [sil|iptal et|kaldır|silebilirsin]",
                        "{what} ile ilgili [olan] (hatırlatıcıyı|hatırlatmayı) (iptal et|sil|kaldır|silebilir misin|iptal eder misin)",
                        "{what} (için|diye) (kurduğum|olan|ayarladığım|kurulan) (hatırlatıcıyı|hatırlatmayı) (iptal eder misin|silebilir misin|siler misin|kaldırır mısın)",
                        "{what} (hatırlatıcısını|hatırlatmasını) (unut|boşver|boş ver)",
                        // Which one is not said: the one pending, or a question.
                        "[o|bu] (hatırlatmayı|hatırlatıcıyı|hatırlatmamı|hatırlatıcımı) (iptal et|sil|kaldır|iptal eder misin|siler misin|kaldırır mısın)",
                        // By day and time: "yarınki hatırlatmaları temizle", "saat 3'teki hatırlatmayı sil".
                        "{date} (hatırlatmaları|hatırlatıcıları|hatırlatmalarımı|hatırlatıcılarımı|hatırlatmayı|hatırlatıcıyı|hatırlatmamı|hatırlatıcımı) (sil|temizle|iptal et|kaldır)",
                        "[{date}] {time} (hatırlatmaları|hatırlatıcıları|hatırlatmayı|hatırlatıcıyı|hatırlatmamı|hatırlatıcımı) (sil|temizle|iptal et|kaldır)",
                        "{date} {what} (hatırlatıcısını|hatırlatmasını) (iptal et|sil|kaldır)",
                        "{time} {what} (hatırlatıcısını|hatırlatmasını) (iptal et|sil|kaldır)",
                        // All of them: `what` takes the word for all ("tüm", "bütün", "hepsini").
                        "{what} (hatırlatıcılarımı|hatırlatmalarımı|hatırlatıcıları|hatırlatmaları) (sil|iptal et|kaldır|temizle)",
                        "(hatırlatıcılarımın|hatırlatmalarımın|hatırlatıcıların|hatırlatmaların|hatırlatıcılarımdan|hatırlatmalarımdan) {what} (sil|iptal et|kaldır|temizle|çıkar)",
                    ],
                )
                .slot("date", SlotKind::Date)
                .slot("time", SlotKind::Time)
                .text_slot("what"),
            )
            .intent(
                Intent::new(
                    "cancel",
                    "en",
                    [
                        "(cancel|delete|remove|drop|clear) [the|my] reminder (to|about|for) {what}",
                        "(cancel|delete|remove|drop|clear) [the|my] {what} reminder",
                        "(never mind|forget) the reminder (to|about|for) {what}",
                        "(turn off|disable|stop|switch off) [the|my] reminder (to|about|for) {what}",
                        "(turn off|disable|switch off) [the|my] {what} reminder",
                        "(cancel|delete|remove|clear) all [my|the] reminders (about|for|to) {what}",
                        "(get rid of|scrap|remove) [the|my] reminder (to|about|for) {what}",
                        "i (don't|do not) need the reminder (to|about|for) {what} [anymore]",
                        "(can|could|would) you (cancel|delete|remove|drop|clear) [the|my] reminder (to|about|for|of) {what}",
                        "(can|could|would) you (cancel|delete|remove|drop|clear) [the|my] {what} reminder",
                        "i (don't|do not) need [the|my] {what} reminder [anymore]",
                        "no need for the reminder (to|about|for) {what} [anymore]",
                        "(never mind|forget) [the|my] {what} reminder",
                        "(stop|quit) reminding me (to|about|of) {what}",
                        "(don't|do not) remind me (to|about|of) {what} anymore",
                        "(cancel|delete|remove|drop|clear) [the|my] reminder (to|about|for|of) {what} please",
                        "(scrap|ditch|get rid of) [the|my] {what} reminder",
                        // Which one is not said: the one pending, or a question.
                        "(cancel|delete|remove|drop|clear|scrap|wipe) [the|my|that|this] (reminder|reminders)",
                        // By day and time: a typed slot outscores `what`, so "drop my reminder
                        // for tomorrow" is a day, not a reminder about "tomorrow".
                        "(cancel|delete|remove|drop|clear|scrap|wipe) [the|my] (reminder|reminders) (for|on) {date}",
                        "(cancel|delete|remove|drop|clear|scrap|wipe) [the|my] (reminder|reminders) (at|for) {time}",
                        "(cancel|delete|remove|drop|clear|scrap|wipe) [the|my] (reminder|reminders) (for|on) {date} (at|for) {time}",
                        "(cancel|delete|remove|drop|clear|scrap|wipe) [the|my] {date} (reminder|reminders)",
                        "(cancel|delete|remove|drop|clear|scrap|wipe) [the|my] {time} (reminder|reminders)",
                        "(cancel|delete|remove|drop|clear|scrap) [the|my] {date} (reminder|reminders) (to|about|for|of) {what}",
                        "(cancel|delete|remove|drop|clear|scrap) [the|my] {date} {what} reminder",
                        "(cancel|delete|remove|drop|clear|scrap) [the|my] {time} {what} reminder",
                        // All of them: `what` takes the word for all ("all", "every").
                        "(cancel|delete|remove|drop|clear|scrap|wipe) {what} [of] [my|the] reminders",
                    ],
                )
                .slot("date", SlotKind::Date)
                .slot("time", SlotKind::Time)
                .text_slot("what"),
            )
            .notifies()
            .tick_every(TICK_SECONDS)
    }

    fn describe(call: &Call, kind: DescriptionKind) -> Option<String> {
        let tr = call.locale() == "tr";
        let say = |in_tr: &str, in_en: &str| Some(if tr { in_tr } else { in_en }.to_owned());
        match (call.command(), kind) {
            ("add", DescriptionKind::Summary) => say(
                "Seçtiğiniz saatte ya da bir süre sonra size bir şeyi hatırlatır",
                "Reminds you of something at a time you choose or after a while",
            ),
            ("list", DescriptionKind::Summary) => say(
                "Sıradaki hatırlatıcılarınızı listeler",
                "Lists your reminders still to come",
            ),
            ("cancel", DescriptionKind::Summary) => {
                say("Bir hatırlatıcıyı iptal eder", "Cancels a reminder")
            }
            ("cancel", DescriptionKind::Confirmation) => {
                let today = now().ok()?.with_timezone(&timezone().ok()?).date_naive();
                let which = Which::from_args(call.args().ok()?, today).ok()?;
                Some(confirmation(&which, today, tr))
            }
            _ => None,
        }
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        let tz = timezone()?;
        let tr = call.locale() == "tr";
        match call.command() {
            "add" => {
                let args: AddArgs = call.args()?;
                if args.what.trim().is_empty() {
                    return Err(Error::InvalidArgs("say what to remind you of".into()));
                }
                let due = due_time(&args, now()?, tz)?;
                let reminder = Reminder {
                    id: format!("{:x}", now()?.timestamp_nanos_opt().unwrap_or_default()),
                    what: args.what.trim().to_owned(),
                    due_ms: due.timestamp_millis(),
                    locale: call.locale().to_owned(),
                };
                kv::set_json(&format!("{PREFIX}{}", reminder.id), &reminder)?;
                let when = describe(due, tz, tr);
                let text = if tr {
                    format!("Tamam, {when} hatırlatacağım: {}.", reminder.what)
                } else {
                    format!("OK, I'll remind you to {} {when}.", reminder.what)
                };
                Ok(Reply::text(text).with_data(&json!({
                    "id": reminder.id,
                    "what": reminder.what,
                    "due": due.with_timezone(&tz).to_rfc3339(),
                })))
            }
            "list" => {
                let pending = pending()?;
                if pending.is_empty() {
                    let text = if tr {
                        "Bekleyen hatırlatıcınız yok."
                    } else {
                        "You have no reminders coming up."
                    };
                    return Ok(Reply::text(text).with_data(&json!({ "reminders": [] })));
                }
                let lines: Vec<String> = pending
                    .iter()
                    .map(|r| format!("- {} ({})", r.what, describe(from_ms(r.due_ms), tz, tr)))
                    .collect();
                let head = if tr {
                    "Hatırlatıcılarınız:"
                } else {
                    "Your reminders:"
                };
                Ok(Reply::text(format!("{head}\n{}", lines.join("\n"))).with_data(&json!({
                    "reminders": pending.iter().map(|r| json!({
                        "id": r.id, "what": r.what, "due": from_ms(r.due_ms).with_timezone(&tz).to_rfc3339()
                    })).collect::<Vec<_>>()
                })))
            }
            "cancel" => {
                let today = now()?.with_timezone(&tz).date_naive();
                let which = Which::from_args(call.args()?, today)?;
                cancel(&which, tz, today, tr)
            }
            other => Err(Error::UnknownCommand(other.into())),
        }
    }

    fn on_tick(now_ms: bantz_sdk::Timestamp) -> Result<(), Error> {
        for r in pending()?.into_iter().filter(|r| r.due_ms <= now_ms) {
            let (title, body) = if r.locale == "tr" {
                ("Hatırlatma".to_owned(), format!("Hatırlatma: {}", r.what))
            } else {
                ("Reminder".to_owned(), format!("Reminder: {}", r.what))
            };
            bantz_sdk::notify::send_once(&format!("reminder-{}", r.id), "reminder", &title, &body)?;
            kv::delete(&format!("{PREFIX}{}", r.id))?;
        }
        Ok(())
    }
}

export!(Reminders);

impl Which {
    /// Reads `cancel`'s arguments. A `what` that is only a day ("yarınki", "tomorrow") or a
    /// clock time the host's time slot does not read ("saat 3teki") is taken as that day or
    /// time: a template's `what` may catch such words when no typed slot fits them.
    fn from_args(args: CancelArgs, today: NaiveDate) -> Result<Which, Error> {
        let mut date =
            match args.date.as_deref() {
                Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    Error::InvalidArgs(format!("{d:?} is not a date like 2026-11-23"))
                })?),
                None => None,
            };
        let mut time = match args.time.as_deref() {
            Some(t) => Some(
                NaiveTime::parse_from_str(t, "%H:%M")
                    .map_err(|_| Error::InvalidArgs(format!("{t:?} is not a time like 17:30")))?,
            ),
            None => None,
        };
        // "the dentist" is found in "dentist at 3"; "the" alone says nothing.
        let mut what = args.what.map(|w| {
            let w = w.trim();
            let folded = fold(w);
            ARTICLES
                .iter()
                .filter(|a| folded.starts_with(*a))
                .find_map(|a| w.get(a.len()..))
                .unwrap_or(w)
                .trim_start()
                .to_owned()
        });
        what = what.filter(|w| !w.is_empty() && !FILLERS.contains(&fold(w).as_str()));
        let all = what
            .as_deref()
            .is_some_and(|w| ALL_WORDS.contains(&fold(w).as_str()));
        if all {
            what = None;
        } else if let Some(day) = what.as_deref().and_then(|w| day_word(w, today)) {
            date = date.or(Some(day));
            what = None;
        } else if let Some((at, rest)) = what.as_deref().and_then(|w| leading_clock(w, time)) {
            time = Some(at);
            what = rest;
        }
        Ok(match (what, date, time) {
            (None, None, None) if all => Which::All,
            (None, None, None) => Which::Unsaid,
            (what, date, time) => Which::Matching { what, date, time },
        })
    }

    /// Whether `r`, due at `due` in the user's zone, is one of these.
    fn takes(&self, r: &Reminder, due: DateTime<Tz>) -> bool {
        match self {
            Which::All | Which::Unsaid => true,
            Which::Matching { what, date, time } => {
                what.as_deref()
                    .is_none_or(|w| fold(&r.what).contains(&fold(w)))
                    && date.is_none_or(|d| due.date_naive() == d)
                    && time.is_none_or(|t| (due.hour(), due.minute()) == (t.hour(), t.minute()))
            }
        }
    }
}

/// Words before a reminder's text that are not part of it: "the dentist", "my gym".
const ARTICLES: &[&str] = &["the ", "my ", "a ", "an "];

/// What alone says no more than "the reminder": "the", "my", "o", "bu".
const FILLERS: &[&str] = &[
    "the", "my", "that", "this", "those", "these", "o", "bu", "su",
];

/// The day a `what` names when it is only a day word: "yarınki", "tomorrow's".
fn day_word(what: &str, today: NaiveDate) -> Option<NaiveDate> {
    let word = fold(what);
    let word = word.split(['\'', '’']).next().unwrap_or_default();
    match word {
        "today" | "todays" | "bugun" | "bugunku" => Some(today),
        "tomorrow" | "tomorrows" | "yarin" | "yarinki" => Some(today + Duration::days(1)),
        _ => None,
    }
}

/// A clock time with the Turkish "-deki" ending at the start of `what`, which the host's time
/// slot does not read ("saat 3teki", "8deki spor"), and the rest of `what`. A part of the day
/// that the time slot took ("sabah", "akşam" in "akşam 8deki") says which half of the day;
/// without one, a bare hour from 1 to 6 is the afternoon, as the host reads one.
fn leading_clock(
    what: &str,
    part_of_day: Option<NaiveTime>,
) -> Option<(NaiveTime, Option<String>)> {
    let mut words = what.split_whitespace().peekable();
    words.next_if(|w| fold(w) == "saat");
    let word = fold(words.next()?);
    let clock = ["teki", "deki", "daki", "taki"]
        .iter()
        .find_map(|ending| word.strip_suffix(ending))?
        .trim_end_matches(['\'', '’']);
    let (hour, minute): (u32, u32) = match clock.split_once([':', '.']) {
        Some((h, m)) => (h.parse().ok()?, m.parse().ok()?),
        None => (clock.parse().ok()?, 0),
    };
    let afternoon = match part_of_day {
        Some(part) => part.hour() >= 12,
        None => (1..=6).contains(&hour),
    };
    let hour = if afternoon && hour < 12 {
        hour + 12
    } else {
        hour
    };
    let rest = words.collect::<Vec<_>>().join(" ");
    Some((
        NaiveTime::from_hms_opt(hour, minute, 0)?,
        (!rest.is_empty()).then_some(rest),
    ))
}

/// Cancels the reminders `which` means; when it does not say which and several are pending,
/// cancels none and asks which one, listing them.
fn cancel(which: &Which, tz: Tz, today: NaiveDate, tr: bool) -> Result<Reply, Error> {
    let pending = pending()?;
    if *which == Which::Unsaid && pending.len() > 1 {
        return Ok(which_one(&pending, tz, tr));
    }
    let found: Vec<&Reminder> = pending
        .iter()
        .filter(|r| which.takes(r, from_ms(r.due_ms).with_timezone(&tz)))
        .collect();
    for r in &found {
        kv::delete(&format!("{PREFIX}{}", r.id))?;
    }
    let text = match (which, found.as_slice()) {
        (Which::All | Which::Unsaid, []) => say(
            tr,
            "İptal edilecek bir hatırlatıcınız yok.",
            "You have no reminders to cancel.",
        ),
        (
            Which::Matching {
                what: Some(w),
                date: None,
                time: None,
            },
            [],
        ) => say(
            tr,
            &format!("\"{w}\" diye bir hatırlatıcı bulamadım."),
            &format!("I found no reminder about \"{w}\"."),
        ),
        (
            Which::Matching {
                what: Some(w),
                date,
                time,
            },
            [],
        ) => say(
            tr,
            &format!(
                "\"{w}\" diye {} bir hatırlatıcı bulamadım.",
                when_tr(*date, *time, today)
            ),
            &format!(
                "I found no reminder about \"{w}\" {}.",
                when_en(*date, *time, today)
            ),
        ),
        (
            Which::Matching {
                what: None,
                date,
                time,
            },
            [],
        ) => say(
            tr,
            &capitalised(&format!(
                "{} bir hatırlatıcınız yok.",
                when_tr(*date, *time, today)
            )),
            &format!("You have no reminders {}.", when_en(*date, *time, today)),
        ),
        (_, [one]) => say(
            tr,
            &format!("\"{}\" hatırlatıcısını iptal ettim.", one.what),
            &format!("Cancelled the reminder \"{}\".", one.what),
        ),
        (Which::All, several) => say(
            tr,
            &format!("{} hatırlatıcınızın hepsini iptal ettim.", several.len()),
            &format!("Cancelled all {} of your reminders.", several.len()),
        ),
        (_, several) => say(
            tr,
            &format!("{} hatırlatıcıyı iptal ettim.", several.len()),
            &format!("Cancelled {} reminders.", several.len()),
        ),
    };
    Ok(Reply::text(text).with_data(&json!({
        "cancelled": found.len(),
        "reminders": found.iter().map(|r| reminder_json(r, tz)).collect::<Vec<_>>(),
    })))
}

/// Most reminders the question "which one?" lists.
const MAX_CHOICES: usize = 10;

/// The question when a cancel does not say which of several pending reminders: each (up to
/// [`MAX_CHOICES`]) with when it is due.
fn which_one(pending: &[Reminder], tz: Tz, tr: bool) -> Reply {
    let mut lines: Vec<String> = pending
        .iter()
        .take(MAX_CHOICES)
        .map(|r| format!("- {} ({})", r.what, describe(from_ms(r.due_ms), tz, tr)))
        .collect();
    let more = pending.len().saturating_sub(MAX_CHOICES);
    if more > 0 {
        lines.push(say(
            tr,
            &format!("… ve {more} tane daha"),
            &format!("… and {more} more"),
        ));
    }
    let head = say(
        tr,
        &format!(
            "{} hatırlatıcınız var; hangisini iptal edeyim?",
            pending.len()
        ),
        &format!(
            "You have {} reminders; which one shall I cancel?",
            pending.len()
        ),
    );
    Reply::text(format!("{head}\n{}", lines.join("\n"))).with_data(&json!({
        "cancelled": 0,
        "choices": pending.iter().take(MAX_CHOICES).map(|r| reminder_json(r, tz)).collect::<Vec<_>>(),
    }))
}

fn reminder_json(r: &Reminder, tz: Tz) -> serde_json::Value {
    json!({"id": r.id, "what": r.what, "due": from_ms(r.due_ms).with_timezone(&tz).to_rfc3339()})
}

/// The question before a cancel, in the user's language: "Yarınki hatırlatıcılarınızı iptal
/// edeyim mi?" / "Shall I cancel your reminders for tomorrow?".
fn confirmation(which: &Which, today: NaiveDate, tr: bool) -> String {
    match which {
        Which::All => say(
            tr,
            "Tüm hatırlatıcılarınızı iptal edeyim mi?",
            "Shall I cancel all your reminders?",
        ),
        Which::Unsaid => say(
            tr,
            "Hatırlatıcınızı iptal edeyim mi?",
            "Shall I cancel your reminder?",
        ),
        Which::Matching {
            what: Some(w),
            date: None,
            time: None,
        } => say(
            tr,
            &format!("\"{w}\" hatırlatıcısını iptal edeyim mi?"),
            &format!("Shall I cancel the reminder \"{w}\"?"),
        ),
        Which::Matching {
            what: Some(w),
            date,
            time,
        } => say(
            tr,
            &capitalised(&format!(
                "{} \"{w}\" hatırlatıcısını iptal edeyim mi?",
                when_tr(*date, *time, today)
            )),
            &format!(
                "Shall I cancel the reminder \"{w}\" {}?",
                when_en(*date, *time, today)
            ),
        ),
        Which::Matching {
            what: None,
            date,
            time,
        } => say(
            tr,
            &capitalised(&format!(
                "{} hatırlatıcılarınızı iptal edeyim mi?",
                when_tr(*date, *time, today)
            )),
            &format!(
                "Shall I cancel your reminders {}?",
                when_en(*date, *time, today)
            ),
        ),
    }
}

fn say(tr: bool, in_tr: &str, in_en: &str) -> String {
    if tr { in_tr } else { in_en }.to_owned()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        let first: String = match first {
            'i' => "İ".into(),
            c => c.to_uppercase().collect(),
        };
        first + chars.as_str()
    })
}

/// A day and a time as a Turkish adjective: "yarınki", "bugün 15:00'teki", "saat 09:30'daki",
/// "25.12.2026 tarihli".
fn when_tr(date: Option<NaiveDate>, time: Option<NaiveTime>, today: NaiveDate) -> String {
    let day = |d: NaiveDate, alone: bool| match ((d - today).num_days(), alone) {
        (0, true) => "bugünkü".to_owned(),
        (1, true) => "yarınki".to_owned(),
        (0, false) => "bugün".to_owned(),
        (1, false) => "yarın".to_owned(),
        (_, true) => format!("{} tarihli", d.format("%d.%m.%Y")),
        (_, false) => d.format("%d.%m.%Y").to_string(),
    };
    match (date, time) {
        (Some(d), None) => day(d, true),
        (Some(d), Some(t)) => format!("{} {}ki", day(d, false), at_tr(t)),
        (None, Some(t)) => format!("saat {}ki", at_tr(t)),
        (None, None) => String::new(),
    }
}

/// A day and a time in English: "for tomorrow", "for today at 15:00", "at 09:30", "for
/// 2026-12-25".
fn when_en(date: Option<NaiveDate>, time: Option<NaiveTime>, today: NaiveDate) -> String {
    let day = |d: NaiveDate| match (d - today).num_days() {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        _ => d.format("%Y-%m-%d").to_string(),
    };
    match (date, time) {
        (Some(d), None) => format!("for {}", day(d)),
        (Some(d), Some(t)) => format!("for {} at {}", day(d), t.format("%H:%M")),
        (None, Some(t)) => format!("at {}", t.format("%H:%M")),
        (None, None) => String::new(),
    }
}

/// "15:00'te", "09:30'da": a clock time in the locative, its ending after the time's last
/// word read aloud ("on beş", "dokuz otuz").
fn at_tr(t: NaiveTime) -> String {
    let n = if t.minute() == 0 {
        t.hour()
    } else {
        t.minute()
    };
    // The last word read aloud: the ones when there are any, else the tens.
    let ending = match (n / 10, n % 10) {
        (_, 1 | 2 | 7 | 8) | (2 | 5, 0) => "de",
        (_, 3..=5) => "te",
        (4, 0) => "ta",
        _ => "da", // sıfır, altı, dokuz, on, otuz
    };
    format!("{}'{ending}", t.format("%H:%M"))
}

/// The reminders still to come, soonest first.
fn pending() -> Result<Vec<Reminder>, Error> {
    let mut all = Vec::new();
    for key in kv::keys(PREFIX)? {
        if let Some(r) = kv::get_json::<Reminder>(&key)? {
            all.push(r);
        }
    }
    all.sort_by_key(|r| r.due_ms);
    Ok(all)
}

/// When a reminder is due: in `duration` seconds; or at `time` on `date` (today, or tomorrow
/// when that time has passed today); or at 09:00 on `date`. At most ten years ahead.
fn due_time(args: &AddArgs, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, Error> {
    let too_far = || Error::InvalidArgs("a reminder can be at most ten years ahead".into());
    if let Some(seconds) = args.duration {
        if seconds <= 0 {
            return Err(Error::InvalidArgs("the duration must be positive".into()));
        }
        if seconds > MAX_AHEAD_SECONDS {
            return Err(too_far());
        }
        return Ok(now + Duration::seconds(seconds));
    }
    if args.date.is_none() && args.time.is_none() {
        return Err(Error::InvalidArgs(
            "say when: a time, a date, or how long from now".into(),
        ));
    }
    let time = NaiveTime::parse_from_str(args.time.as_deref().unwrap_or(DEFAULT_TIME), "%H:%M")
        .map_err(|_| Error::InvalidArgs(format!("{:?} is not a time like 17:30", args.time)))?;
    let local_now = now.with_timezone(&tz);
    let date = match &args.date {
        // Four-digit years only: the zone arithmetic below stays far inside chrono's range.
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .filter(|d| (1..=9999).contains(&d.year()))
            .ok_or_else(|| Error::InvalidArgs(format!("{d:?} is not a date like 2026-11-23")))?,
        None if time > local_now.time() => local_now.date_naive(),
        None => local_now.date_naive() + Duration::days(1),
    };
    let local = tz
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .ok_or_else(|| {
            Error::InvalidArgs(format!("{date} {time} does not exist in {}", tz.name()))
        })?;
    let due = local.with_timezone(&Utc);
    if due <= now {
        return Err(Error::InvalidArgs("that time has already passed".into()));
    }
    if (due - now).num_seconds() > MAX_AHEAD_SECONDS {
        return Err(too_far());
    }
    Ok(due)
}

/// "at 17:00", "tomorrow at 09:00", "on 2026-12-01 at 09:00", "in 10 minutes" (and Turkish).
fn describe(due: DateTime<Utc>, tz: Tz, tr: bool) -> String {
    let now = now().unwrap_or(due);
    let local = due.with_timezone(&tz);
    let today = now.with_timezone(&tz).date_naive();
    let hm = local.format("%H:%M").to_string();
    let minutes = (due - now).num_minutes();
    match (tr, local.date_naive()) {
        (true, _) if minutes < 60 => format!("{} dakika sonra", minutes.max(1)),
        (false, _) if minutes < 60 => format!(
            "in {} minute{}",
            minutes.max(1),
            if minutes > 1 { "s" } else { "" }
        ),
        (true, d) if d == today => format!("bugün {hm}'de"),
        (false, d) if d == today => format!("at {hm}"),
        (true, d) if d == today + Duration::days(1) => format!("yarın {hm}'de"),
        (false, d) if d == today + Duration::days(1) => format!("tomorrow at {hm}"),
        (true, d) => format!("{} {hm}'de", d.format("%d.%m.%Y")),
        (false, d) => format!("on {} at {hm}", d.format("%Y-%m-%d")),
    }
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn now() -> Result<DateTime<Utc>, Error> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::Internal("the system clock is before 1970".into()))?;
    DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos())
        .ok_or_else(|| Error::Internal("the system clock is out of range".into()))
}

fn timezone() -> Result<Tz, Error> {
    let name = bantz_sdk::config::get_or("timezone", "Europe/Istanbul");
    name.parse().map_err(|_| {
        Error::Internal(format!(
            "the timezone {name:?} is not an IANA timezone name"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn args(date: Option<&str>, time: Option<&str>, duration: Option<i64>) -> AddArgs {
        AddArgs {
            what: "tea".into(),
            date: date.map(Into::into),
            time: time.map(Into::into),
            duration,
        }
    }

    #[test]
    fn due_times() {
        let tz: Tz = "Europe/Istanbul".parse().unwrap();
        let now = at("2026-11-23T10:00:00Z"); // 13:00 in Istanbul
        assert_eq!(
            due_time(&args(None, None, Some(600)), now, tz).unwrap(),
            at("2026-11-23T10:10:00Z")
        );
        assert_eq!(
            due_time(&args(None, Some("17:00"), None), now, tz).unwrap(),
            at("2026-11-23T14:00:00Z")
        );
        assert_eq!(
            due_time(&args(None, Some("09:00"), None), now, tz).unwrap(),
            at("2026-11-24T06:00:00Z")
        );
        assert_eq!(
            due_time(&args(Some("2026-11-25"), None, None), now, tz).unwrap(),
            at("2026-11-25T06:00:00Z")
        );
        assert!(due_time(&args(Some("2026-11-20"), Some("10:00"), None), now, tz).is_err());
        assert!(due_time(&args(None, None, None), now, tz).is_err());
        // Too far ahead is refused, however far: no overflow.
        assert!(due_time(&args(None, None, Some(i64::MAX)), now, tz).is_err());
        assert!(due_time(&args(Some("9999-12-31"), None, None), now, tz).is_err());
        assert!(due_time(&args(Some("+262143-12-31"), Some("23:59"), None), now, tz).is_err());
    }

    fn which(what: Option<&str>, date: Option<&str>, time: Option<&str>) -> Which {
        let args = CancelArgs {
            what: what.map(Into::into),
            date: date.map(Into::into),
            time: time.map(Into::into),
        };
        Which::from_args(args, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).unwrap()
    }

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 11, d)
    }

    fn hm(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    #[test]
    fn what_a_cancel_means() {
        for all in [
            "all",
            "ALL",
            "every",
            "Tümünü",
            "tüm",
            "BÜTÜN",
            "hepsini",
            "all of them",
        ] {
            assert_eq!(which(Some(all), None, None), Which::All, "{all}");
        }
        for unsaid in [
            None,
            Some(""),
            Some("  "),
            Some("the"),
            Some("o"),
            Some("my"),
        ] {
            assert_eq!(which(unsaid, None, None), Which::Unsaid, "{unsaid:?}");
        }
        let matching = |what: Option<&str>, date, time| Which::Matching {
            what: what.map(Into::into),
            date,
            time,
        };
        // Only a word for all alone means all of them.
        assert_eq!(
            which(Some("all hands meeting"), None, None),
            matching(Some("all hands meeting"), None, None)
        );
        assert_eq!(
            which(None, Some("2026-11-24"), None),
            matching(None, day(24), None)
        );
        assert_eq!(
            which(Some("charger"), Some("2026-11-24"), Some("15:00")),
            matching(Some("charger"), day(24), hm(15, 0))
        );
        // "all" with a day is that day's reminders.
        assert_eq!(
            which(Some("all"), Some("2026-11-24"), None),
            matching(None, day(24), None)
        );
        // A `what` that is only a day or a clock time is that day or time.
        for tomorrow in ["tomorrow", "Yarınki", "yarin", "tomorrow's"] {
            assert_eq!(
                which(Some(tomorrow), None, None),
                matching(None, day(24), None),
                "{tomorrow}"
            );
        }
        assert_eq!(
            which(Some("bugünkü"), None, None),
            matching(None, day(23), None)
        );
        assert_eq!(
            which(Some("saat 3teki"), None, None),
            matching(None, None, hm(15, 0))
        );
        assert_eq!(
            which(Some("8deki"), None, None),
            matching(None, None, hm(8, 0))
        );
        assert_eq!(
            which(Some("14:30daki"), None, None),
            matching(None, None, hm(14, 30))
        );
        assert_eq!(
            which(Some("3teki çay"), None, None),
            matching(Some("çay"), None, hm(15, 0))
        );
        // "sabah 8deki spor": the time slot took "sabah" (09:00), `what` the rest.
        assert_eq!(
            which(Some("8deki spor"), None, Some("09:00")),
            matching(Some("spor"), None, hm(8, 0))
        );
        assert_eq!(
            which(Some("8deki spor"), None, Some("19:00")),
            matching(Some("spor"), None, hm(20, 0))
        );
        assert_eq!(
            which(Some("the dentist"), None, None),
            matching(Some("dentist"), None, None)
        );
        assert_eq!(
            which(Some("theatre"), None, None),
            matching(Some("theatre"), None, None)
        );
        let today = day(23).unwrap();
        assert!(
            Which::from_args(
                CancelArgs {
                    date: Some("tomorrow".into()),
                    ..Default::default()
                },
                today
            )
            .is_err()
        );
        assert!(
            Which::from_args(
                CancelArgs {
                    time: Some("3pm".into()),
                    ..Default::default()
                },
                today
            )
            .is_err()
        );
    }

    #[test]
    fn the_question_before_a_cancel_reads_naturally() {
        let today = day(23).unwrap();
        let ask = |w: Which| {
            (
                confirmation(&w, today, true),
                confirmation(&w, today, false),
            )
        };
        assert_eq!(
            ask(which(Some("tümünü"), None, None)),
            (
                "Tüm hatırlatıcılarınızı iptal edeyim mi?".into(),
                "Shall I cancel all your reminders?".into()
            )
        );
        assert_eq!(
            ask(which(None, None, None)),
            (
                "Hatırlatıcınızı iptal edeyim mi?".into(),
                "Shall I cancel your reminder?".into()
            )
        );
        assert_eq!(
            ask(which(None, Some("2026-11-24"), None)),
            (
                "Yarınki hatırlatıcılarınızı iptal edeyim mi?".into(),
                "Shall I cancel your reminders for tomorrow?".into()
            )
        );
        assert_eq!(
            ask(which(None, Some("2026-11-23"), Some("09:30"))),
            (
                "Bugün 09:30'daki hatırlatıcılarınızı iptal edeyim mi?".into(),
                "Shall I cancel your reminders for today at 09:30?".into()
            )
        );
        assert_eq!(
            ask(which(None, None, Some("15:00"))),
            (
                "Saat 15:00'teki hatırlatıcılarınızı iptal edeyim mi?".into(),
                "Shall I cancel your reminders at 15:00?".into()
            )
        );
        assert_eq!(
            ask(which(Some("şarj aleti"), Some("2026-12-25"), None)),
            (
                "25.12.2026 tarihli \"şarj aleti\" hatırlatıcısını iptal edeyim mi?".into(),
                "Shall I cancel the reminder \"şarj aleti\" for 2026-12-25?".into()
            )
        );
        assert_eq!(
            ask(which(Some("çay"), None, None)),
            (
                "\"çay\" hatırlatıcısını iptal edeyim mi?".into(),
                "Shall I cancel the reminder \"çay\"?".into()
            )
        );
    }

    #[test]
    fn turkish_clock_endings_follow_the_last_word_read_aloud() {
        let at = |h, m| at_tr(hm(h, m).unwrap());
        assert_eq!(at(15, 0), "15:00'te"); // on beş
        assert_eq!(at(9, 30), "09:30'da"); // dokuz otuz
        assert_eq!(at(8, 0), "08:00'de"); // sekiz
        assert_eq!(at(10, 40), "10:40'ta"); // kırk
        assert_eq!(at(16, 0), "16:00'da"); // on altı
        assert_eq!(at(20, 0), "20:00'de"); // yirmi
        assert_eq!(at(0, 0), "00:00'da"); // sıfır
    }

    mod properties {
        //! Whatever the date, time and length of a reminder say, `due_time` answers a time
        //! ahead (at most ten years) or a refusal, never a panic; and what is due describes.
        //! Bounded cases; `PROPTEST_CASES=100000` runs more.

        use proptest::prelude::*;
        use proptest::test_runner::Config;

        use super::*;

        fn config() -> Config {
            Config {
                cases: std::env::var("PROPTEST_CASES")
                    .ok()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1000),
                failure_persistence: None,
                ..Config::default()
            }
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn a_reminder_is_due_ahead_or_refused(
                date in proptest::option::of(prop_oneof![
                    "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}",
                    (1i32..=9999, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
                    "\\PC{0,12}",
                ]),
                time in proptest::option::of(prop_oneof!["[0-9]{1,3}:[0-9]{1,3}", "\\PC{0,6}"]),
                duration in proptest::option::of(prop_oneof![any::<i64>(), -10i64..100_000]),
                now_s in 0i64..253_402_300_799,
                zone in prop::sample::select(vec!["Europe/Istanbul", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]),
            ) {
                let tz: Tz = zone.parse().unwrap();
                let now = DateTime::from_timestamp(now_s, 0).unwrap();
                let args = AddArgs { what: "tea".into(), date, time, duration };
                if let Ok(due) = due_time(&args, now, tz) {
                    prop_assert!(due > now);
                    prop_assert!((due - now).num_seconds() <= MAX_AHEAD_SECONDS);
                    describe(due, tz, true);
                    describe(due, tz, false);
                }
            }
        }
    }
}
