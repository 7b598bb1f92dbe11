//! Analytics of a namespace: storage, uploads per day, the most delivered assets, and
//! assets whose processing failed.

use medialib_core::access::{Access, Principal};
use medialib_core::store::{AssetQuery, AssetViews, DayUploads, StorageReport, epoch_day};
use medialib_core::{AppError, Asset, AssetId, AssetStatus, ErrorCode, Timestamp};

use crate::Catalog;
use crate::access::authorize::require;

/// A period of whole UTC days ending today, and how many rows to list.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// Days back, today included: 1–366.
    pub days: u32,
    /// Rows: 1–100.
    pub limit: u32,
}

impl Period {
    /// The first day of the period (days since the Unix epoch) and the limit.
    ///
    /// Errors: `invalid_query` for either out of range.
    fn check(self) -> Result<(i64, u32), AppError> {
        if !(1..=366).contains(&self.days) || !(1..=100).contains(&self.limit) {
            return Err(AppError::new(
                ErrorCode::InvalidQuery,
                "days must be 1-366 and limit 1-100",
            ));
        }
        Ok((
            epoch_day(Timestamp::now_utc()) - i64::from(self.days) + 1,
            self.limit,
        ))
    }
}

/// Bytes and assets stored, by kind; the breakdown by namespace only for the instance
/// owner.
pub async fn storage(catalog: &Catalog, caller: &Principal) -> Result<StorageReport, AppError> {
    require(caller, Access::Read)?;
    let mut report = catalog.store.storage_report(caller.namespace).await?;
    let owner = catalog
        .store
        .get_user(caller.user)
        .await?
        .is_some_and(|u| u.is_owner);
    if !owner {
        report.by_namespace.clear();
    }
    Ok(report)
}

/// Assets and bytes uploaded on each day of the period, oldest first, with the days
/// without uploads as zeros.
///
/// Errors: `invalid_query` for a period out of range.
pub async fn uploads(
    catalog: &Catalog,
    caller: &Principal,
    period: Period,
) -> Result<Vec<DayUploads>, AppError> {
    require(caller, Access::Read)?;
    let (from_day, _) = period.check()?;
    let rows = catalog
        .store
        .uploads_per_day(caller.namespace, from_day)
        .await?;
    let today = epoch_day(Timestamp::now_utc());
    Ok((from_day..=today)
        .map(|day| {
            rows.iter()
                .find(|r| r.day == day)
                .cloned()
                .unwrap_or(DayUploads {
                    day,
                    assets: 0,
                    bytes: 0,
                })
        })
        .collect())
}

/// The most delivered assets of the period, most views first, each with its counts.
///
/// Errors: `invalid_query` for a period out of range.
pub async fn top(
    catalog: &Catalog,
    caller: &Principal,
    period: Period,
) -> Result<Vec<(Asset, AssetViews)>, AppError> {
    require(caller, Access::Read)?;
    let (from_day, limit) = period.check()?;
    let rows = catalog
        .store
        .top_assets(caller.namespace, from_day, limit)
        .await?;
    let ids: Vec<AssetId> = rows.iter().map(|r| r.asset).collect();
    let assets = catalog.store.get_assets(&ids).await?;
    Ok(assets
        .into_iter()
        .filter_map(|asset| {
            let row = rows.iter().find(|r| r.asset == asset.id)?.clone();
            Some((asset, row))
        })
        .collect())
}

/// The newest assets whose processing failed (at most the period's limit), and how many
/// there are in all.
///
/// Errors: `invalid_query` for a period out of range.
pub async fn failures(
    catalog: &Catalog,
    caller: &Principal,
    period: Period,
) -> Result<(Vec<Asset>, u64), AppError> {
    require(caller, Access::Read)?;
    let (_, limit) = period.check()?;
    let mut query = AssetQuery::newest(caller.namespace, limit);
    query.filter.status = Some(AssetStatus::Failed);
    let page = catalog.store.list_assets(&query).await?;
    Ok((page.items, page.total))
}
