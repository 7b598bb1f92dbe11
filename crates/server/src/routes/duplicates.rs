//! `GET /api/v1/assets/duplicates`: groups of near-duplicate pictures.

use axum::Json;
use axum::extract::State;
use medialib_app::duplicates;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::render_page;
use super::extract::ApiQuery;
use crate::auth::Auth;
use crate::dto::AssetDto;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DuplicateParams {
    /// The most bits two 64-bit perceptual hashes may differ in, 0–16; default 6.
    #[param(minimum = 0, maximum = 16)]
    threshold: Option<u32>,
    /// Groups, 1–100, largest first; default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Group {
    items: Vec<AssetDto>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Groups {
    threshold: u32,
    /// Groups found in all, before `limit`.
    total: usize,
    groups: Vec<Group>,
}

/// `GET /api/v1/assets/duplicates?threshold=6&limit=20`: live assets whose pictures are
/// the same picture resized, re-encoded or cropped (dHash Hamming distance ≤ threshold, or
/// the analysis embeddings' cosine ≥ 0.85; joined transitively). Byte-identical files
/// cannot appear: dedup keeps one asset per content hash and namespace.
#[utoipa::path(
    operation_id = "duplicate_assets",
    get,
    path = "/assets/duplicates",
    tag = "assets",
    params(DuplicateParams),
    responses(
        (status = 200, description = "groups of near-duplicates, largest first", body = Groups),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn duplicates(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<DuplicateParams>,
) -> Result<Json<Groups>, ApiError> {
    let threshold = params.threshold.unwrap_or(6);
    let found =
        duplicates::find(&state.catalog, &auth, threshold, params.limit.unwrap_or(20)).await?;
    let mut groups = Vec::new();
    for assets in &found.groups {
        groups.push(Group {
            items: render_page(&state, assets).await?,
        });
    }
    Ok(Json(Groups {
        threshold,
        total: found.total,
        groups,
    }))
}
