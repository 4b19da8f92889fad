//! pg-hook for every coding agent: each agent's pre-tool call is turned into
//! the Claude Code `PreToolUse` shape [`decide`] reads, and its decision is
//! answered in that agent's own shape and exit code.
//!
//! The agent is named by the registered command (`pg-hook --agent NAME`),
//! never guessed from the payload. Allow is always "no decision" — the
//! agent's own permission flow still runs. Where the agent cannot ask a human
//! (or its `ask` fails open), an ask becomes a denial that tells the human how
//! to run the command themselves. Anything unreadable blocks, in the agent's
//! terms. The contracts, with their sources, are in docs/agents.md.

use super::{decide, Decision, HookRule, Problem, MAX_INPUT_BYTES};
use crate::exit::HookExit;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// The coding agents pg-hook speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
    Gemini,
    Copilot,
    Cursor,
}

impl Agent {
    pub const ALL: &'static [Agent] = &[
        Agent::Claude,
        Agent::Codex,
        Agent::Gemini,
        Agent::Copilot,
        Agent::Cursor,
    ];

    /// The name used on the command line (`--agent NAME`).
    pub const fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Copilot => "copilot",
            Agent::Cursor => "cursor",
        }
    }

    /// The product's name, for messages.
    pub const fn title(self) -> &'static str {
        match self {
            Agent::Claude => "Claude Code",
            Agent::Codex => "Codex CLI",
            Agent::Gemini => "Gemini CLI",
            Agent::Copilot => "GitHub Copilot CLI",
            Agent::Cursor => "Cursor",
        }
    }

    pub fn from_name(name: &str) -> Option<Agent> {
        Agent::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Whether pg-hook answers an ask with the agent's `ask`. Codex parses
    /// `ask` but treats it as a failed hook and runs the tool; Gemini's docs
    /// have no `ask` (its code accepts one only since 0.36, older versions
    /// run the tool); Cursor's `ask` is reported ignored in one auto-run
    /// mode. For those a denial is the only answer that cannot fail open.
    pub const fn can_ask(self) -> bool {
        matches!(self, Agent::Claude | Agent::Copilot)
    }
}

/// What pg-hook prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub code: HookExit,
}

/// Which of an agent's input shapes a call came in (Copilot CLI sends
/// camelCase to `preToolUse` hooks and Claude Code's snake_case to
/// `PreToolUse` ones, and expects the matching answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Native,
    ClaudeCompatible,
}

/// Answers one hook call from `agent`.
pub fn answer(agent: Agent, bytes: &[u8]) -> Answer {
    match translate(agent, bytes) {
        Ok((claude_call, shape)) => render(agent, shape, &decide(&claude_call)),
        Err(why) => render(agent, Shape::Native, &malformed(why)),
    }
}

fn malformed(detail: impl Into<String>) -> Decision {
    Decision::Block(Problem {
        rule: HookRule::MalformedInput,
        detail: detail.into(),
    })
}

/// The answer when pg-hook itself failed (a caught panic, unreadable stdin).
pub fn failure(agent: Agent, detail: &str) -> Answer {
    render(agent, Shape::Native, &malformed(detail))
}

/// Reads an agent's call strictly and rewrites it as a Claude Code call.
pub fn translate(agent: Agent, bytes: &[u8]) -> Result<(Vec<u8>, Shape), String> {
    if agent == Agent::Claude {
        return Ok((bytes.to_vec(), Shape::Native));
    }
    let object = read_object(bytes)?;
    let (call, shape) = match agent {
        Agent::Claude | Agent::Codex => (codex(&object)?, Shape::Native),
        Agent::Gemini => (gemini(&object)?, Shape::Native),
        Agent::Copilot => copilot(&object)?,
        Agent::Cursor => (cursor(&object)?, Shape::Native),
    };
    serde_json::to_vec(&call)
        .map(|call| (call, shape))
        .map_err(|e| format!("cannot rewrite the call: {e}"))
}

