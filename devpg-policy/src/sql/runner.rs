//! Who runs the SQL decides one more rule. A file judged on its own
//! (`pg-validate --mode read-write`) may hold `BEGIN … COMMIT`: a migration
//! tool runs it. pg-query runs every call inside one transaction it owns — the
//! guard that keeps a read-only connection read-only and a failed write run
//! uncommitted — so transaction control in the user's SQL would end or split
//! that transaction, and is refused in every mode. `pg-validate -c NAME`
//! judges as pg-query will run the SQL on that connection.

use super::report::Analysis;
use super::rules::{Rule, Verdict};
use crate::exit::{for_verdict, ExitCode};

/// How the judged SQL will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// On its own, by whatever runs the file: the mode's rules alone.
    Standalone,
    /// Inside the one transaction pg-query opens and ends.
    GuardedTransaction,
}

/// The verdict for a run: its exit code and the rule behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    pub exit: ExitCode,
    pub rule: Option<Rule>,
}

/// The whole input's judgement for `runner`.
pub fn judge(analysis: &Analysis, confirmed: bool, runner: Runner) -> Judgement {
    let verdict = analysis.verdict();
    let primary = analysis.primary().map(|f| f.rule);
    if verdict == Verdict::Blocked || runner == Runner::Standalone {
        return Judgement {
            exit: for_verdict(verdict, confirmed),
            rule: primary,
        };
    }
    if analysis
        .statements
        .iter()
        .any(|s| s.class == Some(super::StatementClass::Transaction))
    {
        return Judgement {
            exit: ExitCode::Blocked,
            rule: Some(Rule::TransactionControl),
        };
    }
    Judgement {
        exit: for_verdict(verdict, confirmed),
        rule: primary,
    }
}

/// What to tell the agent when transaction control was refused only because
/// pg-query owns the transaction.
pub const OWNED_TRANSACTION_NOTE: &str = "pg-query runs every call in one transaction and commits only when every statement succeeds: leave transaction control out";

/// The line that says so, `line:col: blocked [transaction-control] …` at the
/// first transaction statement, when that is why `judgement` refused `analysis`.
pub fn owned_transaction_line(
    analysis: &Analysis,
    judgement: &Judgement,
    sql: &str,
) -> Option<String> {
    if judgement.rule != Some(Rule::TransactionControl) || analysis.verdict() == Verdict::Blocked {
        return None;
    }
    let statement = analysis
        .statements
        .iter()
        .find(|s| s.class == Some(super::StatementClass::Transaction))?;
    let (line, col) = crate::text::line_col(sql, statement.start);
    Some(format!(
        "{line}:{col}: {} [{}] {OWNED_TRANSACTION_NOTE}",
        Verdict::Blocked.as_str(),
        Rule::TransactionControl.id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::classify;
    use crate::Mode;

    fn exit(sql: &str, mode: Mode, runner: Runner) -> ExitCode {
        judge(&classify(sql, mode), false, runner).exit
    }

    #[test]
    fn a_migration_file_may_hold_begin_but_pg_query_refuses_it() {
        let migration = "BEGIN; CREATE TABLE t (a int); COMMIT";
        assert_eq!(
            exit(migration, Mode::ReadWrite, Runner::Standalone),
            ExitCode::Ok
        );
        assert_eq!(
            exit(migration, Mode::ReadWrite, Runner::GuardedTransaction),
            ExitCode::Blocked
        );
        let rule = judge(
            &classify(migration, Mode::ReadWrite),
            false,
            Runner::GuardedTransaction,
        )
        .rule;
        assert_eq!(rule, Some(Rule::TransactionControl));
    }

    #[test]
    fn the_refusal_points_at_the_transaction_statement() {
        let sql = "CREATE TABLE t (a int);\nCOMMIT";
        let analysis = classify(sql, Mode::ReadWrite);
        let judgement = judge(&analysis, false, Runner::GuardedTransaction);
        let line = owned_transaction_line(&analysis, &judgement, sql).unwrap();
        assert!(
            line.starts_with("2:1: blocked [transaction-control]"),
            "{line}"
        );
        let standalone = judge(&analysis, false, Runner::Standalone);
        assert_eq!(owned_transaction_line(&analysis, &standalone, sql), None);
    }

    #[test]
    fn the_guarded_runner_keeps_every_other_verdict() {
        assert_eq!(
            exit("SELECT 1", Mode::ReadOnly, Runner::GuardedTransaction),
            ExitCode::Ok
        );
        assert_eq!(
            exit("DROP TABLE t", Mode::ReadWrite, Runner::GuardedTransaction),
            ExitCode::NeedsConfirmation
        );
        assert_eq!(
            exit("DELETE FROM t", Mode::ReadOnly, Runner::GuardedTransaction),
            ExitCode::Blocked
        );
    }
}
