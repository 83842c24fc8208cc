//! The calendar skill: "bugün neler var takvimimde?", "what's on Friday?", add, move and delete
//! events (each after a yes), free slots in working hours, conflicts, and RFC 5545 import and
//! export. Events live in kv, one key each; times are kept as UTC instants with the zone they
//! were made in, and shown in the user's zone (`config-get("timezone")`).
//!
//! `on-tick` (every minute) sends a reminder `reminder_minutes` before each event occurrence,
//! once per occurrence, restarts included (`notify-once`, keyed by the event and its start).
//!
//! The modules: `event` (the model, occurrences, free slots, conflicts), `rrule` (recurrence
//! rules), `ics` (iCalendar files), `zone` (time zones), `say` (wording in both languages).

mod describe;
mod event;
mod ics;
#[cfg(test)]
mod properties;
mod rrule;
mod say;
mod zone;

use bantz_sdk::{
    Call, Command, DescriptionKind, Error, Intent, Manifest, Reply, Skill, SlotKind, export, json,
    kv,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use event::{Event, Occurrence, Span, When};
use zone::Zone;

/// Used when neither the skill's config nor the host names a timezone.
const DEFAULT_TIMEZONE: &str = "Europe/Istanbul";
/// An event added with a time but no duration lasts this long.
const DEFAULT_SECONDS: i64 = 3600;
/// `free` looks for gaps at least this long unless told otherwise.
const DEFAULT_FREE_SECONDS: i64 = 1800;
/// `find` looks this far ahead for an event's next occurrence.
const FIND_AHEAD_DAYS: i64 = 366;
/// The longest `reminder_minutes` ahead of an event: a week.
const MAX_REMINDER_MINUTES: i64 = 7 * 24 * 60;
/// Most events one reply lists.
const MAX_LISTED: usize = 50;
const PREFIX: &str = "e:";

struct Calendar;

impl Skill for Calendar {
    fn manifest() -> Manifest {
        let date = |i: Intent| i.slot("date", SlotKind::Date);
        Manifest::new(
            "calendar",
            env!("CARGO_PKG_VERSION"),
            "Your calendar: what's on, adding, moving and deleting events, free time, conflicts, and iCalendar import and export.",
        )
        .command(
            Command::new("agenda", "What is on the calendar on a day (today unless told) or in a week")
                .args_schema(json!({
                    "type": "object",
                    "properties": {
                        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD; today when absent"},
                        "range": {"type": "string", "enum": ["day", "week"], "description": "the day, or its Monday-to-Sunday week"}
                    }
                }))
                .example("bugün neler var takvimimde?")
                .example("what's on Friday?")
                .example("yarın programımda neler var")
                .example("bugünkü toplantılarım neler")
                .example("cumartesi planım ne")
                .example("bu hafta takvimimde ne var")
                .example("yarın nelerim var")
                .example("what meetings do i have today")
                .example("what's planned for tomorrow")
                .example("how busy am i on monday")
                .example("read me my schedule for today")
                .example("any appointments this week"),
        )
        .command(
            Command::new("find", "Find events whose title, description or place mentions something")
                .args_schema(json!({
                    "type": "object",
                    "properties": {"query": {"type": "string"}},
                    "required": ["query"]
                }))
                .example("dişçi ne zaman")
                .example("when is the dentist")
                .example("toplantı saat kaçta")
                .example("doktor randevum ne zaman")
                .example("takvimimde kuaförü bul")
                .example("when's my next meeting with Ali")
                .example("when do i see the doctor")
                .example("look up the team lunch in my calendar")
                .example("find my flight")
                .example("find coffee with Ali")
                .example("find my call with the bank")
                .example("find dinner with my parents")
                .example("find the appointment with the doctor")
                .example("Mehmet ile toplantı ne zaman")
                .example("spor salonu ne zamandı"),
        )
        .command(
            Command::new("add", "Add an event to the calendar")
                .args_schema(json!({
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD; today when absent"},
                        "time": {"type": "string", "description": "HH:MM local time; without it the event lasts all day"},
                        "duration": {"type": "integer", "description": "seconds; one hour when absent"},
                        "all_day": {"type": "boolean"},
                        "location": {"type": "string"},
                        "description": {"type": "string"}
                    },
                    "required": ["title"]
                }))
                .needs_confirmation()
                .example("takvime yarın saat 3'te dişçi ekle")
                .example("add lunch with Sam to my calendar tomorrow at 1pm")
                .example("cumartesi saat 10'a kuaför randevusu ekle")
                .example("yarın öğlen Ayşe ile yemeği takvime yaz")
                .example("pazartesi 9'da toplantı oluştur")
                .example("create an event called book club on thursday at 7pm")
                .example("put a doctor's appointment on my calendar for monday at 9")
                .example("add a team meeting tomorrow at 10am")
                .example("new event gym on saturday"),
        )
        .command(
            Command::new("update", "Move or change an event")
                .args_schema(json!({
                    "type": "object",
                    "properties": {
                        "title": {"type": "string", "description": "what the event is called"},
                        "id": {"type": "string", "description": "the event's id, as agenda and find give it"},
                        "date": {"type": "string", "format": "date", "description": "the new date, YYYY-MM-DD"},
                        "time": {"type": "string", "description": "the new start, HH:MM local time"},
                        "duration": {"type": "integer", "description": "the new length in seconds"},
                        "later_by": {"type": "integer", "description": "move the event this many seconds later, keeping its length; not with date, time or earlier_by"},
                        "earlier_by": {"type": "integer", "description": "move the event this many seconds earlier, keeping its length; not with date, time or later_by"},
                        "new_title": {"type": "string"},
                        "location": {"type": "string", "description": "the new place"}
                    }
                }))
                .needs_confirmation()
                .example("dişçiyi cuma saat 4'e taşı")
                .example("move the dentist to friday at 4pm")
                .example("toplantıyı yarına ertele")
                .example("dişçiyi saat 5'e al")
                .example("reschedule my meeting with Ali to thursday")
                .example("push the team lunch to 2pm")
                .example("change the dentist to next friday")
                .example("toplantıyı bir saat ileri al")
                .example("push the meeting an hour later"),
        )
        .command(
            Command::new("delete", "Delete an event (all of a repeating one)")
                .args_schema(json!({
                    "type": "object",
                    "properties": {
                        "title": {"type": "string", "description": "what the event is called"},
                        "id": {"type": "string", "description": "the event's id, as agenda and find give it"}
                    }
                }))
                .needs_confirmation()
                .example("dişçi randevusunu sil")
                .example("cancel my dentist appointment")
                .example("yarınki toplantıyı sil")
                .example("kuaför randevumu iptal et")
                .example("takvimden yoga dersini kaldır")
                .example("delete the lunch with Sam")
                .example("remove my haircut appointment")
                .example("cancel the team meeting on friday")
                .example("clear the gym session from my calendar"),
        )
        .command(
            Command::new("free", "Free time in working hours on a day")
                .args_schema(json!({
                    "type": "object",
                    "properties": {
                        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD; today when absent"},
                        "duration": {"type": "integer", "description": "the shortest gap worth listing, in seconds; 30 minutes when absent"}
                    }
                }))
                .example("yarın ne zaman boşum")
                .example("when am i free tomorrow")
                .example("bugün boş zamanım var mı")
                .example("cuma öğleden sonra müsait miyim")
                .example("yarın 1 saatlik boşluğum var mı")
                .example("do i have any free time today")
                .example("when am i available on thursday")
                .example("find me an hour free tomorrow"),
        )
        .command(
            Command::new("conflicts", "Events that overlap, on a day or in the coming week")
                .args_schema(json!({
                    "type": "object",
                    "properties": {
                        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD; the next seven days when absent"}
                    }
                }))
                .example("yarın çakışan toplantım var mı")
                .example("do i have any conflicts this week"),
        )
        .command(
            Command::new("import", "Import events from iCalendar (.ics) text; events with a UID already in the calendar are replaced")
                .args_schema(json!({
                    "type": "object",
                    "properties": {"ics": {"type": "string", "description": "the whole .ics file"}},
                    "required": ["ics"]
                })),
        )
        .command(
            Command::new("export", "The whole calendar as iCalendar (.ics) text, in the reply's data as `ics`")
                .example("takvimimi dışa aktar")
                .example("export my calendar"),
        )
        .intent(date(
            Intent::new(
                "agenda",
                "tr",
                [
                    "[{date}] (neler|ne) var [takvimimde|takvimde]",
                    "[{date}] [sabah] (ilk|ilk olarak) (işim|toplantım|randevum|etkinliğim|planım) (ne|nedir|neymiş)",
                    "[{date}] takvimimde (neler|ne) var",
                    "takvimimde [{date}] (neler|ne) var",
                    "[{date}] (programım|ajandam) [ne|nasıl|neler]",
                    "[{date}] (programımda|ajandamda) (neler|ne) var",
                    "[{date}] (toplantım|toplantılarım|randevum|randevularım|etkinliğim|etkinliklerim) (var mı|neler|ne)",
                    "[{date}] (takvimimi|takvimi|programımı|ajandamı) göster",
                    "bu {range} (neler|ne) var [takvimimde|takvimde]",
                    "bu {range} (programım|ajandam) [ne|nasıl|neler]",
                    "bu {range} (takvimimi|programımı) göster",
                    "bu {range} (toplantılarımı|etkinliklerimi|randevularımı|planlarımı|toplantıları|etkinlikleri|randevuları) (göster|listele|söyle|oku|sırala)",
                    "bu {date} (neler|ne) var [takvimimde|takvimde]",
                    "bu {date} (programım|ajandam) [ne|nasıl|neler]",
                    "bu {date} (takvimimi|programımı) göster",
                    "[{date}] (neyim|nelerim|planım|planlarım) var",
                    "[{date}] (toplantılarım|randevularım|etkinliklerim|planlarım|işlerim) (neler|ne|nedir)",
                    "[{date}] (programımı|takvimimi|ajandamı) (oku|söyle|göster|kontrol et|kontrol eder misin)",
                    "[bu] (hafta sonu|haftasonu) (neler|ne|planım|programım|planlarım) (var|ne)",
                    "[bu] (hafta sonu|haftasonu) (neler|ne) var [takvimimde|takvimde]",
                    "[bu] (hafta sonu|haftasonu) (neler|ne) (yapıyorum|yapacağım|yapmam gerekiyor)",
                    "[{date}] (takvimime|takvime|programıma|ajandama) [bir] (bak|bakar mısın|bakabilir misin|göz at)",
                    "(takvimime|takvime|programıma|ajandama) [bir] (bak|bakar mısın|bakabilir misin|göz at) {date} [için]",
                    "[{date}] (takvimde|takvimimde|programda|programımda) (neler|ne) (var|görünüyor)",
                    "[{date}] bir (toplantım|randevum|planım|etkinliğim) var mı",
                    "{date} için (programım|planım|takvimim) (ne|nasıl|neler)",
                    "bu {range} (neyim|nelerim|planım) var",
                    "[{date}] (planım|planlarım|programım|ajandam) (ne|neler|nedir|nasıl)",
                    "[{date}] (neler|ne) (yapacağım|yapıyorum|yapmam gerekiyor)",
                    "[{date}] (meşgul|yoğun) (muyum|miyim)",
                    "[{date}] (takvimimde|takvimde|programımda|ajandamda) (bir şey|birşey|toplantı|randevu) var mı",
                    "[{date}] (toplantılarım|randevularım|etkinliklerim) (var mı|hangileri)",
                    "[bana] [{date}] (etkinliklerimi|toplantılarımı|randevularımı|planlarımı|etkinlikleri|toplantıları) (listele|göster|söyle|oku|sırala)",
                    "[{date}] (takvimim|programım|ajandam) nasıl (görünüyor|gözüküyor)",
                    "[{date}] (işim|bir işim|bir planım|bir şeyim) var mı",
                    "[{date}] (kiminle|ne) (toplantım|randevum) var",
                    "[{date}] (ne|hangi|neler) (işlerim|işim|işler) var",
                    "[{date}] hangi (toplantılarım|randevularım|etkinliklerim|planlarım|toplantım|randevum|toplantılar|randevular|etkinlikler) var",
                    "(takvimde|takvimimde|programda|programımda) [{date}] [için] (ne|neler) (görünüyor|var)",
                    "[bu] (akşam|gece|öğleden sonra) (planım|programım|bir planım|bir programım|bir şeyim|işim) var mı",
                    "[{date}] (takvimim|programım|ajandam) (dolu|yoğun|boş) mu",
                    "(bugünün|yarının|bugünkü|yarınki|haftanın|bu haftanın) (programını|takvimini|ajandasını|planını) (göster|söyle|oku)",
                    "bu {range} hangi (toplantılarım|randevularım|etkinliklerim|planlarım|toplantım|randevum) var",
                    "bu {range} (toplantılarım|randevularım|etkinliklerim|planlarım) (neler|ne|var mı)",
                    "[{date}] (ne|neler|hangi) (işim|işlerim|planım|planlarım|programım) var",
                    "[bu] (akşam|gece|sabah|öğleden sonra) (ne|neler|hangi) (işim|işlerim|planım|planlarım|programım) var",
                    "[{date}] kaç (toplantım|randevum|etkinliğim) var",
                    "[{date}] [için] (bir şey|birşey|bir plan|plan|bir toplantı) (planlamış mıyım|planladım mı|ayarlamış mıyım|ayarladım mı)",
                    "[{date}] (toplantı|randevu|etkinlik|bir toplantı|bir randevu|bir etkinlik) var mı",
                    "(önümüzdeki|gelecek|bu) {range} [için] (neler|ne|programım|planım|takvimim) (var|nasıl|ne)",
                    "(önümüzdeki|gelecek) {range} (neler|ne) var [takvimimde|takvimde]",
                    "(takvim|takvimim|ajanda|ajandam|programım|takvimimi|ajandamı|programımı|takvimi) [aç|göster]",
                    "[{date}] (takvimimi|takvimi|programımı|ajandamı) aç",
                    "(bugünün|yarının|bugünkü|yarınki|haftanın|bu haftanın) (programı|takvimi|ajandası|planı) (ne|nedir|nasıl|neler)",
                    "[{date}] (beni|bizi) (neler|ne) bekliyor (takvimde|takvimimde|programımda|programda)",
                    "(takvimde|takvimimde|programımda) [{date}] (beni|bizi) (neler|ne) bekliyor",
                ],
            )
            .text_slot("range"),
        ))
        .intent(date(
            Intent::new(
                "agenda",
                "en",
                [
                    "(what's|what is) on [my calendar|my schedule|my agenda|my diary] [for] [{date}]",
                    "(what's|what is) on [my calendar|my schedule|my agenda|my diary] [for] this {range}",
                    "(what's|what is) on [my calendar|my schedule|my agenda|my diary] [for] this {date}",
                    "what do i have [on] [{date}]",
                    "what do i have [on] this {range}",
                    "what do i have [on] this {date}",
                    "(what's|what is) my (schedule|agenda) [for] [{date}]",
                    "(what's|what is) my (schedule|agenda) [for] this {range}",
                    "(what's|what is) my (schedule|agenda) [for] this {date}",
                    "(show|check) [me] my (calendar|schedule|agenda|diary) [for] [{date}]",
                    "(show|check) [me] my (calendar|schedule|agenda|diary) [for] this {range}",
                    "(show|check) [me] my (calendar|schedule|agenda|diary) [for] this {date}",
                    "do i have (meetings|anything|any meetings|any events|events|plans) [on] [{date}]",
                    "do i have (meetings|anything|any meetings|any events|events|plans) this {range}",
                    "do i have (meetings|anything|any meetings|any events|events|plans) this {date}",
                    "(what's|what is) happening [{date}]",
                    "[all] [of] my (appointments|meetings|events|plans) (for|on) {date}",
                    "[all] [of] my (appointments|meetings|events|plans) {date}",
                    "(what's|what is) (planned|scheduled) [for] [{date}]",
                    "what (meetings|appointments|events|plans) do i have [on] [{date}]",
                    "what (meetings|appointments|events|plans) do i have this {range}",
                    "(are there any|any) (meetings|appointments|events|plans) [on] [{date}]",
                    "(read|tell) me my (calendar|schedule|agenda|diary) [for] [{date}]",
                    "how busy am i [{date}]",
                    "how busy am i this {range}",
                    "(what's|what is) on (the|my) (calendar|schedule|agenda|diary) [for] [{date}]",
                    "(show|check|open) [me] [my] (calendar|schedule|agenda|diary) [for] this {range}",
                    "what am i doing [{date}]",
                    "(what does|how does) my (schedule|calendar|agenda) look [like] [{date}]",
                    "show [me] {date} (events|meetings|appointments|schedule|agenda)",
                    "(anything|is there anything) (on|in) my (calendar|schedule|agenda|diary) [for] [{date}]",
                    "do i have anything (planned|scheduled|on) [for] [{date}]",
                    "(am i|will i be) busy [{date}]",
                    "(what's|what is) on (the|my) (calendar|schedule|agenda|diary) [for] this {range}",
                    "what (meetings|appointments|events|plans) do i have [on] this {date}",
                    "(what's|what is) (on|happening) this {range}",
                    "what do i have going on [{date}]",
                    "(what's|what is) going on [{date}]",
                    "what (are|is) my (plans|schedule|agenda) [for] [{date}]",
                    "(list|show) [me] my (events|meetings|appointments|plans) [for] [{date}]",
                    "(list|show) [me] my (events|meetings|appointments|plans) [for] this {range}",
                    "(what's|what is) next on my (calendar|schedule|agenda|diary)",
                    "(what does|how does) my {range} look [like]",
                    "(what do i have|anything planned|what's planned|what's on) (this|on the|for the) weekend",
                    "(is there anything|anything) (on|in) my (calendar|schedule|agenda|diary) (for|on|this) (the weekend|weekend)",
                    "(what's|how's|what is|how is) my (schedule|calendar|agenda) looking [like] [{date}]",
                    "do i have (plans|anything|anything planned|any plans) (tonight|this evening|this afternoon)",
                    "is my (calendar|schedule) (full|busy|packed) [{date}]",
                    "what have i got [on] [{date}]",
                    "what have i got [on] this {range}",
                    "(what's|what is|what do i have|anything) (on tap|on the books|on my plate|coming up|lined up|in store) [on my calendar|in my calendar|for me] [for|on] [{date}]",
                    "(what's|what is|what do i have|anything) (on tap|on the books|on my plate|coming up|lined up|in store) [for] this {range}",
                    "what am i (doing|up to) [on] [{date}]",
                    "what am i (doing|up to) this {range}",
                    "how does [my] {date} look [like]",
                    "how does (my|next|this|the) {range} look [like]",
                    "is my (day|calendar|schedule|agenda) (busy|full|packed|booked) [{date}]",
                    "(show|check|open|pull up|bring up) [me] [my|the] (calendar|schedule|agenda|diary) [for] [{date}]",
                    "how many (meetings|appointments|events) (do i have|have i got) [on] [{date}]",
                    "is {date} (busy|full|packed|a busy day|booked up)",
                    "(what's|what is) (coming up|next) (on|in) my (calendar|schedule|agenda|diary)",
                    "(what's|what is) in my (calendar|schedule|agenda|diary) [for] [{date}]",
                    "[my] (calendar|schedule|agenda|diary) [please]",
                    "(calendar|schedule|agenda) for {date}",
                    "(walk|take|talk) me (through|over) my (calendar|schedule|agenda|day|plans|appointments|meetings) [for] [{date}]",
                    "(walk|take|talk) me (through|over) my (calendar|schedule|agenda|plans|appointments|meetings) (for|this) [the|this] {range}",
                    "(go|run) (through|over) my (calendar|schedule|agenda|plans|appointments|meetings) [with me] [for] [{date}]",
                    "(go|run) (through|over) my (calendar|schedule|agenda|plans|appointments|meetings) [with me] (for|this) [the|this] {range}",
                ],
            )
            .text_slot("range"),
        ))
        .intent(
            Intent::new(
                "find",
                "tr",
                [
                    "{query} ne zaman",
                    "{query} (toplantısı|toplantım|randevusu|randevum|etkinliği) ne zaman",
                    "(takvimde|takvimimde) {query} (ara|bul)",
                    "{query} (etkinliğini|toplantısını|randevusunu|randevumu|toplantımı) bul",
                    "{query} (saat kaçta|hangi gün|ne zamandı)",
                    "{query} ne zaman [acaba]",
                    "(takvimde|takvimimde) {query} (var mı|ne zaman)",
                    "{query} (toplantısı|toplantım|randevusu|randevum|etkinliği) (saat kaçta|hangi gün)",
                    "{query} (toplantısı|toplantım|randevusu|randevum|etkinliği) ne zamandı",
                    "(bir sonraki|sıradaki|gelecek) {query} ne zaman",
                    "{query} ne zaman (gidiyorum|gideceğim|görüşüyorum|görüşeceğim|buluşuyorum|buluşacağım|görüyorum)",
                    "{query} (takvimde|takvimimde|takvimden|ajandamda|programımda) (bul|bulur musun|bulabilir misin|bulsana|ara|arar mısın|arayabilir misin|arasana|göster|gösterir misin|bulmak istiyorum)",
                    "{query} (toplantısını|toplantımı|toplantıyı|randevusunu|randevumu|randevuyu|etkinliğini|etkinliğimi|etkinliği|görüşmesini|görüşmemi|görüşmeyi|buluşmasını|buluşmamı|buluşmayı|dersini|dersimi) [takvimde|takvimimde|takvimden] (bul|bulur musun|bulabilir misin|bulsana|ara|arar mısın|arayabilir misin|arasana|göster|gösterir misin)",
                    "{query} (ile|la|le|yla|yle) olan (toplantıyı|toplantımı|randevuyu|randevumu|görüşmeyi|görüşmemi|buluşmayı|buluşmamı|etkinliği) [takvimde|takvimimde] (bul|bulur musun|bulabilir misin|ara|arar mısın|göster)",
                    "{query} olan (toplantıyı|toplantımı|randevuyu|randevumu|görüşmeyi|görüşmemi|buluşmayı|buluşmamı|etkinliği) [takvimde|takvimimde] (bul|bulur musun|bulabilir misin|ara|arar mısın|göster)",
                    "{query} (toplantısı|toplantım|randevusu|randevum|etkinliği|etkinliğim|görüşmesi|görüşmem|buluşması|buluşmam|dersi|dersim|uçuşu|uçuşum) (kaçta|kaçtaydı|saat kaçtaydı|hangi gündü|hangi tarihte|hangi tarihteydi|ne zaman olacak|ne zamana ayarlı|ne zamanaydı)",
                    "{query} (ne zamana|hangi güne|hangi saate|kaça) (ayarlı|ayarlanmış|ayarlamıştım|koymuştum|yazmıştım|planlanmış|planlamıştım|kaydetmiştim|eklemiştim)",
                ],
            )
            .text_slot("query"),
        )
        .intent(
            Intent::new(
                "find",
                "en",
                [
                    "find {query} [in|on] [my calendar]",
                    "search [my calendar] for {query}",
                    "look up {query} [in|on] [my calendar]",
                    "(when's|when is) [my|the] {query}",
                    "find (events|meetings|appointments) (about|with|named|called) {query}",
                    "when (is|was) my next {query}",
                    "when do i see [my|the] {query}",
                    "(search|look) (for|up) [the|my] {query} (in|on) my (calendar|schedule)",
                    "find [the|my] {query} (in|on) my (calendar|schedule)",
                    "what time is my {query}",
                    "when do i have [my|the|a] {query}",
                    "when do i (fly|leave|travel|go) to {query}",
                    "(search|check) my (calendar|schedule) for {query}",
                    "when (is|was) [my|the] next {query}",
                    "what time is the {query}",
                    "(what's|what is) my next {query}",
                    "(what time|when) (is|was) (my|the) next {query}",
                    "when (am i|i'm) (seeing|meeting|visiting) [my|the] {query}",
                    "when did i (schedule|book|plan|put|set up|add|arrange|make) [the|my|a|an] {query} [for|on my calendar|in my calendar]",
                    "(what day|what date|which day|which date) (is|are) (the|my) {query} [on|scheduled|planned|booked]",
                    "(what day|which day|what time) (do i have|am i seeing|did i schedule|did i book) [the|my|a|an] {query}",
                    "(when|what time) is (the|my) {query} (scheduled|booked|planned) [for]",
                    "(when|what time) (is|was) (that|my|the) {query} again",
                    "(when's|whens) (that|my|the) {query} again",
                    "when was that {query}",
                    "when [my|the|that] {query} is",
                ],
            )
            .text_slot("query"),
        )
        .intent(add_intent(
            "tr",
            &[
                "(takvime|takvimime) [{date}] [{time}] {title} ekle",
                "[{date}] [{time}] {title} (takvime|takvimime) ekle",
                "{date} [{time}] {title} ekle",
                "[{date}] {time} {title} ekle",
                "[{date}] {time} {duration} {title} ekle",
                "{title} için [{date}] [{time}] randevu (ekle|oluştur)",
                "{date} [{time}] {title} (koy|yaz)",
                "[{date}] {time} {title} (koy|yaz)",
                "[{date}] [{time}] {title} (görüşmesi|toplantısı|randevusu|buluşması|toplantı|randevu|görüşme|buluşma) (ayarla|kur)",
                "[{date}] [{time}] {title} (takvime|takvimime) (kaydet|yaz|koy|işle)",
                "(takvime|takvimime) [{date}] [{time}] {title} (kaydet|yaz|koy|işle)",
                "yeni (etkinlik|toplantı|randevu) (oluştur|ekle) [{date}] [{time}] {title}",
                "{date} [{time}] {title} (ekler misin|ekleyebilir misin|eklesene)",
                "[{date}] {time} {title} (ekler misin|ekleyebilir misin|eklesene)",
                "{title} için [{date}] [{time}] (etkinlik|toplantı|randevu) (ekle|oluştur|kur)",
                "{date} [{time}] {title} (oluştur|kaydet|planla)",
                "[{date}] {time} {title} (oluştur|kaydet|planla)",
                "[{date}] [{time}] {title} (takvime|takvimime) (eklesene|ekler misin|ekleyebilir misin)",
                "[{date}] [{time}] {title} ekle (takvime|takvimime)",
                "[{date}] [{time}] {title} (takvime|takvimime) (eklensin|ekleyelim|ekleyiver|ekleyin)",
                "{date} {title} (ekle|koy|yaz|kaydet) {time}",
                "(takvime|takvimime) {date} [için] [bir] (not|etkinlik|toplantı|randevu) (ekle|yaz|koy|düş|oluştur) [{time}] {title}",
                "(takvime|takvimime) [yeni] [bir] (etkinlik|toplantı|randevu|not) (ekle|yaz|koy|düş|oluştur) [{date}] [{time}] {title}",
                "(takvimime|takvime|ajandama|programıma) [{date}] [bu] [{time}] {title} (eklemek|koymak|yazmak|kaydetmek|girmek) (istiyorum|lazım|gerekiyor)",
                "[{date}] [bu] [{time}] {title} (takvimime|takvime|ajandama|programıma) (eklemek|koymak|yazmak|kaydetmek|girmek) (istiyorum|lazım|gerekiyor)",
                "[{date}] [bu] [{time}] {title} (diye|adında|adıyla|isimli|başlıklı|adlı) [yeni] [bir] (etkinlik|toplantı|randevu|kayıt|plan) (oluştur|ekle|aç|kur|yarat|ayarla|gir|oluşturur musun|ekler misin|oluşturabilir misin|ekleyebilir misin) [takvimde|takvimime|takvime|takvimimde]",
                "(takvimde|takvimime|takvime|takvimimde) [{date}] [bu] [{time}] {title} (diye|adında|adıyla|isimli|başlıklı|adlı) [yeni] [bir] (etkinlik|toplantı|randevu|kayıt|plan) (oluştur|ekle|aç|kur|yarat|ayarla|gir|oluşturur musun|ekler misin|oluşturabilir misin|ekleyebilir misin)",
            ],
        ))
        .intent(add_intent(
            "en",
            &[
                "add {title} to my calendar [{date}] [{time}]",
                "add {title} to my calendar {time} {date}",
                "add {title} {date} [{time}]",
                "add {title} {time} [{date}]",
                "(put|add) {title} on {date} [{time}]",
                "schedule {title} [{date}] [{time}]",
                "schedule {title} {time} {date}",
                "schedule {title} for {duration} [{date}] [{time}]",
                "schedule a {duration} {title} [{date}] [{time}]",
                "(create|add) [an] event [called|named] {title} [{date}] [{time}]",
                "(add|put) {title} (on|in|to) my (calendar|schedule|agenda|diary) [for] [{date}] [{time}]",
                "(add|put) {title} (on|in|to) my (calendar|schedule|agenda|diary) [for] {time} [{date}]",
                "(add|put) {title} (on|in|to) my (calendar|schedule|agenda|diary) [for] {date} {time}",
                "(create|make|set up) [a|an] [new] (event|appointment|meeting) (called|named|for) {title} [{date}] [{time}]",
                "new (event|appointment) [called|named] {title} [{date}] [{time}]",
                "(can you|please) (add|put) {title} (on|in|to) my calendar [for] [{date}] [{time}]",
                "schedule {title} (on|for) {date} [{time}]",
                "(book|set up|arrange) a (meeting|call|appointment) with {title} [{date}] [{time}]",
                "(create|add|make) [a|an] [new] (calendar event|calendar entry|event|appointment) (for|called|named|about) {title} [{date}] [{time}]",
                "pencil in {title} [for|on] {date} [{time}]",
                "pencil in {title} [for|on] {date} (morning|afternoon|evening|night)",
                "(put|add|pop|stick) [a|an] {title} (in|on|into|onto) (the|my) (calendar|schedule|diary|agenda) (for|on) {date} [at] [{time}]",
                "(make|book|set up) an appointment with {title} [for|on] {date} [{time}]",
                "pencil in {title} [for|at] {time} [{date}]",
                "book (me in for|me for|in) [a|an] {title} [{date}] [{time}]",
                "new (meeting|event|appointment) (with|for|called|named) {title} [{date}] [{time}]",
                "(pencil|slot) (in|me in) {title} [for|on] {date} [{time}]",
                "(pencil|slot) (in|me in) {title} [for|on] {date} [at] {time}",
                "(jot|write|put) down {title} (on|in) my (calendar|schedule|agenda|diary) [for|on] [{date}] [{time}]",
                "(i want to|i need to|i'd like to|can i|could i|let me) (add|put|schedule|create|enter) {title} (on|in|to|into) my (calendar|schedule|agenda|diary) [for|on] [{date}] [{time}]",
                "(block|block off|block out|reserve|set aside|hold) [some] time (for|to) {title} [on|for] [{date}] [{time}]",
            ],
        ))
        // Relative moves come first: "bir saat ertele" also reads as a time ("saat bir"), and
        // among equal matches of one command the first template's reading is kept.
        .intent(update_intent(
            "tr",
            &[
                "{title} [saatini|başlangıcını|başlama saatini] {later_by} [kadar] (ileri|ileriye|sonraya|sonrasına) (al|at|kaydır|taşı|çek|ertele|ötele|alır mısın|alabilir misin|alsana|alalım|kaydırır mısın|kaydırabilir misin|kaydıralım|taşır mısın|taşıyalım|erteler misin|erteleyelim)",
                "{title} [saatini|başlangıcını|başlama saatini] {later_by} [kadar] (ertele|ötele|geciktir|erteler misin|erteleyebilir misin|erteleyelim|ertelesene|öteler misin|öteleyelim)",
                "{title} {later_by} (sonra|geç) (başlasın|başlat|başlatalım)",
                "{title} [saatini|başlangıcını|başlama saatini] {earlier_by} [kadar] (öne|önce|önceye|erkene|erken|geri|geriye) (al|at|kaydır|taşı|çek|alır mısın|alabilir misin|alsana|alalım|çeker misin|çekebilir misin|çeksene|çekelim|kaydırır mısın|kaydırabilir misin|kaydıralım|taşır mısın|taşıyalım)",
                "{title} {earlier_by} (erken|önce) (başlasın|başlat|başlatalım)",
            ],
        ))
        .intent(update_intent(
            "en",
            &[
                "[can you|could you|would you|can we|could we|let's|i need to|i want to|i'd like to] (push|move|shift|bump|slide|put|reschedule) [the|my] {title} [back] [by] {later_by} later",
                "[can you|could you|would you|can we|could we|let's|i need to|i want to|i'd like to] (push|bump|slide|move|shift) [the|my] {title} back [by] {later_by}",
                "[can you|could you|would you|can we|could we|let's|i need to|i want to|i'd like to] (push back|bump back|put back|set back|move back|postpone|delay|defer|push) [the|my] {title} [by|for] {later_by}",
                "[can you|could you|would you|can we|could we|let's] (start|begin|have|make) [the|my] {title} [start|begin] {later_by} later",
                "[can you|could you|would you|can we|could we|let's|i need to|i want to|i'd like to] (move|shift|bump|pull|bring|slide|put|reschedule) [the|my] {title} [up|forward|ahead] [by] {earlier_by} earlier",
                "[can you|could you|would you|can we|could we|let's|i need to|i want to|i'd like to] (move up|bring forward|pull forward|bump up|pull in|bring up|move forward|pull ahead|bring ahead) [the|my] {title} [by] {earlier_by}",
                "[can you|could you|would you|can we|could we|let's|i need to|i want to|i'd like to] (move|bring|pull|bump) [the|my] {title} (up|forward|ahead) [by] {earlier_by}",
                "[can you|could you|would you|can we|could we|let's] (start|begin|have|make) [the|my] {title} [start|begin] {earlier_by} earlier",
            ],
        ))
        .intent(update_intent(
            "tr",
            &[
                "{title} (saatini|zamanını|başlangıç saatini|başlama saatini|saati) {time} (yap|olarak değiştir|olarak güncelle|değiştir|güncelle|al|çek|taşı|ayarla|olsun|yapar mısın|yapabilir misin|alır mısın|alabilir misin)",
                "{title} (tarihini|gününü|günü) {date} (yap|olarak değiştir|olarak güncelle|değiştir|güncelle|al|çek|taşı|ayarla|olsun|yapar mısın|yapabilir misin|alır mısın|alabilir misin)",
                "{title} {date} (akşamına|sabahına|öğlesine|öğlenine|öğleden sonrasına|gecesine) (al|taşı|ertele|kaydır|çek|alır mısın|taşır mısın|erteler misin|alalım|taşıyalım|erteleyelim)",
                "{title} (adını|ismini|başlığını) {new_title} (olarak değiştir|olarak güncelle|diye değiştir|yap|olarak kaydet|olsun|yapar mısın|olarak değiştirir misin)",
                "{title} (yerini|konumunu|mekanını|adresini) {location} (olarak değiştir|olarak güncelle|diye değiştir|yap|olarak ayarla|olsun|yapar mısın|olarak değiştirir misin)",
                "{title} (süresini|uzunluğunu) {duration} (yap|olarak değiştir|olarak ayarla|olsun|uzat|kısalt)",
            ],
        ))
        .intent(update_intent(
            "en",
            &[
                "rename [the|my] {title} (to|as) {new_title}",
                "(change|update|set) the (name|title) of [the|my] {title} to {new_title}",
                "(change|update|set|move) the (location|place|venue|address|room) (of|for) [the|my] {title} to [the|a] {location}",
                "(move|change|switch) [the|my] {title} to (a new|another|a different) (location|place|venue|room) [called] {location}",
                "(the|my) {title} (is|will be) (at|in) {location} (now|instead)",
                "(change|update|set) [the|my] {title} (location|venue|place|address) to [the|a] {location}",
                "(change|update|set|move) the (date|day) of [the|my] {title} to {date} [{time}]",
                "(change|update|set) the (start time|start|starting time) of [the|my] {title} to {time} [{date}]",
                "make [the|my] {title} {duration} long",
                "(change|set) the (length|duration) of [the|my] {title} to {duration}",
            ],
        ))
        .intent(update_intent(
            "tr",
            &[
                "{title} {date} [{time}] (taşı|ertele|al|çek|kaydır|ötele|değiştir|güncelle|alır mısın|alabilir misin|alalım|taşır mısın|taşıyabilir misin|taşıyalım|erteler misin|erteleyebilir misin|erteleyelim|kaydırır mısın|kaydıralım|çeker misin|çekelim)",
                "{title} {time} (taşı|ertele|al|çek|kaydır|ötele|değiştir|güncelle|ayarla|alır mısın|alabilir misin|alalım|taşır mısın|taşıyabilir misin|taşıyalım|erteler misin|erteleyelim|kaydırır mısın|kaydıralım|çeker misin|çekelim)",
            ],
        ))
        .intent(update_intent(
            "en",
            &[
                "(move|reschedule|push|postpone) [the|my] {title} to {date} [{time}]",
                "(move|reschedule|push|postpone) [the|my] {title} to {time} [{date}]",
                "(change|set) the time of [the|my] {title} to {time}",
                "(move|reschedule|push|postpone|shift|change) [the|my] {title} (to|until|till) {date} [{time}]",
                "(move|reschedule|push|postpone|shift|change) [the|my] {title} (to|until|till) {time} [{date}]",
                "(can you|could you|please) (move|reschedule|push|postpone|shift) [the|my] {title} to {date} [{time}]",
                "(can you|could you|please) (move|reschedule|push|postpone|shift) [the|my] {title} to {time} [{date}]",
                "(bump|slide|delay|push back|move back|move up|bring forward) [the|my] {title} (to|until|till) {date} [{time}]",
                "(bump|slide|delay|push back|move back|move up|bring forward) [the|my] {title} (to|until|till) {time} [{date}]",
            ],
        ))
        .intent(
            Intent::new(
                "delete",
                "tr",
                [
                    "{title} (etkinliğini|toplantısını|randevusunu|randevumu|toplantımı) (sil|iptal et|kaldır)",
                    "{title} (etkinliğini|toplantısını|randevusunu|randevumu|toplantımı) takvimden (sil|çıkar|kaldır)",
                    "{title} takvimden (sil|çıkar|kaldır)",
                    "takvimden {title} (sil|çıkar|kaldır)",
                    "{title} (randevusu|toplantısı|etkinliği) iptal",
                    "{title} (etkinliğini|toplantısını|randevusunu|randevumu|toplantımı) iptal edebilir misin",
                    "{title} (etkinliğini|toplantısını|randevusunu|randevumu|toplantımı|planını) (sil|iptal et|kaldır) [lütfen]",
                    "[bugünkü|yarınki] (toplantıyı|toplantımı|randevuyu|randevumu|etkinliği|etkinliğimi) (sil|iptal et|kaldır)",
                    "{title} (etkinliğini|toplantısını|randevusunu|randevumu|toplantımı) (iptal ettim|iptal oldu) [takvimden] [sil|kaldır]",
                    "{title} (etkinliğini|etkinliğimi|etkinliği|toplantısını|toplantımı|toplantıyı|randevusunu|randevumu|randevuyu|görüşmesini|görüşmemi|görüşmeyi|buluşmasını|buluşmamı|buluşmayı|planını|planımı) [takvimden|takvimimden] (silmek|iptal etmek|kaldırmak|çıkarmak) (istiyorum|lazım|gerekiyor)",
                    "{title} (takvimden|takvimimden|ajandamdan|programımdan) (silmek|kaldırmak|çıkarmak) (istiyorum|lazım|gerekiyor)",
                    "(takvimden|takvimimden|ajandamdan|programımdan) {title} (silmek|kaldırmak|çıkarmak) (istiyorum|lazım|gerekiyor)",
                    "{title} (etkinliğini|etkinliğimi|etkinliği|toplantısını|toplantımı|toplantıyı|randevusunu|randevumu|randevuyu|görüşmesini|görüşmemi|görüşmeyi|buluşmayı) [takvimden|takvimimden] (sil|iptal et|kaldır|çıkar|silebilir misin|siler misin|iptal eder misin|iptal edebilir misin|kaldırır mısın|kaldırabilir misin|çıkarır mısın|silsene|silelim|iptal edelim)",
                    "{title} (gerek kalmadı|iptal oldu|iptal edildi|yapılmayacak|olmayacak|artık yok) [takvimden|takvimimden] (sil|kaldır|çıkar|silebilirsin|silebilir misin|siler misin|kaldırabilirsin|kaldırır mısın)",
                ],
            )
            .text_slot("title"),
        )
        .intent(
            Intent::new(
                "delete",
                "en",
                [
                    "(delete|remove|cancel) [the|my] {title} (event|meeting|appointment)",
                    "(delete|remove) [the|my] {title} from my calendar",
                    "(delete|remove|cancel) [the|my] event {title}",
                    "(delete|remove|cancel) [the|my] (event|meeting|appointment) (called|named|about|with) {title}",
                    "(delete|remove|clear|drop|take) [the|my] {title} (from|off) (my|the) (calendar|schedule|agenda|diary)",
                    "(delete|remove|cancel|drop) [the|my] {title} (event|meeting|appointment|session)",
                    "(get rid of|scrap|call off|axe|drop) [the|my] {title} (event|meeting|appointment|session)",
                    "(call off|scrap) [the|my] {title}",
                    "(get rid of|scrap|axe) [the|my] {title} (today|tonight|tomorrow|this week|next week|on monday|on tuesday|on wednesday|on thursday|on friday|on saturday|on sunday)",
                    // The day in words, not a date slot: `delete` takes none. No [the|my]: "cancel my
                    // …" alone would teach the classifier that any "cancel my order" is an event;
                    // the title takes the article, which `pick` ignores.
                    "[can you|could you|i want to|i need to|i'd like to] (cancel|call off) {title} (today|tonight|tomorrow|this week|next week|this weekend|next weekend|on monday|on tuesday|on wednesday|on thursday|on friday|on saturday|on sunday)",
                    "(delete|remove) [the|my] {title} (event|meeting|appointment|session) (today|tonight|tomorrow|this week|next week|on monday|on tuesday|on wednesday|on thursday|on friday|on saturday|on sunday)",
                    "(cancel|delete|remove|clear) [the|my] {title} (from|off|on|in) (my|the) (calendar|schedule|agenda|diary)",
                    "(i want to|i need to|i'd like to|can you|could you) (cancel|delete|remove|call off) [the|my] {title} (event|meeting|appointment|session|call)",
                ],
            )
            .text_slot("title"),
        )
        .intent(date(
            Intent::new(
                "free",
                "tr",
                [
                    "[{date}] ne zaman (boşum|müsaitim)",
                    "[{date}] (boş|müsait) miyim",
                    "[{date}] boş [bir] (zamanım|vaktim|saatlerim|saatim|anım) (var mı|ne zaman|neler)",
                    "[{date}] (boş|müsait) (zamanlarım|saatlerim)",
                    "[{date}] (müsaitliğim|müsaitlik durumum|boşluklarım|boş saatlerim) (nasıl|ne|neler|ne durumda) [acaba]",
                    "[{date}] (boş|müsait) (vaktim|zamanım) (var mı|ne zaman)",
                    "[{date}] ne zaman (boş|müsait) (olacağım|olurum)",
                    "[{date}] (müsait|boş) olduğum (saatler|zamanlar|vakitler|saatleri|zamanları) [neler|ne zaman]",
                    "[{date}] (sabah|öğleden sonra|öğlen|akşam|akşamüstü) (boş|müsait) (miyim|mıyım|muyum|zamanım var mı|vaktim var mı)",
                    "[{date}] {duration} boş (zaman|vakit|yer) [var mı|bul]",
                    "[{date}] {duration} boşluk bul",
                    "[{date}] [{duration}] (boşluğum|boşluk|boş yerim|boş zamanım|boş vaktim) var mı [takvimde|takvimimde]",
                    "[{date}] (bir saatlik|yarım saatlik|iki saatlik|1 saatlik|2 saatlik) (boşluğum|boşluk|boş zamanım|boş vaktim) var mı",
                    "[{date}] (hangi saatlerde|ne zaman|hangi saatler) (müsaitim|boşum|müsait|boş)",
                    "[{date}] (sabah|öğleden sonra|öğlen|akşam) (müsait|boş) (miyim|mıyım) [acaba]",
                    "[{date}] [bir] (görüşme|toplantı|randevu|buluşma|görüşmeye|toplantıya|randevuya|buluşmaya) (için|icin) [uygun|müsait] [bir] (boş saatim|boş vaktim|boş zamanım|boş yerim|zamanım|vaktim|saatim|boşluğum|yerim|zaman|vakit|boşluk|yer) var mı",
                    "[{date}] (sabah|öğleden sonra|öğlen|akşam) (uygun|müsait|boş) [bir] (boş saatim|boş vaktim|boş zamanım|saatim|zamanım|vaktim|boşluğum) var mı",
                    "[{date}] (uygun|müsait) [bir] (boş saatim|boş vaktim|boş zamanım|saatim|zamanım|vaktim|zaman|vakit|boşluğum) var mı",
                    "[{date}] (boş saatim|boş vaktim|boş zamanım|boş saatlerim|boş zamanlarım|boş vakitlerim|müsait saatlerim|müsait olduğum saatler) (var mı|ne zaman|neler|hangileri|nedir|göster|söyle)",
                    "[{date}] (takvimimde|takvimde|programımda|programda|ajandamda) (boşluk|boş yer|boş saat|boş zaman|boş vakit|boşluklar|boş bir yer|boş bir saat) var mı",
                    "[{date}] (takvimimdeki|takvimdeki|programımdaki|programdaki|ajandamdaki) (boşlukları|boş saatleri|boş zamanları|boş yerleri) (göster|söyle|bul|listele)",
                    "[{date}] ne zaman (uygunum|uygun olurum|müsait olurum|boş olurum)",
                    "[{date}] (uygun|müsait|boş) (muyum|miyim|mıyım) [acaba]",
                ],
            )
            .slot("duration", SlotKind::Duration),
        ))
        .intent(date(
            Intent::new(
                "free",
                "en",
                [
                    "when am i free [{date}]",
                    "am i free [{date}]",
                    "(am i free|am i available|when am i free) [{date}] [in the|this] (morning|afternoon|evening)",
                    "(am i free|am i available|when am i free) [this] (morning|afternoon|evening) [{date}]",
                    "(find|show) [me] [a] free (slot|slots|time) [{date}]",
                    "(find|show) [me] [a] free (slot|slots|time) for {duration} [{date}]",
                    "(find|show) [me] [a] {duration} (slot|gap) [{date}]",
                    "do i have (free time|time) [{date}]",
                    "is my (calendar|schedule|day) (free|open|clear) [{date}]",
                    "when can i (fit in|squeeze in|schedule|have) a (meeting|call) [{date}]",
                    "when do i have (a free|an open|a spare) (hour|slot|moment|window) [{date}]",
                    "(find|show) [me] (a free|an open) (hour|slot|window) [{date}]",
                    "(do i have|is there|have i got) [enough|any] time for a [quick] (meeting|call|chat) [{date}]",
                    "when do i have {duration} free [{date}]",
                    "when do i have [some|any] free time [{date}]",
                    "when do i have [some|any] free time (this|next) week",
                    "(any|are there any|do i have any|do i have an|do i have a) (openings|opening|free slots|free slot|gaps|gap|availability) [on] [{date}]",
                    "what (gaps|openings|free slots|free time|holes) do i have [in my schedule|in my calendar|on my calendar|in my day] [on] [{date}]",
                    "(am i|i'm) (available|free) at all [on] [{date}]",
                    "(what's|what is) my availability [like] [on] [{date}]",
                    "when's the next time (i'm|i am) (free|available)",
                    "when (am i|i'm) next (free|available)",
                    "do i have time for (a|an) {duration} (meeting|call) [{date}]",
                    "(any|are there any|do i have any|are there|is there any|is there a) (gaps|gap|openings|opening|free slots|free slot|free spots|holes|free time|open slots|open slot|breaks|free windows|open time|room) (in|on) my (schedule|calendar|day|agenda|diary) [{date}] [in the] [morning|afternoon|evening]",
                    "(any|are there any|do i have any|are there|is there any|is there a) (gaps|gap|openings|opening|free slots|free slot|free spots|holes|free time|open slots|open slot|breaks|free windows|open time) [{date}] [in the] [morning|afternoon|evening]",
                    "(where|when) (are|is) the (gaps|openings|free slots|free time|open slots|holes) in my (schedule|calendar|day|agenda) [{date}]",
                    "(show|find|list|give) [me] (the|my|some) (gaps|openings|free slots|free time|open slots|free spots|holes) [in my schedule|in my calendar|in my day] [{date}] [in the] [morning|afternoon|evening]",
                    "do i have (a|an|any) (free|open|spare) (hour|slot|half hour|moment|window|time|minute) [{date}] [in the] [morning|afternoon|evening]",
                    "(when|what time) (can i|could i|should i) (meet|schedule|book|fit in|squeeze in|have) [a|an] [{duration}] (meeting|call|appointment|chat) [{date}]",
                    "(find|give) me [some] (time|a slot|a gap|an opening|a window) for (a|an) [{duration}] (meeting|call|appointment|chat) [{date}]",
                    "(when|what time|what times) (am i|i'm|i am) (free|available|open) [{date}] [in the] [morning|afternoon|evening]",
                ],
            )
            .slot("duration", SlotKind::Duration),
        ))
        .intent(date(Intent::new(
            "conflicts",
            "tr",
            [
                "[{date}] (çakışan|üst üste binen) (etkinlik|etkinlikler|etkinliğim|etkinliklerim|toplantı|toplantılar|toplantım|toplantılarım|randevu|randevular|randevum|randevularım) [var mı|neler]",
                "[{date}] (çakışma|çakışmalar) [var mı|neler]",
                "bu hafta (çakışma|çakışan etkinlik|çakışan toplantı) var mı",
                "[{date}] (toplantılarım|randevularım|etkinliklerim|programım|planlarım|toplantılar|randevular) çakışıyor mu",
                "(takvimimde|takvimde|programımda|programda) [{date}] (çakışma|çakışan) [bir şey|toplantı|etkinlik|randevu] var mı",
                "[{date}] aynı saatte (iki|birden fazla) (toplantım|randevum|etkinliğim|toplantı|randevu|etkinlik) var mı",
                "[{date}] (çakışan|üst üste binen) (bir şey|birşey) var mı",
                "[{date}] (çakışan|üst üste binen|üst üste gelen|örtüşen|çakışması olan|denk gelen) [iki|birden fazla|bir] (etkinlik|etkinlikler|etkinliğim|etkinliklerim|toplantı|toplantılar|toplantım|toplantılarım|randevu|randevular|randevum|randevularım|görüşmem|görüşmelerim|planlarım|işlerim) (var mı|neler|hangileri|göster|listele|var)",
                "[{date}] aynı (saate|saatte|zamana|zamanda) (denk gelen|düşen|olan|ayarlanmış|konmuş) [iki|birden fazla|bir] (etkinlik|etkinlikler|etkinliğim|etkinliklerim|toplantı|toplantılar|toplantım|toplantılarım|randevu|randevular|randevum|randevularım|görüşmem|görüşmelerim|planlarım|işlerim) (var mı|neler|hangileri|göster|var)",
                "(bu|önümüzdeki|gelecek) hafta [içinde|içi] (çakışan|üst üste binen|üst üste gelen|örtüşen|denk gelen) [iki|birden fazla|bir] (etkinlik|etkinlikler|etkinliğim|etkinliklerim|toplantı|toplantılar|toplantım|toplantılarım|randevu|randevular|randevum|randevularım|görüşmem|görüşmelerim|planlarım|işlerim) (var mı|neler|hangileri|göster|listele|var)",
                "[{date}] (takvimimde|takvimde|programımda|programda|ajandamda) (çakışma|çakışmalar|çakışan bir şey|çakışan etkinlik|çakışan toplantı) olup olmadığını (kontrol et|kontrol eder misin|söyle|söyler misin|bak|bakar mısın|öğren)",
                "(bu|önümüzdeki|gelecek) hafta (takvimimde|takvimde|programımda|programda|ajandamda) (çakışma|çakışmalar|çakışan bir şey|çakışan etkinlik|çakışan toplantı) olup olmadığını (kontrol et|kontrol eder misin|söyle|söyler misin|bak|bakar mısın|öğren)",
                "[{date}] (çakışma|çakışmalar|çakışan bir şey|çakışan etkinlik|çakışan toplantı) olup olmadığını (kontrol et|kontrol eder misin|söyle|söyler misin|bak|bakar mısın) [takvimimde|takvimde|programımda]",
                "[{date}] (takvimimi|programımı|ajandamı|takvimi) (çakışma|çakışmalar) (için|açısından) (kontrol et|tara|kontrol eder misin|tarar mısın)",
                "[{date}] (takvimimde|takvimde|programımda|ajandamda) (çakışma|çakışmalar|çakışan) (var mı|kontrol et|neler|bul|ara)",
                "[{date}] (çakışmaları|çakışan etkinlikleri|çakışan toplantıları|çakışan randevuları|çakışan planları|çakışan etkinliklerimi|çakışan toplantılarımı) (göster|listele|bul|söyle|kontrol et)",
                "[{date}] (toplantılarım|randevularım|etkinliklerim|planlarım|toplantılar|randevular|etkinlikler|görüşmelerim) (birbiriyle|birbirleriyle|birbirine) (çakışıyor mu|çakışıyor|denk geliyor mu|örtüşüyor mu)",
                "[{date}] (iki|birden fazla) (toplantım|randevum|etkinliğim|işim|planım|görüşmem) (aynı saate|aynı saatte|aynı zamana|aynı zamanda|üst üste) (denk geliyor mu|mi|mı|geliyor mu|düşüyor mu|çakışıyor mu)",
            ],
        )))
        .intent(date(Intent::new(
            "conflicts",
            "en",
            [
                "(do i have|are there|any) [any] (conflicts|clashes|overlapping events|overlapping meetings|double bookings) [in my calendar|on my calendar|in my schedule|on my schedule] [{date}]",
                "(do i have|are there|any) [any] (conflicts|clashes|overlapping events|overlapping meetings|double bookings) this week",
                "(show|check|find) [me] [my] (conflicts|clashes|overlaps|overlapping events) [{date}]",
                "am i double booked [{date}]",
                "(do i have|are there|any) [any] (clashing|overlapping|conflicting) (appointments|meetings|events) [{date}]",
                "(check|look) for (conflicts|clashes|double bookings|overlaps|overlapping events|scheduling conflicts) [{date}]",
                "(check|look) for (conflicts|clashes|double bookings|overlaps|overlapping events|scheduling conflicts) this week",
                "(do|does) (any of my|my) (meetings|events|appointments) (clash|overlap|conflict) [{date}]",
                "(two of|some of|any of) my (meetings|events|appointments) (clash|overlap|conflict) [{date}]",
                "(is|are) (anything|any meetings|any events|any of my meetings) (double booked|overlapping|clashing) [{date}]",
                "(any|are there any|do i have any) scheduling conflicts [{date}]",
                "(any|are there any|do i have any) scheduling conflicts this week",
                "(check|scan|search|look through|go through|review) [my|the] (calendar|schedule|agenda|diary) for (conflicts|clashes|double bookings|double-bookings|overlaps|overlapping events|overlapping meetings|scheduling conflicts|clashing events|clashes) [{date}]",
                "(check|scan|search|look through|go through|review) [my|the] (calendar|schedule|agenda|diary) for (conflicts|clashes|double bookings|double-bookings|overlaps|overlapping events|overlapping meetings|scheduling conflicts|clashing events) (this|next) week",
                "(show|list|find|give|tell) [me] [my|any|the|all] (clashing|overlapping|conflicting|double booked|double-booked) (events|meetings|appointments|bookings|entries) [on|in] [my calendar|my schedule|the calendar] [{date}]",
                "(show|list|find|give|tell) [me] [my|any|the|all] (clashing|overlapping|conflicting|double booked|double-booked) (events|meetings|appointments|bookings|entries) [on|in] [my calendar|my schedule|the calendar] (this|next) week",
                "(does|do|is) (anything|any of my events|anything on my calendar|anything in my schedule) (overlap|clash|conflict|overlapping|clashing) [{date}]",
                "(which|what) (events|meetings|appointments) (overlap|clash|conflict) [{date}]",
                "(have i|did i) double (booked|book) (myself|anything|me) [{date}]",
                "is there (a|any) (conflict|clash|double booking|overlap|scheduling conflict) (in|on) my (calendar|schedule|agenda) [{date}]",
                "is there (a|any) (conflict|clash|double booking|overlap|scheduling conflict) [{date}]",
            ],
        )))
        .intent(Intent::new(
            "export",
            "tr",
            [
                "(takvimimi|takvimi) dışa aktar",
                "(takvimimi|takvimi) (ics|ical) olarak (ver|aktar|dışa aktar)",
                "[bu haftanın|haftanın|bugünün|yarının|bu ayın|tüm|bütün] (takvimimi|takvimi|ajandamı|ajandayı|programımı|etkinliklerimi|etkinlikleri|randevularımı|toplantılarımı) [(ics|ical|icalendar|dosya) olarak] (dışa|dışarı) (aktar|aktarır mısın|aktarabilir misin|aktarsana|ver|verir misin|çıkar)",
                "[bu haftanın|haftanın|bugünün|bu ayın|tüm|bütün] (takvimimi|takvimi|ajandamı|ajandayı|programımı|etkinliklerimi|etkinlikleri|randevularımı|toplantılarımı) [bir] (ics|ical|icalendar|ics dosyası|ical dosyası|dosya) (olarak|halinde|formatında) (paylaş|indir|kaydet|ver|gönder|çıkar|aktar|dışa aktar|dışarı aktar|hazırla|oluştur)",
                "[bu haftanın|haftanın|bugünün|bu ayın|tüm|bütün] (takvimimi|takvimi|ajandamı|ajandayı|programımı|etkinliklerimi|etkinlikleri|randevularımı|toplantılarımı) [bir] (ics|ical|icalendar|ics dosyası|ical dosyası|dosya) (olarak|halinde|formatında) (paylaşır mısın|indirir misin|kaydeder misin|verir misin|gönderir misin|aktarır mısın|dışa aktarır mısın|dışarı aktarır mısın|hazırlar mısın)",
                "[bu haftanın|haftanın|bugünün|yarının|bu ayın|tüm|bütün] (takvimimi|takvimi|ajandamı|ajandayı|programımı|etkinliklerimi|etkinlikleri|randevularımı|toplantılarımı) [bir] (ics|ical|icalendar) (dosyasına|dosyaya|formatına|formatında) (aktar|kaydet|yaz|çıkar|dök|dönüştür|çevir|aktarır mısın|kaydeder misin|dönüştürür müsün|çevirir misin)",
                "(takvimimin|takvimin|ajandamın|programımın|etkinliklerimin) [bir] [(ics|ical|icalendar) (formatında|dosyası olarak|olarak)] [bir] (kopyasını|yedeğini|dosyasını|çıktısını|ics dosyasını|ical dosyasını) (çıkar|al|ver|oluştur|hazırla|gönder|indir|çıkarır mısın|verir misin|oluşturur musun|hazırlar mısın)",
                "(takvimimi|takvimi|ajandamı|programımı|etkinliklerimi) (yedekle|indir|yedekler misin|indirir misin)",
                "(takvimimi|takvimi|ajandamı|programımı|etkinliklerimi) (outlook|google takvim|google|apple takvim|icloud|telefonum|başka bir uygulama|başka bir takvim) (için|için dışa aktar|için dosya olarak ver)",
                "[bana] (takvimimden|takvimden) [bir] (ics|ical|icalendar) (dosyası|çıktısı) (oluştur|ver|hazırla|çıkar|oluşturur musun|verir misin|hazırlar mısın)",
            ],
        ))
        .intent(Intent::new(
            "export",
            "en",
            [
                "export [my|the] calendar [as|to] [ics|ical|icalendar]",
                "[can you|could you|please] (export|share|download|save|send|email|give me|get me|send me|get) [me] [my|the|all my|all of my|this week's|today's] (calendar|schedule|agenda|diary|events|appointments|meetings) (as|to|into|in) [a|an] (ics|ical|icalendar) [file|format]",
                "[can you|could you|please] (export|share|download|save|send|email|give me|get me|send me|get) [me] [my|the|all my|all of my|this week's|today's] (calendar|schedule|agenda|diary|events|appointments|meetings) (as|to|into|in) [a|an] (file|calendar file|ics file|ical file|single file)",
                "[can you|could you|please] export [all] [my|the|all my|all of my|this week's|today's] (calendar|schedule|agenda|diary|events|appointments|meetings) [for this week|for the week|for today]",
                "(give me|send me|get me|i need|i want|can i get|can i have|make) [me] [a|an] (ics|ical|icalendar) (export|file|dump|copy|backup|version) (of|for) (my|the|all my|this week's|today's) (calendar|schedule|agenda|events|appointments|meetings)",
                "(i need|i want|give me|send me) [a copy of] my (calendar|schedule|events|agenda) (as|in) (a file|an ics|ics|ical|an ics file|an ical file|icalendar) [(i can|to) (import|open|use|load) (into|in) (outlook|google calendar|google|apple calendar|icloud|my phone|another app|another calendar|thunderbird)]",
                "export [my|the] (calendar|schedule|events|agenda) to (ics|ical|icalendar|outlook|google calendar|a file|an ics file)",
                "(back up|backup|make a backup of|download) [a copy of] my (calendar|schedule|events|agenda)",
            ],
        ))
        .notifies()
        .tick_every(60)
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        let cx = Context::load(call.locale() == "tr")?;
        match call.command() {
            "agenda" => agenda(&cx, call.args()?),
            "find" => find(&cx, call.args()?),
            "add" => add(&cx, call.args()?, call.locale()),
            "update" => update(&cx, call.args()?),
            "delete" => delete(&cx, call.args()?),
            "free" => free(&cx, call.args()?),
            "conflicts" => conflicts(&cx, call.args()?),
            "import" => import(&cx, call.args()?, call.locale()),
            "export" => export(&cx),
            other => Err(Error::UnknownCommand(other.into())),
        }
    }

    fn describe(call: &Call, kind: DescriptionKind) -> Option<String> {
        describe::describe(call, kind)
    }

    fn on_tick(now_ms: bantz_sdk::Timestamp) -> Result<(), Error> {
        let settings = Settings::load()?;
        if settings.reminder_minutes <= 0 {
            return Ok(());
        }
        let now = DateTime::from_timestamp_millis(now_ms)
            .ok_or_else(|| Error::Internal(format!("the tick time {now_ms} is out of range")))?;
        let events = load()?;
        let soon = now + Duration::minutes(settings.reminder_minutes);
        for o in event::occurrences(&events, now, soon + Duration::seconds(1), settings.zone) {
            let Span::Timed { start, .. } = o.span else {
                continue;
            };
            if start < now || start > soon {
                continue;
            }
            let tr = o.event.locale == "tr";
            let at = say::hm(settings.zone.to_local(start));
            let minutes = (start - now).num_minutes().max(0);
            let mut body = match (tr, minutes) {
                (true, 0) => format!("{at}'de başlıyor (şimdi)."),
                (true, m) => format!("{at}'de başlıyor ({m} dakika sonra)."),
                (false, 0) => format!("Starts at {at} (now)."),
                (false, m) => format!(
                    "Starts at {at} (in {m} minute{}).",
                    if m == 1 { "" } else { "s" }
                ),
            };
            if let Some(place) = &o.event.location {
                body.push_str(&if tr {
                    format!(" Yer: {place}.")
                } else {
                    format!(" Where: {place}.")
                });
            }
            let mut key = format!("event-{}-{}", o.event.uid, start.format("%Y%m%dT%H%M%SZ"));
            if key.len() > 256 {
                key = format!("event-{}-{}", o.event.id(), start.format("%Y%m%dT%H%M%SZ"));
            }
            bantz_sdk::notify::send_once(&key, "event-reminder", &o.event.title, &body)?;
        }
        Ok(())
    }
}

