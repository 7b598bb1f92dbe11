//! Keyset-pagination cursors: the sort keys and id of the last row of a page, encoded as
//! URL-safe base64 JSON so clients treat them as opaque.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// A sort value of the last row seen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub(crate) enum SortValue {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Cursor {
    /// The sort order the cursor belongs to, so a cursor is not replayed on another.
    pub(crate) sort: String,
    /// The sort keys of the last row, in order.
    pub(crate) keys: Vec<SortValue>,
    /// Hex of the asset id's 16 bytes.
    pub(crate) id: String,
    /// The total counted on the first page, repeated on the next ones.
    pub(crate) total: u64,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("cursor serialises"))
    }

    /// `None` for anything a client tampered with; the caller answers 400.
    pub(crate) fn decode(s: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor {
            sort: "relevance".into(),
            keys: vec![SortValue::Int(9), SortValue::Text("Sunset".into())],
            id: "00ff".into(),
            total: 12,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
    }
}
