//! The mutations on assets, collections, usage and jobs: the same use cases as REST, with the same rules. Each payload
//! carries `userErrors` (REST's codes); a refusal of access is a `FORBIDDEN` error of
//! the field. Every mutation is audited as `graphql.<name>`, like a REST write.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use medialib_app::assets::{self, Removal};
use medialib_app::bulk::{apply, refusal_error, tag_action};
use medialib_app::import::{self, UrlImport};
use medialib_app::ingest::{Declared, IngestOutcome};
use medialib_app::{jobs, organise};
use medialib_core::organise::{CollectionId, UsageRef};
use medialib_core::store::{AssetPatch, BulkAction, CollectionPatch, NewCollection};
use medialib_core::{AppError, AssetId, FocalPoint, JobId};

use super::asset::AssetNode;
use super::errors::{UserError, user_errors};
use super::types::{CollectionNode, JobNode, UsageNode};
use super::{audit, principal, state};

/// The mutations on assets, collections, usage and jobs.
#[derive(Default)]
pub(crate) struct MediaMutation;

/// The asset a mutation changed or made.
#[derive(SimpleObject, Default)]
pub(crate) struct AssetPayload {
    asset: Option<AssetNode>,
    /// For imports: whether the namespace already had these bytes.
    duplicate: bool,
    user_errors: Vec<UserError>,
}

/// The assets a mutation changed, in the order asked.
#[derive(SimpleObject, Default)]
pub(crate) struct AssetsPayload {
    assets: Vec<AssetNode>,
    user_errors: Vec<UserError>,
}

/// The ids a mutation removed.
#[derive(SimpleObject, Default)]
pub(crate) struct RemovedPayload {
    removed_ids: Vec<ID>,
    user_errors: Vec<UserError>,
}

/// The collection a mutation changed or made.
#[derive(SimpleObject, Default)]
pub(crate) struct CollectionPayload {
    collection: Option<CollectionNode>,
    user_errors: Vec<UserError>,
}

/// The usage recorded.
#[derive(SimpleObject, Default)]
pub(crate) struct UsagePayload {
    usage: Option<UsageNode>,
    user_errors: Vec<UserError>,
}

/// The job a mutation changed.
#[derive(SimpleObject, Default)]
pub(crate) struct JobPayload {
    job: Option<JobNode>,
    user_errors: Vec<UserError>,
}

/// What `assetUpdate` changes; absent fields stay, `null` clears `alt`, `description`
/// and `focalPoint`.
#[derive(InputObject)]
pub(crate) struct AssetUpdateInput {
    title: Option<String>,
    alt: async_graphql::MaybeUndefined<String>,
    description: async_graphql::MaybeUndefined<String>,
    is_public: Option<bool>,
    focal_point: async_graphql::MaybeUndefined<FocalPointInput>,
}

/// A point of the upright picture, fractions 0–1 from its top-left corner.
#[derive(InputObject, Clone, Copy)]
pub(crate) struct FocalPointInput {
    x: f64,
    y: f64,
}

/// A new collection.
#[derive(InputObject)]
pub(crate) struct CollectionCreateInput {
    title: String,
    /// Default: from the title.
    slug: Option<String>,
    description: Option<String>,
    /// Free-form, `folder` by default.
    kind: Option<String>,
    /// `#rrggbb`.
    color: Option<String>,
    #[graphql(default)]
    is_public: bool,
    /// A watermark name of `[transforms.watermarks]`.
    watermark: Option<String>,
}

/// What `collectionUpdate` changes; absent fields stay, `null` clears.
#[derive(InputObject)]
pub(crate) struct CollectionUpdateInput {
    title: Option<String>,
    slug: Option<String>,
    description: async_graphql::MaybeUndefined<String>,
    kind: Option<String>,
    color: async_graphql::MaybeUndefined<String>,
    is_public: Option<bool>,
    watermark: async_graphql::MaybeUndefined<String>,
}

/// Where an asset is used.
#[derive(InputObject)]
pub(crate) struct UsageInput {
    asset_id: ID,
    /// `page`, `product`, `article`, …
    entity_type: String,
    entity_id: String,
    /// `hero`, `gallery`, … (default `default`).
    usage_type: Option<String>,
}

