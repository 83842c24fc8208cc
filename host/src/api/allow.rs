//! `Allow` on every 405 (RFC 9110 §15.5.6): the methods the route the path matched accepts,
//! read from the OpenAPI document's paths and the few routes outside it (WebSocket, docs).

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// Routes outside the OpenAPI document, all `GET`.
const OTHER_GET_ROUTES: &[&str] = &[
    "/ws/chat",
    "/api-docs/openapi.json",
    "/api-docs/openapi.yaml",
];

/// One route: its segments (`None` for a `{param}`) and the `Allow` value it answers with.
#[derive(Debug)]
struct RouteMethods {
    segments: Vec<Option<String>>,
    allow: HeaderValue,
}

/// Adds `Allow` to the 405s of the layers inside it.
pub struct AllowHeader {
    routes: Arc<Vec<RouteMethods>>,
}

impl AllowHeader {
    /// `spec` is the OpenAPI document the routes serve.
    pub fn new(spec: &str) -> AllowHeader {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let mut routes = Vec::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            let methods: Vec<String> = item
                .as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            routes.push(RouteMethods::new(path, methods));
        }
        for path in OTHER_GET_ROUTES {
            routes.push(RouteMethods::new(path, vec!["GET".into()]));
        }
        AllowHeader {
            routes: Arc::new(routes),
        }
    }

    /// The `Allow` value for `path`: the route poem would match, which prefers a literal
    /// segment to a parameter at each level; `GET, HEAD` for the docs pages outside the table.
    fn allow(routes: &[RouteMethods], path: &str) -> HeaderValue {
        let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        routes
            .iter()
            .filter(|r| {
                r.segments.len() == wanted.len()
                    && r.segments
                        .iter()
                        .zip(&wanted)
                        .all(|(s, w)| s.as_deref().is_none_or(|s| s == *w))
            })
            .max_by_key(|r| r.segments.iter().map(Option::is_some).collect::<Vec<_>>())
            .map(|r| r.allow.clone())
            .unwrap_or(HeaderValue::from_static("GET, HEAD"))
    }
}

impl RouteMethods {
    fn new(path: &str, mut methods: Vec<String>) -> RouteMethods {
        // poem answers HEAD wherever it answers GET.
        if methods.iter().any(|m| m == "GET") && !methods.iter().any(|m| m == "HEAD") {
            methods.push("HEAD".into());
        }
        methods.sort();
        let segments = path
            .trim_end_matches('/')
            .split('/')
            .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
            .collect();
        RouteMethods {
            segments,
            allow: HeaderValue::from_str(&methods.join(", "))
                .unwrap_or(HeaderValue::from_static("GET, HEAD")),
        }
    }
}

impl<E: Endpoint> Middleware<E> for AllowHeader {
    type Output = AllowEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AllowEndpoint {
            inner,
            routes: self.routes.clone(),
        }
    }
}

pub struct AllowEndpoint<E> {
    inner: E,
    routes: Arc<Vec<RouteMethods>>,
}

impl<E: Endpoint> Endpoint for AllowEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let path = req.uri().path().to_owned();
        let mut response = self.inner.call(req).await?.into_response();
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            let allow = AllowHeader::allow(&self.routes, &path);
            response.headers_mut().insert(header::ALLOW, allow);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_poem_matches_names_the_methods() {
        let spec = r#"{"paths": {
            "/api/v1/skills/{name}": {"get": {}},
            "/api/v1/skills/reload": {"post": {}},
            "/api/v1/conversations/{id}": {"get": {}, "delete": {}}
        }}"#;
        let allow = AllowHeader::new(spec);
        let of = |path| AllowHeader::allow(&allow.routes, path);
        assert_eq!(of("/api/v1/skills/clock"), "GET, HEAD");
        assert_eq!(of("/api/v1/skills/reload"), "POST");
        assert_eq!(of("/api/v1/conversations/x"), "DELETE, GET, HEAD");
        assert_eq!(of("/ws/chat"), "GET, HEAD");
    }
}
