//! Connection modes: what a connection lets the agent do.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Reads only: an allow-list of SELECT, SHOW and EXPLAIN.
    #[default]
    ReadOnly,
    /// Reads plus INSERT, UPDATE, DELETE and MERGE; no DDL, DCL or utilities.
    Dml,
    /// Everything; destructive statements need `--confirm`.
    ReadWrite,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::ReadOnly, Mode::Dml, Mode::ReadWrite];

    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::ReadOnly => "read-only",
            Mode::Dml => "dml",
            Mode::ReadWrite => "read-write",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    /// Exact names only: a misspelled mode must never fall back to a writable one.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == s)
            .ok_or_else(|| {
                format!("unknown mode '{s}': expected one of read-only, dml, read-write")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_names_and_nothing_else() {
        assert_eq!("read-only".parse(), Ok(Mode::ReadOnly));
        assert_eq!("dml".parse(), Ok(Mode::Dml));
        assert_eq!("read-write".parse(), Ok(Mode::ReadWrite));
        for bad in ["", "readonly", "READ-ONLY", "rw", "read_write", "write"] {
            assert!(bad.parse::<Mode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn default_is_read_only() {
        assert_eq!(Mode::default(), Mode::ReadOnly);
    }
}
