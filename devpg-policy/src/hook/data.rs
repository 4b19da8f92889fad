//! Where a command's arguments are data: the table of known commands whose
//! arguments may mention a PostgreSQL program without running it.

use crate::text::entries_for;

const DATA_TABLE: &str = include_str!("data_positions.txt");

/// One entry of `data_positions.txt`.
#[derive(Debug, PartialEq, Eq)]
pub struct DataCommand {
    pub program: &'static str,
    pub subcommand: Vec<&'static str>,
    /// Options whose values are not data.
    pub not_data: Vec<&'static str>,
}

/// One table line as an entry.
fn entry(line: &'static str) -> Option<DataCommand> {
    let mut words = line.split_whitespace();
    let program = words.next()?;
    let (mut subcommand, mut not_data) = (Vec::new(), Vec::new());
    for word in words {
        match word.strip_prefix('!') {
            Some(option) => not_data.push(option),
            None => subcommand.push(word),
        }
    }
    Some(DataCommand {
        program,
        subcommand,
        not_data,
    })
}

/// The entry for `program` run with `args`: the one with the longest
/// subcommand that the first operands match.
pub fn lookup(program: &str, args: &[Option<String>]) -> Option<DataCommand> {
    let operands: Vec<&str> = args
        .iter()
        .map(|a| a.as_deref().unwrap_or("\0"))
        .filter(|a| !a.starts_with('-'))
        .collect();
    entries_for(DATA_TABLE, program)
        .into_iter()
        .filter_map(entry)
        .filter(|d| {
            // `brew --prefix libpq`: an entry may name a leading option.
            let words: Vec<&str> = if d.subcommand.first().is_some_and(|s| s.starts_with('-')) {
                args.iter().map(|a| a.as_deref().unwrap_or("\0")).collect()
            } else {
                operands.clone()
            };
            d.subcommand.len() <= words.len()
                && d.subcommand.iter().zip(&words).all(|(s, o)| s == o)
        })
        .max_by_key(|d| d.subcommand.len())
}

impl DataCommand {
    /// For each argument, whether it is data (`false` for an excluded
    /// option and its value).
    pub fn data_arguments(&self, args: &[Option<String>]) -> Vec<bool> {
        let mut data = vec![true; args.len()];
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            let arg = arg.as_deref().unwrap_or_default();
            for option in &self.not_data {
                let hit = if *option == "+*" {
                    arg.starts_with('+')
                } else {
                    arg == *option
                        || arg
                            .strip_prefix(option)
                            .is_some_and(|rest| rest.starts_with('=') || !option.starts_with("--"))
                };
                if hit {
                    if let Some(flag) = data.get_mut(i) {
                        *flag = false;
                    }
                    if arg == *option {
                        if let Some(next) = data.get_mut(i + 1) {
                            *next = false;
                        }
                        i += 1;
                    }
                    break;
                }
            }
            i += 1;
        }
        data
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
        let lines: Vec<&str> = crate::text::table_lines(DATA_TABLE).collect();
        for pair in lines.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or not unique: {pair:?}");
        }
        assert!(lines.iter().all(|line| entry(line).is_some()));
    }

    #[test]
    fn subcommands_choose_the_entry() {
        assert!(lookup("git", &args(&["commit", "-m", "psql"])).is_some());
        assert!(lookup("git", &args(&["rebase", "-x", "psql"])).is_none());
        assert!(lookup("grep", &args(&["psql"])).is_some());
        assert!(lookup("docker", &args(&["compose", "exec", "db", "psql"])).is_none());
        assert!(lookup("docker", &args(&["compose", "up", "postgres"])).is_some());
        assert!(lookup("npx", &args(&["psql"])).is_none());
    }

    #[test]
    fn excluded_options_and_their_values_are_not_data() {
        let tar = lookup("tar", &args(&["-xf", "d.tar"])).unwrap();
        assert_eq!(
            tar.data_arguments(&args(&["-xf", "d.tar", "--to-command=psql shop"])),
            [true, true, false]
        );
        assert_eq!(
            tar.data_arguments(&args(&["-I", "psql", "-cf", "x.tgz"])),
            [false, false, true, true]
        );
        let vim = lookup("vim", &args(&["x"])).unwrap();
        assert_eq!(
            vim.data_arguments(&args(&["+!psql", "-c", "!psql", "psql.md"])),
            [false, false, false, true]
        );
    }
}
