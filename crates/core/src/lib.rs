//! Domain types, configuration and storage seams shared by every medialib crate.
//!
//! This crate does no IO. The other crates implement its traits:
//! `medialib-store` implements [`MetadataStore`], `medialib-blob` implements [`BlobStore`].
//!
//! - [`ids`]: identifiers and content hashes ([`AssetId`], [`JobId`], [`Sha256`]).
//! - [`asset`]: assets, their kinds, status, metadata and placeholders.
//! - [`metadata`]: what processing learned, per kind ([`Metadata`]).
//! - [`organise`]: tags, collections and usage.
//! - [`access`]: roles, token scopes and the [`access::Principal`] a request acts as.
//! - [`analysis`]: what the analysers learned about an asset, and the tags they suggest.
//! - [`similarity`]: near-duplicate groups from perceptual hashes.
//! - [`variant`]: variant specifications (what to make) and stored variants (what was made).
//! - [`derivative`]: stored transform results ([`derivative::Derivative`]).
//! - [`job`]: background jobs and their typed payloads.
//! - [`config`]: layered settings (defaults → `medialib.toml` → `MEDIALIB_*` env → flags).
//! - [`store`]: the [`MetadataStore`] trait and its inputs and outputs.
//! - [`upload`]: resumable (tus) upload sessions.
//! - [`blob`]: the [`BlobStore`] trait and [`StorageKey`].
//! - [`transform`]: the ops language of on-the-fly transforms and its geometry.
//! - [`webhook`]: webhook endpoints, event types and deliveries.
//! - [`error`]: the error registry ([`ErrorCode`]) and [`AppError`].
#![deny(missing_docs)]

pub mod access;
pub mod analysis;
pub mod asset;
pub mod blob;
pub mod config;
pub mod derivative;
pub mod error;
pub mod ids;
pub mod job;
pub mod metadata;
pub mod organise;
pub mod similarity;
pub mod store;
pub mod transform;
pub mod upload;
pub mod variant;
pub mod webhook;

pub use asset::{
    Asset, AssetKind, AssetStatus, FocalPoint, GpsPosition, ImageMetadata, Placeholder,
};
pub use blob::{BlobEntry, BlobError, BlobFile, BlobStore, ByteStream, StorageKey};
pub use config::{Database, Secret, Settings};
pub use error::{AppError, ErrorCode};
pub use ids::{AssetId, JobId, NamespaceId, Sha256, UploadId, UserId};
pub use job::{Job, JobKind, JobPayload, JobStatus, Lease};
pub use metadata::{
    AudioMetadata, AudioTags, BoundingBox, DocumentMetadata, Metadata, ModelMetadata, VideoMetadata,
};
pub use store::{MetadataStore, StoreError};
pub use upload::{Concat, UploadSession};
pub use variant::{Fit, OutputFormat, TranscodeProfile, Variant, VariantSpec};

/// A point in time, always UTC.
pub type Timestamp = time::OffsetDateTime;
