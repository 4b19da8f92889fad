//! Mentions: a PostgreSQL program's name or a driver, as a whole word of some
//! text (letter case folded, any path, `.exe` dropped), or source text that
//! loads a driver. The hook blocks a mention unless it proves the mention is
//! data; this module only finds them.

use super::programs::{is_blocked, normalize};
use crate::text::table_lines;
use std::ops::Range;
use std::sync::LazyLock;

const DRIVER_WORDS_TABLE: &str = include_str!("driver_words.txt");
const DRIVER_MARKERS_TABLE: &str = include_str!("driver_markers.txt");

static DRIVER_WORDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| table_lines(DRIVER_WORDS_TABLE).collect());
static DRIVER_MARKERS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| table_lines(DRIVER_MARKERS_TABLE).collect());

/// One mention: what it names and where it stands in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    pub span: Range<usize>,
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Whether one token (a run of word characters) names a program or driver.
fn names(token: &str) -> Option<String> {
    let token = token.trim_end_matches('.');
    if token.len() > 40 || token.is_empty() {
        return None;
    }
    let name = normalize(token);
    if is_blocked(&name) || is_driver(&name) {
        return Some(name);
    }
    // `psycopg2.extras`, `pg8000.native`: a module path names its package.
    let package = name.split('.').next().unwrap_or_default();
    (package != name && is_driver(package)).then(|| package.to_string())
}

fn is_driver(name: &str) -> bool {
    DRIVER_WORDS.binary_search(&name).is_ok()
}

/// A module an interpreter is told to load (`-r pg`, `-MDBD::Pg`,
/// `--require pg`, `--import=postgres`) that is a PostgreSQL driver.
pub fn driver_module(module: &str) -> bool {
    let lower = module.to_ascii_lowercase();
    lower
        .split([':', '/', '.', '=', '@'])
        .filter(|s| !s.is_empty())
        .any(|segment| {
            matches!(segment, "pg" | "postgres" | "postgresql" | "pgsql" | "pq")
                || is_driver(segment)
        })
}

/// The driver module among interpreter options in `text` (`--require pg`,
/// `-MDBD::Pg`, `-rpg`), for variables like `NODE_OPTIONS`.
pub fn driver_in_options(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let module = match *word {
            "-r" | "--require" | "--import" | "-M" | "-m" => words.get(i + 1).copied(),
            w => ["--require=", "--import=", "-M", "-r", "-m"]
                .iter()
                .find_map(|p| w.strip_prefix(p))
                .filter(|m| !m.is_empty()),
        };
        if let Some(module) = module.filter(|m| driver_module(m)) {
            return Some(module.to_string());
        }
    }
    // PYTHONSTARTUP names a file; any mention in the value counts.
    first(text)
}

/// Letters a program or driver name starts with, as a bit set.
static FIRST_LETTERS: LazyLock<u128> = LazyLock::new(|| {
    let mut set = 0u128;
    for name in super::programs::blocked_names().chain(DRIVER_WORDS.iter().copied()) {
        if let Some(c) = name.bytes().next() {
            set |= 1u128 << (c & 0x7f);
        }
    }
    set
});

fn may_start_a_name(token: &str) -> bool {
    token
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii() && *FIRST_LETTERS & (1u128 << c.to_ascii_lowercase()) != 0)
}

/// Whether a driver marker could be in `text`: every marker holds `pg`,
/// `pq` or `postgres` (any letter case).
fn may_hold_marker(text: &str) -> bool {
    text.as_bytes().windows(2).any(|w| {
        matches!(w, [a, b] if a.eq_ignore_ascii_case(&b'p') && (b.eq_ignore_ascii_case(&b'g') || b.eq_ignore_ascii_case(&b'q') || b.eq_ignore_ascii_case(&b'o')))
    })
}

/// Every mention in `text`, in order.
pub fn mentions(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if word_char(c) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            let token = text.get(s..i).unwrap_or_default();
            if !may_start_a_name(token) {
                continue;
            }
            if let Some(name) = names(token) {
                found.push(Mention { name, span: s..i });
            }
        }
    }
    if text.len() >= 4 && may_hold_marker(text) {
        let lower = text.to_ascii_lowercase();
        for marker in DRIVER_MARKERS.iter() {
            let mut from = 0;
            while let Some(at) = lower.get(from..).and_then(|rest| rest.find(marker)) {
                let begin = from + at;
                let end = begin + marker.len();
                if bounded(&lower, begin, end) {
                    found.push(Mention {
                        name: (*marker).to_string(),
                        span: begin..end,
                    });
                }
                from = end;
            }
        }
        found.sort_by_key(|m| m.span.start);
    }
    found
}

/// A marker that starts or ends with a letter must not run into another one
/// (`import pgvector` loads no driver).
fn bounded(text: &str, begin: usize, end: usize) -> bool {
    let inner = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let before = text.get(..begin).and_then(|t| t.chars().next_back());
    let after = text.get(end..).and_then(|t| t.chars().next());
    let first = text.get(begin..end).and_then(|t| t.chars().next());
    let last = text.get(begin..end).and_then(|t| t.chars().next_back());
    let runs_in = first.is_some_and(inner) && before.is_some_and(inner);
    let runs_out = last.is_some_and(inner) && after.is_some_and(inner);
    !runs_in && !runs_out
}

/// The first mention in `text`, by name.
pub fn first(text: &str) -> Option<String> {
    mentions(text).into_iter().next().map(|m| m.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for marker in DRIVER_MARKERS.iter() {
            assert!(may_hold_marker(marker), "{marker}");
        }
        for table in [&*DRIVER_WORDS, &*DRIVER_MARKERS] {
            for pair in table.windows(2) {
                assert!(pair[0] < pair[1], "not sorted or not unique: {pair:?}");
            }
        }
    }

    #[test]
    fn mentions_are_whole_words_with_any_path_or_case() {
        let named = |t: &str| first(t);
        for (text, expected) in [
            ("psql shop", Some("psql")),
            ("/usr/lib/postgresql/16/bin/pg_dump -Fc", Some("pg_dump")),
            (
                "'C:\\Program Files\\PostgreSQL\\16\\bin\\psql.exe'",
                Some("psql"),
            ),
            ("PSQL", Some("psql")),
            ("--to-command=psql", Some("psql")),
            ("docker run postgres:15", Some("postgres")),
            ("pip install psycopg2-binary", Some("psycopg2-binary")),
            ("node -e \"require('pg')\"", Some("'pg'")),
            ("psql-notes.md pg_dump.sql psql_version", None),
            ("pg-query pg-schema postgresql", None),
            ("import pgvector", None),
            ("from psycopg2.extras import x", Some("psycopg2")),
            ("--psql-compat", None),
        ] {
            assert_eq!(named(text).as_deref(), expected, "{text}");
        }
    }
}
