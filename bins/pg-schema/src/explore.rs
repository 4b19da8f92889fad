use clap::Parser;
use devpg_cli::{parse_args, Outcome};
use devpg_db::schema::{self, Action, SchemaFormat, ACTIONS, NAMES_QUERY};
use devpg_db::session::Session;
use devpg_policy::config::{self, Config};
use devpg_policy::text::{closest, shell_quote};
use devpg_policy::{Error, ExitCode, Mode};
use serde_json::{json, Value};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

/// The help after the flags: the actions, from the action table (described
/// once, in devpg_db::schema::ACTIONS), then how to start.
fn after_help() -> String {
    let mut text = String::from("ACTIONS:\n");
    for (name, action, help) in ACTIONS {
        let usage = format!("{name} {}", action.argument());
        text.push_str(&format!("  {:<21}{help}\n", usage.trim_end()));
    }
    text.push('\n');
    text.push_str(AFTER_ACTIONS);
    text
}

const AFTER_ACTIONS: &str = "\
WHERE TO START: `pg-schema overview` (or `pg-schema connections` to pick a connection), then
`pg-schema describe TABLE` for the tables you need, then `pg-query` to read data.

Names: `describe users`, `describe analytics.daily`, `describe '\"Mixed Case\"'` (PostgreSQL's
rules: unquoted names fold to lower case). A name that does not exist exits 3 with the closest
existing names. Every catalog query runs in a read-only transaction, names bound as parameters.

FORMATS: text (default, compact and aligned), markdown, json (a stable document: see README).
EXIT CODES: 0 ok, 3 usage or configuration error or unknown name, 4 execution error.
The predecessor's `--action list-tables|list-views|list-schemas|table-sizes|... --table T` still work.";

/// Explore a PostgreSQL database's structure without writing SQL.
#[derive(Parser, Debug)]
#[command(name = "pg-schema", version, about, long_about = None, after_help = after_help())]
struct Args {
    /// The action (see ACTIONS below).
    #[arg(value_name = "ACTION")]
    action: Option<String>,
    /// The action's argument: a table for describe/indexes/foreign-keys, a pattern for search.
    #[arg(value_name = "ARG")]
    argument: Option<String>,
    /// The predecessor's form of ACTION.
    #[arg(long = "action", value_name = "ACTION", hide = true)]
    legacy_action: Option<String>,
    /// The table (the predecessor's form of ARG).
    #[arg(long, short = 't', value_name = "TABLE")]
    table: Option<String>,
    /// The connection (default: default_connection).
    #[arg(long, short = 'c', value_name = "NAME")]
    connection: Option<String>,
    /// Only these schemas (comma-separated; default: the connection's `schemas`, else all non-system schemas).
    #[arg(long, short = 's', value_name = "SCHEMA")]
    schema: Option<String>,
    /// Output format: text, markdown or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    format: String,
    /// overview: the most characters to print; bigger schemas are summarised.
    #[arg(long, value_name = "CHARS", default_value_t = 24_000)]
    budget: usize,
    /// The configuration file (default: .dev-postgres.json found upwards).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Cancel a catalog query after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode, Outcome> {
    let args: Args = parse_args(args)?;
    let format = match args.format.as_str() {
        "text" | "aligned" => SchemaFormat::Text,
        "markdown" | "md" => SchemaFormat::Markdown,
        "json" => SchemaFormat::Json,
        other => {
            return Err(Error::usage(format!(
                "unknown format '{other}': expected text, markdown or json"
            ))
            .into())
        }
    };
    let name = args
        .action
        .clone()
        .or(args.legacy_action.clone())
        .ok_or_else(|| {
            Error::usage("no action given: try `pg-schema overview` (see --help for all actions)")
        })?;
    let action = Action::parse(&name).ok_or_else(|| {
        let names = ACTIONS.iter().map(|(n, _, _)| *n);
        let hint = closest(&name, names.clone())
            .map(|c| format!(" (did you mean '{c}'?)"))
            .unwrap_or_default();
        Error::usage(format!(
            "unknown action '{name}'{hint}: one of {}",
            names.collect::<Vec<_>>().join(", ")
        ))
    })?;
    let argument = args.argument.clone().or(args.table.clone());
    if action.needs_argument() && argument.is_none() {
        let what = if action == Action::Search {
            "PATTERN"
        } else {
            "TABLE"
        };
        return Err(Error::usage(format!("{name} needs a {what}: pg-schema {name} {what}")).into());
    }
    let config = devpg_cli::Startup::new("pg-schema")?.config(args.config.as_deref())?;
    devpg_cli::set_secrets(devpg_policy::config::redact::Redactor::for_config(
        Some(&config),
        &|name| std::env::var(name).ok(),
        devpg_policy::config::paths::account_home().as_deref(),
    ));
    let document = if action == Action::Connections {
        connections(&config)
    } else {
        match catalog(&args, &config, action, argument.as_deref())? {
            Ok(document) => document,
            Err(code) => return Ok(code),
        }
    };
    let text = match (action, format) {
        (Action::Overview, SchemaFormat::Text | SchemaFormat::Markdown) => {
            schema::overview(&document, args.budget)
        }
        _ => schema::render(&document, format),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| Error::Execution(format!("cannot write the result: {e}")))?;
    Ok(ExitCode::Ok)
}

