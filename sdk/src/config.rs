//! The skill's section of the operator's configuration (`[skills.<name>]` in bantz.toml).

use crate::bindings::bantz::skill::host;

/// The configured value of `key`, if any.
pub fn get(key: &str) -> Option<String> {
    host::config_get(key)
}

/// The configured value of `key`, or `default`.
pub fn get_or(key: &str, default: &str) -> String {
    get(key).unwrap_or_else(|| default.to_owned())
}
