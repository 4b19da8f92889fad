#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
//! Property tests for pg-hook's input reading and shell analysis, over
//! mutated corpus commands and mutated raw JSON. A quick run is part of every
//! `cargo test`; `DEV_POSTGRES_FUZZ_SECONDS` sets the long run's length.
use devpg_policy::hook::{decide, Decision, HookRule};
use devpg_testing::corpus::text_cases;
use devpg_testing::fuzz::Rng;
use devpg_testing::repo_root;
use std::time::{Duration, Instant};

const PIECES: &[&str] = &[
    "psql",
    "pg_dump",
    "'",
    "\"",
    "$(",
    ")",
    "`",
    "${",
    "}",
    "$'\\x70'",
    "\\",
    "\n",
    "|",
    "||",
    "&&",
    ";",
    "&",
    "<<EOF\n",
    "\nEOF\n",
    "<<<",
    ">",
    "<(",
    "{",
    ",",
    "*",
    "?",
    "[",
    "]",
    "sh -c ",
    "eval ",
    "sudo ",
    "env X=1 ",
    "=",
    "#",
    "~",
    "postgres://",
    "!",
    "((",
    "))",
    "if ",
    "then ",
    "fi",
    "for x in ",
    "do ",
    "done",
    "case ",
    "esac",
    "\\\n",
    "$X",
    "npx ",
    "uv run ",
    "tmux new -d ",
    "ps$()ql",
    "{p..p}",
    "+=",
    "IFS=",
    "declare -n ",
    "${!x}",
    "pwsh -c ",
    ".dev-postgres.json",
    "~/.pgpass",
    "tee ",
    "sed -i ",
    "psycopg2",
    "require('pg')",
    "# C:\\\n",
    "--to-command=",
];

fn seeds() -> Vec<String> {
    let corpus = repo_root().join("tests/corpus/hook");
    ["block", "allow", "ask"]
        .iter()
        .flat_map(|v| text_cases(&corpus.join(v)))
        .map(|(_, _, c)| c)
        .collect()
}

fn mutate(rng: &mut Rng, seeds: &[String]) -> String {
    let mut chars: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
    for _ in 0..1 + rng.below(5) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 => chars
                .splice(at..at, PIECES[rng.below(PIECES.len())].chars())
                .for_each(drop),
            1 if !chars.is_empty() => {
                let end = (at + 1 + rng.below(6)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            2 => {
                let other: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
                chars.splice(at..at, other).for_each(drop);
            }
            _ => chars
                .splice(
                    at..at,
                    [char::from_u32(rng.below(0x80) as u32).unwrap_or(' ')],
                )
                .for_each(drop),
        }
    }
    chars.into_iter().collect()
}

fn call_tool(tool: &str, input: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "hook_event_name": "PreToolUse", "tool_name": tool,
        "tool_input": input, "cwd": repo_root().join("tests/corpus/hook/project"),
    }))
    .unwrap()
}

fn call(command: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": command}, "cwd": repo_root().join("tests/corpus/hook/project"),
    }))
    .unwrap()
}

/// Never a panic; a command that holds a connection URI is never allowed;
/// whatever a command is, following it with an unknown program given a
/// mention blocks (the inverted default); PowerShell never panics either.
fn check_command(command: &str) {
    let decision = std::panic::catch_unwind(|| decide(&call(command)))
        .unwrap_or_else(|_| panic!("decide panicked on {command:?}"));
    if devpg_policy::hook::programs::find_uri(command).is_some() {
        assert!(
            matches!(decision, Decision::Block(_)),
            "URI allowed: {command:?}"
        );
    }
    if matches!(decision, Decision::Allow)
        && !command.contains(['\\', '\'', '"', '#', '<', '`', '(', '{', '$'])
    {
        let followed = format!("{command}\nzz-runner psql shop");
        assert!(
            matches!(decide(&call(&followed)), Decision::Block(_)),
            "mention after an allowed command not blocked: {followed:?}"
        );
    }
    let powershell = call_tool("PowerShell", serde_json::json!({"command": command}));
    assert!(
        std::panic::catch_unwind(|| decide(&powershell)).is_ok(),
        "PowerShell panicked on {command:?}"
    );
}

