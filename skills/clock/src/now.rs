//! The `now` command's answer, as a pure function of the time.
//!
//! It depends on chrono, chrono-tz and serde_json only, not on the SDK, because the host also
//! compiles this file natively (host/src/runtime/native.rs, behind the bench-only feature
//! `bench-native-clock`) to measure what the wasm boundary costs. Both then run the same code.

use chrono::{DateTime, Timelike};
use chrono_tz::Tz;

/// The reply text ("Saat 20:46." or "It's 20:46.") and the data object `{time, timezone, iso}`.
pub fn now(now: DateTime<Tz>, turkish: bool) -> (String, serde_json::Value) {
    let time = format!("{:02}:{:02}", now.hour(), now.minute());
    let text = if turkish {
        format!("Saat {time}.")
    } else {
        format!("It's {time}.")
    };
    let data = serde_json::json!({
        "time": time,
        "timezone": now.timezone().name(),
        "iso": now.to_rfc3339(),
    });
    (text, data)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::now;

    #[test]
    fn answers_in_both_languages_with_the_same_data() {
        let tz: chrono_tz::Tz = "Europe/Istanbul".parse().unwrap();
        let at = tz.with_ymd_and_hms(2026, 11, 23, 20, 46, 5).unwrap();
        let (tr, data) = now(at, true);
        assert_eq!(tr, "Saat 20:46.");
        assert_eq!(now(at, false).0, "It's 20:46.");
        assert_eq!(
            data,
            serde_json::json!({
                "time": "20:46",
                "timezone": "Europe/Istanbul",
                "iso": "2026-11-23T20:46:05+03:00",
            })
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(500),
            failure_persistence: None,
            ..Default::default()
        })]

        /// The clock reads nothing from the user; the one input is the instant and the zone,
        /// and any of them, in any IANA zone, gives an `HH:MM` answer.
        #[test]
        fn any_instant_in_any_zone_is_told(
            seconds in 0i64..253_402_300_799,
            zone in proptest::sample::select(chrono_tz::TZ_VARIANTS.to_vec()),
            turkish in proptest::bool::ANY,
        ) {
            let at = chrono::DateTime::from_timestamp(seconds, 0).unwrap().with_timezone(&zone);
            let (text, data) = now(at, turkish);
            let time = data["time"].as_str().unwrap();
            proptest::prop_assert!(text.contains(time), "{} {}", text, time);
            proptest::prop_assert_eq!(time.len(), 5);
        }
    }
}
