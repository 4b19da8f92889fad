//! Per-program handlers: what a known program runs (a shell's `-c`, a
//! container's command, find's `-exec`, sed's `e`, git's aliases …). A
//! handler marks the words it judged itself, so the gate does not ask the
//! data table about them.

use super::emulate::{join, option_value, printf, sed_shell_code, skip_options};
use super::scripts::{names_stdin, read_script, script_kind, ScriptKind};
use super::{key, Shell, Stdin};
use crate::hook::mention;
use crate::hook::programs;
use crate::hook::rules::HookRule;
use crate::hook::runners::Runner;
use crate::hook::words::{Piece, Word};

/// Options of pg-query that take a value: an unknown word there is not `--confirm`.
const PG_QUERY_VALUE_OPTIONS: &[&str] = &[
    "--config",
    "--connection",
    "--file",
    "--format",
    "--max-rows",
    "--output",
    "--timeout",
    "-c",
    "-f",
    "-o",
];

/// ssh options that take a value.
const SSH_VALUE_OPTIONS: &[&str] = &[
    "-B", "-D", "-E", "-F", "-I", "-J", "-L", "-O", "-P", "-Q", "-R", "-S", "-W", "-b", "-c", "-e",
    "-i", "-l", "-m", "-o", "-p", "-w",
];

/// docker/podman run and exec options that take a value.
const CONTAINER_VALUE_OPTIONS: &[&str] = &[
    "--add-host",
    "--cpus",
    "--entrypoint",
    "--env",
    "--env-file",
    "--hostname",
    "--label",
    "--memory",
    "--mount",
    "--name",
    "--network",
    "--platform",
    "--publish",
    "--pull",
    "--restart",
    "--shm-size",
    "--ulimit",
    "--user",
    "--volume",
    "--workdir",
    "-e",
    "-h",
    "-l",
    "-m",
    "-p",
    "-u",
    "-v",
    "-w",
];

const WATCH_VALUE_OPTIONS: &[&str] = &["--interval", "-n"];
const RUNUSER_VALUE_OPTIONS: &[&str] = &[
    "--group",
    "--shell",
    "--supp-group",
    "--user",
    "-G",
    "-g",
    "-s",
    "-u",
];
const PARALLEL_VALUE_OPTIONS: &[&str] = &["--jobs", "--sshlogin", "-S", "-j"];

/// git settings whose value is a command.
const GIT_COMMAND_SETTINGS: &[&str] = &[
    "core.editor",
    "core.fsmonitor",
    "core.pager",
    "core.sshcommand",
    "diff.external",
    "gpg.program",
    "sequence.editor",
];

/// Test runners and tools run as `python -m NAME`, whose arguments are data.
const DATA_MODULES: &[&str] = &["pip", "py_compile", "pytest", "unittest"];

impl Shell {
    /// A runner (`poetry run CMD`, `tmux new -d 'CODE'`): its command is
    /// judged as typed; the runner's own options are left to the gate.
    pub(super) fn runner(
        &mut self,
        runner: &Runner,
        words: &[Word],
        stdin: Option<Stdin>,
        src: &str,
    ) {
        let args = Self::values(words);
        let Some(start) = runner.command_start(&args) else {
            return;
        };
        let Some(command) = words.get(1 + start..).filter(|c| !c.is_empty()) else {
            return;
        };
        let single = command.len() == 1;
        match command.first().and_then(Word::value) {
            Some(code) if single && code.contains(char::is_whitespace) => self.code(&code),
            _ => self.run(command, stdin, src, false),
        }
        self.handle_all(Some(command));
        if let Some(dash) = words
            .get(start)
            .filter(|w| w.value().as_deref() == Some("--"))
        {
            self.handle(Some(dash));
        }
    }

    fn values(words: &[Word]) -> Vec<Option<String>> {
        words.iter().skip(1).map(Word::value).collect()
    }

