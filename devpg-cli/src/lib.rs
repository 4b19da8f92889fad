//! What every binary's `main` shares: argument parsing that never lets clap
//! choose an exit code, one-line errors, and panics that never escape as 101.

use devpg_policy::error::Error;
use devpg_policy::exit::ExitCode;
use std::ffi::OsString;
use std::io::Write;
use std::io::{IsTerminal, Read};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

/// Parses arguments. `--help` and `--version` print and end with exit 0; any
/// other problem is a one-line usage error (exit 3).
pub fn parse_args<P: clap::Parser>(args: impl IntoIterator<Item = OsString>) -> Result<P, Outcome> {
    P::try_parse_from(args).map_err(|error| {
        use clap::error::ErrorKind;
        match error.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                let _ = write!(std::io::stdout(), "{}", error.render());
                Outcome::Exit(ExitCode::Ok)
            }
            _ => {
                let rendered = error.render().to_string();
                let first = rendered
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid arguments")
                    .trim_start_matches("error: ")
                    .to_string();
                Outcome::Error(Error::Usage(format!("{first} (see --help)")))
            }
        }
    })
}

/// How a run ends: an exit code chosen by the program, or an error.
#[derive(Debug)]
pub enum Outcome {
    Exit(ExitCode),
    Error(Error),
}

impl From<Error> for Outcome {
    fn from(error: Error) -> Self {
        Outcome::Error(error)
    }
}

/// Runs a binary's body: errors become one line on stderr and their exit
/// code; a panic becomes `on_panic` (never exit 101).
pub fn run_main(
    program: &str,
    on_panic: ExitCode,
    body: impl FnOnce() -> Result<ExitCode, Outcome>,
) -> std::process::ExitCode {
    panic::set_hook(Box::new(|_| {}));
    let code = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(code)) | Ok(Err(Outcome::Exit(code))) => code,
        Ok(Err(Outcome::Error(error))) => {
            let _ = writeln!(std::io::stderr(), "{program}: {error}");
            error.exit_code()
        }
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "{program}: internal error (a bug in {program}); treated as exit {}",
                on_panic.code()
            );
            on_panic
        }
    };
    code.into()
}

/// Where a command's SQL comes from (shared by pg-query and pg-validate).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SqlSource {
    /// The SQL (the bash predecessor's flag).
    #[arg(long, short = 'q', value_name = "SQL")]
    pub query: Option<String>,
    /// Read the SQL from FILE.
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// The SQL, or `-` for standard input.
    #[arg(value_name = "SQL")]
    pub sql: Option<String>,
}

impl SqlSource {
    pub fn read(&self) -> Result<String, Error> {
        read_sql(
            self.query.as_deref(),
            self.file.as_deref(),
            self.sql.as_deref(),
        )
    }
}

/// The SQL a command was given: `--query SQL`, `-f FILE`, a positional
/// argument, or standard input (`-`, or nothing when stdin is not a terminal).
pub fn read_sql(
    query: Option<&str>,
    file: Option<&Path>,
    positional: Option<&str>,
) -> Result<String, Error> {
    let given = [query.is_some(), file.is_some(), positional.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(Error::usage(
            "give the SQL one way only: as an argument, with --query, or with -f FILE",
        ));
    }
    if let Some(sql) = query {
        return Ok(sql.to_string());
    }
    if let Some(path) = file {
        return std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        });
    }
    match positional {
        Some("-") | None => {
            let mut stdin = std::io::stdin();
            if positional.is_none() && stdin.is_terminal() {
                return Err(Error::usage(
                    "no SQL given: pass it as an argument, with --query, with -f FILE, or on standard input",
                ));
            }
            let mut sql = String::new();
            stdin.read_to_string(&mut sql).map_err(Error::Stdin)?;
            Ok(sql)
        }
        Some(sql) => Ok(sql.to_string()),
    }
}
