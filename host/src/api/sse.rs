//! [`Sse`]: an event stream whose schema describes one event as it is sent, so that tools read
//! the document the way the stream is: `event` (its name, one of a known list), `id` and `data`
//! (a string that holds one JSON object of the stream's event type).
//!
//! poem-openapi documents an event stream as `{type: array, format: event-stream, items: T}`.
//! An OpenAPI 3.0 reader (schemathesis, for one) takes a `text/event-stream` response's schema
//! as the schema of each event instead: `{event, id, data}` with `data` a string. A 3.0 document
//! cannot say that `data` holds JSON of a given schema (`contentSchema` is 3.1), so the event
//! type is named in `data`'s description and kept in the components.

use futures_util::stream::BoxStream;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{EventStream, Payload};
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::types::{ToJSON, Type};

/// What a kind of event stream sends.
pub trait Events: Type + ToJSON + Send + 'static {
    /// The name of the schema of one event in the document, e.g. `ChatStreamSse`.
    const SCHEMA: &'static str;
    /// What one event is.
    const DESCRIPTION: &'static str;
    /// The names its `event:` lines carry.
    const NAMES: &'static [&'static str];
    /// Whether every event has an `id:`.
    const ALWAYS_ID: bool;
    /// What `data` holds.
    const DATA: &'static str;
}

/// An event stream of `E`s.
pub struct Sse<E: Events>(pub EventStream<BoxStream<'static, E>>);

impl<E: Events> Payload for Sse<E> {
    const CONTENT_TYPE: &'static str = "text/event-stream";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(E::SCHEMA.into())
    }

    fn register(registry: &mut Registry) {
        // The event type itself stays in the components: `data` holds one.
        E::register(registry);
        registry.create_schema::<Sse<E>, _>(E::SCHEMA.into(), |_| MetaSchema {
            rust_typename: Some(std::any::type_name::<Sse<E>>()),
            description: Some(E::DESCRIPTION),
            required: if E::ALWAYS_ID {
                vec!["event", "data", "id"]
            } else {
                vec!["event", "data"]
            },
            properties: vec![
                (
                    "event",
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        description: Some("The event's name: which kind of event `data` holds."),
                        enum_items: E::NAMES.iter().map(|n| (*n).into()).collect(),
                        ..MetaSchema::new("string")
                    })),
                ),
                (
                    "id",
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        description: Some("The event's id, a decimal number."),
                        pattern: Some("^[0-9]+$".into()),
                        ..MetaSchema::new("string")
                    })),
                ),
                (
                    "data",
                    MetaSchemaRef::Inline(Box::new(MetaSchema {
                        description: Some(E::DATA),
                        ..MetaSchema::new("string")
                    })),
                ),
            ],
            ..MetaSchema::new("object")
        });
    }
}

impl<E: Events> IntoResponse for Sse<E> {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl<E: Events> ApiResponse for Sse<E> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: E::DESCRIPTION,
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }
}