/// The configured connections, never a password.
fn connections(config: &Config) -> Value {
    let rows: Vec<Value> = config
        .connections
        .values()
        .map(|c| {
            json!({
                "name": c.name,
                "mode": c.mode.as_str(),
                "default": config.default_connection.as_deref() == Some(c.name.as_str()),
                "description": c.description,
                "host": c.host,
                "database": c.database,
                "user": c.user,
            })
        })
        .collect();
    Value::Array(rows)
}

/// Runs the action's one catalog query in a read-only session.
fn catalog(
    args: &Args,
    config: &Config,
    action: Action,
    argument: Option<&str>,
) -> Result<Result<Value, ExitCode>, Outcome> {
    let connection = config.connection(args.connection.as_deref())?;
    let mut warnings = Vec::new();
    let home = dirs::home_dir();
    let mut params = config::resolve(connection, &env, home.as_deref(), &mut warnings)?;
    for warning in warnings {
        eprintln!("pg-schema: {warning}");
    }
    let schemas: Vec<String> = match &args.schema {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        None => params.schemas.clone(),
    };
    if args.schema.is_some() {
        // Names in the narrowed schemas resolve without qualification.
        params.schemas = schemas.clone();
    }
    let scope = schema::scope_param(&schemas);
    let execution = |e: devpg_db::pg::PgError| e.on(&connection.name);
    let mut session = Session::open_as(&params, Mode::ReadOnly, home.as_deref(), args.timeout)
        .map_err(execution)?;
    let sql = schema::query(action).ok_or_else(|| Error::usage("this action reads no database"))?;
    let second = match action {
        Action::Search => argument.map(schema::like_pattern),
        _ => argument.map(String::from),
    };
    if let (true, Some(table)) = (action.takes_table(), argument) {
        // to_regclass raises on a malformed name: a savepoint keeps the session usable.
        session
            .query_value("SAVEPOINT name_check", &[])
            .map_err(execution)?;
        let found =
            match session.query_value("SELECT to_regclass($1::text) IS NOT NULL", &[Some(table)]) {
                Ok(found) => found,
                Err(_) => {
                    session
                        .query_value("ROLLBACK TO SAVEPOINT name_check", &[])
                        .map_err(execution)?;
                    Some("f".into())
                }
            };
        if found.as_deref() != Some("t") {
            let names = session
                .query_value(NAMES_QUERY, &[scope.as_deref()])
                .map_err(execution)?;
            let _ = session.finish(false);
            let names: Vec<(String, String)> = names
                .and_then(|n| serde_json::from_str(&n).ok())
                .unwrap_or_default();
            eprintln!("pg-schema: {}", not_found(table, &names, &schemas));
            return Ok(Err(ExitCode::Usage));
        }
    }
    // The server wants exactly the parameters the statement uses.
    let all = [scope.as_deref(), second.as_deref()];
    let used = if sql.contains("$2") {
        2
    } else if sql.contains("$1") {
        1
    } else {
        0
    };
    let value = session
        .query_value(&sql, all.get(..used).unwrap_or_default())
        .map_err(execution)?;
    let _ = session.finish(false);
    let document = value
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or(Value::Null);
    Ok(Ok(document))
}

/// "no table named X in …; did you mean …" with the closest existing names,
/// each written as it can be typed: quoted for PostgreSQL, then for the shell.
fn not_found(table: &str, names: &[(String, String)], schemas: &[String]) -> String {
    let wanted = table.replace('"', "").to_lowercase();
    let (wanted_schema, wanted_name) = match wanted.rsplit_once('.') {
        Some((schema, name)) => (Some(schema.to_string()), name.to_string()),
        None => (None, wanted.clone()),
    };
    let bares: Vec<String> = names.iter().map(|(_, n)| n.to_lowercase()).collect();
    let mut suggestions: Vec<&(String, String)> = Vec::new();
    if let Some(close) = closest(&wanted_name, bares.iter().map(String::as_str)) {
        suggestions.extend(names.iter().filter(|(_, n)| n.to_lowercase() == close));
    }
    for pair in names {
        let bare = pair.1.to_lowercase();
        let related = wanted_name.len() >= 3
            && (bare.contains(&wanted_name) || (bare.len() >= 3 && wanted_name.contains(&bare)));
        if related && !suggestions.contains(&pair) {
            suggestions.push(pair);
        }
    }
    // The schema the user named comes first.
    if let Some(schema) = &wanted_schema {
        suggestions.sort_by_key(|(s, _)| s.to_lowercase() != *schema);
    }
    suggestions.truncate(5);
    let scope = if schemas.is_empty() {
        "the search path".to_string()
    } else {
        format!("schemas {}", schemas.join(", "))
    };
    let table = devpg_policy::text::terminal_safe(table, false);
    if suggestions.is_empty() {
        format!("no table or view named '{table}' in {scope}: see `pg-schema tables`")
    } else {
        let typed: Vec<String> = suggestions
            .iter()
            .map(|(s, n)| shell_quote(&schema::qualified(s, n)))
            .collect();
        format!(
            "no table or view named '{table}' in {scope}; did you mean: {}?",
            typed.join(", ")
        )
    }
}
