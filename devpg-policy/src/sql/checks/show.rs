//! `show-all`, `show-sensitive-setting`: SHOW that reveals the server's files or commands.

use crate::mode::Mode;
use crate::sql::inspect::Inspector;
use crate::sql::rules::Rule;
use crate::text::table_lines;
use pg_query::protobuf::VariableShowStmt;

const SENSITIVE_SETTINGS: &str = include_str!("../sensitive_settings.txt");

impl Inspector<'_> {
    pub(crate) fn check_show(&mut self, show: &VariableShowStmt) {
        if self.mode == Mode::ReadWrite {
            return;
        }
        let name = show.name.to_lowercase();
        if name == "all" {
            self.block(
                Rule::ShowAll,
                "SHOW ALL reveals the server's file paths and commands; SHOW one setting instead"
                    .into(),
                None,
            );
        } else if table_lines(SENSITIVE_SETTINGS).any(|s| s == name) {
            self.block(
                Rule::ShowSensitiveSetting,
                format!("SHOW {name} reveals the server's files, commands or credentials"),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_settings_are_sorted_and_unique() {
        let names: Vec<&str> = table_lines(SENSITIVE_SETTINGS).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    }
}
