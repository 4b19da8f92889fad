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

/// The entries of a rule table whose first word is `program`: read from the
/// text on each call, so a short-lived process (the hook) parses only the
/// lines it needs instead of the whole table.
pub fn entries_for<'t>(table: &'t str, program: &str) -> Vec<&'t str> {
    if program.is_empty() {
        return Vec::new();
    }
    table
        .match_indices(program)
        .filter(|(at, _)| {
            *at == 0
                || table
                    .get(..*at)
                    .is_some_and(|before| before.ends_with('\n'))
        })
        .filter_map(|(at, _)| {
            let line = table.get(at..)?.lines().next()?.trim_end();
            let rest = line.get(program.len()..)?;
            (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(line)
        })
        .collect()
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
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let at = |row: &[usize], k: usize| row.get(k).copied().unwrap_or(usize::MAX);
            let substitution = at(&previous, j).saturating_add(usize::from(ca != *cb));
            let deletion = at(&previous, j + 1).saturating_add(1);
            let insertion = current
                .last()
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            current.push(substitution.min(deletion).min(insertion));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
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

/// Whether `c` must not reach a terminal as it is (`is_terminal_control`).
pub fn needs_escape(c: char) -> bool {
    is_terminal_control(c)
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

/// `word` as one shell word that pastes safely into sh, bash and zsh: left
/// bare when it holds only characters no shell treats specially, else in
/// single quotes (a `'` inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod shell_quote_tests {
    use super::shell_quote;

    #[test]
    fn words_that_a_shell_would_read_otherwise_are_single_quoted() {
        assert_eq!(shell_quote("dev"), "dev");
        assert_eq!(shell_quote("/a/b.json"), "/a/b.json");
        assert_eq!(shell_quote("dev; touch /tmp/x"), "'dev; touch /tmp/x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$(id)"), "'$(id)'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a\nb"), "'a\nb'");
    }
}

/// The current UTC time as RFC 3339 with `digits` fractional digits (0 to 9),
/// e.g. `2026-11-29T05:01:12.345Z`.
pub fn utc_now_rfc3339(digits: usize) -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(since.as_secs(), since.subsec_nanos(), digits)
}

fn rfc3339(seconds: u64, nanos: u32, digits: usize) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let digits = digits.min(9);
    let fraction = if digits == 0 {
        String::new()
    } else {
        let all = format!("{nanos:09}");
        format!(".{}", all.get(..digits).unwrap_or(&all))
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        rest / 3_600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod time_tests {
    use super::rfc3339;

    #[test]
    fn utc_times_are_rfc3339() {
        assert_eq!(rfc3339(0, 0, 3), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 0, 0), "2000-02-29T00:00:00Z");
        assert_eq!(
            rfc3339(1_795_926_448, 911_766_160, 3),
            "2026-11-29T04:27:28.911Z"
        );
        assert_eq!(
            rfc3339(4_102_444_799, 123_456_789, 6),
            "2099-12-31T23:59:59.123456Z"
        );
    }
}

/// Is `c` a character that can move the cursor, hide text or reorder it on a
/// terminal (C0/C1 controls, DEL, bidirectional overrides and isolates)?
pub fn is_terminal_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every terminal control character made visible (`\u{1b}`), so
/// what a human reads is what is there.
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_terminal_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_terminal_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod entries_tests {
    use super::entries_for;

    #[test]
    fn only_lines_that_start_with_the_whole_program_word() {
        let table = "# git comment\ngit commit\ngit log\ngitk\nlegit x\ngit\n";
        assert_eq!(entries_for(table, "git"), ["git commit", "git log", "git"]);
        assert!(entries_for(table, "").is_empty());
        assert_eq!(entries_for(table, "gitk"), ["gitk"]);
    }
}

#[cfg(test)]
mod visible_tests {
    use super::visible;

    #[test]
    fn controls_and_bidi_overrides_are_made_visible() {
        assert_eq!(visible("ro"), "ro");
        assert_eq!(visible("z\u{1b}[2A\r"), "z\\u{1b}[2A\\u{d}");
        assert_eq!(visible("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(visible("line\nnext"), "line\\u{a}next");
    }
}