/// Edit tools on mutated paths never panic; the guard's files always block.
fn check_path(rng: &mut Rng) {
    const GUARDED: &[&str] = &[
        ".dev-postgres.json",
        ".claude/settings.json",
        "~/.claude/settings.local.json",
        ".claude/skills/dev-postgres/SKILL.md",
        "/etc/claude-code/managed-settings.json",
        "~/.local/share/dev-postgres/trust.json",
        ".dev-postgres-query.log",
    ];
    let path = GUARDED[rng.below(GUARDED.len())];
    let prefix = ["", "./", "a/../", "/p/q/", "x/./"][rng.below(5)];
    let guarded = format!("{prefix}{path}");
    let decision = decide(&call_tool(
        "Write",
        serde_json::json!({"file_path": guarded, "content": "x"}),
    ));
    assert!(
        matches!(&decision, Decision::Block(p) if p.rule == HookRule::ProtectedPath),
        "{guarded}: {decision:?}"
    );
    let mut chars: Vec<char> = guarded.chars().collect();
    let at = rng.below(chars.len());
    chars.insert(at, ['/', '.', '*', '\0', 'x', '~'][rng.below(6)]);
    let mutated: String = chars.into_iter().collect();
    let _ = decide(&call_tool(
        "Edit",
        serde_json::json!({"file_path": mutated, "old_string": "a", "new_string": "b"}),
    ));
}

/// MCP inputs of any shape never panic; destructive SQL at any depth blocks.
fn check_mcp(rng: &mut Rng) {
    let keys = ["sql", "query", "params", "sqlStatements", "args", "x"];
    let mut value = serde_json::json!("DROP TABLE t");
    let mut under_sql = false;
    for _ in 0..1 + rng.below(6) {
        let key = keys[rng.below(keys.len())];
        value = if rng.below(3) == 0 {
            serde_json::json!([value])
        } else {
            under_sql |= matches!(key, "sql" | "query" | "sqlStatements");
            serde_json::json!({ key: value })
        };
    }
    let decision = decide(&call_tool("mcp__postgres__run", value.clone()));
    if under_sql {
        assert!(matches!(decision, Decision::Block(_)), "{value}");
    }
}

/// Raw bytes: never a panic; anything that is not a well-formed call blocks.
fn check_bytes(bytes: &[u8]) {
    let decision = std::panic::catch_unwind(|| decide(bytes))
        .unwrap_or_else(|_| panic!("decide panicked on {:?}", String::from_utf8_lossy(bytes)));
    if devpg_policy::hook::parse_input(bytes).is_err() {
        assert!(
            matches!(&decision, Decision::Block(p) if p.rule == HookRule::MalformedInput),
            "malformed input not blocked: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn fuzz(seed: u64, keep_going: impl Fn(usize) -> bool) -> usize {
    let seeds = seeds();
    let mut rng = Rng(seed);
    let mut runs = 0;
    while keep_going(runs) {
        let command = mutate(&mut rng, &seeds);
        check_command(&command);
        let mut bytes = call(&command);
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = rng.below(256) as u8,
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, b"{}[]\",:\\\0"[rng.below(9)]),
            }
        }
        check_bytes(&bytes);
        check_path(&mut rng);
        check_mcp(&mut rng);
        runs += 1;
    }
    runs
}

#[test]
fn mutated_commands_and_inputs_never_panic() {
    assert_eq!(fuzz(0xfeed, |runs| runs < 1500), 1500);
}

#[test]
fn deeply_nested_commands_are_blocked_not_crashed() {
    let nested = format!("{}psql{}", "$(".repeat(400), ")".repeat(400));
    assert!(matches!(decide(&call(&nested)), Decision::Block(_)));
    let evals = format!("{}ls{}", "eval \"".repeat(20), "\"".repeat(20));
    assert!(std::panic::catch_unwind(|| decide(&call(&evals))).is_ok());
    // A long harmless line is allowed, or blocked only for the time budget.
    let long = "ls; ".repeat(50_000);
    let decision = decide(&call(&long));
    assert!(
        matches!(&decision, Decision::Allow)
            || matches!(&decision, Decision::Block(p) if p.rule == HookRule::TooLarge),
        "{decision:?}"
    );
    assert!(matches!(
        decide(&call(&"ls; ".repeat(2_000))),
        Decision::Allow
    ));
}

#[test]
#[ignore = "long run: DEV_POSTGRES_FUZZ_SECONDS (default 120); scripts/test.sh runs it briefly"]
fn fuzz_the_hook_for_a_while() {
    let seconds = std::env::var("DEV_POSTGRES_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64 | 1);
    println!("hook fuzz seed {seed}");
    let runs = fuzz(seed, |_| Instant::now() < deadline);
    println!("hook fuzz: {runs} inputs in {seconds} s");
}

#[test]
fn found_by_fuzzing() {
    for command in [
        "watch -n <5 \">psqselect 1'\"",
        "watch -n",
        "ssh -p",
        "docker exec -u",
        "parallel -j",
        "script -\u{16c} \"psqV\" /dev/null",
        "printf -v C",
        "printf -v",
        "printf -v C $X psql",
        "{p..",
        "x=XX; ${x##X*",
        "ls # C:\\",
        "tmux new -d",
        "npx --",
    ] {
        check_command(command);
    }
}
