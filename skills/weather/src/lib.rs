//! The weather skill: current conditions, the forecast for a day or several, and "will it rain?",
//! in Turkish and English, from Open-Meteo (no key needed); and a rain alert for the home place,
//! at most once a day, through `on-tick`.
//!
//! Settings, in `[skills.weather]` of bantz.toml: `home`, `units` (`metric` or `imperial`),
//! `geocoding_url`, `forecast_url`, `cache_seconds`, `rain_alert`, `rain_alert_hours`,
//! `rain_alert_threshold`, `locale` (of the alert) and `timezone` (the host's when unset).
//!
//! When Open-Meteo is down, slow, refused or answers nonsense, the reply says so in the user's
//! language (data `{"error": "upstream"}`): that is the weather's failure, not the skill's. When
//! the host does not let it reach Open-Meteo (no `allow_hosts` grants it), the reply says that it
//! is not allowed to, never to try again later (data `{"error": "not-allowed"}`).

mod open_meteo;
mod outlook;
mod words;

use bantz_sdk::{
    Call, Command, DescriptionKind, Error, Intent, Manifest, Reply, Skill, SlotKind, export, json,
    kv,
};
use chrono::{NaiveDate, Timelike};
use chrono_tz::Tz;
use serde::Deserialize;

use open_meteo::{Cache, Forecast, Place, Units};
use outlook::Verdict;
use words::Lang;

/// How often `on-tick` looks at the forecast for the rain alert: the skill asks to be ticked this
/// often. The host also ticks it at once whenever it loads; such a tick within five minutes of
/// the last check (a restart, a replacement) finds the next check's time in kv and does nothing.
const RAIN_CHECK_EVERY_SECONDS: u32 = 5 * 60;
const RAIN_CHECK_EVERY_MS: i64 = RAIN_CHECK_EVERY_SECONDS as i64 * 1000;
/// kv: when `on-tick` next looks at the forecast (ms), and the local date of the last alert.
const NEXT_RAIN_CHECK: &str = "alert:next-check";
const LAST_ALERT_DATE: &str = "alert:last-date";

/// A command's arguments; every command takes the same ones.
#[derive(Debug, Default, Deserialize)]
struct Args {
    place: Option<String>,
    /// `YYYY-MM-DD`.
    date: Option<String>,
    /// A number of days, 1 to 7; slot numbers may arrive as `3.0`.
    days: Option<f64>,
}

struct Weather;

