//! Open-Meteo's two APIs as this skill uses them: the request URLs, the shapes of the answers
//! (only the fields the skill reads), and fetching them through the host with a kv cache.
//!
//! It does not interpret a forecast; `outlook` does.

use bantz_sdk::{Error, http, kv, log};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Where the skill asks when the config names no other service.
pub const DEFAULT_GEOCODING_URL: &str = "https://geocoding-api.open-meteo.com";
pub const DEFAULT_FORECAST_URL: &str = "https://api.open-meteo.com";

/// Days of forecast the skill asks for: what `forecast` and `rain` can answer about.
pub const FORECAST_DAYS: u32 = 7;

/// No place on Earth is further than this from UTC (the furthest are 14 hours): a larger
/// `utc_offset_seconds` is nonsense, and would take local times out of chrono's range.
const MAX_UTC_OFFSET_SECONDS: u64 = 24 * 3600;

/// The current conditions the skill asks for.
const CURRENT: &str = "temperature_2m,relative_humidity_2m,apparent_temperature,precipitation,weather_code,wind_speed_10m";
const HOURLY: &str = "precipitation_probability,precipitation";
const DAILY: &str = "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max,precipitation_sum";

/// Everything but the characters a query value may carry unescaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The unit system of temperatures and wind speeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// °C and km/h: the default.
    Metric,
    /// °F and mph.
    Imperial,
}

impl Units {
    pub fn as_str(self) -> &'static str {
        match self {
            Units::Metric => "metric",
            Units::Imperial => "imperial",
        }
    }
}

/// A place as the geocoding API finds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The name in the language asked for, e.g. `İstanbul`.
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub admin1: Option<String>,
}

/// A geocoding answer. Open-Meteo leaves `results` out when nothing matches.
#[derive(Debug, Deserialize)]
struct Geocoding {
    #[serde(default)]
    results: Vec<Place>,
}

/// A forecast answer, in the place's own local time (`timezone=auto`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// How far the place's local time is ahead of UTC.
    pub utc_offset_seconds: i64,
    pub current: Current,
    pub hourly: Hourly,
    pub daily: Daily,
}

/// Conditions now. Open-Meteo sends `null` for a value a model does not have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Current {
    /// Local time, `YYYY-MM-DDTHH:MM`.
    pub time: String,
    pub temperature_2m: Option<f64>,
    pub relative_humidity_2m: Option<f64>,
    pub apparent_temperature: Option<f64>,
    pub precipitation: Option<f64>,
    pub weather_code: Option<f64>,
    pub wind_speed_10m: Option<f64>,
}

/// Hour by hour, in parallel arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hourly {
    /// Local times, `YYYY-MM-DDTHH:MM`.
    pub time: Vec<String>,
    /// Percent.
    pub precipitation_probability: Vec<Option<f64>>,
    /// Millimetres in the hour.
    pub precipitation: Vec<Option<f64>>,
}

/// Day by day, in parallel arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Daily {
    /// Local dates, `YYYY-MM-DD`.
    pub time: Vec<String>,
    /// WMO weather interpretation codes.
    pub weather_code: Vec<Option<f64>>,
    pub temperature_2m_max: Vec<Option<f64>>,
    pub temperature_2m_min: Vec<Option<f64>>,
    /// Percent.
    pub precipitation_probability_max: Vec<Option<f64>>,
    /// Millimetres in the day.
    pub precipitation_sum: Vec<Option<f64>>,
}

impl Forecast {
    /// Whether the parallel arrays line up; a forecast whose arrays do not is malformed.
    fn is_consistent(&self) -> bool {
        let (h, d) = (&self.hourly, &self.daily);
        h.precipitation_probability.len() == h.time.len()
            && h.precipitation.len() == h.time.len()
            && [
                d.weather_code.len(),
                d.temperature_2m_max.len(),
                d.temperature_2m_min.len(),
                d.precipitation_probability_max.len(),
                d.precipitation_sum.len(),
            ]
            .iter()
            .all(|&n| n == d.time.len())
    }
}

/// `{base}/v1/search?name=…&count=1&language=…&format=json`
pub fn geocoding_url(base: &str, name: &str, language: &str) -> String {
    format!(
        "{}/v1/search?name={}&count=1&language={}&format=json",
        base.trim_end_matches('/'),
        utf8_percent_encode(name.trim(), QUERY_VALUE),
        utf8_percent_encode(language, QUERY_VALUE),
    )
}

