//! The tus 1.0 request and response headers (<https://tus.io/protocols/resumable-upload>):
//! parsing what clients send and formatting what the server answers.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
pub use medialib_app::uploads::Algorithm;
use medialib_core::{Timestamp, UploadId};

/// The protocol version this server speaks (`Tus-Resumable`, `Tus-Version`).
pub const VERSION: &str = "1.0.0";
/// `Tus-Resumable` in the API description: the one version, so a client generated from it
/// sends nothing else (other versions are answered 412, tus 1.0 §Tus-Resumable).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[expect(dead_code, reason = "only its schema is used, in the API description")]
pub(crate) enum TusResumable {
    #[serde(rename = "1.0.0")]
    V1,
}

/// The extensions it supports (`Tus-Extension`).
pub const EXTENSIONS: &str =
    "creation,creation-with-upload,termination,expiration,checksum,concatenation";
/// The checksum algorithms of `Upload-Checksum` (`Tus-Checksum-Algorithm`).
pub const CHECKSUM_ALGORITHMS: &str = "sha1,sha256";
/// The content type of every request body that carries upload bytes.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";
/// The response header naming the asset a finished upload became.
pub const ASSET_ID: &str = "Medialib-Asset-Id";
/// Set to `true` on the answer that completes an upload whose bytes were already an asset
/// of the namespace: `Medialib-Asset-Id` names that asset, and nothing new was stored.
pub const DUPLICATE: &str = "Medialib-Duplicate";

/// Decodes `Upload-Metadata`: comma-separated pairs of a key and its value in base64
/// (the value may be absent). Keys are ASCII without spaces or commas, and unique.
///
/// Errors with a message naming the offending pair.
pub fn parse_metadata(raw: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.split(' ');
        let key = parts.next().unwrap_or_default();
        let value = parts.next().unwrap_or_default();
        if parts.next().is_some() || key.is_empty() || !key.is_ascii() {
            return Err(format!(
                "Upload-Metadata pair {pair:?} is not `key base64value`"
            ));
        }
        let bytes = STANDARD
            .decode(value)
            .map_err(|_| format!("Upload-Metadata value of {key:?} is not base64"))?;
        let value = String::from_utf8(bytes)
            .map_err(|_| format!("Upload-Metadata value of {key:?} is not UTF-8 text"))?;
        if value.contains('\0') {
            return Err(format!(
                "Upload-Metadata value of {key:?} contains the NUL character (U+0000)"
            ));
        }
        if out.insert(key.to_owned(), value).is_some() {
            return Err(format!("Upload-Metadata repeats the key {key:?}"));
        }
    }
    Ok(out)
}

/// Encodes metadata back into `Upload-Metadata` form (for `HEAD`).
pub fn format_metadata(metadata: &BTreeMap<String, String>) -> String {
    metadata
        .iter()
        .map(|(k, v)| format!("{k} {}", STANDARD.encode(v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `Upload-Checksum: <algorithm> <base64 digest>`.
///
/// Errors with a message for an unknown algorithm or a malformed digest.
pub fn parse_checksum(raw: &str) -> Result<(Algorithm, Vec<u8>), String> {
    let (name, digest) = raw
        .trim()
        .split_once(' ')
        .ok_or_else(|| format!("Upload-Checksum {raw:?} is not `algorithm base64digest`"))?;
    let algorithm = match name {
        "sha1" => Algorithm::Sha1,
        "sha256" => Algorithm::Sha256,
        other => {
            return Err(format!(
                "checksum algorithm {other:?} is not supported; use one of {CHECKSUM_ALGORITHMS}"
            ));
        }
    };
    let digest = STANDARD
        .decode(digest.trim())
        .map_err(|_| format!("Upload-Checksum digest {digest:?} is not base64"))?;
    let expected = algorithm.digest_len();
    if digest.len() != expected {
        return Err(format!(
            "a {name} digest has {expected} bytes, this one {}",
            digest.len()
        ));
    }
    Ok((algorithm, digest))
}

/// `Upload-Concat` of a creation request.
#[derive(Debug, PartialEq, Eq)]
pub enum ConcatHeader {
    /// `partial`.
    Partial,
    /// `final;<url> <url> …`: the ids of the partial uploads, in order.
    Final(Vec<UploadId>),
}

/// Parses `Upload-Concat`. The URLs of a final upload may be absolute or paths; their
/// last segment is the upload id.
///
/// Errors with a message for anything else.
pub fn parse_concat(raw: &str) -> Result<ConcatHeader, String> {
    let raw = raw.trim();
    if raw == "partial" {
        return Ok(ConcatHeader::Partial);
    }
    let Some(urls) = raw.strip_prefix("final;") else {
        return Err(format!(
            "Upload-Concat {raw:?} is neither `partial` nor `final;<upload URLs>`"
        ));
    };
    let ids = urls
        .split_whitespace()
        .map(|url| {
            url.trim_end_matches('/')
                .rsplit('/')
                .next()
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| format!("{url:?} in Upload-Concat is not an upload URL"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err("Upload-Concat: final names no partial uploads".into());
    }
    Ok(ConcatHeader::Final(ids))
}

/// A time as an HTTP date (RFC 9110 §5.6.7 IMF-fixdate), as `Upload-Expires` requires.
pub fn http_date(t: Timestamp) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .expect("every UTC time formats")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_and_rejects_bad_pairs() {
        // The example of the tus 1.0 specification, plus a key without a value.
        let parsed =
            parse_metadata("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential")
                .unwrap();
        assert_eq!(parsed["filename"], "world_domination_plan.pdf");
        assert_eq!(parsed["is_confidential"], "");
        assert_eq!(parse_metadata(&format_metadata(&parsed)).unwrap(), parsed);
        assert!(parse_metadata("filename !!!").is_err());
        assert!(parse_metadata("a YQ==,a Yg==").is_err());
        assert!(parse_metadata("a YQ== extra").is_err());
    }

    #[test]
    fn checksums_name_a_supported_algorithm_and_a_digest_of_its_size() {
        let (algorithm, digest) = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").unwrap();
        assert_eq!((algorithm, digest.len()), (Algorithm::Sha1, 20));
        assert!(parse_checksum("md5 1B2M2Y8AsgTpgAmY7PhCfg==").is_err());
        assert!(parse_checksum("sha256 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").is_err());
        assert!(parse_checksum("sha1").is_err());
    }

    #[test]
    fn concat_names_partial_or_the_parts_of_a_final_upload() {
        assert_eq!(parse_concat("partial").unwrap(), ConcatHeader::Partial);
        let a = UploadId::new();
        let b = UploadId::new();
        let raw = format!("final;/api/v1/uploads/{a} http://h:1/api/v1/uploads/{b}/");
        assert_eq!(parse_concat(&raw).unwrap(), ConcatHeader::Final(vec![a, b]));
        assert!(parse_concat("final;").is_err());
        assert!(parse_concat("final;/api/v1/uploads/nope").is_err());
        assert!(parse_concat("whole").is_err());
    }

    #[test]
    fn expiry_is_an_http_date() {
        let t = time::macros::datetime!(2014-06-25 16:00:00 UTC);
        assert_eq!(http_date(t), "Wed, 25 Jun 2014 16:00:00 GMT");
    }
}
