//! Pages read as one row on SQLite. sqlx hands each row of a SQLite result from its worker
//! thread to the caller through a channel, copying every value on the way
//! (`sqlite3_value_dup`). In the profile of a bare page of twenty-one rows (the benchmark's
//! floor binary, `docs/perf/flamegraph-bare-list-embedded.svg`) the copies took 18% of the
//! CPU and handing the rows across 9%, against 11% for SQLite's own stepping. Folded by the
//! database into one JSON text, `json_group_array(json_array(..))`, one value crosses
//! instead, read here with serde into the same row type. Side by side with the server before
//! (README "Performance", target 2), a page of posts cost 16% less CPU, of comments 9%, of
//! accounts 18%. PostgreSQL reads a page row by row: `json_agg` cost it more than it saved.
//!
//! The row type names the columns: its fields, in order, are read from its `Deserialize`
//! (serde lists a struct's fields), so a field added to it is folded too and no list of names
//! can drift from it. Each field is a column of the entity, spelled for JSON by its type: a
//! UUID (a blob) as hex, a boolean (an integer) as JSON's `true` or `false`. Neither may be
//! `NULL` (`hex(NULL)` is `''`, and a `NULL` flag would read `false`): no page reads such a
//! column today, and one that does needs its own spelling here and a row in `folded_pages`.

use std::cmp::Ordering;

use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, Statement,
};
use serde::{
    Deserializer,
    de::{self, DeserializeOwned, Visitor},
    forward_to_deserialize_any,
};

use super::db::Db;

/// How `T`'s rows are read on `db`'s engine: folded on SQLite, one by one elsewhere.
#[derive(Clone)]
pub(super) struct Rows {
    /// SQLite: the `json_array(..)` of one row, its elements in `T`'s field order.
    folded: Option<String>,
}

impl Rows {
    /// For rows of `T`, whose fields are columns of `E` (a name that is not is a bug, found
    /// at start).
    pub(super) fn of<T: DeserializeOwned, E: EntityTrait>(backend: DbBackend) -> Self {
        if backend != DbBackend::Sqlite {
            return Self { folded: None };
        }
        let elements = fields_of::<T>()
            .iter()
            .map(|field| {
                let column = E::Column::iter()
                    .find(|column| column.as_str() == *field)
                    .unwrap_or_else(|| {
                        panic!(
                            "`{field}` is not a column of `{}`",
                            E::default().table_name()
                        )
                    });
                match column.def().get_column_type() {
                    ColumnType::Uuid => format!("hex(\"{field}\")"),
                    ColumnType::Boolean => format!("json(iif(\"{field}\", 'true', 'false'))"),
                    _ => format!("\"{field}\""),
                }
            })
            .collect::<Vec<_>>();
        Self {
            folded: Some(format!("json_array({})", elements.join(", "))),
        }
    }

    /// `statement`'s rows, put in `order` (an aggregate's order is not promised, and an
    /// `ORDER BY` inside it cost SQLite a sort as dear as the rows it saved).
    pub(super) async fn all<T>(
        &self,
        db: &Db,
        statement: Statement,
        order: impl FnMut(&T, &T) -> Ordering,
    ) -> Result<Vec<T>, DbErr>
    where
        T: FromQueryResult + DeserializeOwned,
    {
        let Some(row) = &self.folded else {
            return T::find_by_statement(statement).all(db).await;
        };
        let sql = format!(
            "SELECT json_group_array({row}) AS \"page\" FROM ({}) AS \"rows\"",
            statement.sql
        );
        let page = db
            .query_one_raw(Statement { sql, ..statement })
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("an aggregate returned no row".into()))?
            .try_get::<String>("", "page")?;
        let mut rows = serde_json::from_str::<Vec<T>>(&page)
            .map_err(|err| DbErr::Type(format!("reading a folded page: {err}")))?;
        rows.sort_unstable_by(order);
        Ok(rows)
    }
}

/// The names of `T`'s fields, in order, as its `Deserialize` gives them to a deserializer.
fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut names = FieldNames(&[]);
    let _ = T::deserialize(&mut names);
    assert!(
        !names.0.is_empty(),
        "a folded row must be a struct with fields"
    );
    names.0
}

/// A deserializer that only notes the field names a struct asks for.
struct FieldNames(&'static [&'static str]);

impl<'de> Deserializer<'de> for &mut FieldNames {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = fields;
        Err(de::Error::custom("only the field names were read"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}
