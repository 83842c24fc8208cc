//! Related words: small hand-written classes of words that ask for the same kind of thing in
//! Turkish and English ("chilly", "soğuk", "freezing"; "umbrella", "şemsiye"). The classifier
//! sees a word's class as one more feature and as one more anchor, so a message that uses a
//! word no template spells out still looks like the messages that use its neighbours. It never
//! changes what a message says, and the rules do not use it.
//!
//! Words are folded (lowercase, Turkish letters as ASCII); a Turkish word is also looked up by
//! its stem, so "soğuktu" and "bulutluymuş" find their class.

use super::normalise;

/// (class, words): each word in its folded form.
const CLASSES: &[(&str, &[&str])] = &[
    (
        "weather-state",
        &[
            "cold",
            "colder",
            "hot",
            "hotter",
            "warm",
            "warmer",
            "chilly",
            "freezing",
            "sunny",
            "cloudy",
            "windy",
            "foggy",
            "humid",
            "snowy",
            "stormy",
            "cooler",
            "overcast",
            "muggy",
            "icy",
            "frosty",
            "mild",
            "sunshine",
            "gloomy",
            "breezy",
            "hazy",
            "soguk",
            "sicak",
            "serin",
            "ilik",
            "bulutlu",
            "gunesli",
            "karli",
            "ruzgarli",
            "sisli",
            "nemli",
            "ayaz",
            "dondurucu",
            "bunaltici",
            "firtinali",
            "bunaltic",
            "kavurucu",
            "pus",
            "puslu",
            "soguktu",
            "sicakti",
        ],
    ),
    (
        "temperature",
        &[
            "temperature",
            "temperatures",
            "temp",
            "degrees",
            "degree",
            "celsius",
            "fahrenheit",
            "derece",
            "sicaklik",
            "sicakligi",
            "sicakliklar",
            "santigrat",
            "humidity",
            "nem",
            "wind",
            "ruzgar",
        ],
    ),
    (
        "precipitation",
        &[
            "rain",
            "raining",
            "rainy",
            "rains",
            "shower",
            "showers",
            "drizzle",
            "drizzling",
            "downpour",
            "pouring",
            "precipitation",
            "wet",
            "yagmur",
            "yagis",
            "saganak",
            "cisenti",
            "yagmurlu",
            "yagar",
            "yagacak",
            "yagiyor",
        ],
    ),
    (
        "snow",
        &[
            "snow",
            "snowing",
            "snowfall",
            "blizzard",
            "sleet",
            "hail",
            "storm",
            "thunderstorm",
            "thunder",
            "lightning",
            "kar",
            "kartopu",
            "dolu",
            "firtina",
            "tipi",
            "yildirim",
        ],
    ),
    (
        "umbrella",
        &[
            "umbrella",
            "raincoat",
            "wellies",
            "semsiye",
            "semsiyemi",
            "yagmurluk",
        ],
    ),
    (
        "clothing",
        &[
            "jacket",
            "coat",
            "sweater",
            "jumper",
            "hoodie",
            "scarf",
            "gloves",
            "shorts",
            "layers",
            "mont",
            "ceket",
            "kazak",
            "atki",
            "eldiven",
            "sort",
            "palto",
            "hirka",
            "giyeyim",
            "giymeli",
            "giymem",
            "giyinmeli",
        ],
    ),
    (
        "forecast",
        &[
            "forecast",
            "forecasts",
            "outlook",
            "prediction",
            "tahmin",
            "tahmini",
            "tahminleri",
            "weather",
            "hava",
            "havalar",
            "havada",
        ],
    ),
    (
        "reminder",
        &[
            "reminder",
            "reminders",
            "remind",
            "reminding",
            "hatirlatici",
            "hatirlatma",
            "hatirlat",
            "hatirlatmalar",
            "hatirlaticilar",
            "animsat",
            "animsatici",
        ],
    ),
    (
        "remove",
        &[
            "cancel", "delete", "remove", "drop", "clear", "erase", "scrap", "discard", "kill",
            "sil", "iptal", "kaldir", "cikar", "temizle", "vazgec",
        ],
    ),
    (
        "show",
        &[
            "show", "display", "read", "check", "view", "goster", "listele", "oku", "bak", "sirala",
        ],
    ),
    (
        "calendar",
        &[
            "calendar",
            "schedule",
            "agenda",
            "diary",
            "planner",
            "plans",
            "takvim",
            "program",
            "ajanda",
            "plan",
            "planim",
            "planlarim",
        ],
    ),
    (
        "event",
        &[
            "meeting",
            "meetings",
            "appointment",
            "appointments",
            "event",
            "events",
            "session",
            "toplanti",
            "randevu",
            "etkinlik",
            "gorusme",
            "bulusma",
            "booking",
            "bookings",
            "booked",
        ],
    ),
    // Not "free" or "boş": too many sayings use them ("free as a bird", "boş ver").
    (
        "availability",
        &[
            "available",
            "availability",
            "opening",
            "openings",
            "gap",
            "gaps",
            "spare",
            "bosum",
            "musait",
            "musaitim",
            "bosluk",
            "boslugum",
            "vaktim",
            "zamanim",
        ],
    ),
    (
        "clash",
        &[
            "conflict",
            "conflicts",
            "clash",
            "clashes",
            "clashing",
            "overlap",
            "overlaps",
            "overlapping",
            "cakisma",
            "cakisan",
            "cakisiyor",
            "cakismalar",
            "cakisir",
        ],
    ),
    (
        "move",
        &[
            "move",
            "reschedule",
            "postpone",
            "push",
            "bump",
            "shift",
            "delay",
            "ertele",
            "tasi",
            "kaydir",
            "otele",
        ],
    ),
    // What other assistants are asked for: no command takes these, and the classifier learns
    // their class from its out-of-domain messages, so a film or a song it never saw looks like
    // the ones it did.
    (
        "media",
        &[
            "film",
            "films",
            "spotify",
            "netflix",
            "youtube",
            "podcasts",
            "movie",
            "movies",
            "cinema",
            "book",
            "books",
            "novel",
            "novels",
            "author",
            "song",
            "songs",
            "album",
            "albums",
            "track",
            "tracks",
            "playlist",
            "music",
            "band",
            "singer",
            "artist",
            "podcast",
            "episode",
            "series",
            "game",
            "games",
            "trailer",
            "kitap",
            "kitabi",
            "roman",
            "yazar",
            "sarki",
            "sarkisi",
            "album",
            "muzik",
            "sanatci",
            "sarkici",
            "calma",
            "oyun",
            "oyunu",
            "dizi",
            "dizisi",
            "bolum",
            "fragman",
            "sinema",
            "filmi",
            "channel",
            "channels",
            "radio",
            "television",
            "kanal",
            "kanali",
            "radyo",
            "televizyon",
            "poem",
            "poems",
            "poetry",
            "story",
            "stories",
            "siir",
            "hikaye",
            "masal",
        ],
    ),
    (
        "food",
        &[
            "restaurant",
            "restaurants",
            "table",
            "reservation",
            "pizza",
            "sushi",
            "burger",
            "menu",
            "takeaway",
            "delivery",
            "cafe",
            "restoran",
            "lokanta",
            "masa",
            "rezervasyon",
            "kebap",
            "kafe",
            "siparis",
        ],
    ),
    (
        "commerce",
        &[
            "mall",
            "store",
            "shop",
            "shopping",
            "stock",
            "stocks",
            "shares",
            "bitcoin",
            "crypto",
            "price",
            "prices",
            "subscription",
            "account",
            "borsa",
            "hisse",
            "avm",
            "magaza",
            "carsi",
            "fiyat",
            "fiyati",
            "shipping",
            "software",
            "ticket",
            "tickets",
            "discount",
            "coupon",
            "wifi",
            "abonelik",
            "aboneligimi",
            "order",
            "orders",
            "kripto",
        ],
    ),
    // Things people lose and ask an assistant to find ("find my phone"): no calendar event.
    (
        "belongings",
        &[
            "phone",
            "keys",
            "wallet",
            "glasses",
            "remote",
            "laptop",
            "charger",
            "telefon",
            "telefonum",
            "telefonumu",
            "anahtar",
            "anahtarlarimi",
            "cuzdan",
            "cuzdanim",
            "gozluk",
            "gozlugum",
        ],
    ),
    // Translation and foreign languages ("how do you say umbrella in French", "şemsiye
    // Fransızca nasıl denir"): no command translates. English and Turkish are left out, as
    // people ask to be answered in them.
    (
        "translation",
        &[
            "translate",
            "translation",
            "tercume",
            "ceviri",
            "cevirir",
            "denir",
            "french",
            "german",
            "spanish",
            "italian",
            "fransizca",
            "almanca",
            "ispanyolca",
            "italyanca",
        ],
    ),
    // Public transport and its timetables ("when's the next ferry to Karaköy"): no command
    // knows them. Trains and flights are left out, as people put their own in the calendar.
    (
        "transport",
        &[
            "ferry", "ferries", "bus", "buses", "tram", "metro", "subway", "feribot", "vapur",
            "vapuru", "otobus", "otobusu", "tramvay", "metrobus", "dolmus", "minibus",
        ],
    ),
    (
        "clock",
        &["time", "clock", "hour", "saat", "saati", "saatin"],
    ),
    (
        "date",
        &["date", "day", "tarih", "tarihi", "gun", "gunlerden"],
    ),
];