    /// Programs with something to look into once wrappers are peeled off.
    pub(super) fn program(
        &mut self,
        name: &str,
        words: &[Word],
        stdin: Option<Stdin>,
        src: &str,
        via_xargs: bool,
    ) {
        let args = Self::values(words);
        let known: Vec<&str> = args.iter().flatten().map(String::as_str).collect();
        match name {
            _ if programs::is_shell(name) => self.shell(words, stdin, src),
            "pwsh" | "powershell" => self.powershell(words),
            _ if programs::interpreter(name).is_some() => self.interpreter(name, words, stdin, src),
            "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => self.awk(words),
            "eval" => {
                if let Some(code) = join(&args) {
                    self.code(&code);
                    self.handle_all(words.get(1..));
                } else if let Some(word) = words.get(1) {
                    self.dynamic_command(word, src);
                }
            }
            "trap" => {
                if let Some(code) = args.first().cloned().flatten() {
                    self.code(&code);
                    self.handle(words.get(1));
                }
            }
            "su" | "runuser" => self.su(name, words, src),
            "ssh" => self.ssh(words, stdin, src),
            "docker" | "podman" | "nerdctl" => self.container(words, stdin, src),
            "kubectl" | "oc" => self.kubectl(words, stdin, src),
            "watch" => {
                let rest = skip_options(&args, WATCH_VALUE_OPTIONS);
                if let Some(code) = join(args.get(rest..).unwrap_or_default()) {
                    self.code(&code);
                    self.handle_all(words.get(1 + rest..));
                }
            }
            "find" => self.find(words, src),
            "parallel" => self.parallel(words, stdin, src),
            "at" | "batch" => match option_value(&args, &["-f"]) {
                Some(path) => {
                    self.script(&path, ScriptKind::Shell);
                }
                None => self.stdin_code(stdin, ScriptKind::Shell, src),
            },
            "git" => self.git(words),
            "sed" | "gsed" => self.sed(&args),
            "alias" => {
                for (i, arg) in args.iter().enumerate() {
                    if let Some((_, value)) = arg.as_deref().and_then(|a| a.split_once('=')) {
                        self.code(value);
                        self.handle(words.get(i + 1));
                    }
                }
            }
            "cp" | "mv" | "ln" | "install" | "rsync" | "scp" | "dd" => self.copies(name, &known),
            "cd" | "pushd" => {
                if let Some(dir) = known.iter().find(|a| !a.starts_with('-')) {
                    self.cwd = self.cwd.join(dir);
                }
            }
            "printf" => {
                if let Some(i) = args.iter().position(|a| a.as_deref() == Some("-v")) {
                    if let Some(name) = args.get(i + 1).cloned().flatten() {
                        // `printf -v x -- FORMAT …`: `--` ends the options.
                        let at = if args.get(i + 2).is_some_and(|a| a.as_deref() == Some("--")) {
                            i + 3
                        } else {
                            i + 2
                        };
                        let value = match args.get(at).cloned().flatten() {
                            Some(format) => printf(&format, args.get(at + 1..).unwrap_or_default()),
                            None => None,
                        };
                        self.variables.set(&name, value);
                    }
                }
            }
            "read" => self.read(&known, &stdin),
            "tee" => {
                if let Some(Stdin::Text(text)) = &stdin {
                    for file in known.iter().filter(|a| !a.starts_with('-')) {
                        self.write_file(file, text, false);
                    }
                }
            }
            "source" | "." => self.source(words, stdin, src),
            "dev-postgres" => {
                // Approving a configuration or taking the guard out is the
                // human's: the agent asks them to run it in their terminal.
                // Only what reads or runs a throwaway sandbox is the agent's.
                let subcommand = known.iter().find(|a| !a.starts_with('-')).copied();
                let unseen = words.iter().skip(1).any(|w| w.value().is_none());
                let agents_own = matches!(subcommand, Some("doctor" | "sandbox" | "help") | None);
                if !agents_own || unseen {
                    self.block(
                        HookRule::AgentGuardChange,
                        format!(
                            "`dev-postgres {}` changes the guard itself (what it allows, where it runs from), and is for humans only: ask the user to run it themselves in their own terminal",
                            subcommand.unwrap_or("…")
                        ),
                    );
                }
            }
            "pg-query" => {
                let unseen = via_xargs || self.unknown_pg_query_word(words);
                if known.contains(&"--confirm") || unseen {
                    self.findings.confirm = true;
                }
            }
            _ => {
                // `./x.sh`, `scripts/run`, a file the command line wrote: read it.
                if let Some(path) = words.first().and_then(Word::value) {
                    if path.contains('/') {
                        self.script(&path, ScriptKind::ByContent);
                    }
                }
            }
        }
    }

