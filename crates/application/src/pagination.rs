//! Keyset pagination on (created_at, id): the cost of page 1,000 equals page 1. Cursors are
//! opaque to clients and carry a checksum, so a tampered cursor is refused, not guessed at.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use thiserror::Error;
use uuid::Uuid;

pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 100;
const CHECKSUM_LEN: usize = 8;

/// The position after the last item of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// The position after an account: accounts are listed by (created_at, id) too.
    pub fn after_user(user: &domain::User) -> Self {
        Self {
            created_at: user.created_at(),
            id: user.id().as_uuid(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PageError {
    #[error("limit must be between 1 and {MAX_LIMIT}")]
    InvalidLimit,
    #[error("cursor is not one this API issued")]
    InvalidCursor,
}

fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(b"agora/cursor/v1");
    hasher.update(payload);
    let digest = hasher.finalize();
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&digest[..CHECKSUM_LEN]);
    out
}

impl Cursor {
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(8 + 16 + CHECKSUM_LEN);
        bytes.extend_from_slice(&self.created_at.timestamp_micros().to_be_bytes());
        bytes.extend_from_slice(self.id.as_bytes());
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(raw: &str) -> Result<Self, PageError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| PageError::InvalidCursor)?;
        if bytes.len() != 8 + 16 + CHECKSUM_LEN {
            return Err(PageError::InvalidCursor);
        }
        let (payload, sum) = bytes.split_at(24);
        if checksum(payload) != sum {
            return Err(PageError::InvalidCursor);
        }
        let micros = i64::from_be_bytes(
            payload[..8]
                .try_into()
                .map_err(|_| PageError::InvalidCursor)?,
        );
        let created_at =
            DateTime::<Utc>::from_timestamp_micros(micros).ok_or(PageError::InvalidCursor)?;
        let id = Uuid::from_slice(&payload[8..]).map_err(|_| PageError::InvalidCursor)?;
        Ok(Self { created_at, id })
    }
}

/// Which page to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, PageError> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(l) if (1..=MAX_LIMIT as i64).contains(&l) => l as u64,
            Some(_) => return Err(PageError::InvalidLimit),
        };
        let after = cursor.map(Cursor::decode).transpose()?;
        Ok(Self { limit, after })
    }

    pub fn first(limit: u64) -> Self {
        Self { limit, after: None }
    }
}

/// One page of results and where the next one starts (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows read in order: the extra row only tells that
    /// another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: u64, key: impl Fn(&T) -> Cursor) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(key) } else { None };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::SubsecRound;

    #[test]
    fn a_cursor_round_trips() {
        let cursor = Cursor {
            created_at: Utc::now().trunc_subsecs(6),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn a_tampered_cursor_is_refused() {
        let encoded = Cursor {
            created_at: Utc::now(),
            id: Uuid::now_v7(),
        }
        .encode();
        for i in 0..encoded.len() {
            let mut chars: Vec<char> = encoded.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let tampered: String = chars.into_iter().collect();
            assert!(Cursor::decode(&tampered).is_err(), "position {i}");
        }
        assert_eq!(Cursor::decode("garbage!"), Err(PageError::InvalidCursor));
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(
            PageRequest::parse(None, None).map(|p| p.limit),
            Ok(DEFAULT_LIMIT)
        );
        assert_eq!(
            PageRequest::parse(Some(100), None).map(|p| p.limit),
            Ok(100)
        );
        assert_eq!(
            PageRequest::parse(Some(0), None),
            Err(PageError::InvalidLimit)
        );
        assert_eq!(
            PageRequest::parse(Some(101), None),
            Err(PageError::InvalidLimit)
        );
        assert_eq!(
            PageRequest::parse(Some(-1), None),
            Err(PageError::InvalidLimit)
        );
    }

    #[test]
    fn the_extra_row_becomes_the_next_cursor() {
        let rows: Vec<u32> = vec![1, 2, 3];
        let key = |n: &u32| Cursor {
            created_at: DateTime::<Utc>::from_timestamp(i64::from(*n), 0).expect("valid"),
            id: Uuid::nil(),
        };
        let page = Page::from_rows(rows.clone(), 2, key);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(key(&2)));
        let last = Page::from_rows(rows, 3, key);
        assert_eq!(last.next_cursor, None);
    }
}
