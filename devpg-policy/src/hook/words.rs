//! Static evaluation of shell words: quote removal, escapes, `$'…'`, and the
//! expansions that can be known from the command text itself.

use std::collections::HashMap;
use tree_sitter::Node;

/// A piece of a word's value: known text, or something only known at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text, and whether it stood unquoted (so `*?[` and `{,}` in it are live).
    Known(String, bool),
    Unknown,
}

/// A word after static evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    pub pieces: Vec<Piece>,
    /// Where the word stands in the code it was read from.
    pub span: Option<std::ops::Range<usize>>,
}

impl Word {
    pub fn known(text: impl Into<String>) -> Word {
        Word {
            pieces: vec![Piece::Known(text.into(), false)],
            span: None,
        }
    }

    pub fn unknown() -> Word {
        Word {
            pieces: vec![Piece::Unknown],
            span: None,
        }
    }

    fn push(&mut self, piece: Piece) {
        self.pieces.push(piece);
    }

    /// The whole value, if every piece is known.
    pub fn value(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Known(text, _) => out.push_str(text),
                Piece::Unknown => return None,
            }
        }
        Some(out)
    }

    /// The known text, with unknown pieces left out (for scans of what can be seen).
    pub fn visible(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Known(text, _) => text.as_str(),
                Piece::Unknown => " ",
            })
            .collect()
    }

    /// The known pieces joined with nothing between (`p${EMPTY}sql` → `psql`).
    pub fn known_text(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Known(text, _) => text.as_str(),
                Piece::Unknown => "",
            })
            .collect()
    }

    pub fn is_dynamic(&self) -> bool {
        self.pieces.contains(&Piece::Unknown)
    }

    /// The file name a command word names: the text after its last `/`, when
    /// that text is known (`$ROOT/bin/pg-query` → `pg-query`).
    pub fn basename(&self) -> Option<String> {
        let last_unknown = self.pieces.iter().rposition(|p| *p == Piece::Unknown);
        let tail: String = self
            .pieces
            .get(last_unknown.map_or(0, |i| i + 1)..)
            .unwrap_or_default()
            .iter()
            .map(|p| match p {
                Piece::Known(text, _) => text.as_str(),
                Piece::Unknown => "",
            })
            .collect();
        match (last_unknown, tail.rfind('/')) {
            (None, Some(i)) | (Some(_), Some(i)) => tail.get(i + 1..).map(str::to_string),
            (None, None) => Some(tail),
            (Some(_), None) => None,
        }
    }

    /// Whether unquoted glob characters stand in the word.
    pub fn has_glob(&self) -> bool {
        self.pieces.iter().any(|p| match p {
            Piece::Known(text, true) => text.contains(['*', '?', '[']),
            _ => false,
        })
    }

    /// Whether an unquoted `{…,…}` stands in the word (brace expansion).
    pub fn has_brace(&self) -> bool {
        let unquoted: String = self
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Known(text, true) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        unquoted.contains('{')
            && (unquoted.contains(',') || unquoted.contains(".."))
            && unquoted.contains('}')
    }
}

/// Most words one brace expansion may produce before the hook stops
/// expanding (`{a,b}{a,b}…` doubles with each group).
const MAX_BRACE_WORDS: usize = 256;

/// Expands `{a,b,…}` groups and `{a..z}`/`{1..9}` sequences of `text` as
/// bash does, up to `MAX_BRACE_WORDS` words.
pub fn expand_braces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    expand_into(text, &mut out, 0);
    if out.len() > MAX_BRACE_WORDS {
        out.truncate(MAX_BRACE_WORDS);
    }
    out
}

fn expand_into(text: &str, out: &mut Vec<String>, depth: usize) {
    if out.len() > MAX_BRACE_WORDS || depth > 16 {
        out.push(text.to_string());
        return;
    }
    let Some((prefix, inner, suffix)) = brace_group(text) else {
        out.push(text.to_string());
        return;
    };
    let alternatives: Vec<String> = if inner.contains(',') {
        inner.split(',').map(str::to_string).collect()
    } else {
        match sequence(inner) {
            Some(items) => items,
            None => {
                out.push(text.to_string());
                return;
            }
        }
    };
    for alternative in alternatives {
        expand_into(&format!("{prefix}{alternative}{suffix}"), out, depth + 1);
    }
}