impl Skill for Weather {
    fn manifest() -> Manifest {
        let slots = |intent: Intent| {
            intent
                .slot("place", SlotKind::Place)
                .slot("date", SlotKind::Date)
                .slot("days", SlotKind::Number)
        };
        Manifest::new(
            "weather",
            env!("CARGO_PKG_VERSION"),
            "Current weather, forecasts up to 7 days and rain alerts, from Open-Meteo.",
        )
        .command(
            Command::new("current", "The weather right now at a place, or at home")
                .args_schema(schema(
                    "With a date or a number of days it answers the forecast instead, so that a \
                     follow-up such as \"ya yarın?\" works.",
                ))
                .example("İstanbul'da hava nasıl?")
                .example("what's the weather in London?")
                .example("dışarıda hava nasıl")
                .example("Bursa'da şu an hava kaç derece")
                .example("hava çok mu soğuk")
                .example("şu anki sıcaklık ne")
                .example("how's it looking outside")
                .example("what's the temperature in Rome right now")
                .example("tell me the weather in Oslo")
                .example("current conditions in Madrid")
                .example("is it warm out")
                .example("weather in Rome")
                .example("the weather at home please")
                .example("how is it in Ankara")
                .example("Londra'da hava"),
        )
        .command(
            Command::new(
                "forecast",
                "The forecast for today, tomorrow, a date, or the next days",
            )
            .args_schema(schema("Without a date and days it is today's forecast."))
            .example("yarın Ankara'da hava nasıl olacak?")
            .example("5 day forecast for Berlin")
            .example("haftaya hava nasıl olacak")
            .example("yarın Trabzon'da hava soğuk mu")
            .example("önümüzdeki günlerde hava nasıl")
            .example("pazar günü hava güzel mi olacak")
            .example("3 günlük hava durumu")
            .example("what's the forecast for the weekend")
            .example("weather tomorrow in Paris")
            .example("how warm will it be on saturday")
            .example("will it be cloudy tomorrow")
            .example("forecast for the next 5 days")
            .example("temperature tomorrow"),
        )
        .command(
            Command::new("rain", "Whether it will rain on a day, from the precipitation probability")
                .args_schema(schema("Without a date it is about the rest of today."))
                .example("yarın yağmur yağacak mı?")
                .example("will it rain tomorrow?")
                .example("bugün yağış var mı")
                .example("yarın yağmur bekleniyor mu")
                .example("akşam yağmur yağacak mı")
                .example("şemsiye almam gerekir mi")
                .example("will it rain later today")
                .example("is rain expected tomorrow in London")
                .example("do i need an umbrella today")
                .example("what's the chance of rain tomorrow"),
        )
        .intent(slots(Intent::new(
            "current",
            "tr",
            [
                "[{place}] [şu an|şimdi|şu anda] hava [durumu] (nasıl|ne durumda) [acaba]",
                "[şu an|şimdi|şu anda] [{place}] hava [durumu] (nasıl|ne durumda) [acaba]",
                "[{place}] [şu an|şimdi|şu anda] hava durumu",
                "{place} için hava durumu",
                "hava durumu [{place}]",
                "[{place}] [şu an|şimdi|şu anda] [hava] kaç derece",
                "[{place}] [şu an|şimdi|şu anda] (hava|havalar|dışarısı|dışarıda hava) (sıcak|soğuk|güneşli|güzel|bulutlu|karlı|serin|rüzgarlı) mı [acaba]",
                "[{place}] [şu an|şimdi|şu anda] (sıcak|soğuk|bulutlu|güneşli|karlı|rüzgarlı|serin) mı [acaba]",
                "[{place}] [şu an|şimdi|şu anda] kar yağıyor mu",
                "[{place}] [şu an|şimdi|şu anda] (dışarısı|dışarıda) kaç derece",
                "kaç derece (dışarısı|dışarıda)",
                "[{place}] [şu an|şimdi|şu anda] (hava sıcaklığı|sıcaklık) (kaç|ne kadar) [derece]",
                "[{place}] [şu an|şimdi|şu anda] yağmur yağıyor mu",
                "[{place}] [şu an|şimdi|şu anda] (dışarıda|dışarısı) hava (nasıl|ne durumda)",
                "[{place}] hava durumu (nedir|ne|nasıl)",
                "{place} (hava|havası) [durumu] [lütfen]",
                "[{place}] [şu an|şimdi] (hava|havalar) (sıcak|soğuk|serin|güzel|güneşli|bulutlu|rüzgarlı|karlı) (mı|mu) (dışarıda|dışarısı|şu an|şimdi)",
                "[{place}] [hava|havalar|dışarısı] (ısındı|soğudu|serinledi|ısınmış|soğumuş|serinlemiş|ısınıyor|soğuyor) (mı|mu) [acaba]",
                "[{place}] (havayı|hava durumunu) (söyle|söyler misin|göster|öğrenebilir miyim)",
                "[{place}] [şu an|şimdi|şu anda] (havalar|hava) (nasıl|ne durumda) [acaba]",
                "[{place}] [şu an|şimdi|şu anda] (sıcaklık|hava sıcaklığı) (nedir|ne|kaç)",
                "[{place}] [şu an|şimdi|şu anda] hava (çok|biraz) (sıcak|soğuk) mu",
                "[{place}] hava [durumu] (nasıl|ne durumda) (şimdi|şu an|şu anda|bugün) [acaba]",
                "[{place}] [şu an|şimdi|şu anda] (dışarıda|dışarısı|hava) kaç derece var [mı]",
                "(hava durumuna|havaya|hava durumu için) (bak|bakar mısın|bakabilir misin|bakıver|bakar mısınız)",
                "[{place}] [şu an|şimdi|şu anda] (rüzgar|rüzgâr) (var mı|esiyor mu|çok mu|nasıl)",
                "(mont|ceket|kazak|palto|hırka) (giymeli miyim|giyeyim mi|giymem lazım mı|giymem gerekir mi|almalı mıyım|alayım mı|lazım mı|gerekir mi)",
                "[{place}] [şu an|şimdi|şu anda] (nem|nem oranı|rüzgar hızı) (kaç|ne|nasıl|ne kadar)",
                "[{place}] [şu an|şimdi|şu anda] güneş (var mı|açtı mı|açık mı)",
                "(dışarısı|dışarıda durum|dışarıda hava durumu) nasıl [acaba]",
                "[{place}] hava nasıl [acaba] (söyler misin|biliyor musun|öğrenebilir miyim)",
                "[{place}] [şu an|şimdi|şu anda] (sıcaklık|hava sıcaklığı|derece) (kaç|ne kadar|nedir) [derece]",
                "[{place}] [şu an|şimdi|şu anda] (hava|havalar|dışarısı) (nasıl|ne durumda|kaç derece) [acaba]",
                "[{place}] [şu an|şimdi|bugün|şu anda] (sis|rüzgar|fırtına|dolu|pus) var mı",
                "[bugün] güneş kremi (sürmem gerekir mi|sürmem lazım mı|sürmeli miyim|lazım mı|gerekir mi|almalı mıyım)",
                "[bugün] ne (giysem|giyeyim|giymeliyim|giymem lazım|giymem gerek)",
                "[{place}] [şu an|şimdi|şu anda] [havanın] kaç derece olduğunu [söyle|söyler misin|merak ediyorum]",
                "[ya] [bir] [{place}] [için] hava durumuna (bak|baksana|bakar mısın|bakıver|bakabilir misin)",
            ],
        )))
        .intent(slots(Intent::new(
            "current",
            "en",
            [
                "(what's|what is|how's|how is) the weather [like] [now|right now|at the moment|currently] [in {place}]",
                "(has it|is it) (warmed up|cooled down|gotten colder|gotten warmer|getting colder|getting warmer) [outside|out] [in {place}] [yet]",
                "(what's|what is|how's|how is) the weather [like] in {place} [now|right now|at the moment|currently]",
                "(what's|what is) the temperature [now|outside] [in {place}]",
                "(what's|what is) the (temp|temps) [now|outside|out] [in {place}] [right now]",
                "[current] weather [(in|for) {place}] [now|right now|at the moment|currently]",
                "weather (now|right now)",
                "how (hot|cold|warm) is it [outside] [in {place}] [now|right now|at the moment|currently]",
                "is it (hot|cold|warm|sunny|raining|snowing|cloudy|windy|foggy) [outside] [in {place}] [now|right now|at the moment|currently]",
                "{place} weather [now|right now|at the moment|currently]",
                "[the] (current|outside) temperature [in {place}]",
                "(what's|what is) the temperature like [outside] [in {place}]",
                "do you know (what the weather is like|the weather) [in {place}]",
                "do i need a (sweater|jacket|coat) [now|right now|at the moment|currently]",
                "(tell me|give me|check|show me) the weather [in {place}] [now|right now|at the moment|currently]",
                "(what's|what is|how's|how is) it (like|looking) outside [in {place}] [now|right now|at the moment|currently]",
                "[the] (temperature|weather report|current conditions) [in|for] {place} [now|right now|at the moment|currently]",
                "(temperature|temp) (now|right now|outside)",
                "is it (hot|cold|warm|sunny|raining|snowing|cloudy|windy|foggy) out [in {place}] [now|right now|at the moment|currently]",
                "how's the weather looking [in {place}] [now|right now|at the moment|currently]",
                "how (windy|humid|sunny|chilly|freezing) is it [outside] [in {place}] [now|right now|today]",
                "(should i|do i need to|do i have to) (wear|bring|take) a (sweater|jacket|coat|hat) [now|right now|today]",
                "[the] (weather report|weather update|weather conditions|current conditions|weather forecast now) [please]",
                "(tell me|give me|check|show me|get me) the weather [in {place}] [for me] [now|right now|at the moment|currently]",
                "(what's|what is|how's|how is) the weather [like] [in {place}] (at the moment|currently|today right now)",
                "(what's|what is) the weather doing [in {place}]",
                "[what's the] weather (like|in) {place} [now|right now|at the moment|currently]",
                "is it (cold|hot|warm|chilly|freezing|sunny|cloudy|windy|foggy|raining|snowing) (outside|out there) [right now]",
                "(what's|what is) the (current|outside) temperature [in {place}]",
                "(should i|do i need to|do i have to) wear (shorts|a coat|a jacket|a sweater|a hat|gloves|a scarf|layers) [now|right now|at the moment|currently]",
                "how many degrees (is it|is it outside|outside|is it out) [in {place}] [now|right now|at the moment|currently]",
                "(what's|what is|how's|how is) the (humidity|wind|wind speed|uv index|air temperature) [like] [in {place}] [now|right now|at the moment|currently]",
                "is it (humid|freezing|chilly|nice|dark|stormy) (outside|out) [in {place}] [now|right now|at the moment|currently]",
                "is it (warm|cold|nice) enough (for|to wear) (a t-shirt|shorts|a walk|a swim|sandals) [outside] [now|right now|at the moment|currently]",
                "(do|will|should) i need (sunscreen|sunblock|sun cream|sunglasses|a sun hat) [today|now|right now]",
                "(should i|do i need to) (wear|put on) (sunscreen|sunblock|sun cream) [today|now|right now]",
                "what should i wear [today|now|right now|outside]",
                "what (to|do i|should i) wear [today|now|right now] [in {place}]",
            ],
        )))
        .intent(slots(Intent::new(
            "forecast",
            "tr",
            [
                "{date} [{place}] hava [durumu] (nasıl|ne durumda) [olacak] [acaba]",
                "{date} [{place}] (hava|havalar|dışarısı|hava sıcaklığı) ne kadar (soğuk|sıcak|serin) olacak [acaba]",
                "[{place}] {date} hava [durumu] (nasıl|ne durumda) [olacak] [acaba]",
                "[{date}] [{place}] hava [durumu] nasıl olacak [acaba]",
                "{date} [{place}] hava durumu",
                "[{place}] {date} hava durumu",
                "{place} için {date} hava durumu",
                "hava durumu {place} {date}",
                "[{date}] [{place}] hava tahmini",
                "[{place}] {days} günlük hava [durumu|tahmini]",
                "{place} için {days} günlük hava [durumu|tahmini]",
                "[{place}] {days} günlük tahmin",
                "önümüzdeki {days} gün [{place}] hava [durumu] nasıl [olacak]",
                "(önümüzdeki günlerde|önümüzdeki birkaç gün|önümüzdeki birkaç günde|bu günlerde) [{place}] hava [durumu] nasıl [olacak] [acaba]",
                "{place} {date} hava [durumu] (nasıl|ne durumda) [olacak] [acaba]",
                "{date} [{place}] (hava|havalar) (bulutlu|rüzgarlı|serin) [mı] [olacak] [mı]",
                "[{place}] (hava|havalar) {date} (sıcak|soğuk|güneşli|güzel|karlı|bulutlu) [mı] [olacak] [mı]",
                "{date} [{place}] kar yağacak mı",
                "[{place}] {date} (dışarısı|dışarıda hava|havalar) (nasıl|ne durumda) [olacak] [acaba]",
                "{date} [{place}] (dışarısı|dışarıda hava|havalar) (nasıl|ne durumda) [olacak] [acaba]",
                "[{date}] [bu] [akşam|gece|sabah|öğleden sonra] [{place}] [hava|havalar] (soğuyacak|ısınacak|serinleyecek|soğur|ısınır) mı [acaba]",
                "{date} [{place}] [hava] kaç derece [olacak]",
                "{date} [{place}] (hava|havalar) (sıcak|soğuk|güneşli|güzel|karlı) [mı] [olacak] [mı]",
                "[bu] (hafta sonu|hafta|önümüzdeki hafta) [{place}] (hava|havalar) [durumu] (nasıl|ne durumda) [olacak] [acaba]",
                "[{place}] [bu] (hafta sonu|hafta|önümüzdeki hafta) (hava|havalar) [durumu] (nasıl|ne durumda) [olacak] [acaba]",
                "[bu] (hafta sonu|hafta|önümüzdeki hafta) [{place}] (hava|havalar) (sıcak|soğuk|güneşli|güzel|karlı|bulutlu|serin) [mı] [olacak] [mı]",
                "{date} [{place}] [hava] (sıcaklık|kaç derece) [olacak]",
                "{date} [{place}] hava (tahmini|durumu) (nedir|ne|nasıl)",
                "önümüzdeki {days} günde [{place}] hava [durumu] nasıl [olacak]",
                "{date} [{place}] (hava|havalar) nasıl olacak [acaba]",
                "{date} [{place}] kar (yağacak|yağar|var) mı",
                "{date} için [{place}] hava (durumu|tahmini) [nasıl|nedir|ne]",
                "{date} [{place}] [hava|havalar|dışarısı|dışarıda] (sıcak|soğuk|güneşli|güzel|karlı|bulutlu|serin|yağışlı|rüzgarlı) (olacak mı|mı olacak) [acaba]",
                "[{place}] {date} [hava] (sıcak|soğuk|güneşli|güzel|karlı|bulutlu|serin|yağışlı|rüzgarlı) (olacak mı|mı olacak|mı) [acaba]",
                "{date} [{place}] hava nasıl (olacak|olur) [acaba] (söyler misin|biliyor musun)",
                "[{place}] (önümüzdeki|gelecek) (günlerde|günler|hafta) (hava|havalar) [durumu] (nasıl|ne durumda) [olacak] [acaba]",
                "[{place}] (hava tahmini|hava tahminleri) [nedir|nasıl|ne]",
                "{date} [için] (mont|ceket|kazak|palto|hırka) (giymeli miyim|giyeyim mi|giymem lazım mı|giymem gerekir mi|almalı mıyım|alayım mı|lazım mı|gerekir mi)",
                "[bu] (hafta sonu|hafta) [{place}] kar (yağacak|yağar|var) mı [acaba]",
                "{date} [{place}] (en yüksek|en düşük) (sıcaklık|derece|hava sıcaklığı) (kaç|ne|nedir|ne kadar) [olacak]",
                "{date} [{place}] (hava|havalar) nasıl olur [acaba]",
                "{date} [{place}] güneş (var mı|açacak mı|olacak mı|görecek miyiz)",
                "[{place}] (hava|havalar) {date} (nasıl|ne durumda) [olacak] [acaba]",
                "{date} [{place}] (fırtına|kar|kar yağışı|dolu|kasırga) (bekleniyor|var|olacak|çıkacak|yağacak) mı",
                "[{place}] {date} (fırtına|kar|kar yağışı|dolu|kasırga) (bekleniyor|var|olacak|çıkacak|yağacak) mı",
                "(bu hafta|hafta sonu|bu hafta sonu) [{place}] (hava|havalar) nasıl (gidecek|geçecek|seyredecek)",
                "[{date}] [{place}] (hava|havalar) nasıl (gidecek|geçecek|seyredecek)",
                "{date} ne (giysem|giyeyim|giymeliyim|giymem lazım)",
                "{date} [için] güneş kremi (lazım mı|gerekir mi|almalı mıyım)",
            ],
        )))
        .intent(slots(Intent::new(
            "forecast",
            "en",
            [
                "(what's|what is|how's|how is) the weather [going to be] [like] [in {place}] {date}",
                "(what's|what is|how's|how is) the weather [going to be] [like] {date} [in {place}]",
                "what will the weather be like [in {place}] {date}",
                "what will the weather be like {date} [in {place}]",
                "[the] weather [forecast] (in|for) {place} {date}",
                "[the] weather [forecast] {date} [(in|for) {place}]",
                "{date} weather [(in|for) {place}]",
                "[what's the] [weather] forecast [(for|in) {place}] [{date}]",
                "[the] {days} day forecast [(for|in) {place}]",
                "[the] [weather] forecast for the next {days} days [(for|in) {place}]",
                "[the] [weather] forecast for the (next few|coming|next couple of|next couple|following) days [(for|in) {place}]",
                "[the] weather for the next {days} days [(in|for) {place}]",
                "(will it be|is it going to be|is it) (hot|cold|warm|sunny|cloudy|windy) [outside] [in {place}] {date}",
                "{place} weather {date}",
                "how (hot|cold|warm|chilly) (is it going to|will it|is it gonna) (be|get) [in {place}] (this week|this weekend|next week|{date}) [in {place}]",
                "(will it|is it going to|is it gonna) (get|turn|be) (cold|colder|warm|warmer|hot|hotter|chilly|cooler|windy|sunny|cloudy) [outside] [in {place}] (tonight|later|this evening|this afternoon|{date})",
                "do i need a (sweater|jacket|coat) {date}",
                "(what's|what is) the weather (this week|for the week|for the weekend) [in {place}]",
                "(will it be|is it going to be) (hot|cold|warm|sunny) {date} [in {place}]",
                "(will it|is it going to) snow [in {place}] [{date}]",
                "(will it|is it going to) snow [{date}] [in {place}]",
                "how (hot|cold|warm) (will it be|is it going to be) [in {place}] {date}",
                "how (hot|cold|warm) (will it be|is it going to be) {date} [in {place}]",
                "[the] (temperature|forecast) {date} [in {place}]",
                "(what's|what is) the (forecast|weather) (like|looking like) [in {place}] {date}",
                "(what's|what is) the weather (going to be|gonna be) like [in {place}] (this week|this weekend|next week)",
                "[the] weather (this week|this weekend|next week|for the weekend) [in {place}]",
                "[the] weather [in {place}] (this week|this weekend|next week|next weekend|for the weekend|over the weekend)",
                "(weekly|weekend|week's) forecast [(for|in) {place}]",
                "what will the (temperature|weather) be [like] {date} [in {place}]",
                "what will the (temperature|weather) be [like] [in {place}] {date}",
                "(will it be|is it going to be|is it) (hot|cold|warm|sunny|cloudy|windy) [in {place}] (this week|this weekend|next week)",
                "[the] (forecast|weather) for (this weekend|the weekend|this week|next week|the week) [in {place}]",
                "how's the weather looking (for|this|next) (the weekend|weekend|week|this week) [in {place}]",
                "(what's|what is) {date} (weather|forecast) [in {place}]",
                "{date} (weather|forecast) [in {place}]",
                "(will it|is it going to|is it gonna) (snow|be snowing) [in {place}] (this weekend|this week|next week)",
                "(what's|what is) the weather (going to be|gonna be) [like] {date} [in {place}]",
                "(what's|what is) the weather (going to be|gonna be) [like] [in {place}] {date}",
                "(will it be|is it going to be|is it gonna be) (hot|cold|warm|sunny|cloudy|windy|chilly|freezing|nice) [in {place}] {date}",
                "(will it be|is it going to be|is it gonna be) (hot|cold|warm|sunny|cloudy|windy|chilly|freezing|nice) {date} [in {place}]",
                "(what's|what is) the forecast (for|in) {place} [{date}]",
                "(what's|what is) the (outlook|forecast|weather outlook) for the (week|weekend|coming days|next few days) [in {place}]",
                "[{place}] hava durumu {date}",
                "hava durumu {date} [{place}]",
                "(should i|do i need to|do i have to) wear (shorts|a coat|a jacket|a sweater|a hat|gloves|a scarf|layers) {date}",
                "(what's|what is) the (high|low|high temperature|low temperature|max temperature|highest temperature|lowest temperature) [for] {date} [in {place}]",
                "(what's|what is) {date} (high|low)",
                "how (cold|hot|warm) will it (get|be) (tonight|this evening|this afternoon) [in {place}]",
                "how (cold|hot|warm) will it get {date} [in {place}]",
                "(is it going to be|will it be|is it gonna be|is it) (humid|stormy|foggy|nice) {date} [in {place}]",
                "(will there be|is there going to be) a (storm|thunderstorm|blizzard|heatwave) [in {place}] [{date}]",
                "is (a storm|a thunderstorm|a blizzard|a heatwave|snow|any snow) (expected|coming|forecast|on the way) [in {place}] {date}",
                "is (a storm|a thunderstorm|a blizzard|a heatwave|snow|any snow) (expected|coming|forecast|on the way) {date} [in {place}]",
                "[is it|it's|its] (gonna|going to) be (windy|hot|cold|warm|sunny|cloudy|rainy|snowy|nice|humid|foggy|stormy|chilly|freezing) {date} [in {place}]",
                "(should i|do i need to|do i have to) (bring|pack|take) a (sweater|jacket|coat|hat) [to {place}] {date}",
                "(should i|do i need to|do i have to) (bring|pack|take) a (sweater|jacket|coat|hat) {date} [to {place}]",
                "what should i (wear|pack) {date} [in {place}]",
                "(do|will) i need (sunscreen|sunblock|sun cream|sunglasses) {date}",
            ],
        )))
        .intent(slots(Intent::new(
            "rain",
            "tr",
            [
                "[{date}] [{place}] yağmur (yağacak|yağar|var) mı [acaba]",
                "[{place}] [{date}] yağmur (yağacak|yağar|var) mı [acaba]",
                "[{date}] [{place}] yağış (var|bekleniyor) mu",
                "[{date}] [{place}] (hava|havalar) yağmurlu [mı] [olacak] [mı]",
                "[{date}] şemsiye (alayım mı|almalı mıyım|lazım mı|gerekir mi|gerekecek mi|almam gerekir mi|almam lazım mı)",
                "[{date}] [{place}] yağmur (yağıcak|yağcak|bekleniyor) mu",
                "[{date}] [{place}] yağış (olacak|ihtimali var) mı",
                "[bugün|bu|yarın] (öğleden sonra|akşam|akşamüstü|sabah|gece) [{place}] (yağmur|yağış) (yağacak|yağar|var|olacak) mı [acaba]",
                "[{date}] [{place}] (yağmur|yağış) (yağacak|yağar|olacak|var|bekleniyor) (mı|mu) [acaba] (biliyor musun|söyler misin)",
                "[{date}] şemsiye (almam|almalı mıyım|lazım mı|gerekli mi|gerekir mi|alayım mı|alsam mı|gerekecek mi|ihtiyacım var mı)",
                "[{date}] (şemsiyeye|şemsiye) ihtiyacım (var mı|olacak mı)",
                "[bu] (hafta sonu|hafta|önümüzdeki günlerde) [{place}] (yağmur|yağış) (yağacak|yağar|var|olacak|bekleniyor) mı [acaba]",
                "[{date}] [dışarı] [çıkarken|çıkınca|giderken] (şemsiyeye|şemsiye) (ihtiyacım|ihtiyaç) (olur|olacak|var|olabilir) (mı|mu) [acaba]",
                "[{date}] [dışarı] [çıkarken|çıkınca|giderken] şemsiye (almalı mıyım|alayım mı|alsam mı|lazım mı|gerekir mi|gerekecek mi|almam gerekir mi|almam lazım mı|almalıyım mı)",
                "[{date}] [{place}] (ıslanır mıyım|ıslanacak mıyım|ıslanabilir miyim)",
                "[{date}] [{place}] yağmur (yağar|yağacak|yağabilir) (mı|mu) [acaba] [ıslanmak istemiyorum]",
                "[{date}] [{place}] yağmura (yakalanır mıyım|yakalanacak mıyım|yakalanabilir miyim)",
                "[{date}] [{place}] (yağmur|sağanak|yağış) (bekleniyor|var) mı [acaba]",
                "[{date}] [{place}] (sağanak|sağanak yağış|çisenti) (olacak|var|bekleniyor|yağacak) (mı|mu)",
                "[{date}] [{place}] (yağmur|yağış) (ihtimali|olasılığı) (ne|nedir|kaç|var mı|yüksek mi|ne kadar|yüzde kaç)",
            ],
        )))
        .intent(slots(Intent::new(
            "rain",
            "en",
            [
                "will it rain [in {place}] [{date}]",
                "will it rain [this|tomorrow] (afternoon|evening|morning|tonight) [in {place}]",
                "will it rain [{date}] [in {place}]",
                "is it going to rain [in {place}] [{date}]",
                "is it going to rain [{date}] [in {place}]",
                "(is|any) rain expected [in {place}] [{date}]",
                "(do|should) i (need|take|bring) an umbrella [{date}]",
                "will i need an umbrella [{date}]",
                "(do|should|will) i (need|take|bring) (my|the|an) (umbrella|brolly) [{date}] [in {place}]",
                "(do|should|will) i (need|take|bring|carry|pack) (a raincoat|a rain jacket|rain boots|wellies|a brolly|my raincoat|my brolly) [{date}]",
                "[any] rain [in {place}] {date}",
                "(any|what's the|what is the) chance of rain [in {place}] [{date}]",
                "(will it|is it going to) rain later [today] [in {place}]",
                "is rain (expected|forecast) [in {place}] [{date}]",
                "(is|any) rain (expected|forecast) [in {place}] [today|tomorrow|this] (morning|afternoon|evening|tonight|night)",
                "(should|do) i (need|take|bring) an umbrella [in {place}] [{date}]",
                "will there be [any] rain [in {place}] [{date}]",
                "will there be [any] rain [{date}] [in {place}]",
                "is it (gonna|going to) rain [in {place}] [{date}]",
                "is it (gonna|going to) rain [{date}] [in {place}]",
                "(is it|will it be) (raining|rainy|wet) [in {place}] {date}",
                "(is it|will it be) (raining|rainy|wet) {date} [in {place}]",
                "(any|what's the|what is the|is there a|is there any) (chance|risk|possibility) of rain [{date}] [in {place}]",
                "(will|should) i need (an|my) umbrella [{date}]",
                "will it be raining [later] [{date}] [in {place}]",
                "(will it|is it going to) (rain|be raining) when i (leave|go out|get home|leave work|go home)",
                "(what are|what're) the chances of rain [{date}] [in {place}]",
                "is (rain|a storm|bad weather) (on the way|coming|expected) [{date}] [in {place}]",
                "is it supposed to rain [{date}] [in {place}]",
                "(does it|will it) look like rain [{date}] [in {place}]",
                "is there [any] rain in the forecast [{date}] [for {place}]",
                "(is it|will it|is it going to|is it gonna) (pour|drizzle|shower|sprinkle) [{date}] [in {place}]",
                "(is it|will it|is it going to|is it gonna) (pour|drizzle|shower|sprinkle) [in {place}] [{date}]",
                "(will|am) i (get|going to get|gonna get) (wet|rained on|caught in the rain) [{date}] [in {place}]",
                "(do|should|will) i (need|want|take|bring|grab) an umbrella (when|if) i (go out|leave|head out) [{date}]",
                "(any|is there any) (rain|showers|drizzle) (coming|expected|on the way|forecast) [{date}] [in {place}]",
                "[is it|it's|its] (gonna|going to) rain [{date}] [this] [morning|afternoon|evening|tonight|later] [in {place}]",
                "[what's the|what is the|what are the|is there a|is there any] (chance|chances|probability|odds|likelihood) of (rain|showers|a shower) [{date}] [morning|afternoon|evening|tonight] [in {place}]",
                "[what's the|what is the|what are the|is there a|is there any] (chance|chances|probability|odds|likelihood) of (rain|showers|a shower) [in {place}] [{date}] [morning|afternoon|evening|tonight]",
                "(any|will there be|will there be any) (showers|rain|drizzle) [{date}] [this] [morning|afternoon|evening|tonight] [in {place}]",
            ],
        )))
        .outbound_host("api.open-meteo.com")
        .outbound_host("geocoding-api.open-meteo.com")
        // A self-hosted Open-Meteo, or the tests' fixture server. Declaring it grants nothing by
        // itself: it is reachable only when the operator lists it in `allow_hosts` AND in
        // `[sandbox] allow_private_hosts`.
        .outbound_host("127.0.0.1")
        .notifies()
        .tick_every(RAIN_CHECK_EVERY_SECONDS)
    }

