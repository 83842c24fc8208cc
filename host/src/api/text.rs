//! Fields of request bodies that take exactly what the schema says, no more: the server must
//! refuse what its document refuses.
//!
//! - [`Text`]: a string, and only a string. poem-openapi's `String` also takes a number or a
//!   boolean and turns it into text (`{"input": -1.9e16}` becomes `"-19000000000000000"`).
//! - [`Omittable`]: a field that may be left out, but not sent as `null`. poem-openapi's
//!   `Option` also takes `null`, which a schema without `nullable` does not allow.
//! - [`JsonObject`]: a JSON object, typed `object` in the schema.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// A JSON object in a request body (`args`): its schema says `type: object`, and anything else
/// is refused as the schema refuses it.
pub type JsonObject = std::collections::BTreeMap<String, Value>;

/// A JSON string, and nothing else, in a request body. Its schema is `String`'s, so
/// validators (`min_length`, `max_length`, `pattern`) apply as to a `String`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Text {
    /// The text.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(s.to_owned())
    }
}

impl Type for Text {
    const IS_REQUIRED: bool = true;

    type RawValueType = String;

    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        String::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        String::schema_ref()
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(s) => Ok(Text(s)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

/// The `pattern` of a text with at least one character that is not white space (the Unicode
/// `White_Space` characters, which Rust's `char::is_whitespace` also names).
pub const NOT_BLANK_PATTERN: &str =
    r"[^\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// A [`Text`] whose schema also says [`NOT_BLANK_PATTERN`]; a field of it is checked with the
/// [`NotBlank`] validator (`#[oai(validator(custom = "NotBlank"))]`). poem-openapi's own
/// `pattern` validator compiles its regular expression again for every request, and for this
/// one, a negated Unicode class, that was most of what a chat cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NonBlank(pub Text);

impl NonBlank {
    /// The text.
    pub fn into_string(self) -> String {
        self.0.0
    }
}

impl std::ops::Deref for NonBlank {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for NonBlank {
    fn from(s: &str) -> NonBlank {
        NonBlank(s.into())
    }
}

impl Type for NonBlank {
    const IS_REQUIRED: bool = true;

    type RawValueType = String;

    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        String::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("string");
        schema.pattern = Some(NOT_BLANK_PATTERN.to_owned());
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&String> {
        self.0.as_raw_value()
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        self.0.raw_element_iter()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for NonBlank {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Text::parse_from_json(value)
            .map(NonBlank)
            .map_err(ParseError::propagate)
    }
}

impl ToJSON for NonBlank {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

/// The check of [`NOT_BLANK_PATTERN`], without a regular expression; it reads as the `pattern`
/// validator does in an error.
pub struct NotBlank;

impl std::fmt::Display for NotBlank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pattern(\"{NOT_BLANK_PATTERN}\")")
    }
}

impl poem_openapi::validation::Validator<String> for NotBlank {
    fn check(&self, value: &String) -> bool {
        value.chars().any(|c| !c.is_whitespace())
    }
}

/// A request field that may be left out, but is never `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct Omittable<T>(pub Option<T>);

impl<T> Default for Omittable<T> {
    fn default() -> Self {
        Omittable(None)
    }
}

impl<T: Type> Type for Omittable<T> {
    const IS_REQUIRED: bool = false;

    type RawValueType = T::RawValueType;

    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        format!("optional_{}", T::name()).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_ref().and_then(Type::as_raw_value)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        match &self.0 {
            Some(value) => value.raw_element_iter(),
            None => Box::new(std::iter::empty()),
        }
    }

    fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

impl<T: ParseFromJSON> ParseFromJSON for Omittable<T> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            None => Ok(Omittable(None)),
            Some(Value::Null) => Err(ParseError::custom(
                "null is not a value here: leave the field out instead",
            )),
            Some(value) => T::parse_from_json(Some(value))
                .map(|v| Omittable(Some(v)))
                .map_err(ParseError::propagate),
        }
    }
}

impl<T: ToJSON> ToJSON for Omittable<T> {
    fn to_json(&self) -> Option<Value> {
        self.0.as_ref().and_then(ToJSON::to_json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_json_string_is_text() {
        let parsed = Text::parse_from_json(Some(Value::String("saat kaç".into()))).unwrap();
        assert_eq!(&*parsed, "saat kaç");
        for value in [
            serde_json::json!(-1.9e16),
            serde_json::json!(true),
            serde_json::json!(null),
            serde_json::json!(["a"]),
        ] {
            let error = Text::parse_from_json(Some(value.clone())).unwrap_err();
            assert!(
                error
                    .message()
                    .starts_with("Expected input type \"string\""),
                "{value}: {}",
                error.message()
            );
        }
    }

    #[test]
    fn an_omittable_field_may_be_missing_but_not_null() {
        let missing = Omittable::<bool>::parse_from_json(None).unwrap();
        assert_eq!(missing, Omittable(None));
        let given = Omittable::<bool>::parse_from_json(Some(Value::Bool(true))).unwrap();
        assert_eq!(given, Omittable(Some(true)));
        assert!(Omittable::<bool>::parse_from_json(Some(Value::Null)).is_err());
    }
}
