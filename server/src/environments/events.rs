use super::Environment;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironmentEventKind {
    Created,
    Updated,
    Deleted,
}

/// Published on every change so admins see edits made elsewhere live.
#[derive(Debug, Clone)]
pub struct EnvironmentEvent {
    pub kind: EnvironmentEventKind,
    pub slug: String,
    /// The environment after the change; `None` once deleted.
    pub environment: Option<Environment>,
    /// Made through another replica and relayed here (see `cluster`).
    pub from_elsewhere: bool,
}
