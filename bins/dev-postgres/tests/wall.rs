#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Walled mode with the real Claude Code client (pinned in
//! tests/claude/package.json), offline against the stand-in API, with
//! bubblewrap and socat, in a project set up by `dev-postgres install --wall`
//! with an isolated HOME, against the throwaway PostgreSQL of scripts/test.sh.
//! Ground truth is the server's own log (`log_connections`): what the agent's
//! shell tries never reaches the server; pg-query and pg-schema do.
use devpg_testing::claude::{self, trusting_home, StandIn};
use devpg_testing::cmd::Cmd;
use devpg_testing::server::TestServer;
use serde_json::json;
use std::path::{Path, PathBuf};

const DEV_POSTGRES: &str = env!("CARGO_BIN_EXE_dev-postgres");
const SECRET_VAR: &str = "WALL_DB_PASSWORD";

/// Connections the server has received so far (`log_connections = on`).
fn connections_received() -> usize {
    let dir = std::env::var("DEV_POSTGRES_TEST_DIR").expect("DEV_POSTGRES_TEST_DIR");
    std::fs::read_to_string(Path::new(&dir).join("server.log"))
        .unwrap_or_default()
        .matches("connection received")
        .count()
}

struct Walled {
    root: PathBuf,
    project: PathBuf,
    home: PathBuf,
    bin_dir: PathBuf,
    api: StandIn,
    password: String,
    path: String,
}

impl Walled {
    fn agent(&self, prompt: &str) -> String {
        claude::run(
            &self.project,
            &self.home,
            self.api.port,
            prompt,
            &["--allowedTools", "Bash,Read,Write,Edit"],
            &[
                ("PATH", self.path.as_str()),
                (SECRET_VAR, self.password.as_str()),
                ("PGPASSWORD", self.password.as_str()),
            ],
        )
    }

    /// Runs one Bash command as the agent; asserts the server saw nothing
    /// and no secret came back.
    fn shell_is_walled(&self, command: &str) -> String {
        let before = connections_received();
        let result = self.agent(&format!("run: {command}"));
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(
            connections_received(),
            before,
            "the agent's shell reached the server with: {command}\n{result}"
        );
        assert!(
            !result.contains(&self.password),
            "a secret came back to the agent with: {command}\n{result}"
        );
        result
    }
}