/// The first `{…}` group holding a `,` or `..`: text before, inside, after.
fn brace_group(text: &str) -> Option<(&str, &str, &str)> {
    let mut search = 0;
    loop {
        let open = search + text.get(search..)?.find('{')?;
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in text.get(open..)?.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close?;
        let inner = text.get(open + 1..close)?;
        if inner.contains(',') || inner.contains("..") {
            return Some((text.get(..open)?, inner, text.get(close + 1..)?));
        }
        search = open + 1;
    }
}

/// `a..e`, `1..5`, `5..1`: the items of a brace sequence (a step is ignored).
fn sequence(inner: &str) -> Option<Vec<String>> {
    let mut parts = inner.split("..");
    let (from, to) = (parts.next()?, parts.next()?);
    if let (Ok(a), Ok(b)) = (from.parse::<i64>(), to.parse::<i64>()) {
        if a.abs_diff(b) > MAX_BRACE_WORDS as u64 {
            return None;
        }
        let items: Vec<i64> = if a <= b {
            (a..=b).collect()
        } else {
            (b..=a).rev().collect()
        };
        return Some(items.iter().map(i64::to_string).collect());
    }
    let (mut a, mut b) = (from.chars(), to.chars());
    let (Some(a), None, Some(b), None) = (a.next(), a.next(), b.next(), b.next()) else {
        return None;
    };
    let (lo, hi) = (a.min(b), a.max(b));
    let mut items: Vec<String> = (lo..=hi).map(String::from).collect();
    if a > b {
        items.reverse();
    }
    Some(items)
}

/// What is known of variables set earlier in the same command.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    values: HashMap<String, Option<String>>,
}

impl Variables {
    pub fn set(&mut self, name: &str, value: Option<String>) {
        self.values.insert(name.to_string(), value);
    }

    /// `Some(Some(v))` known, `Some(None)` set to something unknowable, `None` never set here.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.values.get(name).map(|v| v.as_deref())
    }
}

/// Evaluates `$(…)` contents that print a known text (`echo`, `printf`,
/// `which`): given the inner command's words.
pub type SubstitutionEval<'e> = dyn Fn(Node<'_>) -> Option<String> + 'e;

pub struct Evaluator<'a, 'e> {
    pub source: &'a str,
    pub variables: &'a Variables,
    pub substitution: &'e SubstitutionEval<'e>,
}

impl Evaluator<'_, '_> {
    fn text(&self, node: Node<'_>) -> &str {
        self.source.get(node.byte_range()).unwrap_or_default()
    }

    /// The value of a word-like node.
    pub fn word(&self, node: Node<'_>) -> Word {
        let mut word = Word {
            span: Some(node.byte_range()),
            ..Word::default()
        };
        self.append(node, &mut word, false);
        word
    }

    fn append(&self, node: Node<'_>, word: &mut Word, quoted: bool) {
        match node.kind() {
            "word" | "number" | "regex" | "extglob_pattern" | "brace_expression" => {
                word.push(Piece::Known(unescape_unquoted(self.text(node)), !quoted));
            }
            "raw_string" => {
                let text = self.text(node);
                let inner = text
                    .strip_prefix('\'')
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(text);
                word.push(Piece::Known(inner.to_string(), false));
            }
            "ansi_c_string" => {
                let text = self.text(node);
                let inner = text
                    .strip_prefix("$'")
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(text);
                word.push(Piece::Known(decode_ansi_c(inner), false));
            }
            "string" | "translated_string" => {
                let mut cursor = node.walk();
                let mut any = false;
                for child in node.named_children(&mut cursor) {
                    any = true;
                    match child.kind() {
                        "string_content" => {
                            word.push(Piece::Known(unescape_double(self.text(child)), false))
                        }
                        _ => self.append(child, word, true),
                    }
                }
                if !any {
                    word.push(Piece::Known(String::new(), false));
                }
            }
            "concatenation" => {
                let mut cursor = node.walk();
                for child in node.children(&mut cursor) {
                    self.append(child, word, quoted);
                }
            }
            "simple_expansion" => {
                let name = self.text(node).trim_start_matches('$');
                match self.variables.get(name) {
                    Some(Some(value)) => word.push(Piece::Known(value.to_string(), !quoted)),
                    _ => word.push(Piece::Unknown),
                }
            }
            "expansion" => match self.expansion(self.text(node)) {
                Some(value) => word.push(Piece::Known(value, !quoted)),
                None => word.push(Piece::Unknown),
            },
            // `ps$()ql`: an empty substitution is empty.
            "command_substitution" if node.named_child_count() == 0 => {
                word.push(Piece::Known(String::new(), !quoted))
            }
            "command_substitution" => match (self.substitution)(node) {
                Some(value) => word.push(Piece::Known(
                    value.trim_end_matches('\n').to_string(),
                    !quoted,
                )),
                None => word.push(Piece::Unknown),
            },
            "$" | "\"" => {}
            _ => word.push(Piece::Unknown),
        }
    }

