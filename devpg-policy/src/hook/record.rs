//! The agent's blocked attempts go into the project's audit log, beside the
//! runs pg-query records: what the agent tried against the guard is
//! evidence, not just a message it was shown.

use super::input::HookInput;
use super::rules::Problem;
use crate::audit::{Attempt, AuditLog, Finish, Record, RunOutcome};
use crate::config::redact::Redactor;
use crate::config::{self, paths, Config};
use crate::sql::Verdict;
use crate::Mode;
use serde_json::Value;

/// How much of the tool's input a record keeps.
const MAX_TEXT: usize = 4096;

/// Appends the blocked attempt to the audit log of the project the call was
/// made in. Nothing happens outside a project (no `.dev-postgres.json` found
/// upwards); a log that cannot be written changes nothing about the block.
pub fn block(input: &HookInput, problem: &Problem) {
    let project = config::project_dir(&input.cwd);
    if !project.join(config::FILE_NAME).exists() {
        return;
    }
    // Only a trusted configuration may move the log; else its default place.
    let config = Config::load(None, &input.cwd).ok();
    let log_path = match &config {
        Some(config) => config.log_path(&input.cwd),
        None => project.join(config::DEFAULT_LOG_NAME),
    };
    let redactor = Redactor::for_config(
        config.as_ref(),
        &|name| std::env::var(name).ok(),
        paths::account_home().as_deref(),
    );
    let max_bytes = config
        .as_ref()
        .map_or(0, |config| config.security.log_max_bytes);
    let Ok(log) = AuditLog::open(&log_path, max_bytes) else {
        return;
    };
    let log = log.with_syslog(config.and_then(|c| c.security.audit_syslog));
    let attempt = Attempt {
        tool: "pg-hook",
        connection: String::new(),
        mode: Mode::ReadOnly,
        database: String::new(),
        user: String::new(),
        host: String::new(),
        port: None,
        sql: redactor.redact(&what_was_tried(input)),
        verdict: Verdict::Blocked,
        rule: Some(problem.rule.id()),
        confirmed: false,
    };
    if let Ok(seq) = log.append(&Record::Attempt(&attempt)) {
        let mut finish = Finish::new(RunOutcome::Blocked);
        finish.error = Some(redactor.redact(&problem.detail));
        let _ = log.append(&Record::Outcome(seq, &finish));
    }
}

/// `TOOL: command`, `TOOL: path` or `TOOL: input`, cut to a few KiB.
fn what_was_tried(input: &HookInput) -> String {
    let field = |key: &str| input.tool_input.get(key).and_then(Value::as_str);
    let detail = field("command")
        .or_else(|| field("file_path"))
        .or_else(|| field("notebook_path"))
        .map(String::from)
        .unwrap_or_else(|| input.tool_input.to_string());
    let text = format!("{}: {detail}", input.tool_name);
    if text.len() <= MAX_TEXT {
        text
    } else {
        let mut cut: String = text.chars().take(MAX_TEXT).collect();
        cut.push('…');
        cut
    }
}