    fn describe(call: &Call, kind: DescriptionKind) -> Option<String> {
        let tr = call.locale() == "tr";
        let (in_tr, in_en) = match (call.command(), kind) {
            ("current", DescriptionKind::Summary) => (
                "Bir yerde ya da evde havanın şu an nasıl olduğunu söyler",
                "Tells the weather right now at a place or at home",
            ),
            ("forecast", DescriptionKind::Summary) => (
                "Bugün, yarın ya da önümüzdeki günler için hava tahmini verir",
                "Gives the forecast for today, tomorrow or the next days",
            ),
            ("rain", DescriptionKind::Summary) => (
                "Bir gün yağmur yağıp yağmayacağını söyler",
                "Tells whether it will rain on a day",
            ),
            _ => return None,
        };
        Some(if tr { in_tr } else { in_en }.to_owned())
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        if !matches!(call.command(), "current" | "forecast" | "rain") {
            return Err(Error::UnknownCommand(call.command().to_owned()));
        }
        let args: Args = call.args()?;
        let date = args.date.as_deref().map(parse_date).transpose()?;
        let days = args.days.map(|d| d.round().clamp(1.0, 7.0) as u32);
        let settings = Settings::load()?;
        let lang = Lang::of(call.locale());
        let asked = args
            .place
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let Some(name) = asked.or(settings.home.as_deref()) else {
            return Ok(ask_for_a_place(lang));
        };
        let now_ms = now_ms()?;
        let (place, forecast) = match look_up(&settings, name, lang, now_ms) {
            Ok(Some(found)) => found,
            Ok(None) => return Ok(unknown_place(name, lang)),
            Err(Error::Upstream(detail)) => return Ok(upstream_down(lang, &detail)),
            Err(Error::Denied(detail)) => return Ok(not_allowed(lang, &detail)),
            Err(e) => return Err(e),
        };
        let answer = Answer {
            place: &place,
            forecast: &forecast,
            lang,
            units: settings.units,
            now: outlook::local_now(now_ms, forecast.utc_offset_seconds),
        };
        Ok(match call.command() {
            "current" if date.is_none() && days.is_none() => answer.current(),
            "rain" => answer.rain(date, settings.rain_alert_threshold),
            _ => answer.forecast(date, days),
        })
    }

