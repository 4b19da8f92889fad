//! pg-validate: classify SQL for a connection mode.
//! Exit codes: 0 allowed, 1 blocked, 2 needs --confirm, 3 usage error.

mod validate;

fn main() -> std::process::ExitCode {
    dev_postgres::cli::run_main("pg-validate", dev_postgres::ExitCode::Blocked, || {
        validate::run(std::env::args_os())
    })
}
