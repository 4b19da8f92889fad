//! What every binary's `main` shares: argument parsing that never lets clap
//! choose an exit code, one-line errors, and panics that never escape as 101.

use devpg_policy::config::redact::Redactor;
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
    // Known before anything can fail: an argument, a path or SQL the agent
    // passed back may be a secret, and even a usage error must not echo it.
    set_secrets(baseline_secrets());
    let code = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(code)) | Ok(Err(Outcome::Exit(code))) => code,
        Ok(Err(Outcome::Error(error))) => {
            let _ = writeln!(std::io::stderr(), "{program}: {}", mask(&error.to_string()));
            devpg_policy::exit::for_error(&error)
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

/// The secrets this process knows so far (see [`set_secrets`]).
static SECRETS: std::sync::Mutex<Option<Redactor>> = std::sync::Mutex::new(None);

/// Every secret this process could resolve without being told which file to
/// read: the environment's, the password and service files', and the
/// passwords of the configuration found from the working directory (read for
/// review only: masking must not depend on whether it is trusted).
fn baseline_secrets() -> Redactor {
    let cwd = std::env::current_dir().unwrap_or_default();
    let config = devpg_policy::config::Config::load_for_review(None, &cwd).ok();
    Redactor::for_config(
        config.as_ref(),
        &|name| std::env::var(name).ok(),
        devpg_policy::config::paths::account_home().as_deref(),
    )
}

/// Makes every later message of this process mask these secrets too.
pub fn set_secrets(redactor: Redactor) {
    if let Ok(mut known) = SECRETS.lock() {
        *known = Some(match known.take() {
            Some(before) => before.merged(redactor),
            None => redactor,
        });
    }
}

/// `text` with every known secret masked.
pub fn mask(text: &str) -> String {
    match SECRETS
        .lock()
        .ok()
        .as_ref()
        .and_then(|known| known.as_ref())
    {
        Some(redactor) => redactor.redact(text),
        None => text.to_string(),
    }
}

/// One line on stderr, `program: text`, secrets masked.
pub fn say(program: &str, text: &str) {
    let _ = writeln!(std::io::stderr(), "{program}: {}", mask(text));
}

/// What every binary starts from: its name (for messages), the working
/// directory, and the configuration with its warnings printed once.
pub struct Startup {
    pub program: &'static str,
    pub cwd: std::path::PathBuf,
}

impl Startup {
    pub fn new(program: &'static str) -> Result<Startup, Error> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::usage(format!("no working directory: {e}")))?;
        Ok(Startup { program, cwd })
    }

    /// The project folder `-f FILE` must stay inside.
    pub fn project_dir(&self) -> std::path::PathBuf {
        devpg_policy::config::project_dir(&self.cwd)
    }

    /// The configuration (`--config PATH`, else found upwards from the
    /// working directory), its warnings printed on stderr.
    pub fn config(&self, path: Option<&Path>) -> Result<devpg_policy::config::Config, Error> {
        let config = devpg_policy::config::Config::load(path, &self.cwd)?;
        for warning in &config.warnings {
            let _ = writeln!(std::io::stderr(), "{}: {warning}", self.program);
        }
        Ok(config)
    }
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
    /// The SQL, from wherever it was given (pg-validate: it only classifies,
    /// runs inside the agent's sandbox, and masks secrets in what it prints).
    pub fn read(&self) -> Result<String, Error> {
        read_sql(
            self.query.as_deref(),
            self.file.as_deref(),
            self.sql.as_deref(),
        )
    }

    /// The SQL; `-f FILE` only for a regular file inside `project` (no
    /// symbolic or hard link out of it): the wrappers run outside the agent's
    /// sandbox and must not read the user's other files for it.
    pub fn read_within(&self, project: &Path) -> Result<String, Error> {
        match &self.file {
            Some(file) => {
                if self.query.is_some() || self.sql.is_some() {
                    return Err(Error::usage(
                        "give the SQL one way only: as an argument, with --query, or with -f FILE",
                    ));
                }
                read_inside(file, project)
            }
            None => read_sql(self.query.as_deref(), None, self.sql.as_deref()),
        }
    }
}

/// Reads `file` if what was opened — judged on the open file itself, so a
/// path swapped between a check and the read cannot redirect it — is a
/// regular file with one link, inside `project`.
fn read_inside(file: &Path, project: &Path) -> Result<String, Error> {
    let refuse = |why: &str| {
        Error::usage(format!(
            "-f {}: {why}; give a file inside the project ({})",
            file.display(),
            project.display()
        ))
    };
    let root = project
        .canonicalize()
        .map_err(|_| refuse("the project folder cannot be resolved"))?;
    let mut opened = std::fs::File::open(file).map_err(|source| Error::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let metadata = opened.metadata().map_err(|source| Error::Read {
        path: file.to_path_buf(),
        source,
    })?;
    if !metadata.is_file() {
        return Err(refuse("is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // A hard link inside the project can name a secret file outside it.
        if metadata.nlink() > 1 {
            return Err(refuse(
                "has other hard links (it may be a file from outside the project)",
            ));
        }
    }
    // Where the open file really is (Linux: the kernel's name for the
    // descriptor; elsewhere the path resolved now).
    let real = opened_path(&opened).or_else(|| file.canonicalize().ok());
    if !real.is_some_and(|real| real.starts_with(&root)) {
        return Err(refuse("is outside the project (after following links)"));
    }
    let mut sql = String::new();
    opened
        .read_to_string(&mut sql)
        .map_err(|source| Error::Read {
            path: file.to_path_buf(),
            source,
        })?;
    Ok(sql)
}

#[cfg(target_os = "linux")]
fn opened_path(file: &std::fs::File) -> Option<std::path::PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn opened_path(_: &std::fs::File) -> Option<std::path::PathBuf> {
    None
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
