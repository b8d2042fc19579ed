//! The admin GraphQL API: thin resolvers per domain, merged into one schema.
//! Resolvers convert, let guards check roles, and call domain services.

mod admins;
mod audit;
mod changes;
mod connection;
mod console;
pub mod context;
mod deploy;
mod end_users;
mod environments;
mod error_codes;
mod errors;
mod files;
mod guard;
mod history;
mod limits;
mod logs;
mod monitoring;
mod refresh;
mod rows;
mod session;
mod settings;
mod testing;
mod tokens;
mod workspace;

use async_graphql::{MergedObject, MergedSubscription, Schema};

pub use context::RequestContext;

use crate::state::AppState;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    session::SessionQuery,
    environments::EnvironmentQuery,
    admins::AdminQuery,
    tokens::TokenQuery,
    workspace::WorkspaceQuery,
    history::HistoryQuery,
    refresh::RefreshQuery,
    rows::RowQuery,
    end_users::EndUserQuery,
    logs::LogQuery,
    monitoring::MonitoringQuery,
    testing::TestingQuery,
    audit::AuditQuery,
    deploy::DeployQuery,
    files::FileQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    session::SessionMutation,
    admins::AdminMutation,
    tokens::TokenMutation,
    environments::EnvironmentMutation,
    workspace::WorkspaceMutation,
    history::HistoryMutation,
    refresh::RefreshMutation,
    rows::RowMutation,
    end_users::EndUserMutation,
    testing::TestingMutation,
    console::ConsoleMutation,
    deploy::DeployMutation,
    settings::SettingsMutation,
    files::FileMutation,
);

#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(
    environments::EnvironmentSubscription,
    refresh::RefreshSubscription,
    workspace::WorkspaceSubscription,
    logs::LogSubscription,
    testing::TestingSubscription,
    deploy::DeploySubscription,
    changes::ChangesSubscription,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Deep enough for GraphiQL's introspection query, shallow enough to refuse abuse.
const MAX_DEPTH: usize = 16;
const MAX_COMPLEXITY: usize = 2_000;

fn builder() -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(limits::RequestLimits)
        .extension(error_codes::ErrorCodes)
}

pub fn schema(state: AppState) -> AppSchema {
    builder().data(state).finish()
}

/// The SDL that `serverkit schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    builder().finish().sdl()
}