export!(Calendar);

fn add_intent(locale: &str, templates: &[&'static str]) -> Intent {
    Intent::new("add", locale, templates.iter().copied())
        .slot("date", SlotKind::Date)
        .slot("time", SlotKind::Time)
        .slot("duration", SlotKind::Duration)
        .text_slot("title")
}

/// `update`'s templates. Every intent declares the slots in one order, `duration` before
/// `later_by` and `earlier_by`: the classifier gives a message's one length to the first slot of
/// its kind, and a length it cannot place is safer as a new length than as a move.
fn update_intent(locale: &str, templates: &[&'static str]) -> Intent {
    Intent::new("update", locale, templates.iter().copied())
        .slot("date", SlotKind::Date)
        .slot("time", SlotKind::Time)
        .slot("duration", SlotKind::Duration)
        .slot("later_by", SlotKind::Duration)
        .slot("earlier_by", SlotKind::Duration)
        .text_slot("title")
        .text_slot("new_title")
        .text_slot("location")
}

/// The skill's settings: `timezone`, `day_start`, `day_end`, `reminder_minutes`.
struct Settings {
    zone: Zone,
    day_start: NaiveTime,
    day_end: NaiveTime,
    reminder_minutes: i64,
}

impl Settings {
    fn load() -> Result<Settings, Error> {
        let name = bantz_sdk::config::get_or("timezone", DEFAULT_TIMEZONE);
        let zone = name.parse().map_err(|_| {
            Error::Internal(format!(
                "the configured timezone {name:?} is not an IANA timezone name such as \"Europe/Istanbul\""
            ))
        })?;
        let time = |key: &str, default: &str| {
            let text = bantz_sdk::config::get_or(key, default);
            NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
                Error::Internal(format!(
                    "the setting {key} = {text:?} is not a time like \"09:00\""
                ))
            })
        };
        let minutes = bantz_sdk::config::get_or("reminder_minutes", "15");
        Ok(Settings {
            zone,
            day_start: time("day_start", "09:00")?,
            day_end: time("day_end", "18:00")?,
            reminder_minutes: minutes
                .trim()
                .parse()
                .ok()
                .filter(|m| *m <= MAX_REMINDER_MINUTES)
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "the setting reminder_minutes = {minutes:?} is not a number of minutes up to {MAX_REMINDER_MINUTES} (a week)"
                    ))
                })?,
        })
    }
}

