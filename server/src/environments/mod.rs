//! Environments: `test` and `production` from the first start, more of kind
//! test on demand. Each owns a data database, a file-store prefix, limits and
//! capabilities. Later features (the data plane) enforce what is stored here.

mod events;
mod model;
pub mod provision;
mod router_settings;
mod scope;
mod secrets;
mod service;

pub use events::{EnvironmentEvent, EnvironmentEventKind};
pub use model::{Capabilities, CapabilitiesPatch, Environment, EnvironmentKind, Limits, LimitsPatch, LogSettings, LogSettingsPatch};
pub use provision::DataPlacement;
pub use router_settings::{RouterSettings, RouterSettingsPatch};
pub use scope::Capability;
pub use secrets::{Sealer, SecretInfo};
pub use service::{EnvironmentPatch, Environments, NewEnvironment};
