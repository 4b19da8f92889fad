//! pg-hook: the pre-tool hook of Claude Code (the default) and, with
//! `--agent codex|gemini|copilot|cursor`, of the other coding agents. Reads
//! one hook call on stdin and answers in the agent's own shape (see
//! devpg_policy::hook::agents). For Claude Code: exit 0 with nothing on
//! stdout allows (the normal permission flow runs), exit 0 with a JSON `ask`
//! lets the human decide, exit 2 blocks with the reason on stderr. A panic
//! is caught and blocks: it must never become exit 101.

use devpg_policy::exit::HookExit;
use devpg_policy::hook::agents::{self, Answer};
use devpg_policy::hook::MAX_INPUT_BYTES;
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    // No argument parser: the hook starts on every tool call.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let agent = match agents::agent_from_args(&args) {
        Ok(agent) => agent,
        Err(why) => {
            // Exit 2 blocks for the agents that read exit codes; the others'
            // registered commands turn any failure into their denial.
            let _ = writeln!(std::io::stderr(), "pg-hook: {why}");
            return HookExit::Block.into();
        }
    };
    let answer = std::panic::catch_unwind(|| {
        let mut input = Vec::with_capacity(4096);
        // One byte past the cap tells "too large" from "exactly the cap".
        let read = std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut input);
        match read {
            Ok(_) => agents::answer(agent, &input),
            Err(e) => agents::failure(agent, &format!("cannot read the input: {e}")),
        }
    })
    .unwrap_or_else(|_| {
        agents::failure(
            agent,
            "pg-hook failed internally (a bug); blocked to be safe",
        )
    });
    emit(&answer)
}

fn emit(answer: &Answer) -> ExitCode {
    if !answer.stderr.is_empty() {
        let _ = writeln!(std::io::stderr(), "{}", answer.stderr);
    }
    if !answer.stdout.is_empty() {
        let mut stdout = std::io::stdout();
        if writeln!(stdout, "{}", answer.stdout).is_err() || stdout.flush().is_err() {
            // An answer that did not arrive is no answer: fail by exit code.
            return HookExit::Block.into();
        }
    }
    answer.code.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use devpg_policy::hook::agents::Agent;

    #[test]
    fn every_agent_has_a_name_the_command_line_accepts() {
        for agent in Agent::ALL {
            let args = vec!["--agent".to_string(), agent.name().to_string()];
            assert_eq!(agents::agent_from_args(&args), Ok(*agent));
        }
    }
}
