//! Text positions: where a statement starts and ends, and where the parser
//! stopped or a psql meta-command stands.

use pg_query::protobuf::Token;

/// Trims whitespace and comments before, and whitespace and `;` after, a statement.
pub(crate) fn trim_statement(sql: &str, start: usize, end: usize) -> (usize, usize) {
    let end = end.min(sql.len());
    let start = skip_space_and_comments(sql, start.min(end)).min(end);
    let text = sql.get(start..end).unwrap_or_default();
    let trimmed = text.trim_end_matches(|c: char| c.is_whitespace() || c == ';');
    (start, start + trimmed.len())
}

pub(crate) fn skip_space_and_comments(sql: &str, mut at: usize) -> usize {
    let bytes = sql.as_bytes();
    let rest = |i: usize| bytes.get(i..).unwrap_or_default();
    loop {
        while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        if rest(at).starts_with(b"--") {
            at = sql
                .get(at..)
                .and_then(|tail| tail.find('\n'))
                .map_or(sql.len(), |i| at + i + 1);
        } else if rest(at).starts_with(b"/*") {
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                if rest(i).starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if rest(i).starts_with(b"*/") {
                    depth = depth.saturating_sub(1);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            at = i;
        } else {
            return at;
        }
    }
}

/// Where a backslash stands outside literals and comments: psql would take it
/// as a meta-command (`\!`, `\copy`, `\gexec`, `\set`, …).
pub(crate) fn meta_command_offset(sql: &str) -> Option<usize> {
    if let Ok(scan) = pg_query::scan(sql) {
        return scan
            .tokens
            .iter()
            .find(|t| t.token == Token::Ascii92 as i32)
            .and_then(|t| usize::try_from(t.start).ok());
    }
    // The scanner failed (an unterminated literal, say): a line that starts
    // with a backslash is still a meta-command.
    let mut offset = 0;
    for line in sql.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start().starts_with('\\') {
            return Some(offset + indent);
        }
        offset += line.len();
    }
    None
}

/// Where the parser stopped. The parser's cursor position is not exposed by
/// pg_query, so find the first token at which a prefix of the input stops
/// being a valid beginning of SQL (a prefix that is only incomplete fails
/// "at end of input").
pub(crate) fn error_offset(sql: &str, message: &str) -> usize {
    let fallback = || {
        near_snippet(message)
            .and_then(|snippet| sql.find(snippet))
            .unwrap_or_else(|| skip_space_and_comments(sql, 0).min(sql.len()))
    };
    if message.ends_with("at end of input") {
        return sql.trim_end().len();
    }
    let Ok(scan) = pg_query::scan(sql) else {
        return fallback();
    };
    let ends: Vec<(usize, usize)> = scan
        .tokens
        .iter()
        .filter_map(|t| Some((usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?)))
        .filter(|(_, end)| *end <= sql.len())
        .collect();
    let fails_within = |k: usize| -> bool {
        let Some(prefix) = ends.get(k).and_then(|(_, end)| sql.get(..*end)) else {
            return true;
        };
        match pg_query::parse(prefix, 0) {
            Ok(_) => false,
            Err(pg_query::Error::Parse(m)) => !m.ends_with("at end of input"),
            Err(_) => true,
        }
    };
    let (mut lo, mut hi) = (0, ends.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails_within(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    ends.get(lo).map_or_else(fallback, |(start, _)| *start)
}

/// The `X` of a parser message `… at or near "X"`.
fn near_snippet(message: &str) -> Option<&str> {
    let rest = message.split("at or near \"").nth(1)?;
    rest.strip_suffix('"').filter(|s| !s.is_empty())
}
