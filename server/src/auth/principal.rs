use std::{fmt, str::FromStr};

use crate::error::ServiceError;

/// What an admin may do. Ordered: each role can do everything the ones below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything the admin shows.
    Viewer,
    /// Also edits the workspace and environments of kind test.
    Developer,
    /// Also manages admins, production and the set of environments.
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Developer => "developer",
            Role::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ServiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "developer" => Ok(Role::Developer),
            "owner" => Ok(Role::Owner),
            other => Err(ServiceError::bad_input("role", format!("unknown role `{other}`"))),
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Session,
    ApiToken { token_id: String },
}

/// The signed-in admin behind a request, with the role in force for it (a token
/// may carry less than its owner's role).
#[derive(Debug, Clone)]
pub struct Principal {
    pub admin_id: String,
    pub email: String,
    pub role: Role,
    pub credential: Credential,
}

impl Principal {
    pub fn require(&self, role: Role) -> Result<(), ServiceError> {
        if self.role >= role { Ok(()) } else { Err(ServiceError::forbidden(format!("this needs the {role} role"))) }
    }
}
