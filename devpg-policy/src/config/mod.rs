//! `.dev-postgres.json`: found by walking up from the working directory (or
//! `--config PATH`), merged over a user-level file for connections shared
//! across projects. Parsed strictly: an unknown or misspelled key is an error
//! that names the key, its place and the closest valid key — a typo must
//! never leave a connection writable.

mod libpq;
pub mod paths;
pub mod redact;
mod secret;
pub mod trust;

pub use libpq::{resolve, ConnectParams, SslMode};
pub use secret::Secret;

use crate::error::Error;
use crate::mode::Mode;
use crate::text::closest;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".dev-postgres.json";
pub const DEFAULT_LOG_NAME: &str = ".dev-postgres-query.log";
/// The local syslog daemon's socket.
pub const DEFAULT_SYSLOG_SOCKET: &str = "/dev/log";

const TOP_KEYS: &[&str] = &[
    "$schema",
    "connections",
    "default_connection",
    "hook",
    "security",
];
const SECURITY_KEYS: &[&str] = &[
    "audit_syslog",
    "log_all_queries",
    "log_file",
    "log_max_bytes",
    "max_result_bytes",
    "max_rows",
    "query_timeout_seconds",
    "require_confirmation_for_destructive",
];
const HOOK_KEYS: &[&str] = &["confirm", "mcp_mode", "mcp_servers"];
const CONNECTION_KEYS: &[&str] = &[
    "allow_functions",
    "application_name",
    "connect_timeout",
    "database",
    "description",
    "from_environment",
    "host",
    "max_rows",
    "mode",
    "password",
    "port",
    "query_timeout_seconds",
    "require_confirmation",
    "schemas",
    "service",
    "sslcert",
    "sslkey",
    "sslmode",
    "sslrootcert",
    "user",
];

/// The whole configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The project file, if one was found (the audit log lives beside it).
    pub path: Option<PathBuf>,
    pub connections: BTreeMap<String, Connection>,
    pub default_connection: Option<String>,
    pub security: Security,
    pub hook: HookSettings,
    /// Problems worth telling the user that do not stop the run.
    pub warnings: Vec<String>,
    /// Every file read, user-level first: what a human trusted.
    pub files: Vec<PathBuf>,
}

/// The `security` block; each field may be overridden per connection where noted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    pub require_confirmation_for_destructive: bool,
    pub log_all_queries: bool,
    pub max_rows: u64,
    pub query_timeout_seconds: u64,
    /// Where the audit log goes (relative to the config file's folder).
    pub log_file: Option<String>,
    /// Rotate the audit log when it grows past this many bytes.
    pub log_max_bytes: u64,
    /// Stop reading a result past this many bytes of values.
    pub max_result_bytes: u64,
    /// Send a copy of every audit record to the local syslog too: `true` for
    /// `/dev/log`, or the path of another syslog datagram socket.
    pub audit_syslog: Option<PathBuf>,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            require_confirmation_for_destructive: true,
            log_all_queries: true,
            max_rows: 1000,
            query_timeout_seconds: 30,
            log_file: None,
            log_max_bytes: 10 * 1024 * 1024,
            max_result_bytes: 64 * 1024 * 1024,
            audit_syslog: None,
        }
    }
}

/// How the hook treats an agent-typed `--confirm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfirmDecision {
    #[default]
    Ask,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookSettings {
    pub confirm: ConfirmDecision,
    /// Name patterns of MCP servers whose SQL the hook classifies.
    pub mcp_servers: Vec<String>,
    /// The mode MCP database tools are judged in.
    pub mcp_mode: Mode,
}

impl Default for HookSettings {
    fn default() -> Self {
        HookSettings {
            confirm: ConfirmDecision::Ask,
            mcp_servers: [
                "postgres", "pg", "sql", "db", "database", "supabase", "neon",
            ]
            .map(String::from)
            .to_vec(),
            mcp_mode: Mode::ReadOnly,
        }
    }
}

