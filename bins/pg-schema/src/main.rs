//! pg-schema: explore a database's structure without writing SQL.
//! Exit codes: 0 ok, 3 usage/config error or unknown name, 4 execution error.

mod explore;

fn main() -> std::process::ExitCode {
    devpg_cli::run_main("pg-schema", devpg_policy::ExitCode::Execution, || {
        explore::run(std::env::args_os())
    })
}
