//! `POST /api/v1/assets/bulk`: one action on many assets, atomically
//! (`medialib_app::bulk`, which single-asset delete, restore and tagging go through too).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use medialib_app::bulk::{self, tag_action};
use medialib_app::purge::purge_trashed;
use medialib_core::AssetId;
use medialib_core::ErrorCode;
use medialib_core::organise::{CollectionId, slugify};
use medialib_core::store::{BulkAction, BulkReport};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::auth::Auth;
use crate::dto::organise::{BulkResultDto, RefusalDto};
use crate::dto::schema;
use crate::error::{ApiError, ErrorBody, ErrorDto};
use crate::state::AppState;

/// Body of `POST /api/v1/assets/bulk`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkBody {
    /// `tag`, `untag`, `delete`, `restore`, `purge` (assets in the trash, for good),
    /// `add_to_collection`, `remove_from_collection` or `set_public`.
    #[schema(schema_with = schema::bulk_action)]
    action: String,
    /// 1–1000 asset ids.
    #[schema(schema_with = schema::asset_ids)]
    ids: Vec<String>,
    /// Tag names (`tag`) or slugs (`untag`).
    #[serde(default)]
    tags: Vec<String>,
    /// `user` (default), `auto` or `exif` (`tag`).
    #[schema(schema_with = schema::optional::tag_source)]
    source: Option<String>,
    /// 0–1 (`tag` with source `auto`).
    #[schema(minimum = 0.0, maximum = 1.0)]
    confidence: Option<f64>,
    /// Collection id (`add_to_collection`, `remove_from_collection`).
    collection_id: Option<i64>,
    /// The new flag (`set_public`).
    is_public: Option<bool>,
    /// Delete even assets in use (`delete`).
    #[serde(default)]
    force: bool,
}

/// The response of a bulk request.
#[derive(Serialize, ToSchema)]
struct BulkOutcome<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorDto<'a>>,
    /// Whether the action was applied (to every asset) or not at all.
    applied: bool,
    results: Vec<BulkResultDto>,
}

/// The actions `action` names, as the description lists them.
pub(crate) const ACTIONS: [&str; 8] = [
    "tag",
    "untag",
    "delete",
    "restore",
    "purge",
    "add_to_collection",
    "remove_from_collection",
    "set_public",
];

impl BulkBody {
    /// The store's action; `None` for `purge`, which deletes bytes too and so is the
    /// application's (`medialib_app::purge::purge_trashed`).
    fn action(&self) -> Result<Option<BulkAction>, ApiError> {
        let collection = || {
            self.collection_id
                .map(CollectionId)
                .ok_or_else(|| ApiError::invalid(format!("{} needs collection_id", self.action)))
        };
        Ok(Some(match self.action.as_str() {
            "purge" => return Ok(None),
            "tag" => tag_action(self.tags.clone(), self.source.as_deref(), self.confidence)?,
            "untag" => {
                if self.tags.is_empty() {
                    return Err(ApiError::invalid("untag needs tags (slugs)"));
                }
                BulkAction::Untag {
                    slugs: self.tags.iter().map(|t| slugify(t)).collect(),
                }
            }
            "delete" => BulkAction::Delete { force: self.force },
            "restore" => BulkAction::Restore,
            "add_to_collection" => BulkAction::AddToCollection(collection()?),
            "remove_from_collection" => BulkAction::RemoveFromCollection(collection()?),
            "set_public" => BulkAction::SetPublic(
                self.is_public
                    .ok_or_else(|| ApiError::invalid("set_public needs is_public"))?,
            ),
            other => {
                return Err(ApiError::invalid(format!(
                    "action {other:?} is not one of {}",
                    ACTIONS.join(", ")
                )));
            }
        }))
    }
}

fn results(report: &BulkReport) -> Vec<BulkResultDto> {
    report
        .results
        .iter()
        .map(|(id, r)| BulkResultDto {
            id: id.to_string(),
            status: match (r, report.applied) {
                (Ok(()), true) => "ok",
                (Ok(()), false) => "skipped",
                (Err(_), _) => "refused",
            },
            error: r.as_ref().err().map(|e| RefusalDto::new(*id, e)),
        })
        .collect()
}

/// `POST /api/v1/assets/bulk` with `{action, ids, …}`: applies the action to every asset
/// or, when any asset is refused, to none (`purge` refuses assets not in the trash). 200 with a result per id when applied; 409
/// `bulk_refused` with the same results (the refused ones say why) when not.
///
/// Errors: 422 for an unknown action or missing parameters, 404 for an unknown collection.
#[utoipa::path(
    operation_id = "bulk_assets",
    post,
    path = "/assets/bulk",
    tag = "assets",
    request_body = BulkBody,
    responses(
        (status = 200, description = "applied to every asset", body = BulkOutcome),
        (status = 409, description = "some assets were refused; nothing changed", body = BulkOutcome),
        (status = 404, description = "unknown collection", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 422, description = "invalid values", body = ErrorBody),
    )
)]
pub(crate) async fn bulk(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BulkBody>,
) -> Result<Response, ApiError> {
    let action = body.action()?;
    // An id that does not parse cannot name an asset: report it like an unknown one.
    let ids: Vec<Result<AssetId, String>> = body
        .ids
        .iter()
        .map(|raw| raw.parse().map_err(|_| raw.clone()))
        .collect();
    if let Some(bad) = ids.iter().find_map(|r| r.as_ref().err()) {
        return Err(ApiError::invalid(format!("{bad:?} is not an asset id")));
    }
    let ids: Vec<AssetId> = ids.into_iter().flatten().collect();
    let report = match action {
        Some(action) => bulk::apply(&state.catalog, &auth, &action, &ids).await?,
        None => purge_trashed(&state.catalog, &auth, &ids).await?,
    };
    let results = results(&report);
    if report.applied {
        return Ok(Json(BulkOutcome {
            error: None,
            applied: true,
            results,
        })
        .into_response());
    }
    let refused = report.results.iter().filter(|(_, r)| r.is_err()).count();
    let message = format!(
        "{refused} of {} assets were refused; nothing was changed",
        report.results.len()
    );
    let body = BulkOutcome {
        error: Some(ErrorDto {
            code: ErrorCode::BulkRefused,
            message: &message,
            details: None,
        }),
        applied: false,
        results,
    };
    Ok((StatusCode::CONFLICT, Json(body)).into_response())
}
