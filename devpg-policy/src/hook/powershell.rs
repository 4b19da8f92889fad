//! PowerShell commands (the `PowerShell` tool). The hook has no PowerShell
//! parser, so the mention rule applies to the whole text: a PostgreSQL
//! program or driver named anywhere blocks (`& 'C:\…\psql.exe'`,
//! `Start-Process psql`, `iex "psql …"`, `cmd /c psql`), except in a
//! statement whose command only prints, searches or looks up text.

use super::mention;
use super::programs;
use super::rules::{HookRule, Problem};

/// Cmdlets and commands whose arguments are data (lower case). Sorted.
const DATA_COMMANDS: &[&str] = &[
    "echo",
    "findstr",
    "gcm",
    "get-command",
    "get-help",
    "help",
    "select-string",
    "sls",
    "where.exe",
    "write-host",
    "write-output",
];

/// Signs that a PowerShell command invokes something (lower case).
const INVOKERS: &[&str] = &[
    "%{", "& ", "&\"", "&$", "&'", "&(", ".invoke", ".source", "::start", "cmd ", "foreach", "iex",
    "invoke-", "saps", "start-",
];

/// What the hook found in a PowerShell command.
#[derive(Debug, Default)]
pub struct Findings {
    pub block: Option<Problem>,
    pub confirm: bool,
}

pub fn analyze(command: &str) -> Findings {
    let mut findings = Findings::default();
    if let Some(uri) = programs::find_uri(command) {
        findings.block = Some(Problem {
            rule: HookRule::PostgresUri,
            detail: format!("it holds a PostgreSQL connection URI ({uri}…)"),
        });
        return findings;
    }
    // Data commands prove nothing when the text also invokes something
    // (`& (Get-Command psql)`, `… | ForEach-Object { & $_ }`).
    let lower = command.to_ascii_lowercase();
    let invokes = INVOKERS.iter().any(|m| lower.contains(m));
    if let Some(name) = programs::joined_program(command) {
        if mention::first(command).is_none() {
            findings.block = Some(Problem {
                rule: HookRule::DynamicCommand,
                detail: format!("the PowerShell command assembles the name {name}"),
            });
            return findings;
        }
    }
    for statement in command.split(['\n', ';', '|', '{', '}', '(', ')']) {
        let words: Vec<String> = statement
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c| c == '\'' || c == '"' || c == '&')
                    .to_string()
            })
            .filter(|w| !w.is_empty())
            .collect();
        let Some(first) = words.first() else {
            continue;
        };
        let first = first.to_ascii_lowercase();
        let base = first.rsplit(['/', '\\']).next().unwrap_or(&first);
        if base.trim_end_matches(".exe") == "pg-query"
            && words.iter().any(|w| {
                w.eq_ignore_ascii_case("--confirm") || w.contains('$') || w.starts_with('@')
            })
        {
            findings.confirm = true;
        }
        if DATA_COMMANDS.binary_search(&base).is_ok() && !invokes {
            continue;
        }
        if let Some(found) = mention::first(statement) {
            let rule = if programs::is_blocked(&programs::normalize(base)) {
                HookRule::PgClientProgram
            } else {
                HookRule::UnprovenMention
            };
            findings.block = Some(Problem {
                rule,
                detail: format!(
                    "the PowerShell statement `{}` names {found}, and the hook cannot prove it is only data there (a human may allow this exact command for the project with `hook.allow` in the trusted configuration)",
                    statement.trim()
                ),
            });
            return findings;
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted() {
        for table in [DATA_COMMANDS, INVOKERS] {
            for pair in table.windows(2) {
                assert!(pair[0] < pair[1], "{pair:?}");
            }
        }
    }

    #[test]
    fn powershell_mentions_block_outside_data_commands() {
        for command in [
            "psql -c x",
            "& 'pg_dump' db",
            "Start-Process psql -ArgumentList shop",
            "& 'C:\\Program Files\\PostgreSQL\\16\\bin\\psql.exe' shop",
            "Invoke-Expression 'psql shop'",
            "iex \"pg_dump shop\"",
            "cmd /c psql shop",
            "$p = 'psql'; & $p shop",
            "Get-ChildItem; { psql shop }",
        ] {
            assert!(analyze(command).block.is_some(), "{command}");
        }
        for command in [
            "Get-ChildItem",
            "Write-Output 'psql is blocked'",
            "Select-String -Pattern psql -Path *.md",
            "Get-Command psql",
            "pg-query -c dev 'SELECT 1'",
        ] {
            assert!(analyze(command).block.is_none(), "{command}");
        }
        assert!(analyze("pg-query --confirm 'DROP TABLE t'").confirm);
        assert!(analyze("pg-query @args 'DROP TABLE t'").confirm);
    }
}
