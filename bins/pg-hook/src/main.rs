//! pg-hook: the Claude Code PreToolUse hook. Reads one hook call on stdin.
//! Exit 0 with nothing on stdout: allow (the normal permission flow runs).
//! Exit 0 with a JSON `ask`: the human decides. Exit 2: blocked, the reason
//! on stderr. A panic is caught and blocks: it must never become exit 101.

use devpg_policy::hook::{decide, Decision, HookRule, Problem, MAX_INPUT_BYTES};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    let decision = std::panic::catch_unwind(|| {
        let mut input = Vec::with_capacity(4096);
        // One byte past the cap tells "too large" from "exactly the cap".
        let read = std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut input);
        match read {
            Ok(_) => decide(&input),
            Err(e) => Decision::Block(Problem {
                rule: HookRule::MalformedInput,
                detail: format!("cannot read the input: {e}"),
            }),
        }
    })
    .unwrap_or_else(|_| {
        Decision::Block(Problem {
            rule: HookRule::MalformedInput,
            detail: "pg-hook failed internally (a bug); blocked to be safe".into(),
        })
    });
    match decision {
        Decision::Allow => ExitCode::SUCCESS,
        Decision::Block(problem) => {
            let _ = writeln!(std::io::stderr(), "{}", Decision::block_message(&problem));
            ExitCode::from(2)
        }
        Decision::Ask(reason) => {
            let mut stdout = std::io::stdout();
            if writeln!(stdout, "{}", Decision::ask_json(&reason)).is_err() {
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
    }
}
