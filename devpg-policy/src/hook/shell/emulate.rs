//! What simple commands print, emulated for known arguments: `echo`,
//! `printf`, `$(…)` of those and of program look-ups; and small helpers
//! over argument lists.

use super::super::programs;
use super::super::words::{decode_ansi_c, Evaluator, Variables, Word};
use tree_sitter::Node;

/// What `$(…)` prints, when it is `echo`, `printf`, or a lookup of a program's path.
pub fn substitution_output(
    node: Node<'_>,
    src: &str,
    variables: &Variables,
    files: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
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
    let args: Vec<Option<String>> = words.iter().skip(1).map(Word::value).collect();
    match name.as_str() {
        "echo" => join_echo(&args).map(|s| s.trim_end_matches('\n').to_string()),
        "true" | "false" | ":" => Some(String::new()),
        // `eval "$(cat x.sh)"`: the file's text.
        "cat" => {
            let mut text = String::new();
            for file in &args {
                let file = file.as_deref()?;
                if file.starts_with('-') {
                    return None;
                }
                text.push_str(&files(file)?);
            }
            (!args.is_empty()).then_some(text)
        }
        "printf" => {
            let args = match args.first() {
                Some(Some(dashes)) if dashes == "--" => args.get(1..).unwrap_or_default(),
                _ => args.as_slice(),
            };
            printf(args.first()?.as_deref()?, args.get(1..).unwrap_or_default())
        }
        "which" | "type" | "whereis" | "command" => {
            let program = args.iter().flatten().find(|a| !a.starts_with('-'))?;
            Some(format!("/usr/bin/{program}"))
        }
        _ => None,
    }
}

pub fn join(args: &[Option<String>]) -> Option<String> {
    let parts: Option<Vec<&str>> = args.iter().map(|a| a.as_deref()).collect();
    parts.map(|p| p.join(" "))
}

/// `echo`'s output for known arguments (`-n`, `-e`, `-E` understood).
pub fn join_echo(args: &[Option<String>]) -> Option<String> {
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
    let mut text = join(args.get(start..).unwrap_or_default())?;
    if escapes {
        text = decode_ansi_c(&text);
    }
    if newline {
        text.push('\n');
    }
    Some(text)
}

/// `printf FORMAT ARGS…` for known arguments: escapes, `%s`/`%b`/`%d`, reused format.
pub fn printf(format: &str, args: &[Option<String>]) -> Option<String> {
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

pub fn option_value(args: &[Option<String>], options: &[&str]) -> Option<String> {
    let i = args
        .iter()
        .position(|a| a.as_deref().is_some_and(|a| options.contains(&a)))?;
    args.get(i + 1).cloned().flatten()
}

/// Index of the first operand after options (options in `value_options` take a value).
pub fn skip_options(args: &[Option<String>], value_options: &[&str]) -> usize {
    let mut i = 0;
    while i < args.len() {
        match args.get(i).and_then(|a| a.as_deref()) {
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
pub fn sed_shell_code(script: &str) -> Vec<String> {
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
            let fields: Vec<&str> = rest
                .get(delimiter.len_utf8()..)
                .unwrap_or_default()
                .splitn(3, delimiter)
                .collect();
            if let [_, replacement, flags] = fields.as_slice() {
                if flags.contains('e') {
                    found.push(replacement.to_string());
                }
            }
        }
    }
    found
}
