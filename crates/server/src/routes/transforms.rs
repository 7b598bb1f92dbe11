//! `GET|HEAD /img/{id}/{rev}/{ops}/{name}.{ext}`: on-the-fly transforms, as a CDN origin
//! (DESIGN §9.3). The ops language is [`medialib_core::transform`]; who may fetch what is
//! [`medialib_app::transforms::access`]; results are stored once and then delivered like
//! variants (ETag, 304, ranges).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use medialib_app::signing::TransformSignature;
use medialib_app::transforms::access::{self, Caching as Access, Credentials};
use medialib_app::transforms::{Wanted, urls};
use medialib_core::transform::{OpError, OpsSegment, RequestedFormat};
use medialib_core::{AssetId, ErrorCode, StorageKey};
use serde::Deserialize;
use utoipa::IntoParams;

use super::delivery::{Caching, Deliverable, send};
use super::extract::ApiQuery;
use crate::auth::MaybeAuth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The signature of a transform URL.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TransformQuery {
    /// `{key id}.{signature}`: HMAC-SHA256 of `{path}?exp={exp}&kid={key id}` (or
    /// `{path}?kid={key id}` without `exp`), unpadded base64url. Needed for ad-hoc ops
    /// (with `transforms.unsigned = "presets"`, the default) and for private assets.
    s: Option<String>,
    /// Expiry in Unix seconds, covered by `s`; required for private assets.
    exp: Option<String>,
}