/// The class of a folded word, if it has one: the word itself, a word of at least five letters
/// that it starts with (Turkish adds its endings: "takvimimde", "şemsiyemi"), or its stem.
pub fn class_of(word: &str) -> Option<&'static str> {
    let find = |w: &str| {
        CLASSES
            .iter()
            .find(|(_, words)| words.contains(&w))
            .map(|(class, _)| *class)
    };
    find(word)
        .or_else(|| {
            CLASSES
                .iter()
                .find(|(_, words)| {
                    words
                        .iter()
                        .any(|w| w.len() >= 5 && word.len() > w.len() && word.starts_with(w))
                })
                .map(|(class, _)| *class)
        })
        .or_else(|| {
            let stem = normalise::stem(word);
            (stem != word).then(|| find(stem)).flatten()
        })
}

/// The classes of what other assistants are asked for (films, books, songs, games,
/// restaurants, lost belongings, translation, public transport): no first-party command takes
/// them.
const ELSEWHERE: &[&str] = &[
    "media",
    "food",
    "commerce",
    "belongings",
    "translation",
    "transport",
];

/// The classes that name the user's own plans: a message with one of them is about the
/// calendar or the reminders, whatever else it names ("delete the cinema event", "book a
/// meeting", "remind me to buy the book").
const OWN_PLANS: &[&str] = &["calendar", "event", "reminder"];