    fn on_tick(now_ms: bantz_sdk::Timestamp) -> Result<(), Error> {
        if bantz_sdk::config::get("rain_alert").as_deref() == Some("false") {
            return Ok(());
        }
        let Some(home) = bantz_sdk::config::get("home").filter(|h| !h.trim().is_empty()) else {
            return Ok(());
        };
        // A next check further away than one period means the clock went back: check now.
        let next = kv::get_json::<i64>(NEXT_RAIN_CHECK)?;
        if next.is_some_and(|next| now_ms < next && next - now_ms <= RAIN_CHECK_EVERY_MS) {
            return Ok(());
        }
        kv::set_json(NEXT_RAIN_CHECK, &(now_ms + RAIN_CHECK_EVERY_MS))?;
        if let Err(e) = alert_if_rain(&home, now_ms) {
            bantz_sdk::log::warn(&format!(
                "rain alert check for {home:?} failed; trying again in 5 minutes: {e}"
            ));
        }
        Ok(())
    }
}

export!(Weather);

fn schema(note: &str) -> serde_json::Value {
    json!({
        "type": "object",
        "description": note,
        "properties": {
            "place": {
                "type": "string",
                "description": "A place name, e.g. \"İstanbul\" or \"London\"; the configured home when absent."
            },
            "date": {
                "type": "string",
                "format": "date",
                "description": "YYYY-MM-DD, within the next 7 days."
            },
            "days": {
                "type": "integer",
                "minimum": 1,
                "maximum": 7,
                "description": "How many days of forecast, from the date or from today."
            }
        }
    })
}

