//! The one check of what an admin may see of an environment: their role, and
//! whether the environment offers the capability at all. Services call
//! `Environments::scope` (or `Environment::offers` and `require_or_owner`),
//! never the capability flags directly.

use super::{Capabilities, Environment, Environments};
use crate::{
    auth::{Principal, Role},
    error::{ServiceError, ServiceResult},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    Monitoring,
    RequestLogs,
    ApiTest,
    DatabaseManagement,
    UserManagement,
    FileManagement,
}

impl Capability {
    fn is_on(self, capabilities: &Capabilities) -> bool {
        match self {
            Self::Monitoring => capabilities.monitoring,
            Self::RequestLogs => capabilities.request_logs,
            Self::ApiTest => capabilities.api_test,
            Self::DatabaseManagement => capabilities.database_management,
            Self::UserManagement => capabilities.user_management,
            Self::FileManagement => capabilities.file_management,
        }
    }

    /// How users and the API name it: the words ("… is off"), and the `capabilities` field.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Monitoring => ("monitoring is", "monitoring"),
            Self::RequestLogs => ("request logs are", "requestLogs"),
            Self::ApiTest => ("the API test console is", "apiTest"),
            Self::DatabaseManagement => ("database management is", "databaseManagement"),
            Self::UserManagement => ("user management is", "userManagement"),
            Self::FileManagement => ("file management is", "fileManagement"),
        }
    }
}

impl Environment {
    /// Whether it offers `capability`: for what is shown differently, not
    /// refused, where it is off (a group's size, say).
    pub fn offers(&self, capability: Capability) -> bool {
        capability.is_on(&self.capabilities)
    }

    /// Refuses `principal` unless it offers `capability` or they are an
    /// owner: for what an owner may do even where it is off. `what` names
    /// the work ("acting as an end user of `production`").
    pub fn require_or_owner(&self, principal: &Principal, capability: Capability, what: &str) -> ServiceResult<()> {
        if self.offers(capability) || principal.role >= Role::Owner {
            return Ok(());
        }
        let (words, _) = capability.names();
        let noun = words.trim_end_matches(" is").trim_end_matches(" are");
        Err(ServiceError::forbidden(format!("{what} needs its {noun}, or the owner role")))
    }
}

impl Environments {
    /// `slug`, when `principal` may read it with `capability`: FORBIDDEN,
    /// naming the capability and how to turn it on, where it is off.
    pub async fn scope(&self, principal: &Principal, slug: &str, capability: Capability) -> ServiceResult<Environment> {
        principal.require(Role::Viewer)?;
        let env = self.get(slug).await?;
        if !capability.is_on(&env.capabilities) {
            let (words, field) = capability.names();
            return Err(ServiceError::forbidden(format!(
                "{words} off in `{slug}`: an owner can turn this on in the environment's settings (capabilities.{field})"
            )));
        }
        Ok(env)
    }
}
