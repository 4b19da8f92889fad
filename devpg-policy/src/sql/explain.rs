//! The statements EXPLAIN accepts, and how pg-query's `--explain` and
//! `--explain-analyze` put each statement of the input under EXPLAIN.

use super::classify::classify;
use super::rules::Rule;
use crate::error::Error;
use crate::mode::Mode;

/// Statement kinds PostgreSQL's EXPLAIN takes. Sorted: a test checks it.
pub const EXPLAINABLE_KINDS: &[&str] = &[
    "create-table-as",
    "declare-cursor",
    "delete",
    "execute",
    "insert",
    "merge",
    "select",
    "update",
    "values",
];

/// Whether EXPLAIN accepts a statement of this kind.
pub fn is_explainable(kind: &str) -> bool {
    EXPLAINABLE_KINDS.binary_search(&kind).is_ok()
}

/// The plan's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    Text,
    Json,
}

impl std::str::FromStr for PlanFormat {
    type Err = Error;

    fn from_str(format: &str) -> Result<Self, Error> {
        match format {
            "text" => Ok(PlanFormat::Text),
            "json" => Ok(PlanFormat::Json),
            other => Err(Error::usage(format!(
                "unknown plan format '{other}': expected text or json"
            ))),
        }
    }
}

/// Each statement of `sql` under EXPLAIN (with ANALYZE when asked). Input
/// that does not parse is returned as it is: the validator blocks it.
pub fn explain_sql(sql: &str, analyze: bool, format: PlanFormat) -> Result<String, Error> {
    let analysis = classify(sql, Mode::ReadWrite);
    let unreadable = analysis.statements.iter().any(|s| {
        s.findings.iter().any(|f| {
            matches!(
                f.rule,
                Rule::ParseError | Rule::EmptyInput | Rule::PsqlMetaCommand
            )
        })
    });
    if unreadable {
        return Ok(sql.to_string());
    }
    if let Some(other) = analysis.statements.iter().find(|s| !is_explainable(s.kind)) {
        return Err(Error::usage(format!(
            "{} cannot be explained: EXPLAIN takes SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, EXECUTE, DECLARE and CREATE TABLE AS",
            other.kind.to_uppercase().replace('-', " ")
        )));
    }
    let format = match format {
        PlanFormat::Text => "TEXT",
        PlanFormat::Json => "JSON",
    };
    let options = if analyze {
        format!("ANALYZE, FORMAT {format}")
    } else {
        format!("FORMAT {format}")
    };
    let explained: Vec<String> = analysis
        .statements
        .iter()
        .map(|s| format!("EXPLAIN ({options}) {}", s.text(sql)))
        .collect();
    Ok(explained.join(";\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explainable_kinds_are_sorted() {
        assert!(EXPLAINABLE_KINDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_statement_goes_under_explain() {
        let sql = explain_sql(
            "SELECT 1; UPDATE t SET a = 1 WHERE id = 2",
            true,
            PlanFormat::Json,
        );
        assert_eq!(
            sql.ok().as_deref(),
            Some("EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1;\nEXPLAIN (ANALYZE, FORMAT JSON) UPDATE t SET a = 1 WHERE id = 2")
        );
    }

    #[test]
    fn statements_explain_does_not_take_are_a_usage_error() {
        assert!(explain_sql("VACUUM t", false, PlanFormat::Text).is_err());
        assert!("yaml".parse::<PlanFormat>().is_err());
    }
}