/// The skill's settings, from `[skills.weather]`.
struct Settings {
    home: Option<String>,
    units: Units,
    geocoding_url: String,
    forecast_url: String,
    cache_seconds: u32,
    rain_alert_hours: u32,
    rain_alert_threshold: f64,
    /// The language of the rain alert.
    locale: Lang,
    timezone: Tz,
}

impl Settings {
    fn load() -> Result<Settings, Error> {
        use bantz_sdk::config::{get, get_or};
        let units = match get_or("units", "metric").as_str() {
            "metric" => Units::Metric,
            "imperial" => Units::Imperial,
            other => {
                return Err(Error::Internal(format!(
                    "[skills.weather] units = {other:?}: use \"metric\" or \"imperial\""
                )));
            }
        };
        let timezone = get_or("timezone", "Europe/Istanbul");
        Ok(Settings {
            home: get("home").filter(|h| !h.trim().is_empty()),
            units,
            geocoding_url: get_or("geocoding_url", open_meteo::DEFAULT_GEOCODING_URL),
            forecast_url: get_or("forecast_url", open_meteo::DEFAULT_FORECAST_URL),
            cache_seconds: number("cache_seconds", 900.0)? as u32,
            rain_alert_hours: number("rain_alert_hours", 12.0)?
                .clamp(1.0, f64::from(open_meteo::FORECAST_DAYS * 24)) as u32,
            rain_alert_threshold: number("rain_alert_threshold", 60.0)?,
            locale: Lang::of(&get_or("locale", "tr")),
            timezone: timezone.parse().map_err(|_| {
                Error::Internal(format!(
                    "timezone = {timezone:?} is not an IANA timezone name such as \"Europe/Istanbul\""
                ))
            })?,
        })
    }

    fn cache(&self, now_ms: i64) -> Cache {
        Cache {
            now_ms,
            ttl_ms: i64::from(self.cache_seconds) * 1000,
        }
    }
}

/// A non-negative number setting, or `default` when unset.
fn number(key: &str, default: f64) -> Result<f64, Error> {
    match bantz_sdk::config::get(key) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| {
                Error::Internal(format!(
                    "[skills.weather] {key} = {text:?} is not a number (default {default})"
                ))
            }),
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::InvalidArgs(format!("date {text:?} is not a date like 2026-11-23")))
}