fn setup() -> Walled {
    let server = TestServer::from_env();
    let database = server.fixture_database("wall");
    let root = std::env::temp_dir().join(format!("dev-postgres-wall-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let project = root.join("project");
    std::fs::create_dir_all(project.join(".claude")).unwrap();
    let project = project.canonicalize().unwrap();
    let home = trusting_home(&root, &project);
    let bin_dir = root.join("bin");
    let config = project.join(".dev-postgres.json");
    std::fs::write(
        &config,
        json!({"connections": {"db": {
            "host": server.host, "port": server.port, "user": server.user,
            "password": format!("${{{SECRET_VAR}}}"), "database": database,
            "sslmode": "disable", "mode": "read-only",
            "description": "the walled test database"}}})
        .to_string(),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    devpg_testing::trust(&config);
    let pgpass = home.join(".pgpass");
    std::fs::write(
        &pgpass,
        format!("*:*:*:{}:{}\n", server.user, server.password),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let binaries = Path::new(DEV_POSTGRES).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    Cmd::new(DEV_POSTGRES)
        .current_dir(&project)
        .env("HOME", &home)
        .env("PATH", &path)
        .args(["install", "--wall", "--from"])
        .arg(binaries)
        .arg("--bin-dir")
        .arg(&bin_dir)
        .run()
        .status(0)
        .stdout_has("walled the agent's shell");
    let api = StandIn::start(&root);
    Walled {
        root,
        project,
        home,
        bin_dir,
        api,
        password: server.password,
        path,
    }
}

#[test]
#[ignore = "needs the Claude Code client, bubblewrap, socat and the server scripts/test.sh provides"]
fn the_agents_shell_cannot_reach_the_database_but_the_wrappers_can() {
    let walled = setup();
    let port = std::env::var("DEV_POSTGRES_TEST_PORT").unwrap();
    let socket_dir = std::env::var("DEV_POSTGRES_TEST_DIR").unwrap();
    let settings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(walled.home.join(".claude/settings.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(settings["sandbox"]["enabled"], true, "{settings}");

    // The shell: every way to a socket the test knows.
    for command in [
        format!("psql -h 127.0.0.1 -p {port} -U postgres -c 'select 1'"),
        format!("psql -h {socket_dir} -p {port} -U postgres -c 'select 1'"),
        format!("python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 3); print('connected')\""),
        format!("python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.connect('{socket_dir}/.s.PGSQL.{port}'); print('connected')\""),
        format!("bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected'"),
    ] {
        let result = walled.shell_is_walled(&command);
        assert!(!result.contains("TOOL_RESULT is_error=False: connected"), "{command}: {result}");
    }
    // Through the sandbox's own proxy, to every spelling of loopback.
    for host in [
        "127.0.0.1",
        "localhost",
        "0.0.0.0",
        "[::1]",
        "127.1",
        "2130706433",
        "0x7f000001",
        "127.0.0.2",
        "localhost.",
        "[::ffff:127.0.0.1]",
    ] {
        for command in [
            format!("curl -sS -m 5 -p -x \"${{HTTPS_PROXY:-$HTTP_PROXY}}\" http://{host}:{port}/ ; echo \"proxy=${{HTTPS_PROXY:-$HTTP_PROXY}}\""),
            format!("curl -sS -m 5 --socks5-hostname \"${{ALL_PROXY#socks5h://}}\" http://{host}:{port}/ ; echo \"socks=$ALL_PROXY\""),
        ] {
            walled.shell_is_walled(&command);
        }
    }
    // Secrets: not in the environment, not readable, not through the Read tool.
    let env = walled.shell_is_walled(&format!(
        "env | grep -c {SECRET_VAR} ; env | grep -c PGPASSWORD ; true"
    ));
    assert!(env.contains("TOOL_RESULT"), "{env}");
    walled.shell_is_walled("cat ~/.pgpass");
    walled.shell_is_walled("cat .dev-postgres.json");
    let pgpass = walled.home.join(".pgpass");
    let read = walled.agent(&format!("tool: Read {}", json!({"file_path": pgpass})));
    assert!(!read.contains(&walled.password), "{read}");
    // The Write tool cannot plant settings or replace a wrapper.
    let settings_path = walled.home.join(".claude/settings.json");
    let before = std::fs::read(&settings_path).unwrap();
    walled.agent(&format!(
        "tool: Write {}",
        json!({"file_path": settings_path, "content": "{}"})
    ));
    assert_eq!(
        std::fs::read(&settings_path).unwrap(),
        before,
        "settings were replaced"
    );
    let wrapper = walled.bin_dir.join("pg-query");
    let wrapper_before = std::fs::read(&wrapper).unwrap();
    walled.agent(&format!(
        "tool: Write {}",
        json!({"file_path": wrapper, "content": "#!/bin/sh\npsql \"$@\"\n"})
    ));
    assert_eq!(
        std::fs::read(&wrapper).unwrap(),
        wrapper_before,
        "a wrapper was replaced"
    );
    let local = walled.project.join(".claude/settings.local.json");
    walled.agent(&format!(
        "tool: Write {}",
        json!({"file_path": local, "content": "{\"sandbox\": {\"excludedCommands\": [\"psql:*\"]}}"})
    ));
    assert!(!local.exists(), "project settings were planted");
    // The unsandboxed wrapper gets the expanded secret: it never reflects it.
    let reflected = walled.agent(&format!(
        "run: pg-query -c db \"SELECT '${SECRET_VAR}' AS x\""
    ));
    assert!(!reflected.contains(&walled.password), "{reflected}");

    // The wrappers, excluded by their bare names, connect.
    let before = connections_received();
    let answer = walled.agent("run: pg-query -c db 'SELECT 6 * 7 AS answer'");
    assert!(
        answer.starts_with("TOOL_RESULT is_error=False") && answer.contains("42"),
        "{answer}"
    );
    let schema = walled.agent("run: pg-schema -c db tables");
    assert!(
        schema.starts_with("TOOL_RESULT is_error=False") && schema.contains("users"),
        "{schema}"
    );
    assert!(
        connections_received() > before,
        "the wrappers did not reach the server"
    );

    // doctor sees the wall; uninstall takes it out exactly.
    let doctor = Cmd::new(DEV_POSTGRES)
        .current_dir(&walled.project)
        .env("HOME", &walled.home)
        .env("PATH", &walled.path)
        .args(["doctor", "--json"])
        .run();
    for check in [
        "wall in a trusted tier",
        "wall settings",
        "nothing weakens the wall",
        "sandbox can run",
        "wrappers on PATH",
    ] {
        assert!(
            doctor
                .stdout
                .contains(&format!("\"check\": \"{check}\",\n      \"ok\": true")),
            "{check}: {}",
            doctor.stdout
        );
    }
    Cmd::new(DEV_POSTGRES)
        .current_dir(&walled.project)
        .env("HOME", &walled.home)
        .arg("uninstall")
        .run()
        .status(0)
        .stdout_has("removed the wall");
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).unwrap()).unwrap();
    assert!(after.get("sandbox").is_none(), "{after}");
    drop(walled.api);
    std::fs::remove_dir_all(&walled.root).unwrap();
}

#[test]
fn install_refuses_the_wall_where_the_sandbox_cannot_run() {
    let root = std::env::temp_dir().join(format!("dev-postgres-nowall-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("project")).unwrap();
    let binaries = Path::new(DEV_POSTGRES).parent().unwrap();
    // A PATH without bubblewrap or socat.
    Cmd::new(DEV_POSTGRES)
        .current_dir(root.join("project"))
        .env("HOME", root.join("home"))
        .env("PATH", binaries)
        .args(["install", "--wall", "--from"])
        .arg(binaries)
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .run()
        .status(3)
        .stderr_has("apt-get install bubblewrap socat");
    assert!(!root.join("bin").exists(), "nothing was installed");
    assert!(!root.join("home/.claude/settings.json").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn install_links_the_wrappers_onto_the_users_path_and_uninstall_removes_them() {
    let root = std::env::temp_dir().join(format!("dev-postgres-walllinks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let project = root.join("project");
    let home = root.join("home");
    let user_bin = home.join(".local/bin");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&user_bin).unwrap();
    let config = project.join(".dev-postgres.json");
    std::fs::write(
        &config,
        r#"{"connections": {"db": {"host": "127.0.0.1", "database": "d", "user": "u"}}}"#,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    devpg_testing::trust(&config);
    let binaries = Path::new(DEV_POSTGRES).parent().unwrap();
    let path = format!("{}:/usr/bin:/bin", user_bin.display());
    let tool = || {
        Cmd::new(DEV_POSTGRES)
            .current_dir(&project)
            .env("HOME", &home)
            .env("PATH", &path)
    };
    tool()
        .args(["install", "--wall", "--from"])
        .arg(binaries)
        .arg("--bin-dir")
        .arg(root.join("bin"))
        .run()
        .status(0)
        .stdout_has("linked");
    for wrapper in ["pg-query", "pg-schema"] {
        let link = user_bin.join(wrapper);
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            root.join("bin").join(wrapper)
        );
    }
    let settings = std::fs::read_to_string(home.join(".claude/settings.json")).unwrap();
    assert!(
        settings.contains(&format!("Edit(/{}/pg-query)", user_bin.display())),
        "{settings}"
    );
    tool().arg("uninstall").run().status(0);
    assert!(user_bin.join("pg-query").symlink_metadata().is_err());
    std::fs::remove_dir_all(&root).unwrap();
}
