//! A deleted row's files go with it, and so do those of the rows its delete
//! cascaded to (which only the database knows).

use std::borrow::Borrow;

use super::{rows, store::RowStore};
use crate::{
    files::row_files::RowFiles,
    workspace::document::{ColumnType, Table},
};

pub async fn forget_deleted(files: &RowFiles<'_>, db: &RowStore, table: &Table, id: i64, cascaded: &[impl Borrow<Table> + Sync]) {
    if table.columns.iter().any(|c| c.kind == ColumnType::File) {
        files.forget_row(&table.name, id).await;
    }
    for cascaded in cascaded {
        let cascaded = cascaded.borrow();
        files.forget_orphans(cascaded, rows::MAX_FILTER_VALUES, |ids| async move { rows::existing_ids(db, cascaded, &ids).await }).await;
    }
}
