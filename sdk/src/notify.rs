//! Proactive notifications to the user's devices. Needs `Manifest::notifies()`.

use serde::Serialize;

use crate::Error;
use crate::bindings::bantz::skill::host;
use crate::bindings::bantz::skill::types::Notification;

/// Sends a notification of `kind` (clients see `skill.<name>.<kind>`); returns its id.
pub fn send(kind: &str, title: &str, body: &str) -> Result<u64, Error> {
    send_with_data(kind, title, body, None::<&()>)
}

/// Sends a notification with a structured payload.
pub fn send_with_data<T: Serialize>(
    kind: &str,
    title: &str,
    body: &str,
    data: Option<&T>,
) -> Result<u64, Error> {
    let data = match data {
        Some(d) => Some(serde_json::to_string(d).map_err(|e| Error::Internal(e.to_string()))?),
        None => None,
    };
    Ok(host::notify(&Notification {
        kind: kind.into(),
        title: title.into(),
        body: body.into(),
        data,
    })?)
}

/// Sends a notification at most once per `key` for this skill, and returns its id; calling it
/// again with the same key sends nothing and returns the first one's id. Use it for what must
/// neither repeat nor be lost: send, then record in kv that it was sent.
pub fn send_once(key: &str, kind: &str, title: &str, body: &str) -> Result<u64, Error> {
    Ok(host::notify_once(
        key,
        &Notification {
            kind: kind.into(),
            title: title.into(),
            body: body.into(),
            data: None,
        },
    )?)
}
