//! Statements of a fixed shape, built once instead of on every call. Building a select with
//! sea-query (its columns, aliases and joins) and dropping the expression tree afterwards was
//! 9% of the CPU of `GET /api/users/me` on the embedded default (`bench/profile.sh`), yet the
//! SQL of a look-up by id never changes: only the id bound to it does.

use sea_orm::{DbBackend, Statement, Value};

/// SQL built once for one engine, run with values of the same number, kinds and order as the
/// stand-ins it was built with.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    backend: DbBackend,
    sql: String,
    values: usize,
}

impl Prepared {
    /// Keeps `built`'s SQL (built with stand-in values); its values are dropped.
    pub(super) fn new(built: Statement) -> Self {
        Self {
            backend: built.db_backend,
            values: built.values.as_ref().map_or(0, |v| v.0.len()),
            sql: built.sql,
        }
    }

    /// The statement with `values` bound in place of the stand-ins.
    pub(super) fn bind<const N: usize>(&self, values: [Value; N]) -> Statement {
        debug_assert_eq!(N, self.values, "values for {}", self.sql);
        Statement::from_sql_and_values(self.backend, self.sql.clone(), values)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
    use uuid::Uuid;

    use super::*;
    use crate::sql::entities::posts;

    #[test]
    fn a_bound_statement_is_the_one_built_with_those_values() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let build = |id: Uuid| {
                posts::Entity::find()
                    .filter(posts::Column::Id.eq(id))
                    .build(backend)
            };
            let prepared = Prepared::new(build(Uuid::nil()));
            let id = Uuid::now_v7();
            assert_eq!(prepared.bind([id.into()]), build(id), "{backend:?}");
        }
    }
}