/// `{base}/v1/forecast?latitude=…&longitude=…&current=…&hourly=…&daily=…&timezone=auto&forecast_days=7`,
/// plus Fahrenheit and mph for imperial units.
pub fn forecast_url(base: &str, place: &Place, units: Units) -> String {
    let mut url = format!(
        "{}/v1/forecast?latitude={}&longitude={}&current={CURRENT}&hourly={HOURLY}&daily={DAILY}&timezone=auto&forecast_days={FORECAST_DAYS}",
        base.trim_end_matches('/'),
        place.latitude,
        place.longitude,
    );
    if units == Units::Imperial {
        url.push_str("&temperature_unit=fahrenheit&wind_speed_unit=mph");
    }
    url
}

/// The best match for `name`, or `None` when the geocoding API knows no such place. A Turkish
/// place name with its locative suffix written on ("istanbulda") is tried again without it.
pub fn geocode(
    base: &str,
    name: &str,
    language: &str,
    cache: &Cache,
) -> Result<Option<Place>, Error> {
    let key = format!("geo:{language}:{}", crate::words::fold(name));
    cache.get_or_fetch(&key, || {
        let found = first_place(base, name, language)?;
        match (found, crate::words::without_locative(name)) {
            (None, Some(stem)) => first_place(base, stem, language),
            (found, _) => Ok(found),
        }
    })
}

fn first_place(base: &str, name: &str, language: &str) -> Result<Option<Place>, Error> {
    let answer: Geocoding = http::get_json(&geocoding_url(base, name, language))?;
    Ok(answer.results.into_iter().next())
}

/// The 7-day forecast for `place`.
pub fn forecast(base: &str, place: &Place, units: Units, cache: &Cache) -> Result<Forecast, Error> {
    let key = format!(
        "forecast:{}:{},{}",
        units.as_str(),
        place.latitude,
        place.longitude
    );
    cache.get_or_fetch(&key, || {
        let url = forecast_url(base, place, units);
        let forecast: Forecast = http::get_json(&url)?;
        if !forecast.is_consistent() {
            return Err(Error::Upstream(format!(
                "{url} sent arrays of different lengths"
            )));
        }
        if forecast.utc_offset_seconds.unsigned_abs() > MAX_UTC_OFFSET_SECONDS {
            return Err(Error::Upstream(format!(
                "{url} sent a UTC offset of {} seconds, more than a day",
                forecast.utc_offset_seconds
            )));
        }
        Ok(forecast)
    })
}

/// Answers kept in kv for `ttl_ms`, so that a question asked again soon makes no request.
pub struct Cache {
    pub now_ms: i64,
    pub ttl_ms: i64,
}

/// A cached answer and when it was fetched.
#[derive(Serialize, Deserialize)]
struct Entry<T> {
    fetched_ms: i64,
    value: T,
}

impl Cache {
    /// The cached value under `key` while it is fresh, else `fetch()`'s, which is then cached.
    /// The cache is an optimisation: a kv failure is logged and the answer fetched anyway.
    fn get_or_fetch<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        fetch: impl FnOnce() -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.ttl_ms > 0
            && let Ok(Some(entry)) = kv::get_json::<Entry<T>>(key)
            && is_fresh(entry.fetched_ms, self.now_ms, self.ttl_ms)
        {
            return Ok(entry.value);
        }
        let value = fetch()?;
        if self.ttl_ms > 0 {
            let entry = Entry {
                fetched_ms: self.now_ms,
                value,
            };
            if let Err(e) = kv::set_json(key, &entry) {
                log::warn(&format!("could not cache {key}: {e}"));
            }
            return Ok(entry.value);
        }
        Ok(value)
    }
}