/// One named connection as written (values may hold `${VAR}`, resolved at use).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    pub name: String,
    pub mode: Mode,
    pub description: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub database: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub service: Option<String>,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    pub sslcert: Option<String>,
    pub sslkey: Option<String>,
    pub application_name: Option<String>,
    pub connect_timeout: Option<u64>,
    pub require_confirmation: Option<bool>,
    pub max_rows: Option<u64>,
    pub query_timeout_seconds: Option<u64>,
    pub schemas: Vec<String>,
    /// The trusted file lets PG* variables and service entries choose this
    /// connection's host, port, database, user and sslmode at run time.
    pub from_environment: bool,
    /// VOLATILE functions the catalog check lets through on this connection
    /// beyond the built-in effect-free list (names, optionally `schema.name`).
    pub allow_functions: Vec<String>,
}

impl Config {
    /// Loads the configuration: `explicit` if given, else the nearest
    /// `.dev-postgres.json` above `cwd`, over the user-level file.
    /// Every file must be trusted by a human (`dev-postgres trust`) exactly as it is.
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Config, Error> {
        Config::load_with(explicit, cwd, Trust::Required)
    }

    /// Loads without asking for trust: for showing a human what a file grants
    /// before they trust it, and for doctor's report. Never for running SQL.
    pub fn load_for_review(explicit: Option<&Path>, cwd: &Path) -> Result<Config, Error> {
        Config::load_with(explicit, cwd, Trust::Review)
    }

    fn load_with(explicit: Option<&Path>, cwd: &Path, trust: Trust) -> Result<Config, Error> {
        let user_file = user_config_path().filter(|p| p.symlink_metadata().is_ok());
        let project = match explicit {
            Some(path) => {
                if !path.is_file() {
                    return Err(Error::Config {
                        place: path.display().to_string(),
                        message: "no such file (check --config)".into(),
                    });
                }
                // A human trusted a file for its project: another project's
                // trusted file is not this project's configuration.
                let inside = match (path.canonicalize(), project_dir(cwd).canonicalize()) {
                    (Ok(file), Ok(project)) => file.starts_with(project),
                    _ => false,
                };
                if !inside && trust == Trust::Required {
                    return Err(Error::Config {
                        place: path.display().to_string(),
                        message: format!(
                            "--config must name a file inside this project ({}); run from the other project's folder to use its configuration",
                            project_dir(cwd).display()
                        ),
                    });
                }
                Some(path.to_path_buf())
            }
            None => find_upwards(cwd),
        };
        let mut config = Config::default();
        if let Some(user) = &user_file {
            if Some(user) != project.as_ref() {
                config.merge_file(user, trust)?;
            }
        }
        if let Some(path) = &project {
            config.merge_file(path, trust)?;
            config.path = Some(path.clone());
        }
        if let Some(name) = &config.default_connection {
            if !config.connections.contains_key(name) {
                return Err(Error::Config {
                    place: config.place("default_connection"),
                    message: format!(
                        "names no connection '{name}'{}",
                        config.suggest_connection(name)
                    ),
                });
            }
        }
        Ok(config)
    }

    /// Parses one file's text (used by `load` and by tests).
    pub fn parse(text: &str, origin: &str) -> Result<Config, Error> {
        let mut config = Config::default();
        config.merge_text(text, origin)?;
        Ok(config)
    }

    fn place(&self, key: &str) -> String {
        match &self.path {
            Some(path) => format!("{}: {key}", path.display()),
            None => key.to_string(),
        }
    }

