//! The RouterKit engine: turns a workspace revision into a served HTTP API.
//! `compile` parses definitions once, `schema` migrates tables, `rows` reads
//! and writes them, `users` handles end users, `execute` runs a request,
//! `guards` enforce an environment's limits on it, and `runtime` swaps what
//! each environment serves.

pub mod compile;
pub mod deleted_files;
pub mod execute;
pub mod failure;
pub mod feed;
pub mod guards;
pub mod labels;
pub mod rows;
pub mod runtime;
pub mod sandbox;
pub mod schema;
pub mod script;
pub mod state;
pub mod store;
pub mod users;
pub mod values;

pub use runtime::{Activated, Engine, Policy, Progress, RefreshEvent, RefreshReport, Target};
pub use state::Applied;
