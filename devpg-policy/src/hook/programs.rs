//! The hook's rule tables, as sorted data: blocked programs, vendor CLIs,
//! wrapper commands, shells and interpreters; and the text scans.

use crate::text::table_lines;
use std::sync::LazyLock;

const BLOCKED_TABLE: &str = include_str!("blocked_programs.txt");
const VENDOR_TABLE: &str = include_str!("vendor_commands.txt");

static BLOCKED: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| table_lines(BLOCKED_TABLE).collect());
static VENDORS: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
    table_lines(VENDOR_TABLE)
        .map(|l| l.split_whitespace().collect())
        .collect()
});

/// A program name as the hook compares it: letter case folded (macOS file
/// systems ignore case), a `.exe` suffix dropped.
pub fn normalize(base: &str) -> String {
    let lower = base.to_lowercase();
    lower
        .strip_suffix(".exe")
        .map(str::to_string)
        .unwrap_or(lower)
}

/// The blocked programs' names.
pub fn blocked_names() -> impl Iterator<Item = &'static str> {
    BLOCKED.iter().copied()
}

pub fn is_blocked(name: &str) -> bool {
    BLOCKED.binary_search(&name).is_ok()
}

/// The blocked program a glob pattern can stand for.
pub fn blocked_matching(pattern: &str, matches: fn(&str, &str) -> bool) -> Option<&'static str> {
    BLOCKED
        .iter()
        .copied()
        .find(|program| matches(pattern, program))
}

/// `heroku pg:psql …` and the like: the vendor command, if it opens psql.
pub fn vendor_opens_psql(name: &str, args: &[Option<String>]) -> Option<String> {
    let operands: Vec<&str> = args
        .iter()
        .map(|a| a.as_deref().unwrap_or(""))
        .filter(|a| !a.starts_with('-'))
        .collect();
    VENDORS.iter().find_map(|entry| {
        let (program, words) = entry.split_first()?;
        if *program != name || operands.len() < words.len() {
            return None;
        }
        let matched =
            words
                .iter()
                .zip(&operands)
                .all(|(pattern, word)| match pattern.strip_suffix('*') {
                    Some(prefix) => word.starts_with(prefix),
                    None => pattern == word,
                });
        matched.then(|| {
            let shown = operands.get(..words.len()).unwrap_or_default();
            format!("{name} {}", shown.join(" "))
        })
    })
}

/// A command that runs another command given in its arguments.
#[derive(Debug)]
pub struct Wrapper {
    pub name: &'static str,
    /// Options that take a value (`-u USER`).
    pub value_options: &'static [&'static str],
    /// Operands before the command (`timeout 10 cmd`: 1).
    pub positionals: usize,
    /// `NAME=VALUE` words before the command (`env`).
    pub assignments: bool,
    /// An option whose value is shell code (`flock -c CODE`, `env -S STRING`).
    pub code_option: Option<&'static str>,
    /// Options that make it look a command up instead of running it (`command -v`).
    pub lookup_options: &'static [&'static str],
}

const fn wrapper(
    name: &'static str,
    value_options: &'static [&'static str],
    positionals: usize,
) -> Wrapper {
    Wrapper {
        name,
        value_options,
        positionals,
        assignments: false,
        code_option: None,
        lookup_options: &[],
    }
}

