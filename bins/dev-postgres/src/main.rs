//! dev-postgres: install into Claude Code, check the setup, run a sandbox.

mod doctor;
mod install;
mod sandbox;

use clap::{Parser, Subcommand};
use devpg_cli::{parse_args, Outcome};
use devpg_policy::{Error, ExitCode};
use std::path::PathBuf;

/// Set up dev-postgres for Claude Code and check that it is safe.
#[derive(Parser, Debug)]
#[command(name = "dev-postgres", version, about, long_about = None)]
struct Args {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand, Debug)]
enum Commands {
    /// Install the binaries, hook, deny rules, skill and config into a project (or --user).
    Install {
        /// Install into ~/.claude for every project instead.
        #[arg(long)]
        user: bool,
        /// The project folder (default: the current folder).
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// Where the built binaries are (default: beside this program).
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Reverse exactly what install did.
    Uninstall {
        #[arg(long)]
        user: bool,
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
    },
    /// Check the configuration, connections, roles, hook and audit log.
    Doctor {
        /// Print a JSON report.
        #[arg(long)]
        json: bool,
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
    /// A throwaway local PostgreSQL with a sample schema: start, stop or status.
    Sandbox {
        /// start, stop or status.
        action: String,
        /// Copy this connection's schema (no data) instead of the sample schema.
        #[arg(long, value_name = "CONNECTION")]
        schema_from: Option<String>,
        /// Where the sandbox's data lives.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    devpg_cli::run_main("dev-postgres", ExitCode::Execution, run)
}

fn run() -> Result<ExitCode, Outcome> {
    let args: Args = parse_args(std::env::args_os())?;
    let cwd =
        std::env::current_dir().map_err(|e| Error::usage(format!("no working directory: {e}")))?;
    let home = dirs::home_dir();
    let target = |user: bool, project: Option<PathBuf>| -> Result<install::Target, Error> {
        if user {
            let home = home
                .clone()
                .ok_or_else(|| Error::usage("no home folder for --user"))?;
            Ok(install::Target::user(&home))
        } else {
            Ok(install::Target::project(
                &project.unwrap_or_else(|| cwd.clone()),
            ))
        }
    };
    let report = |lines: Vec<String>| {
        for line in lines {
            println!("{line}");
        }
    };
    match args.command {
        Commands::Install {
            user,
            project,
            from,
        } => {
            let from = match from {
                Some(from) => from,
                None => std::env::current_exe()
                    .ok()
                    .and_then(|exe| exe.parent().map(PathBuf::from))
                    .ok_or_else(|| Error::usage("cannot find the binaries: pass --from DIR"))?,
            };
            let done = install::install(&target(user, project)?, &from)?;
            if done.is_empty() {
                println!("already installed: nothing changed");
            }
            report(done);
            Ok(ExitCode::Ok)
        }
        Commands::Uninstall { user, project } => {
            report(install::uninstall(&target(user, project)?)?);
            Ok(ExitCode::Ok)
        }
        Commands::Doctor { json, config } => {
            let checks = doctor::doctor(config.as_deref(), &cwd, home.as_deref());
            let ok = checks.iter().all(|c| c.ok);
            if json {
                let document = serde_json::json!({"ok": ok, "checks": checks.iter().map(doctor::Check::to_json).collect::<Vec<_>>()});
                println!(
                    "{}",
                    serde_json::to_string_pretty(&document).unwrap_or_default()
                );
            } else {
                for check in &checks {
                    println!(
                        "{} {}: {}",
                        if check.ok { "ok  " } else { "FAIL" },
                        check.name,
                        check.detail
                    );
                    if let Some(fix) = &check.fix {
                        println!("     fix: {fix}");
                    }
                }
                let failed = checks.iter().filter(|c| !c.ok).count();
                println!(
                    "{}",
                    if ok {
                        "all checks passed".to_string()
                    } else {
                        format!("{failed} check(s) failed")
                    }
                );
            }
            Ok(if ok { ExitCode::Ok } else { ExitCode::Blocked })
        }
        Commands::Sandbox {
            action,
            schema_from,
            dir,
        } => {
            let dir = dir.unwrap_or_else(|| sandbox::default_dir(&cwd));
            let lines = match action.as_str() {
                "start" => sandbox::start(&cwd, &dir, schema_from.as_deref())?,
                "stop" => sandbox::stop(&dir)?,
                "status" => sandbox::status(&dir)?,
                other => {
                    return Err(Error::usage(format!(
                        "unknown sandbox action '{other}': start, stop or status"
                    ))
                    .into())
                }
            };
            report(lines);
            Ok(ExitCode::Ok)
        }
    }
}
