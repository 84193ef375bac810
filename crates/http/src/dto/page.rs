//! Paging and search parameters shared by every list.

use application::pagination::{PageError, PageRequest};
use domain::SearchText;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, FieldError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; opaque.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        PageRequest::parse(self.limit, self.cursor.as_deref()).map_err(|err| {
            let field = match err {
                PageError::InvalidLimit => "limit",
                PageError::InvalidCursor => "cursor",
            };
            ApiError::validation(vec![FieldError {
                field: field.into(),
                message: err.to_string(),
            }])
        })
    }
}

/// A list's `q`: absent or empty means no search; else it must be valid `SearchText` (422).
pub fn search(q: Option<&str>) -> Result<Option<SearchText>, ApiError> {
    match q.filter(|q| !q.is_empty()) {
        None => Ok(None),
        Some(raw) => SearchText::parse(raw).map(Some).map_err(|err| {
            ApiError::validation(vec![FieldError {
                field: "q".into(),
                message: err.to_string(),
            }])
        }),
    }
}
