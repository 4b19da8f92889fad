//! Runners: programs that run a command behind a subcommand (`poetry run`,
//! `uv run`, `npx`, `tmux new`, `doppler run --`): the command they run is
//! judged as if typed.

use crate::text::entries_for;

const RUNNER_TABLE: &str = include_str!("runners.txt");

#[derive(Debug, PartialEq, Eq)]
pub struct Runner {
    pub program: &'static str,
    pub subcommand: Vec<&'static str>,
    pub positionals: usize,
    pub value_options: Vec<&'static str>,
}

/// One table line as an entry.
fn entry(line: &'static str) -> Option<Runner> {
    let mut words = line.split_whitespace();
    let program = words.next()?;
    let mut runner = Runner {
        program,
        subcommand: Vec::new(),
        positionals: 0,
        value_options: Vec::new(),
    };
    for word in words {
        if let Some(n) = word.strip_prefix('+') {
            runner.positionals = n.parse().unwrap_or(0);
        } else if let Some(option) = word.strip_prefix('=') {
            runner.value_options.push(option);
        } else {
            runner.subcommand.push(word);
        }
    }
    Some(runner)
}

/// The runner entry for `program` with `args`, when its subcommand matches
/// the first words (`npx` has none).
pub fn lookup(program: &str, args: &[Option<String>]) -> Option<Runner> {
    entries_for(RUNNER_TABLE, program)
        .into_iter()
        .filter_map(entry)
        .find(|r| {
            r.subcommand
                .iter()
                .zip(args)
                .all(|(s, a)| a.as_deref() == Some(*s))
                && args.len() >= r.subcommand.len()
        })
}

impl Runner {
    /// Where the command starts among `args` (after the subcommand), if any.
    pub fn command_start(&self, args: &[Option<String>]) -> Option<usize> {
        if let Some(dash) = args.iter().position(|a| a.as_deref() == Some("--")) {
            return Some(dash + 1).filter(|s| *s < args.len());
        }
        let mut i = self.subcommand.len();
        let mut skip = self.positionals;
        while let Some(arg) = args.get(i) {
            let arg = arg.as_deref()?;
            if arg.starts_with('-') && arg.len() > 1 {
                let takes_value = self.value_options.contains(&arg);
                i += if takes_value { 2 } else { 1 };
                continue;
            }
            if skip > 0 {
                skip -= 1;
                i += 1;
                continue;
            }
            return Some(i);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<Option<String>> {
        words.iter().map(|w| Some(w.to_string())).collect()
    }

    #[test]
    fn the_table_is_sorted_and_unique() {
        let lines: Vec<&str> = crate::text::table_lines(RUNNER_TABLE).collect();
        for pair in lines.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or not unique: {pair:?}");
        }
    }

    #[test]
    fn the_command_is_found() {
        let cases: &[(&str, &[&str], Option<usize>)] = &[
            ("poetry", &["run", "psql", "shop"], Some(1)),
            (
                "uv",
                &["run", "--with", "psycopg", "python", "x.py"],
                Some(3),
            ),
            ("direnv", &["exec", ".", "./x.sh"], Some(2)),
            ("doppler", &["run", "--", "pg_dump", "shop"], Some(2)),
            ("npx", &["jest", "-t", "psql"], Some(0)),
            ("tmux", &["new", "-d", "psql shop"], Some(2)),
            ("poetry", &["install"], None),
        ];
        for (program, words, expected) in cases {
            let words = args(words);
            let start = lookup(program, &words).and_then(|r| r.command_start(&words));
            assert_eq!(start, *expected, "{program} {words:?}");
        }
    }
}
