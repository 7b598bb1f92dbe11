//! Where a glTF's bytes come from: the GLB container's chunks (glTF 2.0 §4.4) and base64
//! `data:` URIs. A URI that names another file is refused: the upload is all there is, and
//! medialib never reads disk or network on a model's behalf.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::accessor::Buffers;
use crate::MediaError;

/// A glTF's JSON, and the GLB BIN chunk when there is one.
pub(super) type Chunks<'a> = (Cow<'a, [u8]>, Option<Cow<'a, [u8]>>);

/// Splits a GLB (glTF 2.0 §4.4) into its JSON and BIN chunks, after checking the header that
/// the `gltf` crate would trust: a `length` below the header's own size makes it overflow.
pub(super) fn split_glb(bytes: &[u8]) -> Result<Chunks<'_>, MediaError> {
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let (Some(version), Some(length)) = (word(4), word(8)) else {
        return Err(MediaError::Invalid("the GLB header is truncated".into()));
    };
    if version != 2 {
        return Err(MediaError::Invalid(format!(
            "GLB container version {version}; only glTF 2.0 (version 2) is supported"
        )));
    }
    if u64::from(length) != bytes.len() as u64 {
        return Err(MediaError::Invalid(format!(
            "the GLB header says the file has {length} bytes but it has {}; it is truncated or \
             has data after its end",
            bytes.len()
        )));
    }
    let glb = gltf::binary::Glb::from_slice(bytes)
        .map_err(|e| MediaError::Invalid(format!("malformed GLB: {e}")))?;
    Ok((glb.json, glb.bin))
}

/// Lenient about padding, as exporters are: RFC 4648 base64 inside RFC 2397 `data:` URIs.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The upload is all there is: a URI that is not `data:` names a file medialib never has.
fn external(what: &str, uri: &str) -> MediaError {
    let shown: String = uri.chars().take(120).collect();
    MediaError::Invalid(format!(
        "{what} references an external file \"{shown}\", which was not uploaded; embed buffers \
         and images (export as GLB, or as .gltf with data: URIs)"
    ))
}

/// Decodes a `data:[<media type>];base64,<data>` URI (glTF 2.0 §2.8, "URIs"), or says why not.
fn decode_data_uri(what: &str, uri: &str) -> Result<Vec<u8>, MediaError> {
    let Some(rest) = uri.strip_prefix("data:") else {
        return Err(external(what, uri));
    };
    match rest.split_once(',') {
        Some((header, data)) if header.ends_with(";base64") => BASE64.decode(data).map_err(|e| {
            MediaError::Invalid(format!(
                "{what} has a data: URI that is not valid base64: {e}"
            ))
        }),
        _ => Err(MediaError::Invalid(format!(
            "{what} has a data: URI that is not base64-encoded, which glTF requires"
        ))),
    }
}

/// Each buffer's bytes from the GLB BIN chunk or its `data:` URI, cut to `byteLength`.
pub(super) fn resolve_buffers<'a>(
    document: &gltf::Document,
    bin: Option<Cow<'a, [u8]>>,
) -> Result<Buffers<'a>, MediaError> {
    let mut resolved = Vec::with_capacity(document.buffers().len());
    for buffer in document.buffers() {
        let what = format!("buffer {}", buffer.index());
        let data = match (buffer.source(), buffer.index(), &bin) {
            (gltf::buffer::Source::Uri(uri), _, _) => Cow::Owned(decode_data_uri(&what, uri)?),
            // Only the first buffer may stand for the BIN chunk (glTF 2.0 §4.4.3.3).
            (gltf::buffer::Source::Bin, 0, Some(bin)) => bin.clone(),
            (gltf::buffer::Source::Bin, _, _) => {
                return Err(MediaError::Invalid(format!(
                    "{what} has no uri, which only the first buffer of a GLB with a BIN chunk \
                     may do"
                )));
            }
        };
        let length = buffer.length();
        let data = match data {
            Cow::Borrowed(b) => b.get(..length).map(Cow::Borrowed),
            Cow::Owned(mut b) => (b.len() >= length).then(|| {
                b.truncate(length);
                Cow::Owned(b)
            }),
        };
        resolved.push(data.ok_or_else(|| {
            MediaError::Invalid(format!(
                "{what} declares byteLength {length} but holds fewer bytes"
            ))
        })?);
    }
    Ok(Buffers(resolved))
}

/// Images are never decoded, but one that lives in another file is as missing as a buffer.
/// An image needs a `uri`, or a `bufferView` with a `mimeType` (glTF 2.0 §5.17); the
/// `gltf` crate's `source()` panics on one that has neither (found by `fuzz/`, target
/// `model`), so that is checked first.
pub(super) fn check_images(document: &gltf::Document) -> Result<(), MediaError> {
    for (index, json) in document.as_json().images.iter().enumerate() {
        let sourced = match &json.buffer_view {
            Some(_) => json.mime_type.is_some(),
            None => json.uri.is_some(),
        };
        if !sourced {
            return Err(MediaError::Invalid(format!(
                "image {index} has neither a uri nor a bufferView with a mimeType"
            )));
        }
    }
    for image in document.images() {
        if let gltf::image::Source::Uri { uri, .. } = image.source()
            && !uri.starts_with("data:")
        {
            return Err(external(&format!("image {}", image.index()), uri));
        }
    }
    Ok(())
}
