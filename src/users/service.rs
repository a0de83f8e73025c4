//! Account use cases shared by the CLI and the console's users page.

use chrono::Utc;

use super::model::{Email, User};
use super::password;
use super::store::{self, InsertError};
use crate::audit::Actor;
use crate::auth::Role;
use crate::db::Db;

/// Why an account could not be created or changed, in the words shown to people.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A field's own problem: (field name, message).
    #[error("{1}")]
    Field(&'static str, &'static str),
    #[error("该邮箱已有账号")]
    EmailTaken,
    #[error("没有这个账号")]
    NotFound,
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

pub async fn create(
    db: &Db,
    email: &str,
    role: Role,
    password: &str,
    actor: &Actor,
) -> Result<User, UserError> {
    let email = Email::parse(email).map_err(|m| UserError::Field("email", m))?;
    password::check_policy(password).map_err(|m| UserError::Field("password", m))?;
    let hash = password::hash(password.to_owned()).await?;
    store::insert(db, &email, role, &hash, Utc::now(), actor)
        .await
        .map_err(|e| match e {
            InsertError::EmailTaken => UserError::EmailTaken,
            InsertError::Storage(e) => UserError::Storage(e),
        })
}

/// Sets a new password; the account is signed out everywhere.
pub async fn change_password(
    db: &Db,
    email: &str,
    password: &str,
    actor: &Actor,
) -> Result<User, UserError> {
    let email = Email::parse(email).map_err(|m| UserError::Field("email", m))?;
    password::check_policy(password).map_err(|m| UserError::Field("password", m))?;
    let hash = password::hash(password.to_owned()).await?;
    store::set_password(db, &email, hash, Utc::now(), actor)
        .await?
        .ok_or(UserError::NotFound)
}

pub async fn list(db: &Db) -> Result<Vec<User>, UserError> {
    Ok(store::list(db).await?)
}

/// Disables the account and ends its sessions; disabling again changes nothing.
pub async fn disable(db: &Db, email: &str, actor: &Actor) -> Result<User, UserError> {
    let email = Email::parse(email).map_err(|m| UserError::Field("email", m))?;
    store::disable(db, &email, Utc::now(), actor)
        .await?
        .ok_or(UserError::NotFound)
}
