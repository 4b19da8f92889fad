//! Connection parameters the way libpq finds them: the connection's own
//! values, then its service in pg_service.conf, then the PG* environment
//! variables, then defaults; the password from PGPASSWORD or the password file.

use super::secret::Secret;
use super::{expand, Connection};
use crate::error::Error;
use crate::mode::Mode;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// libpq's six sslmodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "unknown sslmode '{other}': expected disable, allow, prefer, require, verify-ca or verify-full"
                ))
            }
        })
    }
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Everything needed to open a connection, resolved.
#[derive(Debug, Clone)]
pub struct ConnectParams {
    pub name: String,
    pub mode: Mode,
    /// A host name or address, or a folder holding the server's Unix socket.
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Option<Secret>,
    pub sslmode: SslMode,
    pub sslrootcert: Option<PathBuf>,
    pub sslcert: Option<PathBuf>,
    pub sslkey: Option<PathBuf>,
    pub connect_timeout: u64,
    pub application_name: String,
    pub schemas: Vec<String>,
}

impl ConnectParams {
    /// `user@host:port/database`, never the password.
    pub fn describe(&self) -> String {
        format!(
            "{}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

/// Resolves `connection` with the environment `env` and the home folder `home`.
pub fn resolve(
    connection: &Connection,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
    warnings: &mut Vec<String>,
) -> Result<ConnectParams, Error> {
    let place = |key: &str| format!("connections.{}.{key}", connection.name);
    let own = |value: &Option<String>, key: &str| -> Result<Option<String>, Error> {
        value
            .as_deref()
            .map(|v| expand(v, &place(key), env))
            .transpose()
    };
    let service_name = own(&connection.service, "service")?.or_else(|| env("PGSERVICE"));
    let service = match &service_name {
        Some(name) => find_service(name, env, home)?.ok_or_else(|| Error::Config {
            place: place("service"),
            message: format!("service '{name}' is in no pg_service.conf (PGSERVICEFILE, ~/.pg_service.conf, PGSYSCONFDIR)"),
        })?,
        None => Vec::new(),
    };
    let from_service = |key: &str| {
        service
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    // The connection's value, else the service's, else the PG* variable.
    let pick = |value: &Option<String>, key: &str, var: &str| -> Result<Option<String>, Error> {
        Ok(own(value, key)?
            .or_else(|| from_service(key))
            .or_else(|| env(var)))
    };
    // Where the server is and who connects were trusted with the file: the
    // environment and service files (which the agent can change) may choose
    // them only when the file says so.
    let trusted = |value: &Option<String>, key: &str, service_key: &str, var: &str| {
        // A `${VAR}` here is the environment choosing, as much as a PG* variable.
        if let Some(raw) = value.as_deref().filter(|v| v.contains("${")) {
            if !connection.from_environment {
                return Err(Error::Config {
                    place: place(key),
                    message: format!(
                        "\"{raw}\" lets the environment choose this connection's {key} at run time: refused. Write the {key} itself, or add \"from_environment\": true to the connection (then run dev-postgres trust)"
                    ),
                });
            }
        }
        if let Some(own) = own(value, key)? {
            return Ok(Some(own));
        }
        let outside = from_service(service_key)
            .map(|v| {
                (
                    format!("service '{}'", service_name.as_deref().unwrap_or_default()),
                    v,
                )
            })
            .or_else(|| env(var).map(|v| (var.to_string(), v)));
        match outside {
            Some((source, _)) if !connection.from_environment => Err(Error::Config {
                place: place(key),
                message: format!(
                    "{source} would choose this connection's {key}, which the trusted file does not set: refused. Put \"{key}\" in the file, unset {source}, or add \"from_environment\": true to the connection (then run dev-postgres trust)"
                ),
            }),
            Some((_, value)) => Ok(Some(value)),
            None => Ok(None),
        }
    };
    let host =
        trusted(&connection.host, "host", "host", "PGHOST")?.unwrap_or_else(|| "localhost".into());
    let port_text =
        trusted(&connection.port, "port", "port", "PGPORT")?.unwrap_or_else(|| "5432".into());
    let port = port_text.parse::<u16>().map_err(|_| Error::Config {
        place: place("port"),
        message: format!("'{port_text}' is not a port number"),
    })?;
    // Like libpq, the default user is the OS account's name (not $USER,
    // which the agent can set).
    let user = trusted(&connection.user, "user", "user", "PGUSER")?
        .or_else(super::paths::account_name)
        .ok_or_else(|| Error::Config {
            place: place("user"),
            message: "no user: set \"user\" or PGUSER".into(),
        })?;
    let database =
        trusted(&connection.database, "database", "dbname", "PGDATABASE")?.ok_or_else(|| {
            Error::Config {
                place: place("database"),
                message: "no database: set \"database\" (or PGDATABASE)".into(),
            }
        })?;
    let sslmode_text = trusted(&connection.sslmode, "sslmode", "sslmode", "PGSSLMODE")?
        .unwrap_or_else(|| "prefer".into());
    let sslmode = sslmode_text.parse().map_err(|message| Error::Config {
        place: place("sslmode"),
        message,
    })?;
    let path = |value: Option<String>| value.map(|v| expand_home(&v, home));
    let connect_timeout = match connection.connect_timeout {
        Some(t) => t,
        None => match from_service("connect_timeout").or_else(|| env("PGCONNECT_TIMEOUT")) {
            Some(t) => t.parse().map_err(|_| Error::Config {
                place: "PGCONNECT_TIMEOUT".into(),
                message: format!("'{t}' is not a number of seconds"),
            })?,
            None => 10,
        },
    };
    let password = match own(&connection.password, "password")? {
        Some(p) => Some(p),
        None => from_service("password")
            .or_else(|| env("PGPASSWORD"))
            .or_else(|| {
                password_file(env, home, warnings).and_then(|file| {
                    lookup_password(&file, &host, port, &database, &user, warnings)
                })
            }),
    };
    Ok(ConnectParams {
        name: connection.name.clone(),
        mode: connection.mode,
        host,
        port,
        database,
        user,
        password: password.map(Secret::new),
        sslmode,
        // Which certificates are trusted and presented is part of where the
        // connection goes: the same rule as host and sslmode.
        sslrootcert: path(trusted(
            &connection.sslrootcert,
            "sslrootcert",
            "sslrootcert",
            "PGSSLROOTCERT",
        )?),
        sslcert: path(trusted(
            &connection.sslcert,
            "sslcert",
            "sslcert",
            "PGSSLCERT",
        )?),
        sslkey: path(trusted(&connection.sslkey, "sslkey", "sslkey", "PGSSLKEY")?),
        connect_timeout,
        application_name: pick(
            &connection.application_name,
            "application_name",
            "PGAPPNAME",
        )?
        .unwrap_or_else(|| "dev-postgres".into()),
        schemas: connection.schemas.clone(),
    })
}

fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// The service's `key=value` pairs, from the user's file first, then the system's.
fn find_service(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Option<Vec<(String, String)>>, Error> {
    let mut files = Vec::new();
    match env("PGSERVICEFILE") {
        Some(file) => files.push(PathBuf::from(file)),
        None => files.extend(home.map(|h| h.join(".pg_service.conf"))),
    }
    match env("PGSYSCONFDIR") {
        Some(dir) => files.push(Path::new(&dir).join("pg_service.conf")),
        None => files.push(PathBuf::from("/etc/postgresql-common/pg_service.conf")),
    }
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if let Some(entries) = parse_service(&text, name) {
            return Ok(Some(entries));
        }
    }
    Ok(None)
}

fn parse_service(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let mut inside = false;
    let mut found = false;
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = section.trim() == name;
            found |= inside;
            continue;
        }
        if inside {
            if let Some((key, value)) = line.split_once('=') {
                entries.push((key.trim().to_string(), value.trim().to_string()));
            }
        }
    }
    found.then_some(entries)
}

fn password_file(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
    warnings: &mut Vec<String>,
) -> Option<PathBuf> {
    let file = env("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".pgpass")))?;
    if !file.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            warnings.push(format!(
                "warning: password file {} has group or world access; permissions should be u=rw (0600) or less: it is ignored",
                file.display()
            ));
            return None;
        }
    }
    Some(file)
}

/// The first matching line of a password file (`host:port:db:user:password`,
/// `*` matching anything, `\:` and `\\` escaped).
fn lookup_password(
    file: &Path,
    host: &str,
    port: u16,
    database: &str,
    user: &str,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            warnings.push(format!(
                "warning: cannot read password file {}: {e}",
                file.display()
            ));
            return None;
        }
    };
    // libpq matches "localhost" for a Unix-socket connection too.
    let host_for_match = if host.starts_with('/') {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    let wanted = [host_for_match, port.as_str(), database, user];
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(split_pgpass_line)
        .filter(|fields| fields.len() == 5)
        .find(|fields| {
            fields
                .iter()
                .zip(wanted)
                .all(|(field, value)| field == "*" || field == value)
        })
        .and_then(|mut fields| fields.pop())
}

