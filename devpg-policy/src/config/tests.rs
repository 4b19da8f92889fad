use super::*;
use std::collections::HashMap;

fn parse(text: &str) -> Result<Config, Error> {
    Config::parse(text, "test.json")
}

fn error(text: &str) -> String {
    match parse(text) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error for {text}"),
    }
}

#[test]
fn reads_the_predecessors_file_unchanged() {
    let text = include_str!("../../../.dev-postgres.json.example");
    let config = parse(text).unwrap();
    assert_eq!(config.connections.len(), 2);
    assert_eq!(config.default_connection.as_deref(), Some("dev"));
    let prod = &config.connections["prod"];
    assert_eq!(prod.mode, Mode::ReadOnly);
    assert_eq!(prod.schemas, ["public", "analytics"]);
    assert_eq!(config.connections["dev"].mode, Mode::ReadWrite);
    assert_eq!(config.security.max_rows, 1000);
    assert_eq!(config.security.query_timeout_seconds, 30);
}

#[test]
fn defaults_match_the_predecessor() {
    let config = parse(r#"{"connections": {"x": {"database": "d"}}}"#).unwrap();
    let x = &config.connections["x"];
    assert_eq!(x.mode, Mode::ReadOnly);
    assert!(config.security.require_confirmation_for_destructive);
    assert!(config.security.log_all_queries);
    assert_eq!(config.security.max_rows, 1000);
    assert_eq!(config.security.query_timeout_seconds, 30);
}

#[test]
fn unknown_keys_are_errors_naming_the_key_place_and_closest_key() {
    let cases = [
        (
            r#"{"conections": {}}"#,
            "top level: unknown key 'conections' (did you mean 'connections'?)",
        ),
        (
            r#"{"connections": {"p": {"mdoe": "read-write"}}}"#,
            "connections.p: unknown key 'mdoe' (did you mean 'mode'?)",
        ),
        (
            r#"{"connections": {"p": {"pasword": "x"}}}"#,
            "connections.p: unknown key 'pasword' (did you mean 'password'?)",
        ),
        (
            r#"{"security": {"max_row": 5}}"#,
            "security: unknown key 'max_row' (did you mean 'max_rows'?)",
        ),
        (
            r#"{"hook": {"confrim": "deny"}}"#,
            "hook: unknown key 'confrim' (did you mean 'confirm'?)",
        ),
        (
            r#"{"connections": {"p": {"zzzzzz": 1}}}"#,
            "unknown key 'zzzzzz' (valid keys:",
        ),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn wrong_values_are_errors() {
    let cases = [
        (
            r#"{"connections": {"p": {"mode": "readwrite"}}}"#,
            "unknown mode 'readwrite'",
        ),
        (
            r#"{"connections": {"p": {"mode": "READ-WRITE"}}}"#,
            "unknown mode",
        ),
        (
            r#"{"connections": {"p": {"port": true}}}"#,
            "connections.p.port: expected a number or a string, got a boolean",
        ),
        (
            r#"{"connections": {"p": {"sslmode": "verify_full"}}}"#,
            "unknown sslmode",
        ),
        (
            r#"{"connections": {"p": {"schemas": "public"}}}"#,
            "expected an array of strings",
        ),
        (
            r#"{"security": {"max_rows": -1}}"#,
            "expected a whole number",
        ),
        (
            r#"{"hook": {"confirm": "maybe"}}"#,
            "'maybe' is not ask or deny",
        ),
        (r#"{"connections": []}"#, "must be an object"),
        ("{", "not valid JSON"),
        ("[]", "must be a JSON object"),
    ];
    for (text, expected) in cases {
        let message = error(text);
        assert!(message.contains(expected), "{text}: {message}");
    }
}

#[test]
fn per_connection_limits_override_the_security_block() {
    let config = parse(
        r#"{"connections": {"a": {"database": "d", "max_rows": 5, "query_timeout_seconds": 2, "require_confirmation": false},
                            "b": {"database": "d"}},
            "security": {"max_rows": 50, "query_timeout_seconds": 9}}"#,
    )
    .unwrap();
    let a = config.limits(&config.connections["a"]);
    assert_eq!(
        (a.max_rows, a.timeout_seconds, a.require_confirmation),
        (5, 2, false)
    );
    let b = config.limits(&config.connections["b"]);
    assert_eq!(
        (b.max_rows, b.timeout_seconds, b.require_confirmation),
        (50, 9, true)
    );
}

#[test]
fn variables_expand_anywhere_and_missing_ones_are_named() {
    let env = |name: &str| match name {
        "A" => Some("alpha".to_string()),
        "B" => Some(String::new()),
        _ => None,
    };
    assert_eq!(expand("x${A}y${B}z", "p", &env).unwrap(), "xalphayz");
    assert_eq!(expand("plain", "p", &env).unwrap(), "plain");
    let missing = expand("${NOPE}", "connections.x.password", &env)
        .unwrap_err()
        .to_string();
    assert_eq!(
        missing,
        "connections.x.password: environment variable NOPE is not set"
    );
    assert!(expand("${A", "p", &env).is_err());
    assert!(expand("${A B}", "p", &env).is_err());
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn connection(text: &str) -> Connection {
    let config = parse(&format!(r#"{{"connections": {{"c": {text}}}}}"#)).unwrap();
    config.connections["c"].clone()
}

#[test]
fn the_environment_cannot_choose_where_a_trusted_connection_goes() {
    for (var, key) in [
        ("PGHOST", "host"),
        ("PGPORT", "port"),
        ("PGUSER", "user"),
        ("PGDATABASE", "database"),
        ("PGSSLMODE", "sslmode"),
    ] {
        let env = env_of(&[(var, "elsewhere")]);
        let without = connection(r#"{"database": "app", "user": "u"}"#);
        let without = Connection {
            database: (key != "database").then(|| "app".to_string()),
            user: (key != "user").then(|| "u".to_string()),
            ..without
        };
        let err = resolve(&without, &env, None, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains(var), "{var}: {err}");
        assert!(err.to_string().contains("from_environment"), "{var}: {err}");
    }
    // What the file sets, the environment cannot change at all.
    let env = env_of(&[("PGHOST", "evil.example"), ("PGPORT", "1")]);
    let p = resolve(
        &connection(r#"{"host": "db", "port": 5433, "database": "app", "user": "u"}"#),
        &env,
        None,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!((p.host.as_str(), p.port), ("db", 5433));
}

#[test]
fn absent_fields_come_from_pg_variables_then_defaults() {
    let env = env_of(&[
        ("PGHOST", "db.internal"),
        ("PGPORT", "6543"),
        ("PGUSER", "alice"),
        ("PGDATABASE", "app"),
        ("PGSSLMODE", "require"),
        ("PGAPPNAME", "mine"),
        ("PGCONNECT_TIMEOUT", "3"),
    ]);
    let p = resolve(
        &connection(r#"{"from_environment": true}"#),
        &env,
        None,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(
        (
            p.host.as_str(),
            p.port,
            p.user.as_str(),
            p.database.as_str()
        ),
        ("db.internal", 6543, "alice", "app")
    );
    assert_eq!(
        (p.sslmode, p.application_name.as_str(), p.connect_timeout),
        (SslMode::Require, "mine", 3)
    );
    let explicit = resolve(
        &connection(
            r#"{"host": "h", "port": 1, "user": "u", "database": "d", "sslmode": "disable"}"#,
        ),
        &env,
        None,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(
        (
            explicit.host.as_str(),
            explicit.port,
            explicit.user.as_str(),
            explicit.database.as_str()
        ),
        ("h", 1, "u", "d")
    );
    let defaults = resolve(
        &connection(r#"{"database": "d"}"#),
        &env_of(&[("USER", "me")]),
        None,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(
        (defaults.host.as_str(), defaults.port, defaults.user.clone()),
        // libpq's default user is the OS account, not $USER (which the agent sets).
        ("localhost", 5432, super::paths::account_name().unwrap())
    );
    assert_eq!(
        (
            defaults.sslmode,
            defaults.connect_timeout,
            defaults.application_name.as_str()
        ),
        (SslMode::Prefer, 10, "dev-postgres")
    );
}

#[test]
fn a_missing_database_or_password_variable_is_a_clear_error() {
    let err = resolve(
        &connection(r#"{"user": "u"}"#),
        &env_of(&[]),
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no database"), "{err}");
    let err = resolve(
        &connection(r#"{"database": "d", "user": "u", "password": "${SECRET_PW}"}"#),
        &env_of(&[]),
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connections.c.password: environment variable SECRET_PW is not set"
    );
}

#[test]
fn passwords_come_from_config_then_pgpassword_then_the_password_file() {
    let dir = std::env::temp_dir().join(format!("dp-pgpass-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pgpass");
    std::fs::write(
        &file,
        "# comment\nother:5432:*:*:nope\ndb.example:5432:app:*:from\\:file\n*:*:*:bob:star\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let pass = file.to_string_lossy().to_string();
    let base = r#"{"host": "db.example", "database": "app", "user": "alice"}"#;
    let got = |conn: &str, extra: &[(&str, &str)]| {
        let mut pairs = vec![("PGPASSFILE", pass.as_str())];
        pairs.extend_from_slice(extra);
        resolve(&connection(conn), &env_of(&pairs), None, &mut Vec::new())
            .unwrap()
            .password
            .map(|s| s.expose().to_string())
    };
    assert_eq!(got(base, &[]).as_deref(), Some("from:file"));
    assert_eq!(got(base, &[("PGPASSWORD", "env")]).as_deref(), Some("env"));
    assert_eq!(
        got(
            r#"{"host": "db.example", "database": "app", "user": "alice", "password": "cfg"}"#,
            &[("PGPASSWORD", "env")]
        )
        .as_deref(),
        Some("cfg")
    );
    assert_eq!(
        got(
            r#"{"host": "elsewhere", "database": "x", "user": "bob"}"#,
            &[]
        )
        .as_deref(),
        Some("star")
    );
    assert_eq!(
        got(
            r#"{"host": "elsewhere", "database": "x", "user": "carol"}"#,
            &[]
        ),
        None
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut warnings = Vec::new();
        let p = resolve(
            &connection(base),
            &env_of(&[("PGPASSFILE", pass.as_str())]),
            None,
            &mut warnings,
        )
        .unwrap();
        assert!(p.password.is_none());
        assert!(
            warnings[0].contains("group or world access"),
            "{warnings:?}"
        );
        assert!(!warnings[0].contains("from:file"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn services_fill_what_the_connection_leaves_out() {
    let dir = std::env::temp_dir().join(format!("dp-service-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("services.conf");
    std::fs::write(
        &file,
        "[reporting]\nhost=reports.internal\nport=6000\ndbname=reports\nuser=rep\n",
    )
    .unwrap();
    let env = env_of(&[
        ("PGSERVICEFILE", file.to_str().unwrap()),
        ("PGHOST", "ignored"),
    ]);
    let p = resolve(
        &connection(r#"{"service": "reporting", "user": "override", "from_environment": true}"#),
        &env,
        None,
        &mut Vec::new(),
    )
    .unwrap();
    assert_eq!(
        (
            p.host.as_str(),
            p.port,
            p.database.as_str(),
            p.user.as_str()
        ),
        ("reports.internal", 6000, "reports", "override")
    );
    let missing = resolve(
        &connection(r#"{"service": "nope"}"#),
        &env,
        None,
        &mut Vec::new(),
    )
    .unwrap_err();
    assert!(missing.to_string().contains("service 'nope'"), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn secrets_never_print() {
    let secret = Secret::new("hunter2".into());
    assert!(!format!("{secret:?} {secret}").contains("hunter2"));
    let env = env_of(&[("PGPASSWORD", "hunter2")]);
    let p = resolve(
        &connection(r#"{"database": "d", "user": "u"}"#),
        &env,
        None,
        &mut Vec::new(),
    )
    .unwrap();
    assert!(!format!("{p:?}").contains("hunter2"));
    assert!(!p.describe().contains("hunter2"));
}

#[test]
fn choosing_a_connection() {
    let config = parse(r#"{"connections": {"dev": {"database": "d"}, "prod": {"database": "p"}}, "default_connection": "dev"}"#).unwrap();
    assert_eq!(config.connection(None).unwrap().name, "dev");
    assert_eq!(config.connection(Some("prod")).unwrap().name, "prod");
    let err = config.connection(Some("prdo")).unwrap_err().to_string();
    assert!(err.contains("did you mean 'prod'"), "{err}");
    let single = parse(r#"{"connections": {"only": {"database": "d"}}}"#).unwrap();
    assert_eq!(single.connection(None).unwrap().name, "only");
    let none = parse("{}").unwrap();
    assert!(none.connection(None).is_err());
}

#[test]
fn the_variables_a_value_refers_to_are_listed() {
    assert_eq!(
        super::variables_in("postgres://${USER_1}:${PW}@h/${ bad }/${}"),
        ["USER_1", "PW"]
    );
    assert!(super::variables_in("plain").is_empty());
}

#[test]
fn connection_names_cannot_hide_terminal_escapes_or_lines() {
    for name in [r"z\u001b[2A", "a b", r"x\ny", "", "naïve"] {
        let text = format!(r#"{{"connections": {{"{name}": {{"database": "d"}}}}}}"#);
        assert!(parse(&text).is_err(), "{name:?}");
    }
    for name in ["dev", "sandbox-ro", "prod.replica_2"] {
        let text = format!(r#"{{"connections": {{"{name}": {{"database": "d"}}}}}}"#);
        assert!(parse(&text).is_ok(), "{name}");
    }
}

#[test]
fn a_variable_in_where_the_connection_goes_is_the_environment_choosing() {
    let env = env_of(&[
        ("RT_HOST", "relay.example"),
        ("RT_PORT", "6543"),
        ("PW", "x"),
    ]);
    for (key, value) in [("host", "${RT_HOST}"), ("port", "${RT_PORT}")] {
        let text = format!(
            r#"{{"host": "db", "port": 5432, "database": "d", "user": "u", "{key}": "{value}"}}"#
        );
        let mut map: serde_json::Value = serde_json::from_str(&text).unwrap();
        map[key] = serde_json::json!(value);
        let err = resolve(&connection(&map.to_string()), &env, None, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("from_environment"), "{key}: {err}");
        map["from_environment"] = serde_json::json!(true);
        assert!(resolve(&connection(&map.to_string()), &env, None, &mut Vec::new()).is_ok());
    }
    // A password from a variable is what variables are for.
    let ok = connection(r#"{"host": "db", "database": "d", "user": "u", "password": "${PW}"}"#);
    assert!(resolve(&ok, &env, None, &mut Vec::new()).is_ok());
}

#[test]
fn allow_functions_lists_volatile_functions_a_connection_may_call() {
    let config =
        parse(r#"{"connections": {"x": {"allow_functions": ["audit.stamp", "my_uuid"]}}}"#)
            .unwrap();
    assert_eq!(
        config.connections["x"].allow_functions,
        ["audit.stamp", "my_uuid"]
    );
    assert!(
        parse(r#"{"connections": {"x": {}}}"#).unwrap().connections["x"]
            .allow_functions
            .is_empty()
    );
    assert!(
        error(r#"{"connections": {"x": {"allow_functions": [1]}}}"#).contains("allow_functions")
    );
}
