#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! pg-schema against the real PostgreSQL of scripts/test.sh, on a fixture with
//! several schemas, partitioned tables, views, materialized views, enums,
//! composite foreign keys, RLS, comments, generated and identity columns.
use devpg_testing::server::{Project, TestServer};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const PG_SCHEMA: &str = env!("CARGO_BIN_EXE_pg-schema");

struct Fixture {
    server: TestServer,
    database: String,
    project: Project,
}

fn fixture(purpose: &str) -> Fixture {
    let server = TestServer::from_env();
    let database = server.database_from(
        purpose,
        &[
            devpg_testing::server::SAMPLE_SCHEMA,
            devpg_testing::server::CATALOG_FIXTURE,
        ],
    );
    let project = Project::new(
        &server,
        json!({"db": {"database": database, "mode": "read-write"},
               "hr_only": {"database": database, "schemas": ["hr"]}}),
    );
    Fixture {
        server,
        database,
        project,
    }
}

impl Fixture {
    fn json(&self, args: &[&str]) -> Value {
        let out = self
            .project
            .cmd(PG_SCHEMA)
            .args(["-c", "db", "--format", "json"])
            .args(args)
            .run()
            .status(0);
        out.json()
    }

    /// The same question asked of the catalog through an independent client.
    fn catalog(&self, sql: &str) -> BTreeSet<String> {
        let mut client = self.server.connect(&self.database);
        client
            .query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect()
    }
}

fn names(rows: &Value, fields: &[&str]) -> BTreeSet<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            fields
                .iter()
                .map(|f| r[*f].as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

fn find<'a>(rows: &'a Value, field: &str, value: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r[field] == value)
        .unwrap_or_else(|| panic!("no {field} = {value} in {rows}"))
}