    fn merge_file(&mut self, path: &Path, trust: Trust) -> Result<(), Error> {
        // One read, of the file itself (never through a symbolic link to some
        // other trusted file): the bytes hashed are the bytes parsed.
        let bytes = crate::fs::open_own(path)
            .and_then(|mut file| {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut bytes).map(|_| bytes)
            })
            .map_err(|source| match source.raw_os_error() {
                Some(code) if code == libc::ELOOP => Error::Config {
                    place: path.display().to_string(),
                    message: "is a symbolic link: refused (a configuration is trusted as the file it is, where it is)".into(),
                },
                _ => Error::Read {
                    path: path.to_path_buf(),
                    source,
                },
            })?;
        if crate::fs::writable_by_others(path) {
            return Err(Error::Config {
                place: path.display().to_string(),
                message: format!(
                    "is writable by other users: refused. Run: chmod 600 {}",
                    crate::text::shell_quote(&path.display().to_string())
                ),
            });
        }
        if let Some(warning) = readable_by_others(path) {
            self.warnings.push(warning);
        }
        if trust == Trust::Required {
            trust::check(path, &bytes)?;
        }
        self.files.push(path.to_path_buf());
        let text = String::from_utf8(bytes).map_err(|_| Error::Config {
            place: path.display().to_string(),
            message: "is not UTF-8 text".into(),
        })?;
        self.merge_text(&text, &path.display().to_string())
    }

    fn merge_text(&mut self, text: &str, origin: &str) -> Result<(), Error> {
        let value: Value = crate::json::parse_strict(text).map_err(|e| Error::Config {
            place: origin.to_string(),
            message: format!("not valid JSON: {e}"),
        })?;
        let err = |place: &str, message: String| Error::Config {
            place: format!("{origin}: {place}"),
            message,
        };
        let top = value
            .as_object()
            .ok_or_else(|| err("top level", "must be a JSON object".into()))?;
        check_keys(top, TOP_KEYS, "top level", origin)?;
        if let Some(connections) = top.get("connections") {
            let connections = connections.as_object().ok_or_else(|| {
                err(
                    "connections",
                    "must be an object of named connections".into(),
                )
            })?;
            for (name, value) in connections {
                if !is_connection_name(name) {
                    return Err(err(
                        &format!("connections.{}", crate::text::visible(name)),
                        "a connection name is letters, digits, '_', '-' and '.' only (it is shown to humans and typed in commands)".into(),
                    ));
                }
                let place = format!("connections.{name}");
                let connection = parse_connection(name, value, &place, origin)?;
                self.connections.insert(name.clone(), connection);
            }
        }
        if let Some(value) = top.get("default_connection") {
            self.default_connection = Some(string(value, "default_connection", origin)?);
        }
        if let Some(value) = top.get("security") {
            let block = value
                .as_object()
                .ok_or_else(|| err("security", "must be an object".into()))?;
            check_keys(block, SECURITY_KEYS, "security", origin)?;
            let s = &mut self.security;
            for (key, value) in block {
                let place = format!("security.{key}");
                match key.as_str() {
                    "require_confirmation_for_destructive" => {
                        s.require_confirmation_for_destructive = boolean(value, &place, origin)?
                    }
                    "log_all_queries" => s.log_all_queries = boolean(value, &place, origin)?,
                    "audit_syslog" => {
                        s.audit_syslog = match value {
                            Value::String(path) => Some(PathBuf::from(path)),
                            _ => boolean(value, &place, origin)?
                                .then(|| PathBuf::from(DEFAULT_SYSLOG_SOCKET)),
                        }
                    }
                    "max_rows" => s.max_rows = number(value, &place, origin)?,
                    "query_timeout_seconds" => {
                        s.query_timeout_seconds = number(value, &place, origin)?
                    }
                    "log_file" => s.log_file = Some(string(value, &place, origin)?),
                    "log_max_bytes" => s.log_max_bytes = number(value, &place, origin)?,
                    "max_result_bytes" => s.max_result_bytes = number(value, &place, origin)?,
                    _ => {}
                }
            }
        }
        if let Some(value) = top.get("hook") {
            let block = value
                .as_object()
                .ok_or_else(|| err("hook", "must be an object".into()))?;
            check_keys(block, HOOK_KEYS, "hook", origin)?;
            for (key, value) in block {
                let place = format!("hook.{key}");
                match key.as_str() {
                    "confirm" => {
                        self.hook.confirm = match string(value, &place, origin)?.as_str() {
                            "ask" => ConfirmDecision::Ask,
                            "deny" => ConfirmDecision::Deny,
                            other => {
                                return Err(err(&place, format!("'{other}' is not ask or deny")))
                            }
                        }
                    }
                    "mcp_mode" => {
                        self.hook.mcp_mode = string(value, &place, origin)?
                            .parse()
                            .map_err(|e: String| err(&place, e))?
                    }
                    "mcp_servers" => self.hook.mcp_servers = strings(value, &place, origin)?,
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The connection named `name`, or the default one.
    pub fn connection(&self, name: Option<&str>) -> Result<&Connection, Error> {
        let name = match name.or(self.default_connection.as_deref()) {
            Some(name) => name,
            None if self.connections.len() == 1 => {
                return self
                    .connections
                    .values()
                    .next()
                    .ok_or_else(unreachable_config);
            }
            None if self.connections.is_empty() => {
                return Err(Error::Config {
                    place: self.path.as_ref().map_or_else(
                        || format!("{FILE_NAME} (none found)"),
                        |p| p.display().to_string(),
                    ),
                    message: format!(
                        "no connections configured: create {FILE_NAME} (see .dev-postgres.json.example)"
                    ),
                });
            }
            None => {
                return Err(Error::usage(format!(
                    "several connections and no default_connection: pass --connection NAME ({})",
                    self.connections
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        };
        self.connections.get(name).ok_or_else(|| {
            Error::usage(format!(
                "no connection named '{name}'{} (configured: {})",
                self.suggest_connection(name),
                self.connections
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    fn suggest_connection(&self, name: &str) -> String {
        closest(name, self.connections.keys().map(String::as_str))
            .map(|c| format!(" (did you mean '{c}'?)"))
            .unwrap_or_default()
    }

    /// Rows, timeout and confirmation for `connection`: its own values over the security block.
    pub fn limits(&self, connection: &Connection) -> Limits {
        Limits {
            max_rows: connection.max_rows.unwrap_or(self.security.max_rows),
            timeout_seconds: connection
                .query_timeout_seconds
                .unwrap_or(self.security.query_timeout_seconds),
            require_confirmation: connection
                .require_confirmation
                .unwrap_or(self.security.require_confirmation_for_destructive),
            max_result_bytes: self.security.max_result_bytes,
        }
    }

    /// Where the audit log goes: beside the project file; with only the
    /// user-level file, in the account's data folder (never wherever the
    /// agent happens to run from).
    pub fn log_path(&self, cwd: &Path) -> PathBuf {
        let base = match self.path.as_ref().and_then(|p| p.parent()) {
            Some(dir) => dir.to_path_buf(),
            None => paths::data_dir().unwrap_or_else(|| cwd.to_path_buf()),
        };
        match &self.security.log_file {
            Some(file) => base.join(file),
            None => base.join(DEFAULT_LOG_NAME),
        }
    }
}

/// Whether loading asks the trust store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    Required,
    Review,
}

fn unreachable_config() -> Error {
    Error::usage("no connection configured")
}

/// The limits a run works within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_rows: u64,
    pub timeout_seconds: u64,
    pub require_confirmation: bool,
    pub max_result_bytes: u64,
}

fn parse_connection(
    name: &str,
    value: &Value,
    place: &str,
    origin: &str,
) -> Result<Connection, Error> {
    let object = value.as_object().ok_or_else(|| Error::Config {
        place: format!("{origin}: {place}"),
        message: "must be an object".into(),
    })?;
    check_keys(object, CONNECTION_KEYS, place, origin)?;
    let mut c = Connection {
        name: name.to_string(),
        ..Connection::default()
    };
    for (key, value) in object {
        let at = format!("{place}.{key}");
        let text = || string(value, &at, origin);
        match key.as_str() {
            "mode" => {
                c.mode = text()?.parse().map_err(|e: String| Error::Config {
                    place: format!("{origin}: {at}"),
                    message: e,
                })?
            }
            "description" => c.description = Some(text()?),
            "host" => c.host = Some(text()?),
            "port" => c.port = Some(scalar(value, &at, origin)?),
            "database" => c.database = Some(text()?),
            "user" => c.user = Some(text()?),
            "password" => c.password = Some(text()?),
            "service" => c.service = Some(text()?),
            "sslmode" => {
                let mode = text()?;
                if !mode.contains("${") {
                    mode.parse::<SslMode>().map_err(|e| Error::Config {
                        place: format!("{origin}: {at}"),
                        message: e,
                    })?;
                }
                c.sslmode = Some(mode)
            }
            "sslrootcert" => c.sslrootcert = Some(text()?),
            "sslcert" => c.sslcert = Some(text()?),
            "sslkey" => c.sslkey = Some(text()?),
            "application_name" => c.application_name = Some(text()?),
            "connect_timeout" => c.connect_timeout = Some(number(value, &at, origin)?),
            "from_environment" => c.from_environment = boolean(value, &at, origin)?,
            "require_confirmation" => c.require_confirmation = Some(boolean(value, &at, origin)?),
            "max_rows" => c.max_rows = Some(number(value, &at, origin)?),
            "query_timeout_seconds" => c.query_timeout_seconds = Some(number(value, &at, origin)?),
            "schemas" => c.schemas = strings(value, &at, origin)?,
            "allow_functions" => c.allow_functions = strings(value, &at, origin)?,
            _ => {}
        }
    }
    Ok(c)
}

fn check_keys(
    object: &Map<String, Value>,
    known: &[&str],
    place: &str,
    origin: &str,
) -> Result<(), Error> {
    for key in object.keys() {
        if !known.contains(&key.as_str()) {
            let hint = closest(key, known.iter().copied())
                .map(|c| format!(" (did you mean '{c}'?)"))
                .unwrap_or_else(|| format!(" (valid keys: {})", known.join(", ")));
            return Err(Error::Config {
                place: format!("{origin}: {place}"),
                message: format!("unknown key '{key}'{hint}"),
            });
        }
    }
    Ok(())
}

fn type_error(place: &str, origin: &str, wanted: &str, value: &Value) -> Error {
    let got = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Error::Config {
        place: format!("{origin}: {place}"),
        message: format!("expected {wanted}, got {got}"),
    }
}

fn string(value: &Value, place: &str, origin: &str) -> Result<String, Error> {
    value
        .as_str()
        .map(String::from)
        .ok_or_else(|| type_error(place, origin, "a string", value))
}

/// A string or a whole number, kept as text (a port may be `"${PGPORT}"`).
fn scalar(value: &Value, place: &str, origin: &str) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        _ => Err(type_error(place, origin, "a number or a string", value)),
    }
}

fn number(value: &Value, place: &str, origin: &str) -> Result<u64, Error> {
    value
        .as_u64()
        .ok_or_else(|| type_error(place, origin, "a whole number of 0 or more", value))
}

fn boolean(value: &Value, place: &str, origin: &str) -> Result<bool, Error> {
    value
        .as_bool()
        .ok_or_else(|| type_error(place, origin, "true or false", value))
}

fn strings(value: &Value, place: &str, origin: &str) -> Result<Vec<String>, Error> {
    let items = value
        .as_array()
        .ok_or_else(|| type_error(place, origin, "an array of strings", value))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| string(item, &format!("{place}[{i}]"), origin))
        .collect()
}

fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// A connection name a human can read and type: letters, digits, `_`, `-`, `.`.
pub fn is_connection_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The project folder: where the nearest `.dev-postgres.json` is, else `cwd`.
pub fn project_dir(cwd: &Path) -> PathBuf {
    find_upwards(cwd)
        .and_then(|file| file.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| cwd.to_path_buf())
}

/// The user-level file for connections shared across projects.
pub fn user_config_path() -> Option<PathBuf> {
    paths::user_config()
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o044 != 0).then(|| {
        format!(
            "warning: {} is readable by other users (mode {:o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> Option<String> {
    None
}

/// Replaces every `${VAR}` in `value` from `env`. A missing variable is an
/// error that names the variable (never a value).
/// The `${NAME}` variables a configuration value refers to.
pub fn variables_in(value: &str) -> Vec<String> {
    value
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(String::from)
        .collect()
}

pub fn expand(
    value: &str,
    place: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Error> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| Error::Config {
            place: place.to_string(),
            message: "an unclosed ${ (write ${NAME})".into(),
        })?;
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Config {
                place: place.to_string(),
                message: format!("'${{{name}}}' is not a variable name"),
            });
        }
        let resolved = env(name).ok_or_else(|| Error::Config {
            place: place.to_string(),
            message: format!("environment variable {name} is not set"),
        })?;
        out.push_str(&resolved);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests;
