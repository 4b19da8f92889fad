//! Small text helpers shared by the binaries.

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return name.is_empty();
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The entries of a rule table: non-empty lines that are not `#` comments.
pub fn table_lines(table: &str) -> impl Iterator<Item = &str> {
    table
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The closest candidate to `word` by edit distance, if it is close enough to
/// be a plausible typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// `word` as one shell word a human can paste into sh, bash or zsh: as it
/// is when it holds only safe characters, else single-quoted; a word with
/// control characters is ANSI-C quoted (`$'…'`), so pasting it cannot run
/// anything or move the cursor.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        return word.to_string();
    }
    if word.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        let mut quoted = String::from("$'");
        for c in word.chars() {
            match c {
                '\\' => quoted.push_str("\\\\"),
                '\'' => quoted.push_str("\\'"),
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                '\r' => quoted.push_str("\\r"),
                c if (c as u32) < 0x80 && c.is_control() => {
                    quoted.push_str(&format!("\\x{:02x}", c as u32));
                }
                c if c.is_control() || is_bidi_control(c) => {
                    quoted.push_str(&format!("\\u{:04x}", c as u32));
                }
                c => quoted.push(c),
            }
        }
        quoted.push('\'');
        return quoted;
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// Keywords PostgreSQL's `quote_ident()` quotes: every category but unreserved.
const QUOTED_KEYWORDS: &str = include_str!("quoted_keywords.txt");

/// `name` as PostgreSQL's `quote_ident()` writes it: bare when it is lower
/// case letters, digits and underscores (not starting with a digit) and not
/// a keyword that needs quoting, else in double quotes with `"` doubled.
pub fn quote_ident(name: &str) -> String {
    let mut chars = name.chars();
    let bare = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !table_lines(QUOTED_KEYWORDS).any(|k| k == name);
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069):
/// invisible, and able to make text read in another order than it runs.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` must not reach a terminal as it is.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// One line of a value (no `\n`) as psql's aligned format shows it: `\r`
/// as `\r`, a tab as spaces to the next multiple of 8 columns (when
/// `expand_tabs`), other ASCII control characters as `\x1B`, C1 controls as
/// `\u0085`; bidi controls as `\u202E` too (psql prints those raw). Text
/// without any of them is returned as it is.
pub fn terminal_safe(line: &str, expand_tabs: bool) -> std::borrow::Cow<'_, str> {
    if !line
        .chars()
        .any(|c| needs_escape(c) && (c != '\t' || expand_tabs))
    {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0usize;
    for c in line.chars() {
        match c {
            '\r' => {
                out.push_str("\\r");
                width += 2;
            }
            '\t' if expand_tabs => loop {
                out.push(' ');
                width += 1;
                if width.is_multiple_of(8) {
                    break;
                }
            },
            '\t' => {
                out.push(c);
                width += 1;
            }
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02X}", c as u32));
                width += 4;
            }
            c if needs_escape(c) => {
                out.push_str(&format!("\\u{:04X}", c as u32));
                width += 6;
            }
            c => {
                out.push(c);
                // Width matters only for tab stops; wide characters are rare there.
                width += 1;
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("abc", 2), (1, 3));
        assert_eq!(line_col("a\nbc", 3), (2, 2));
        assert_eq!(line_col("é\nx", 3), (2, 1));
        assert_eq!(line_col("éx", 2), (1, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn glob_matches_like_a_shell_pattern() {
        let cases = [
            ("lo_*", "lo_import", true),
            ("lo_*", "lo_", true),
            ("lo_*", "lower", false),
            ("*_to_xml*", "query_to_xml", true),
            ("*_to_xml*", "table_to_xmlschema", true),
            ("*_to_xml*", "to_xml", false),
            ("pg_stat_*_reset", "pg_stat_statements_reset", true),
            ("pg_stat_*_reset", "pg_stat_reset", false),
            ("nextval", "nextval", true),
            ("nextval", "nextvalue", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "ac", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(glob_match(pattern, name), expected, "{pattern} ~ {name}");
        }
    }

    #[test]
    fn shell_quote_makes_one_inert_word() {
        let cases = [
            ("dev", "dev"),
            ("dev-db_2", "dev-db_2"),
            ("", "''"),
            ("dev; touch /tmp/x", "'dev; touch /tmp/x'"),
            ("it's", "'it'\\''s'"),
            ("$(id)", "'$(id)'"),
            ("a\u{1b}]0;x\u{7}", "$'a\\x1b]0;x\\x07'"),
            ("a'\nb", "$'a\\'\\nb'"),
            ("\u{202E}x", "$'\\u202ex'"),
        ];
        for (word, quoted) in cases {
            assert_eq!(shell_quote(word), quoted, "{word:?}");
        }
    }

    #[test]
    fn quote_ident_quotes_as_postgresql_does() {
        let cases = [
            ("users", "users"),
            ("_x1", "_x1"),
            ("Mixed Case", "\"Mixed Case\""),
            ("Users", "\"Users\""),
            ("1abc", "\"1abc\""),
            ("comma,name", "\"comma,name\""),
            ("a.b", "\"a.b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("ü", "\"ü\""),
            ("select", "\"select\""),
            ("user", "\"user\""),
            ("name", "name"),
            ("a$b", "\"a$b\""),
        ];
        for (name, quoted) in cases {
            assert_eq!(quote_ident(name), quoted, "{name:?}");
        }
    }

    #[test]
    fn quoted_keywords_are_sorted_lowercase_and_unique() {
        let words: Vec<&str> = table_lines(QUOTED_KEYWORDS).collect();
        assert!(words.len() > 100);
        assert!(words.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert!(words
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn terminal_safe_shows_controls_as_psql_does() {
        let cases = [
            ("plain é 中", "plain é 中"),
            ("a\rb", "a\\rb"),
            ("\u{1b}[2J", "\\x1B[2J"),
            ("bell\u{7}", "bell\\x07"),
            ("del\u{7f}", "del\\x7F"),
            ("\u{85}", "\\u0085"),
            ("a\tb", "a       b"),
            ("\u{202E}evil", "\\u202Eevil"),
            ("\u{2066}x\u{2069}", "\\u2066x\\u2069"),
        ];
        for (line, shown) in cases {
            assert_eq!(terminal_safe(line, true), shown, "{line:?}");
        }
        assert_eq!(terminal_safe("a\tb", false), "a\tb");
    }

    #[test]
    fn closest_suggests_near_misses_only() {
        let keys = ["host", "port", "database", "password", "mode"];
        assert_eq!(closest("pasword", keys), Some("password"));
        assert_eq!(closest("databse", keys), Some("database"));
        assert_eq!(closest("zzzzzzzz", keys), None);
    }
}