fn now_ms() -> Result<i64, Error> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .map_err(|_| Error::Internal("the system clock is before 1970".into()))
}

/// The place called `name` and its forecast, or `None` when there is no such place.
fn look_up(
    settings: &Settings,
    name: &str,
    lang: Lang,
    now_ms: i64,
) -> Result<Option<(Place, Forecast)>, Error> {
    let cache = settings.cache(now_ms);
    let Some(place) = open_meteo::geocode(&settings.geocoding_url, name, lang.code(), &cache)?
    else {
        return Ok(None);
    };
    let forecast = open_meteo::forecast(&settings.forecast_url, &place, settings.units, &cache)?;
    Ok(Some((place, forecast)))
}

/// Sends the day's rain alert when rain is expected at `home` within the next hours.
fn alert_if_rain(home: &str, now_ms: i64) -> Result<(), Error> {
    let settings = Settings::load()?;
    let utc = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    let today = utc
        .with_timezone(&settings.timezone)
        .date_naive()
        .to_string();
    if kv::get_json::<String>(LAST_ALERT_DATE)?.as_deref() == Some(today.as_str()) {
        return Ok(());
    }
    let lang = settings.locale;
    let Some((place, forecast)) = look_up(&settings, home, lang, now_ms)? else {
        return Err(Error::Internal(format!(
            "the home place {home:?} is not known to the geocoding service"
        )));
    };
    let now = outlook::local_now(now_ms, forecast.utc_offset_seconds);
    let Some((hour, probability)) = outlook::rain_alert(
        &forecast.hourly,
        now,
        settings.rain_alert_hours,
        settings.rain_alert_threshold,
    ) else {
        return Ok(());
    };
    let (title, body) = rain_alert_message(&place.name, hour, now, probability, lang);
    let id = bantz_sdk::notify::send_once(&format!("rain-{today}"), "rain-alert", &title, &body)?;
    kv::set_json(LAST_ALERT_DATE, &today)?;
    bantz_sdk::log::info(&format!("rain alert for {today} sent as notification {id}"));
    Ok(())
}

/// The rain alert's title and body: rain at `place` from `hour`, seen at `now` (both local).
fn rain_alert_message(
    place: &str,
    hour: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
    probability: f64,
    lang: Lang,
) -> (String, String) {
    let at = format!("{:02}:{:02}", hour.hour(), hour.minute());
    let day = if hour.date() == now.date() {
        String::new()
    } else {
        format!("{} ", words::day_in_sentence(hour.date(), now.date(), lang))
    };
    let chance = words::percent(Some(probability), lang);
    match lang {
        Lang::Tr => (
            "Yağmur uyarısı".to_owned(),
            format!(
                "{} {day}saat {at} civarında yağmur bekleniyor (yağış ihtimali {chance}). \
                 Şemsiyenizi unutmayın!",
                words::locative(place)
            ),
        ),
        Lang::En => (
            "Rain alert".to_owned(),
            format!(
                "Rain is expected in {place} {day}around {at} ({chance} chance of precipitation). \
                 Take an umbrella!"
            ),
        ),
    }
}

/// A reply about one place's forecast.
struct Answer<'a> {
    place: &'a Place,
    forecast: &'a Forecast,
    lang: Lang,
    units: Units,
    /// The place's local time now.
    now: chrono::NaiveDateTime,
}

impl Answer<'_> {
    fn place_data(&self) -> serde_json::Value {
        json!({
            "name": self.place.name,
            "country": self.place.country,
            "latitude": self.place.latitude,
            "longitude": self.place.longitude,
        })
    }

    fn current(&self) -> Reply {
        let c = &self.forecast.current;
        let (lang, units) = (self.lang, self.units);
        let conditions = words::conditions(c.weather_code, lang);
        let temperature = words::temperature(c.temperature_2m, units);
        // What the model left out (`null`) is left out of the reply too.
        let (feels, humidity, wind) = match lang {
            Lang::Tr => ("Hissedilen", "nem", "rüzgâr"),
            Lang::En => ("Feels like", "humidity", "wind"),
        };
        let details: Vec<String> = [
            c.apparent_temperature
                .map(|t| format!("{feels} {}", words::temperature(Some(t), units))),
            c.relative_humidity_2m
                .map(|h| format!("{humidity} {}", words::percent(Some(h), lang))),
            c.wind_speed_10m
                .map(|w| format!("{wind} {}", words::wind(Some(w), units, lang))),
        ]
        .into_iter()
        .flatten()
        .collect();
        let details = if details.is_empty() {
            String::new()
        } else {
            format!(" {}.", details.join(", "))
        };
        let text = match lang {
            Lang::Tr => format!(
                "{} şu an {temperature}, {conditions}.{details}",
                words::locative(&self.place.name)
            ),
            Lang::En => format!(
                "In {} right now: {temperature}, {conditions}.{details}",
                self.place.name
            ),
        };
        Reply::text(text).with_data(&json!({
            "place": self.place_data(),
            "units": units.as_str(),
            "current": {
                "time": c.time,
                "temperature": c.temperature_2m,
                "apparent_temperature": c.apparent_temperature,
                "humidity": c.relative_humidity_2m,
                "wind_speed": c.wind_speed_10m,
                "precipitation": c.precipitation,
                "weather_code": c.weather_code,
                "conditions": conditions,
            }
        }))
    }

    fn forecast(&self, date: Option<NaiveDate>, days: Option<u32>) -> Reply {
        let dates = outlook::dates(self.forecast);
        let today = self.now.date();
        let Some(chosen) = outlook::choose_days(&dates, today, date, days) else {
            return self.out_of_range(date.unwrap_or(today), &dates);
        };
        let d = &self.forecast.daily;
        let (lang, units) = (self.lang, self.units);
        let line = |i: usize| {
            let conditions = words::conditions(d.weather_code[i], lang);
            let high = words::temperature(d.temperature_2m_max[i], units);
            let low = words::temperature(d.temperature_2m_min[i], units);
            let chance = words::percent(d.precipitation_probability_max[i], lang);
            let amount = words::millimetres(d.precipitation_sum[i], lang);
            match lang {
                Lang::Tr => format!(
                    "{conditions}, en yüksek {high}, en düşük {low}, yağış ihtimali {chance} ({amount})"
                ),
                Lang::En => format!(
                    "{conditions}, high {high}, low {low}, {chance} chance of precipitation ({amount})"
                ),
            }
        };
        let name =
            |i: usize| dates[i].map_or_else(String::new, |day| words::day_name(day, today, lang));
        let text = if let [i] = chosen[..] {
            match lang {
                Lang::Tr => format!(
                    "{} {}: {}.",
                    name(i),
                    words::locative(&self.place.name),
                    line(i)
                ),
                Lang::En => format!("{} in {}: {}.", name(i), self.place.name, line(i)),
            }
        } else {
            let head = match lang {
                Lang::Tr => format!("{} için {} günlük tahmin:", self.place.name, chosen.len()),
                Lang::En => format!("{}-day forecast for {}:", chosen.len(), self.place.name),
            };
            let lines: Vec<String> = chosen
                .iter()
                .map(|&i| format!("- {}: {}", name(i), line(i)))
                .collect();
            format!("{head}\n{}", lines.join("\n"))
        };
        let days: Vec<serde_json::Value> = chosen
            .iter()
            .map(|&i| {
                json!({
                    "date": d.time[i],
                    "weather_code": d.weather_code[i],
                    "conditions": words::conditions(d.weather_code[i], lang),
                    "temperature_max": d.temperature_2m_max[i],
                    "temperature_min": d.temperature_2m_min[i],
                    "precipitation_probability": d.precipitation_probability_max[i],
                    "precipitation": d.precipitation_sum[i],
                })
            })
            .collect();
        Reply::text(text).with_data(&json!({
            "place": self.place_data(),
            "units": units.as_str(),
            "days": days,
        }))
    }

    fn rain(&self, date: Option<NaiveDate>, threshold: f64) -> Reply {
        let dates = outlook::dates(self.forecast);
        let today = self.now.date();
        let Some(chosen) = outlook::choose_days(&dates, today, date, None) else {
            return self.out_of_range(date.unwrap_or(today), &dates);
        };
        let i = chosen[0];
        let day = dates[i].unwrap_or(today);
        let chance = outlook::rain_chance(self.forecast, i, self.now, threshold);
        let verdict = Verdict::of(chance.probability, threshold);
        let lang = self.lang;
        let when = words::day_in_sentence(day, today, lang);
        let percent = words::percent(chance.probability, lang);
        let amount = words::millimetres(chance.precipitation, lang);
        let from = chance
            .from_hour
            .map(|h| format!("{:02}:{:02}", h.hour(), h.minute()));
        let name = &self.place.name;
        let text = match (lang, verdict) {
            (Lang::Tr, Verdict::Likely) => {
                let from = from
                    .as_ref()
                    .map(|h| format!(", saat {h} civarından itibaren"))
                    .unwrap_or_default();
                format!(
                    "Evet, {when} {} yağmur bekleniyor{from}: yağış ihtimali {percent} ({amount}).",
                    words::locative(name)
                )
            }
            (Lang::Tr, Verdict::Possible) => format!(
                "Belki: {when} {} yağış ihtimali {percent} ({amount}).",
                words::locative(name)
            ),
            (Lang::Tr, Verdict::Unlikely) => format!(
                "Hayır, {when} {} yağmur beklenmiyor (yağış ihtimali {percent}).",
                words::locative(name)
            ),
            (Lang::En, Verdict::Likely) => {
                let from = from
                    .as_ref()
                    .map(|h| format!(" from around {h}"))
                    .unwrap_or_default();
                format!(
                    "Yes, rain is expected in {name} {when}{from}: {percent} chance of precipitation ({amount})."
                )
            }
            (Lang::En, Verdict::Possible) => {
                format!("Maybe: {percent} chance of precipitation in {name} {when} ({amount}).")
            }
            (Lang::En, Verdict::Unlikely) => format!(
                "No, rain is not expected in {name} {when} ({percent} chance of precipitation)."
            ),
        };
        Reply::text(text).with_data(&json!({
            "place": self.place_data(),
            "date": day.to_string(),
            "rain": verdict.as_str(),
            "probability": chance.probability,
            "precipitation": chance.precipitation,
            "from": from,
        }))
    }

    fn out_of_range(&self, asked: NaiveDate, dates: &[Option<NaiveDate>]) -> Reply {
        let lang = self.lang;
        let first = dates.iter().flatten().next();
        let last = dates.iter().flatten().last();
        let span = match (first, last) {
            (Some(a), Some(b)) => {
                format!(" ({} – {})", words::date(*a, lang), words::date(*b, lang))
            }
            _ => String::new(),
        };
        let text = match lang {
            Lang::Tr => format!(
                "{} için tahminim yok: yalnızca önümüzdeki {} günü biliyorum{span}.",
                words::date(asked, lang),
                dates.len()
            ),
            Lang::En => format!(
                "I have no forecast for {}: only for the next {} days{span}.",
                words::date(asked, lang),
                dates.len()
            ),
        };
        Reply::text(text).with_data(&json!({
            "error": "out-of-range",
            "date": asked.to_string(),
            "place": self.place_data(),
        }))
    }
}

