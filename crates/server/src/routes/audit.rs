//! `GET /api/v1/audit`: the namespace's audit log, newest first, for its admins. The
//! events are recorded by [`crate::audit`].

use axum::Json;
use axum::extract::State;
use medialib_core::ErrorCode;
use medialib_core::UserId;
use medialib_core::store::{AuditEvent, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiQuery;
use crate::auth::{Admin, Auth};
use crate::dto::rfc3339;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Most events in one page.
const MAX_LIMIT: u32 = 500;

/// Query of `GET /api/v1/audit`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Only this action (an operation id, e.g. `assets_delete`, or a CLI command, e.g.
    /// `cli_user_set_role`).
    action: Option<String>,
    /// Only this user's events.
    user_id: Option<i64>,
    /// Events per page, 1–500 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Who acted.
#[derive(Serialize, ToSchema)]
pub(crate) struct ActorDto {
    id: i64,
    /// The current name: `deleted-user-{id}` once anonymized.
    name: String,
}

/// One recorded write.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditEventDto {
    id: i64,
    /// RFC 3339, UTC.
    at: String,
    /// `null` for the command line.
    user: Option<ActorDto>,
    /// The API operation id (`assets_patch`, `members_set`, `tokens_create`, …) or the
    /// CLI command (`cli_…`).
    action: String,
    /// Ids the write named in its path or created, comma-separated.
    target: Option<String>,
    /// The HTTP status answered: 2xx done, 403 refused; 0 for the command line.
    status: u16,
    /// The client's IP (the TCP peer); `null` from the command line or once the user
    /// was anonymized.
    ip: Option<String>,
}

impl From<AuditEvent> for AuditEventDto {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            at: rfc3339(e.at),
            user: e.user.map(|(id, name)| ActorDto { id: id.0, name }),
            action: e.action,
            target: e.target,
            status: e.status,
            ip: e.ip,
        }
    }
}

/// A page of events.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuditPage {
    items: Vec<AuditEventDto>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    next_cursor: Option<String>,
}

/// `GET /api/v1/audit`: who wrote what, when and from where in the namespace, newest
/// first.
///
/// Errors: 400 for a malformed cursor; 422 for a limit outside 1–500.
#[utoipa::path(
    operation_id = "audit_list",
    get,
    path = "/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "a page of events", body = AuditPage),
        (status = 400, description = "malformed cursor", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin of the namespace", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth<Admin>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}, not {limit}"
        )));
    }
    let before = query
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidCursor,
                    "cursor is not one this API returned",
                )
            })
        })
        .transpose()?;
    let filter = AuditFilter {
        namespace: Some(auth.namespace),
        action: query.action,
        user: query.user_id.map(UserId),
        before,
        // One more than asked, to know whether another page follows.
        limit: limit + 1,
    };
    let mut events = state.store.audit_events(&filter).await?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_cursor = more
        .then(|| events.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(Json(AuditPage {
        items: events.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
