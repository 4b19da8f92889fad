//! The entry point: parse the whole input once, then judge every statement.

use super::class::{decide, statement_kind, StatementClass};
use super::inspect::Inspector;
use super::position::{error_offset, meta_command_offset, trim_statement};
use super::report::{Analysis, Finding, Statement};
use super::rules::{Rule, Verdict};
use super::walk::walk_enum;
use crate::mode::Mode;
use pg_query::protobuf::Node;

/// Stack for classification: the walk recurses once per tree level, and the
/// parser accepts trees deep enough to overflow a small thread stack.
const CLASSIFY_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Classifies every statement of `sql` for `mode`.
pub fn classify(sql: &str, mode: Mode) -> Analysis {
    let run = || classify_nested(sql, mode, 0);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("classify".into())
            .stack_size(CLASSIFY_STACK_BYTES)
            .spawn_scoped(scope, run)
            .ok()
            .and_then(|handle| handle.join().ok())
    })
    .unwrap_or_else(|| Analysis {
        mode,
        statements: vec![whole_input(
            sql,
            "unparsed",
            Rule::ParseError,
            "the SQL could not be classified (internal error): blocked to be safe".into(),
            0,
        )],
    })
}

/// Classification on the current thread; `do_depth` counts the DO blocks
/// this SQL is nested in.
pub(crate) fn classify_nested(sql: &str, mode: Mode, do_depth: usize) -> Analysis {
    let statements = if sql.contains('\0') {
        vec![whole_input(
            sql,
            "unparsed",
            Rule::ParseError,
            "the input contains a NUL character, which is not SQL".into(),
            sql.find('\0').unwrap_or(0),
        )]
    } else {
        match pg_query::parse(sql, 0) {
            Ok(parsed) if parsed.protobuf.stmts.is_empty() => vec![whole_input(
                sql,
                "empty",
                Rule::EmptyInput,
                "no SQL statement found (empty or only comments): nothing to allow".into(),
                0,
            )],
            Ok(parsed) => parsed
                .protobuf
                .stmts
                .iter()
                .map(|raw| {
                    let start = usize::try_from(raw.stmt_location).unwrap_or(0);
                    let len = usize::try_from(raw.stmt_len).unwrap_or(0);
                    let end = if len == 0 { sql.len() } else { start + len };
                    let (start, end) = trim_statement(sql, start, end);
                    let node = raw.stmt.as_deref();
                    judge_statement(node, mode, start, end, do_depth)
                })
                .collect(),
            Err(error) => vec![unparsable(sql, &error)],
        }
    };
    Analysis { mode, statements }
}

fn whole_input(
    sql: &str,
    kind: &'static str,
    rule: Rule,
    reason: String,
    offset: usize,
) -> Statement {
    let (start, end) = trim_statement(sql, 0, sql.len());
    Statement {
        kind,
        class: None,
        start: start.min(offset),
        end: end.max(start.min(offset)),
        findings: vec![Finding {
            verdict: Verdict::Blocked,
            rule,
            reason,
            offset,
        }],
        calls: Vec::new(),
    }
}

fn judge_statement(
    node: Option<&Node>,
    mode: Mode,
    start: usize,
    end: usize,
    do_depth: usize,
) -> Statement {
    let Some(node) = node.and_then(|n| n.node.as_ref()) else {
        return Statement {
            kind: "empty",
            class: None,
            start,
            end,
            findings: vec![Finding {
                verdict: Verdict::Blocked,
                rule: Rule::EmptyInput,
                reason: "empty statement".into(),
                offset: start,
            }],
            calls: Vec::new(),
        };
    };
    let top = node.to_ref();
    let class = StatementClass::of(top);
    let kind = statement_kind(top);
    let mut findings = Vec::new();
    if !decide(mode, class) {
        findings.push(Finding {
            verdict: Verdict::Blocked,
            rule: class.rule(),
            reason: format!(
                "{} {}: not allowed on a {mode} connection",
                kind.to_uppercase().replace('-', " "),
                class.describe()
            ),
            offset: start,
        });
    }
    let mut inspector = Inspector::new(mode, node, start, do_depth, findings);
    walk_enum(&mut inspector, node);
    let (findings, calls) = inspector.finish();
    Statement {
        kind,
        class: Some(class),
        start,
        end,
        findings,
        calls,
    }
}

/// Input the parser rejects: blocked in every mode, with the parser's message
/// and where it stopped. psql meta-commands get their own rule.
fn unparsable(sql: &str, error: &pg_query::Error) -> Statement {
    if let Some(offset) = meta_command_offset(sql) {
        let command: String = sql
            .get(offset..)
            .unwrap_or_default()
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        return whole_input(
            sql,
            "psql-meta-command",
            Rule::PsqlMetaCommand,
            format!("{command} is a psql meta-command, not SQL: it would run outside the database's control"),
            offset,
        );
    }
    let message = match error {
        pg_query::Error::Parse(message) => message.clone(),
        other => other.to_string(),
    };
    let offset = error_offset(sql, &message);
    whole_input(
        sql,
        "unparsed",
        Rule::ParseError,
        format!("the SQL does not parse: {message}"),
        offset,
    )
}
