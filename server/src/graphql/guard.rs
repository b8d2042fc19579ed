use async_graphql::{Context, Guard, Result};

use super::context::principal;
use crate::auth::Role;

/// Put on every field but the public few: a signed-in admin with at least this role.
pub struct RoleGuard(Role);

impl RoleGuard {
    pub fn new(role: Role) -> Self {
        Self(role)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        principal(ctx)?.require(self.0)?;
        Ok(())
    }
}
