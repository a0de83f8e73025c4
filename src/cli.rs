//! The `fission` command line: serve, migrate, token create/list/revoke, user
//! create/passwd/list/disable, demo.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "fission",
    version,
    about = "Self-hosted referral (裂变) campaign server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API and pages (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage console accounts (people who sign in at /admin).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Serve with a ready demo campaign on the configured database; prints its URLs.
    Demo,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once; only its digest is stored.
    Create {
        #[arg(long)]
        name: String,
        /// admin, marketer, finance or viewer
        #[arg(long)]
        role: String,
        /// Lifetime like 90d, 12h or 30m; without it the token never expires.
        #[arg(long)]
        expires_in: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id; it is refused from now on.
    Revoke { id: String },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from stdin; when stdin is a terminal or
    /// empty, one is generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        /// admin, marketer, finance or viewer
        #[arg(long)]
        role: String,
    },
    /// Set a new password (stdin, or generated and printed once); signs the account out.
    Passwd {
        #[arg(long)]
        email: String,
    },
    /// List accounts (never their passwords).
    List,
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
}