/// The same strict reading as Claude Code calls get: size, UTF-8, duplicate
/// keys, trailing text; the rewritten call is then checked again by `decide`.
fn read_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(format!("the input is larger than {MAX_INPUT_BYTES} bytes"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "the input is not valid UTF-8")?;
    if text.contains('\0') {
        return Err("the input holds a NUL character".into());
    }
    if text.trim().is_empty() {
        return Err("the input is empty".into());
    }
    match crate::json::parse_strict(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("the input is not a JSON object".into()),
        Err(e) => Err(format!("the input is not valid JSON ({e})")),
    }
}

fn string<'a>(object: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{key} is not a string")),
    }
}

fn required<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    string(object, key)?.ok_or_else(|| format!("the input has no {key}"))
}

fn event(object: &Map<String, Value>, expected: &[&str]) -> Result<(), String> {
    let event = required(object, "hook_event_name")?;
    if expected.contains(&event) {
        Ok(())
    } else {
        Err(format!(
            "hook_event_name is {event:?}, not {}",
            expected.join(" or ")
        ))
    }
}

/// Tool arguments given as an object or as a JSON text holding one.
fn arguments(value: Option<&Value>, key: &str) -> Result<Value, String> {
    match value {
        Some(Value::Object(_)) => Ok(value.cloned().unwrap_or_default()),
        Some(Value::String(text)) => match crate::json::parse_strict(text) {
            Ok(object @ Value::Object(_)) => Ok(object),
            Ok(_) => Err(format!("{key} does not hold a JSON object")),
            Err(e) => Err(format!("{key} is not valid JSON ({e})")),
        },
        Some(_) => Err(format!("{key} is not an object")),
        None => Err(format!("the input has no {key}")),
    }
}

/// An MCP server's name as Claude Code would spell it: letters, digits and
/// single hyphens, so `__` inside it cannot shift the tool part.
fn mcp_name(server: &str, tool: &str) -> String {
    let clean = |s: &str| -> String {
        let words: Vec<&str> = s
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            "unnamed".to_string()
        } else {
            words.join("-")
        }
    };
    format!("mcp__{}__{}", clean(server), clean(tool))
}

fn claude_call(tool_name: &str, tool_input: Value, cwd: Option<PathBuf>) -> Value {
    let mut call = json!({
        "hook_event_name": "PreToolUse",
        "tool_name": tool_name,
        "tool_input": tool_input,
    });
    if let (Some(cwd), Some(map)) = (cwd, call.as_object_mut()) {
        map.insert("cwd".into(), json!(cwd));
    }
    call
}

fn cwd(object: &Map<String, Value>) -> Result<Option<PathBuf>, String> {
    Ok(string(object, "cwd")?
        .filter(|c| !c.is_empty())
        .map(PathBuf::from))
}

/// Codex CLI sends Claude Code's own shape: `Bash`, `apply_patch`,
/// `mcp__server__tool`.
fn codex(object: &Map<String, Value>) -> Result<Value, String> {
    event(object, &["PreToolUse"])?;
    let tool = required(object, "tool_name")?;
    let input = arguments(object.get("tool_input"), "tool_input")?;
    Ok(claude_call(tool, input, cwd(object)?))
}

/// Gemini CLI: `BeforeTool`, the shell is `run_shell_command` (with an
/// optional `dir_path` it runs in), MCP tools are `mcp_<server>_<tool>`
/// with the real names in `mcp_context`.
fn gemini(object: &Map<String, Value>) -> Result<Value, String> {
    event(object, &["BeforeTool"])?;
    let tool = required(object, "tool_name")?;
    let input = arguments(object.get("tool_input"), "tool_input")?;
    let mut dir = cwd(object)?;
    let name = if tool == "run_shell_command" {
        if let Some(sub) = input.get("dir_path") {
            let sub = sub.as_str().ok_or("dir_path is not a string")?;
            let base = dir.unwrap_or_default();
            dir = Some(base.join(sub));
        }
        "Bash".to_string()
    } else if let Some(rest) = tool.strip_prefix("mcp_") {
        let context = object.get("mcp_context").and_then(Value::as_object);
        let field = |key: &str| context.and_then(|c| c.get(key)).and_then(Value::as_str);
        // Without the context the server cannot be told from the tool
        // (both may hold `_`): the whole name stands for the server, so
        // every word of it is matched against the database servers.
        mcp_name(
            field("server_name").unwrap_or(rest),
            field("tool_name").unwrap_or(rest),
        )
    } else {
        tool.to_string()
    };
    Ok(claude_call(&name, input, dir))
}

