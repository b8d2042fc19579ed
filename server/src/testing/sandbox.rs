//! A run's sandbox as the runner holds it: built from what the environment
//! serves, its files under a prefix of their own, and dropped when the run
//! ends — also when it is cancelled or fails, since dropping the guard
//! hands the clean-up to a task of its own. What a stop leaves behind is
//! swept at the next start (`sweep`).

use std::time::Duration;

use crate::{
    dataplane::DataPlane,
    engine::sandbox::Sandbox,
    environments::Environment,
    error::{ServiceError, ServiceResult},
};

pub struct SandboxGuard {
    plane: DataPlane,
    sandbox: Option<Sandbox>,
}

impl SandboxGuard {
    /// A sandbox of `env` for the run `run_id` (a UUID).
    pub async fn open(plane: &DataPlane, env: &Environment, run_id: &str) -> ServiceResult<Self> {
        let id = uuid::Uuid::parse_str(run_id).map_err(ServiceError::internal)?.simple().to_string();
        let sandbox = plane.engine.sandbox(env, &id).await?;
        Ok(Self { plane: plane.clone(), sandbox: Some(sandbox) })
    }

    /// The data plane pointed at the sandbox.
    pub fn plane(&self) -> DataPlane {
        match &self.sandbox {
            Some(sandbox) => self.plane.sandboxed(sandbox.active.clone()),
            None => self.plane.clone(),
        }
    }

    pub fn active(&self) -> Option<&std::sync::Arc<crate::engine::runtime::Active>> {
        self.sandbox.as_ref().map(|s| &s.active)
    }

    /// Drops the sandbox's database and files, and waits for it.
    pub async fn close(mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            drop_sandbox(self.plane.clone(), sandbox).await;
        }
    }
}

impl Drop for SandboxGuard {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(drop_sandbox(self.plane.clone(), sandbox));
        }
    }
}

async fn drop_sandbox(plane: DataPlane, sandbox: Sandbox) {
    let files_at = sandbox.active.files_at.clone();
    plane.engine.drop_sandbox(sandbox).await;
    plane.files.drop_sandbox(&files_at).await;
}

/// Drops the sandboxes (databases and files) a stop left behind.
pub async fn sweep(plane: &DataPlane) {
    plane.engine.sweep_sandboxes().await;
    plane.files.sweep_sandboxes(Duration::from_secs(3600)).await;
}
