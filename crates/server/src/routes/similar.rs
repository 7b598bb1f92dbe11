//! `GET /api/v1/assets/{id}/similar`: assets that look like one asset, each with why; and
//! `GET /api/v1/recommendations`: media for a piece of content, from what it uses.

use axum::Json;
use axum::extract::{Path, State};
use medialib_app::recommend;
use medialib_app::similar::{self, Reason, Similar};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::render_page;
use super::extract::{ApiQuery, parse_id};
use crate::auth::Auth;
use crate::dto::{AssetDto, Items};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SimilarParams {
    /// Results, 1–100; default 12.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecommendationParams {
    /// The kind of content, as usage records it, e.g. `article`: 1 to 200 characters.
    #[param(min_length = 1, max_length = 200)]
    entity_type: String,
    /// The content's id in its own system, e.g. `42`: 1 to 200 characters.
    #[param(min_length = 1, max_length = 200)]
    entity_id: String,
    /// Results, 1–100; default 12.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Why a result is there: `looks_alike` (with `similarity`, the embeddings' cosine, 0–1),
/// `looks_like_used` (recommendations: with `asset_id`, the used asset it looks most
/// like, and `similarity`), `near_duplicate` (with `bits`, the perceptual hashes'
/// distance), `shared_tags` (with `tags`) or `same_collection` (with `collections`).
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ReasonDto {
    LooksAlike { similarity: f64 },
    LooksLikeUsed { asset_id: String, similarity: f64 },
    NearDuplicate { bits: u32 },
    SharedTags { tags: Vec<String> },
    SameCollection { collections: Vec<String> },
}

/// One similar asset.
#[derive(Serialize, ToSchema)]
pub(crate) struct SimilarDto {
    asset: AssetDto,
    /// Higher is more similar: the cosine similarity plus bonuses for a near-duplicate
    /// picture (0.2), each shared tag (0.02, up to 5) and a shared collection (0.05).
    score: f64,
    /// The strongest first.
    reasons: Vec<ReasonDto>,
}

/// `GET /api/v1/assets/{id}/similar?limit=12`: the live assets whose pictures look most
/// like this one's (by the labels model's embedding), a near-duplicate picture, shared
/// tags and shared collections adding to the score; most similar first. Empty until the
/// asset is analysed.
#[utoipa::path(
    operation_id = "assets_similar",
    get,
    path = "/assets/{id}/similar",
    tag = "assets",
    params(("id" = String, Path, format = Uuid, description = "asset id (UUIDv7)"), SimilarParams),
    responses(
        (status = 200, description = "similar assets, most similar first", body = Items<SimilarDto>),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 404, description = "not found (also for another namespace's)", body = ErrorBody),
    )
)]
pub(crate) async fn similar(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<SimilarParams>,
) -> Result<Json<Items<SimilarDto>>, ApiError> {
    let id = parse_id(&id, "asset")?;
    let found = similar::similar(&state.catalog, &auth, id, params.limit.unwrap_or(12)).await?;
    Ok(Json(Items {
        items: render(&state, found).await?,
    }))
}

/// `GET /api/v1/recommendations?entity_type=article&entity_id=42&limit=12`: media for a
/// piece of content, from the assets its usage records: those whose pictures look most
/// like the used ones (each says which), tags shared with them adding to the score;
/// never one it already uses. Empty when it uses nothing analysed.
#[utoipa::path(
    operation_id = "recommendations",
    get,
    path = "/recommendations",
    tag = "usage",
    params(RecommendationParams),
    responses(
        (status = 200, description = "recommended assets, best first", body = Items<SimilarDto>),
        (status = 400, description = "a missing or bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn recommendations(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<RecommendationParams>,
) -> Result<Json<Items<SimilarDto>>, ApiError> {
    let found = recommend::recommend(
        &state.catalog,
        &auth,
        &params.entity_type,
        &params.entity_id,
        params.limit.unwrap_or(12),
    )
    .await?;
    Ok(Json(Items {
        items: render(&state, found).await?,
    }))
}

async fn render(state: &AppState, found: Vec<Similar>) -> Result<Vec<SimilarDto>, ApiError> {
    let assets: Vec<_> = found.iter().map(|s| s.asset.clone()).collect();
    let rendered = render_page(state, &assets).await?;
    Ok(found
        .into_iter()
        .zip(rendered)
        .map(|(s, asset)| SimilarDto {
            asset,
            score: s.score,
            reasons: s.reasons.into_iter().map(reason).collect(),
        })
        .collect())
}

fn reason(r: Reason) -> ReasonDto {
    match r {
        Reason::LooksAlike { similarity } => ReasonDto::LooksAlike { similarity },
        Reason::LooksLikeUsed { asset, similarity } => ReasonDto::LooksLikeUsed {
            asset_id: asset.to_string(),
            similarity,
        },
        Reason::NearDuplicate { bits } => ReasonDto::NearDuplicate { bits },
        Reason::SharedTags { tags } => ReasonDto::SharedTags { tags },
        Reason::SameCollection { collections } => ReasonDto::SameCollection { collections },
    }
}