/// Whether a message names something of [`ELSEWHERE`] ("find the book Dune", "is it going to be
/// a good movie") and nothing of [`OWN_PLANS`]: the classifier then chooses no command, and a
/// rules match made mostly of free text does not count.
pub fn names_elsewhere(words: impl IntoIterator<Item = impl AsRef<str>>) -> bool {
    let mut elsewhere = false;
    for w in words {
        match class_of(w.as_ref()) {
            Some(c) if OWN_PLANS.contains(&c) => return false,
            Some(c) if ELSEWHERE.contains(&c) => elsewhere = true,
            _ => {}
        }
    }
    elsewhere
}

/// Whether a message names something of [`OWN_PLANS`] ("cancel the pizza *reminder*").
pub fn names_own_plans(words: impl IntoIterator<Item = impl AsRef<str>>) -> bool {
    words
        .into_iter()
        .any(|w| class_of(w.as_ref()).is_some_and(|c| OWN_PLANS.contains(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_classes_of_words_and_their_inflections() {
        assert_eq!(class_of("chilly"), class_of("soguk"));
        assert_eq!(class_of("semsiye"), Some("umbrella"));
        assert_eq!(class_of("bulutluymus"), Some("weather-state"));
        assert_eq!(class_of("hatirlaticilarimi"), Some("reminder"));
        assert_eq!(class_of("pizza"), Some("food"));
        assert_eq!(class_of("keyboard"), None);
        assert!(names_elsewhere(["find", "the", "book", "dune"]));
        assert!(!names_elsewhere(["find", "my", "flight"]));
        assert!(names_elsewhere([
            "whens", "the", "next", "ferry", "to", "karakoy"
        ]));
        assert!(names_elsewhere(["semsiye", "fransizca", "nasil", "denir"]));
        assert!(!names_elsewhere(["book", "a", "meeting", "tomorrow"]));
        assert!(!names_elsewhere([
            "sinema",
            "etkinligini",
            "takvimden",
            "sil"
        ]));
    }
}