/// Kept sorted by name: a test checks it.
pub static WRAPPERS: &[Wrapper] = &[
    wrapper("builtin", &[], 0),
    wrapper("busybox", &[], 0),
    wrapper("caffeinate", &["-t", "-w"], 0),
    wrapper("catchsegv", &[], 0),
    wrapper("chroot", &["--groups", "--userspec"], 1),
    wrapper("chrt", &[], 1),
    Wrapper {
        lookup_options: &["-V", "-v"],
        ..wrapper("command", &[], 0)
    },
    wrapper("dbus-run-session", &["--config-file"], 0),
    wrapper("doas", &["-C", "-u"], 0),
    Wrapper {
        assignments: true,
        code_option: Some("-S"),
        ..wrapper("env", &["--chdir", "--unset", "-C", "-u"], 0)
    },
    wrapper("exec", &["-a"], 0),
    wrapper("firejail", &[], 0),
    Wrapper {
        code_option: Some("-c"),
        ..wrapper(
            "flock",
            &["--conflict-exit-code", "--timeout", "-E", "-w"],
            1,
        )
    },
    wrapper("gosu", &[], 1),
    wrapper(
        "ionice",
        &["--class", "--classdata", "-c", "-n", "-p", "-u"],
        0,
    ),
    wrapper("ltrace", &["-e", "-o", "-p", "-s", "-u"], 0),
    wrapper("nice", &["--adjustment", "-n"], 0),
    wrapper("nohup", &[], 0),
    wrapper(
        "nsenter",
        &["--setgid", "--setuid", "--target", "-G", "-S", "-t"],
        0,
    ),
    wrapper(
        "numactl",
        &[
            "--cpunodebind",
            "--interleave",
            "--membind",
            "--physcpubind",
            "--preferred",
            "-C",
            "-N",
            "-i",
            "-m",
            "-p",
        ],
        0,
    ),
    wrapper("proxychains", &["-f"], 0),
    wrapper("proxychains4", &["-f"], 0),
    Wrapper {
        code_option: Some("-c"),
        ..wrapper("script", &["-E", "-O", "-T", "-t"], 0)
    },
    wrapper("setsid", &[], 0),
    wrapper(
        "stdbuf",
        &["--error", "--input", "--output", "-e", "-i", "-o"],
        0,
    ),
    wrapper(
        "strace",
        &[
            "-E", "-I", "-O", "-P", "-S", "-X", "-b", "-e", "-o", "-p", "-s", "-u",
        ],
        0,
    ),
    wrapper("su-exec", &[], 1),
    wrapper(
        "sudo",
        &[
            "--chdir",
            "--chroot",
            "--close-from",
            "--command-timeout",
            "--group",
            "--host",
            "--other-user",
            "--prompt",
            "--role",
            "--type",
            "--user",
            "-C",
            "-D",
            "-R",
            "-T",
            "-U",
            "-g",
            "-h",
            "-p",
            "-r",
            "-t",
            "-u",
        ],
        0,
    ),
    wrapper(
        "systemd-run",
        &[
            "--description",
            "--gid",
            "--machine",
            "--property",
            "--setenv",
            "--slice",
            "--uid",
            "--unit",
            "--working-directory",
            "-E",
            "-M",
            "-p",
            "-u",
        ],
        0,
    ),
    wrapper("taskset", &[], 1),
    wrapper("time", &["--format", "--output", "-f", "-o"], 0),
    wrapper("timeout", &["--kill-after", "--signal", "-k", "-s"], 1),
    wrapper("torsocks", &["-P", "-a", "-p", "-u"], 0),
    wrapper("unbuffer", &[], 0),
    wrapper(
        "unshare",
        &[
            "--map-group",
            "--map-user",
            "--root",
            "--setgid",
            "--setuid",
            "--wd",
            "-G",
            "-R",
            "-S",
            "-w",
        ],
        0,
    ),
    wrapper("valgrind", &[], 0),
    wrapper(
        "xargs",
        &[
            "--arg-file",
            "--delimiter",
            "--eof",
            "--max-args",
            "--max-chars",
            "--max-lines",
            "--max-procs",
            "--process-slot-var",
            "--replace",
            "-E",
            "-I",
            "-L",
            "-P",
            "-a",
            "-d",
            "-n",
            "-s",
        ],
        0,
    ),
    wrapper(
        "xvfb-run",
        &[
            "--auth-file",
            "--error-file",
            "--server-args",
            "--server-num",
            "-e",
            "-f",
            "-n",
            "-p",
            "-s",
        ],
        0,
    ),
];

