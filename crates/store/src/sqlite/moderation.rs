//! Moderation states: recorded with an analysis, cleared by an admin. Status changes go
//! through the `asset_status_event` trigger, so a rejection sends `asset.failed`.

use medialib_core::analysis::ModerationState;
use medialib_core::analysis::moderation::{FLAG_TAG, REJECTED};
use medialib_core::{AssetId, StoreError};
use sqlx::{Sqlite, SqlitePool, Transaction};

use super::assets::id_bytes;
use super::rows::now_ms;
use super::{backend, begin_write};

/// Sets `asset`'s state, unless it already has it: held and rejected assets become
/// private, a rejected one fails, one rejected before and no longer is ready again.
pub(super) async fn record(
    tx: &mut Transaction<'_, Sqlite>,
    asset: AssetId,
    state: ModerationState,
) -> Result<(), StoreError> {
    let state = state.as_str();
    sqlx::query(
        "UPDATE asset SET
             is_public = CASE WHEN ? IN ('held', 'rejected') THEN 0 ELSE is_public END,
             status = CASE WHEN ? = 'rejected' THEN 'failed'
                           WHEN moderation = 'rejected' AND status = 'failed' THEN 'ready'
                           ELSE status END,
             error = CASE WHEN ? = 'rejected' THEN ?
                          WHEN moderation = 'rejected' AND status = 'failed' THEN NULL
                          ELSE error END,
             moderation = ?, updated_at = ?
         WHERE id = ? AND moderation IS NOT ?",
    )
    .bind(state)
    .bind(state)
    .bind(state)
    .bind(REJECTED)
    .bind(state)
    .bind(now_ms())
    .bind(id_bytes(asset))
    .bind(state)
    .execute(&mut **tx)
    .await
    .map_err(backend("record moderation"))?;
    Ok(())
}

/// See `AnalysisStore::clear_moderation`.
pub(super) async fn clear(pool: &SqlitePool, asset: AssetId) -> Result<bool, StoreError> {
    let mut tx = begin_write(pool).await?;
    let cleared = sqlx::query(
        "UPDATE asset SET
             status = CASE WHEN moderation = 'rejected' AND status = 'failed' THEN 'ready'
                           ELSE status END,
             error = CASE WHEN moderation = 'rejected' AND status = 'failed' THEN NULL
                          ELSE error END,
             moderation = 'cleared', updated_at = ?
         WHERE id = ? AND deleted_at IS NULL AND moderation IN ('flagged', 'held', 'rejected')",
    )
    .bind(now_ms())
    .bind(id_bytes(asset))
    .execute(&mut *tx)
    .await
    .map_err(backend("clear moderation"))?
    .rows_affected()
        > 0;
    if cleared {
        sqlx::query(
            "DELETE FROM asset_tag WHERE asset_id = ? AND source = 'auto'
               AND tag_id IN (SELECT id FROM tag WHERE slug = ?)",
        )
        .bind(id_bytes(asset))
        .bind(FLAG_TAG)
        .execute(&mut *tx)
        .await
        .map_err(backend("remove the flag tag"))?;
    }
    tx.commit().await.map_err(backend("commit"))?;
    Ok(cleared)
}
