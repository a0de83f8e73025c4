use clap::Parser;
use tracing_subscriber::EnvFilter;

use fission::cli::{Cli, Command, TokenCommand};
use fission::config::Settings;
use fission::db::Db;
use fission::startup::Application;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
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
        Command::Token {
            command: TokenCommand::Create { name, role },
        } => {
            let role = fission::auth::Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role must be admin, marketer, finance or viewer")
            })?;
            if name.trim().is_empty() {
                anyhow::bail!("--name must not be empty");
            }
            let db = Db::connect(&settings.database_url, 2).await?;
            db.migrate().await?;
            let token =
                fission::auth::tokens::create(&db, name.trim(), role, chrono::Utc::now()).await?;
            println!("{token}");
            eprintln!(
                "token '{}' ({}) created; it is shown only this once",
                name.trim(),
                role.as_str()
            );
            Ok(())
        }
        Command::Demo => {
            let app = Application::build(settings).await?;
            let state = app.state();
            let summary = fission::demo::prepare(&state).await?;
            println!("{summary}");
            app.run_until_stopped().await
        }
    }
}
