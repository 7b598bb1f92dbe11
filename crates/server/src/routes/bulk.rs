//! `POST /api/v1/assets/bulk`: one action on many assets, atomically; and the same path
//! for single-asset actions (delete, restore, tag), so both obey the same rules.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use medialib_core::AssetId;
use medialib_core::ErrorCode;
use medialib_core::access::Principal;
use medialib_core::access::Role;
use medialib_core::organise::{CollectionId, TagSource, slugify};
use medialib_core::store::{BulkAction, BulkRefusal, BulkReport};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::auth::{Auth, Write};
use crate::dto::organise::{BulkResultDto, RefusalDto};
use crate::error::{ApiError, ErrorBody, ErrorDto};
use crate::state::AppState;

/// The most ids one request may name.
pub(crate) const MAX_BULK_IDS: usize = 1000;

/// Body of `POST /api/v1/assets/bulk`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkBody {
    /// `tag`, `untag`, `delete`, `restore`, `add_to_collection`, `remove_from_collection`
    /// or `set_public`.
    action: String,
    /// Asset ids (at most 1000).
    ids: Vec<String>,
    /// Tag names (`tag`) or slugs (`untag`).
    #[serde(default)]
    tags: Vec<String>,
    /// `user` (default), `auto` or `exif` (`tag`).
    source: Option<String>,
    /// 0–1 (`tag` with source `auto`).
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

/// Validates tag names for `tag`: non-empty slugs, at most 100 characters, at most 50.
pub(crate) fn check_tag_names(names: &[String]) -> Result<(), ApiError> {
    if names.is_empty() || names.len() > 50 {
        return Err(ApiError::invalid("give 1-50 tags"));
    }
    for name in names {
        if slugify(name).is_empty() || name.chars().count() > 100 {
            return Err(ApiError::invalid(format!(
                "tag name {name:?} must have a letter or digit and at most 100 characters"
            )));
        }
    }
    Ok(())
}

impl BulkBody {
    fn action(&self) -> Result<BulkAction, ApiError> {
        let collection = || {
            self.collection_id
                .map(CollectionId)
                .ok_or_else(|| ApiError::invalid(format!("{} needs collection_id", self.action)))
        };
        Ok(match self.action.as_str() {
            "tag" => {
                check_tag_names(&self.tags)?;
                tag_action(self.tags.clone(), self.source.as_deref(), self.confidence)?
            }
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
                    "action {other:?} is not one of tag, untag, delete, restore, \
                     add_to_collection, remove_from_collection, set_public"
                )));
            }
        })
    }
}

/// The `tag` action for names, a source (`user` by default) and a confidence in 0–1.
pub(crate) fn tag_action(
    names: Vec<String>,
    source: Option<&str>,
    confidence: Option<f64>,
) -> Result<BulkAction, ApiError> {
    let source: TagSource = source
        .unwrap_or("user")
        .parse()
        .map_err(ApiError::invalid)?;
    if confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
        return Err(ApiError::invalid("confidence must be between 0 and 1"));
    }
    Ok(BulkAction::Tag {
        names,
        source,
        confidence,
    })
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
/// or, when any asset is refused, to none. 200 with a result per id when applied; 409
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
    auth: Auth<Write>,
    ApiJson(body): ApiJson<BulkBody>,
) -> Result<Response, ApiError> {
    let action = body.action()?;
    if body.ids.is_empty() || body.ids.len() > MAX_BULK_IDS {
        return Err(ApiError::invalid(format!(
            "give 1-{MAX_BULK_IDS} ids, not {}",
            body.ids.len()
        )));
    }
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
    if changes_assets(&action) && auth.role != Role::Admin {
        let others = state
            .store
            .get_assets(&ids)
            .await?
            .into_iter()
            .filter(|a| a.namespace == auth.namespace && !auth.may_change(a))
            .count();
        if others > 0 {
            return Err(ApiError::forbidden(format!(
                "{others} of these assets were uploaded by someone else: an editor may \
                 delete, restore or publish only their own assets; nothing was changed"
            )));
        }
    }
    let report = state.store.bulk(auth.namespace, &action, &ids).await?;
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

/// Whether the action changes the assets themselves (an editor's own only), rather than
/// organising them (any asset).
fn changes_assets(action: &BulkAction) -> bool {
    matches!(
        action,
        BulkAction::Delete { .. } | BulkAction::Restore | BulkAction::SetPublic(_)
    )
}

/// Applies an action to one asset; a refusal becomes the matching API error (404 or 409).
pub(crate) async fn apply_one(
    state: &AppState,
    auth: &Principal,
    action: &BulkAction,
    id: AssetId,
) -> Result<(), ApiError> {
    let report = state.store.bulk(auth.namespace, action, &[id]).await?;
    match report.results.into_iter().next() {
        Some((_, Err(refusal))) => {
            let dto = RefusalDto::new(id, &refusal);
            Err(match refusal {
                BulkRefusal::NotFound => ApiError::not_found(format!("asset {id}")),
                _ => ApiError::new(dto.code, dto.message),
            })
        }
        _ => Ok(()),
    }
}
