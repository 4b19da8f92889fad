//! The hook's input: one JSON object on stdin, read strictly. Duplicate keys
//! are refused (another reader might take the other value), and so are NUL
//! characters, deep nesting, invalid UTF-8 and more than 1 MiB.

use serde_json::Value;
use std::path::PathBuf;

pub const MAX_INPUT_BYTES: usize = 1_048_576;

/// The fields of a PreToolUse call the hook uses.
#[derive(Debug, Clone, PartialEq)]
pub struct HookInput {
    pub tool_name: String,
    pub tool_input: Value,
    pub cwd: PathBuf,
}

/// Reads a hook call, or says in one phrase why it cannot be read.
pub fn parse_input(bytes: &[u8]) -> Result<HookInput, String> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(format!("the input is larger than {MAX_INPUT_BYTES} bytes"));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| "the input is not valid UTF-8".to_string())?;
    if text.contains('\0') {
        return Err("the input holds a NUL character".into());
    }
    if text.trim().is_empty() {
        return Err("the input is empty".into());
    }
    let value = crate::json::parse_strict(text).map_err(|e| match e {
        crate::json::StrictError::Syntax(e) => format!("the input is not valid JSON ({e})"),
        crate::json::StrictError::TrailingText => {
            "the input has text after its JSON object".to_string()
        }
    })?;
    if holds_nul(&value) {
        return Err("the input holds a NUL character".into());
    }
    let object = value.as_object().ok_or("the input is not a JSON object")?;
    if let Some(event) = object.get("hook_event_name") {
        if event.as_str() != Some("PreToolUse") {
            return Err("hook_event_name is not PreToolUse".into());
        }
    }
    let tool_name = object
        .get("tool_name")
        .ok_or("the input has no tool_name")?
        .as_str()
        .ok_or("tool_name is not a string")?
        .to_string();
    let tool_input = object
        .get("tool_input")
        .ok_or("the input has no tool_input")?;
    if !tool_input.is_object() {
        return Err("tool_input is not an object".into());
    }
    let cwd = match object.get("cwd") {
        Some(Value::String(cwd)) if !cwd.is_empty() => PathBuf::from(cwd),
        Some(Value::String(_)) | None => {
            std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
        }
        Some(_) => return Err("cwd is not a string".into()),
    };
    Ok(HookInput {
        tool_name,
        tool_input: tool_input.clone(),
        cwd,
    })
}

fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty"),
            (b"not json", "not valid JSON"),
            (b"[]", "not a JSON object"),
            (b"{\"tool_name\":\"Bash\"}", "no tool_input"),
            (
                b"{\"tool_name\":1,\"tool_input\":{}}",
                "tool_name is not a string",
            ),
            (
                b"{\"tool_name\":\"Bash\",\"tool_input\":\"x\"}",
                "tool_input is not an object",
            ),
            (
                b"{\"tool_name\":\"Bash\",\"tool_name\":\"Read\",\"tool_input\":{}}",
                "duplicate key",
            ),
            (
                b"{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\x00\"}}",
                "NUL",
            ),
            (
                b"{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\\u0000\"}}",
                "NUL",
            ),
            (
                b"{\"tool_name\":\"Bash\",\"tool_input\":{}} {}",
                "after its JSON",
            ),
            (b"\xff\xfe", "UTF-8"),
            (
                b"{\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Bash\",\"tool_input\":{}}",
                "not PreToolUse",
            ),
        ];
        for (bytes, expected) in cases {
            let err = parse_input(bytes).unwrap_err();
            assert!(
                err.contains(expected),
                "{:?}: {err}",
                String::from_utf8_lossy(bytes)
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse_input(
            format!("{{\"tool_name\":\"Bash\",\"tool_input\":{{\"x\":{deep}}}}}").as_bytes()
        )
        .is_err());
        assert!(parse_input(&vec![b' '; MAX_INPUT_BYTES + 1])
            .unwrap_err()
            .contains("larger"));
    }

    #[test]
    fn a_good_call_reads() {
        let input = parse_input(br#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"},"cwd":"/tmp"}"#).unwrap();
        assert_eq!(input.tool_name, "Bash");
        assert_eq!(input.cwd, PathBuf::from("/tmp"));
    }
}
