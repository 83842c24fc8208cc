//! The Bantz app (app/ in the repository): a phone-first web app served at `/app/`, with `/`
//! redirecting there. Every file is embedded in the binary from target/app, which `cargo xtask`
//! fills (`host/build.rs` creates it empty when it is missing, so the host always compiles);
//! nothing is fetched from elsewhere at run time. Every answer carries a strict content security
//! policy: scripts, styles and connections from this host only, and no inline script.

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The folder `cargo xtask` builds the app into, embedded at compile time.
#[derive(rust_embed::Embed)]
#[folder = "$CARGO_MANIFEST_DIR/../target/app"]
struct Assets;

/// Where the app lives.
pub const PREFIX: &str = "/app";

/// The content security policy of every page of the app.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; manifest-src 'self'; worker-src 'self'; font-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What an app answer says besides its body.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
];

/// The page `/app/` shows when the binary was built before the app was.
const NOT_BUILT: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Bantz: the app is not built</title></head><body>\
<h1>The app is not built</h1>\
<p>This binary was compiled before the Bantz app was. Run <code>cargo xtask serve</code>: it builds \
the app, then the host with the app inside.</p>\
<p>The API works without it: see <a href=\"/swagger-ui/\">/swagger-ui/</a>.</p></body></html>\n";

/// The app's routes in front of `inner`: `/` redirects to `/app/`, `/app/…` is an embedded file,
/// everything else goes on to `inner`.
pub struct WithApp<E>(pub E);

impl<E: Endpoint> Endpoint for WithApp<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let path = req.uri().path();
        let is_app = path == "/" || path == PREFIX || path.starts_with("/app/");
        if !is_app {
            return self.0.call(req).await.map(IntoResponse::into_response);
        }
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return Err(poem::Error::from_string(
                "the app's files are only read (GET or HEAD)",
                StatusCode::METHOD_NOT_ALLOWED,
            ));
        }
        if path == "/" || path == PREFIX {
            return Ok(Response::builder()
                .status(StatusCode::FOUND)
                .header(header::LOCATION, "/app/")
                .finish());
        }
        file(&path[PREFIX.len() + 1..])
    }
}

/// The embedded file at `rel` (below `/app/`), with its headers.
fn file(rel: &str) -> poem::Result<Response> {
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let built = Assets::get("index.html").is_some();
    let found = Assets::get(rel);
    let mut response = match (built, found) {
        (false, _) => Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .content_type("text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .body(NOT_BUILT),
        (true, None) => {
            return Err(poem::Error::from_string(
                format!("the app has no file {rel:?}"),
                StatusCode::NOT_FOUND,
            ));
        }
        (true, Some(file)) => {
            let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
            // The shell and the service worker must be looked at each time; the bundles are
            // named by their content hash, so they never change.
            let cache = if rel.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            Response::builder()
                .content_type(content_type(rel))
                .header(header::ETAG, etag)
                .header(header::CACHE_CONTROL, cache)
                .body(file.data.into_owned())
        }
    };
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    Ok(response)
}

/// The media type of an app file, by its extension.
fn content_type(rel: &str) -> &'static str {
    match rel.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_script_and_nothing_from_elsewhere() {
        let script = CSP
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(script, "script-src 'self'");
        assert!(!CSP.contains("unsafe"));
        assert!(!CSP.contains("http"));
    }

    #[test]
    fn files_get_their_media_type() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("assets/app-1a2b.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type("manifest.webmanifest"),
            "application/manifest+json"
        );
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
