//! Finds every command a shell command line would run, on a real parser
//! (tree-sitter-bash), and judges each: blocked PostgreSQL programs, vendor
//! CLIs that open psql, connection URIs, copies of a blocked program, shell
//! code hidden in strings, pipes and here-docs, scripts run from files, and
//! command words that cannot be known.
//!
//! The default is inverted (issue 12): a mention of a PostgreSQL program or
//! driver anywhere in the text blocks unless the walk proves it stands in a
//! data position of a command it knows (`data_positions.txt`). Every piece
//! of text the walk judged is recorded as proven; what is left over at the
//! end of a piece of code and mentions something blocks.
//!
//! Rooms: this file walks the tree and keeps the accounts; `handlers.rs`
//! holds the per-program handlers; `emulate.rs` what `echo`/`printf` print;
//! `scripts.rs` script files; `protect.rs` the guard's own files.

mod emulate;
mod handlers;
mod protect;
mod scripts;

pub use protect::{configured_log, is_configured_log, protection, Protection};
pub use scripts::SCRIPT_CAP;

use super::mention;
use super::programs::{self, Wrapper};
use super::rules::{HookRule, Problem};
use super::words::{expand_braces, glob_matches, Evaluator, Variables, Word};
use emulate::{join_echo, printf, substitution_output};
use scripts::{first_commands, read_script, starts_by_itself};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tree_sitter::{Node, ParseOptions, ParseState, Parser, Tree};

/// How deep shell code may nest in shell code (`sh -c "eval '…'"`) or a
/// tree may nest before the command counts as suspect.
const MAX_CODE_DEPTH: usize = 8;
const MAX_TREE_DEPTH: usize = 400;
/// How many wrappers (`sudo nice timeout …`) are looked through.
const MAX_WRAPPERS: usize = 16;
/// The hook's time budget for one command line, in CPU time: past it,
/// whatever is left uninspected blocks (a hook must answer fast, and fail
/// closed). Time spent waiting for a CPU on a loaded machine does not count,
/// so a small command's verdict does not depend on the load — up to
/// `HARD_LIMIT` of wall time, which keeps every answer within 250 ms.
const TIME_BUDGET: Duration = Duration::from_millis(120);
const HARD_LIMIT: Duration = Duration::from_millis(170);

/// The time budget: a wall-clock deadline, moved on while the process has
/// used less CPU time than the budget (it was waiting, not working).
#[derive(Debug, Clone, Copy)]
struct Budget {
    started: Instant,
    deadline: Instant,
}

impl Budget {
    fn new() -> Budget {
        let started = Instant::now();
        Budget {
            started,
            deadline: started + TIME_BUDGET,
        }
    }

    fn expired(&mut self) -> bool {
        let now = Instant::now();
        if now.duration_since(self.started) > HARD_LIMIT {
            return true;
        }
        if now <= self.deadline {
            return false;
        }
        match process_cpu_time() {
            Some(spent) if spent < TIME_BUDGET => {
                self.deadline = now + (TIME_BUDGET - spent).max(Duration::from_millis(10));
                false
            }
            _ => true,
        }
    }
}

/// The CPU time this process has used (Linux: `/proc/self/stat`, in
/// 10 ms ticks); None elsewhere, where the wall clock decides alone.
fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15; the first after the name is 3.
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((user + system).saturating_mul(10)))
}

// Tools that only move or show text, and run none of it. Sorted.
const TEXT_TOOLS: &[&str] = &[
    ":", "[", "basename", "bat", "cat", "cd", "chmod", "chown", "cmp", "column", "cp", "cut",
    "diff", "dirname", "du", "echo", "exit", "false", "file", "git", "grep", "head", "jq", "less",
    "ln", "ls", "mkdir", "more", "mv", "printf", "readlink", "realpath", "rg", "rm", "rmdir",
    "sed", "set", "sleep", "sort", "stat", "tail", "tee", "test", "touch", "tr", "true", "uniq",
    "wait", "wc", "which", "xxd",
];

/// What a redirection does once its statement has run.
#[derive(Debug, Default)]
struct Pending {
    writes: Vec<(String, String, bool)>,
    taint: Option<(String, String)>,
}

