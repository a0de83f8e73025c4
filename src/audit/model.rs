//! Who did something: an API token or a console user, named and identified (names and
//! emails can repeat or change; ids cannot).

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// An API token, named by its name.
    Token,
    /// A console user, named by their email.
    User,
    /// The server itself: the command line (`fission token create`) or `fission demo`.
    System,
}

crate::text_enum!(ActorKind {
    Token = "token",
    User = "user",
    System = "system",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Actor {
    pub kind: ActorKind,
    /// The token's or user's id.
    pub id: String,
    /// The token's name or the user's email.
    pub name: String,
}

impl Actor {
    pub fn token(id: &str, name: &str) -> Actor {
        Actor {
            kind: ActorKind::Token,
            id: id.to_owned(),
            name: name.to_owned(),
        }
    }

    pub fn user(id: &str, email: &str) -> Actor {
        Actor {
            kind: ActorKind::User,
            id: id.to_owned(),
            name: email.to_owned(),
        }
    }

    /// The server's own command line or demo set-up, named by what it was.
    pub fn system(name: &str) -> Actor {
        Actor {
            kind: ActorKind::System,
            id: name.to_owned(),
            name: name.to_owned(),
        }
    }

    /// How ledger entries and payout batches name who acted: "ops (0193...)".
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }
}