    /// `pwsh -c CODE`: PowerShell code, judged by the PowerShell rule;
    /// an encoded command cannot be read.
    fn powershell(&mut self, words: &[Word]) {
        let args = Self::values(words);
        for (i, arg) in args.iter().enumerate() {
            let Some(arg) = arg.as_deref() else { continue };
            let lower = arg.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "-encodedcommand" | "-enc" | "-e" | "-ec" | "-en" | "-encoded"
            ) {
                self.block(
                    HookRule::DynamicCommand,
                    "PowerShell runs an encoded command, which the hook cannot read",
                );
                return;
            }
            if matches!(lower.as_str(), "-command" | "-c" | "-file" | "-f") {
                let rest = join(args.get(i + 1..).unwrap_or_default());
                match rest {
                    Some(code) => {
                        let findings = crate::hook::powershell::analyze(&code);
                        if let Some(problem) = findings.block {
                            self.block(problem.rule, problem.detail);
                        }
                        if findings.confirm {
                            self.findings.confirm = true;
                        }
                        self.handle_all(words.get(i + 2..));
                    }
                    None => self.block(
                        HookRule::DynamicCommand,
                        "PowerShell runs code known only at run time",
                    ),
                }
                return;
            }
        }
    }

    fn handle_all(&mut self, words: Option<&[Word]>) {
        for word in words.unwrap_or_default() {
            self.handle(Some(word));
        }
    }

    /// An argument of pg-query that is only known at run time and could be
    /// `--confirm`: every known piece of it is a piece of `--confirm`.
    fn unknown_pg_query_word(&self, words: &[Word]) -> bool {
        let mut previous: Option<String> = None;
        for word in words.iter().skip(1) {
            if let Some(value) = word.value() {
                previous = Some(value);
                continue;
            }
            let after_value_option = previous
                .as_deref()
                .is_some_and(|p| PG_QUERY_VALUE_OPTIONS.contains(&p));
            let could_be = word.pieces.iter().all(|piece| match piece {
                Piece::Known(text, _) => "--confirm".contains(text.as_str()),
                Piece::Unknown => true,
            });
            if !after_value_option && could_be {
                return true;
            }
            previous = None;
        }
        false
    }

    fn read(&mut self, known: &[&str], stdin: &Option<Stdin>) {
        let names: Vec<&str> = known
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .collect();
        let text = match stdin {
            Some(Stdin::Text(text)) => Some(text.trim_end_matches('\n').to_string()),
            _ => None,
        };
        let parts = text
            .as_deref()
            .map(|t| t.split_whitespace().collect::<Vec<_>>());
        for (k, name) in names.iter().enumerate() {
            let value = parts.as_ref().map(|p| {
                if k + 1 == names.len() {
                    p.get(k..).map(|r| r.join(" ")).unwrap_or_default()
                } else {
                    p.get(k).map(|s| s.to_string()).unwrap_or_default()
                }
            });
            self.variables.set(name, value);
        }
        // `read` takes its input as data.
        self.stdin_read = true;
    }

    fn su(&mut self, name: &str, words: &[Word], src: &str) {
        // `su [user] -c CODE`; `runuser -u USER [--] CMD…` runs CMD.
        let args = Self::values(words);
        if let Some(i) = args
            .iter()
            .position(|a| matches!(a.as_deref(), Some("-c" | "--command")))
        {
            if let Some(code) = args.get(i + 1).cloned().flatten() {
                self.code(&code);
                self.handle(words.get(i + 2));
            }
        } else if name == "runuser" {
            let start = match args.iter().position(|a| a.as_deref() == Some("--")) {
                Some(dash) => dash + 1,
                None => skip_options(&args, RUNUSER_VALUE_OPTIONS),
            };
            if let Some(command) = words.get(1 + start..).filter(|c| !c.is_empty()) {
                self.run(command, None, src, false);
                self.handle_all(Some(command));
            }
        }
    }

    pub(super) fn shell(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let args = Self::values(words);
        // `bash -n script`: a syntax check runs nothing.
        let options = args
            .iter()
            .take_while(|a| a.as_deref().is_some_and(|a| a.starts_with('-')));
        if options
            .flatten()
            .any(|a| !a.starts_with("--") && a.contains('n') && !a.contains('c'))
        {
            self.handle_all(words.get(1..));
            return;
        }
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            let word = words.get(i + 1);
            let Some(arg) = arg.as_deref() else {
                // `bash <(…)`: its output is the script.
                if let Some(output) = self.process_output_of(word) {
                    self.handle(word);
                    self.stdin_code(Some(output), ScriptKind::Shell, src);
                    self.stdin_read = false;
                }
                // Otherwise a script or option known only at run time.
                return;
            };
            if arg == "-c"
                || arg == "--command"
                || (arg.starts_with('-') && !arg.starts_with("--") && arg.contains('c'))
            {
                match args.get(i + 1).cloned().flatten() {
                    Some(code) => {
                        self.code(&code);
                        self.handle(words.get(i + 2));
                    }
                    None => self.block(
                        HookRule::DynamicCommand,
                        "a shell runs code known only at run time",
                    ),
                }
                return;
            }
            if arg == "--rcfile" || arg == "--init-file" {
                match args.get(i + 1).cloned().flatten() {
                    Some(path) => {
                        self.script(&path, ScriptKind::Shell);
                    }
                    None => {
                        if let Some(output) = self.process_output_of(words.get(i + 2)) {
                            self.handle(words.get(i + 2));
                            self.stdin_code(Some(output), ScriptKind::Shell, src);
                            self.stdin_read = false;
                        }
                    }
                }
                i += 2;
                continue;
            }
            if arg == "-o" || arg == "+o" {
                i += 2;
                continue;
            }
            if arg.starts_with('-') || arg.starts_with('+') {
                if arg == "-s" || arg == "--" {
                    break;
                }
                i += 1;
                continue;
            }
            if names_stdin(arg) {
                break;
            }
            self.script(arg, ScriptKind::Shell);
            self.handle(word);
            return;
        }
        self.stdin_code(stdin, ScriptKind::Shell, src);
    }

    pub(super) fn process_output_of(&self, word: Option<&Word>) -> Option<Stdin> {
        let span = word?.span.as_ref()?;
        self.process_output.get(&key(span)).cloned()
    }

    pub(super) fn stdin_code(&mut self, stdin: Option<Stdin>, kind: ScriptKind, src: &str) {
        match stdin {
            Some(Stdin::Text(text)) => {
                match kind {
                    ScriptKind::Shell => self.code(&text),
                    _ => {
                        self.scan_code(&text);
                    }
                }
                self.stdin_read = true;
            }
            Some(Stdin::Unknown) => {
                // Fed by something only known at run time (`curl … | sh`):
                // suspect when the line decodes, transforms or builds code,
                // or names a blocked program.
                if programs::builds_code(src) || programs::transforms_text(src) {
                    self.block(
                        HookRule::DynamicCommand,
                        "it pipes code that is decoded, transformed or built at run time into an interpreter",
                    );
                } else if let Some(name) = programs::mentioned_program(src) {
                    self.block(
                        HookRule::DynamicCommand,
                        format!("it pipes code known only at run time into an interpreter, and names {name}"),
                    );
                }
            }
            None => {}
        }
    }

    fn interpreter(&mut self, name: &str, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let Some(spec) = programs::interpreter(name) else {
            return;
        };
        let args = Self::values(words);
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            let word = words.get(i + 1);
            let Some(arg) = arg.as_deref() else {
                if let Some(output) = self.process_output_of(word) {
                    self.handle(word);
                    self.stdin_code(Some(output), ScriptKind::Code, src);
                    self.stdin_read = false;
                }
                return;
            };
            if spec.code_options.contains(&arg) {
                match args.get(i + 1).cloned().flatten() {
                    Some(code) => {
                        if self.scan_code(&code) {
                            self.handle(words.get(i + 2));
                        }
                    }
                    None => self.block(
                        HookRule::DynamicCommand,
                        format!("{name} runs code known only at run time"),
                    ),
                }
                return;
            }
            if let Some(code) = spec
                .code_options
                .iter()
                .filter(|o| o.len() == 2)
                .find_map(|o| {
                    arg.strip_prefix(o)
                        .filter(|rest| !rest.is_empty() && !arg.starts_with("--"))
                })
            {
                if self.scan_code(code) {
                    self.handle(word);
                }
                return;
            }
            // `perl -le CODE`, `ruby -ne CODE`: the code option last in a cluster.
            let clustered = !arg.starts_with("--")
                && arg.len() > 2
                && spec
                    .code_options
                    .iter()
                    .filter(|o| o.len() == 2)
                    .any(|o| o.get(1..).is_some_and(|letter| arg.ends_with(letter)));
            if clustered {
                match args.get(i + 1).cloned().flatten() {
                    Some(code) => {
                        if self.scan_code(&code) {
                            self.handle(words.get(i + 2));
                        }
                    }
                    None => self.block(
                        HookRule::DynamicCommand,
                        format!("{name} runs code known only at run time"),
                    ),
                }
                return;
            }
            if spec.subcommands.contains(&arg) {
                i += 1;
                continue;
            }
            if spec.check_options.contains(&arg) {
                // `node --check x.js`: a syntax check runs nothing.
                self.handle_all(words.get(1..));
                return;
            }
            if arg == "-m" {
                let module = args.get(i + 1).cloned().flatten().unwrap_or_default();
                if DATA_MODULES.contains(&module.as_str()) {
                    self.handle_all(words.get(1..));
                }
                return;
            }
            if arg.starts_with('-') && arg != "-" {
                // `node -r pg`, `perl -MDBD::Pg`, `ruby -rpg`: a driver loaded.
                let loads = mention::driver_in_options(&format!(
                    "{arg} {}",
                    args.get(i + 1).cloned().flatten().unwrap_or_default()
                ));
                if let Some(module) = loads.filter(|m| mention::driver_module(m)) {
                    self.block(
                        HookRule::InterpreterRunsPgClient,
                        format!("{name} loads a PostgreSQL driver ({module})"),
                    );
                    return;
                }
                i += if spec.value_options.contains(&arg) {
                    2
                } else {
                    1
                };
                continue;
            }
            if names_stdin(arg) {
                break;
            }
            self.script(arg, ScriptKind::Code);
            self.handle(word);
            return;
        }
        self.stdin_code(stdin, ScriptKind::Code, src);
    }

    /// awk code: a program named where `system()`, a pipe or `getline` can run it.
    fn awk_code(&mut self, code: &str) -> bool {
        let runs = code.contains("system") || code.contains('|') || code.contains("getline");
        match mention::mentions(code)
            .into_iter()
            .find(|m| programs::is_blocked(&m.name))
        {
            Some(found) if runs => {
                self.block(
                    HookRule::InterpreterRunsPgClient,
                    format!("its awk program runs commands and names {}", found.name),
                );
                false
            }
            _ => true,
        }
    }

    /// awk's program is code: `system()`, pipes and `getline` run commands.
    fn awk(&mut self, words: &[Word]) {
        let args = Self::values(words);
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            match arg.as_deref() {
                Some("-f" | "--file") => {
                    let word = words.get(i + 2);
                    let text = match args.get(i + 1).cloned().flatten() {
                        Some(path) => read_script(&self.cwd.join(path), &self.root),
                        None => match self.process_output_of(word) {
                            Some(Stdin::Text(text)) => Some(text),
                            _ => None,
                        },
                    };
                    if let Some(text) = text {
                        if self.awk_code(&text) {
                            self.handle(word);
                        }
                    }
                    return;
                }
                Some("-v" | "-F" | "--assign" | "--field-separator") => i += 2,
                Some("-e" | "--source") | None => {
                    let at = if arg.is_none() { i } else { i + 1 };
                    if let Some(code) = args.get(at).cloned().flatten() {
                        if self.awk_code(&code) {
                            self.handle(words.get(at + 1));
                        }
                    }
                    return;
                }
                Some(a) if a.starts_with('-') && a.len() > 1 => i += 1,
                Some(code) => {
                    if self.awk_code(code) {
                        self.handle(words.get(i + 1));
                    }
                    return;
                }
            }
        }
    }

    /// Source code of another language: connection URIs, drivers, and
    /// PostgreSQL programs named in code that starts processes. True when
    /// nothing was found.
    pub(super) fn scan_code(&mut self, code: &str) -> bool {
        if let Some(uri) = programs::find_uri(code) {
            self.block(
                HookRule::PostgresUri,
                format!("it holds a PostgreSQL connection URI ({uri}…)"),
            );
            return false;
        }
        let spawns = programs::spawns(code) || !sed_shell_code(code).is_empty();
        for found in mention::mentions(code) {
            if !programs::is_blocked(&found.name) {
                self.block(
                    HookRule::InterpreterRunsPgClient,
                    format!("its code loads a PostgreSQL driver ({})", found.name),
                );
                return false;
            }
            if spawns {
                self.block(
                    HookRule::InterpreterRunsPgClient,
                    format!("its code starts processes and names {}", found.name),
                );
                return false;
            }
            // The code may write the name into a file a later command runs.
            if self.taint.is_none() {
                self.taint = Some(("code that names it".into(), found.name.clone()));
            }
        }
        // `exec "ps"."ql"`, `execSync('ps'+'ql')`: a name joined from pieces.
        if let Some(name) = programs::joined_program(code).filter(|_| spawns) {
            self.block(
                HookRule::InterpreterRunsPgClient,
                format!("its code starts processes and assembles the name {name}"),
            );
            return false;
        }
        if let Some(name) = programs::quoted_program(code) {
            self.block(
                HookRule::InterpreterRunsPgClient,
                format!("its code runs {name}"),
            );
            return false;
        }
        true
    }

    /// Reads and judges a script; false when it cannot be read.
    pub(super) fn script(&mut self, path: &str, kind: ScriptKind) -> bool {
        let full = self.cwd.join(path);
        let text = match self.written.get(&full) {
            Some(text) => Some(text.clone()),
            None => read_script(&full, &self.root),
        };
        let Some(text) = text else {
            return false;
        };
        let kind = match kind {
            ScriptKind::ByContent => script_kind(path, &text),
            other => other,
        };
        match kind {
            ScriptKind::Shell => {
                // A script runs in its own process: this line's variables do not reach it.
                let saved = std::mem::take(&mut self.variables);
                let saved_cwd = self.cwd.clone();
                self.code(&text);
                self.variables = saved;
                self.cwd = saved_cwd;
            }
            ScriptKind::Code => {
                self.scan_code(&text);
            }
            ScriptKind::ByContent | ScriptKind::Binary => {}
        }
        true
    }

    /// `source FILE`, `. <(…)`, `source /dev/stdin`.
    fn source(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let word = words.get(1);
        match word.and_then(Word::value) {
            Some(path) if names_stdin(&path) => self.stdin_code(stdin, ScriptKind::Shell, src),
            Some(path) => {
                if !self.script(&path, ScriptKind::Shell) {
                    // Not read: the gate judges the path like any word.
                    return;
                }
            }
            None => match self.process_output_of(word) {
                Some(output) => {
                    self.stdin_code(Some(output), ScriptKind::Shell, src);
                    self.stdin_read = false;
                }
                None => {
                    if let Some(word) = word {
                        self.dynamic_command(word, src);
                    }
                }
            },
        }
        self.handle(word);
    }

    /// A value that a shell runs when it starts, or a command a program runs.
    pub(super) fn startup(&mut self, name: &str, value: &str) {
        match name {
            "BASH_ENV" | "ENV" => {
                self.script(value, ScriptKind::Shell);
            }
            _ => self.code(value),
        }
    }

    fn ssh(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let args = Self::values(words);
        let host = skip_options(&args, SSH_VALUE_OPTIONS);
        match join(args.get(host + 1..).unwrap_or_default()) {
            Some(code) if !code.is_empty() => {
                self.code(&code);
                self.handle_all(words.get(host + 2..));
                // `ssh host 'bash -s' < x.sh`: a remote shell reads its standard input.
                let remote = code.split_whitespace().next().unwrap_or_default();
                if programs::is_shell(remote.rsplit('/').next().unwrap_or(remote)) {
                    self.stdin_code(stdin, ScriptKind::Shell, src);
                }
            }
            Some(_) => self.stdin_code(stdin, ScriptKind::Shell, src),
            None => self.block(
                HookRule::DynamicCommand,
                "ssh runs a remote command known only at run time",
            ),
        }
    }

    fn container(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let args = Self::values(words);
        for (i, arg) in args.iter().enumerate() {
            let entry = match arg.as_deref() {
                Some("--entrypoint") => args.get(i + 1).cloned().flatten(),
                Some(a) => a.strip_prefix("--entrypoint=").map(str::to_string),
                None => None,
            };
            if let Some(entry) = entry {
                self.run(&[Word::known(entry)], None, src, false);
            }
        }
        let Some(sub) = args
            .iter()
            .position(|a| matches!(a.as_deref(), Some("exec" | "run" | "create")))
        else {
            return;
        };
        let rest = args.get(sub + 1..).unwrap_or_default();
        let target = skip_options(rest, CONTAINER_VALUE_OPTIONS);
        let interactive = rest.iter().take(target).flatten().any(|a| {
            a == "--interactive" || (a.starts_with('-') && !a.starts_with("--") && a.contains('i'))
        });
        // An image of a client (`dbcli/pgcli`) runs it; a server image does not.
        if let Some(image) = rest.get(target).cloned().flatten() {
            let base = image.rsplit('/').next().unwrap_or(&image);
            let base = programs::normalize(base.split([':', '@']).next().unwrap_or(base));
            if programs::is_blocked(&base) && !matches!(base.as_str(), "postgres" | "postmaster") {
                self.block(
                    HookRule::PgClientProgram,
                    format!("the image {image} runs {base}, a PostgreSQL program"),
                );
                return;
            }
        }
        // Options and the image or container are data; the command is judged itself.
        self.handle_all(words.get(..sub + target + 3));
        let first = sub + target + 3;
        if let Some(command) = words.get(first..).filter(|c| !c.is_empty()) {
            let command: Vec<Word> = command.to_vec();
            let input = if interactive { stdin } else { None };
            self.run(&command, input, src, false);
            self.handle_all(Some(&command));
        } else if interactive {
            // `docker exec -i db` with no command runs the image's default, not stdin.
        }
    }

    fn kubectl(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let values: Vec<Option<String>> = words.iter().map(Word::value).collect();
        let runs = values
            .iter()
            .any(|v| matches!(v.as_deref(), Some("exec" | "run" | "debug" | "attach")));
        if !runs {
            return;
        }
        for (i, value) in values.iter().enumerate() {
            if value.as_deref().is_some_and(|v| v.starts_with("--image=")) {
                self.handle(words.get(i));
            }
        }
        let interactive = values.iter().flatten().any(|a| {
            a == "--stdin" || (a.starts_with('-') && !a.starts_with("--") && a.contains('i'))
        });
        if let Some(dash) = values.iter().position(|v| v.as_deref() == Some("--")) {
            if let Some(command) = words.get(dash + 1..).filter(|c| !c.is_empty()) {
                let input = if interactive { stdin } else { None };
                self.run(command, input, src, false);
                self.handle_all(Some(command));
            }
        }
    }

    fn find(&mut self, words: &[Word], src: &str) {
        let mut i = 1;
        while let Some(word) = words.get(i) {
            if matches!(
                word.value().as_deref(),
                Some("-exec" | "-execdir" | "-ok" | "-okdir")
            ) {
                let after = words.get(i + 1..).unwrap_or_default();
                let end = after
                    .iter()
                    .position(|w| matches!(w.value().as_deref(), Some(";" | "+" | "\\;")))
                    .unwrap_or(after.len());
                let command = after.get(..end).unwrap_or_default().to_vec();
                // `-exec {} \;` runs each file found: a name only known then.
                if let Some(first) = command
                    .first()
                    .filter(|w| w.value().as_deref() == Some("{}"))
                {
                    self.dynamic_command(first, src);
                }
                self.run(&command, None, src, false);
                self.handle_all(Some(&command));
                i += end + 1;
            }
            i += 1;
        }
    }

    fn parallel(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let args = Self::values(words);
        let end = args
            .iter()
            .position(|a| matches!(a.as_deref(), Some(":::" | "::::")))
            .unwrap_or(args.len());
        let start = skip_options(args.get(..end).unwrap_or_default(), PARALLEL_VALUE_OPTIONS);
        match words.get(1 + start..1 + end).filter(|c| !c.is_empty()) {
            Some(command) => {
                self.run(command, None, src, true);
                self.handle_all(Some(command));
            }
            // No command: every input line is one.
            None => self.stdin_code(stdin, ScriptKind::Shell, src),
        }
    }

    fn git(&mut self, words: &[Word]) {
        let args = Self::values(words);
        // `git -c alias.x='!cmd' x`, `git config core.pager CMD` run shell code.
        for (i, arg) in args.iter().enumerate() {
            let Some(arg) = arg else { continue };
            let (setting, value) = match arg.split_once('=') {
                Some((k, v)) => (k.to_ascii_lowercase(), Some(v.to_string())),
                None => (arg.to_ascii_lowercase(), args.get(i + 1).cloned().flatten()),
            };
            let Some(value) = value else { continue };
            if setting == "core.hookspath" {
                self.hook_dirs.push(value.clone());
            }
            let code = if setting.starts_with("alias.") {
                value.strip_prefix('!').map(str::to_string)
            } else if GIT_COMMAND_SETTINGS.contains(&setting.as_str())
                || setting.starts_with("pager.")
            {
                Some(value)
            } else {
                None
            };
            if let Some(code) = code {
                self.code(&code);
            }
        }
    }

    fn sed(&mut self, args: &[Option<String>]) {
        // GNU sed runs shell code with the `e` command and the `s///e` flag.
        let mut scripts = Vec::new();
        let mut i = 0;
        let mut positional_script = true;
        while let Some(arg) = args.get(i) {
            match arg.as_deref() {
                Some("-e" | "--expression") => {
                    scripts.extend(args.get(i + 1).cloned().flatten());
                    positional_script = false;
                    i += 2;
                }
                Some("-f" | "--file") => {
                    positional_script = false;
                    i += 2;
                }
                Some(a) if a.starts_with('-') => i += 1,
                Some(a) => {
                    if positional_script {
                        scripts.push(a.to_string());
                        positional_script = false;
                    }
                    i += 1;
                }
                None => i += 1,
            }
        }
        for script in scripts {
            for code in sed_shell_code(&script) {
                self.code(&code);
            }
        }
    }

    fn copies(&mut self, name: &str, args: &[&str]) {
        let operands: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .collect();
        // `cp x.sh y && sh y`: the copy holds what the original holds.
        if let ([source, target], "cp" | "mv" | "install") = (operands.as_slice(), name) {
            let from = self.cwd.join(source);
            let text = match self.written.get(&from) {
                Some(text) => Some(text.clone()),
                None => read_script(&from, &self.root),
            };
            if let Some(text) = text {
                self.written.insert(self.cwd.join(target), text);
            }
        }
        let sources: Vec<&str> = match (name, operands.len()) {
            ("dd", _) => operands
                .iter()
                .filter_map(|a| a.strip_prefix("if="))
                .collect(),
            ("ln", 1) => operands.clone(),
            (_, n) if n >= 2 => operands.get(..n - 1).unwrap_or_default().to_vec(),
            _ => Vec::new(),
        };
        for source in sources {
            let base = source.rsplit('/').next().unwrap_or(source);
            let program = programs::normalize(base);
            if programs::is_blocked(&program) {
                self.block(
                    HookRule::CopiesPgClient,
                    format!("it copies or links {program}, which would run it under another name"),
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_tables_are_sorted_and_unique() {
        for table in [
            PG_QUERY_VALUE_OPTIONS,
            SSH_VALUE_OPTIONS,
            CONTAINER_VALUE_OPTIONS,
            WATCH_VALUE_OPTIONS,
            RUNUSER_VALUE_OPTIONS,
            PARALLEL_VALUE_OPTIONS,
            GIT_COMMAND_SETTINGS,
            DATA_MODULES,
        ] {
            for pair in table.windows(2) {
                assert!(pair[0] < pair[1], "not sorted or not unique: {pair:?}");
            }
        }
    }
}
