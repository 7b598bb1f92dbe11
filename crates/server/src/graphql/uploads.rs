//! Uploading through GraphQL: files in the request (the GraphQL multipart request spec),
//! or a tus upload URL for large files, which any tus client then sends.

use std::collections::BTreeMap;

use async_graphql::{Context, Object, Result, SimpleObject, Upload};
use medialib_app::ingest::{self, Declared, IngestOutcome, Uploader, staging};
use medialib_core::AppError;

use super::asset::AssetNode;
use super::errors::{UserError, field_error, user_errors};
use super::{audit, principal, state};
use crate::dto::rfc3339;

/// The upload mutations.
#[derive(Default)]
pub(crate) struct UploadMutation;

/// One file's outcome, in the order sent.
#[derive(SimpleObject)]
pub(crate) struct UploadResult {
    /// The name it was sent with.
    filename: String,
    /// The new asset, or the one that already held these bytes.
    asset: Option<AssetNode>,
    /// Whether the namespace already had these bytes (nothing was stored).
    duplicate: bool,
    /// Why this file was refused (the others are not affected).
    error: Option<UserError>,
}

/// The outcome of `assetsUpload`: a result per file.
#[derive(SimpleObject)]
pub(crate) struct UploadPayload {
    results: Vec<UploadResult>,
    user_errors: Vec<UserError>,
}

/// A tus upload opened for a large file.
#[derive(SimpleObject, Default)]
pub(crate) struct UploadCreatePayload {
    /// Where a tus client sends the bytes (`PATCH`, tus 1.0); the last one makes the
    /// asset, named in the `Medialib-Asset-Id` header.
    upload_url: Option<String>,
    /// RFC 3339: when an unfinished upload is dropped.
    expires_at: Option<String>,
    user_errors: Vec<UserError>,
}

#[Object]
impl UploadMutation {
    /// Uploads one or more files sent with the request (multipart, with a
    /// `GraphQL-Require-Preflight` header), each checked and stored on its own as the
    /// REST upload does: one bad file does not fail the others.
    async fn assets_upload(
        &self,
        ctx: &Context<'_>,
        files: Vec<Upload>,
        title: Option<String>,
        alt: Option<String>,
        description: Option<String>,
        #[graphql(default)] is_public: bool,
    ) -> Result<UploadPayload> {
        let uploader = Uploader::authorize(principal(ctx)).map_err(field_error)?;
        let declared = Declared {
            filename: String::new(),
            title,
            description,
            alt_text: alt,
            is_public,
        };
        let mut results = Vec::new();
        for (i, file) in files.iter().enumerate() {
            let value = file
                .value(ctx)
                .map_err(|e| field_error(AppError::internal(e)))?;
            let filename = value.filename.clone();
            let declared = Declared {
                filename: filename.clone(),
                ..declared.clone()
            };
            let outcome = ingest_file(ctx, uploader, value.content, declared).await;
            let target = outcome
                .as_ref()
                .map_or(String::new(), |o| o.asset().id.to_string());
            audit(ctx, "assetsUpload", &target, &outcome).await;
            let index = i.to_string();
            results.push(match user_errors(&["files", &index], outcome)? {
                Ok(outcome) => UploadResult {
                    filename,
                    duplicate: matches!(outcome, IngestOutcome::Duplicate(_)),
                    asset: Some(AssetNode::of(outcome.asset().clone())),
                    error: None,
                },
                Err(mut errors) => UploadResult {
                    filename,
                    asset: None,
                    duplicate: false,
                    error: errors.pop(),
                },
            });
        }
        Ok(UploadPayload {
            results,
            user_errors: Vec::new(),
        })
    }

    /// Opens a resumable upload (tus 1.0) for a file of `byteSize` bytes, refused at
    /// once when it is over the upload limit or the namespace's quota.
    async fn upload_create(
        &self,
        ctx: &Context<'_>,
        filename: String,
        byte_size: u64,
        title: Option<String>,
        #[graphql(desc = "A collection's id or slug to add the asset to.")] collection: Option<
            String,
        >,
    ) -> Result<UploadCreatePayload> {
        let state = state(ctx);
        let caller = principal(ctx);
        let mut metadata = BTreeMap::from([("filename".to_owned(), filename)]);
        metadata.extend(title.map(|t| ("title".to_owned(), t)));
        metadata.extend(collection.map(|c| ("collection".to_owned(), c)));
        let outcome = async {
            Uploader::authorize(caller)?;
            crate::tus::complete::collection_of(state, caller.namespace, &metadata)
                .await
                .map_err(|e| e.into_app())?;
            crate::tus::open(state, caller, byte_size, metadata, false)
                .await
                .map_err(|e| e.into_app())
        }
        .await;
        let target = outcome.as_ref().map_or(String::new(), |s| s.id.to_string());
        audit(ctx, "uploadCreate", &target, &outcome).await;
        Ok(match user_errors(&["byteSize"], outcome)? {
            Ok(session) => UploadCreatePayload {
                upload_url: Some(state.urls.url(&crate::tus::location(session.id))),
                expires_at: Some(rfc3339(session.expires_at)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => UploadCreatePayload {
                user_errors,
                ..UploadCreatePayload::default()
            },
        })
    }
}

/// Stages one sent file (within the upload limit and the quota's room) and ingests it.
async fn ingest_file(
    ctx: &Context<'_>,
    uploader: Uploader,
    content: std::fs::File,
    declared: Declared,
) -> Result<IngestOutcome, AppError> {
    let catalog = &state(ctx).catalog;
    let limit = ingest::quota::upload_limit(catalog, uploader.namespace).await?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(content));
    let staged = match staging::stage(&catalog.staging_dir, stream, limit).await {
        Ok(staged) => staged,
        Err(e @ staging::StageError::TooLarge { .. }) => {
            let max = catalog.settings.limits.max_upload_bytes;
            if limit < max {
                return Err(
                    ingest::quota::over_bytes(catalog, uploader.namespace, limit + 1).await,
                );
            }
            return Err(ingest::stage_error(e));
        }
        Err(e) => return Err(ingest::stage_error(e)),
    };
    ingest::ingest(catalog, uploader, staged, declared).await
}