/// What the analysis of one command line found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Findings {
    /// The first reason to block, if any.
    pub block: Option<Problem>,
    /// The agent passed (or may have passed) `--confirm` to pg-query.
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
    /// Spans of the current code that the walk judged (data, or code it
    /// read and found harmless).
    proven: Vec<Range<usize>>,
    /// Words a handler judged itself (code it read, a container's image).
    handled: HashSet<(usize, usize)>,
    /// A handler read the command's standard input as code.
    stdin_read: bool,
    /// What `<(…)` arguments print, by the argument's span.
    process_output: HashMap<(usize, usize), Stdin>,
    protect: protect::Guarded,
    /// A file this line wrote (or code it ran may have written) that
    /// mentions a program: (what, name). A later command that is not a data
    /// command may run it (`printf … > Makefile && make`).
    taint: Option<(String, String)>,
    /// When the time budget runs out.
    budget: Budget,
    /// Nodes walked, to look at the clock now and then.
    steps: usize,
    /// Folders git was told to take hooks from (`core.hooksPath`).
    hook_dirs: Vec<String>,
    /// What a redirection writes, done once its statement has run.
    pending: Vec<Pending>,
}

fn key(span: &Range<usize>) -> (usize, usize) {
    (span.start, span.end)
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
            proven: Vec::new(),
            handled: HashSet::new(),
            stdin_read: false,
            process_output: HashMap::new(),
            protect: protect::Guarded::new(cwd),
            taint: None,
            pending: Vec::new(),
            hook_dirs: Vec::new(),
            budget: Budget::new(),
            steps: 0,
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

    fn prove(&mut self, span: Option<&Range<usize>>) {
        if let Some(span) = span {
            self.proven.push(span.clone());
        }
    }

    /// A handler judged this word itself.
    fn handle(&mut self, word: Option<&Word>) {
        if let Some(span) = word.and_then(|w| w.span.as_ref()) {
            self.handled.insert(key(span));
        }
    }

    fn unproven(&mut self, what: &str, name: &str) {
        self.block(
            HookRule::UnprovenMention,
            format!(
                "{what} names {name}, and the hook cannot prove it is only data there (a human may allow this exact command for the project with `hook.allow` in the trusted configuration)"
            ),
        );
    }

    fn parse(&mut self, text: &str) -> Option<Tree> {
        if self.parser.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            self.parser = Some(parser);
        }
        let budget = &mut self.budget;
        let mut out_of_time = |_: &ParseState| budget.expired();
        let options = ParseOptions::new().progress_callback(&mut out_of_time);
        let bytes = text.as_bytes();
        self.parser.as_mut()?.parse_with_options(
            &mut |at, _| bytes.get(at..).unwrap_or_default(),
            None,
            Some(options),
        )
    }

    /// Whether the time budget ran out (and then the command is blocked).
    fn out_of_time(&mut self) -> bool {
        if self.blocked() {
            return true;
        }
        if self.budget.expired() {
            self.too_slow();
            return true;
        }
        false
    }

    fn too_slow(&mut self) {
        self.block(
            HookRule::TooLarge,
            format!(
                "the command is too large to inspect within the hook's time budget ({} ms)",
                TIME_BUDGET.as_millis()
            ),
        );
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
        let text = remove_line_continuations(text);
        let Some(tree) = self.parse(&text) else {
            if self.budget.expired() {
                self.too_slow();
            } else {
                self.block(HookRule::Unparsable, "the command could not be parsed");
            }
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
            // `{p..p}sql`: tree-sitter leaves a leading brace outside the command.
            let braced = text
                .split_whitespace()
                .filter(|t| t.contains('{'))
                .flat_map(|t| expand_braces(t.trim_matches(|c| c == '\'' || c == '"')))
                .find_map(|t| mention::first(&t));
            if let Some(name) = programs::mentioned_program(&text)
                .or(glob.map(String::from))
                .or(braced)
                .or_else(|| programs::joined_program(&text))
            {
                self.block(
                    HookRule::Unparsable,
                    format!("the command does not parse cleanly and names {name}"),
                );
                return;
            }
        }
        let outer_proven = std::mem::take(&mut self.proven);
        self.depth += 1;
        let mut stdin = HashMap::new();
        self.walk(root, &text, &mut stdin, 0);
        self.depth -= 1;
        if !self.blocked() {
            self.account(&text);
        }
        self.proven = outer_proven;
    }

    /// The inverted default: a mention in this code that no judged span
    /// covers blocks.
    fn account(&mut self, text: &str) {
        let found = mention::mentions(text);
        if found.is_empty() {
            return;
        }
        let mut spans = std::mem::take(&mut self.proven);
        spans.sort_by_key(|s| s.start);
        // The furthest end among spans starting at or before each one.
        let mut reach = Vec::with_capacity(spans.len());
        let mut furthest = 0;
        for span in &spans {
            furthest = furthest.max(span.end);
            reach.push(furthest);
        }
        for m in found {
            let before = spans.partition_point(|s| s.start <= m.span.start);
            let covered = before
                .checked_sub(1)
                .and_then(|i| reach.get(i))
                .is_some_and(|end| *end >= m.span.end);
            if !covered {
                let excerpt = excerpt(text, &m.span);
                self.unproven(&format!("the text `{excerpt}`"), &m.name);
                return;
            }
        }
    }

    fn walk(&mut self, node: Node<'_>, src: &str, stdin: &mut HashMap<usize, Stdin>, depth: usize) {
        if self.blocked() {
            return;
        }
        if depth > MAX_TREE_DEPTH {
            self.block(HookRule::TooDeep, "the command nests too deeply to inspect");
            return;
        }
        self.steps += 1;
        if self.steps.is_multiple_of(512) && self.out_of_time() {
            return;
        }
        match node.kind() {
            // A comment never runs (a backslash at its end continues nothing).
            "comment" => self.prove(Some(&node.byte_range())),
            "variable_assignment" => self.assignment(node, src),
            "declaration_command" => self.declaration(node, src),
            "command" => self.command(node, src, stdin),
            "redirected_statement" => {
                self.pending.push(Pending::default());
                self.redirected(node, src, stdin);
            }
            "pipeline" => self.pipeline(node, src, stdin),
            "for_statement" => self.for_loop(node, src),
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        for child in children {
            // An assignment's value, and a command's words, were judged above;
            // what they hold (`$(…)`) is walked like everything else.
            self.walk(child, src, stdin, depth + 1);
        }
        if node.kind() == "redirected_statement" {
            if let Some(pending) = self.pending.pop() {
                for (path, text, append) in pending.writes {
                    self.write_file(&path, &text, append);
                }
                if let Some(taint) = pending.taint {
                    self.taint.get_or_insert(taint);
                }
            }
        }
    }

    /// Marks the line tainted once the current statement has run.
    fn taint_later(&mut self, what: String, name: String) {
        match self.pending.last_mut() {
            Some(slot) => {
                slot.taint.get_or_insert((what, name));
            }
            None => {
                self.taint.get_or_insert((what, name));
            }
        }
    }

    fn evaluate(&mut self, node: Node<'_>, src: &str) -> Word {
        let variables = &self.variables;
        let (cwd, root) = (&self.cwd, &self.root);
        let files = |path: &str| read_script(&cwd.join(path), root);
        let substitution = |n: Node<'_>| substitution_output(n, src, variables, &files);
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
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = src
            .get(name_node.byte_range())
            .unwrap_or_default()
            .to_string();
        let value_node = node.child_by_field_name("value");
        let value = match value_node {
            // `BASH_ENV=<(echo psql)`: the file holds what the process prints.
            Some(value) if value.kind() == "process_substitution" => {
                let output = value
                    .named_child(0)
                    .and_then(|inner| self.output_of(inner, src, None));
                if let Some(Stdin::Text(text)) = output {
                    if let Some(found) = mention::first(&text) {
                        self.unproven(&format!("the file given to {name}"), &found);
                    }
                }
                None
            }
            Some(value) => self.evaluate(value, src).value(),
            None => Some(String::new()),
        };
        if let Some(module) = value
            .as_deref()
            .filter(|_| programs::module_variable(&name))
            .and_then(mention::driver_in_options)
        {
            self.block(
                HookRule::InterpreterRunsPgClient,
                format!("{name} makes the interpreter load a PostgreSQL driver ({module})"),
            );
        }
        // `x+=ql` appends.
        let appends = src
            .get(name_node.end_byte()..node.end_byte())
            .is_some_and(|rest| rest.starts_with("+="));
        let parent_node = node.parent();
        let nameref = parent_node.is_some_and(|p| {
            p.kind() == "declaration_command"
                && src
                    .get(p.byte_range())
                    .unwrap_or_default()
                    .split_whitespace()
                    .any(|w| w.starts_with('-') && w.contains('n'))
        });
        let value = if nameref {
            None
        } else if appends {
            match (self.variables.get(&name), value) {
                (Some(Some(old)), Some(new)) => Some(format!("{old}{new}")),
                (None, new) => new,
                _ => None,
            }
        } else {
            value
        };
        let parent = node.parent().map(|p| p.kind()).unwrap_or_default();
        let mentioned = value.as_deref().and_then(mention::first);
        match (parent, mentioned) {
            // `PAGER=psql git log`, `BASH_ENV=x.sh bash`: the value reaches a
            // program's environment, where it is not data.
            ("command", Some(found)) => {
                self.unproven(&format!("the environment variable {name}"), &found)
            }
            ("declaration_command", _) => {}
            // An upper-case name may already be exported (`PAGER=psql; git
            // log`); a lower-case one is the shell's: every use is judged.
            (_, Some(_)) if !name.chars().any(|c| c.is_ascii_lowercase()) => {}
            _ => self.prove(Some(&node.byte_range())),
        }
        if programs::startup_variable(&name) {
            if let Some(value) = value.as_deref() {
                self.startup(&name, value);
            }
        }
        self.variables.set(&name, value);
    }

    /// `declare`, `export`, `local`, `readonly`, `typeset`: a nameref (`-n`)
    /// or an exported value is not data; their assignments stay unproven.
    fn declaration(&mut self, node: Node<'_>, src: &str) {
        let text = src.get(node.byte_range()).unwrap_or_default();
        let nameref = text
            .split_whitespace()
            .any(|w| w.starts_with('-') && w.contains('n'));
        if nameref {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() == "variable_assignment" {
                    if let Some(name) = child.child_by_field_name("name") {
                        let name = src.get(name.byte_range()).unwrap_or_default().to_string();
                        self.variables.set(&name, None);
                    }
                }
            }
        }
    }

    /// `for p in psql pg_dump; do …`: the loop variable takes the item that
    /// mentions something (the one that matters), else an unknown value.
    fn for_loop(&mut self, node: Node<'_>, src: &str) {
        let Some(variable) = node.child_by_field_name("variable") else {
            return;
        };
        let name = src
            .get(variable.byte_range())
            .unwrap_or_default()
            .to_string();
        let mut cursor = node.walk();
        let values: Vec<Node<'_>> = node.children_by_field_name("value", &mut cursor).collect();
        let mut chosen = None;
        for value in values {
            let word = self.evaluate(value, src);
            if let Some(text) = word.value() {
                if mention::first(&text).is_some() && chosen.is_none() {
                    chosen = Some(text);
                }
            }
            self.prove(Some(&value.byte_range()));
        }
        self.variables.set(&name, chosen);
    }

    fn words(&mut self, node: Node<'_>, src: &str) -> Vec<Word> {
        let mut words = Vec::new();
        // A cursor knows each child's field in constant time.
        let mut cursor = node.walk();
        let mut children = Vec::new();
        if cursor.goto_first_child() {
            loop {
                let field = cursor.field_name();
                if field == Some("name") || field == Some("argument") {
                    children.push(cursor.node());
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        for (i, child) in children.iter().enumerate() {
            if i % 1024 == 1023 && self.out_of_time() {
                return words;
            }
            {
                let target = if child.kind() == "command_name" {
                    child.named_child(0).unwrap_or(*child)
                } else {
                    *child
                };
                let word = self.evaluate(target, src);
                if word.has_brace() {
                    if let Some(text) = word.value() {
                        let expanded = expand_braces(&text);
                        if let Some(uri) = expanded.iter().find_map(|t| programs::find_uri(t)) {
                            self.block(
                                HookRule::PostgresUri,
                                format!("it holds a PostgreSQL connection URI ({uri}…)"),
                            );
                        }
                        words.extend(expanded.into_iter().map(|t| Word {
                            span: word.span.clone(),
                            ..Word::known(t)
                        }));
                        continue;
                    }
                }
                if target.kind() == "process_substitution" {
                    let output = target
                        .named_child(0)
                        .and_then(|inner| self.output_of(inner, src, None))
                        .unwrap_or(Stdin::Unknown);
                    self.process_output
                        .insert(key(&target.byte_range()), output);
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
            Some(word) => {
                self.prove(Some(&word.byte_range()));
                Some(
                    self.evaluate(word, src)
                        .value()
                        .map_or(Stdin::Unknown, |v| Stdin::Text(v + "\n")),
                )
            }
            None => stdin.get(&node.id()).cloned(),
        };
        self.run(&words, input, src, false);
    }

    /// Judges the command `words[0]` with arguments `words[1..]`, looking
    /// through wrappers to the command they run.
    fn run(&mut self, words: &[Word], stdin: Option<Stdin>, src: &str, via_xargs: bool) {
        let mut words = words;
        let mut via_xargs = via_xargs;
        for _ in 0..MAX_WRAPPERS {
            if self.blocked() {
                return;
            }
            let Some(first) = words.first() else {
                return;
            };
            // `xargs -I{} {} shop`: the command comes from standard input.
            if via_xargs && first.value().is_some_and(|v| v.contains("{}") || v == "%") {
                self.dynamic_command(first, src);
            }
            let Some(base) = first.basename() else {
                self.dynamic_command(first, src);
                self.prove(first.span.as_ref());
                self.protect_words("", words);
                self.gate("a command known only at run time", words, &stdin, None);
                return;
            };
            let name = programs::normalize(&base);
            if first.has_glob() {
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
            let args: Vec<Option<String>> = words.iter().skip(1).map(Word::value).collect();
            if let Some(vendor) = programs::vendor_opens_psql(&name, &args) {
                self.block(
                    HookRule::VendorCli,
                    format!("`{vendor}` opens a PostgreSQL session itself"),
                );
                return;
            }
            if let Some(wrapper) = programs::wrapper_named(&name) {
                via_xargs |= matches!(name.as_str(), "xargs" | "parallel");
                let next = self.through_wrapper(wrapper, words);
                let consumed = words.len() - next.map_or(0, <[Word]>::len);
                self.wrapper_words(wrapper, words.get(..consumed).unwrap_or_default());
                match next {
                    Some(next) => {
                        words = next;
                        continue;
                    }
                    None => {
                        // `exec 3< <(…)`, `sudo -s <<< …`: what it reads is not data.
                        self.stdin_gate(&name, &stdin, false);
                        return;
                    }
                }
            }
            if let Some(runner) = super::runners::lookup(&name, &args) {
                self.runner(&runner, words, stdin.clone(), src);
                self.gate(&name, words, &stdin, Some(&name));
                return;
            }
            self.tainted(&name, &args);
            // Nested commands (a container's, find's -exec) keep their own marks.
            let outer = std::mem::take(&mut self.handled);
            self.stdin_read = false;
            self.program(&name, words, stdin.clone(), src, via_xargs);
            self.protect_words(&name, words);
            self.gate(&name, words, &stdin, Some(&name));
            self.handled = outer;
            return;
        }
        self.block(HookRule::TooDeep, "too many wrapper commands to inspect");
    }

    /// A wrapper's own words (`sudo -u postgres`, `timeout 10`) are data,
    /// but an `env NAME=VALUE` reaches the program's environment.
    fn wrapper_words(&mut self, wrapper: &Wrapper, own: &[Word]) {
        for word in own {
            let text = word.value().unwrap_or_else(|| word.visible());
            let handled = word
                .span
                .as_ref()
                .is_some_and(|s| self.handled.contains(&key(s)));
            if wrapper.assignments && text.contains('=') && !handled {
                if let Some(found) = mention::first(&text) {
                    self.unproven(
                        &format!("`{}` is given `{text}`, which", wrapper.name),
                        &found,
                    );
                    return;
                }
            }
            self.prove(word.span.as_ref());
        }
    }

    /// The gate of the inverted default: every word of a command that
    /// mentions a program or driver must stand in a data position of a
    /// known command, or have been judged by the command's handler.
    fn gate(&mut self, what: &str, words: &[Word], stdin: &Option<Stdin>, name: Option<&str>) {
        if self.blocked() {
            return;
        }
        let args: Vec<Option<String>> = words.iter().skip(1).map(Word::value).collect();
        let table = name.and_then(|n| super::data::lookup(n, &args));
        let data = table.as_ref().map(|t| t.data_arguments(&args));
        for (i, word) in words.iter().enumerate() {
            if i % 1024 == 1023 && self.out_of_time() {
                return;
            }
            let handled = word
                .span
                .as_ref()
                .is_some_and(|s| self.handled.contains(&key(s)));
            if handled {
                self.prove(word.span.as_ref());
                continue;
            }
            let mut text = word.value().unwrap_or_else(|| word.visible());
            // `make -f <(printf …)`: what the file holds is what the program reads.
            if let Some(Stdin::Text(output)) = self.process_output_of(Some(word)) {
                text.push(' ');
                text.push_str(&output);
            }
            let is_data = i
                .checked_sub(1)
                .and_then(|a| data.as_ref().and_then(|d| d.get(a)))
                .copied()
                .unwrap_or(false);
            match mention::first(&text) {
                Some(found) if !is_data => {
                    let shown: String = text.chars().take(80).collect();
                    if i == 0 {
                        self.unproven(&format!("the command word `{shown}`"), &found);
                    } else {
                        self.unproven(&format!("`{what}` is given `{shown}`, which"), &found);
                    }
                    return;
                }
                _ => self.prove(word.span.as_ref()),
            }
        }
        self.stdin_gate(what, stdin, table.is_some());
    }

    /// Text with a mention fed to a command that does not read it as data.
    fn stdin_gate(&mut self, what: &str, stdin: &Option<Stdin>, data: bool) {
        if let Some(Stdin::Text(text)) = stdin {
            if !self.stdin_read && !data {
                if let Some(found) = mention::first(text) {
                    self.unproven(
                        &format!("text fed to `{what}` on its standard input"),
                        &found,
                    );
                }
            }
        }
    }

    /// A command after a write of a mention, that may run what was written.
    fn tainted(&mut self, name: &str, args: &[Option<String>]) {
        let Some((what, found)) = self.taint.clone() else {
            return;
        };
        if TEXT_TOOLS.binary_search(&name).is_ok() {
            return;
        }
        // `pip install -r requirements.txt` reads package names, not code.
        let requirements = matches!(name, "pip" | "pip3" | "uv")
            && args.iter().flatten().any(|a| a == "install")
            && args
                .iter()
                .flatten()
                .any(|a| a == "-r" || a == "--requirement" || a.starts_with("--requirement="));
        if requirements {
            return;
        }
        self.unproven(&format!("{what}, which `{name}` may then run,"), &found);
    }

    /// The command a wrapper runs (`sudo -u x psql` → `psql`), or None when it runs none.
    fn through_wrapper<'w>(&mut self, wrapper: &Wrapper, words: &'w [Word]) -> Option<&'w [Word]> {
        let mut i = 1;
        let mut skip = wrapper.positionals;
        while let Some(current) = words.get(i) {
            let Some(word) = current.value() else {
                break;
            };
            if word == "--" {
                i += 1;
                break;
            }
            if let Some(code_option) = wrapper.code_option {
                let attached =
                    code_option.len() == 2 && word.len() > 2 && word.starts_with(code_option);
                // `script -qc CODE`: the code option last in a cluster of flags.
                let clustered = code_option.len() == 2
                    && !word.starts_with("--")
                    && word.starts_with('-')
                    && word.ends_with(code_option.get(1..).unwrap_or_default());
                if word == code_option || attached || clustered {
                    let (code, code_word) = if word == code_option || clustered {
                        (words.get(i + 1).and_then(Word::value), words.get(i + 1))
                    } else {
                        (word.get(2..).map(str::to_string), Some(current))
                    };
                    match code {
                        Some(code) => {
                            self.code(&code);
                            self.handle(code_word);
                        }
                        None => self.block(
                            HookRule::DynamicCommand,
                            format!("{} runs code known only at run time", wrapper.name),
                        ),
                    }
                    return None;
                }
            }
            if wrapper.lookup_options.contains(&word.as_str()) {
                // `command -v psql` looks the name up: data.
                for word in words {
                    self.handle(Some(word));
                }
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

    fn dynamic_command(&mut self, word: &Word, src: &str) {
        let seen = word.visible();
        if programs::builds_code(src) || programs::assembles_code(src) {
            self.block(
                HookRule::DynamicCommand,
                "it runs a command whose name is only known at run time, and decodes, builds or assembles code",
            );
        } else if let Some(name) = programs::mentioned_program(src)
            .or_else(|| programs::mentioned_program(&seen))
            .or_else(|| programs::mentioned_program(&word.known_text()))
            .or_else(|| programs::joined_program(src))
        {
            self.block(
                HookRule::DynamicCommand,
                format!("it runs a command whose name is only known at run time, and names {name}"),
            );
        }
    }

    fn redirected(&mut self, node: Node<'_>, src: &str, stdin: &mut HashMap<usize, Stdin>) {
        // `> file` alone truncates it: the body may be missing.
        let body = node.child_by_field_name("body").unwrap_or(node);
        let mut cursor = node.walk();
        let redirects: Vec<Node<'_>> = node
            .children_by_field_name("redirect", &mut cursor)
            .collect();
        let mut input = None;
        let mut targets = Vec::new();
        let readers = first_commands(body);
        for redirect in &redirects {
            match redirect.kind() {
                "heredoc_redirect" => {
                    let mut c = redirect.walk();
                    let body_node = redirect
                        .children(&mut c)
                        .find(|n| n.kind() == "heredoc_body");
                    let body_text = body_node
                        .and_then(|n| src.get(n.byte_range()))
                        .unwrap_or_default()
                        .to_string();
                    // Judged as the standard input of the commands that read it.
                    if !readers.is_empty() {
                        self.prove(body_node.map(|n| n.byte_range()).as_ref());
                    }
                    input = Some(Stdin::Text(body_text));
                }
                "herestring_redirect" => {
                    let value = redirect
                        .named_child(0)
                        .map(|w| self.evaluate(w, src))
                        .and_then(|w| w.value());
                    if !readers.is_empty() {
                        self.prove(redirect.named_child(0).map(|n| n.byte_range()).as_ref());
                    }
                    input = Some(value.map_or(Stdin::Unknown, |v| Stdin::Text(v + "\n")));
                }
                "file_redirect" => {
                    let mut c = redirect.walk();
                    let operator = redirect
                        .children(&mut c)
                        .find(|o| o.kind() != "file_descriptor")
                        .and_then(|o| src.get(o.byte_range()))
                        .unwrap_or_default()
                        .to_string();
                    let destination = redirect.child_by_field_name("destination");
                    let path = destination.map(|d| self.evaluate(d, src));
                    if let Some(d) = destination {
                        self.prove(Some(&d.byte_range()));
                    }
                    let path = path.and_then(|p| p.value());
                    if operator.contains('>') {
                        // A target known only at run time keeps its place: "?".
                        let path = path.unwrap_or_else(|| "?".into());
                        self.protect
                            .written(&mut self.findings, &self.cwd, &path, "a redirection");
                        targets.push((path, operator.contains(">>")));
                    } else if operator == "<" {
                        if let Some(path) = &path {
                            self.protect
                                .read(&mut self.findings, &self.cwd, path, "a redirection");
                        }
                        // `bash < <(cat x.sh)`: the output of the process.
                        let process = destination
                            .filter(|d| d.kind() == "process_substitution")
                            .and_then(|d| d.named_child(0))
                            .and_then(|inner| self.output_of(inner, src, None));
                        let text = path.and_then(|p| read_script(&self.cwd.join(p), &self.root));
                        input = Some(match (process, text) {
                            (Some(output), _) => output,
                            (None, Some(text)) => Stdin::Text(text),
                            (None, None) => Stdin::Unknown,
                        });
                    }
                }
                _ => {}
            }
        }
        if let Some(input) = &input {
            for command in &readers {
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
        match output {
            Some(Stdin::Text(text)) => {
                for (path, append) in targets {
                    match self.pending.last_mut() {
                        Some(slot) => slot.writes.push((path, text.clone(), append)),
                        None => self.write_file(&path, &text, append),
                    }
                }
            }
            // `jq '.scripts.db = "psql"' package.json > p.json`: unknown
            // output from a line that mentions a program.
            _ if !targets.is_empty() => {
                let text = src.get(body.byte_range()).unwrap_or_default();
                if let Some(found) = mention::first(text) {
                    self.taint_later(
                        "the output written by a command that names it".into(),
                        found,
                    );
                }
            }
            _ => {}
        }
    }

    /// Records a file the command line writes; a mention written into a
    /// file that a build, a shell or a compiler runs blocks.
    fn write_file(&mut self, path: &str, text: &str, append: bool) {
        if let Some(found) = mention::first(text) {
            let hook = self.hook_dirs.iter().any(|dir| {
                path.strip_prefix(dir.trim_end_matches('/'))
                    .is_some_and(|rest| rest.starts_with('/'))
            });
            if starts_by_itself(path) || hook {
                self.unproven(
                    &format!(
                        "the text written into {path}, which a shell or a tool runs by itself,"
                    ),
                    &found,
                );
            } else {
                self.taint_later(format!("the text written into {path}"), found);
            }
        }
        let full = self.cwd.join(path);
        let entry = self.written.entry(full).or_default();
        if !append {
            entry.clear();
        }
        entry.push_str(text);
    }

    fn pipeline(&mut self, node: Node<'_>, src: &str, stdin: &mut HashMap<usize, Stdin>) {
        let mut cursor = node.walk();
        let stages: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
        for pair in stages.windows(2) {
            let [from, to] = pair else { continue };
            let input = stdin.get(&from.id()).cloned();
            let output = self.output_of(*from, src, input).unwrap_or(Stdin::Unknown);
            for command in first_commands(*to) {
                stdin.insert(command.id(), output.clone());
            }
        }
    }

    /// What a command prints, when that can be known statically.
    fn output_of(&mut self, node: Node<'_>, src: &str, input: Option<Stdin>) -> Option<Stdin> {
        let mut node = if node.kind() == "redirected_statement" {
            node.child_by_field_name("body")?
        } else {
            node
        };
        // `a && b > f`: tree-sitter hangs the redirect on the list; it is b's.
        while node.kind() == "list" {
            let count = node.named_child_count();
            node = node.named_child(count.checked_sub(1)?)?;
        }
        if matches!(node.kind(), "subshell" | "compound_statement") {
            // `(crontab -l; echo '* * * * * psql')`: what its commands print.
            let mut cursor = node.walk();
            let parts: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            let (mut text, mut whole) = (String::new(), true);
            for part in parts {
                match self.output_of(part, src, None) {
                    Some(Stdin::Text(t)) => text.push_str(&t),
                    _ => whole = false,
                }
            }
            let keep = whole || mention::first(&text).is_some();
            return Some(if keep {
                Stdin::Text(text)
            } else {
                Stdin::Unknown
            });
        }
        if node.kind() != "command" {
            return Some(Stdin::Unknown);
        }
        let words = self.words(node, src);
        let name = programs::normalize(&words.first()?.basename()?);
        let args: Vec<Option<String>> = words.iter().skip(1).map(Word::value).collect();
        Some(match name.as_str() {
            "echo" => join_echo(&args).map_or(Stdin::Unknown, Stdin::Text),
            "printf" => {
                let args = match args.first() {
                    Some(Some(dashes)) if dashes == "--" => args.get(1..).unwrap_or_default(),
                    _ => args.as_slice(),
                };
                match args.first().cloned().flatten() {
                    Some(format) => printf(&format, args.get(1..).unwrap_or_default())
                        .map_or(Stdin::Unknown, Stdin::Text),
                    None => Stdin::Unknown,
                }
            }
            "cat" | "tee" | "head" | "tail" | "sort" | "uniq" => {
                let files: Vec<&Option<String>> = args
                    .iter()
                    .filter(|a| !a.as_deref().is_some_and(|s| s.starts_with('-')))
                    .collect();
                if name == "tee" {
                    if let Some(Stdin::Text(text)) = &input {
                        for file in files.iter().copied().flatten() {
                            self.write_file(file, text, false);
                        }
                    }
                    input.unwrap_or(Stdin::Unknown)
                } else if !files.is_empty() {
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

/// Removes `\`-newline as bash does: not inside single quotes and not in a
/// comment (`ls # C:\` then `psql app` on the next line runs psql).
fn remove_line_continuations(text: &str) -> String {
    if !text.contains("\\\n") && !text.contains("\\\r\n") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut single, mut double, mut comment) = (false, false, false);
    let mut previous = '\n';
    while let Some(c) = chars.next() {
        if comment {
            if c == '\n' {
                comment = false;
            }
            out.push(c);
            previous = c;
            continue;
        }
        match c {
            '\\' if !single => {
                match chars.peek() {
                    Some('\n') => {
                        chars.next();
                        continue;
                    }
                    Some('\r') => {
                        let mut ahead = chars.clone();
                        ahead.next();
                        if ahead.peek() == Some(&'\n') {
                            chars.next();
                            chars.next();
                            continue;
                        }
                    }
                    _ => {}
                }
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                    previous = next;
                }
                continue;
            }
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single
                && !double
                && (previous.is_whitespace() || matches!(previous, ';' | '&' | '|' | '(')) =>
            {
                comment = true
            }
            _ => {}
        }
        out.push(c);
        previous = c;
    }
    out
}

/// A short piece of `text` around `span`, for a message.
fn excerpt(text: &str, span: &Range<usize>) -> String {
    let mut start = span.start.saturating_sub(30);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end + 30).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    text.get(start..end)
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_cpu_time_not_waiting() {
        let mut budget = Budget::new();
        assert!(!budget.expired());
        // Sleeping uses no CPU: past the wall-clock deadline, the budget moves
        // on (when this process has used little CPU and the wall limit holds).
        std::thread::sleep(TIME_BUDGET + Duration::from_millis(10));
        let idle = process_cpu_time().is_some_and(|spent| spent < TIME_BUDGET / 2);
        if idle && budget.started.elapsed() < HARD_LIMIT - Duration::from_millis(20) {
            assert!(!budget.expired());
        }
        budget.started = budget.started.checked_sub(HARD_LIMIT).unwrap();
        assert!(budget.expired());
    }

    #[test]
    fn text_tools_are_sorted() {
        for pair in TEXT_TOOLS.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
    }

    #[test]
    fn line_continuations_are_removed_as_bash_does() {
        assert_eq!(remove_line_continuations("ps\\\nql"), "psql");
        assert_eq!(
            remove_line_continuations("ls # C:\\\npsql app"),
            "ls # C:\\\npsql app"
        );
        assert_eq!(remove_line_continuations("echo 'a\\\nb'"), "echo 'a\\\nb'");
        assert_eq!(remove_line_continuations("echo \"a\\\nb\""), "echo \"ab\"");
        assert_eq!(remove_line_continuations("a#b\\\nc"), "a#bc");
    }
}

#[cfg(test)]
mod analysis {
    use super::*;

    fn verdict(command: &str) -> Option<&'static str> {
        Shell::analyze(command, Path::new("/nonexistent"))
            .block
            .map(|p| p.rule.id())
    }

    #[test]
    fn assembled_names_block() {
        for command in ["{p..p}sql shop", "ps$()ql shop", "x=ps; x+=ql; $x shop"] {
            assert!(verdict(command).is_some(), "{command}");
        }
    }
}
