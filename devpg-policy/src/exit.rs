//! The exit codes every dev-postgres binary shares (compatible with the bash
//! predecessor), and the one place that maps verdicts, errors and hook
//! decisions to them. Nothing else in the tree picks a process exit code.

use crate::error::Error;
use crate::sql::Verdict;

/// What a binary tells its caller through its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitCode {
    /// 0: allowed, or the command did its job.
    Ok,
    /// 1: blocked by validation.
    Blocked,
    /// 2: destructive; runs only with `--confirm`.
    NeedsConfirmation,
    /// 3: usage or configuration error (doctor's failed checks too: the setup is wrong).
    Usage,
    /// 4: execution error (server, network, log).
    Execution,
}

impl ExitCode {
    pub const fn code(self) -> u8 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Blocked => 1,
            ExitCode::NeedsConfirmation => 2,
            ExitCode::Usage => 3,
            ExitCode::Execution => 4,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

/// A classification's exit code: 0 allowed, 1 blocked, 2 destructive without confirmation.
pub const fn for_verdict(verdict: Verdict, confirmed: bool) -> ExitCode {
    match verdict {
        Verdict::Allowed => ExitCode::Ok,
        Verdict::Destructive if confirmed => ExitCode::Ok,
        Verdict::Destructive => ExitCode::NeedsConfirmation,
        Verdict::Blocked => ExitCode::Blocked,
    }
}

/// An error's exit code: the user's to fix (3) or the run's (4).
pub const fn for_error(error: &Error) -> ExitCode {
    match error {
        Error::Usage(_)
        | Error::Read { .. }
        | Error::Stdin(_)
        | Error::Config { .. }
        | Error::Untrusted { .. } => ExitCode::Usage,
        Error::Execution(_) | Error::Database { .. } | Error::Audit(_) => ExitCode::Execution,
    }
}

/// What the agent's hook protocol reads from pg-hook's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookExit {
    /// 0: no objection (allow, or an `ask` written on stdout).
    Proceed,
    /// 2: Claude Code's blocking exit: the tool call does not run, stderr goes to the agent.
    Block,
}

impl HookExit {
    pub const fn code(self) -> u8 {
        match self {
            HookExit::Proceed => 0,
            HookExit::Block => 2,
        }
    }
}

impl From<HookExit> for std::process::ExitCode {
    fn from(code: HookExit) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode::*;
    use super::*;

    #[test]
    fn codes_match_the_predecessor() {
        let codes: Vec<u8> = [Ok, Blocked, NeedsConfirmation, Usage, Execution]
            .iter()
            .map(|c| c.code())
            .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn verdicts_map_to_0_1_2_and_confirmation_lifts_only_destructive() {
        assert_eq!(for_verdict(Verdict::Allowed, false), Ok);
        assert_eq!(for_verdict(Verdict::Destructive, false), NeedsConfirmation);
        assert_eq!(for_verdict(Verdict::Destructive, true), Ok);
        assert_eq!(for_verdict(Verdict::Blocked, true), Blocked);
    }

    #[test]
    fn usage_and_config_errors_exit_3_execution_errors_exit_4() {
        assert_eq!(for_error(&Error::usage("x")), Usage);
        let config = Error::Config {
            place: "a.json".into(),
            message: "bad".into(),
        };
        assert_eq!(for_error(&config), Usage);
        assert_eq!(for_error(&Error::Execution("x".into())), Execution);
        let database = Error::Database {
            connection: "dev".into(),
            sqlstate: Some("57014".into()),
            message: "canceling statement".into(),
        };
        assert_eq!(for_error(&database), Execution);
    }

    #[test]
    fn the_hook_blocks_with_claude_codes_blocking_status() {
        assert_eq!(HookExit::Block.code(), 2);
        assert_eq!(HookExit::Proceed.code(), 0);
    }
}
