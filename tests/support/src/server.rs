//! The throwaway PostgreSQL server of `scripts/test.sh`, reached through the
//! `DEV_POSTGRES_TEST_*` variables that script exports. Live tests are
//! `#[ignore]`d in a plain `cargo test`; the script runs them with
//! `--include-ignored`, and then a missing server is a failure, not a skip.

use postgres::{Client, Config, NoTls};

/// The sample schema: the sandbox's, and the one most live tests run against.
pub const SAMPLE_SCHEMA: &str = "templates/sandbox-schema.sql";
/// The catalog-rich fixture pg-schema's tests add to it.
pub const CATALOG_FIXTURE: &str = "tests/fixtures/catalog.sql";
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone)]
pub struct TestServer {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: live tests need the server scripts/test.sh starts")
    })
}

/// The names in the test cluster's data directory, sorted: a statement that
/// writes a file there (autoprewarm, pg_file_write, …) shows in the list.
pub fn data_directory_files() -> String {
    let data = std::env::var("DEV_POSTGRES_TEST_DIR")
        .map(|d| std::path::PathBuf::from(d).join("data"))
        .unwrap_or_default();
    let mut files: Vec<String> = std::fs::read_dir(&data)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.join(",")
}

impl TestServer {
    pub fn from_env() -> Self {
        TestServer {
            host: var("DEV_POSTGRES_TEST_HOST"),
            port: var("DEV_POSTGRES_TEST_PORT")
                .parse()
                .unwrap_or_else(|e| panic!("DEV_POSTGRES_TEST_PORT: {e}")),
            user: var("DEV_POSTGRES_TEST_USER"),
            password: var("DEV_POSTGRES_TEST_PASSWORD"),
        }
    }

    pub fn config(&self, database: &str) -> Config {
        let mut config = Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .password(&self.password)
            .dbname(database)
            .application_name("dev-postgres-tests");
        config
    }

    pub fn connect(&self, database: &str) -> Client {
        self.config(database)
            .connect(NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"))
    }

    /// A new database named after `purpose`, holding the sample schema (the
    /// sandbox's too: one file serves both).
    pub fn fixture_database(&self, purpose: &str) -> String {
        self.database_from(purpose, &[SAMPLE_SCHEMA])
    }

    /// A sample database with every contrib extension that loads without
    /// `shared_preload_libraries` created (the others are left out).
    pub fn database_with_every_extension(&self, purpose: &str) -> String {
        let database = self.fixture_database(purpose);
        let mut client = self.connect(&database);
        let available: Vec<String> = client
            .query(
                "SELECT name FROM pg_available_extensions WHERE installed_version IS NULL ORDER BY 1",
                &[],
            )
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in available {
            let _ = client.batch_execute(&format!(
                "CREATE EXTENSION IF NOT EXISTS \"{name}\" CASCADE"
            ));
        }
        database
    }

    /// A new database named after `purpose`, holding the given SQL files
    /// (paths from the repository's top folder).
    pub fn database_from(&self, purpose: &str, fixtures: &[&str]) -> String {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t_{}_{}_{}",
            purpose.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = self.connect("postgres");
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
        let mut client = self.connect(&name);
        for fixture in fixtures {
            let sql = std::fs::read_to_string(crate::repo_root().join(fixture))
                .unwrap_or_else(|e| panic!("cannot read the fixture {fixture}: {e}"));
            client
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("cannot load the fixture {fixture}: {e:?}"));
        }
        name
    }
}

/// A temporary project folder with a `.dev-postgres.json` whose connections
/// point at the test server (password through `${DEV_POSTGRES_TEST_PASSWORD}`).
pub struct Project {
    pub dir: std::path::PathBuf,
    pub server: TestServer,
}

impl Project {
    /// `connections` maps names to fields (`database`, `mode`, …); host, port,
    /// user and password are filled in unless given.
    pub fn new(server: &TestServer, connections: serde_json::Value) -> Project {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dev-postgres-project-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let mut connections = connections;
        if let Some(map) = connections.as_object_mut() {
            for fields in map.values_mut() {
                if let Some(fields) = fields.as_object_mut() {
                    for (key, value) in [
                        ("host", serde_json::json!(server.host)),
                        ("port", serde_json::json!(server.port)),
                        ("user", serde_json::json!(server.user)),
                        (
                            "password",
                            serde_json::json!("${DEV_POSTGRES_TEST_PASSWORD}"),
                        ),
                        ("sslmode", serde_json::json!("disable")),
                    ] {
                        fields.entry(key).or_insert(value);
                    }
                }
            }
        }
        let config = serde_json::json!({ "connections": connections });
        let project = Project {
            dir,
            server: server.clone(),
        };
        project.write_config(&config);
        project
    }

    pub fn write_config(&self, config: &serde_json::Value) {
        let path = self.dir.join(".dev-postgres.json");
        let text = serde_json::to_string_pretty(config).unwrap_or_default();
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        // A human trusts the configuration a test writes, as they would after editing it.
        crate::trust(&path);
    }

    /// A command run in the project folder.
    pub fn cmd(&self, binary: &str) -> crate::cmd::Cmd {
        crate::cmd::Cmd::new(binary).current_dir(&self.dir)
    }

    pub fn log_path(&self) -> std::path::PathBuf {
        self.dir.join(".dev-postgres-query.log")
    }

    /// One record per run: each attempt with its outcome's fields merged in
    /// (a run killed before its outcome was written has none).
    pub fn runs(&self) -> Vec<serde_json::Value> {
        let mut runs: Vec<serde_json::Value> = Vec::new();
        for record in self.log() {
            match record["kind"].as_str() {
                Some("attempt") => runs.push(record),
                Some("outcome") => {
                    let run = runs
                        .iter_mut()
                        .find(|r| r["seq"] == record["attempt"])
                        .unwrap_or_else(|| panic!("an outcome without its attempt: {record}"));
                    if let (Some(run), Some(fields)) = (run.as_object_mut(), record.as_object()) {
                        for (key, value) in fields {
                            if !matches!(key.as_str(), "seq" | "time" | "prev" | "kind") {
                                run.insert(key.clone(), value.clone());
                            }
                        }
                    }
                }
                _ => panic!("a record of no known kind: {record}"),
            }
        }
        runs
    }

    /// The audit log's records.
    pub fn log(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.log_path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line {l}: {e}")))
            .collect()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