/// What every command needs: the settings, the time, and the language.
struct Context {
    settings: Settings,
    now: DateTime<Utc>,
    tr: bool,
}

impl Context {
    fn load(tr: bool) -> Result<Context, Error> {
        Ok(Context {
            settings: Settings::load()?,
            now: now()?,
            tr,
        })
    }

    fn zone(&self) -> Zone {
        self.settings.zone
    }

    fn today(&self) -> NaiveDate {
        self.zone().to_local(self.now).date()
    }

    /// Midnight at the start of `day` in the user's zone.
    fn midnight(&self, day: NaiveDate) -> DateTime<Utc> {
        self.zone().to_utc(day.and_time(NaiveTime::MIN))
    }

    fn say(&self, tr: impl Into<String>, en: impl Into<String>) -> String {
        if self.tr { tr.into() } else { en.into() }
    }

    /// An occurrence for clients: ids, title, and times in the user's zone.
    fn describe(&self, o: &Occurrence<'_>) -> Value {
        let (start, end) = o.span.bounds(self.zone());
        let local = |t: DateTime<Utc>| {
            let offset = self.zone().offset_at(t);
            let fixed = chrono::FixedOffset::east_opt(offset)
                .unwrap_or(chrono::FixedOffset::east_opt(0).unwrap());
            t.with_timezone(&fixed).to_rfc3339()
        };
        let mut v = json!({
            "id": o.event.id(),
            "uid": o.event.uid,
            "title": o.event.title,
            "start": local(start),
            "end": local(end),
            "all_day": matches!(o.span, Span::AllDay { .. }),
            "recurring": o.event.rrule.is_some() || o.event.recurrence_id.is_some(),
        });
        if let Span::AllDay { date, days } = o.span {
            v["date"] = json!(date.to_string());
            v["days"] = json!(days);
        }
        if let Some(l) = &o.event.location {
            v["location"] = json!(l);
        }
        if let Some(d) = &o.event.description {
            v["description"] = json!(d);
        }
        v
    }
}

