//! Finds every command a shell command line would run, on a real parser
//! (tree-sitter-bash), and judges each: blocked PostgreSQL programs, vendor
//! CLIs that open psql, connection URIs, copies of a blocked program, shell
//! code hidden in strings, pipes and here-docs, scripts run from files, and
//! command words that cannot be known.

use super::programs::{self, Wrapper};
use super::rules::{HookRule, Problem};
use super::words::{decode_ansi_c, expand_braces, glob_matches, Evaluator, Variables, Word};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tree_sitter::{Node, Parser, Tree};

/// How deep shell code may nest in shell code (`sh -c "eval '…'"`) or a
/// tree may nest before the command counts as suspect.
const MAX_CODE_DEPTH: usize = 8;
const MAX_TREE_DEPTH: usize = 400;
/// How much of a script file is read.
pub const SCRIPT_CAP: u64 = 512 * 1024;

/// What the analysis of one command line found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Findings {
    /// The first reason to block, if any.
    pub block: Option<Problem>,
    /// The agent passed `--confirm` to pg-query.
    pub confirm: bool,
}

/// What feeds a command's standard input.
#[derive(Debug, Clone)]
enum Stdin {
    Text(String),
    Unknown,
}

pub struct Shell {
    root: PathBuf,
    cwd: PathBuf,
    variables: Variables,
    /// Files the command line itself writes (`echo … > q.sh`), by path.
    written: HashMap<PathBuf, String>,
    depth: usize,
    findings: Findings,
    parser: Option<Parser>,
}

impl Shell {
    /// Analyzes a whole command line run in `cwd`.
    pub fn analyze(command: &str, cwd: &Path) -> Findings {
        let mut shell = Shell {
            root: cwd.to_path_buf(),
            cwd: cwd.to_path_buf(),
            variables: Variables::default(),
            written: HashMap::new(),
            depth: 0,
            findings: Findings::default(),
            parser: None,
        };
        shell.code(command);
        shell.findings
    }

    fn block(&mut self, rule: HookRule, detail: impl Into<String>) {
        if self.findings.block.is_none() {
            self.findings.block = Some(Problem {
                rule,
                detail: detail.into(),
            });
        }
    }

    fn blocked(&self) -> bool {
        self.findings.block.is_some()
    }