pub fn wrapper_named(name: &str) -> Option<&'static Wrapper> {
    WRAPPERS
        .binary_search_by(|w| w.name.cmp(name))
        .ok()
        .and_then(|i| WRAPPERS.get(i))
}

/// Shells whose `-c` string, script operand or standard input is shell code. Sorted.
const SHELLS: &[&str] = &[
    "ash", "bash", "dash", "fish", "ksh", "mksh", "posh", "rbash", "sh", "yash", "zsh",
];

pub fn is_shell(name: &str) -> bool {
    SHELLS.binary_search(&name).is_ok()
}

/// An interpreter of another language: how it is given code.
#[derive(Debug)]
pub struct Interpreter {
    pub name: &'static str,
    /// Options whose value is code (`python -c CODE`).
    pub code_options: &'static [&'static str],
    /// Options that take a (non-code) value.
    pub value_options: &'static [&'static str],
    /// Subcommands to step over (`deno run x.ts`).
    pub subcommands: &'static [&'static str],
    /// Options that only check the syntax (`node --check`).
    pub check_options: &'static [&'static str],
}

const fn interpreter_spec(
    name: &'static str,
    code_options: &'static [&'static str],
    value_options: &'static [&'static str],
    subcommands: &'static [&'static str],
) -> Interpreter {
    Interpreter {
        name,
        code_options,
        value_options,
        subcommands,
        check_options: &[],
    }
}

/// Kept sorted by name: a test checks it.
pub static INTERPRETERS: &[Interpreter] = &[
    interpreter_spec("bun", &["--eval", "--print", "-e", "-p"], &[], &["run"]),
    interpreter_spec("deno", &["eval"], &[], &["run"]),
    interpreter_spec("lua", &["-e"], &["-l"], &[]),
    Interpreter {
        check_options: &["--check", "-c"],
        ..interpreter_spec(
            "node",
            &["--eval", "--print", "-e", "-p"],
            &["-r", "--require", "--import"],
            &[],
        )
    },
    Interpreter {
        check_options: &["--check", "-c"],
        ..interpreter_spec(
            "nodejs",
            &["--eval", "--print", "-e", "-p"],
            &["-r", "--require", "--import"],
            &[],
        )
    },
    interpreter_spec("osascript", &["-e"], &[], &[]),
    Interpreter {
        check_options: &["-c"],
        ..interpreter_spec("perl", &["-E", "-e"], &["-I", "-M", "-m"], &[])
    },
    Interpreter {
        check_options: &["-l"],
        ..interpreter_spec("php", &["-r"], &["-c", "-d"], &[])
    },
    interpreter_spec("powershell", &["-Command", "-c", "-command"], &[], &[]),
    interpreter_spec("pwsh", &["-Command", "-c", "-command"], &[], &[]),
    interpreter_spec("pypy", &["-c"], &["-W", "-X"], &[]),
    interpreter_spec("pypy3", &["-c"], &["-W", "-X"], &[]),
    interpreter_spec("python", &["-c"], &["-W", "-X"], &[]),
    interpreter_spec("python2", &["-c"], &["-W", "-X"], &[]),
    interpreter_spec("python3", &["-c"], &["-W", "-X"], &[]),
    interpreter_spec("ruby", &["-e"], &["-I", "-r"], &[]),
    interpreter_spec("tclsh", &[], &[], &[]),
    interpreter_spec("tsx", &["--eval", "-e"], &[], &[]),
];

pub fn interpreter(name: &str) -> Option<&'static Interpreter> {
    // python3.12 and the like are python3.
    let name = match name.split_once('.') {
        Some((stem, version)) if version.chars().all(|c| c.is_ascii_digit()) => stem,
        _ => name,
    };
    INTERPRETERS
        .binary_search_by(|i| i.name.cmp(name))
        .ok()
        .and_then(|i| INTERPRETERS.get(i))
}