    /// `${…}` forms whose value can be known.
    pub fn expansion(&self, text: &str) -> Option<String> {
        let inner = text.strip_prefix("${")?.strip_suffix('}')?;
        if let Some(name) = inner.strip_prefix('#') {
            return self.var(name).map(|v| v.chars().count().to_string());
        }
        let name_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        let (name, rest) = inner.split_at(name_len);
        if name.is_empty() {
            return None;
        }
        let value = self.var(name);
        let literal = |w: &str| strip_quotes(w);
        if rest.is_empty() {
            return value;
        }
        for (op, needs_nonempty) in [(":-", true), ("-", false), (":=", true), ("=", false)] {
            if let Some(default) = rest.strip_prefix(op) {
                return match value {
                    Some(v) if !(needs_nonempty && v.is_empty()) => Some(v),
                    Some(_) | None if self.variables.get(name).is_none() || needs_nonempty => {
                        Some(self.expand_simple(&literal(default))?)
                    }
                    _ => None,
                };
            }
        }
        for op in [":+", "+"] {
            if let Some(alternative) = rest.strip_prefix(op) {
                return match value {
                    Some(v) if !v.is_empty() => self.expand_simple(&literal(alternative)),
                    Some(_) => Some(String::new()),
                    None => None,
                };
            }
        }
        let value = value?;
        if let Some(spec) = rest.strip_prefix("//") {
            let (pattern, replacement) = spec.split_once('/').unwrap_or((spec, ""));
            return literal_pattern(pattern).map(|p| value.replace(&p, &literal(replacement)));
        }
        if let Some(spec) = rest.strip_prefix('/') {
            let (pattern, replacement) = spec.split_once('/').unwrap_or((spec, ""));
            return literal_pattern(pattern).map(|p| value.replacen(&p, &literal(replacement), 1));
        }
        for (op, longest) in [("##", true), ("#", false)] {
            if let Some(pattern) = rest.strip_prefix(op) {
                return Some(strip_matching(
                    &value,
                    &strip_quotes(pattern),
                    true,
                    longest,
                ));
            }
        }
        for (op, longest) in [("%%", true), ("%", false)] {
            if let Some(pattern) = rest.strip_prefix(op) {
                return Some(strip_matching(
                    &value,
                    &strip_quotes(pattern),
                    false,
                    longest,
                ));
            }
        }
        match rest {
            "^^" => return Some(value.to_uppercase()),
            ",," => return Some(value.to_lowercase()),
            _ => {}
        }
        if let Some(spec) = rest.strip_prefix(':') {
            let mut parts = spec.splitn(2, ':');
            let offset: usize = parts.next()?.trim().parse().ok()?;
            let chars: Vec<char> = value.chars().collect();
            let start = offset.min(chars.len());
            let end = match parts.next() {
                Some(len) => (start + len.trim().parse::<usize>().ok()?).min(chars.len()),
                None => chars.len(),
            };
            return Some(chars.get(start..end)?.iter().collect());
        }
        None
    }

    fn var(&self, name: &str) -> Option<String> {
        self.variables.get(name).flatten().map(String::from)
    }

