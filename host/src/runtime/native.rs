//! Baseline B of the benchmarks (issue 8): `clock.now` answered by native code in the host, to
//! measure what the wasm boundary costs. Compiled only with the `bench-native-clock` feature,
//! which `cargo xtask bench` builds into a separate binary; a normal build has none of this.
//!
//! The answer itself is the clock skill's own source file, compiled natively, so the two sides
//! run the same formatting code. What is left out is exactly the wasm boundary: instantiating
//! the component, the call into it and the host calls it makes (`config-get`, the clock).
//! Everything around the call (the skill's slots, deadline, statistics) still runs in
//! `Runtime::run`.

#[path = "../../../skills/clock/src/now.rs"]
mod now;

use super::capabilities::Grants;
use super::{InvokeError, SkillReply};

/// The reply the clock skill gives for `now` in `locale`, with the skill's grants.
pub fn clock_now(grants: &Grants, locale: &str) -> Result<SkillReply, InvokeError> {
    // What the skill's `config::get_or("timezone", …)` gets from `config-get` (capabilities.rs):
    // its own section's value, else the user's timezone (Europe/Istanbul unless configured), so
    // the skill's own default never applies.
    let name = grants
        .settings
        .get("timezone")
        .unwrap_or_else(|| grants.timezone.to_string());
    let tz = name.parse::<chrono_tz::Tz>().map_err(|_| {
        InvokeError::Failed(format!(
            "the configured timezone {name:?} is not an IANA timezone name such as \"Europe/Istanbul\""
        ))
    })?;
    let (text, data) = now::now(chrono::Utc::now().with_timezone(&tz), locale == "tr");
    Ok(SkillReply {
        text,
        data: Some(data),
    })
}
