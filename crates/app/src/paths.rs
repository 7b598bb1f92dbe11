//! Delivery paths: where an original or a variant is served, which responses link to
//! and signed URLs sign.

use medialib_core::{Asset, Variant};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
///
/// Unreserved characters stay as they are because proxies and CDNs may decode them
/// (RFC 3986 §6.2.2.2), which would break a signature made over the encoded form.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a filename for use as a URL path segment.
fn path_segment(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, PATH_SEGMENT).to_string()
}

/// The delivery path of an asset's original: `/files/{id}/{filename}`, percent-encoded.
pub fn original_path(a: &Asset) -> String {
    format!("/files/{}/{}", a.id, path_segment(&a.original_filename))
}

/// The delivery path of a variant: `/variants/{asset id}/{name}.{ext}`.
pub fn variant_path(v: &Variant) -> String {
    format!(
        "/variants/{}/{}.{}",
        v.asset_id,
        v.name,
        v.format.extension()
    )
}
