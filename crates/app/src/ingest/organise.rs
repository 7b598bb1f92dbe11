//! Filing a newly ingested asset under the tags and the collection its upload named
//! (tus `Upload-Metadata`, an import's body).

use medialib_core::AppError;
use medialib_core::organise::{CollectionId, TagSource};
use medialib_core::store::BulkAction;
use medialib_core::{AssetId, NamespaceId};

use crate::Catalog;

/// The namespace's collection whose id or slug is `wanted`, if there is one.
pub async fn find_collection(
    catalog: &Catalog,
    namespace: NamespaceId,
    wanted: &str,
) -> Result<Option<CollectionId>, AppError> {
    let wanted = wanted.trim();
    Ok(catalog
        .store
        .list_collections(namespace)
        .await?
        .into_iter()
        .find(|c| c.slug == wanted || c.id.0.to_string() == wanted)
        .map(|c| c.id))
}

/// Tags `asset` with `tags` (names; created when new, blank ones skipped) and adds it to
/// `collection`.
pub async fn file(
    catalog: &Catalog,
    namespace: NamespaceId,
    asset: AssetId,
    tags: Vec<String>,
    collection: Option<CollectionId>,
) -> Result<(), AppError> {
    let names: Vec<String> = tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if !names.is_empty() {
        let action = BulkAction::Tag {
            names,
            source: TagSource::User,
            confidence: None,
        };
        catalog.store.bulk(namespace, &action, &[asset]).await?;
    }
    if let Some(collection) = collection {
        let action = BulkAction::AddToCollection(collection);
        catalog.store.bulk(namespace, &action, &[asset]).await?;
    }
    Ok(())
}
