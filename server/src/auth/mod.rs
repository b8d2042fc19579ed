//! Admin identity: accounts and roles, passwords, sessions, API tokens, the
//! first-owner setup and login throttling. No HTTP or GraphQL in here.

pub mod admins;
pub mod password;
pub mod principal;
pub mod session_store;
pub mod setup;
pub mod throttle;
pub mod tokens;

pub use principal::{Principal, Role};

/// Session key holding the signed-in admin's id.
pub const SESSION_ADMIN_KEY: &str = "admin_id";
