//! `DELETE /api/v1/trash`: empties the trash now rather than after its retention.

use axum::Json;
use axum::extract::State;
use medialib_app::purge::empty_trash;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// What emptying the trash did.
#[derive(Serialize, ToSchema)]
pub(crate) struct Emptied {
    /// Assets deleted for good, with the bytes only they held.
    purged: u64,
}

/// `DELETE /api/v1/trash`: deletes for good every asset in the caller's trash (an
/// admin's: the namespace's; an editor's: those they uploaded), with their variants and
/// the originals no other asset shares. Cannot be undone.
///
/// Errors: 403 without write access.
#[utoipa::path(
    operation_id = "trash_empty",
    delete,
    path = "/trash",
    tag = "assets",
    responses(
        (status = 200, description = "how many assets were purged", body = Emptied),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "no write access", body = ErrorBody),
    )
)]
pub(crate) async fn empty(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Emptied>, ApiError> {
    let purged = empty_trash(&state.catalog, &auth).await?;
    Ok(Json(Emptied { purged }))
}