/// `GET|HEAD /img/{id}/{rev}/{ops}/{name}.{ext}`.
#[utoipa::path(
    operation_id = "delivery_transform",
    get,
    path = "/img/{id}/{rev}/{ops}/{file}",
    tag = "delivery",
    params(
        ("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"),
        ("rev" = String, Path, description = "the asset's content revision (`rev` in the asset JSON)"),
        ("ops" = String, Path, description = "canonical ops (`w_800,h_450,c_fill,g_auto`), `_` for none, or a preset `p_NAME`"),
        ("file" = String, Path, description = "`{name}.{ext}`: any name; `ext` is `jpg`, `png`, `webp`, `avif` or `auto` (negotiated from `Accept`)"),
        TransformQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the picture; `Vary: Accept` for `auto`; `X-Transform-Cache: hit|miss|shared`", body = Vec<u8>, content_type = "image/*"),
        (status = 301, description = "non-canonical ops: `Location` is the canonical URL"),
        (status = 302, description = "an earlier revision: `Location` is the current one"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "an unknown or malformed op or extension (`invalid_transform`, naming it)", body = ErrorBody),
        (status = 403, description = "a missing, wrong or expired signature (`invalid_signature`, `signature_expired`)", body = ErrorBody),
        (status = 404, description = "no such asset, preset or watermark; `no_picture` for an asset without one", body = ErrorBody),
        (status = 422, description = "a result over `transforms.max_side` (`over_limit`), or a source that does not decode", body = ErrorBody),
        (status = 503, description = "every render slot and queue place taken, or a render over its time (`overloaded`, with `Retry-After`)", body = ErrorBody),
    )
)]
pub(crate) async fn transform(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    ApiQuery(query): ApiQuery<TransformQuery>,
    method: Method,
    headers: HeaderMap,
    Path((id, rev, ops, file)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let invalid = |e: OpError| {
        ApiError::new(
            ErrorCode::InvalidTransform,
            format!("invalid transform {e}"),
        )
    };
    let segment = OpsSegment::parse(&ops).map_err(invalid)?;
    let (name, ext) = file.rsplit_once('.').ok_or_else(|| {
        invalid(OpError {
            op: file.clone(),
            reason: "the file name needs an extension: jpg, png, webp, avif or auto".into(),
        })
    })?;
    let requested = RequestedFormat::parse(ext).map_err(invalid)?;
    let canonical = urls::canonical_segment(&segment);
    if canonical != ops {
        let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        let path = with_segment(uri.path(), OPS, &canonical);
        return Ok(moved(
            StatusCode::MOVED_PERMANENTLY,
            &format!("{path}{query}"),
            "public, max-age=86400",
        ));
    }

    let not_found = || ApiError::not_found("file");
    let asset_id: AssetId = id.parse().map_err(|_| not_found())?;
    let catalog = &state.catalog;
    let facts = state
        .delivery_cache
        .facts(&*catalog.store, asset_id)
        .await?
        .filter(|f| f.asset.deleted_at.is_none())
        .ok_or_else(not_found)?;
    let asset = &facts.asset;
    let signature = TransformSignature {
        s: query.s,
        exp: query.exp,
    };
    let credentials = Credentials {
        path: uri.path(),
        signature: &signature,
        caller: auth.0.as_ref(),
        preset: matches!(segment, OpsSegment::Preset(_)),
    };
    let now = time::OffsetDateTime::now_utc();
    let access = access::authorize(
        &catalog.settings.transforms,
        &state.signer,
        asset,
        credentials,
        now,
    )?;

    let current = urls::revision(asset);
    if rev != current {
        let path = with_segment(uri.path(), REV, &current);
        let location = match (&signature.s, &signature.exp) {
            (None, _) => path,
            (Some(_), exp) => {
                let exp = exp.as_deref().and_then(|e| e.parse().ok());
                format!("{path}?{}", state.signer.sign_transform(&path, exp))
            }
        };
        return Ok(moved(StatusCode::FOUND, &location, "no-cache"));
    }

    let ops = match segment {
        OpsSegment::Preset(name) => urls::preset_ops(catalog, &name)?,
        OpsSegment::Ops(ops) => ops,
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    let collection_watermark = facts.watermark(&*catalog.store).await?;
    let wanted = Wanted {
        ops: &ops,
        format: requested,
        accept,
        collection_watermark,
    };
    let caching = match access {
        Access::Public => Caching::Public,
        Access::Private => Caching::Private,
        Access::Expiring { left, public: true } => Caching::Shared(left),
        Access::Expiring {
            left,
            public: false,
        } => Caching::Signed(left),
    };
    // A result whose bytes went missing (a store migrated without them, say) is rendered
    // again, once.
    let mut retried = false;
    loop {
        let derived = state
            .transforms
            .derive(catalog, asset, &facts.variants, wanted)
            .await?;
        let derivative = &derived.derivative;
        let mut extra = HeaderMap::new();
        if requested == RequestedFormat::Auto {
            extra.insert(header::VARY, HeaderValue::from_static("Accept"));
        }
        extra.insert(
            "x-transform-cache",
            HeaderValue::from_static(derived.outcome.as_str()),
        );
        medialib_app::metrics::transform(derived.outcome.as_str());
        let d = Deliverable {
            asset: asset.id,
            kind: asset.kind,
            file: "transform",
            key: StorageKey::from_stored(derivative.storage_key.clone()),
            mime: derivative.format.mime(),
            sha256: derivative.sha256,
            size: derivative.size,
            filename: format!("{name}.{}", derivative.format.extension()),
            caching,
            extra,
            bytes: derived.bytes.clone(),
        };
        match send(&state, &method, &headers, d).await {
            Err(e) if e.code() == ErrorCode::BlobMissing && !retried => {
                retried = true;
                state
                    .transforms
                    .forget(catalog, asset.id, &derivative.cache_key)
                    .await?;
            }
            other => return other,
        }
    }
}

/// Indices of the revision and the ops among the path's `/`-separated segments
/// (`""`, `img`, id, rev, ops, file).
const REV: usize = 3;
const OPS: usize = 4;

/// `path` (as sent, percent-encoded) with its segment `index` replaced by `value`.
fn with_segment(path: &str, index: usize, value: &str) -> String {
    path.split('/')
        .enumerate()
        .map(|(i, part)| if i == index { value } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

fn moved(status: StatusCode, location: &str, cache_control: &'static str) -> Response {
    // Built from the path as sent and URL-safe parts, so it is always a valid header.
    let location = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
    let headers = [
        (header::LOCATION, location),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ),
    ];
    (status, headers).into_response()
}
