//! Migrations of the control database. They run at every start and by
//! `serverkit migrate`, identically on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_admins;
mod m20261125_000002_create_sessions;
mod m20261125_000003_create_environments;
mod m20261125_000004_create_workspace_revisions;
mod m20261125_000005_add_environment_settings;
mod m20261130_000006_request_logs_and_monitoring;
mod m20261130_000007_create_test_runs;
mod m20261130_000008_create_audit_log;
mod m20261203_000009_create_releases;
mod m20261203_000010_add_file_limits;
mod m20261207_000011_create_test_run_records;
mod m20261207_000012_run_errors_and_restores;
mod m20261207_000013_realtime_limits;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_admins::Migration),
            Box::new(m20261125_000002_create_sessions::Migration),
            Box::new(m20261125_000003_create_environments::Migration),
            Box::new(m20261125_000004_create_workspace_revisions::Migration),
            Box::new(m20261125_000005_add_environment_settings::Migration),
            Box::new(m20261130_000006_request_logs_and_monitoring::Migration),
            Box::new(m20261130_000007_create_test_runs::Migration),
            Box::new(m20261130_000008_create_audit_log::Migration),
            Box::new(m20261203_000009_create_releases::Migration),
            Box::new(m20261203_000010_add_file_limits::Migration),
            Box::new(m20261207_000011_create_test_run_records::Migration),
            Box::new(m20261207_000012_run_errors_and_restores::Migration),
            Box::new(m20261207_000013_realtime_limits::Migration),
        ]
    }
}