/// GitHub Copilot CLI: camelCase `{toolName, toolArgs}` (the arguments as
/// a JSON text) for `preToolUse` hooks, Claude Code's snake_case for
/// `PreToolUse` ones; the shell is `bash` or `powershell`, MCP tools are
/// `<server>-<tool>`.
fn copilot(object: &Map<String, Value>) -> Result<(Value, Shape), String> {
    let (shape, tool, input) = if object.contains_key("toolName") {
        let tool = required(object, "toolName")?;
        (
            Shape::Native,
            tool,
            arguments(object.get("toolArgs"), "toolArgs")?,
        )
    } else {
        event(object, &["PreToolUse", "preToolUse"])?;
        let tool = required(object, "tool_name")?;
        let input = arguments(object.get("tool_input"), "tool_input")?;
        (Shape::ClaudeCompatible, tool, input)
    };
    let name = match tool {
        "bash" | "Bash" => "Bash".to_string(),
        "powershell" | "PowerShell" => "PowerShell".to_string(),
        name if name.starts_with("mcp__") => name.to_string(),
        // Built-in tools are single words; `-` marks an MCP server's tool,
        // and since a server's key may hold `-` too, the whole name stands
        // for the server.
        name if name.contains('-') => mcp_name(name, name),
        name => name.to_string(),
    };
    Ok((claude_call(&name, input, cwd(object)?), shape))
}

/// Cursor: `beforeShellExecution {command, cwd}` and `beforeMCPExecution
/// {tool_name, tool_input (a JSON text), url | command}`. The MCP call does
/// not name its server, so the server's URL or command stands for it.
fn cursor(object: &Map<String, Value>) -> Result<Value, String> {
    let event_name = required(object, "hook_event_name")?;
    let root = object
        .get("workspace_roots")
        .and_then(Value::as_array)
        .and_then(|roots| roots.first())
        .and_then(Value::as_str)
        .map(PathBuf::from);
    let dir = cwd(object)?.or(root);
    match event_name {
        "beforeShellExecution" => {
            let command = required(object, "command")?;
            Ok(claude_call("Bash", json!({"command": command}), dir))
        }
        "beforeMCPExecution" => {
            let tool = required(object, "tool_name")?;
            let input = arguments(object.get("tool_input"), "tool_input")?;
            let server = match string(object, "server")? {
                Some(server) => server,
                None => match string(object, "url")? {
                    Some(url) => url,
                    None => string(object, "command")?.unwrap_or_default(),
                },
            };
            Ok(claude_call(&mcp_name(server, tool), input, dir))
        }
        other => Err(format!(
            "hook_event_name is {other:?}, not beforeShellExecution or beforeMCPExecution"
        )),
    }
}

/// The reason an agent without a usable `ask` gives instead.
fn cannot_ask(agent: Agent) -> Problem {
    Problem {
        rule: HookRule::AgentConfirm,
        detail: format!(
            "this call needs a human's approval (`pg-query --confirm` runs destructive statements; `dev-postgres trust` approves a configuration), and {} hooks cannot ask for it: ask the user to run the command themselves, in their own terminal",
            agent.title()
        ),
    }
}

