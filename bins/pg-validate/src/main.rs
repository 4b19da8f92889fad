//! pg-validate: classify SQL for a connection mode.
//! Exit codes: 0 allowed, 1 blocked, 2 needs --confirm, 3 usage error.

mod validate;

fn main() -> std::process::ExitCode {
    devpg_cli::run_main("pg-validate", devpg_policy::ExitCode::Blocked, || {
        validate::run(std::env::args_os())
    })
}