/// URI schemes PostgreSQL drivers accept (before any `+driver`). Sorted.
const URI_SCHEMES: &[&str] = &[
    "pg",
    "pgsql",
    "postgis",
    "postgres",
    "postgresql",
    "timescale",
    "timescaledb",
];

/// The start of a PostgreSQL connection URI in `text`, any letter case:
/// `postgres://`, `postgresql://`, `postgresql+driver://`, `postgis://`,
/// `jdbc:postgresql://` …
pub fn find_uri(text: &str) -> Option<String> {
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|rest| rest.find("://")) {
        let colon = from + at;
        let before = text.get(..colon).unwrap_or_default();
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_')))
            .map_or(0, |i| i + 1);
        let scheme = before.get(start..).unwrap_or_default().to_ascii_lowercase();
        let base = scheme.split('+').next().unwrap_or_default();
        if URI_SCHEMES.binary_search(&base).is_ok() {
            return text.get(start..colon + 3).map(str::to_string);
        }
        from = colon + 3;
    }
    None
}

/// Variables whose value a shell or a program runs: start-up files
/// (`BASH_ENV`), prompt commands, pagers and editors. Sorted.
const STARTUP_VARIABLES: &[&str] = &[
    "BASH_ENV",
    "EDITOR",
    "ENV",
    "GIT_EDITOR",
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "GIT_SEQUENCE_EDITOR",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "LESSOPEN",
    "MANPAGER",
    "PAGER",
    "PROMPT_COMMAND",
    "PS0",
    "PS1",
    "PS2",
    "PS4",
    "VISUAL",
];

/// Variables that make an interpreter load modules (`PERL5OPT=-MDBD::Pg`). Sorted.
const MODULE_VARIABLES: &[&str] = &["NODE_OPTIONS", "PERL5OPT", "PYTHONSTARTUP", "RUBYOPT"];

pub fn module_variable(name: &str) -> bool {
    MODULE_VARIABLES.binary_search(&name).is_ok()
}

pub fn startup_variable(name: &str) -> bool {
    STARTUP_VARIABLES.binary_search(&name).is_ok()
}

fn words_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || "|;&()<>`'\"$={}[],".contains(c))
        .filter(|w| !w.is_empty())
}

/// A blocked program named as a word anywhere in `text` (by basename).
pub fn mentioned_program(text: &str) -> Option<String> {
    words_of(text).find_map(|word| {
        let base = normalize(
            word.rsplit('/')
                .next()
                .unwrap_or(word)
                .trim_start_matches('\\'),
        );
        let base = base.replace('\\', "");
        is_blocked(&base).then_some(base)
    })
}

/// Calls that start a process, in the languages the hook reads. Sorted.
const SPAWN_MARKERS: &[&str] = &[
    "%x",
    "__import__",
    "child_process",
    "default profile command",
    "deno.command",
    "deno.run",
    "do script",
    "do shell script",
    "eval",
    "exec",
    "getattr",
    "getline",
    "getoutput",
    "import os",
    "io.popen",
    "open(",
    "open3",
    "os.system",
    "passthru",
    "pcntl_exec",
    "popen",
    "proc_open",
    "process.start",
    "process::command",
    "pty",
    "qx",
    "runtime.getruntime",
    "shell_exec",
    "spawn",
    "subprocess",
    "system",
];

/// Whether source code starts processes.
pub fn spawns(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    SPAWN_MARKERS.iter().any(|m| lower.contains(m)) || code.contains('`')
}

