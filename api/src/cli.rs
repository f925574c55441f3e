//! The `api` command line: serves TrustFeed, or runs one operator command.
//!
//! It lives in the library, and `main.rs` only calls [`main`]: an async
//! function is compiled in the crate that polls it, so a `main` of the
//! binary's own compiled the start-up, seed and operator paths (and every
//! generic they use) a second time, 29 s of a 2-core release build.
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use crate::auth::PasswordHasher;
use crate::clock::{Clock, SystemClock};
use crate::config::{LogFormat, Settings};
use crate::domain::{self, DisplayName, Email, Handle, Locale, Password};
use crate::service::{accounts, privacy};
use crate::startup::{self, Application};
use base64::Engine as _;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use entity::Role;
use migration::Migrator;
use sea_orm::ActiveEnum as _;

#[derive(Parser)]
#[command(name = "api", about = "TrustFeed GraphQL API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit. Migrations only go
    /// forward: undo one by restoring a backup.
    Migrate {
        /// List every migration, applied (with when) or pending, and apply nothing.
        #[arg(long)]
        status: bool,
    },
    /// Purge accounts deleted more than 30 days ago, then exit.
    Purge,
    /// Print the GraphQL schema (SDL).
    ExportSchema,
    /// Exit 0 when the server on LISTEN_ADDR answers `/readyz` with 200: the
    /// container's health check, in an image without curl.
    Healthcheck,
    /// Create an account, e.g. a moderator or admin.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        handle: String,
        /// YYYY-MM-DD
        #[arg(long)]
        birth_date: NaiveDate,
        #[arg(long, value_parser = parse_role, default_value = "USER")]
        role: Role,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input; otherwise one is generated and printed.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// A role by its stored name, in any case.
fn parse_role(raw: &str) -> Result<Role, String> {
    Role::try_from_value(&raw.to_ascii_uppercase()).map_err(|_| "expected USER, MODERATOR, ANALYST or ADMIN".into())
}

/// Runs the command line on a multi-threaded runtime.
pub fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(command_line()),
        Err(err) => {
            eprintln!("error: could not start the runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn command_line() -> ExitCode {
    // A `.env` file is optional; real environment variables win over it.
    let dotenv = dotenvy::dotenv();
    let log_format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    crate::telemetry::init_logging(log_format);
    if let Err(err) = dotenv
        && !err.not_found()
    {
        tracing::warn!("could not read .env: {err}");
    }
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::ExportSchema => {
            print!("{}", crate::graphql::sdl());
            return Ok(());
        }
        Command::Healthcheck => {
            let listen = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| crate::config::DEFAULT_LISTEN_ADDR.into());
            return crate::http::probe_ready(&listen);
        }
        _ => {}
    }
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate { status } => {
            let db = command_database(&settings).await?;
            if status {
                let states = Migrator::status(&db).await.map_err(|e| e.to_string())?;
                for migration in &states {
                    let applied = migration.applied_at.and_then(|at| chrono::DateTime::from_timestamp(at, 0));
                    let newer = if migration.known { "" } else { "  (not in this build: a newer build applied it)" };
                    match applied {
                        Some(at) => {
                            println!("{}  applied {}{newer}", migration.name, at.format("%Y-%m-%d %H:%M:%S UTC"))
                        }
                        None => println!("{}  pending", migration.name),
                    }
                }
                if states.iter().any(|migration| !migration.known) {
                    return Err("a newer build migrated this database; this build will not run on it".into());
                }
                return Ok(());
            }
            let applied = Migrator::up(&db).await.map_err(|e| e.to_string())?;
            println!("{applied} migration(s) applied");
            Ok(())
        }
        Command::Purge => {
            let db = migrated_database(&settings).await?;
            let purged = crate::service::data_rights::purge(&db, SystemClock.now()).await.map_err(|e| e.detail())?;
            println!("purged {purged} account(s)");
            Ok(())
        }
        Command::CreateUser { email, handle, birth_date, role, display_name, password_stdin } => {
            let password = if password_stdin {
                let mut input = String::new();
                std::io::stdin().read_to_string(&mut input).map_err(|e| e.to_string())?;
                input.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                let generated =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(crate::auth::random_bytes::<18>());
                println!("generated password: {generated}");
                generated
            };
            let display_name = display_name.unwrap_or_else(|| handle.clone());
            create_user(settings, &email, &handle, &display_name, birth_date, role, &password).await
        }
        Command::ExportSchema | Command::Healthcheck => Ok(()),
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let production = settings.is_production();
    let app = Application::build(settings, Arc::new(SystemClock)).await.map_err(|e| e.to_string())?;
    let addr = &app.state().settings.listen_addr;
    let port = app.port();
    let host = addr.rsplit_once(':').map_or(addr.as_str(), |(host, _)| host);
    tracing::info!("TrustFeed listening on http://{host}:{port}/graphql");
    if !production {
        tracing::info!("GraphiQL: http://{host}:{port}/graphql");
    }
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

fn field(name: &'static str) -> impl Fn(validator::ValidationError) -> String {
    move |e| format!("{name}: {e}")
}

async fn create_user(
    settings: Settings,
    email: &str,
    handle: &str,
    display_name: &str,
    birth_date: NaiveDate,
    role: Role,
    password: &str,
) -> Result<(), String> {
    let db = migrated_database(&settings).await?;
    let now = SystemClock.now();
    crate::seed::reference_data(&db, now).await.map_err(|e| e.detail())?;
    let policy = privacy::current(&db).await.map_err(|e| e.detail())?;
    let account = accounts::NewAccount {
        handle: Handle::parse(handle).map_err(field("handle"))?,
        display_name: DisplayName::parse(display_name).map_err(field("display name"))?,
        email: Email::parse(email).map_err(field("email"))?,
        password: Password::parse(password).map_err(field("password"))?,
        birth_date,
        timezone: domain::parse_timezone(domain::DEFAULT_TIMEZONE).map_err(field("timezone"))?,
        locale: Locale::Vi,
        role,
        accepted_policy_version: policy.version,
    };
    let hasher = PasswordHasher::new(1).map_err(|e| e.detail())?;
    let user = accounts::sign_up(&db, &hasher, account, None, now).await.map_err(|e| e.detail())?;
    println!("created {} (@{}) as {:?}", user.id, user.handle, user.role);
    Ok(())
}

/// The database for an operator's command: no statement time limit, which
/// is for requests (a migration or a purge takes what it takes).
async fn command_database(settings: &Settings) -> Result<sea_orm::DatabaseConnection, String> {
    startup::connect(&settings.database_url, settings.database_max_connections, None).await.map_err(|e| e.to_string())
}

/// The same, brought up to this build's schema first (commands that write).
async fn migrated_database(settings: &Settings) -> Result<sea_orm::DatabaseConnection, String> {
    let db = command_database(settings).await?;
    Migrator::up(&db).await.map_err(|e| e.to_string())?;
    Ok(db)
}