/// The row of `schema.name` (`field` holds the name).
fn find_in<'a>(rows: &'a Value, schema: &str, field: &str, value: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["schema"] == schema && r[field] == value)
        .unwrap_or_else(|| panic!("no {schema}.{value} in {rows}"))
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn every_action_agrees_with_the_catalog() {
    let f = fixture("schema_actions");
    // tables
    let tables = f.json(&["tables"]);
    assert_eq!(
        names(&tables, &["schema", "table"]),
        f.catalog("SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'")
    );
    let customers = find_in(&tables, "sales", "table", "customers");
    assert_eq!(
        (
            customers["rows_estimate"].as_i64(),
            customers["description"].as_str()
        ),
        (Some(2), Some("People who buy"))
    );
    assert_eq!(
        find_in(&tables, "sales", "table", "events")["kind"],
        "partitioned"
    );
    assert_eq!(
        find(&tables, "table", "events_2024")["partition_of"],
        "sales.events"
    );
    assert_eq!(find(&tables, "table", "employees")["rls"], true);
    // views
    let views = f.json(&["views"]);
    assert_eq!(find(&views, "view", "paid_orders")["kind"], "view");
    assert_eq!(find(&views, "view", "revenue")["kind"], "materialized");
    assert_eq!(
        names(&views, &["schema", "view"]),
        f.catalog("SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v','m') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'")
    );
    // schemas
    let schemas = f.json(&["schemas"]);
    assert_eq!(
        names(&schemas, &["schema"]),
        BTreeSet::from(["analytics", "hr", "public", "sales"].map(String::from))
    );
    assert_eq!(
        find(&schemas, "schema", "sales")["description"],
        "Orders and customers"
    );
    // enums, functions, sequences, extensions
    assert_eq!(
        find(&f.json(&["enums"]), "enum", "status")["values"],
        json!(["new", "paid", "shipped"])
    );
    let functions = f.json(&["functions"]);
    let raise = find(&functions, "function", "raise");
    assert_eq!(
        (
            raise["arguments"].as_str(),
            raise["volatility"].as_str(),
            raise["language"].as_str()
        ),
        (
            Some("p_id integer, pct numeric"),
            Some("stable"),
            Some("sql")
        )
    );
    assert!(
        !names(&functions, &["function"]).contains("similarity"),
        "extension functions are the extension's"
    );
    let sequences = f.json(&["sequences"]);
    assert_eq!(find(&sequences, "sequence", "badge_numbers")["start"], 100);
    assert_eq!(
        find_in(&sequences, "sales", "sequence", "events_id_seq")["owned_by"],
        "sales.events.id"
    );
    assert!(names(&f.json(&["extensions"]), &["extension"]).contains("pg_trgm"));
    // indexes and foreign keys of one table, both ways
    let indexes = f.json(&["indexes", "sales.orders"]);
    assert_eq!(
        names(&indexes, &["index"]),
        BTreeSet::from(["orders_pkey".to_string(), "orders_status_idx".to_string()])
    );
    let fks = f.json(&["foreign-keys", "--table", "sales.customers"]);
    let fk = find(&fks, "table", "orders");
    assert_eq!(
        (
            fk["columns"].clone(),
            fk["referenced_columns"].clone(),
            fk["on_delete"].clone()
        ),
        (
            json!(["region", "customer_id"]),
            json!(["region", "id"]),
            json!("cascade")
        )
    );
    // search
    let found = f.json(&["search", "cust"]);
    assert!(names(&found["tables"], &["schema", "name"]).contains("sales.customers"));
    assert!(names(&found["columns"], &["table", "column"]).contains("orders.customer_id"));
    let underscore = f.json(&["search", "_id"]);
    assert!(
        names(&underscore["columns"], &["column"])
            .iter()
            .all(|c| c.contains("_id")),
        "LIKE characters are literal"
    );
    // sizes and connection-info
    let sizes = f.json(&["sizes"]);
    assert_eq!(sizes["database"], f.database.as_str());
    assert!(sizes["tables"].as_array().unwrap().len() >= 10);
    let info = f.json(&["connection-info"]);
    assert_eq!(
        (
            info["database"].as_str(),
            info["superuser"].as_bool(),
            info["can_write"].as_bool()
        ),
        (Some(f.database.as_str()), Some(true), Some(true))
    );
    assert!(info["server_version"].as_str().unwrap().starts_with("15"));
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn describe_shows_everything_about_a_table() {
    let f = fixture("schema_describe");
    let orders = f.json(&["describe", "sales.orders"]);
    let columns = &orders["columns"];
    let id = find(columns, "column", "id");
    assert_eq!(
        (
            id["identity"].as_str(),
            id["primary_key"].as_bool(),
            id["nullable"].as_bool()
        ),
        (Some("always"), Some(true), Some(false))
    );
    assert_eq!(find(columns, "column", "gross")["generated"], "(net + tax)");
    let status = find(columns, "column", "status");
    assert_eq!(
        (status["type"].as_str(), status["default"].as_str()),
        (Some("sales.status"), Some("'new'::sales.status"))
    );
    assert!(orders["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "check" && c["definition"].as_str().unwrap().contains("net >=")));
    let fk = &orders["foreign_keys"][0];
    assert_eq!(
        (fk["references"].as_str(), fk["on_delete"].as_str()),
        (Some("sales.customers"), Some("cascade"))
    );
    assert!(
        find(&orders["indexes"], "index", "orders_status_idx")["definition"]
            .as_str()
            .unwrap()
            .contains("WHERE")
    );

    let customers = f.json(&["describe", "sales.customers"]);
    assert_eq!(customers["description"], "People who buy");
    assert_eq!(
        find(&customers["columns"], "column", "email")["description"],
        "Contact address"
    );
    assert_eq!(customers["referenced_by"][0]["table"], "sales.orders");
    let kinds: BTreeSet<&str> = customers["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["primary key", "unique"]));

    let employees = f.json(&["describe", "hr.employees"]);
    assert_eq!(employees["rls_enabled"], true);
    assert_eq!(employees["policies"][0]["policy"], "own_row");
    assert_eq!(employees["policies"][0]["command"], "SELECT");
    assert_eq!(employees["triggers"][0]["trigger"], "employees_touch");
    assert_eq!(employees["referenced_by"][0]["table"], "hr.employees");

    let events = f.json(&["describe", "sales.events"]);
    assert_eq!(events["partition_key"], "RANGE (at)");
    assert_eq!(
        events["partitions"],
        json!(["sales.events_2024", "sales.events_2025"])
    );
    let partition = f.json(&["describe", "sales.events_2024"]);
    assert_eq!(partition["partition_of"], "sales.events");
    assert!(partition["partition_bound"]
        .as_str()
        .unwrap()
        .contains("2024-01-01"));
    let view = f.json(&["describe", "sales.paid_orders"]);
    assert_eq!(view["kind"], "view");
    assert!(view["view_definition"].as_str().unwrap().contains("status"));
    let quoted = f.json(&["describe", "\"Mixed Case\""]);
    assert_eq!(quoted["name"], "Mixed Case");
    // text and markdown read the same document
    for format in ["text", "markdown"] {
        let out = f
            .project
            .cmd(PG_SCHEMA)
            .args(["-c", "db", "--format", format, "describe", "sales.orders"])
            .run()
            .status(0);
        assert!(
            out.stdout.contains("customer_id") && out.stdout.contains("orders_status_idx"),
            "{out:?}"
        );
    }
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn unknown_names_exit_3_with_the_closest_names_and_are_never_spliced() {
    let f = fixture("schema_names");
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "describe", "sales.custmers"])
        .run()
        .status(3)
        .stderr_has("did you mean: sales.customers");
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "--schema", "sales", "describe", "order"])
        .run()
        .status(3)
        .stderr_has("did you mean: sales.orders");
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "indexes", "nope"])
        .run()
        .status(3);
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "describe", "users; DROP TABLE users"])
        .run()
        .status(3);
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "describe", "x') OR true --"])
        .run()
        .status(3);
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "search", "'; DROP TABLE users; --"])
        .run()
        .status(0);
    assert_eq!(
        f.catalog("SELECT relname::text FROM pg_class WHERE relname = 'users'")
            .len(),
        1,
        "users is still there"
    );
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "tabels"])
        .run()
        .status(3)
        .stderr_has("did you mean 'tables'");
    f.project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "describe"])
        .run()
        .status(3)
        .stderr_has("needs a TABLE");
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn scope_overview_and_the_predecessor_s_flags() {
    let f = fixture("schema_scope");
    let hr = f
        .project
        .cmd(PG_SCHEMA)
        .args(["-c", "hr_only", "--format", "json", "tables"])
        .run()
        .status(0)
        .json();
    assert_eq!(
        names(&hr, &["schema", "table"]),
        BTreeSet::from(["hr.employees".to_string()])
    );
    let narrowed = f.json(&["--schema", "sales,hr", "schemas"]);
    assert_eq!(
        names(&narrowed, &["schema"]),
        BTreeSet::from(["hr".to_string(), "sales".to_string()])
    );
    let overview = f
        .project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "overview"])
        .run()
        .status(0)
        .stdout;
    assert!(overview.contains("sales.orders ~2 rows"), "{overview}");
    assert!(
        overview.contains("(region,customer_id) → sales.customers(region,id)"),
        "{overview}"
    );
    assert!(overview.contains("gross numeric(10,2)"), "{overview}");
    assert!(
        !overview.contains("events_2024"),
        "partitions fold into their parent"
    );
    let small = f
        .project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "overview", "--budget", "600"])
        .run()
        .status(0)
        .stdout;
    assert!(small.len() <= 600 && small.contains("left out"), "{small}");
    let legacy = f
        .project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "--action", "list-tables", "--format", "json"])
        .run()
        .status(0)
        .json();
    assert_eq!(
        legacy.as_array().unwrap().len(),
        f.json(&["tables"]).as_array().unwrap().len()
    );
    f.project
        .cmd(PG_SCHEMA)
        .args([
            "-c",
            "db",
            "--action",
            "describe",
            "--table",
            "hr.employees",
        ])
        .run()
        .status(0)
        .stdout_has("employees_touch");
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn connections_need_no_database_and_show_no_password() {
    let server = TestServer::from_env();
    let project = Project::new(
        &server,
        json!({"prod": {"database": "app", "host": "db.invalid", "password": "Sup3r-Secret", "description": "Production replica"},
               "dev": {"database": "app_dev", "mode": "read-write"}}),
    );
    let out = project
        .cmd(PG_SCHEMA)
        .args(["connections", "--format", "json"])
        .run()
        .status(0);
    assert!(!out.stdout.contains("Sup3r-Secret"));
    let rows = out.json();
    let prod = find(&rows, "name", "prod");
    assert_eq!(
        (
            prod["mode"].as_str(),
            prod["description"].as_str(),
            prod["host"].as_str()
        ),
        (
            Some("read-only"),
            Some("Production replica"),
            Some("db.invalid")
        )
    );
    assert_eq!(find(&rows, "name", "dev")["mode"], "read-write");
}