fn ask_for_a_place(lang: Lang) -> Reply {
    let text = match lang {
        Lang::Tr => {
            "Hangi şehrin havasını merak ediyorsunuz? Bir yer söyleyin (ör. \"İstanbul'da hava nasıl?\") \
             ya da ayarlarda [skills.weather] home = \"İstanbul\" gibi bir ev konumu tanımlayın."
        }
        Lang::En => {
            "Which place do you mean? Name one (e.g. \"what's the weather in London?\") or set a \
             home place in the settings: [skills.weather] home = \"London\"."
        }
    };
    Reply::text(text).with_data(&json!({ "error": "no-place" }))
}

fn unknown_place(name: &str, lang: Lang) -> Reply {
    let text = match lang {
        Lang::Tr => format!(
            "\"{name}\" diye bir yer bulamadım. Yazılışını kontrol edip tekrar dener misiniz?"
        ),
        Lang::En => {
            format!("I couldn't find a place called \"{name}\". Could you check the spelling?")
        }
    };
    Reply::text(text).with_data(&json!({ "error": "unknown-place", "place": name }))
}

/// The reply when Open-Meteo cannot be reached or answers nonsense. What went wrong goes to the
/// log for the operator; the user learns that it is the service, and that trying later may help.
fn upstream_down(lang: Lang, detail: &str) -> Reply {
    bantz_sdk::log::warn(&format!("Open-Meteo failed: {detail}"));
    let text = match lang {
        Lang::Tr => "Hava durumu servisine şu an ulaşamıyorum. Biraz sonra tekrar dener misiniz?",
        Lang::En => {
            "I can't reach the weather service right now. Please try again in a little while."
        }
    };
    Reply::text(text).with_data(&json!({ "error": "upstream" }))
}

