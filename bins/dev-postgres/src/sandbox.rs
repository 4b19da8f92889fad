//! `dev-postgres sandbox start|stop|status`: a throwaway local PostgreSQL on
//! 127.0.0.1 with a sample schema, a read-only and a read-write role, and
//! their connections written into the project's `.dev-postgres.json`.
//! `--schema-from CONNECTION` copies another connection's schema (no data)
//! instead, so an agent can try migrations safely.
//!
//! The sandbox accepts local connections without a password (`trust` on
//! 127.0.0.1 and its own socket folder only): it is throwaway and holds no
//! real data, so there is no secret to keep.
// Reading a serde_json::Value by key (`v["k"]`) yields Null when the key or
// the shape is missing and never panics; assignments go through as_object_mut.
#![allow(clippy::indexing_slicing)]

use devpg_policy::config::{self, Config};
use devpg_policy::Error;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLE_SCHEMA: &str = include_str!("../../../templates/sandbox-schema.sql");
const STATE: &str = "sandbox.json";
const DATABASE: &str = "sandbox";

fn exec(what: &str, command: &mut Command) -> Result<String, Error> {
    let output = command
        .output()
        .map_err(|e| Error::Execution(format!("sandbox: cannot run {what}: {e}")))?;
    if !output.status.success() {
        return Err(Error::Execution(format!(
            "sandbox: {what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn pg_bin() -> Result<PathBuf, Error> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .find(|bin| bin.join("initdb").is_file())
        .ok_or_else(|| {
            Error::usage(
                "sandbox: no PostgreSQL server found: install it (apt-get install postgresql)",
            )
        })
}

fn is_root() -> bool {
    exec("id -u", Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

/// A command run as the `postgres` OS user when we are root (initdb refuses root).
fn server_command(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

pub fn default_dir(project: &Path) -> PathBuf {
    let mut hash: u64 = 1469598103934665603;
    for byte in project.as_os_str().as_encoded_bytes() {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(1099511628211);
    }
    std::env::temp_dir().join(format!("dev-postgres-sandbox-{hash:016x}"))
}

fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Execution(format!("sandbox: no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::Execution(format!("sandbox: no free port: {e}")))
}

/// psql on the sandbox's socket as `user`, running `script` (`-c SQL` or `-f FILE`).
fn psql_as(
    bin: &Path,
    port: u16,
    dir: &Path,
    user: &str,
    database: &str,
    script: [&std::ffi::OsStr; 2],
) -> Result<String, Error> {
    exec(
        "psql",
        server_command(&bin.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(dir)
            .args(["-p", &port.to_string(), "-U", user, "-d", database])
            .args(script),
    )
}

fn psql(bin: &Path, port: u16, dir: &Path, database: &str, sql: &str) -> Result<String, Error> {
    psql_as(
        bin,
        port,
        dir,
        "postgres",
        database,
        ["-c".as_ref(), sql.as_ref()],
    )
}

/// Loads a schema as `sandbox_rw`, which owns the database: it can then migrate it.
fn load(bin: &Path, port: u16, dir: &Path, sql: &str) -> Result<(), Error> {
    let file = dir.join("load.sql");
    std::fs::write(&file, sql).map_err(|e| Error::Execution(format!("sandbox: {e}")))?;
    psql_as(
        bin,
        port,
        dir,
        "sandbox_rw",
        DATABASE,
        ["-f".as_ref(), file.as_os_str()],
    )?;
    let _ = std::fs::remove_file(&file);
    Ok(())
}

/// The schema of another connection (no data), through pg_dump with a
/// temporary password file (never the environment or the arguments).
fn schema_of(connection: &str, project: &Path, dir: &Path, bin: &Path) -> Result<String, Error> {
    let config = Config::load(None, project)?;
    let source = config.connection(Some(connection))?;
    let mut warnings = Vec::new();
    let env = |name: &str| std::env::var(name).ok();
    let params = config::resolve(source, &env, dirs::home_dir().as_deref(), &mut warnings)?;
    let passfile = dir.join("source.pgpass");
    let escape = |s: &str| s.replace('\\', "\\\\").replace(':', "\\:");
    let line = format!(
        "{}:{}:{}:{}:{}\n",
        escape(&params.host),
        params.port,
        escape(&params.database),
        escape(&params.user),
        params
            .password
            .as_ref()
            .map(|p| escape(p.expose()))
            .unwrap_or_default()
    );
    std::fs::write(&passfile, line).map_err(|e| Error::Execution(format!("sandbox: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600));
    }
    let sslmode = match params.sslmode.as_str() {
        "allow" | "prefer" | "disable" | "require" | "verify-ca" | "verify-full" => {
            params.sslmode.as_str()
        }
        _ => "prefer",
    };
    let dump = Command::new(bin.join("pg_dump"))
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "-h",
            &params.host,
            "-p",
        ])
        .arg(params.port.to_string())
        .args(["-U", &params.user, "-d", &params.database])
        .env("PGPASSFILE", &passfile)
        .env("PGSSLMODE", sslmode)
        .env_remove("PGPASSWORD")
        .output();
    let _ = std::fs::remove_file(&passfile);
    let dump = dump.map_err(|e| Error::Execution(format!("sandbox: cannot run pg_dump: {e}")))?;
    if !dump.status.success() {
        return Err(Error::Execution(format!(
            "sandbox: copying the schema of '{connection}' failed: {}",
            String::from_utf8_lossy(&dump.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&dump.stdout).into_owned())
}

pub fn start(project: &Path, dir: &Path, schema_from: Option<&str>) -> Result<Vec<String>, Error> {
    if dir.join(STATE).exists() {
        return Err(Error::usage(format!(
            "a sandbox already runs in {} (dev-postgres sandbox status; stop it first)",
            dir.display()
        )));
    }
    let bin = pg_bin()?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Execution(format!("sandbox: {}: {e}", dir.display())))?;
    // The schema to copy is read first: a failure leaves nothing behind.
    let copied = schema_from
        .map(|c| schema_of(c, project, dir, &bin))
        .transpose();
    let copied = match copied {
        Ok(copied) => copied,
        Err(error) => {
            let _ = std::fs::remove_dir_all(dir);
            return Err(error);
        }
    };
    if is_root() {
        exec(
            "chown",
            Command::new("chown").args(["-R", "postgres"]).arg(dir),
        )?;
    }
    let data = dir.join("data");
    exec(
        "initdb",
        server_command(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]),
    )?;
    let port = free_port()?;
    exec(
        "pg_ctl start",
        server_command(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "start", "-o"])
            .arg(format!(
                "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={}",
                dir.display()
            )),
    )?;
    let roles = "CREATE ROLE sandbox_rw LOGIN;
        CREATE ROLE sandbox_ro LOGIN;
        ALTER ROLE sandbox_ro SET default_transaction_read_only = on;";
    psql(&bin, port, dir, "postgres", roles)?;
    let create = format!("CREATE DATABASE {DATABASE} OWNER sandbox_rw");
    psql(&bin, port, dir, "postgres", &create)?;
    load(&bin, port, dir, copied.as_deref().unwrap_or(SAMPLE_SCHEMA))?;
    let grants = "DO $$DECLARE s text; BEGIN
          FOR s IN SELECT nspname FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname !~ '^pg_' LOOP
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO sandbox_ro', s);
            EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO sandbox_ro', s);
          END LOOP; END$$;
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
        REVOKE CREATE, TEMPORARY ON DATABASE sandbox FROM PUBLIC;";
    psql(&bin, port, dir, DATABASE, grants)?;
    let config_path = write_connections(project, port)?;
    let state = json!({"port": port, "dir": dir, "config": config_path, "bin": bin, "schema_from": schema_from});
    std::fs::write(dir.join(STATE), state.to_string())
        .map_err(|e| Error::Execution(format!("sandbox: {e}")))?;
    Ok(vec![
        format!(
            "PostgreSQL sandbox on 127.0.0.1:{port} (data in {})",
            dir.display()
        ),
        format!(
            "connections sandbox-ro (read-only) and sandbox-rw (read-write) in {}",
            config_path.display()
        ),
        match schema_from {
            Some(source) => format!("schema copied from '{source}' (no data)"),
            None => {
                "sample schema: users, orders, items, events, documents, analytics.daily, …".into()
            }
        },
    ])
}

/// Adds (or replaces) the sandbox's connections in the project's config.
fn write_connections(project: &Path, port: u16) -> Result<PathBuf, Error> {
    let path = project.join(".dev-postgres.json");
    let mut config: Value = match std::fs::read_to_string(&path) {
        Ok(text) => {
            // The sandbox re-trusts the file it edits, so it edits only a
            // file a human trusted as it stands: nothing else rides along.
            devpg_policy::config::trust::check(&path, text.as_bytes())?;
            devpg_policy::json::parse_strict(&text).map_err(|e| Error::Config {
                place: path.display().to_string(),
                message: format!("not valid JSON ({e})"),
            })?
        }
        Err(_) => json!({"connections": {}, "default_connection": "sandbox-ro"}),
    };
    let connection = |user: &str, mode: &str, description: &str| {
        json!({"host": "127.0.0.1", "port": port, "database": DATABASE, "user": user, "mode": mode,
               "sslmode": "disable", "description": description})
    };
    let connections = config
        .as_object_mut()
        .and_then(|c| {
            c.entry("connections")
                .or_insert_with(|| json!({}))
                .as_object_mut()
        })
        .ok_or_else(|| {
            Error::usage(format!(
                "{}: \"connections\" is not an object",
                path.display()
            ))
        })?;
    connections.insert(
        "sandbox-ro".into(),
        connection(
            "sandbox_ro",
            "read-only",
            "Throwaway local sandbox (read-only role)",
        ),
    );
    connections.insert(
        "sandbox-rw".into(),
        connection(
            "sandbox_rw",
            "read-write",
            "Throwaway local sandbox: safe to write and to try migrations",
        ),
    );
    let text = serde_json::to_string_pretty(&config).unwrap_or_default() + "\n";
    std::fs::write(&path, &text)
        .map_err(|e| Error::Execution(format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    // The sandbox's own connections point at a throwaway local server.
    devpg_policy::config::trust::trust(&path, text.as_bytes())?;
    Ok(path)
}

fn state(dir: &Path) -> Option<Value> {
    std::fs::read_to_string(dir.join(STATE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

pub fn stop(dir: &Path) -> Result<Vec<String>, Error> {
    let Some(state) = state(dir) else {
        return Err(Error::usage(format!(
            "no sandbox runs in {}",
            dir.display()
        )));
    };
    let bin = PathBuf::from(state["bin"].as_str().unwrap_or_default());
    let _ = exec(
        "pg_ctl stop",
        server_command(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-m", "fast", "-w", "stop"]),
    );
    if let Some(config) = state["config"].as_str() {
        let path = Path::new(config);
        if let Some(mut value) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        {
            if let Some(connections) = value["connections"].as_object_mut() {
                connections.remove("sandbox-ro");
                connections.remove("sandbox-rw");
            }
            let _ = std::fs::write(
                path,
                serde_json::to_string_pretty(&value).unwrap_or_default() + "\n",
            );
        }
    }
    std::fs::remove_dir_all(dir)
        .map_err(|e| Error::Execution(format!("sandbox: {}: {e}", dir.display())))?;
    Ok(vec![format!(
        "sandbox stopped and removed ({})",
        dir.display()
    )])
}

pub fn status(dir: &Path) -> Result<Vec<String>, Error> {
    match state(dir) {
        None => Ok(vec![format!("no sandbox in {}", dir.display())]),
        Some(state) => {
            let port = state["port"].as_u64().unwrap_or_default();
            let up = std::net::TcpStream::connect(("127.0.0.1", u16::try_from(port).unwrap_or(0)))
                .is_ok();
            Ok(vec![format!(
                "sandbox on 127.0.0.1:{port}: {} (data in {}, connections in {})",
                if up { "running" } else { "not answering" },
                dir.display(),
                state["config"].as_str().unwrap_or_default()
            )])
        }
    }
}
