//! dev-postgres: install into Claude Code, check the setup, run a sandbox.

mod doctor;
mod install;
mod sandbox;
mod trust;
mod wall;

use clap::{Parser, Subcommand};
use devpg_cli::{parse_args, Outcome};
use devpg_policy::config::paths;
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
        /// Where to put the binaries: outside every project (default: the
        /// account's data folder, ~/.local/share/dev-postgres/bin).
        #[arg(long, value_name = "DIR")]
        bin_dir: Option<PathBuf>,
        /// Also wall the agent's shell off from the database with Claude
        /// Code's sandbox, in the user settings (or --managed).
        #[arg(long)]
        wall: bool,
        /// Put the wall in the managed settings file (as root).
        #[arg(long, requires = "wall")]
        managed: bool,
    },
    /// Show what a configuration grants and record a human's approval of it
    /// (every binary refuses a configuration that is not trusted or has changed).
    Trust {
        /// The file (default: the project's .dev-postgres.json, found upwards).
        path: Option<PathBuf>,
        /// Trust the user-level configuration instead.
        #[arg(long, conflicts_with = "path")]
        user: bool,
    },
    /// Reverse exactly what install did.
    Uninstall {
        #[arg(long)]
        user: bool,
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// Take the wall out of the managed settings file instead of the user settings.
        #[arg(long)]
        managed: bool,
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

/// The settings tier the wall goes into: never the project's, where a file
/// the agent writes would undo it.
fn wall_settings(managed: bool, home: Option<&std::path::Path>) -> Result<PathBuf, Error> {
    if managed {
        return Ok(wall::managed_settings());
    }
    home.map(|h| h.join(".claude/settings.json"))
        .ok_or_else(|| Error::usage("no home folder for the user settings"))
}

fn main() -> std::process::ExitCode {
    devpg_cli::run_main("dev-postgres", ExitCode::Execution, run)
}

fn run() -> Result<ExitCode, Outcome> {
    let args: Args = parse_args(std::env::args_os())?;
    let cwd =
        std::env::current_dir().map_err(|e| Error::usage(format!("no working directory: {e}")))?;
    // Claude Code reads ~/.claude from $HOME; the guard's own files (trust
    // store, audit heads, binaries) follow the OS account instead.
    let home = dirs::home_dir();
    let target = |user: bool,
                  project: Option<PathBuf>,
                  bin_dir: Option<PathBuf>|
     -> Result<install::Target, Error> {
        let home = home
            .clone()
            .ok_or_else(|| Error::usage("cannot find this account's home folder"))?;
        let bin_dir = match bin_dir.or_else(paths::default_bin_dir) {
            Some(dir) if dir.is_absolute() => dir,
            Some(dir) => cwd.join(dir),
            None => {
                return Err(Error::usage(
                    "no folder for the binaries: pass --bin-dir DIR",
                ))
            }
        };
        if user {
            Ok(install::Target::user(&home, &bin_dir))
        } else {
            let project = project.unwrap_or_else(|| cwd.clone());
            let project = if project.is_absolute() {
                project
            } else {
                cwd.join(project)
            };
            Ok(install::Target::project(&project, &bin_dir, &home))
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
            bin_dir,
            wall,
            managed,
        } => {
            let from = match from {
                Some(from) => from,
                None => std::env::current_exe()
                    .ok()
                    .and_then(|exe| exe.parent().map(PathBuf::from))
                    .ok_or_else(|| Error::usage("cannot find the binaries: pass --from DIR"))?,
            };
            let target = target(user, project, bin_dir)?;
            if wall {
                // Refuse before changing anything when the sandbox cannot run.
                wall::sandbox_available()?;
            }
            let mut done = install::install(&target, &from)?;
            if wall {
                let project_dir = target.project.clone().unwrap_or_else(|| cwd.clone());
                let config = devpg_policy::config::Config::load(None, &project_dir)?;
                let settings = wall_settings(managed, home.as_deref())?;
                done.extend(wall::install(
                    &wall::WallTarget {
                        settings,
                        project: project_dir,
                        bin_dir: target.bin_dir.clone(),
                    },
                    &config,
                )?);
            }
            if done.is_empty() {
                println!("already installed: nothing changed");
            }
            report(done);
            Ok(ExitCode::Ok)
        }
        Commands::Uninstall {
            user,
            project,
            managed,
        } => {
            let mut done = wall::uninstall(&wall_settings(managed, home.as_deref())?)?;
            done.extend(install::uninstall(&target(user, project, None)?)?);
            report(done);
            Ok(ExitCode::Ok)
        }
        Commands::Trust { path, user } => {
            report(trust::trust(path.as_deref(), user, &cwd)?);
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
            // A failed check is a setup to fix: the configuration exit code.
            Ok(if ok { ExitCode::Ok } else { ExitCode::Usage })
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
