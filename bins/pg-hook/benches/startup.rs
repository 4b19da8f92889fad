//! pg-hook's cost per call (a benchmark, not a timed test).
//!
//! 1. The median time to run pg-hook on each hook input of the corpus
//!    (≥ 1,000), against an empty Rust program that only reads standard
//!    input, spawned the same way in the same run, interleaved so both see
//!    the same load. Target: ≤ 1.3×.
//! 2. The worst time over large inputs up to 1 MiB (long argument lists,
//!    pipelines, here-documents, lists). Target: ≤ 250 ms.
//!
//! Run: `scripts/bench-hook.sh` — it builds pg-hook as shipped (static-pie:
//! no dynamic symbol lookups at every start) and passes it in
//! `PG_HOOK_BINARY`; plain `cargo bench -p pg-hook --bench startup` measures
//! the dynamically linked test build. Both baselines are printed: the empty
//! program as rustc builds it by default (the target's), and static.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
use devpg_testing::corpus::text_cases;
use devpg_testing::repo_root;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RATIO_TARGET: f64 = 1.3;
const WORST_TARGET: Duration = Duration::from_millis(250);

fn call(tool: &str, tool_input: serde_json::Value, cwd: &Path) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "session_id": "bench", "hook_event_name": "PreToolUse", "tool_name": tool,
        "tool_input": tool_input, "cwd": cwd,
    }))
    .unwrap()
}

fn corpus_inputs() -> Vec<Vec<u8>> {
    let corpus = repo_root().join("tests/corpus/hook");
    let cwd = corpus.join("project");
    let mut inputs = Vec::new();
    for verdict in ["block", "allow", "ask"] {
        for (_, _, command) in text_cases(&corpus.join(verdict)) {
            inputs.push(call("Bash", serde_json::json!({"command": command}), &cwd));
        }
    }
    for entry in std::fs::read_dir(corpus.join("malformed")).unwrap() {
        inputs.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    inputs
}

/// Large commands, each as close to 1 MiB of input as its shape allows.
fn large_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let cwd = PathBuf::from("/tmp");
    let fit = |unit: &str, head: &str| {
        let count = (1_000_000 - head.len()) / unit.len();
        format!("{head}{}", unit.repeat(count))
    };
    let shapes: Vec<(&'static str, String)> = vec![
        ("200,000-word echo", fit(" word", "echo")),
        ("argument list", fit(" a", "foo")),
        ("mentions in echo", fit(" psql", "echo")),
        ("statements", fit("ls; ", "")),
        ("pipeline", fit(" | cat", "cat x")),
        (
            "here-document",
            format!("cat <<EOF\n{}EOF", "psql shop\n".repeat(90_000)),
        ),
        ("one long word", fit("a", "echo ")),
        ("assignments", fit("x=1; ", "")),
        ("brace groups", fit("{a,b}", "echo ")),
        (
            "quoted string",
            format!("echo '{}'", "psql ".repeat(199_000)),
        ),
    ];
    shapes
        .into_iter()
        .map(|(name, command)| {
            let mut input = call("Bash", serde_json::json!({ "command": command }), &cwd);
            input.truncate(1_048_576);
            (name, input)
        })
        .collect()
}

/// An empty Rust program that only reads standard input, built for this run
/// (`static_crt`: linked as pg-hook ships).
fn empty_reader(static_crt: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pg-hook-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("empty_reader.rs");
    std::fs::write(
        &source,
        "use std::io::Read;\nfn main() { let mut input = Vec::new(); let _ = std::io::stdin().read_to_end(&mut input); }\n",
    )
    .unwrap();
    let binary = dir.join(if static_crt {
        "empty_reader_static"
    } else {
        "empty_reader"
    });
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let built = Command::new(rustc)
        .args(["-C", "opt-level=3"])
        .args(if static_crt {
            &["-C", "target-feature=+crt-static"][..]
        } else {
            &[]
        })
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .status()
        .expect("rustc builds the baseline program");
    assert!(built.success(), "the baseline program did not build");
    binary
}

fn time_one(program: &Path, input: &[u8]) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait().unwrap();
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let hook = std::env::var_os("PG_HOOK_BINARY").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_pg-hook")),
        PathBuf::from,
    );
    let baseline = empty_reader(false);
    let static_baseline = empty_reader(true);
    let inputs = corpus_inputs();
    assert!(inputs.len() >= 1000, "only {} inputs", inputs.len());
    let rounds = 3;
    let (mut base, mut base_static, mut ours) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        for input in &inputs {
            base.push(time_one(&baseline, input));
            base_static.push(time_one(&static_baseline, input));
            ours.push(time_one(&hook, input));
        }
    }
    let (base, base_static, ours) = (median(base), median(base_static), median(ours));
    let ratio = ours.as_secs_f64() / base.as_secs_f64();
    println!(
        "pg-hook ({}): {} inputs x {rounds}: median {:.3} ms per call; empty stdin reader {:.3} ms; ratio {ratio:.2} (target <= {RATIO_TARGET}: {})",
        hook.display(),
        inputs.len(),
        ours.as_secs_f64() * 1000.0,
        base.as_secs_f64() * 1000.0,
        if ratio <= RATIO_TARGET { "met" } else { "MISSED" }
    );
    println!(
        "  against the empty reader linked static too: {:.3} ms, ratio {:.2}",
        base_static.as_secs_f64() * 1000.0,
        ours.as_secs_f64() / base_static.as_secs_f64()
    );
    let mut worst = (Duration::ZERO, "");
    for (name, input) in large_inputs() {
        let time = (0..3).map(|_| time_one(&hook, &input)).max().unwrap();
        println!(
            "  {name:<20} {:>8} bytes: {:>7.1} ms",
            input.len(),
            time.as_secs_f64() * 1000.0
        );
        if time > worst.0 {
            worst = (time, name);
        }
    }
    println!(
        "pg-hook: worst large input ({}) {:.1} ms (target <= {} ms: {})",
        worst.1,
        worst.0.as_secs_f64() * 1000.0,
        WORST_TARGET.as_millis(),
        if worst.0 <= WORST_TARGET {
            "met"
        } else {
            "MISSED"
        }
    );
    let _ = std::fs::remove_dir_all(baseline.parent().unwrap());
}
