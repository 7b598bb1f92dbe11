//! `GET /api/v1/audit`: the namespace's audit log, newest first, for its admins. The
//! events are recorded by [`crate::audit`].

use axum::Json;
use axum::extract::State;
use medialib_app::access::audit;
use medialib_core::UserId;
use medialib_core::store::AuditEvent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiQuery;
use crate::auth::Auth;
use crate::dto::rfc3339;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

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
    #[param(minimum = 1, maximum = 500)]
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
    auth: Auth,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let (events, next_cursor) = audit::list(
        &state.catalog,
        &auth,
        query.action,
        query.user_id.map(UserId),
        query.limit.unwrap_or(50),
        query.cursor.as_deref(),
    )
    .await?;
    Ok(Json(AuditPage {
        items: events.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
