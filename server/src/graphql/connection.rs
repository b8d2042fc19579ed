use async_graphql::{
    OutputType, SimpleObject,
    connection::{Connection, Edge},
};

use crate::pagination::Page;

#[derive(SimpleObject)]
pub struct TotalCount {
    /// How many items the whole list has, over all pages.
    pub total_count: u64,
}

pub type CountedConnection<T> = Connection<String, T, TotalCount>;

/// A page of domain items as a Relay connection, the item id being the cursor.
pub fn from_page<D, T: OutputType>(page: Page<D>, id: impl Fn(&D) -> String, wrap: impl Fn(D) -> T) -> CountedConnection<T> {
    let mut connection = Connection::with_additional_fields(page.has_previous, page.has_next, TotalCount { total_count: page.total });
    connection.edges.extend(page.items.into_iter().map(|item| Edge::new(id(&item), wrap(item))));
    connection
}