    fn parse(&mut self, text: &str) -> Option<Tree> {
        if self.parser.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            self.parser = Some(parser);
        }
        self.parser.as_mut()?.parse(text, None)
    }

    /// Shell code: a command line, a `-c` string, an eval'd string, a script.
    fn code(&mut self, text: &str) {
        if self.blocked() {
            return;
        }
        if self.depth >= MAX_CODE_DEPTH {
            self.block(HookRule::TooDeep, "shell code nested too deeply to inspect");
            return;
        }
        if let Some(uri) = programs::find_uri(text) {
            self.block(
                HookRule::PostgresUri,
                format!("it holds a PostgreSQL connection URI ({uri}…)"),
            );
            return;
        }
        // `ps\<newline>ql` is `psql` to the shell.
        let text = text.replace("\\\r\n", "").replace("\\\n", "");
        let Some(tree) = self.parse(&text) else {
            self.block(HookRule::Unparsable, "the command could not be parsed");
            return;
        };
        let root = tree.root_node();
        if root.has_error() {
            let glob = text
                .split_whitespace()
                .map(|t| t.trim_matches(|c| c == '\'' || c == '"'))
                .filter(|t| t.contains(['*', '?', '[']))
                .find_map(|t| {
                    programs::blocked_matching(
                        &programs::normalize(t.rsplit('/').next().unwrap_or(t)),
                        glob_matches,
                    )
                });
            if let Some(name) = programs::mentioned_program(&text).or(glob.map(String::from)) {
                self.block(
                    HookRule::Unparsable,
                    format!("the command does not parse cleanly and names {name}"),
                );
                return;
            }
        }
        self.depth += 1;
        let mut stdin = HashMap::new();
        self.walk(root, &text, &mut stdin, 0);
        self.depth -= 1;
    }

    fn walk(&mut self, node: Node<'_>, src: &str, stdin: &mut HashMap<usize, Stdin>, depth: usize) {
        if self.blocked() {
            return;
        }
        if depth > MAX_TREE_DEPTH {
            self.block(HookRule::TooDeep, "the command nests too deeply to inspect");
            return;
        }
        match node.kind() {
            "variable_assignment" => self.assignment(node, src),
            "command" => self.command(node, src, stdin),
            "redirected_statement" => self.redirected(node, src, stdin),
            "pipeline" => self.pipeline(node, src, stdin),
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        for child in children {
            // An assignment's value, and a command's words, were judged above;
            // what they hold (`$(…)`) is walked like everything else.
            self.walk(child, src, stdin, depth + 1);
        }
    }

    fn evaluate(&mut self, node: Node<'_>, src: &str) -> Word {
        let variables = &self.variables;
        let substitution = |n: Node<'_>| substitution_output(n, src, variables);
        let evaluator = Evaluator {
            source: src,
            variables,
            substitution: &substitution,
        };
        let word = evaluator.word(node);
        if let Some(uri) = programs::find_uri(&word.visible()) {
            self.block(
                HookRule::PostgresUri,
                format!("it holds a PostgreSQL connection URI ({uri}…)"),
            );
        }
        word
    }

    fn assignment(&mut self, node: Node<'_>, src: &str) {
        let Some(name) = node.child_by_field_name("name") else {
            return;
        };
        let name = src[name.byte_range()].to_string();
        let value = match node.child_by_field_name("value") {
            Some(value) => self.evaluate(value, src).value(),
            None => Some(String::new()),
        };
        self.variables.set(&name, value);
    }

    fn words(&mut self, node: Node<'_>, src: &str) -> Vec<Word> {
        let mut words = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        for (i, child) in children.iter().enumerate() {
            let field = node.field_name_for_child(i as u32);
            if field == Some("name") || field == Some("argument") {
                let target = if child.kind() == "command_name" {
                    child.named_child(0).unwrap_or(*child)
                } else {
                    *child
                };
                let word = self.evaluate(target, src);
                if word.has_brace() {
                    if let Some(text) = word.value() {
                        words.extend(expand_braces(&text).into_iter().map(Word::known));
                        continue;
                    }
                }
                words.push(word);
            }
        }
        words
    }

    fn command(&mut self, node: Node<'_>, src: &str, stdin: &HashMap<usize, Stdin>) {
        let words = self.words(node, src);
        if words.is_empty() {
            return;
        }
        // A here-string can hang on the command itself (`bash <<< psql`).
        let mut cursor = node.walk();
        let own: Vec<Node<'_>> = node
            .children_by_field_name("redirect", &mut cursor)
            .filter(|r| r.kind() == "herestring_redirect")
            .collect();
        let input = match own.first().and_then(|r| r.named_child(0)) {
            Some(word) => Some(
                self.evaluate(word, src)
                    .value()
                    .map_or(Stdin::Unknown, |v| Stdin::Text(v + "\n")),
            ),
            None => stdin.get(&node.id()).cloned(),
        };
        self.run(&words, input, src);
    }

    /// Judges the command `words[0]` with arguments `words[1..]`, looking
    /// through wrappers to the command they run.
    fn run(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let mut words = words;
        for _ in 0..16 {
            if self.blocked() || words.is_empty() {
                return;
            }
            let Some(base) = words[0].basename() else {
                self.dynamic_command(&words[0], src);
                return;
            };
            let name = programs::normalize(&base);
            if words[0].has_glob() {
                if let Some(program) = programs::blocked_matching(&name, glob_matches) {
                    self.block(
                        HookRule::PgClientProgram,
                        format!("the pattern {base} matches {program}, a PostgreSQL program"),
                    );
                    return;
                }
            }
            if programs::is_blocked(&name) {
                self.block(
                    HookRule::PgClientProgram,
                    format!("it runs {name}, a PostgreSQL program"),
                );
                return;
            }
            let args: Vec<Option<String>> = words[1..].iter().map(Word::value).collect();
            if let Some(vendor) = programs::vendor_opens_psql(&name, &args) {
                self.block(
                    HookRule::VendorCli,
                    format!("`{vendor}` opens a PostgreSQL session itself"),
                );
                return;
            }
            if let Some(wrapper) = programs::wrapper_named(&name) {
                match self.through_wrapper(wrapper, words) {
                    Some(next) => {
                        words = next;
                        continue;
                    }
                    None => return,
                }
            }
            self.program(&name, words, stdin, src);
            return;
        }
        self.block(HookRule::TooDeep, "too many wrapper commands to inspect");
    }

    /// The command a wrapper runs (`sudo -u x psql` → `psql`), or None when it runs none.
    fn through_wrapper<'w>(&mut self, wrapper: &Wrapper, words: &'w [Word]) -> Option<&'w [Word]> {
        let mut i = 1;
        let mut skip = wrapper.positionals;
        while i < words.len() {
            let Some(word) = words[i].value() else {
                break;
            };
            if word == "--" {
                i += 1;
                break;
            }
            if let Some(code_option) = wrapper.code_option {
                if word == code_option
                    || (word.starts_with(code_option) && code_option.len() == 2 && word.len() > 2)
                {
                    let code = if word == code_option {
                        words.get(i + 1).and_then(Word::value)
                    } else {
                        Some(word[2..].to_string())
                    };
                    if let Some(code) = code {
                        self.code(&code);
                    }
                    return None;
                }
            }
            if wrapper.lookup_options.contains(&word.as_str()) {
                return None;
            }
            if word.starts_with('-') && word.len() > 1 {
                let (flag, attached) = match word.split_once('=') {
                    Some((flag, _)) => (flag, true),
                    None => (word.as_str(), false),
                };
                let takes_value = wrapper.value_options.contains(&flag);
                let short_attached = !flag.starts_with("--")
                    && flag.len() > 2
                    && flag
                        .get(..2)
                        .is_some_and(|short| wrapper.value_options.contains(&short));
                i += if takes_value && !attached && !short_attached {
                    2
                } else {
                    1
                };
                continue;
            }
            if wrapper.assignments && word.contains('=') && !word.starts_with('=') {
                i += 1;
                continue;
            }
            if skip > 0 {
                skip -= 1;
                i += 1;
                continue;
            }
            break;
        }
        words.get(i..).filter(|rest| !rest.is_empty())
    }

    /// Programs with something to look into once wrappers are peeled off.
    fn program(&mut self, name: &str, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let args: Vec<Option<String>> = words[1..].iter().map(Word::value).collect();
        let known: Vec<&str> = args.iter().flatten().map(String::as_str).collect();
        match name {
            _ if programs::is_shell(name) => self.shell(words, stdin, src),
            _ if programs::interpreter(name).is_some() => self.interpreter(name, words, stdin),
            "eval" => {
                if let Some(code) = join(&args) {
                    self.code(&code);
                } else {
                    self.dynamic_command(&words[1], src);
                }
            }
            "su" | "runuser" => {
                // `su [user] -c CODE`; `runuser -u USER [--] CMD…` runs CMD.
                if let Some(code) = option_value(&args, &["-c", "--command"]) {
                    self.code(&code);
                } else if name == "runuser" {
                    let start = match args.iter().position(|a| a.as_deref() == Some("--")) {
                        Some(dash) => dash + 1,
                        None => skip_options(
                            &args,
                            &[
                                "-u",
                                "--user",
                                "-g",
                                "--group",
                                "-G",
                                "--supp-group",
                                "-s",
                                "--shell",
                            ],
                        ),
                    };
                    if start < args.len() {
                        self.run(&words[1 + start..], None, src);
                    }
                }
            }
            "ssh" => self.ssh(&args),
            "docker" | "podman" | "nerdctl" => self.container(&args, src),
            "kubectl" | "oc" => self.kubectl(words, src),
            "watch" => {
                let rest = skip_options(
                    &args,
                    &[
                        "-n",
                        "--interval",
                        "-d",
                        "--differences",
                        "-q",
                        "--equexit",
                        "--errexit",
                        "-s",
                    ],
                );
                if let Some(code) = join(&args[rest..]) {
                    self.code(&code);
                }
            }
            "find" => self.find(words, src),
            "xargs" => {}
            "parallel" => {
                let end = args
                    .iter()
                    .position(|a| a.as_deref() == Some(":::"))
                    .unwrap_or(args.len());
                let start = skip_options(&args[..end], &["-j", "--jobs", "-S", "--sshlogin"]);
                if start < end {
                    self.run(&words[1 + start..1 + end], None, src);
                }
            }
            "git" => self.git(&args),
            "sed" | "gsed" => self.sed(&args),
            "alias" => {
                for arg in args.iter().flatten() {
                    if let Some((_, value)) = arg.split_once('=') {
                        self.code(value);
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
                        let value = match args.get(i + 2).cloned().flatten() {
                            Some(format) => printf(&format, args.get(i + 3..).unwrap_or_default()),
                            None => None,
                        };
                        self.variables.set(&name, value);
                    }
                }
            }
            "read" => {
                let names: Vec<&str> = known
                    .iter()
                    .copied()
                    .filter(|a| !a.starts_with('-'))
                    .collect();
                let text = match &stdin {
                    Some(Stdin::Text(text)) => Some(text.trim_end_matches('\n').to_string()),
                    _ => None,
                };
                let mut parts = text
                    .as_deref()
                    .map(|t| t.split_whitespace().collect::<Vec<_>>());
                for (k, name) in names.iter().enumerate() {
                    let value = parts.as_mut().map(|p| {
                        if k + 1 == names.len() {
                            p.get(k..).map(|r| r.join(" ")).unwrap_or_default()
                        } else {
                            p.get(k).map(|s| s.to_string()).unwrap_or_default()
                        }
                    });
                    self.variables.set(name, value);
                }
            }
            "source" | "." => {
                if let Some(path) = known.first() {
                    self.script(path, ScriptKind::Shell);
                }
            }
            "pg-query" => {
                if known.contains(&"--confirm") {
                    self.findings.confirm = true;
                }
            }
            _ => {
                // `./x.sh`, `scripts/run`, a file the command line wrote: read it.
                if let Some(path) = words[0].value() {
                    if path.contains('/') {
                        self.script(&path, ScriptKind::ByContent);
                    }
                }
            }
        }
    }

    fn dynamic_command(&mut self, word: &Word, src: &str) {
        let seen = word.visible();
        if programs::builds_code(src) {
            self.block(
                HookRule::DynamicCommand,
                "it runs a command whose name is only known at run time, and decodes or builds code",
            );
        } else if let Some(name) =
            programs::mentioned_program(src).or_else(|| programs::mentioned_program(&seen))
        {
            self.block(
                HookRule::DynamicCommand,
                format!("it runs a command whose name is only known at run time, and names {name}"),
            );
        }
    }

    fn shell(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str) {
        let args: Vec<Option<String>> = words[1..].iter().map(Word::value).collect();
        let mut i = 0;
        while i < args.len() {
            let Some(arg) = args[i].as_deref() else {
                // A script or option known only at run time.
                return;
            };
            if arg == "-c" || (arg.starts_with('-') && !arg.starts_with("--") && arg.contains('c'))
            {
                match args.get(i + 1).cloned().flatten() {
                    Some(code) => self.code(&code),
                    None => self.block(
                        HookRule::DynamicCommand,
                        "a shell runs code known only at run time",
                    ),
                }
                return;
            }
            if arg == "-o" || arg == "+o" || arg == "--rcfile" || arg == "--init-file" {
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
            self.script(arg, ScriptKind::Shell);
            return;
        }
        self.stdin_code(stdin, ScriptKind::Shell, src);
    }

    fn stdin_code(&mut self, stdin: Option<Stdin>, kind: ScriptKind, src: &str) {
        match stdin {
            Some(Stdin::Text(text)) => match kind {
                ScriptKind::Shell => self.code(&text),
                _ => self.scan_code(&text, false),
            },
            Some(Stdin::Unknown) => {
                // Fed by something only known at run time (`curl … | sh`):
                // suspect when the line decodes or builds code, or names a
                // blocked program.
                if programs::builds_code(src) {
                    self.block(
                        HookRule::DynamicCommand,
                        "it pipes code that is decoded or built at run time into an interpreter",
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

    fn interpreter(&mut self, name: &str, words: &[Word], stdin: Option<Stdin>) {
        let Some(spec) = programs::interpreter(name) else {
            return;
        };
        let args: Vec<Option<String>> = words[1..].iter().map(Word::value).collect();
        let mut i = 0;
        while i < args.len() {
            let Some(arg) = args[i].as_deref() else {
                return;
            };
            if spec.code_options.contains(&arg) {
                if let Some(code) = args.get(i + 1).cloned().flatten() {
                    self.scan_code(&code, true);
                } else {
                    self.block(
                        HookRule::DynamicCommand,
                        format!("{name} runs code known only at run time"),
                    );
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
                self.scan_code(code, true);
                return;
            }
            if spec.subcommands.contains(&arg) {
                i += 1;
                continue;
            }
            if arg == "-m" {
                return;
            }
            if arg.starts_with('-') {
                i += if spec.value_options.contains(&arg) {
                    2
                } else {
                    1
                };
                continue;
            }
            if arg == "-" {
                break;
            }
            self.script(arg, ScriptKind::Code);
            return;
        }
        self.stdin_code(stdin, ScriptKind::Code, "");
    }

    /// Source code of another language: connection URIs, blocked programs
    /// named as strings (`'psql'`, `"pg_dump …"`), and for one-liners the
    /// PostgreSQL drivers.
    fn scan_code(&mut self, code: &str, one_liner: bool) {
        if let Some(uri) = programs::find_uri(code) {
            self.block(
                HookRule::PostgresUri,
                format!("it holds a PostgreSQL connection URI ({uri}…)"),
            );
        } else if let Some(name) = programs::quoted_program(code) {
            self.block(
                HookRule::InterpreterRunsPgClient,
                format!("its code runs {name}"),
            );
        } else if one_liner {
            if let Some(driver) = programs::driver_marker(code) {
                self.block(
                    HookRule::InterpreterRunsPgClient,
                    format!("its one-liner connects to PostgreSQL itself ({driver})"),
                );
            }
        }
    }

    fn script(&mut self, path: &str, kind: ScriptKind) {
        let full = self.cwd.join(path);
        let text = match self.written.get(&full) {
            Some(text) => Some(text.clone()),
            None => read_script(&full, &self.root),
        };
        let Some(text) = text else {
            return;
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
            ScriptKind::Code => self.scan_code(&text, false),
            ScriptKind::ByContent | ScriptKind::Binary => {}
        }
    }

    fn ssh(&mut self, args: &[Option<String>]) {
        let value_options = [
            "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o",
            "-p", "-Q", "-R", "-S", "-W", "-w", "-B", "-P",
        ];
        let host = skip_options(args, &value_options);
        if let Some(code) = join(args.get(host + 1..).unwrap_or_default()) {
            if !code.is_empty() {
                self.code(&code);
            }
        }
    }

    fn container(&mut self, args: &[Option<String>], src: &str) {
        let known: Vec<&str> = args.iter().flatten().map(String::as_str).collect();
        if let Some(i) = known.iter().position(|a| *a == "--entrypoint") {
            if let Some(entry) = known.get(i + 1) {
                self.run(&[Word::known(*entry)], None, src);
            }
        }
        let Some(sub) = args
            .iter()
            .position(|a| matches!(a.as_deref(), Some("exec" | "run")))
        else {
            return;
        };
        let value_options = [
            "-e",
            "--env",
            "-u",
            "--user",
            "-w",
            "--workdir",
            "--env-file",
            "-v",
            "--volume",
            "-p",
            "--publish",
            "--name",
            "--network",
            "--entrypoint",
            "-l",
            "--label",
            "--mount",
            "--platform",
            "-h",
            "--hostname",
            "--add-host",
            "--cpus",
            "-m",
            "--memory",
            "--pull",
            "--restart",
            "--shm-size",
            "--ulimit",
        ];
        let rest = &args[sub + 1..];
        let target = skip_options(rest, &value_options);
        let command: Vec<Word> = rest
            .get(target + 1..)
            .unwrap_or_default()
            .iter()
            .map(|a| a.clone().map_or_else(Word::unknown, Word::known))
            .collect();
        if !command.is_empty() {
            self.run(&command, None, src);
        }
    }

    fn kubectl(&mut self, words: &[Word], src: &str) {
        let values: Vec<Option<String>> = words.iter().map(Word::value).collect();
        if !values.iter().any(|v| v.as_deref() == Some("exec")) {
            return;
        }
        if let Some(dash) = values.iter().position(|v| v.as_deref() == Some("--")) {
            let command = words[dash + 1..].to_vec();
            self.run(&command, None, src);
        }
    }

    fn find(&mut self, words: &[Word], src: &str) {
        let mut i = 1;
        while i < words.len() {
            let value = words[i].value();
            if matches!(
                value.as_deref(),
                Some("-exec" | "-execdir" | "-ok" | "-okdir")
            ) {
                let end = words[i + 1..]
                    .iter()
                    .position(|w| matches!(w.value().as_deref(), Some(";" | "+" | "\\;")))
                    .map_or(words.len(), |p| i + 1 + p);
                let command = words[i + 1..end].to_vec();
                self.run(&command, None, src);
                i = end;
            }
            i += 1;
        }
    }

    fn git(&mut self, args: &[Option<String>]) {
        // `git -c alias.x='!cmd' x` and `git config alias.x '!cmd'` run shell code.
        for (i, arg) in args.iter().enumerate() {
            let Some(arg) = arg else { continue };
            let value = if arg.starts_with("alias.") {
                match arg.split_once('=') {
                    Some((_, v)) => Some(v.to_string()),
                    None => args.get(i + 1).cloned().flatten(),
                }
            } else {
                None
            };
            if let Some(code) = value.as_deref().and_then(|v| v.strip_prefix('!')) {
                self.code(code);
            }
        }
    }

    fn sed(&mut self, args: &[Option<String>]) {
        // GNU sed runs shell code with the `e` command and the `s///e` flag.
        let mut scripts = Vec::new();
        let mut i = 0;
        let mut positional_script = true;
        while i < args.len() {
            match args[i].as_deref() {
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
        let sources: Vec<&str> = match (name, operands.len()) {
            ("dd", _) => operands
                .iter()
                .filter_map(|a| a.strip_prefix("if="))
                .collect(),
            ("ln", 1) => operands.clone(),
            (_, n) if n >= 2 => operands[..n - 1].to_vec(),
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

    fn redirected(&mut self, node: Node<'_>, src: &str, stdin: &mut HashMap<usize, Stdin>) {
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        let mut cursor = node.walk();
        let redirects: Vec<Node<'_>> = node
            .children_by_field_name("redirect", &mut cursor)
            .collect();
        let mut input = None;
        let mut targets = Vec::new();
        for redirect in &redirects {
            match redirect.kind() {
                "heredoc_redirect" => {
                    let mut c = redirect.walk();
                    let body_text = redirect
                        .children(&mut c)
                        .find(|n| n.kind() == "heredoc_body")
                        .map(|n| src[n.byte_range()].to_string())
                        .unwrap_or_default();
                    input = Some(Stdin::Text(body_text));
                }
                "herestring_redirect" => {
                    let value = redirect
                        .named_child(0)
                        .map(|w| self.evaluate(w, src))
                        .and_then(|w| w.value());
                    input = Some(value.map_or(Stdin::Unknown, |v| Stdin::Text(v + "\n")));
                }
                "file_redirect" => {
                    let operator = redirect
                        .child(0)
                        .map(|o| src[o.byte_range()].to_string())
                        .unwrap_or_default();
                    if operator.contains('>') {
                        if let Some(target) = redirect.child_by_field_name("destination") {
                            if let Some(path) = self.evaluate(target, src).value() {
                                targets.push((path, operator.contains(">>")));
                            }
                        }
                    } else if operator == "<" {
                        if let Some(source) = redirect.child_by_field_name("destination") {
                            let path = self.evaluate(source, src).value();
                            let text =
                                path.and_then(|p| read_script(&self.cwd.join(p), &self.root));
                            input = Some(text.map_or(Stdin::Unknown, Stdin::Text));
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(input) = &input {
            for command in first_commands(body) {
                stdin.insert(command.id(), input.clone());
            }
        }
        // `cat <<EOF | sh`: tree-sitter hangs the pipeline under the here-doc.
        let output = self.output_of(body, src, input.clone());
        for redirect in &redirects {
            let mut c = redirect.walk();
            for child in redirect.children(&mut c) {
                if child.kind() == "pipeline" || child.kind() == "command" {
                    for command in first_commands(child) {
                        stdin.insert(command.id(), output.clone().unwrap_or(Stdin::Unknown));
                    }
                }
            }
        }
        // Files the line writes, for a later `bash FILE`.
        if let Some(Stdin::Text(text)) = output {
            for (path, append) in targets {
                let full = self.cwd.join(path);
                let entry = self.written.entry(full).or_default();
                if !append {
                    entry.clear();
                }
                entry.push_str(&text);
            }
        }
    }

    fn pipeline(&mut self, node: Node<'_>, src: &str, stdin: &mut HashMap<usize, Stdin>) {
        let mut cursor = node.walk();
        let stages: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        for pair in stages.windows(2) {
            let input = stdin.get(&pair[0].id()).cloned();
            let output = self
                .output_of(pair[0], src, input)
                .unwrap_or(Stdin::Unknown);
            for command in first_commands(pair[1]) {
                stdin.insert(command.id(), output.clone());
            }
        }
    }

    /// What a command prints, when that can be known statically.
    fn output_of(&mut self, node: Node<'_>, src: &str, input: Option<Stdin>) -> Option<Stdin> {
        let node = if node.kind() == "redirected_statement" {
            node.child_by_field_name("body")?
        } else {
            node
        };
        if node.kind() != "command" {
            return Some(Stdin::Unknown);
        }
        let words = self.words(node, src);
        let name = programs::normalize(&words.first()?.basename()?);
        let args: Vec<Option<String>> = words[1..].iter().map(Word::value).collect();
        Some(match name.as_str() {
            "echo" => join_echo(&args).map_or(Stdin::Unknown, Stdin::Text),
            "printf" => match args.first().cloned().flatten() {
                Some(format) => printf(&format, &args[1..]).map_or(Stdin::Unknown, Stdin::Text),
                None => Stdin::Unknown,
            },
            "cat" | "tee" | "head" | "tail" | "sort" | "uniq" => {
                let files: Vec<&Option<String>> = args
                    .iter()
                    .filter(|a| !a.as_deref().is_some_and(|s| s.starts_with('-')))
                    .collect();
                if name != "tee" && !files.is_empty() {
                    let mut text = String::new();
                    for file in files {
                        let content = file
                            .as_deref()
                            .and_then(|f| read_script(&self.cwd.join(f), &self.root));
                        match content {
                            Some(c) => text.push_str(&c),
                            None => return Some(Stdin::Unknown),
                        }
                    }
                    Stdin::Text(text)
                } else {
                    input.unwrap_or(Stdin::Unknown)
                }
            }
            _ => Stdin::Unknown,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScriptKind {
    Shell,
    Code,
    ByContent,
    Binary,
}

fn script_kind(path: &str, text: &str) -> ScriptKind {
    let first = text.lines().next().unwrap_or_default();
    if text.as_bytes().starts_with(b"\x7fELF") {
        return ScriptKind::Binary;
    }
    if let Some(shebang) = first.strip_prefix("#!") {
        let interpreter = shebang
            .split_whitespace()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .find(|w| *w != "env" && !w.starts_with('-'))
            .unwrap_or_default();
        return if programs::is_shell(interpreter) {
            ScriptKind::Shell
        } else {
            ScriptKind::Code
        };
    }
    let extension = path.rsplit('.').next().unwrap_or_default();
    match extension {
        "sh" | "bash" | "zsh" | "ksh" => ScriptKind::Shell,
        "py" | "js" | "mjs" | "cjs" | "ts" | "rb" | "pl" | "php" | "lua" => ScriptKind::Code,
        _ => ScriptKind::Shell,
    }
}

/// A script file under `root`, size-capped, if it can be read.
fn read_script(path: &Path, root: &Path) -> Option<String> {
    let canonical = path.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    if !canonical.starts_with(&root) || !canonical.is_file() {
        return None;
    }
    use std::io::Read;
    let file = std::fs::File::open(&canonical).ok()?;
    let mut bytes = Vec::new();
    file.take(SCRIPT_CAP).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The commands that read a pipeline stage's or statement's standard input.
fn first_commands(node: Node<'_>) -> Vec<Node<'_>> {
    match node.kind() {
        "command" => vec![node],
        "redirected_statement" => node
            .child_by_field_name("body")
            .map(first_commands)
            .unwrap_or_default(),
        "pipeline" => node.named_child(0).map(first_commands).unwrap_or_default(),
        "subshell" | "compound_statement" | "list" => {
            let mut cursor = node.walk();
            node.named_children(&mut cursor)
                .flat_map(first_commands)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// What `$(…)` prints, when it is `echo`, `printf`, or a lookup of a program's path.
fn substitution_output(node: Node<'_>, src: &str, variables: &Variables) -> Option<String> {
    let command = node.named_child(0)?;
    if command.kind() != "command" || node.named_child_count() != 1 {
        return None;
    }
    let nothing = |_: Node<'_>| None;
    let evaluator = Evaluator {
        source: src,
        variables,
        substitution: &nothing,
    };
    let mut cursor = command.walk();
    let words: Vec<Word> = command
        .children(&mut cursor)
        .filter(|c| c.kind() != "variable_assignment" && c.kind() != "file_redirect")
        .map(|c| {
            evaluator.word(
                c.named_child(0)
                    .filter(|_| c.kind() == "command_name")
                    .unwrap_or(c),
            )
        })
        .collect();
    let name = programs::normalize(&words.first()?.basename()?);
    let args: Vec<Option<String>> = words[1..].iter().map(Word::value).collect();
    match name.as_str() {
        "echo" => join_echo(&args).map(|s| s.trim_end_matches('\n').to_string()),
        "printf" => printf(args.first()?.as_deref()?, &args[1..]),
        "which" | "type" | "whereis" | "command" => {
            let program = args.iter().flatten().find(|a| !a.starts_with('-'))?;
            Some(format!("/usr/bin/{program}"))
        }
        _ => None,
    }
}

fn join(args: &[Option<String>]) -> Option<String> {
    let parts: Option<Vec<&str>> = args.iter().map(|a| a.as_deref()).collect();
    parts.map(|p| p.join(" "))
}

/// `echo`'s output for known arguments (`-n`, `-e`, `-E` understood).
fn join_echo(args: &[Option<String>]) -> Option<String> {
    let mut newline = true;
    let mut escapes = false;
    let mut start = 0;
    for arg in args {
        match arg.as_deref() {
            Some("-n") => newline = false,
            Some("-e") => escapes = true,
            Some("-E") => escapes = false,
            Some("-ne" | "-en") => {
                newline = false;
                escapes = true;
            }
            _ => break,
        }
        start += 1;
    }
    let mut text = join(&args[start..])?;
    if escapes {
        text = decode_ansi_c(&text);
    }
    if newline {
        text.push('\n');
    }
    Some(text)
}

/// `printf FORMAT ARGS…` for known arguments: escapes, `%s`/`%b`/`%d`, reused format.
fn printf(format: &str, args: &[Option<String>]) -> Option<String> {
    let args: Vec<String> = args.iter().cloned().collect::<Option<Vec<_>>>()?;
    let format = decode_ansi_c(format);
    let mut out = String::new();
    let mut next = 0;
    loop {
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | ' ' | '+' | '#'))
            {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('b') => {
                    out.push_str(&decode_ansi_c(args.get(next).map_or("", String::as_str)));
                    next += 1;
                }
                Some(_) => {
                    out.push_str(args.get(next).map_or("", String::as_str));
                    next += 1;
                }
                None => {}
            }
        }
        if next == 0 || next >= args.len() {
            break;
        }
    }
    Some(out)
}

fn option_value(args: &[Option<String>], options: &[&str]) -> Option<String> {
    let i = args
        .iter()
        .position(|a| a.as_deref().is_some_and(|a| options.contains(&a)))?;
    args.get(i + 1).cloned().flatten()
}

/// Index of the first operand after options (options in `value_options` take a value).
fn skip_options(args: &[Option<String>], value_options: &[&str]) -> usize {
    let mut i = 0;
    while i < args.len() {
        match args[i].as_deref() {
            Some("--") => return i + 1,
            Some(a) if a.starts_with('-') && a.len() > 1 => {
                i += if value_options.contains(&a) { 2 } else { 1 };
            }
            _ => return i,
        }
    }
    // A value option last on the line (`watch -n`) must not step past the end.
    i.min(args.len())
}

/// The shell code a sed script runs: `e COMMAND` and `s/…/…/e` replacements.
fn sed_shell_code(script: &str) -> Vec<String> {
    let mut found = Vec::new();
    for part in script.split([';', '\n']) {
        let part = part.trim();
        let command = part
            .trim_start_matches(|c: char| c.is_ascii_digit() || c == ',' || c == '$' || c == ' ');
        if let Some(rest) = command.strip_prefix('e') {
            if rest.is_empty() || rest.starts_with(' ') {
                found.push(rest.trim().to_string());
                continue;
            }
        }
        if let Some(rest) = command.strip_prefix('s') {
            let mut chars = rest.chars();
            let Some(delimiter) = chars.next() else {
                continue;
            };
            let fields: Vec<&str> = rest[delimiter.len_utf8()..].splitn(3, delimiter).collect();
            if fields.len() == 3 && fields[2].contains('e') {
                found.push(fields[1].to_string());
            }
        }
    }
    found
}