#[derive(Deserialize)]
struct AgendaArgs {
    date: Option<String>,
    range: Option<String>,
}

fn agenda(cx: &Context, args: AgendaArgs) -> Result<Reply, Error> {
    let day = date_arg(args.date.as_deref())?.unwrap_or(cx.today());
    let week = match args.range.as_deref().map(say::fold) {
        None => false,
        Some(r) if r.starts_with("week") || r.starts_with("hafta") => true,
        Some(r) if r.starts_with("day") || r.starts_with("gun") || r.is_empty() => false,
        Some(r) => {
            return Ok(Reply::text(cx.say(
                format!(
                    "\"{r}\" için takvimi gösteremem: bir günü ya da bir haftayı sorabilirsiniz."
                ),
                format!("I can't show the calendar for \"{r}\": ask about a day or a week."),
            )));
        }
    };
    let events = load()?;
    let (first, days) = if week {
        (
            day - Duration::days(day.weekday().num_days_from_monday().into()),
            7,
        )
    } else {
        (day, 1)
    };
    let last = first + Duration::days(days - 1);
    let found = event::occurrences(
        &events,
        cx.midnight(first),
        cx.midnight(last + Duration::days(1)),
        cx.zone(),
    );
    let when = if week {
        let this_week = (first..=last).contains(&cx.today());
        match (this_week, cx.tr) {
            (true, true) => format!("Bu hafta ({})", say::week(first, last, true)),
            (true, false) => format!("This week ({})", say::week(first, last, false)),
            (false, tr) => say::week(first, last, tr),
        }
    } else {
        capitalise(&say::day(day, cx.today(), cx.tr), cx.tr)
    };
    let text = if found.is_empty() {
        cx.say(
            format!("{when} takviminizde bir şey yok."),
            format!("{when}: nothing on your calendar."),
        )
    } else {
        let head = cx.say(
            format!("{when} takviminizde {} etkinlik var:", found.len()),
            format!("{when} you have {}:", count(found.len(), "event", "events")),
        );
        let mut lines = vec![head];
        let mut shown_day = None;
        for o in found.iter().take(MAX_LISTED) {
            if week {
                let (start, _) = o.span.bounds(cx.zone());
                let d = cx.zone().to_local(start).date().max(first);
                if shown_day != Some(d) {
                    lines.push(capitalise(&say::date(d, cx.tr), cx.tr));
                    shown_day = Some(d);
                }
            }
            lines.push(say::line(o, cx.zone(), cx.tr));
        }
        more(&mut lines, found.len(), cx.tr);
        lines.join("\n")
    };
    Ok(Reply::text(text).with_data(&json!({
        "date": first.to_string(),
        "range": if week { "week" } else { "day" },
        "timezone": cx.zone().to_string(),
        "events": found.iter().map(|o| cx.describe(o)).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct FindArgs {
    query: String,
}

fn find(cx: &Context, args: FindArgs) -> Result<Reply, Error> {
    let query = args.query.trim();
    if query.is_empty() {
        return Err(Error::InvalidArgs("say what to look for".into()));
    }
    let events = load()?;
    let matching: Vec<Event> = events
        .iter()
        .filter(|e| {
            let mut texts = vec![e.title.as_str()];
            texts.extend(e.description.as_deref());
            texts.extend(e.location.as_deref());
            say::mentions(&texts, query)
        })
        .cloned()
        .collect();
    // Each event once: its next occurrence, else its first.
    let found = next_occurrences(cx, &matching);
    let text = if found.is_empty() {
        cx.say(
            format!("Takviminizde \"{query}\" geçen bir etkinlik bulamadım."),
            format!("I found nothing on your calendar about \"{query}\"."),
        )
    } else {
        let mut lines = vec![cx.say(
            format!("\"{query}\" için {} etkinlik buldum:", found.len()),
            format!(
                "I found {} for \"{query}\":",
                count(found.len(), "event", "events")
            ),
        )];
        for o in found.iter().take(MAX_LISTED) {
            lines.push(format!(
                "{}, {}",
                say::line(o, cx.zone(), cx.tr),
                occurrence_day(cx, o)
            ));
        }
        more(&mut lines, found.len(), cx.tr);
        lines.join("\n")
    };
    Ok(Reply::text(text).with_data(&json!({
        "query": query,
        "events": found.iter().map(|o| cx.describe(o)).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct AddArgs {
    title: String,
    date: Option<String>,
    time: Option<String>,
    duration: Option<i64>,
    all_day: Option<bool>,
    location: Option<String>,
    description: Option<String>,
}

fn add(cx: &Context, args: AddArgs, locale: &str) -> Result<Reply, Error> {
    let title = args.title.trim();
    if title.is_empty() {
        return Err(Error::InvalidArgs("the event needs a title".into()));
    }
    // "dişçi" from a chat message becomes "Dişçi"; "iPhone launch" stays as it is.
    let second_lower = title.chars().nth(1).is_none_or(char::is_lowercase);
    let title = &if second_lower {
        capitalise(title, locale == "tr")
    } else {
        title.to_owned()
    };
    let day = date_arg(args.date.as_deref())?.unwrap_or(cx.today());
    let time = time_arg(args.time.as_deref())?;
    let duration = duration_arg(args.duration)?;
    let seconds = duration.unwrap_or(DEFAULT_SECONDS);
    let when = match (time, args.all_day) {
        (Some(t), None | Some(false)) => When::Timed {
            start: cx.zone().to_utc(day.and_time(t)),
            seconds,
            zone: cx.zone(),
        },
        (None, Some(false)) => {
            return Err(Error::InvalidArgs(
                "an event that is not all day needs a time".into(),
            ));
        }
        _ => When::AllDay {
            date: day,
            days: duration.map_or(1, |s| ((s + 86399) / 86400).max(1) as u32),
        },
    };
    let nanos = cx.now.timestamp_nanos_opt().unwrap_or_default();
    let event = Event {
        uid: format!("{nanos:x}@bantz"),
        recurrence_id: None,
        title: title.to_owned(),
        description: args.description.filter(|d| !d.trim().is_empty()),
        location: args.location.filter(|l| !l.trim().is_empty()),
        when,
        rrule: None,
        exdates: Vec::new(),
        locale: locale.to_owned(),
    };
    event
        .check()
        .map_err(|e| Error::InvalidArgs(format!("the event cannot be kept: {e}")))?;
    let others = load()?;
    save(&event)?;
    let mine = event::occurrences(
        std::slice::from_ref(&event),
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
        cx.zone(),
    );
    let added = mine.first().copied();
    // A timed event that overlaps others says so; all-day events keep no one busy.
    let clashes: Vec<Occurrence<'_>> = match (&added, &event.when) {
        (Some(o), When::Timed { .. }) => {
            let (start, end) = o.span.bounds(cx.zone());
            event::occurrences(&others, start, end, cx.zone())
                .into_iter()
                .filter(|o| matches!(o.span, Span::Timed { .. }))
                .collect()
        }
        _ => Vec::new(),
    };
    let described = added
        .map(|o| describe_occurrence(cx, &o))
        .unwrap_or_default();
    let mut text = cx.say(
        format!("Takviminize ekledim: {title}, {described}."),
        format!("Added to your calendar: {title}, {described}."),
    );
    if !clashes.is_empty() {
        let names: Vec<String> = clashes
            .iter()
            .map(|o| format!("{} ({})", o.event.title, say::span(o, cx.zone(), cx.tr)))
            .collect();
        text.push_str(&cx.say(
            format!(" Aynı saatte şunlar da var: {}.", names.join(", ")),
            format!(" It overlaps with {}.", names.join(", ")),
        ));
    }
    Ok(Reply::text(text).with_data(&json!({
        "added": added.map(|o| cx.describe(&o)),
        "conflicts": clashes.iter().map(|o| cx.describe(o)).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct PickArgs {
    id: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize)]
struct UpdateArgs {
    #[serde(flatten)]
    pick: PickArgs,
    date: Option<String>,
    time: Option<String>,
    duration: Option<i64>,
    later_by: Option<i64>,
    earlier_by: Option<i64>,
    new_title: Option<String>,
    location: Option<String>,
}

/// The event the user means, or the reply that says why there is not exactly one.
enum Picked {
    One(Box<Event>),
    Reply(Reply),
}

/// Finds the event named by `id` or `title`: an id, an exact title, else titles it names;
/// a repeating event and its changed occurrences count as one.
fn pick(cx: &Context, events: &[Event], args: &PickArgs) -> Result<Picked, Error> {
    let mut candidates: Vec<&Event> = match (&args.id, &args.title) {
        (Some(id), _) if !id.trim().is_empty() => {
            let id = id.trim().to_lowercase();
            events
                .iter()
                .filter(|e| e.uid == id || (id.len() >= 4 && e.id().starts_with(&id)))
                .collect()
        }
        (_, Some(title)) if !title.trim().is_empty() => {
            let exact: Vec<&Event> = events
                .iter()
                .filter(|e| say::fold(&e.title) == say::fold(title.trim()))
                .collect();
            if exact.is_empty() {
                events
                    .iter()
                    .filter(|e| say::names(&e.title, title))
                    .collect()
            } else {
                exact
            }
        }
        _ => {
            return Err(Error::InvalidArgs(
                "say which event: its title or its id".into(),
            ));
        }
    };
    // A series stands for its changed occurrences.
    let series: Vec<String> = candidates
        .iter()
        .filter(|e| e.recurrence_id.is_none() && e.rrule.is_some())
        .map(|e| e.uid.clone())
        .collect();
    candidates.retain(|e| e.recurrence_id.is_none() || !series.contains(&e.uid));
    let said = args
        .title
        .as_deref()
        .or(args.id.as_deref())
        .unwrap_or_default();
    match candidates.as_slice() {
        [one] => Ok(Picked::One(Box::new((*one).clone()))),
        [] => Ok(Picked::Reply(
            Reply::text(cx.say(
                format!(
                    "Takviminizde \"{said}\" diye bir etkinlik bulamadım; hiçbir şeyi değiştirmedim."
                ),
                format!("I found no event called \"{said}\" on your calendar, so nothing changed."),
            ))
            .with_data(&json!({ "changed": 0, "matches": [] })),
        )),
        many => {
            let owned: Vec<Event> = many.iter().map(|e| (*e).clone()).collect();
            let shown = next_occurrences(cx, &owned);
            let mut lines = vec![cx.say(
                format!("\"{said}\" birden çok etkinliğe uyuyor; hiçbir şeyi değiştirmedim. Hangisi olduğunu id'siyle söyleyin:"),
                format!("\"{said}\" matches more than one event, so nothing changed. Say which one by its id:"),
            )];
            for o in &shown {
                lines.push(format!(
                    "{}, {} [id {}]",
                    say::line(o, cx.zone(), cx.tr),
                    occurrence_day(cx, o),
                    o.event.id()
                ));
            }
            Ok(Picked::Reply(Reply::text(lines.join("\n")).with_data(
                &json!({
                    "changed": 0,
                    "matches": shown.iter().map(|o| cx.describe(o)).collect::<Vec<_>>(),
                }),
            )))
        }
    }
}

fn update(cx: &Context, args: UpdateArgs) -> Result<Reply, Error> {
    let events = load()?;
    let mut event = match pick(cx, &events, &args.pick)? {
        Picked::One(e) => *e,
        Picked::Reply(r) => return Ok(r),
    };
    let date = date_arg(args.date.as_deref())?;
    let time = time_arg(args.time.as_deref())?;
    let new_title = args
        .new_title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let location = args
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let by = shift_arg(args.later_by, args.earlier_by)?;
    if by.is_some() && (date.is_some() || time.is_some()) {
        return Err(Error::InvalidArgs(
            "say either where to move the event (date, time) or how far (later_by, earlier_by), not both".into(),
        ));
    }
    if date.is_none()
        && time.is_none()
        && by.is_none()
        && args.duration.is_none()
        && new_title.is_none()
        && location.is_none()
    {
        return Err(Error::InvalidArgs(
            "say what to change: a date, a time, how far to move it, a duration, a new title or a place".into(),
        ));
    }
    let duration = duration_arg(args.duration)?;
    let old_start = event.local_start();
    event.when = match (&event.when, time) {
        (When::AllDay { date: d, days }, None) => When::AllDay {
            date: date.unwrap_or(*d),
            days: duration.map_or(*days, |s| ((s + 86399) / 86400).max(1) as u32),
        },
        (When::AllDay { date: d, .. }, Some(t)) => When::Timed {
            start: cx.zone().to_utc(date.unwrap_or(*d).and_time(t)),
            seconds: duration.unwrap_or(DEFAULT_SECONDS),
            zone: cx.zone(),
        },
        (
            When::Timed {
                start,
                seconds,
                zone,
            },
            _,
        ) => {
            // The user's "at 4" and "on Friday" are in their own zone.
            let mine = cx.zone().to_local(*start);
            let moved = cx.zone().to_utc(
                date.unwrap_or(mine.date())
                    .and_time(time.unwrap_or(mine.time())),
            );
            When::Timed {
                start: moved,
                seconds: duration.unwrap_or(*seconds),
                zone: *zone,
            }
        }
    };
    if let Some(seconds) = by {
        event.when = shifted(&event.when, seconds)?;
    }
    // Exceptions of a series move with it.
    let shift = event.local_start() - old_start;
    for exdate in &mut event.exdates {
        *exdate += shift;
    }
    if let Some(t) = new_title {
        event.title = t.to_owned();
    }
    if let Some(l) = location {
        event.location = Some(l.to_owned());
    }
    event
        .check()
        .map_err(|e| Error::InvalidArgs(format!("the event cannot be moved there: {e}")))?;
    save(&event)?;
    let described = first_occurrence(cx, &event);
    Ok(Reply::text(cx.say(
        format!("Güncelledim: {}, {described}.", event.title),
        format!("Updated: {}, {described}.", event.title),
    ))
    .with_data(&json!({ "changed": 1, "updated": next_occurrences(cx, std::slice::from_ref(&event)).first().map(|o| cx.describe(o)) })))
}

/// How far `later_by` or `earlier_by` moves an event, in seconds: later when positive.
fn shift_arg(later_by: Option<i64>, earlier_by: Option<i64>) -> Result<Option<i64>, Error> {
    let (seconds, name, sign) = match (later_by, earlier_by) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(Error::InvalidArgs(
                "give later_by or earlier_by, not both: one moves the event later, the other earlier".into(),
            ));
        }
        (Some(s), None) => (s, "later_by", 1),
        (None, Some(s)) => (s, "earlier_by", -1),
    };
    if seconds <= 0 {
        Err(Error::InvalidArgs(format!(
            "{name} must be a positive number of seconds, such as 3600 for an hour"
        )))
    } else if seconds > event::MAX_SECONDS {
        Err(Error::InvalidArgs(format!(
            "{name} of {seconds} seconds is more than ten years; give a new date instead"
        )))
    } else {
        Ok(Some(sign * seconds))
    }
}

/// `when` moved `seconds` later (earlier when negative), its length kept: a timed event by
/// that much time, an all-day one by whole days only.
fn shifted(when: &When, seconds: i64) -> Result<When, Error> {
    let out_of_range =
        || Error::InvalidArgs("that moves the event out of the years a calendar keeps".into());
    match when {
        When::Timed {
            start,
            seconds: length,
            zone,
        } => Ok(When::Timed {
            start: start
                .checked_add_signed(Duration::seconds(seconds))
                .ok_or_else(out_of_range)?,
            seconds: *length,
            zone: *zone,
        }),
        When::AllDay { date, days } if seconds % 86400 == 0 => Ok(When::AllDay {
            date: date
                .checked_add_signed(Duration::days(seconds / 86400))
                .ok_or_else(out_of_range)?,
            days: *days,
        }),
        When::AllDay { .. } => Err(Error::InvalidArgs(
            "an all-day event moves by whole days: give a new date, or a multiple of 86400 seconds"
                .into(),
        )),
    }
}

fn delete(cx: &Context, args: PickArgs) -> Result<Reply, Error> {
    let events = load()?;
    let event = match pick(cx, &events, &args)? {
        Picked::One(e) => *e,
        Picked::Reply(r) => return Ok(r),
    };
    let described = first_occurrence(cx, &event);
    // Deleting a series deletes its changed occurrences too.
    let gone: Vec<&Event> = events
        .iter()
        .filter(|e| e.key() == event.key() || (event.recurrence_id.is_none() && e.uid == event.uid))
        .collect();
    for e in &gone {
        kv::delete(&e.key())?;
    }
    let series = event.rrule.is_some();
    Ok(Reply::text(match (cx.tr, series) {
        (true, false) => format!("Sildim: {}, {described}.", event.title),
        (true, true) => format!("Sildim: {} (tüm tekrarlarıyla).", event.title),
        (false, false) => format!("Deleted: {}, {described}.", event.title),
        (false, true) => format!("Deleted: {} (every occurrence).", event.title),
    })
    .with_data(&json!({ "changed": gone.len(), "deleted": { "id": event.id(), "uid": event.uid, "title": event.title } })))
}

#[derive(Deserialize)]
struct FreeArgs {
    date: Option<String>,
    duration: Option<i64>,
}

fn free(cx: &Context, args: FreeArgs) -> Result<Reply, Error> {
    let day = date_arg(args.date.as_deref())?.unwrap_or(cx.today());
    // A gap longer than a day is never within working hours.
    let min = Duration::seconds(
        args.duration
            .unwrap_or(DEFAULT_FREE_SECONDS)
            .clamp(60, 86400),
    );
    let s = &cx.settings;
    let mut from = cx.zone().to_utc(day.and_time(s.day_start));
    let to = cx.zone().to_utc(day.and_time(s.day_end));
    // Today, only what is still ahead, from the next five-minute mark.
    if from < cx.now {
        let five = 300;
        let ts = (cx.now.timestamp() + five - 1) / five * five;
        from = DateTime::from_timestamp(ts, 0).unwrap_or(cx.now);
    }
    let when = capitalise(&say::day(day, cx.today(), cx.tr), cx.tr);
    let events = load()?;
    let busy = event::occurrences(&events, from, to.max(from), cx.zone());
    let slots = if from < to {
        event::free_slots(&busy, from, to, min)
    } else {
        Vec::new()
    };
    let hours = format!(
        "{}–{}",
        s.day_start.format("%H:%M"),
        s.day_end.format("%H:%M")
    );
    let text = if from >= to {
        cx.say(
            format!("{when} için çalışma saatleri ({hours}) geçti."),
            format!("{when}, working hours ({hours}) are over."),
        )
    } else if slots.is_empty() {
        cx.say(
            format!("{when} çalışma saatlerinde ({hours}) boş zamanınız yok."),
            format!("{when} you have no free time in working hours ({hours})."),
        )
    } else {
        let list: Vec<String> = slots
            .iter()
            .map(|(a, b)| {
                format!(
                    "{}–{}",
                    say::hm(cx.zone().to_local(*a)),
                    say::hm(cx.zone().to_local(*b))
                )
            })
            .collect();
        cx.say(
            format!("{when} boş zamanlarınız: {}.", list.join(", ")),
            format!("{when} you are free {}.", list.join(", ")),
        )
    };
    Ok(Reply::text(text).with_data(&json!({
        "date": day.to_string(),
        "day_start": s.day_start.format("%H:%M").to_string(),
        "day_end": s.day_end.format("%H:%M").to_string(),
        "min_minutes": min.num_minutes(),
        "slots": slots.iter().map(|(a, b)| json!({
            "start": say::hm(cx.zone().to_local(*a)),
            "end": say::hm(cx.zone().to_local(*b)),
            "minutes": (*b - *a).num_minutes(),
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct ConflictArgs {
    date: Option<String>,
}

fn conflicts(cx: &Context, args: ConflictArgs) -> Result<Reply, Error> {
    let day = date_arg(args.date.as_deref())?;
    let (first, days) = match day {
        Some(d) => (d, 1),
        None => (cx.today(), 7),
    };
    let events = load()?;
    let found = event::occurrences(
        &events,
        cx.midnight(first),
        cx.midnight(first + Duration::days(days)),
        cx.zone(),
    );
    let pairs = event::conflicts(&found);
    let when = match day {
        Some(d) => capitalise(&say::day(d, cx.today(), cx.tr), cx.tr),
        None => cx.say("Önümüzdeki yedi günde", "In the next seven days"),
    };
    let text = if pairs.is_empty() {
        cx.say(
            format!("{when} çakışan etkinliğiniz yok."),
            format!("{when}, nothing on your calendar overlaps."),
        )
    } else {
        let mut lines = vec![cx.say(
            format!("{when} çakışan etkinlikleriniz var:"),
            format!("{when}, these events overlap:"),
        )];
        for (a, b) in pairs.iter().take(MAX_LISTED) {
            let (x, y) = (&found[*a], &found[*b]);
            let start = cx.zone().to_local(x.span.bounds(cx.zone()).0).date();
            let on = if days > 1 {
                format!("{}: ", capitalise(&say::date(start, cx.tr), cx.tr))
            } else {
                String::new()
            };
            lines.push(cx.say(
                format!(
                    "- {on}{} ({}) ile {} ({})",
                    x.event.title,
                    say::span(x, cx.zone(), true),
                    y.event.title,
                    say::span(y, cx.zone(), true)
                ),
                format!(
                    "- {on}{} ({}) and {} ({})",
                    x.event.title,
                    say::span(x, cx.zone(), false),
                    y.event.title,
                    say::span(y, cx.zone(), false)
                ),
            ));
        }
        lines.join("\n")
    };
    Ok(Reply::text(text).with_data(&json!({
        "from": first.to_string(),
        "days": days,
        "conflicts": pairs.iter().map(|(a, b)| json!([cx.describe(&found[*a]), cx.describe(&found[*b])])).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct ImportArgs {
    ics: String,
}

fn import(cx: &Context, args: ImportArgs, locale: &str) -> Result<Reply, Error> {
    let imported = ics::import(&args.ics, cx.zone(), locale).map_err(Error::InvalidArgs)?;
    // A file none of whose events could be read is refused, with the reasons.
    let skipped: Vec<String> = imported
        .notes
        .iter()
        .filter(|n| matches!(n, ics::Note::Skipped { .. }))
        .map(|n| n.text(false))
        .collect();
    if imported.events.is_empty() && !skipped.is_empty() {
        let mut reasons = skipped
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if skipped.len() > 3 {
            reasons.push_str(&format!(" … and {} more.", skipped.len() - 3));
        }
        return Err(Error::InvalidArgs(format!(
            "no event of that file could be imported. {reasons}"
        )));
    }
    let existing: Vec<String> = kv::keys(PREFIX)?;
    let mut replaced = 0;
    for event in &imported.events {
        if existing.contains(&event.key()) {
            replaced += 1;
        }
        save(event)?;
    }
    let n = imported.events.len();
    let recurring = imported.events.iter().filter(|e| e.rrule.is_some()).count();
    let mut text = match (cx.tr, n) {
        (true, 0) => "Bu dosyada alınacak etkinlik bulamadım.".to_owned(),
        (false, 0) => "I found no events to import in that file.".to_owned(),
        (true, n) => format!("Takviminize {n} etkinlik aldım ({recurring} tanesi tekrarlanıyor)."),
        (false, n) => format!(
            "Imported {} into your calendar ({recurring} repeating).",
            count(n, "event", "events")
        ),
    };
    if replaced > 0 {
        text.push_str(&cx.say(
            format!(" {replaced} tanesi zaten vardı, güncelledim."),
            format!(" {replaced} of them were already there and were updated."),
        ));
    }
    let notes: Vec<String> = imported.notes.iter().map(|n| n.text(cx.tr)).collect();
    for note in &notes {
        text.push_str(&format!("\n- {note}"));
    }
    Ok(Reply::text(text).with_data(&json!({
        "imported": n,
        "replaced": replaced,
        "recurring": recurring,
        "notes": notes,
    })))
}

fn export(cx: &Context) -> Result<Reply, Error> {
    let events = load()?;
    let text = ics::export(&events, cx.now);
    let n = events.iter().filter(|e| e.recurrence_id.is_none()).count();
    Ok(Reply::text(cx.say(
        format!("Takviminizi iCalendar (.ics) olarak hazırladım: {n} etkinlik."),
        format!(
            "Here is your calendar as iCalendar (.ics): {}.",
            count(n, "event", "events")
        ),
    ))
    .with_data(&json!({ "ics": text, "events": n })))
}

/// Every stored event. A value that no longer reads is logged and left out, not fatal.
fn load() -> Result<Vec<Event>, Error> {
    let mut events = Vec::new();
    for key in kv::keys(PREFIX)? {
        match kv::get_json::<Event>(&key) {
            Ok(Some(e)) => match e.check() {
                Ok(()) => events.push(e),
                Err(why) => bantz_sdk::log::warn(&format!("skipping {key}: {why}")),
            },
            Ok(None) => {}
            Err(e) => bantz_sdk::log::warn(&format!("skipping {key}: {e}")),
        }
    }
    Ok(events)
}

fn save(event: &Event) -> Result<(), Error> {
    kv::set_json(&event.key(), event)
}

/// Each event's next occurrence from today on, else its first; soonest first.
fn next_occurrences<'a>(cx: &Context, events: &'a [Event]) -> Vec<Occurrence<'a>> {
    let horizon = cx.now + Duration::days(FIND_AHEAD_DAYS);
    let mut shown: Vec<Occurrence<'a>> = events
        .iter()
        .filter_map(|e| {
            let one = std::slice::from_ref(e);
            event::occurrences(one, cx.midnight(cx.today()), horizon, cx.zone())
                .into_iter()
                .next()
                .or_else(|| {
                    // Nothing ahead: its first, looked for in its first year only, so a series
                    // that ended long after it began is not walked to its end.
                    let first_year =
                        cx.zone().to_utc(e.local_start()) + Duration::days(FIND_AHEAD_DAYS);
                    event::occurrences(
                        one,
                        DateTime::<Utc>::MIN_UTC,
                        first_year.min(horizon),
                        cx.zone(),
                    )
                    .into_iter()
                    .next()
                })
        })
        .collect();
    shown.sort_by_key(|o| o.span.bounds(cx.zone()).0);
    shown
}

/// "yarın 15:00–16:00" / "tomorrow 15:00–16:00" for an event's next (or first) occurrence.
fn first_occurrence(cx: &Context, event: &Event) -> String {
    next_occurrences(cx, std::slice::from_ref(event))
        .first()
        .map(|o| describe_occurrence(cx, o))
        .unwrap_or_default()
}

fn describe_occurrence(cx: &Context, o: &Occurrence<'_>) -> String {
    let span = say::span(o, cx.zone(), cx.tr);
    let span = match span.strip_prefix("Tüm") {
        Some(rest) => format!("tüm{rest}"),
        None => span.replacen("All day", "all day", 1),
    };
    format!("{} {span}", occurrence_day(cx, o))
}

fn occurrence_day(cx: &Context, o: &Occurrence<'_>) -> String {
    let (start, _) = o.span.bounds(cx.zone());
    say::day(cx.zone().to_local(start).date(), cx.today(), cx.tr)
}

fn more(lines: &mut Vec<String>, total: usize, tr: bool) {
    if total > MAX_LISTED {
        let rest = total - MAX_LISTED;
        lines.push(if tr {
            format!("… ve {rest} tane daha.")
        } else {
            format!("… and {rest} more.")
        });
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first letter in upper case, the Turkish way (`i` → `İ`) when `tr`.
fn capitalise(text: &str, tr: bool) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some('i') if tr => format!("İ{}", chars.as_str()),
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A `YYYY-MM-DD` argument, of [`event::YEARS`].
fn date_arg(text: Option<&str>) -> Result<Option<NaiveDate>, Error> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .filter(|d| event::YEARS.contains(&d.year()))
                .ok_or_else(|| {
                    Error::InvalidArgs(format!(
                        "{t:?} is not a date like 2026-11-23, of the years {} to {}",
                        event::YEARS.start(),
                        event::YEARS.end()
                    ))
                })
        })
        .transpose()
}

/// An event's length in seconds, when the arguments give one: more than nothing, at most
/// [`event::MAX_SECONDS`].
fn duration_arg(seconds: Option<i64>) -> Result<Option<i64>, Error> {
    match seconds {
        Some(s) if s <= 0 => Err(Error::InvalidArgs("the duration must be positive".into())),
        Some(s) if s > event::MAX_SECONDS => Err(Error::InvalidArgs(format!(
            "the duration of {s} seconds is longer than ten years, the most an event may last"
        ))),
        other => Ok(other),
    }
}

fn time_arg(text: Option<&str>) -> Result<Option<NaiveTime>, Error> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            NaiveTime::parse_from_str(t, "%H:%M")
                .map_err(|_| Error::InvalidArgs(format!("{t:?} is not a time like 17:30")))
        })
        .transpose()
}

fn now() -> Result<DateTime<Utc>, Error> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::Internal("the system clock is before 1970".into()))?;
    DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos())
        .ok_or_else(|| Error::Internal("the system clock is out of range".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalises_turkish_i() {
        assert_eq!(capitalise("yarın", true), "Yarın");
        assert_eq!(capitalise("işte", true), "İşte");
        assert_eq!(capitalise("interview", false), "Interview");
        assert_eq!(capitalise("ılık", true), "Ilık");
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_move_by_an_amount_keeps_the_length() {
        let meeting = When::Timed {
            start: at("2026-11-30T07:00:00Z"),
            seconds: 5400,
            zone: Zone::Iana(chrono_tz::Europe::Istanbul),
        };
        let later = shifted(&meeting, shift_arg(Some(3600), None).unwrap().unwrap()).unwrap();
        let earlier = shifted(&meeting, shift_arg(None, Some(1800)).unwrap().unwrap()).unwrap();
        match (later, earlier) {
            (
                When::Timed {
                    start: a,
                    seconds: la,
                    ..
                },
                When::Timed {
                    start: b,
                    seconds: lb,
                    ..
                },
            ) => {
                assert_eq!(a, at("2026-11-30T08:00:00Z"));
                assert_eq!(b, at("2026-11-30T06:30:00Z"));
                assert_eq!((la, lb), (5400, 5400));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_move_by_an_amount_is_an_instant_across_a_clock_change() {
        // New York leaves daylight saving at 02:00 on 1 November 2026: 01:30 EDT, an hour
        // later, is 01:30 EST.
        let call = When::Timed {
            start: at("2026-11-01T05:30:00Z"),
            seconds: 900,
            zone: Zone::Iana(chrono_tz::America::New_York),
        };
        let When::Timed { start, .. } = shifted(&call, 3600).unwrap() else {
            panic!("a timed event stays timed");
        };
        assert_eq!(start, at("2026-11-01T06:30:00Z"));
    }

    #[test]
    fn an_all_day_event_moves_by_whole_days_only() {
        let trip = When::AllDay {
            date: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
            days: 3,
        };
        match shifted(&trip, -2 * 86400).unwrap() {
            When::AllDay { date, days } => {
                assert_eq!(date, NaiveDate::from_ymd_opt(2026, 12, 22).unwrap());
                assert_eq!(days, 3);
            }
            other => panic!("{other:?}"),
        }
        let Err(Error::InvalidArgs(why)) = shifted(&trip, 3600) else {
            panic!("an hour is not a whole day");
        };
        assert!(why.contains("whole days"), "{why}");
    }

    #[test]
    fn a_move_by_an_amount_is_one_positive_amount_in_range() {
        assert!(matches!(shift_arg(None, None), Ok(None)));
        assert!(matches!(shift_arg(Some(60), None), Ok(Some(60))));
        assert!(matches!(shift_arg(None, Some(60)), Ok(Some(-60))));
        for (later, earlier, says) in [
            (Some(3600), Some(1800), "not both"),
            (Some(0), None, "positive"),
            (None, Some(-5), "positive"),
            (Some(i64::MAX), None, "ten years"),
            (None, Some(event::MAX_SECONDS + 1), "ten years"),
        ] {
            match shift_arg(later, earlier) {
                Err(Error::InvalidArgs(why)) => assert!(why.contains(says), "{why}"),
                other => panic!("{later:?} {earlier:?}: {other:?}"),
            }
        }
        // Past the calendar's last year: an error, not an overflow.
        let last = When::Timed {
            start: at("9999-12-31T23:00:00Z"),
            seconds: 60,
            zone: Zone::Utc,
        };
        assert!(shifted(&last, event::MAX_SECONDS).is_ok_and(|w| {
            let e = Event {
                uid: "x".into(),
                recurrence_id: None,
                title: "x".into(),
                description: None,
                location: None,
                when: w,
                rrule: None,
                exdates: Vec::new(),
                locale: "en".into(),
            };
            e.check().is_err()
        }));
    }

    #[test]
    fn the_manifest_declares_every_command_it_answers() {
        let manifest: bantz_sdk::bindings::bantz::skill::types::Manifest =
            Calendar::manifest().into();
        let names: Vec<&str> = manifest.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "agenda",
                "find",
                "add",
                "update",
                "delete",
                "free",
                "conflicts",
                "import",
                "export"
            ]
        );
        for c in &manifest.commands {
            let confirm = matches!(c.name.as_str(), "add" | "update" | "delete");
            assert_eq!(c.needs_confirmation, confirm, "{}", c.name);
        }
        for intent in &manifest.intents {
            assert!(
                names.contains(&intent.command.as_str()),
                "{}",
                intent.command
            );
        }
    }
}
