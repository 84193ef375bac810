//! Paging and search parameters shared by every list, and the one page shape every list
//! answers with.

use std::borrow::Cow;

use application::pagination::{self, PageError, PageRequest};
use domain::SearchText;
use serde::{Deserialize, Serialize};
use utoipa::{
    IntoParams, PartialSchema, ToSchema,
    openapi::{
        RefOr, Schema,
        schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type},
    },
};

use crate::error::ApiError;

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
            ApiError::invalid_field(field, err)
        })
    }
}

/// A list's `q`: absent or empty means no search; else it must be valid `SearchText` (422).
pub fn search(q: Option<&str>) -> Result<Option<SearchText>, ApiError> {
    match q.filter(|q| !q.is_empty()) {
        None => Ok(None),
        Some(raw) => SearchText::parse(raw)
            .map(Some)
            .map_err(|err| ApiError::invalid_field("q", err)),
    }
}

/// What a listed item says about its page in the contract: the page's component name (kept
/// per resource, `PostPage`, so clients generated from the contract keep their types) and
/// its description (the order).
pub trait Listed: ToSchema {
    const PAGE: &'static str;
    const PAGE_DESCRIPTION: &'static str;
}

/// `listed!(UserProfile => UserPage, "One page of accounts, newest first.")`: the page of a
/// list's items, under the component name and description the contract gives it.
macro_rules! listed {
    ($item:ty => $page:ident, $description:literal) => {
        impl $crate::dto::page::Listed for $item {
            const PAGE: &'static str = stringify!($page);
            const PAGE_DESCRIPTION: &'static str = $description;
        }

        #[doc = $description]
        pub type $page = $crate::dto::page::Page<$item>;
    };
}
pub(crate) use listed;

/// One page of a list. Paths name it through an alias (`PostPage = Page<PostSummaryResponse>`)
/// so the contract refers to it by `T::PAGE`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The response for a use case's page, each item converted by `to_item`.
    pub fn of<V>(page: pagination::Page<V>, to_item: impl FnMut(V) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(to_item).collect(),
            next_cursor: page.next_cursor.map(|c| c.encode()),
        }
    }
}

impl<T: Listed> PartialSchema for Page<T> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(T::PAGE_DESCRIPTION))
            .property(
                "items",
                ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    T::name(),
                ))),
            )
            .required("items")
            .property(
                "next_cursor",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some(
                        "Pass as `cursor` for the next page; `null` on the last page.",
                    )),
            )
            .required("next_cursor")
            .into()
    }
}

impl<T: Listed> ToSchema for Page<T> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed(T::PAGE)
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}