/// Writes a decision in the agent's shape.
pub fn render(agent: Agent, shape: Shape, decision: &Decision) -> Answer {
    let decision = match decision {
        Decision::Ask(_) if !agent.can_ask() => Decision::Block(cannot_ask(agent)),
        other => other.clone(),
    };
    let quiet = |stdout: String| Answer {
        stdout,
        stderr: String::new(),
        code: HookExit::Proceed,
    };
    match decision {
        Decision::Allow => match agent {
            // An empty object is "no decision": with `failClosed` an empty
            // stdout may count as a failed hook.
            Agent::Cursor => quiet("{}".into()),
            _ => quiet(String::new()),
        },
        Decision::Block(problem) => {
            let reason = Decision::block_message(&problem);
            match (agent, shape) {
                (Agent::Claude | Agent::Codex, _) => Answer {
                    stdout: String::new(),
                    stderr: reason,
                    code: HookExit::Block,
                },
                (Agent::Gemini, _) => {
                    quiet(json!({"decision": "deny", "reason": reason}).to_string())
                }
                (Agent::Copilot, Shape::Native) => quiet(
                    json!({"permissionDecision": "deny", "permissionDecisionReason": reason})
                        .to_string(),
                ),
                (Agent::Copilot, Shape::ClaudeCompatible) => quiet(
                    json!({"hookSpecificOutput": {
                        "hookEventName": "PreToolUse",
                        "permissionDecision": "deny",
                        "permissionDecisionReason": reason,
                    }})
                    .to_string(),
                ),
                (Agent::Cursor, _) => quiet(
                    json!({"permission": "deny", "user_message": reason, "agent_message": reason})
                        .to_string(),
                ),
            }
        }
        Decision::Ask(reason) => match (agent, shape) {
            (Agent::Copilot, Shape::Native) => quiet(
                json!({"permissionDecision": "ask", "permissionDecisionReason": reason})
                    .to_string(),
            ),
            _ => quiet(Decision::ask_json(&reason)),
        },
    }
}

