//! Keyset pagination conditions on (created_at, id), written out so they run on every engine.

use application::pagination::Cursor;
use sea_orm::{ColumnTrait, Condition};

/// Rows strictly after `cursor` in descending (newest first) order.
pub fn before<C: ColumnTrait>(created_at: C, id: C, cursor: &Cursor) -> Condition {
    Condition::any().add(created_at.lt(cursor.created_at)).add(
        Condition::all()
            .add(created_at.eq(cursor.created_at))
            .add(id.lt(cursor.id)),
    )
}

/// Rows strictly after `cursor` in ascending (oldest first) order.
pub fn after<C: ColumnTrait>(created_at: C, id: C, cursor: &Cursor) -> Condition {
    Condition::any().add(created_at.gt(cursor.created_at)).add(
        Condition::all()
            .add(created_at.eq(cursor.created_at))
            .add(id.gt(cursor.id)),
    )
}

/// `%`, `_` and `\` in user input match themselves in a LIKE pattern.
pub fn escape_like(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
