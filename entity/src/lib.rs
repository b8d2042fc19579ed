//! sea-orm entities of the control database. Only persistence shapes live here:
//! domain types and GraphQL objects are defined in `serverkit-server`, so the
//! public schema does not change when a column does.

pub mod admin;
pub mod admin_session;
pub mod api_token;
pub mod audit_entry;
pub mod environment;
pub mod release;
pub mod router_minute;
pub mod router_setting;
pub mod secret;
pub mod test_run;
pub mod test_run_record;
pub mod workspace_revision;
