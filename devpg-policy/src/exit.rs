//! The exit codes every dev-postgres binary shares (compatible with the bash
//! predecessor). This is the only place they are defined.

/// What a binary tells its caller through its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitCode {
    /// 0: allowed, or the command did its job.
    Ok,
    /// 1: blocked by validation.
    Blocked,
    /// 2: destructive; runs only with `--confirm`.
    NeedsConfirmation,
    /// 3: usage or configuration error.
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

#[cfg(test)]
mod tests {
    use super::ExitCode::*;

    #[test]
    fn codes_match_the_predecessor() {
        let codes: Vec<u8> = [Ok, Blocked, NeedsConfirmation, Usage, Execution]
            .iter()
            .map(|c| c.code())
            .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
    }
}
