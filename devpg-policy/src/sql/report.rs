//! What classification returns, and how it is shown to people and programs.

use super::class::StatementClass;
use super::functions::FunctionCall;
use super::rules::{Rule, Verdict};
use crate::mode::Mode;
use crate::text::line_col;
use serde_json::{json, Value};

/// One reason a statement is not simply allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub verdict: Verdict,
    pub rule: Rule,
    pub reason: String,
    /// Byte offset in the whole input.
    pub offset: usize,
}

/// One statement of the input, with everything found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's kind, kebab-case (`select`, `delete`, `create-table`, …).
    pub kind: &'static str,
    /// Its class for the per-mode decision (None for input that did not parse).
    pub class: Option<StatementClass>,
    /// Byte range of the statement's text in the input (no trailing `;`).
    pub start: usize,
    pub end: usize,
    pub findings: Vec<Finding>,
    /// Every function it runs, with the operators and casts it uses: what
    /// the catalog check resolves where there is a connection.
    pub calls: Vec<FunctionCall>,
}

impl Statement {
    pub fn verdict(&self) -> Verdict {
        self.findings
            .iter()
            .map(|f| f.verdict)
            .max()
            .unwrap_or(Verdict::Allowed)
    }

    /// The first finding of the strictest verdict: the one to show.
    pub fn primary(&self) -> Option<&Finding> {
        let verdict = self.verdict();
        self.findings.iter().find(|f| f.verdict == verdict)
    }

    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.start..self.end).unwrap_or_default()
    }
}

/// The classification of a whole input for one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub mode: Mode,
    pub statements: Vec<Statement>,
}

impl Analysis {
    pub fn verdict(&self) -> Verdict {
        self.statements
            .iter()
            .map(Statement::verdict)
            .max()
            .unwrap_or(Verdict::Blocked)
    }

    /// The strictest finding of the whole input.
    pub fn primary(&self) -> Option<&Finding> {
        let verdict = self.verdict();
        self.statements
            .iter()
            .filter(|s| s.verdict() == verdict)
            .find_map(Statement::primary)
    }

    /// One line per statement that is not allowed: `line:col: verdict [rule] reason`.
    pub fn human_lines(&self, sql: &str) -> Vec<String> {
        self.statements
            .iter()
            .filter_map(|s| s.primary())
            .map(|f| {
                let (line, col) = line_col(sql, f.offset);
                format!(
                    "{line}:{col}: {} [{}] {}",
                    f.verdict.as_str(),
                    f.rule.id(),
                    f.reason
                )
            })
            .collect()
    }

    /// The stable JSON document of `pg-validate --json`.
    pub fn to_json(&self, sql: &str, confirmed: bool) -> Value {
        let statements: Vec<Value> = self
            .statements
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let (line, column) = line_col(sql, s.start);
                let primary = s.primary();
                json!({
                    "index": index,
                    "kind": s.kind,
                    "verdict": s.verdict().as_str(),
                    "rule": primary.map(|f| f.rule.id()),
                    "reason": primary.map(|f| f.reason.as_str()),
                    "position": {"offset": s.start, "line": line, "column": column},
                    "text": s.text(sql),
                    "findings": s.findings.iter().map(|f| {
                        let (line, column) = line_col(sql, f.offset);
                        json!({
                            "verdict": f.verdict.as_str(),
                            "rule": f.rule.id(),
                            "reason": f.reason,
                            "position": {"offset": f.offset, "line": line, "column": column},
                        })
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        let primary = self.primary();
        json!({
            "mode": self.mode.as_str(),
            "verdict": self.verdict().as_str(),
            "confirmed": confirmed,
            "exit_code": crate::exit::for_verdict(self.verdict(), confirmed).code(),
            "rule": primary.map(|f| f.rule.id()),
            "reason": primary.map(|f| f.reason.as_str()),
            "statements": statements,
        })
    }
}
