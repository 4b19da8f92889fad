//! JSON read strictly: a key given twice is an error, not "the last one
//! wins" — another reader (or a human reviewing the file) might take the
//! other value. Used for the hook's input, the configuration, the trust
//! store and the install record.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Why a text is not strict JSON.
#[derive(Debug)]
pub enum StrictError {
    /// Not JSON, or a duplicate key (serde's message names it and its line).
    Syntax(serde_json::Error),
    /// Text after the value.
    TrailingText,
}

impl fmt::Display for StrictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrictError::Syntax(e) => write!(f, "{e}"),
            StrictError::TrailingText => f.write_str("text after the JSON value"),
        }
    }
}

/// Parses one JSON value, refusing duplicate keys at any depth.
pub fn parse_strict(text: &str) -> Result<Value, StrictError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let Strict(value) = Strict::deserialize(&mut deserializer).map_err(StrictError::Syntax)?;
    deserializer.end().map_err(|_| StrictError::TrailingText)?;
    Ok(value)
}

/// A JSON value that refuses duplicate keys.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key \"{key}\"")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_an_error_at_any_depth() {
        let e = parse_strict(r#"{"mode": "read-only", "mode": "read-write"}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate key \"mode\""), "{e}");
        let nested = r#"{"connections": {"dev": {"mode": "read-only", "x": 1, "mode": "dml"}}}"#;
        assert!(parse_strict(nested).is_err());
        assert!(parse_strict(r#"[{"a": 1}, {"a": 2}]"#).is_ok());
    }

    #[test]
    fn text_after_the_value_is_an_error() {
        assert!(matches!(
            parse_strict("{} {}"),
            Err(StrictError::TrailingText)
        ));
        assert_eq!(
            parse_strict(" {\"a\": [1, 2.5, null, true]} ").unwrap()["a"][1],
            2.5
        );
    }
}
