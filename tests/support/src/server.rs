//! The throwaway PostgreSQL server of `scripts/test.sh`, reached through the
//! `DEV_POSTGRES_TEST_*` variables that script exports. Live tests are
//! `#[ignore]`d in a plain `cargo test`; the script runs them with
//! `--include-ignored`, and then a missing server is a failure, not a skip.

use postgres::{Client, Config, NoTls};
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

    /// A new database named after `purpose`, holding `tests/fixtures/schema.sql`.
    pub fn fixture_database(&self, purpose: &str) -> String {
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
        let schema = std::fs::read_to_string(crate::repo_root().join("tests/fixtures/schema.sql"))
            .unwrap_or_else(|e| panic!("cannot read the fixture: {e}"));
        self.connect(&name)
            .batch_execute(&schema)
            .unwrap_or_else(|e| panic!("cannot load the fixture: {e:?}"));
        name
    }
}