    /// `$NAME` and `${NAME}` inside a default value.
    fn expand_simple(&self, text: &str) -> Option<String> {
        if !text.contains('$') {
            return Some(text.to_string());
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some((before, after)) = rest.split_once('$') {
            out.push_str(before);
            let (name, next) = if let Some(braced) = after.strip_prefix('{') {
                braced.split_once('}')?
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                after.split_at_checked(end)?
            };
            out.push_str(&self.var(name)?);
            rest = next;
        }
        out.push_str(rest);
        Some(out)
    }
}

fn strip_quotes(text: &str) -> String {
    // `${x// /}`: a pattern of spaces is a pattern.
    if text.trim().is_empty() {
        return text.to_string();
    }
    let t = text.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    unescape_unquoted(t)
}

/// `${x#pat}`, `${x##pat}`, `${x%pat}`, `${x%%pat}` with a glob pattern.
fn strip_matching(value: &str, pattern: &str, prefix: bool, longest: bool) -> String {
    let mut cuts: Vec<usize> = value
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(value.len()))
        .collect();
    // Shortest first for `#` (from the front) and `%` (from the back).
    if prefix == longest {
        cuts.reverse();
    }
    for cut in cuts {
        let (head, tail) = (value.get(..cut), value.get(cut..));
        let (Some(head), Some(tail)) = (head, tail) else {
            continue;
        };
        if prefix && glob_matches(pattern, head) {
            return tail.to_string();
        }
        if !prefix && glob_matches(pattern, tail) {
            return head.to_string();
        }
    }
    value.to_string()
}

/// A pattern with no glob characters, as literal text.
fn literal_pattern(pattern: &str) -> Option<String> {
    let p = strip_quotes(pattern);
    (!p.contains(['*', '?', '['])).then_some(p)
}