/// Every password in the password file and the service files: what a run
/// could have resolved, to be masked wherever it shows up.
pub fn every_stored_password(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Vec<String> {
    let mut found = Vec::new();
    let mut ignored = Vec::new();
    if let Some(file) = password_file(env, home, &mut ignored) {
        if let Ok(text) = std::fs::read_to_string(file) {
            found.extend(
                text.lines()
                    .filter(|line| !line.trim_start().starts_with('#'))
                    .filter_map(split_pgpass_line)
                    .filter(|fields| fields.len() == 5)
                    .filter_map(|mut fields| fields.pop()),
            );
        }
    }
    let mut service_files: Vec<PathBuf> = Vec::new();
    service_files.extend(env("PGSERVICEFILE").map(PathBuf::from));
    service_files.extend(home.map(|h| h.join(".pg_service.conf")));
    service_files.extend(env("PGSYSCONFDIR").map(|d| Path::new(&d).join("pg_service.conf")));
    service_files.push(PathBuf::from("/etc/postgresql-common/pg_service.conf"));
    for file in service_files {
        if let Ok(text) = std::fs::read_to_string(file) {
            found.extend(text.lines().filter_map(|line| {
                let (key, value) = line.split_once('=')?;
                (key.trim() == "password").then(|| value.trim().to_string())
            }));
        }
    }
    found
}

fn split_pgpass_line(line: &str) -> Option<Vec<String>> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut()?.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            _ => fields.last_mut()?.push(c),
        }
    }
    (fields.len() == 5).then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_lines_split_on_unescaped_colons() {
        let cases: &[(&str, Option<[&str; 5]>)] = &[
            ("h:5432:db:u:pw", Some(["h", "5432", "db", "u", "pw"])),
            ("*:*:*:*:secret", Some(["*", "*", "*", "*", "secret"])),
            (
                r"h:5432:db:u:pa\:ss",
                Some(["h", "5432", "db", "u", "pa:ss"]),
            ),
            (
                r"h:5432:db:u:back\\slash",
                Some(["h", "5432", "db", "u", r"back\slash"]),
            ),
            (
                "h:5432:db:u:pw:with:colons",
                Some(["h", "5432", "db", "u", "pw:with:colons"]),
            ),
            (
                r"we\:ird:5432:db:u:pw",
                Some(["we:ird", "5432", "db", "u", "pw"]),
            ),
            ("too:few:fields", None),
        ];
        for (line, expected) in cases {
            let got = split_pgpass_line(line);
            let expected = expected.map(|e| e.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, expected, "{line}");
        }
    }

    #[test]
    fn services_are_ini_sections() {
        let text = "# c\n[a]\nhost=h1\n[b]\n host = h2 \ndbname=x\n";
        assert_eq!(
            parse_service(text, "b"),
            Some(vec![
                ("host".into(), "h2".into()),
                ("dbname".into(), "x".into())
            ])
        );
        assert_eq!(parse_service(text, "c"), None);
    }

    #[test]
    fn sslmodes_are_libpqs_six() {
        for mode in [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ] {
            assert_eq!(mode.parse::<SslMode>().map(|m| m.as_str()), Ok(mode));
        }
        assert!("verify_full".parse::<SslMode>().is_err());
    }
}
