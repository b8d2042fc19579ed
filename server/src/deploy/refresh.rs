//! Refreshing an environment of kind test: the current workspace revision
//! compiled, its tables migrated and served (the engine's one activation),
//! then, unless the caller says not to, every test case run against it. A
//! run going on is cancelled first: it tested what is no longer served.

use crate::{
    auth::{Principal, Role},
    dataplane::DataPlane,
    engine::{Engine, Policy, RefreshReport, schema::Plan},
    environments::{EnvironmentKind, Environments},
    error::{ServiceError, ServiceResult},
    testing::{Selection, TestRun, TestRuns},
    workspace::Workspace,
};

#[derive(Clone)]
pub struct Refreshes {
    environments: Environments,
    workspace: Workspace,
    engine: Engine,
    tests: TestRuns,
    /// What the test run serves its requests through.
    data_plane: DataPlane,
}

/// What a refresh did.
pub struct Refreshed {
    pub environment: String,
    pub report: RefreshReport,
    /// The run started once the revision was served, if one was asked for
    /// and there were cases to run.
    pub test_run: Option<TestRun>,
}

impl Refreshes {
    pub fn new(environments: Environments, workspace: Workspace, engine: Engine, tests: TestRuns, data_plane: DataPlane) -> Self {
        Self { environments, workspace, engine, tests, data_plane }
    }

    /// What a refresh of `environment` would change in its tables now.
    pub async fn plan(&self, actor: &Principal, environment: &str) -> ServiceResult<Plan> {
        actor.require(Role::Viewer)?;
        let env = self.environments.get(environment).await?;
        let revision = self.workspace.current().await?;
        self.engine.plan(&env, &revision.document.tables, Policy::default()).await
    }

    /// Serves the workspace's current revision in `environment`; on any
    /// failure the environment keeps serving what it served.
    pub async fn refresh(&self, actor: &Principal, environment: &str, allow_destructive: bool, run_tests: bool) -> ServiceResult<Refreshed> {
        actor.require(Role::Developer)?;
        let env = self.environments.get(environment).await?;
        if env.kind != EnvironmentKind::Test {
            return Err(ServiceError::bad_input("environment", "production is updated by a deploy, not a refresh"));
        }
        let revision = self.workspace.current().await?;
        if revision.number == 0 {
            return Err(ServiceError::bad_input("environment", "the workspace is empty: define tables and routers first"));
        }
        let report = self.engine.refresh(&env, &revision, allow_destructive, &actor.email).await?;
        self.tests.stop(&env.slug).await;
        let test_run = match run_tests {
            true => self.start_tests(actor, &env.slug).await,
            false => None,
        };
        Ok(Refreshed { environment: env.slug, report, test_run })
    }

    /// The run a refresh starts once the revision is served, by its author.
    async fn start_tests(&self, author: &Principal, environment: &str) -> Option<TestRun> {
        match self.tests.start(&self.data_plane, author, environment, Selection::default()).await {
            Ok(run) => Some(run),
            Err(err) => {
                // No cases (an empty workspace) is not a refresh failure.
                err.log_if_internal();
                None
            }
        }
    }
}