/// Removes the backslashes of an unquoted word (`p\sql` → `psql`).
pub fn unescape_unquoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                if next != '\n' {
                    out.push(next);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Inside double quotes a backslash escapes only `$`, `` ` ``, `"`, `\` and newline.
fn unescape_double(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('$' | '`' | '"' | '\\') => {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                }
                Some('\n') => {
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The escapes of `$'…'` (and of `printf` and `echo -e`).
pub fn decode_ansi_c(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, max: usize| {
        let mut value = 0u32;
        let mut n = 0;
        while n < max {
            match chars.peek().and_then(|c| c.to_digit(16)) {
                Some(d) => {
                    value = value * 16 + d;
                    chars.next();
                    n += 1;
                }
                None => break,
            }
        }
        (n > 0).then_some(value)
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'e' | 'E' => out.push('\u{1b}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' => match hex(&mut chars, 2) {
                Some(v) => out.extend(char::from_u32(v)),
                None => out.push_str("\\x"),
            },
            'u' => out.extend(hex(&mut chars, 4).and_then(char::from_u32)),
            'U' => out.extend(hex(&mut chars, 8).and_then(char::from_u32)),
            'c' => {
                if let Some(ctl) = chars.next() {
                    out.extend(char::from_u32(ctl.to_ascii_uppercase() as u32 ^ 0x40));
                }
            }
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(value));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// One element of a glob pattern.
enum GlobToken {
    Star,
    Any,
    Literal(char),
    /// `[…]`: negated, and the ranges it holds (`a-z`, or `x-x` for one).
    Class(bool, Vec<(char, char)>),
}

fn glob_tokens(pattern: &str) -> Vec<GlobToken> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '*' => tokens.push(GlobToken::Star),
            '?' => tokens.push(GlobToken::Any),
            '[' => {
                // `[]…]` holds a `]`: the class closes at a later one.
                let close = chars
                    .iter()
                    .skip(i + 1)
                    .position(|c| *c == ']')
                    .map(|p| p + i + 1);
                let Some(close) = close else {
                    tokens.push(GlobToken::Literal('['));
                    continue;
                };
                let mut class: &[char] = chars.get(i..close).unwrap_or_default();
                let negate = matches!(class.first(), Some('!' | '^'));
                if negate {
                    class = class.get(1..).unwrap_or_default();
                }
                let mut ranges = Vec::new();
                let mut k = 0;
                while let Some(&from) = class.get(k) {
                    match (class.get(k + 1), class.get(k + 2)) {
                        (Some('-'), Some(&to)) => {
                            ranges.push((from, to));
                            k += 3;
                        }
                        _ => {
                            ranges.push((from, from));
                            k += 1;
                        }
                    }
                }
                tokens.push(GlobToken::Class(negate, ranges));
                i = close + 1;
            }
            other => tokens.push(GlobToken::Literal(other)),
        }
    }
    tokens
}

/// Whether `name` matches a shell glob `pattern` (`*`, `?`, `[…]`), in time
/// proportional to their lengths' product (no backtracking blow-up).
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let tokens = glob_tokens(pattern);
    // `states[k]`: the first k tokens match what was read of the name.
    let mut states = vec![false; tokens.len() + 1];
    if let Some(first) = states.first_mut() {
        *first = true;
    }
    close_stars(&tokens, &mut states);
    for c in name.chars() {
        let mut next = vec![false; tokens.len() + 1];
        for (k, token) in tokens.iter().enumerate() {
            if !states.get(k).copied().unwrap_or(false) {
                continue;
            }
            let (stay, advance) = match token {
                GlobToken::Star => (true, false),
                GlobToken::Any => (false, true),
                GlobToken::Literal(l) => (false, *l == c),
                GlobToken::Class(negate, ranges) => {
                    let hit = ranges.iter().any(|(a, b)| *a <= c && c <= *b);
                    (false, hit != *negate)
                }
            };
            if stay {
                if let Some(slot) = next.get_mut(k) {
                    *slot = true;
                }
            }
            if advance {
                if let Some(slot) = next.get_mut(k + 1) {
                    *slot = true;
                }
            }
        }
        close_stars(&tokens, &mut next);
        if !next.contains(&true) {
            return false;
        }
        states = next;
    }
    states.last().copied().unwrap_or(false)
}

/// A `*` matches nothing too: a state before it is a state after it.
fn close_stars(tokens: &[GlobToken], states: &mut [bool]) {
    for (k, token) in tokens.iter().enumerate() {
        if matches!(token, GlobToken::Star) && states.get(k).copied().unwrap_or(false) {
            if let Some(slot) = states.get_mut(k + 1) {
                *slot = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_c_escapes_decode() {
        let cases = [
            (r"\x70sql", "psql"),
            (r"\160sql", "psql"),
            (r"p\u0073ql", "psql"),
            (r"a\nb", "a\nb"),
            (r"\'", "'"),
            (r"\x", "\\x"),
        ];
        for (input, expected) in cases {
            assert_eq!(decode_ansi_c(input), expected, "{input}");
        }
    }

    #[test]
    fn globs_match_like_bash() {
        let cases = [
            ("ps?l", "psql", true),
            ("p*", "psql", true),
            ("*sql", "psql", true),
            ("[p]sql", "psql", true),
            ("[!p]sql", "psql", false),
            ("pg_dum[a-z]", "pg_dump", true),
            ("ps?l", "pssql", false),
            ("*", "anything", true),
            ("[]x]", "]", true),
            ("*a*a*a*a*a*a*a*a*a*a*b", &"a".repeat(60), false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(glob_matches(pattern, name), expected, "{pattern} {name}");
        }
    }

    #[test]
    fn braces_expand() {
        assert_eq!(expand_braces("{psql,-c,x}"), ["psql", "-c", "x"]);
        assert_eq!(expand_braces("p{s,x}ql"), ["psql", "pxql"]);
        assert_eq!(expand_braces("{a}"), ["{a}"]);
        assert_eq!(expand_braces("{p..p}sql"), ["psql"]);
        assert_eq!(expand_braces("x{1..3}"), ["x1", "x2", "x3"]);
        assert_eq!(expand_braces(&"{a,b}".repeat(20)).len(), MAX_BRACE_WORDS);
    }

    #[test]
    fn basenames_survive_unknown_prefixes() {
        let word = Word {
            pieces: vec![Piece::Unknown, Piece::Known("/bin/pg-query".into(), true)],
            span: None,
        };
        assert_eq!(word.basename().as_deref(), Some("pg-query"));
        let dynamic_tail = Word {
            pieces: vec![Piece::Known("/usr/bin/".into(), true), Piece::Unknown],
            span: None,
        };
        assert_eq!(dynamic_tail.basename(), None);
    }
}