/// The agent named by pg-hook's arguments: none means Claude Code.
pub fn agent_from_args(args: &[String]) -> Result<Agent, String> {
    let names = || {
        Agent::ALL
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = match args {
        [] => return Ok(Agent::Claude),
        [flag, name] if flag == "--agent" => name.as_str(),
        [one] => match one.strip_prefix("--agent=") {
            Some(name) => name,
            None => {
                return Err(format!(
                    "unknown argument {one:?}: use --agent NAME ({})",
                    names()
                ))
            }
        },
        _ => return Err(format!("usage: pg-hook [--agent NAME] ({})", names())),
    };
    Agent::from_name(name).ok_or_else(|| format!("unknown agent {name:?}: one of {}", names()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn rewrite(agent: Agent, call: Value) -> Value {
        let (bytes, _) = translate(agent, call.to_string().as_bytes()).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn agent_names_round_trip_and_only_the_named_agent_is_chosen() {
        for agent in Agent::ALL {
            assert_eq!(Agent::from_name(agent.name()), Some(*agent));
        }
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(agent_from_args(&args(&[])), Ok(Agent::Claude));
        assert_eq!(
            agent_from_args(&args(&["--agent", "gemini"])),
            Ok(Agent::Gemini)
        );
        assert_eq!(
            agent_from_args(&args(&["--agent=cursor"])),
            Ok(Agent::Cursor)
        );
        assert!(agent_from_args(&args(&["--agent", "vim"])).is_err());
        assert!(agent_from_args(&args(&["--agent"])).is_err());
        assert!(agent_from_args(&args(&["codex"])).is_err());
    }

    #[test]
    fn shell_tools_become_bash() {
        let gemini = rewrite(
            Agent::Gemini,
            json!({"hook_event_name": "BeforeTool", "tool_name": "run_shell_command", "tool_input": {"command": "ls", "dir_path": "sub"}, "cwd": "/p"}),
        );
        assert_eq!(gemini["tool_name"], "Bash");
        assert_eq!(gemini["cwd"], "/p/sub");
        let copilot = rewrite(
            Agent::Copilot,
            json!({"timestamp": 1, "cwd": "/p", "toolName": "bash", "toolArgs": "{\"command\":\"ls\"}"}),
        );
        assert_eq!(copilot["tool_name"], "Bash");
        assert_eq!(copilot["tool_input"]["command"], "ls");
        let cursor = rewrite(
            Agent::Cursor,
            json!({"hook_event_name": "beforeShellExecution", "command": "ls", "cwd": "", "workspace_roots": ["/w"]}),
        );
        assert_eq!(cursor["tool_name"], "Bash");
        assert_eq!(cursor["cwd"], "/w");
    }

    #[test]
    fn mcp_tools_get_claude_code_names() {
        let gemini = rewrite(
            Agent::Gemini,
            json!({"hook_event_name": "BeforeTool", "tool_name": "mcp_postgres_query", "tool_input": {"sql": "x"}, "mcp_context": {"server_name": "postgres", "tool_name": "query"}}),
        );
        assert_eq!(gemini["tool_name"], "mcp__postgres__query");
        let bare = rewrite(
            Agent::Gemini,
            json!({"hook_event_name": "BeforeTool", "tool_name": "mcp_my_db_query", "tool_input": {}}),
        );
        assert_eq!(bare["tool_name"], "mcp__my-db-query__my-db-query");
        let copilot = rewrite(
            Agent::Copilot,
            json!({"toolName": "postgres-execute_sql", "toolArgs": {"sql": "x"}}),
        );
        assert_eq!(
            copilot["tool_name"],
            "mcp__postgres-execute-sql__postgres-execute-sql"
        );
        let cursor = rewrite(
            Agent::Cursor,
            json!({"hook_event_name": "beforeMCPExecution", "tool_name": "query", "tool_input": "{\"sql\": \"x\"}", "command": "npx -y @modelcontextprotocol/server-postgres"}),
        );
        assert_eq!(
            cursor["tool_name"],
            "mcp__npx-y-modelcontextprotocol-server-postgres__query"
        );
        assert_eq!(cursor["tool_input"]["sql"], "x");
        let codex = rewrite(
            Agent::Codex,
            json!({"hook_event_name": "PreToolUse", "tool_name": "mcp__pg__query", "tool_input": {"sql": "x"}}),
        );
        assert_eq!(codex["tool_name"], "mcp__pg__query");
    }

    #[test]
    fn unreadable_calls_are_refused_with_a_reason() {
        let cases: &[(Agent, &str, &str)] = &[
            (
                Agent::Gemini,
                r#"{"hook_event_name":"AfterTool","tool_name":"x","tool_input":{}}"#,
                "not BeforeTool",
            ),
            (
                Agent::Gemini,
                r#"{"hook_event_name":"BeforeTool","tool_name":"x","tool_name":"y","tool_input":{}}"#,
                "duplicate",
            ),
            (
                Agent::Codex,
                r#"{"hook_event_name":"PreToolUse","tool_name":"Bash"}"#,
                "no tool_input",
            ),
            (
                Agent::Copilot,
                r#"{"toolName":"bash","toolArgs":"not json"}"#,
                "toolArgs is not valid JSON",
            ),
            (
                Agent::Copilot,
                r#"{"toolName":"bash","toolArgs":"[1]"}"#,
                "does not hold a JSON object",
            ),
            (
                Agent::Cursor,
                r#"{"hook_event_name":"stop"}"#,
                "not beforeShellExecution",
            ),
            (
                Agent::Cursor,
                r#"{"hook_event_name":"beforeShellExecution","command":7}"#,
                "command is not a string",
            ),
            (Agent::Cursor, "[]", "not a JSON object"),
        ];
        for (agent, input, expected) in cases {
            let err = translate(*agent, input.as_bytes()).unwrap_err();
            assert!(err.contains(expected), "{agent:?} {input}: {err}");
        }
    }

    #[test]
    fn allow_is_never_an_explicit_allow() {
        for agent in Agent::ALL {
            let out = render(*agent, Shape::Native, &Decision::Allow);
            assert_eq!(out.code, HookExit::Proceed);
            assert!(!out.stdout.contains("allow"), "{agent:?}: {}", out.stdout);
        }
    }

    #[test]
    fn agents_that_cannot_ask_deny_with_what_the_human_can_do() {
        for agent in Agent::ALL {
            let out = render(*agent, Shape::Native, &Decision::Ask("why".into()));
            let text = format!("{}{}", out.stdout, out.stderr);
            if agent.can_ask() {
                assert!(text.contains("\"ask\""), "{agent:?}: {text}");
            } else {
                assert!(!text.contains("\"ask\""), "{agent:?}: {text}");
                assert!(text.contains("[agent-confirm]"), "{agent:?}: {text}");
                assert!(
                    text.contains("run the command themselves"),
                    "{agent:?}: {text}"
                );
            }
        }
    }
}
