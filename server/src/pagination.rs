//! Keyset pagination shared by list services: ids are UUIDv7, so ordering by id
//! is ordering by creation, and the last id seen is the cursor.

use crate::error::{ServiceError, ServiceResult};

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 200;

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn new(first: Option<i32>, after: Option<String>) -> ServiceResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n >= 0 && (n as u64) <= MAX_PAGE_SIZE => n as u64,
            Some(_) => {
                return Err(ServiceError::bad_input("first", format!("first must be between 0 and {MAX_PAGE_SIZE}")));
            }
        };
        Ok(Self { first, after })
    }
}

/// A page size for lists that have no use for empty pages: 1 to the maximum.
pub fn page_size(first: Option<i32>) -> ServiceResult<u64> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n > 0 && n as u64 <= MAX_PAGE_SIZE => Ok(n as u64),
        Some(_) => Err(ServiceError::bad_input("first", format!("first must be between 1 and {MAX_PAGE_SIZE}"))),
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
    pub total: u64,
}