/// The reply when the host does not let the skill reach Open-Meteo: no host was granted. Trying
/// again will not help; the operator can grant it, and the log says with which line.
fn not_allowed(lang: Lang, detail: &str) -> Reply {
    bantz_sdk::log::warn(&format!("Open-Meteo is not reachable: {detail}"));
    let text = match lang {
        Lang::Tr => {
            "Hava durumu servisine (Open-Meteo) erişme iznim yok. Bantz'ı yöneten kişi \
             bantz.toml dosyasında buna izin verebilir."
        }
        Lang::En => {
            "I'm not allowed to reach the weather service (Open-Meteo). Whoever runs Bantz \
             can allow it in bantz.toml."
        }
    };
    Reply::text(text).with_data(&json!({ "error": "not-allowed" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outlook::tests::{at, day, forecast};

    fn place() -> Place {
        Place {
            name: "İstanbul".into(),
            latitude: 41.01384,
            longitude: 28.94966,
            country: Some("Türkiye".into()),
            admin1: None,
        }
    }

    /// An answer at 12:00 on the first day of the outlook's test forecast.
    fn reply(lang: Lang, ask: impl Fn(&Answer) -> Reply) -> Reply {
        let (place, forecast) = (place(), forecast());
        let answer = Answer {
            place: &place,
            forecast: &forecast,
            lang,
            units: Units::Metric,
            now: at(0, 12, 0),
        };
        ask(&answer)
    }

    #[test]
    fn current_conditions() {
        let tr = reply(Lang::Tr, |a| a.current());
        assert_eq!(tr.text, "İstanbul'da şu an 14°C, parçalı bulutlu.");
        let en = reply(Lang::En, |a| a.current());
        assert!(
            en.text
                .starts_with("In İstanbul right now: 14°C, partly cloudy.")
        );
        assert_eq!(en.data.unwrap()["current"]["temperature"], 14.0);
    }

    #[test]
    fn the_forecast_of_the_day_asked_for() {
        let tomorrow = reply(Lang::Tr, |a| a.forecast(Some(day(1)), None));
        assert_eq!(
            tomorrow.text,
            "Yarın İstanbul'da: yağmur, en yüksek 13°C, en düşük 8°C, yağış ihtimali %70 (8,0 mm)."
        );
        let data = tomorrow.data.unwrap();
        assert_eq!(data["days"][0]["date"], "2026-11-24");
        let two = reply(Lang::En, |a| a.forecast(None, Some(2)));
        assert_eq!(
            two.text,
            "2-day forecast for İstanbul:\n\
             - Today: light showers, high 16°C, low 9°C, 90% chance of precipitation (0.5 mm)\n\
             - Tomorrow: rain, high 13°C, low 8°C, 70% chance of precipitation (8.0 mm)"
        );
        let later = reply(Lang::En, |a| a.forecast(Some(day(2)), None));
        assert!(
            later
                .text
                .starts_with("Wednesday 25 November in İstanbul: mainly clear")
        );
    }

    #[test]
    fn a_day_outside_the_forecast_is_said_so() {
        let tr = reply(Lang::Tr, |a| a.forecast(Some(day(9)), None));
        assert_eq!(
            tr.text,
            "2 Aralık için tahminim yok: yalnızca önümüzdeki 3 günü biliyorum (23 Kasım – 25 Kasım)."
        );
        assert_eq!(tr.data.unwrap()["error"], "out-of-range");
        let en = reply(Lang::En, |a| a.rain(Some(day(-1)), 60.0));
        assert!(en.text.starts_with("I have no forecast for 22 November"));
    }

    #[test]
    fn will_it_rain() {
        // At noon the morning shower is over; 35% at 20:00 is only a maybe.
        let today = reply(Lang::Tr, |a| a.rain(None, 60.0));
        assert_eq!(
            today.text,
            "Belki: bugün İstanbul'da yağış ihtimali %35 (0,0 mm)."
        );
        assert_eq!(today.data.unwrap()["rain"], "possible");
        let tomorrow = reply(Lang::En, |a| a.rain(Some(day(1)), 60.0));
        assert_eq!(
            tomorrow.text,
            "Yes, rain is expected in İstanbul tomorrow: 70% chance of precipitation (8.0 mm)."
        );
        let after = reply(Lang::Tr, |a| a.rain(Some(day(2)), 60.0));
        assert_eq!(
            after.text,
            "Hayır, 25 Kasım Çarşamba günü İstanbul'da yağmur beklenmiyor (yağış ihtimali %5)."
        );
    }

    #[test]
    fn rain_alert_messages() {
        let (title, body) =
            rain_alert_message("İstanbul", at(0, 15, 0), at(0, 9, 5), 80.0, Lang::Tr);
        assert_eq!(title, "Yağmur uyarısı");
        assert_eq!(
            body,
            "İstanbul'da saat 15:00 civarında yağmur bekleniyor (yağış ihtimali %80). Şemsiyenizi unutmayın!"
        );
        let (title, body) = rain_alert_message("Paris", at(1, 3, 0), at(0, 20, 0), 65.0, Lang::En);
        assert_eq!(title, "Rain alert");
        assert_eq!(
            body,
            "Rain is expected in Paris tomorrow around 03:00 (65% chance of precipitation). \
             Take an umbrella!"
        );
    }

    mod properties {
        //! Whatever Open-Meteo answers (once its arrays line up, which `forecast` checks) and
        //! whatever date, number of days or place a question names, the answers are replies,
        //! never a panic. Bounded cases; `PROPTEST_CASES=100000` runs more.

        use chrono::{Duration, NaiveDateTime};
        use proptest::prelude::*;
        use proptest::test_runner::Config;

        use super::*;
        use crate::open_meteo::{Current, Daily, Hourly};

        fn config() -> Config {
            Config {
                cases: std::env::var("PROPTEST_CASES")
                    .ok()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(250),
                failure_persistence: None,
                ..Config::default()
            }
        }

        /// A value as Open-Meteo may send one, and some it should not.
        fn value() -> impl Strategy<Value = Option<f64>> {
            proptest::option::of(prop_oneof![
                -100.0f64..200.0,
                any::<f64>(),
                Just(f64::MAX),
                Just(-0.0),
            ])
        }

        /// A local time near `base`, as Open-Meteo writes it, or text that is not one.
        fn time(base: NaiveDateTime, format: &'static str) -> impl Strategy<Value = String> {
            prop_oneof![
                4 => (-200i64..200).prop_map(move |h| (base + Duration::hours(h)).format(format).to_string()),
                1 => "\\PC{0,20}",
                1 => "[+-]?[0-9]{4,7}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2})?",
            ]
        }

        fn forecast(base: NaiveDateTime) -> impl Strategy<Value = Forecast> {
            let hour = (time(base, "%Y-%m-%dT%H:%M"), value(), value());
            let day = (
                time(base, "%Y-%m-%d"),
                value(),
                value(),
                value(),
                value(),
                value(),
            );
            (
                any::<i64>(),
                time(base, "%Y-%m-%dT%H:%M"),
                [value(), value(), value(), value(), value(), value()],
                prop::collection::vec(hour, 0..80),
                prop::collection::vec(day, 0..10),
            )
                .prop_map(|(offset, now, c, hours, days)| Forecast {
                    utc_offset_seconds: offset,
                    current: Current {
                        time: now,
                        temperature_2m: c[0],
                        relative_humidity_2m: c[1],
                        apparent_temperature: c[2],
                        precipitation: c[3],
                        weather_code: c[4],
                        wind_speed_10m: c[5],
                    },
                    hourly: Hourly {
                        time: hours.iter().map(|h| h.0.clone()).collect(),
                        precipitation_probability: hours.iter().map(|h| h.1).collect(),
                        precipitation: hours.iter().map(|h| h.2).collect(),
                    },
                    daily: Daily {
                        time: days.iter().map(|d| d.0.clone()).collect(),
                        weather_code: days.iter().map(|d| d.1).collect(),
                        temperature_2m_max: days.iter().map(|d| d.2).collect(),
                        temperature_2m_min: days.iter().map(|d| d.3).collect(),
                        precipitation_probability_max: days.iter().map(|d| d.4).collect(),
                        precipitation_sum: days.iter().map(|d| d.5).collect(),
                    },
                })
        }

        fn question() -> impl Strategy<Value = (Option<String>, Option<f64>, String)> {
            (
                proptest::option::of(prop_oneof![
                    "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}",
                    (2026i32..2028, 1u32..=12, 1u32..=31)
                        .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
                    "\\PC{0,12}",
                ]),
                proptest::option::of(any::<f64>()),
                "\\PC{0,24}",
            )
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn any_forecast_and_question_gets_a_reply(
                (now_ms, forecast) in (0i64..4_102_444_800_000).prop_flat_map(|ms| {
                    let base = chrono::DateTime::from_timestamp_millis(ms).unwrap().naive_utc();
                    (Just(ms), forecast(base))
                }),
                (date, days, place) in question(),
                threshold in prop_oneof![0.0f64..100.0, any::<f64>()],
                hours in any::<u32>(),
            ) {
                let now = outlook::local_now(now_ms, forecast.utc_offset_seconds);
                let date = date.as_deref().map(parse_date).and_then(Result::ok);
                let days = days.map(|d| d.round().clamp(1.0, 7.0) as u32);
                words::without_locative(&place);
                let place = Place {
                    name: place,
                    latitude: 0.0,
                    longitude: 0.0,
                    country: None,
                    admin1: None,
                };
                for lang in [Lang::Tr, Lang::En] {
                    for units in [Units::Metric, Units::Imperial] {
                        let answer = Answer { place: &place, forecast: &forecast, lang, units, now };
                        answer.current();
                        answer.forecast(date, days);
                        answer.rain(date, threshold);
                    }
                }
                let hours = hours.clamp(1, open_meteo::FORECAST_DAYS * 24);
                if let Some((hour, probability)) =
                    outlook::rain_alert(&forecast.hourly, now, hours, threshold)
                {
                    rain_alert_message(&place.name, hour, now, probability, Lang::Tr);
                }
            }
        }
    }
}
