//! The audit log of a namespace, for its admins.

use medialib_core::access::{Access, Principal};
use medialib_core::store::{AuditEvent, AuditFilter};
use medialib_core::{AppError, ErrorCode, UserId};

use super::authorize::require;
use crate::Catalog;

/// Most events one page may hold.
pub const MAX_LIMIT: u32 = 500;

/// One page of the caller's namespace's audit log, newest first, and the cursor of the
/// next page (the last event's id; `None` on the last page).
///
/// Errors: `forbidden` without admin access; `invalid_request` for a limit out of
/// 1–[`MAX_LIMIT`]; `invalid_cursor` for a cursor this API did not return.
pub async fn list(
    catalog: &Catalog,
    caller: &Principal,
    action: Option<String>,
    user: Option<UserId>,
    limit: u32,
    cursor: Option<&str>,
) -> Result<(Vec<AuditEvent>, Option<String>), AppError> {
    require(caller, Access::Admin)?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}, not {limit}"
        )));
    }
    let before = cursor
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                AppError::new(
                    ErrorCode::InvalidCursor,
                    "cursor is not one this API returned",
                )
            })
        })
        .transpose()?;
    let filter = AuditFilter {
        namespace: Some(caller.namespace),
        action,
        user,
        before,
        limit: limit + 1,
    };
    let mut events = catalog.store.audit_events(&filter).await?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next = more
        .then(|| events.last().map(|e| e.id.to_string()))
        .flatten();
    Ok((events, next))
}
