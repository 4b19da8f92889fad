//! pg-query: run SQL on a named connection, guarded and audited.
//! Exit codes: 0 ok, 1 blocked, 2 needs --confirm, 3 usage/config, 4 execution.

mod query;

fn main() -> std::process::ExitCode {
    devpg_cli::run_main("pg-query", devpg_policy::ExitCode::Execution, || {
        query::run(std::env::args_os())
    })
}