/// A blocked program named as a string in source code that starts
/// processes: right after a quote or backtick (`'psql'`, `"pg_dump -Fc"`,
/// `"/usr/bin/psql"`; a backtick runs its text by itself).
pub fn quoted_program(code: &str) -> Option<String> {
    let lower = code.to_ascii_lowercase();
    let spawns = SPAWN_MARKERS.iter().any(|m| lower.contains(m));
    let bytes = code.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if !matches!(b, b'\'' | b'"' | b'`') || (*b != b'`' && !spawns) {
            continue;
        }
        let rest = &code[i + 1..];
        let token: String = rest
            .chars()
            .take_while(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '\\' | ':')
            })
            .collect();
        let base = token.rsplit(['/', '\\']).next().unwrap_or(&token);
        let name = normalize(base);
        if is_blocked(&name) {
            return Some(name);
        }
    }
    None
}

/// Programs that decode or build code (`base64 -d`, `xxd -r`, `rev`, …). Sorted.
const DECODERS: &[&str] = &[
    "base32",
    "base64",
    "basenc",
    "bunzip2",
    "gunzip",
    "gzip",
    "openssl",
    "rev",
    "tr",
    "uncompress",
    "unxz",
    "uudecode",
    "xxd",
    "zcat",
];

/// Whether the command text decodes or builds code: a decoder program, or
/// hex/unicode/octal escapes (`printf '\x70sql'`), or a decode call.
pub fn builds_code(text: &str) -> bool {
    if words_of(text).any(|w| DECODERS.binary_search(&w).is_ok()) {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    if [
        "\\x",
        "\\u0",
        "decode(",
        "fromhex",
        "unhexlify",
        "atob(",
        "from_base64",
        "frombase64",
    ]
    .iter()
    .any(|m| lower.contains(m))
    {
        return true;
    }
    let bytes = text.as_bytes();
    bytes.windows(4).any(|w| {
        matches!(w, [b'\\', a, b, c]
            if (b'0'..=b'3').contains(a) && (b'0'..=b'7').contains(b) && (b'0'..=b'7').contains(c))
    })
}

/// Programs that transform text (`sed`, `tr`, `cut`, `rev` …): their output
/// piped into a shell is code assembled at run time. Sorted.
const TRANSFORMERS: &[&str] = &[
    "awk", "bun", "cut", "deno", "gawk", "gsed", "jq", "lua", "node", "paste", "perl", "php",
    "python", "python3", "rev", "ruby", "sed", "tr",
];

pub fn transforms_text(text: &str) -> bool {
    words_of(text).any(|w| TRANSFORMERS.binary_search(&w).is_ok())
}

/// Signs that a command word is assembled at run time: appends, `IFS`
/// joins, namerefs, indirection, `printf -v`.
pub fn assembles_code(text: &str) -> bool {
    [
        "+=",
        "IFS=",
        "${!",
        "declare -n",
        "typeset -n",
        "local -n",
        "printf -v",
        "[*]",
        "[@]",
    ]
    .iter()
    .any(|m| text.contains(m))
        || transforms_text(text)
}

/// A blocked program spelled in pieces next to each other (`a=(ps ql)`,
/// `ps""ql`): up to four neighbouring tokens joined.
pub fn joined_program(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect();
    for start in 0..tokens.len() {
        let mut joined = String::new();
        for token in tokens.iter().skip(start).take(4) {
            joined.push_str(&token.to_ascii_lowercase());
            if joined.len() > 20 {
                break;
            }
            if is_blocked(&joined) {
                return Some(joined);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_markers_are_sorted() {
        assert_sorted(SPAWN_MARKERS);
    }

    fn assert_sorted<T: Ord + std::fmt::Debug>(items: &[T]) {
        for pair in items.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or not unique: {pair:?}");
        }
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        assert_sorted(&BLOCKED);
        let vendors: Vec<String> = VENDORS.iter().map(|v| v.join(" ")).collect();
        assert_sorted(&vendors);
        assert_sorted(&WRAPPERS.iter().map(|w| w.name).collect::<Vec<_>>());
        assert_sorted(&INTERPRETERS.iter().map(|i| i.name).collect::<Vec<_>>());
        assert_sorted(SHELLS);
        assert_sorted(DECODERS);
        assert_sorted(TRANSFORMERS);
        assert_sorted(URI_SCHEMES);
        assert_sorted(STARTUP_VARIABLES);
        assert_sorted(MODULE_VARIABLES);
    }

    #[test]
    fn the_issue_s_programs_are_all_blocked() {
        for program in [
            "psql",
            "pg_dump",
            "pg_dumpall",
            "pg_restore",
            "pgcli",
            "createdb",
            "dropdb",
            "createuser",
            "dropuser",
            "pg_basebackup",
            "vacuumdb",
            "reindexdb",
            "clusterdb",
            "pgbench",
            "pg_receivewal",
            "pg_recvlogical",
            "pg_ctl",
            "pg_upgrade",
            "pg_resetwal",
            "pg_amcheck",
            "vacuumlo",
            "oid2name",
            "pg_isready",
            "postgres",
            "postmaster",
        ] {
            assert!(is_blocked(program), "{program}");
        }
        for harmless in [
            "grep",
            "pg-query",
            "pg-schema",
            "pg-validate",
            "postgresql",
            "psql-notes",
            "pg_config",
        ] {
            assert!(!is_blocked(harmless), "{harmless}");
        }
    }

    #[test]
    fn names_normalize_case_and_exe() {
        assert_eq!(normalize("PSQL.EXE"), "psql");
        assert_eq!(normalize("Pg_Dump"), "pg_dump");
    }

    #[test]
    fn uris_are_found_in_any_case_and_with_drivers() {
        let cases = [
            ("postgres://u@h/db", Some("postgres://")),
            ("x POSTGRESQL://h", Some("POSTGRESQL://")),
            ("postgresql+psycopg2://u@h", Some("postgresql+psycopg2://")),
            ("jdbc:postgresql://h/db", Some("postgresql://")),
            ("postgis://h/db", Some("postgis://")),
            ("x=Pg://h", Some("Pg://")),
            ("https://example.com", None),
            ("postgres is great", None),
            ("postgresql.conf", None),
        ];
        for (text, expected) in cases {
            assert_eq!(find_uri(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn vendor_commands_match_their_subcommands() {
        let args = |a: &[&str]| a.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert!(vendor_opens_psql("heroku", &args(&["pg:psql", "-a", "app"])).is_some());
        assert!(vendor_opens_psql("heroku", &args(&["logs"])).is_none());
        assert!(vendor_opens_psql(
            "az",
            &args(&["postgres", "flexible-server", "connect", "-n", "x"])
        )
        .is_some());
        assert!(vendor_opens_psql("gcloud", &args(&["sql", "instances", "list"])).is_none());
    }

    #[test]
    fn interpreters_include_versioned_pythons() {
        assert!(interpreter("python3.12").is_some());
        assert!(interpreter("python3").is_some());
        assert!(interpreter("cat").is_none());
    }

    #[test]
    fn code_scans() {
        assert_eq!(
            quoted_program("subprocess.run(['psql', '-c', 'x'])").as_deref(),
            Some("psql")
        );
        assert_eq!(
            quoted_program("os.system(\"/usr/bin/pg_dump db\")").as_deref(),
            Some("pg_dump")
        );
        assert_eq!(quoted_program("# we stopped using psql\nprint('hi')"), None);
        assert_eq!(quoted_program("print('psql is a client')"), None);
        assert_eq!(quoted_program("x = `psql -c 1`").as_deref(), Some("psql"));
        assert_eq!(quoted_program("print('psql is a client')"), None);
        assert_eq!(quoted_program("x = `psql -c 1`").as_deref(), Some("psql"));
        assert!(builds_code("echo cHNxbA== | base64 -d"));
        assert!(builds_code("printf '\\160sql'"));
        assert!(!builds_code("$EDITOR notes.md"));
    }
}
