#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! pg-schema with names that need quoting, hostile comments and thousands of
//! tables (issue 14), against the PostgreSQL of scripts/test.sh.
use devpg_testing::server::{Project, TestServer};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const PG_SCHEMA: &str = env!("CARGO_BIN_EXE_pg-schema");

fn setup(purpose: &str, sql: &str) -> (TestServer, String, Project) {
    let server = TestServer::from_env();
    let database = server.database_from(purpose, &[]);
    server.connect(&database).batch_execute(sql).unwrap();
    let project = Project::new(
        &server,
        json!({"db": {"database": database, "mode": "read-only"}}),
    );
    (server, database, project)
}

fn run(project: &Project, args: &[&str]) -> String {
    project
        .cmd(PG_SCHEMA)
        .args(["-c", "db"])
        .args(args)
        .run()
        .status(0)
        .stdout
}

/// What the shell makes of one single-quoted word (the only quoting pg-schema
/// uses for names).
fn shell_word(word: &str) -> String {
    match word.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')) {
        Some(inner) => inner.replace("'\\''", "'"),
        None => word.to_string(),
    }
}

const LONG: &str = "a_name_of_exactly_sixty_three_characters_xxxxxxxxxxxxxxxxxxxxxx";

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn names_are_quoted_as_postgresql_needs_and_work_as_typed() {
    assert_eq!(LONG.len(), 63);
    let (_server, _database, project) = setup(
        "quoting",
        &format!(
            r#"CREATE SCHEMA "Weird Schema"; CREATE TABLE "Weird Schema"."Mixed Case" (id int PRIMARY KEY);
            CREATE SCHEMA app;
            CREATE TABLE app."comma,name" ("ü,x" int, "user" text, plain int);
            CREATE TABLE app."a.b" (id int); CREATE TABLE app."say ""hi""" (id int);
            CREATE TABLE app."select" (id int); CREATE TABLE app.{LONG} (id int);
            CREATE TABLE app."Ünïcode" (id int);
            CREATE TABLE app.parent (id int PRIMARY KEY);
            CREATE TABLE app.child ("Parent Id" int REFERENCES app.parent);
            COMMENT ON TABLE app.parent IS E'legit\napp.forged ~1 rows\n  id int PK\x1b[2J';"#
        ),
    );
    let overview = run(&project, &["overview"]);
    for shown in [
        "\"Weird Schema\".\"Mixed Case\"",
        "app.\"comma,name\"",
        "\"ü,x\" int",
        "\"user\" text",
        "plain int",
        "app.\"a.b\"",
        "app.\"say \"\"hi\"\"\"",
        "app.\"select\"",
        &format!("app.{LONG}"),
        "app.\"Ünïcode\"",
        "(\"Parent Id\") → app.parent(id)",
        "legit\\napp.forged ~1 rows\\n  id int PK\\x1B[2J",
    ] {
        assert!(overview.contains(shown), "{shown} in:\n{overview}");
    }
    assert!(
        !overview.lines().any(|l| l.starts_with("app.forged")),
        "a comment forged a table:\n{overview}"
    );
    assert!(!overview.contains('\u{1b}'));
    // Text and markdown quote; JSON keeps the raw names.
    let tables = run(&project, &["tables"]);
    assert!(
        tables.contains("\"Weird Schema\"") && tables.contains("\"comma,name\""),
        "{tables}"
    );
    let markdown = run(
        &project,
        &["--format", "markdown", "describe", "app.\"comma,name\""],
    );
    assert!(markdown.contains("\"ü,x\""), "{markdown}");
    let json: Value =
        serde_json::from_str(&run(&project, &["--format", "json", "tables"])).unwrap();
    let raw: BTreeSet<String> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}|{}",
                t["schema"].as_str().unwrap(),
                t["table"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        raw.contains("Weird Schema|Mixed Case") && raw.contains("app|comma,name"),
        "{raw:?}"
    );
    // Every table as the overview names it is accepted by describe.
    let details = overview.split("\n\n").nth(1).unwrap();
    for line in details.lines().filter(|l| !l.starts_with(' ')) {
        // The name ends at the first space outside double quotes.
        let mut quoted = false;
        let end = line
            .char_indices()
            .find(|&(_, c)| {
                quoted ^= c == '"';
                c == ' ' && !quoted
            })
            .map_or(line.len(), |(i, _)| i);
        let name = &line[..end];
        project
            .cmd(PG_SCHEMA)
            .args(["-c", "db", "describe", name])
            .run()
            .status(0);
    }
    // A suggestion, pasted as printed, works.
    let miss = project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "describe", "\"Weird Schema\".\"Mixed Cas\""])
        .run()
        .status(3);
    let suggested = miss
        .stderr
        .split("did you mean: ")
        .nth(1)
        .unwrap()
        .trim_end()
        .trim_end_matches('?')
        .split(", ")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        suggested, "'\"Weird Schema\".\"Mixed Case\"'",
        "{}",
        miss.stderr
    );
    project
        .cmd(PG_SCHEMA)
        .args(["-c", "db", "describe", &shell_word(&suggested)])
        .run()
        .status(0);
}

