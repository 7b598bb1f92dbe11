//! The configured limits the description states, so that it is exact for this server:
//! the longest upload, the largest chunk, the longest signed-URL lifetime, the watermarks
//! a collection may carry.

use medialib_core::config::Settings;
use utoipa::Number;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::Object;
use utoipa::openapi::{OpenApi, RefOr, Schema};

use crate::routes::chunked::MIN_CHUNK;

/// Sets `minimum`/`maximum` from `settings` on the values they bound.
pub(crate) fn apply(spec: &mut OpenApi, settings: &Settings) {
    let ttl = (1, settings.signing.max_ttl_seconds);
    let upload = (1, settings.limits.max_upload_bytes);
    let chunk = (MIN_CHUNK, settings.limits.max_request_bytes);
    for operation in operations(spec) {
        let parameters = operation.parameters.iter_mut().flatten();
        for parameter in parameters.filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        }) {
            let bound = match parameter.name.as_str() {
                "ttl" => ttl,
                "Upload-Length" => upload,
                _ => continue,
            };
            if let Some(RefOr::T(Schema::Object(object))) = &mut parameter.schema {
                bounds(object, bound);
            }
        }
    }
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    for (schema, field, bound) in [
        ("TransformUrlRequest", "ttl", ttl),
        ("NewChunkedUpload", "file_size", upload),
        ("NewChunkedUpload", "chunk_size", chunk),
    ] {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema)
            && let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(field)
        {
            bounds(property, bound);
        }
    }
    let watermarks = settings.transforms.watermarks.keys();
    let names: Vec<serde_json::Value> = watermarks.map(|name| name.as_str().into()).collect();
    for schema in ["CreateCollection", "PatchCollection"] {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema)
            && let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut("watermark")
        {
            // `null` (none) is always allowed; a name only when the server defines it.
            property.enum_values = Some(
                names
                    .iter()
                    .cloned()
                    .chain([serde_json::Value::Null])
                    .collect(),
            );
        }
    }
}

fn bounds(object: &mut Object, (min, max): (u64, u64)) {
    let number = |n: u64| Number::UInt(usize::try_from(n).unwrap_or(usize::MAX));
    object.minimum = Some(number(min));
    object.maximum = Some(number(max));
}

fn operations(spec: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    spec.paths.paths.values_mut().flat_map(operations_of)
}

/// The operations of one path.
pub(super) fn operations_of(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
    ]
    .into_iter()
    .flatten()
}
