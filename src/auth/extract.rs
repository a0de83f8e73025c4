use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::tokens::{self, Role, TokenOwner};
use crate::audit::Actor;
use crate::http::client::bearer;
use crate::http::error::ApiError;
use crate::state::AppState;

/// A kind of access; each admin route asks for one by its extractor type.
pub trait Access {
    const ROLES: &'static [Role];
    const DOING: &'static str;
}

/// Read-only views: every role.
pub struct ReadAccess;
impl Access for ReadAccess {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Marketer, Role::Finance, Role::Viewer];
    const DOING: &'static str = "read";
}

/// Campaigns, groups, assets, seeds.
pub struct CampaignWrite;
impl Access for CampaignWrite {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Marketer];
    const DOING: &'static str = "change campaigns";
}

/// Ledger and payouts.
pub struct FinanceAccess;
impl Access for FinanceAccess {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Finance];
    const DOING: &'static str = "see or pay money";
}

/// Only admins: tokens themselves.
pub struct AdminAccess;
impl Access for AdminAccess {
    const ROLES: &'static [Role] = &[Role::Admin];
    const DOING: &'static str = "manage tokens";
}

pub struct Auth<A: Access> {
    pub owner: TokenOwner,
    _access: PhantomData<A>,
}

impl<A: Access> Auth<A> {
    /// The token as the audit log names who acted.
    pub fn actor(&self) -> Actor {
        Actor::from(&self.owner)
    }
}

impl<A: Access + 'static> FromRequest for Auth<A> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = bearer(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            let secret = header.ok_or_else(ApiError::unauthorized)?;
            let owner = tokens::authenticate(&state.db, &secret)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            if !A::ROLES.contains(&owner.role) {
                return Err(ApiError::forbidden(A::DOING));
            }
            Ok(Auth {
                owner,
                _access: PhantomData,
            })
        })
    }
}