/// Every name of an overview's index, runs (`t{1..3}`) expanded.
fn index_names(overview: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in overview.lines().skip(1).take_while(|l| !l.is_empty()) {
        let (schema, list) = line.split_once(": ").unwrap();
        for item in list.split(", ") {
            let item = item.trim_end_matches(" (view)");
            match item.split_once('{') {
                Some((prefix, range)) => {
                    let (first, last) = range.trim_end_matches('}').split_once("..").unwrap();
                    let width = if first.starts_with('0') {
                        first.len()
                    } else {
                        0
                    };
                    for n in first.parse::<u64>().unwrap()..=last.parse::<u64>().unwrap() {
                        names.insert(format!("{schema}.{prefix}{n:0width$}"));
                    }
                }
                None => {
                    names.insert(format!("{schema}.{item}"));
                }
            }
        }
    }
    names
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn the_overview_names_every_table_first_at_1000_and_5000_tables() {
    // 1,000 tables with unrelated names, then 4,000 more in numbered families
    // (partitions by month, shards) and 600 long schema names.
    let (server, database, project) = setup(
        "many_tables",
        "DO $$ BEGIN
           FOR i IN 1..1000 LOOP
             EXECUTE format('CREATE TABLE public.%I (id int, label text)', 'x' || substr(md5(i::text), 1, 7));
           END LOOP;
           CREATE VIEW public.v_summary AS SELECT 1 AS one;
         END $$",
    );
    let check = |expected: usize| {
        let overview = run(&project, &["overview"]);
        assert!(
            overview.chars().count() <= 24_000,
            "{} chars",
            overview.chars().count()
        );
        let json: Value =
            serde_json::from_str(&run(&project, &["--format", "json", "overview"])).unwrap();
        let all: BTreeSet<String> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                format!(
                    "{}.{}",
                    t["schema"].as_str().unwrap(),
                    t["name"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(all.len(), expected);
        let named = index_names(&overview);
        let missing: Vec<&String> = all.difference(&named).take(5).collect();
        assert!(
            missing.is_empty(),
            "not named: {missing:?}\n{}",
            &overview[..2000.min(overview.len())]
        );
        overview
    };
    let overview = check(1001);
    assert!(
        overview.contains("v_summary (view)"),
        "{}",
        &overview[..500]
    );
    server
        .connect(&database)
        .batch_execute(
            "DO $$ BEGIN
               FOR i IN 1..2000 LOOP
                 EXECUTE format('CREATE TABLE public.events_%s (id int)', to_char(i, 'FM0000'));
                 EXECUTE format('CREATE TABLE public.shard_%s (id int)', i);
               END LOOP;
             END $$",
        )
        .unwrap();
    let overview = check(5001);
    assert!(
        overview.contains("events_{0001..2000}"),
        "{}",
        &overview[..600]
    );
    assert!(overview.contains("shard_{1..2000}"));
    // 600 schemas with 63-character names: the budget holds every line.
    server
        .connect(&database)
        .batch_execute(
            "DO $$ BEGIN
               FOR i IN 1..600 LOOP
                 EXECUTE format('CREATE SCHEMA %I', 'schema_with_a_long_name_to_fill_the_header_line_number_' || to_char(i, 'FM0000'));
               END LOOP;
             END $$",
        )
        .unwrap();
    let overview = run(&project, &["overview"]);
    assert!(
        overview.chars().count() <= 24_000,
        "{} chars",
        overview.chars().count()
    );
    let small = run(&project, &["overview", "--budget", "2000"]);
    assert!(small.chars().count() <= 2_000, "{small}");
    assert!(small.contains("more not named"), "{small}");
}
