use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use fission::cli::{Cli, Command, TokenCommand, UserCommand};
use fission::config::Settings;
use fission::db::Db;
use fission::startup::Application;

/// mimalloc instead of the system allocator: the landing page allocates and frees a page
/// body, cookies and a visit per request, and glibc's malloc/free/consolidate were a
/// tenth of the one-core profile (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or a log collector gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fission: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "serving");
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let db = Db::connect(&settings.database_url, 2).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Token { command } => token(&settings, command).await,
        Command::User { command } => user(&settings, command).await,
        Command::Demo => {
            let app = Application::build(settings).await?;
            let state = app.state();
            let summary = fission::demo::prepare(&state).await?;
            println!("{summary}");
            app.run_until_stopped().await
        }
    }
}

/// A password from stdin (one line), or a generated one when stdin is a terminal or
/// empty; the flag says whether it was generated (and so must be printed once).
fn password_from_stdin() -> anyhow::Result<(String, bool)> {
    use std::io::Read;
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut typed = String::new();
        stdin.lock().read_to_string(&mut typed)?;
        let typed = typed.trim_end_matches(['\r', '\n']);
        if !typed.is_empty() {
            return Ok((typed.to_owned(), false));
        }
    }
    Ok((fission::users::password::generate(), true))
}

async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    use fission::users::service;
    let db = Db::connect(&settings.database_url, 2).await?;
    db.migrate().await?;
    let cli = fission::audit::Actor::system("command line");
    match command {
        UserCommand::Create { email, role } => {
            let role = fission::auth::Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role must be admin, marketer, finance or viewer")
            })?;
            let (password, generated) = password_from_stdin()?;
            let user = service::create(&db, &email, role, &password, &cli).await?;
            if generated {
                println!("{password}");
            }
            eprintln!(
                "user {} ({}) created{}",
                user.email,
                role.as_str(),
                if generated {
                    "; the password above is shown only this once"
                } else {
                    ""
                }
            );
        }
        UserCommand::Passwd { email } => {
            let (password, generated) = password_from_stdin()?;
            let user = service::change_password(&db, &email, &password, &cli).await?;
            if generated {
                println!("{password}");
            }
            eprintln!(
                "password of {} changed; their sessions are ended",
                user.email
            );
        }
        UserCommand::List => {
            println!("EMAIL\tROLE\tCREATED\tSTATE");
            for u in service::list(&db).await? {
                let state = u.disabled_at.map_or("active".to_owned(), |t| {
                    format!("disabled {}", t.to_rfc3339())
                });
                println!(
                    "{}\t{}\t{}\t{state}",
                    u.email,
                    u.role.as_str(),
                    u.created_at.to_rfc3339()
                );
            }
        }
        UserCommand::Disable { email } => {
            let user = service::disable(&db, &email, &cli).await?;
            eprintln!("user {} disabled; their sessions are ended", user.email);
        }
    }
    db.close().await;
    Ok(())
}

async fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    use fission::auth::tokens;
    let db = Db::connect(&settings.database_url, 2).await?;
    db.migrate().await?;
    let now = chrono::Utc::now();
    let cli = fission::audit::Actor::system("command line");
    match command {
        TokenCommand::Create {
            name,
            role,
            expires_in,
        } => {
            let role = fission::auth::Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role must be admin, marketer, finance or viewer")
            })?;
            if name.trim().is_empty() {
                anyhow::bail!("--name must not be empty");
            }
            let expires_at = match expires_in.as_deref() {
                None => None,
                Some(raw) => Some(
                    now + tokens::parse_lifetime(raw).ok_or_else(|| {
                        anyhow::anyhow!("--expires-in must be like 90d, 12h or 30m")
                    })?,
                ),
            };
            let (record, secret) =
                tokens::issue(&db, name.trim(), role, now, expires_at, &cli).await?;
            println!("{secret}");
            let until = record.expires_at.map_or("never expires".to_owned(), |t| {
                format!("expires {}", t.to_rfc3339())
            });
            eprintln!(
                "token '{}' ({}, id {}, {until}) created; it is shown only this once",
                record.name,
                role.as_str(),
                record.id
            );
        }
        TokenCommand::List => {
            println!("ID\tNAME\tROLE\tCREATED\tEXPIRES\tSTATE");
            for t in tokens::list(&db).await? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(e)) if e <= now => "expired",
                    _ => "active",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    t.id,
                    t.name,
                    t.role.as_str(),
                    t.created_at.to_rfc3339(),
                    t.expires_at.map_or("never".into(), |e| e.to_rfc3339()),
                );
            }
        }
        TokenCommand::Revoke { id } => match tokens::revoke(&db, &id, now, &cli).await? {
            Some(t) => eprintln!("token '{}' ({}) revoked", t.name, t.id),
            None => anyhow::bail!("no token with id {id}"),
        },
    }
    db.close().await;
    Ok(())
}
