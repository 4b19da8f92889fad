//! pg-query: run SQL on a named connection, guarded and audited.
//! Exit codes: 0 ok, 1 blocked, 2 needs --confirm, 3 usage/config, 4 execution.

mod query;

fn main() -> std::process::ExitCode {
    dev_postgres::cli::run_main("pg-query", dev_postgres::ExitCode::Execution, || {
        query::run(std::env::args_os())
    })
}
