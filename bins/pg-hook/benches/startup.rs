//! pg-hook's cost per call: the median time to run it on each of the
//! corpus's hook inputs (≥ 500), against `/bin/true` run the same way (same
//! spawn, same stdin) in the same run. Target: ≤ 1.5×.
//! Run: `cargo bench -p pg-hook --bench startup`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use devpg_testing::corpus::text_cases;
use devpg_testing::repo_root;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn inputs() -> Vec<Vec<u8>> {
    let corpus = repo_root().join("tests/corpus/hook");
    let cwd = corpus.join("project");
    let mut inputs = Vec::new();
    for verdict in ["block", "allow", "ask"] {
        for (_, _, command) in text_cases(&corpus.join(verdict)) {
            let call = serde_json::json!({
                "session_id": "bench", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                "tool_input": {"command": command}, "cwd": cwd,
            });
            inputs.push(serde_json::to_vec(&call).unwrap());
        }
    }
    for entry in std::fs::read_dir(corpus.join("malformed")).unwrap() {
        inputs.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    inputs
}

fn time_one(program: &str, input: &[u8]) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // /bin/true does not read: a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait().unwrap();
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let hook = env!("CARGO_BIN_EXE_pg-hook");
    let inputs = inputs();
    assert!(inputs.len() >= 500, "only {} inputs", inputs.len());
    let rounds = 3;
    let (mut baseline, mut measured) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for input in &inputs {
            // Interleaved, so both see the same machine load.
            baseline.push(time_one("/bin/true", input));
            measured.push(time_one(hook, input));
        }
    }
    let (base, ours) = (median(baseline), median(measured));
    let ratio = ours.as_secs_f64() / base.as_secs_f64();
    println!(
        "pg-hook: {} inputs x {rounds}: median {:.3} ms per call; /bin/true {:.3} ms; ratio {:.2} (target <= 1.50: {})",
        inputs.len(),
        ours.as_secs_f64() * 1000.0,
        base.as_secs_f64() * 1000.0,
        ratio,
        if ratio <= 1.5 { "met" } else { "MISSED" }
    );
}
