//! pg-schema: not built yet (see the issue tracker). Exits 3 with one clear line.
fn main() -> std::process::ExitCode {
    eprintln!("pg-schema: not available yet in this version of dev-postgres");
    dev_postgres::ExitCode::Usage.into()
}
