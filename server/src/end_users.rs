//! End users as admins reach them: an environment's user directory behind
//! the admin's role and the environment's user management. Resolvers take a
//! `Directory` from here and cannot reach users without one.

use crate::{
    auth::{Principal, Role},
    engine::{
        Engine,
        feed::{Cursor, follow::UserChanges},
        users::Users,
    },
    environments::{Capability, Environment, Environments},
    error::{ServiceError, ServiceResult},
    workspace::{Workspace, document::Group},
};

#[derive(Clone)]
pub struct EndUsers {
    engine: Engine,
    environments: Environments,
    workspace: Workspace,
}

/// One environment's end users, for an admin already checked.
pub struct Directory {
    pub environment: Environment,
    pub users: Users,
    /// The groups of the revision it serves (or of the workspace, before its
    /// first refresh).
    pub groups: Vec<Group>,
}

impl Directory {
    /// Refuses a group the environment does not define.
    pub fn check_groups(&self, wanted: &[String]) -> ServiceResult<()> {
        match wanted.iter().find(|g| !self.groups.iter().any(|k| &&k.name == g)) {
            Some(unknown) => Err(ServiceError::bad_input("groups", format!("no group `{unknown}`"))),
            None => Ok(()),
        }
    }

    /// Whether listing users and counting a group's members is allowed here.
    pub fn managed(&self) -> bool {
        self.environment.offers(Capability::UserManagement)
    }
}

impl EndUsers {
    pub fn new(engine: Engine, environments: Environments, workspace: Workspace) -> Self {
        Self { engine, environments, workspace }
    }

    /// The users of `environment` for `actor` with `role`, where its user
    /// management is on: FORBIDDEN, naming the capability, where it is off.
    pub async fn managed(&self, actor: &Principal, environment: &str, role: Role) -> ServiceResult<Directory> {
        let env = self.environments.scope(actor, environment, Capability::UserManagement).await?;
        actor.require(role)?;
        self.directory(env).await
    }

    /// The users of `environment` for what is allowed even where user
    /// management is off: the groups and how a known user is placed in them
    /// (how production's first editors are appointed).
    pub async fn unmanaged(&self, actor: &Principal, environment: &str, role: Role) -> ServiceResult<Directory> {
        actor.require(role)?;
        let env = self.environments.get(environment).await?;
        self.directory(env).await
    }

    /// The end users' committed changes in `environment` from the cursor
    /// `after` (from now when None), where its user management is on.
    pub async fn changes(&self, actor: &Principal, environment: &str, after: Option<&str>) -> ServiceResult<(Directory, UserChanges)> {
        let directory = self.managed(actor, environment, Role::Viewer).await?;
        let subscription = self.engine.feed(environment).subscribe(Cursor::after(after)?).await.map_err(ServiceError::internal)?;
        Ok((directory, UserChanges::new(subscription)))
    }

    async fn directory(&self, environment: Environment) -> ServiceResult<Directory> {
        let groups = match self.engine.active(&environment.slug).await {
            Some(active) => active.revision.document.groups.clone(),
            None => self.workspace.current().await?.document.groups,
        };
        let users = self.engine.users_of(&environment).await?;
        Ok(Directory { environment, users, groups })
    }
}
