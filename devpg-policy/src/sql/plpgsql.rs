//! The SQL inside a PL/pgSQL DO body, for the destructive check.

use serde_json::Value;

/// PL/pgSQL statements whose SQL is built at run time: nothing can be known of it.
const DYNAMIC_STATEMENTS: &[&str] = &["PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors"];

/// Every SQL text a DO body runs, or why it cannot be known.
pub fn embedded_sql(body: &str) -> Result<Vec<String>, String> {
    let mut tag = String::from("dev_postgres");
    while body.contains(&format!("${tag}$")) {
        tag.push('_');
    }
    let function = format!(
        "CREATE FUNCTION dev_postgres_do() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}$"
    );
    let tree = pg_query::parse_plpgsql(&function)
        .map_err(|e| format!("the DO body does not parse as PL/pgSQL ({e})"))?;
    let mut found = Vec::new();
    collect(&tree, &mut found)?;
    Ok(found)
}

fn collect(value: &Value, found: &mut Vec<String>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if DYNAMIC_STATEMENTS.contains(&key.as_str())
                    || (key.starts_with("PLpgSQL_stmt_") && inner.get("dynquery").is_some())
                {
                    return Err("the DO block builds SQL at run time (EXECUTE)".into());
                }
                if key == "PLpgSQL_expr" {
                    if let Some(query) = inner.get("query").and_then(Value::as_str) {
                        found.push(expression_sql(query, inner.get("parseMode")));
                    }
                }
                collect(inner, found)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|item| collect(item, found)),
        _ => Ok(()),
    }
}

/// An expression's text as a statement the SQL parser can read.
fn expression_sql(query: &str, parse_mode: Option<&Value>) -> String {
    // parseMode 0 is a whole statement; the others are expressions or
    // assignments (`x := …`), which read as the right-hand side of a SELECT.
    match parse_mode.and_then(Value::as_i64) {
        None | Some(0) => query.to_string(),
        Some(_) => match query.split_once(":=") {
            Some((_, rhs)) => format!("SELECT {rhs}"),
            None => format!("SELECT {query}"),
        },
    }
}