fn maybe<T>(value: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// Parses asset ids; an unparseable one is `not_found`, as an unknown one would be.
fn asset_ids(ids: &[ID]) -> Result<Vec<AssetId>, AppError> {
    ids.iter()
        .map(|id| {
            id.parse::<AssetId>()
                .map_err(|_| AppError::not_found(format!("asset {:?}", id.0)))
        })
        .collect()
}

fn collection_id(id: &ID) -> Result<CollectionId, AppError> {
    id.parse::<i64>()
        .map(CollectionId)
        .map_err(|_| AppError::not_found(format!("collection {:?}", id.0)))
}

/// Runs a bulk action and answers the assets as they are now, or a user error per
/// refused asset (then nothing changed).
async fn bulk(
    ctx: &Context<'_>,
    name: &'static str,
    ids: Vec<ID>,
    action: Result<BulkAction, AppError>,
) -> Result<AssetsPayload> {
    let state = state(ctx);
    let outcome = async {
        let ids = asset_ids(&ids)?;
        let report = apply(&state.catalog, principal(ctx), &action?, &ids).await?;
        Ok((ids, report))
    }
    .await;
    let target = ids
        .iter()
        .map(|id| id.0.as_str())
        .collect::<Vec<_>>()
        .join(",");
    audit(ctx, name, &target, &outcome).await;
    let (ids, report) = match user_errors(&["ids"], outcome)? {
        Ok(done) => done,
        Err(errors) => return Ok(errors_only(errors)),
    };
    if !report.applied {
        let errors = report
            .results
            .iter()
            .enumerate()
            .filter_map(|(i, (id, result))| {
                let refusal = result.as_ref().err()?;
                let error = refusal_error(*id, refusal);
                let index = i.to_string();
                Some(UserError::new(&["ids", &index], &error))
            })
            .collect();
        return Ok(errors_only(errors));
    }
    let mut assets = state
        .catalog
        .store
        .get_assets(&ids)
        .await
        .map_err(|e| super::errors::field_error(e.into()))?;
    assets.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(AssetsPayload {
        assets: assets.into_iter().map(AssetNode::of).collect(),
        user_errors: Vec::new(),
    })
}

fn errors_only(user_errors: Vec<UserError>) -> AssetsPayload {
    AssetsPayload {
        assets: Vec::new(),
        user_errors,
    }
}

/// Audits a mutation on one collection and shapes its payload.
async fn collection_payload(
    ctx: &Context<'_>,
    name: &'static str,
    target: &str,
    outcome: Result<medialib_core::organise::Collection, AppError>,
) -> Result<CollectionPayload> {
    audit(ctx, name, target, &outcome).await;
    Ok(match user_errors(&[], outcome)? {
        Ok(c) => CollectionPayload {
            collection: Some(CollectionNode(c)),
            user_errors: Vec::new(),
        },
        Err(user_errors) => CollectionPayload {
            collection: None,
            user_errors,
        },
    })
}

#[Object]
impl MediaMutation {
    /// Changes an asset's title, alt text, description, visibility or focal point.
    async fn asset_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: AssetUpdateInput,
    ) -> Result<AssetPayload> {
        let patch = AssetPatch {
            title: input.title,
            description: maybe(input.description),
            alt_text: maybe(input.alt),
            is_public: input.is_public,
            focal_point: maybe(input.focal_point).map(|p| p.map(|p| FocalPoint { x: p.x, y: p.y })),
        };
        let outcome = async {
            let id = asset_ids(std::slice::from_ref(&id))?[0];
            assets::edit(&state(ctx).catalog, principal(ctx), id, patch).await
        }
        .await;
        audit(ctx, "assetUpdate", &id.0, &outcome).await;
        Ok(match user_errors(&["id"], outcome)? {
            Ok(asset) => AssetPayload {
                asset: Some(AssetNode::of(asset)),
                ..AssetPayload::default()
            },
            Err(user_errors) => AssetPayload {
                user_errors,
                ..AssetPayload::default()
            },
        })
    }

    /// Puts tags on assets (creating missing tags), all or none.
    async fn assets_tag(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        tags: Vec<String>,
    ) -> Result<AssetsPayload> {
        bulk(ctx, "assetsTag", ids, tag_action(tags, None, None)).await
    }

    /// Takes tags (by slug) off assets.
    async fn assets_untag(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        slugs: Vec<String>,
    ) -> Result<AssetsPayload> {
        bulk(ctx, "assetsUntag", ids, Ok(BulkAction::Untag { slugs })).await
    }

    /// Moves assets to the trash, all or none; one still used somewhere is refused
    /// (`asset_in_use`) unless `force`.
    async fn assets_trash(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        #[graphql(default)] force: bool,
    ) -> Result<AssetsPayload> {
        bulk(ctx, "assetsTrash", ids, Ok(BulkAction::Delete { force })).await
    }

    /// Brings assets back from the trash, all or none.
    async fn assets_restore(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<AssetsPayload> {
        bulk(ctx, "assetsRestore", ids, Ok(BulkAction::Restore)).await
    }

    /// Deletes assets for good, live or in the trash, with the bytes only they held.
    /// Each is purged on its own: the payload lists those removed and a user error for
    /// each refused one.
    async fn assets_purge(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        #[graphql(default)] force: bool,
    ) -> Result<RemovedPayload> {
        let mut payload = RemovedPayload::default();
        let removal = Removal { force, purge: true };
        for (i, raw) in ids.iter().enumerate() {
            let outcome = async {
                let id = asset_ids(std::slice::from_ref(raw))?[0];
                assets::delete(&state(ctx).catalog, principal(ctx), id, removal).await
            }
            .await;
            audit(ctx, "assetsPurge", &raw.0, &outcome).await;
            match user_errors(&["ids", &i.to_string()], outcome)? {
                Ok(()) => payload.removed_ids.push(raw.clone()),
                Err(errors) => payload.user_errors.extend(errors),
            }
        }
        Ok(payload)
    }

    /// Fetches a file from an http(s) URL (behind the SSRF guard) and ingests it.
    async fn asset_import(
        &self,
        ctx: &Context<'_>,
        url: String,
        title: Option<String>,
        #[graphql(default)] is_public: bool,
    ) -> Result<AssetPayload> {
        let state = state(ctx);
        let request = UrlImport {
            url,
            declared: Declared {
                filename: String::new(),
                title,
                description: None,
                alt_text: None,
                is_public,
            },
            tags: Vec::new(),
            collection: None,
        };
        let outcome =
            import::import(&state.catalog, &state.importer, principal(ctx), request).await;
        let target = match &outcome {
            Ok(o) => o.asset().id.to_string(),
            Err(_) => String::new(),
        };
        audit(ctx, "assetImport", &target, &outcome).await;
        Ok(match user_errors(&["url"], outcome)? {
            Ok(outcome) => AssetPayload {
                duplicate: matches!(outcome, IngestOutcome::Duplicate(_)),
                asset: Some(AssetNode::of(outcome.asset().clone())),
                user_errors: Vec::new(),
            },
            Err(user_errors) => AssetPayload {
                user_errors,
                ..AssetPayload::default()
            },
        })
    }

    /// Creates a collection.
    async fn collection_create(
        &self,
        ctx: &Context<'_>,
        input: CollectionCreateInput,
    ) -> Result<CollectionPayload> {
        let new = NewCollection {
            title: input.title,
            slug: input.slug,
            description: input.description,
            kind: input.kind.unwrap_or_default(),
            color: input.color,
            is_public: input.is_public,
            cover_asset: None,
            watermark: input.watermark,
        };
        let outcome = organise::collections::create(&state(ctx).catalog, principal(ctx), new).await;
        let target = outcome
            .as_ref()
            .map_or(String::new(), |c| c.id.0.to_string());
        collection_payload(ctx, "collectionCreate", &target, outcome).await
    }

    /// Changes a collection.
    async fn collection_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CollectionUpdateInput,
    ) -> Result<CollectionPayload> {
        let patch = CollectionPatch {
            title: input.title,
            slug: input.slug,
            description: maybe(input.description),
            kind: input.kind,
            color: maybe(input.color),
            is_public: input.is_public,
            cover_asset: None,
            watermark: maybe(input.watermark),
        };
        let outcome = async {
            let id = collection_id(&id)?;
            organise::collections::edit(&state(ctx).catalog, principal(ctx), id, patch).await
        }
        .await;
        collection_payload(ctx, "collectionUpdate", &id.0, outcome).await
    }

    /// Adds assets to a collection (at `position`, default the end), all or none.
    async fn collection_add_assets(
        &self,
        ctx: &Context<'_>,
        id: ID,
        asset_ids: Vec<ID>,
        position: Option<u32>,
    ) -> Result<CollectionPayload> {
        let outcome = async {
            let (collection, assets) = (collection_id(&id)?, self::asset_ids(&asset_ids)?);
            let catalog = &state(ctx).catalog;
            organise::collections::add_items(catalog, principal(ctx), collection, &assets, position)
                .await
        }
        .await;
        collection_payload(ctx, "collectionAddAssets", &id.0, outcome).await
    }

    /// Takes assets out of a collection, all or none.
    async fn collection_remove_assets(
        &self,
        ctx: &Context<'_>,
        id: ID,
        asset_ids: Vec<ID>,
    ) -> Result<CollectionPayload> {
        let outcome = async {
            let (collection, assets) = (collection_id(&id)?, self::asset_ids(&asset_ids)?);
            let catalog = &state(ctx).catalog;
            organise::collections::remove_items(catalog, principal(ctx), collection, &assets).await
        }
        .await;
        collection_payload(ctx, "collectionRemoveAssets", &id.0, outcome).await
    }

    /// Sets a collection's order: every item, once each.
    async fn collection_reorder(
        &self,
        ctx: &Context<'_>,
        id: ID,
        asset_ids: Vec<ID>,
    ) -> Result<CollectionPayload> {
        let outcome = async {
            let (collection, assets) = (collection_id(&id)?, self::asset_ids(&asset_ids)?);
            let catalog = &state(ctx).catalog;
            organise::collections::reorder(catalog, principal(ctx), collection, &assets).await
        }
        .await;
        collection_payload(ctx, "collectionReorder", &id.0, outcome).await
    }

    /// Records where an asset is used (again: its last use is updated).
    async fn usage_add(&self, ctx: &Context<'_>, input: UsageInput) -> Result<UsagePayload> {
        let usage = UsageRef {
            entity_type: input.entity_type,
            entity_id: input.entity_id,
            usage_type: input.usage_type.unwrap_or_else(|| "default".into()),
        };
        let outcome = async {
            let id = asset_ids(std::slice::from_ref(&input.asset_id))?[0];
            organise::usage::record(&state(ctx).catalog, principal(ctx), id, usage).await
        }
        .await;
        audit(ctx, "usageAdd", &input.asset_id.0, &outcome).await;
        Ok(match user_errors(&["input"], outcome)? {
            Ok(usage) => UsagePayload {
                usage: Some(UsageNode(usage)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => UsagePayload {
                usage: None,
                user_errors,
            },
        })
    }

    /// Removes an asset's usages by one entity (of `usageType`, or all).
    async fn usage_remove(&self, ctx: &Context<'_>, input: UsageInput) -> Result<RemovedPayload> {
        let outcome = async {
            let id = asset_ids(std::slice::from_ref(&input.asset_id))?[0];
            let catalog = &state(ctx).catalog;
            let usage_type = input.usage_type.as_deref();
            organise::usage::remove(
                catalog,
                principal(ctx),
                id,
                &input.entity_type,
                &input.entity_id,
                usage_type,
            )
            .await
        }
        .await;
        audit(ctx, "usageRemove", &input.asset_id.0, &outcome).await;
        Ok(match user_errors(&["input"], outcome)? {
            Ok(()) => RemovedPayload {
                removed_ids: vec![input.asset_id],
                user_errors: Vec::new(),
            },
            Err(user_errors) => RemovedPayload {
                removed_ids: Vec::new(),
                user_errors,
            },
        })
    }

    /// Cancels a queued or running job (`job_ended` once it has ended).
    async fn job_cancel(&self, ctx: &Context<'_>, id: ID) -> Result<JobPayload> {
        let outcome = async {
            let job = id
                .parse::<JobId>()
                .map_err(|_| AppError::not_found(format!("job {:?}", id.0)))?;
            jobs::cancel(&state(ctx).catalog, principal(ctx), job).await
        }
        .await;
        audit(ctx, "jobCancel", &id.0, &outcome).await;
        Ok(match user_errors(&["id"], outcome)? {
            Ok(job) => JobPayload {
                job: Some(JobNode(job)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => JobPayload {
                job: None,
                user_errors,
            },
        })
    }
}
