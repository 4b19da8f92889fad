//! pg-query's `--explain` and `--explain-analyze`: each statement of the
//! input wrapped in EXPLAIN, for the statement kinds PostgreSQL can explain.

use super::classify::classify;
use super::rules::Rule;
use crate::Mode;

/// The statement kinds EXPLAIN takes (PostgreSQL's ExplainableStmt), kept sorted.
pub const EXPLAINABLE: &[&str] = &[
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

/// Each statement of `sql` under EXPLAIN (with ANALYZE when asked), in plan
/// format `text` or `json`. Input that does not parse is returned as it is:
/// the classifier blocks it. The error says what cannot be explained.
pub fn wrap(sql: &str, analyze: bool, format: &str) -> Result<String, String> {
    let format = match format {
        "text" => "TEXT",
        "json" => "JSON",
        other => {
            return Err(format!(
                "unknown plan format '{other}': expected text or json"
            ))
        }
    };
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
    if let Some(other) = analysis
        .statements
        .iter()
        .find(|s| EXPLAINABLE.binary_search(&s.kind).is_err())
    {
        return Err(format!(
            "{} cannot be explained: EXPLAIN takes SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, EXECUTE, DECLARE and CREATE TABLE AS",
            other.kind.to_uppercase().replace('-', " ")
        ));
    }
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
    fn the_explainable_kinds_are_sorted_and_unique() {
        assert!(EXPLAINABLE.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn each_statement_is_wrapped_and_others_are_refused() {
        assert_eq!(
            wrap("SELECT 1; DELETE FROM t WHERE a = 1", false, "text").unwrap(),
            "EXPLAIN (FORMAT TEXT) SELECT 1;\nEXPLAIN (FORMAT TEXT) DELETE FROM t WHERE a = 1"
        );
        assert!(wrap("SELECT 1", true, "json")
            .unwrap()
            .starts_with("EXPLAIN (ANALYZE, FORMAT JSON)"));
        assert!(wrap("DROP TABLE t", false, "text")
            .unwrap_err()
            .contains("cannot be explained"));
        assert!(wrap("SELECT 1", false, "yaml").is_err());
        assert_eq!(wrap("SELEC 1", false, "text").unwrap(), "SELEC 1");
    }
}
