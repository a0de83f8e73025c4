//! People who sign in to the console: accounts with a role (the API's four), argon2id
//! password hashes, sessions kept in the database and failed sign-ins counted there.

pub mod model;
pub mod password;
pub mod service;
pub mod sessions;
pub mod sign_in;
mod store;

pub use model::{Email, User};
