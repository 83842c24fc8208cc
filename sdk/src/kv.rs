//! The skill's own durable key-value store, kept by the host (namespaced per skill).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::bindings::bantz::skill::host;

/// Reads raw bytes.
pub fn get(key: &str) -> Result<Option<Vec<u8>>, Error> {
    Ok(host::kv_get(key)?)
}

/// Writes raw bytes; durable once this returns.
pub fn set(key: &str, value: &[u8]) -> Result<(), Error> {
    Ok(host::kv_set(key, value)?)
}

/// Removes a key; a missing key is fine.
pub fn delete(key: &str) -> Result<(), Error> {
    Ok(host::kv_delete(key)?)
}

/// Lists keys that start with `prefix`, sorted.
pub fn keys(prefix: &str) -> Result<Vec<String>, Error> {
    Ok(host::kv_keys(prefix)?)
}

/// Reads a JSON value. A stored value that no longer fits `T` is an [`Error::Internal`].
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, Error> {
    match get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::Internal(format!("kv value {key:?} is not the expected JSON: {e}"))
        }),
    }
}

/// Writes a value as JSON.
pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<(), Error> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::Internal(e.to_string()))?;
    set(key, &bytes)
}
