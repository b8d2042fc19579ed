//! The request records of test runs, kept with their run in the control
//! database: a run serves in a sandbox, so its traffic stays out of the
//! environment's request log and figures, yet each case's `logIds` still
//! open the whole record (headers, bodies, trace) through `requestLog`.
//! The records of an environment's latest `KEPT_RUNS` runs are kept.

use entity::{test_run, test_run_record};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{TestRun, TestRuns};
use crate::{
    error::{ServiceError, ServiceResult},
    logs::RequestRecord,
};

/// Runs per environment whose records are kept.
const KEPT_RUNS: u64 = 20;

impl TestRuns {
    /// Stores the records of a case's requests with the run.
    pub(super) async fn keep_records(&self, run: &TestRun, records: Vec<RequestRecord>) -> ServiceResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut models = Vec::with_capacity(records.len());
        for record in records {
            models.push(test_run_record::ActiveModel {
                id: Set(record.id.clone()),
                run_id: Set(run.id.clone()),
                environment: Set(run.environment.clone()),
                record: Set(serde_json::to_string(&record).map_err(ServiceError::internal)?),
            });
        }
        test_run_record::Entity::insert_many(models).exec(&self.0.db).await?;
        Ok(())
    }

    /// The record `id` of a test run in `environment`, if one is kept.
    pub async fn record(&self, environment: &str, id: &str) -> ServiceResult<Option<RequestRecord>> {
        let found = test_run_record::Entity::find_by_id(id.to_owned()).filter(test_run_record::Column::Environment.eq(environment)).one(&self.0.db).await?;
        found.map(|m| serde_json::from_str(&m.record).map_err(ServiceError::internal)).transpose()
    }

    /// Forgets the records of `environment`'s runs older than its latest `KEPT_RUNS`.
    pub(super) async fn trim_records(&self, environment: &str) -> ServiceResult<()> {
        let kept: Vec<String> = test_run::Entity::find()
            .select_only()
            .column(test_run::Column::Id)
            .filter(test_run::Column::Environment.eq(environment))
            .order_by_desc(test_run::Column::Id)
            .limit(KEPT_RUNS)
            .into_tuple()
            .all(&self.0.db)
            .await?;
        let Some(oldest_kept) = kept.last() else { return Ok(()) };
        // Run ids are UUIDv7: older runs sort before the oldest kept one.
        test_run_record::Entity::delete_many()
            .filter(test_run_record::Column::Environment.eq(environment))
            .filter(test_run_record::Column::RunId.lt(oldest_kept.as_str()))
            .exec(&self.0.db)
            .await?;
        Ok(())
    }
}
