//! `do-unreadable-body`: a DO block is judged by the SQL its PL/pgSQL body
//! holds; a body that cannot be read needs confirmation.

use crate::mode::Mode;
use crate::sql::classify::classify_nested;
use crate::sql::inspect::{string_value, Inspector};
use crate::sql::plpgsql;
use crate::sql::rules::Rule;
use pg_query::protobuf::Node;
use pg_query::NodeEnum;

/// How deep DO blocks may nest inside DO blocks before the body counts as unreadable.
const MAX_DO_DEPTH: usize = 4;

impl Inspector<'_> {
    pub(crate) fn inspect_do(&mut self, args: &[Node]) {
        let mut body = None;
        let mut language = "plpgsql".to_string();
        for arg in args {
            if let Some(NodeEnum::DefElem(def)) = &arg.node {
                let value = def.arg.as_deref().and_then(string_value);
                match (def.defname.as_str(), value) {
                    ("as", Some(v)) => body = Some(v),
                    ("language", Some(v)) => language = v.to_lowercase(),
                    _ => {}
                }
            }
        }
        let outcome = match body {
            None => Err("the DO block has no body".to_string()),
            Some(_) if language != "plpgsql" => Err(format!(
                "the DO block is in language {language}, which cannot be inspected"
            )),
            Some(_) if self.do_depth >= MAX_DO_DEPTH => {
                Err("DO blocks are nested too deeply to inspect".into())
            }
            Some(body) => plpgsql::embedded_sql(body),
        };
        match outcome {
            Err(why) => self.destructive(
                Rule::DoUnreadableBody,
                format!("{why}: what it does cannot be known before it runs"),
                None,
            ),
            Ok(statements) => {
                for sql in statements {
                    let inner = classify_nested(&sql, Mode::ReadWrite, self.do_depth + 1);
                    for statement in inner.statements {
                        for finding in statement.findings {
                            let unreadable = finding.rule == Rule::ParseError;
                            let reason = if unreadable {
                                format!(
                                    "the DO block holds SQL that cannot be read: {}",
                                    finding.reason
                                )
                            } else {
                                format!("in the DO block: {}", finding.reason)
                            };
                            let rule = if unreadable {
                                Rule::DoUnreadableBody
                            } else {
                                finding.rule
                            };
                            self.destructive(rule, reason, None);
                        }
                    }
                }
            }
        }
    }
}