/// Whether something fetched at `fetched_ms` is still fresh at `now_ms`. A time in the future
/// (the clock went back) is not.
fn is_fresh(fetched_ms: i64, now_ms: i64, ttl_ms: i64) -> bool {
    fetched_ms <= now_ms && now_ms - fetched_ms < ttl_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn istanbul() -> Place {
        Place {
            name: "İstanbul".into(),
            latitude: 41.01384,
            longitude: 28.94966,
            country: Some("Türkiye".into()),
            admin1: None,
        }
    }

    #[test]
    fn geocoding_urls_escape_the_name() {
        assert_eq!(
            geocoding_url("https://geocoding-api.open-meteo.com", "İstanbul", "tr"),
            "https://geocoding-api.open-meteo.com/v1/search?name=%C4%B0stanbul&count=1&language=tr&format=json"
        );
        assert_eq!(
            geocoding_url("http://127.0.0.1:8080/", " New York&x=1 ", "en"),
            "http://127.0.0.1:8080/v1/search?name=New%20York%26x%3D1&count=1&language=en&format=json"
        );
    }

    #[test]
    fn forecast_urls_ask_for_what_the_skill_reads() {
        let metric = forecast_url("https://api.open-meteo.com", &istanbul(), Units::Metric);
        assert_eq!(
            metric,
            "https://api.open-meteo.com/v1/forecast?latitude=41.01384&longitude=28.94966\
             &current=temperature_2m,relative_humidity_2m,apparent_temperature,precipitation,weather_code,wind_speed_10m\
             &hourly=precipitation_probability,precipitation\
             &daily=weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max,precipitation_sum\
             &timezone=auto&forecast_days=7"
        );
        let imperial = forecast_url("http://127.0.0.1:9/", &istanbul(), Units::Imperial);
        assert!(imperial.starts_with("http://127.0.0.1:9/v1/forecast?latitude=41.01384&"));
        assert!(
            imperial.ends_with("&forecast_days=7&temperature_unit=fahrenheit&wind_speed_unit=mph")
        );
    }

    #[test]
    fn reads_open_meteo_answers() {
        let found: Geocoding = serde_json::from_str(
            r#"{"results":[{"id":745044,"name":"İstanbul","latitude":41.01384,"longitude":28.94966,
            "elevation":39.0,"feature_code":"PPLA","country_code":"TR","timezone":"Europe/Istanbul",
            "population":14804116,"country":"Türkiye","admin1":"İstanbul"}],"generationtime_ms":0.9}"#,
        )
        .unwrap();
        assert_eq!(found.results[0].name, "İstanbul");
        assert_eq!(found.results[0].latitude, 41.01384);
        let none: Geocoding = serde_json::from_str(r#"{"generationtime_ms":0.5}"#).unwrap();
        assert!(none.results.is_empty());

        let forecast: Forecast = serde_json::from_str(
            r#"{"latitude":41.0,"longitude":28.9375,"generationtime_ms":0.1,"utc_offset_seconds":10800,
            "timezone":"Europe/Istanbul","timezone_abbreviation":"GMT+3","elevation":39.0,
            "current_units":{"time":"iso8601","interval":"seconds","temperature_2m":"°C"},
            "current":{"time":"2026-11-23T13:45","interval":900,"temperature_2m":14.3,
              "relative_humidity_2m":72,"apparent_temperature":12.1,"precipitation":0.0,
              "weather_code":2,"wind_speed_10m":15.8},
            "hourly_units":{"time":"iso8601","precipitation_probability":"%","precipitation":"mm"},
            "hourly":{"time":["2026-11-23T00:00","2026-11-23T01:00"],
              "precipitation_probability":[5,null],"precipitation":[0.0,0.1]},
            "daily_units":{"time":"iso8601"},
            "daily":{"time":["2026-11-23"],"weather_code":[2],"temperature_2m_max":[16.2],
              "temperature_2m_min":[9.4],"precipitation_probability_max":[15],"precipitation_sum":[0.0]}}"#,
        )
        .unwrap();
        assert!(forecast.is_consistent());
        assert_eq!(forecast.current.temperature_2m, Some(14.3));
        assert_eq!(forecast.hourly.precipitation_probability, [Some(5.0), None]);
        let mut broken = forecast.clone();
        broken.daily.temperature_2m_min.clear();
        assert!(!broken.is_consistent());
    }

    #[test]
    fn freshness() {
        assert!(is_fresh(1_000, 1_000, 900_000));
        assert!(is_fresh(1_000, 900_999, 900_000));
        assert!(!is_fresh(1_000, 901_000, 900_000));
        assert!(!is_fresh(5_000, 1_000, 900_000));
    }
}
