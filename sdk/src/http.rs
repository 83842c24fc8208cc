//! Outbound HTTP through `wasi:http/outgoing-handler`.
//!
//! Only hosts the manifest declares with `Manifest::outbound_host` *and* the operator allows can
//! be reached; any other request fails with [`Error::Denied`] naming the host.

use serde::de::DeserializeOwned;

use crate::Error;
use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingRequest, Scheme,
};
use crate::bindings::wasi::io::streams::StreamError;

/// Largest response body [`get`] reads; larger bodies are an error rather than a surprise.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A response: status code and body.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The whole body.
    pub body: Vec<u8>,
}

/// GETs `url` (`http://` or `https://`) and returns the response, whatever its status.
pub fn get(url: &str) -> Result<Response, Error> {
    let (scheme, authority, path) = split_url(url)?;
    let headers = Fields::new();
    let _ = headers.append("accept", b"application/json");
    let request = OutgoingRequest::new(headers);
    let set = request.set_method(&Method::Get).is_ok()
        && request.set_scheme(Some(&scheme)).is_ok()
        && request.set_authority(Some(authority)).is_ok()
        && request.set_path_with_query(Some(&path)).is_ok();
    if !set {
        return Err(Error::Internal(format!(
            "cannot build a request for {url:?}"
        )));
    }
    let pending = outgoing_handler::handle(request, None).map_err(|e| upstream(url, &e))?;
    pending.subscribe().block();
    let response = pending
        .get()
        .ok_or_else(|| Error::Upstream(format!("no response from {url}")))?
        .map_err(|()| Error::Upstream(format!("response from {url} was already taken")))?
        .map_err(|e| upstream(url, &e))?;
    let status = response.status();
    let body = response
        .consume()
        .map_err(|()| Error::Upstream(format!("cannot read the body from {url}")))?;
    let bytes = read_body(&body, url)?;
    drop(body);
    Ok(Response {
        status,
        body: bytes,
    })
}

/// GETs `url` and parses a 2xx JSON body into `T`. Other statuses are [`Error::Upstream`].
pub fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, Error> {
    let response = get(url)?;
    if !(200..300).contains(&response.status) {
        return Err(Error::Upstream(format!(
            "{url} answered HTTP {}",
            response.status
        )));
    }
    serde_json::from_slice(&response.body)
        .map_err(|e| Error::Upstream(format!("{url} sent JSON of an unexpected shape: {e}")))
}

fn read_body(body: &IncomingBody, url: &str) -> Result<Vec<u8>, Error> {
    let stream = body
        .stream()
        .map_err(|()| Error::Upstream(format!("cannot read the body from {url}")))?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_BODY_BYTES {
                    return Err(Error::Upstream(format!(
                        "{url} sent more than {MAX_BODY_BYTES} bytes"
                    )));
                }
            }
            Err(StreamError::Closed) => return Ok(bytes),
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(Error::Upstream(format!(
                    "reading from {url} failed: {}",
                    e.to_debug_string()
                )));
            }
        }
    }
}

fn upstream(url: &str, e: &ErrorCode) -> Error {
    match e {
        ErrorCode::HttpRequestDenied => Error::Denied(format!(
            "the host did not allow a request to {}: it is not granted to this skill",
            authority_of(url)
        )),
        ErrorCode::DestinationIpProhibited => Error::Denied(format!(
            "the host did not allow a request to {}: it is a private address",
            authority_of(url)
        )),
        other => Error::Upstream(format!("request to {url} failed: {other:?}")),
    }
}

/// The `host[:port]` of `url`, or the URL itself when it has none.
fn authority_of(url: &str) -> &str {
    split_url(url).map(|(_, a, _)| a).unwrap_or(url)
}

fn split_url(url: &str) -> Result<(Scheme, &str, String), Error> {
    let invalid = || Error::Internal(format!("not an http(s) URL: {url:?}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return Err(invalid()),
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_owned()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_owned()),
    };
    if authority.is_empty() {
        return Err(invalid());
    }
    Ok((scheme, authority, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let (s, a, p) = split_url("https://api.example.com/v1/x?q=1").unwrap();
        assert!(matches!(s, Scheme::Https));
        assert_eq!((a, p.as_str()), ("api.example.com", "/v1/x?q=1"));
        let (s, a, p) = split_url("http://127.0.0.1:8080").unwrap();
        assert!(matches!(s, Scheme::Http));
        assert_eq!((a, p.as_str()), ("127.0.0.1:8080", "/"));
        let (_, a, p) = split_url("http://h?q=1").unwrap();
        assert_eq!((a, p.as_str()), ("h", "/?q=1"));
        assert!(split_url("ftp://x/").is_err());
        assert!(split_url("https:///path").is_err());
    }
}
