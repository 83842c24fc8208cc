//! Log lines, written to the host's log with the skill's name.

use crate::bindings::bantz::skill::host;
use crate::bindings::bantz::skill::types::LogLevel;

/// Logs at debug level.
pub fn debug(message: &str) {
    host::log(LogLevel::Debug, message);
}

/// Logs at info level.
pub fn info(message: &str) {
    host::log(LogLevel::Info, message);
}

/// Logs at warn level.
pub fn warn(message: &str) {
    host::log(LogLevel::Warn, message);
}

/// Logs at error level.
pub fn error(message: &str) {
    host::log(LogLevel::Error, message);
}
