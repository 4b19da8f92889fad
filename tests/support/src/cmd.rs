//! A tiny DSL for CLI tests over built binaries (after just's and ripgrep's):
//! `Cmd::new(BIN).args(["--mode", "dml"]).stdin("…").run().status(1).stdout_has("…")`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

pub struct Cmd {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl Cmd {
    pub fn new(binary: impl AsRef<Path>) -> Self {
        let mut command = Command::new(binary.as_ref());
        command.stdin(Stdio::null());
        Cmd {
            command,
            stdin: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    pub fn run(mut self) -> Output {
        if self.stdin.is_some() {
            self.command.stdin(Stdio::piped());
        }
        self.command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self
            .command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", self.command));
        if let Some(input) = self.stdin.take() {
            let mut pipe = child
                .stdin
                .take()
                .unwrap_or_else(|| panic!("no stdin pipe"));
            // A binary may stop reading early (input caps): a broken pipe is fine.
            let writer = std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
            let output = child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("wait: {e}"));
            let _ = writer.join();
            return Output::from(output);
        }
        Output::from(
            child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("wait: {e}")),
        )
    }
}

#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(output: std::process::Output) -> Self {
        Output {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Output {
    pub fn status(self, code: i32) -> Self {
        assert_eq!(self.code, Some(code), "exit status\n{self:#?}");
        self
    }

    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{self:#?}"
        );
        self
    }

    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self:#?}"
        );
        self
    }

    pub fn stdout_is(self, expected: &str) -> Self {
        assert_eq!(self.stdout, expected, "stdout\n{self:#?}");
        self
    }

    pub fn stderr_is(self, expected: &str) -> Self {
        assert_eq!(self.stderr, expected, "stderr\n{self:#?}");
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self:#?}"))
    }
}
