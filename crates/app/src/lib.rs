//! medialib's application layer: the use cases that HTTP, the CLI, the workers and
//! GraphQL call alike, with their authorization, over a [`Catalog`]. It knows no HTTP:
//! every refusal is an [`medialib_core::AppError`] from the one registry, and each
//! entry point renders it its own way.
//!
//! Every use case takes the caller's `Principal` and decides what they may do
//! ([`access::authorize`]) before it reads or writes; entry points only authenticate.
//!
//! - [`Catalog`]: the stores, blob storage, settings and staging directory;
//!   [`open`] opens one for a process.
//! - [`ingest`]: the one ingest path (staging, sniffing, validation, dedup, recording);
//!   [`import`]: import from URL, behind an SSRF guard, into that path.
//! - [`assets`], [`bulk`], [`search`], [`duplicates`]: one asset, many at once, finding
//!   them, near-duplicates.
//! - [`organise`]: tags, collections and usage.
//! - [`jobs`]: a job as users see it (read, cancel); the job runner is `medialib-worker`.
//! - [`analysis`]: rerunning the analysers, reviewing automatic tags, backfills.
//! - [`similar`]: similar media by embedding, perceptual hash, tags and collections.
//! - [`access`]: credentials, sessions, authorization, tokens, members, users' data and
//!   the audit log.
//! - [`analytics`]: storage, uploads, top assets, failures.
//! - [`signing`], [`signed_urls`], [`paths`]: delivery paths and their signatures.
//! - [`health`]: readiness, check by check; [`capabilities`]: what the server accepts
//!   and does.
//! - [`media_limits`]: the media crate's limits from the settings.
//! - [`metrics`]: what medialib measures for Prometheus, and the calls that record it.
//! - [`purge`]: deleting rows, then the bytes only they referenced.
//! - [`retention`]: moving media used nowhere and not viewed to the trash.
//! - [`backup`]: backing up and restoring an embedded install (SQLite + local blobs).
//! - [`integrity`]: the blob store against the metadata (verify), and orphans (gc).
//! - [`storage_copy`]: copying every referenced blob to another store, resumably.
//! - [`transforms`]: on-the-fly transforms, their access rules, URLs and stored results.
//! - [`uploads`]: the bytes and leases of upload sessions (tus, chunked), on any node.
//! - [`webhooks`]: webhook endpoints, signing and sending deliveries.
#![deny(missing_docs)]

pub mod access;
pub mod analysis;
pub mod analytics;
pub mod assets;
pub mod backup;
pub mod bulk;
pub mod capabilities;
mod catalog;
pub mod download;
pub mod duplicates;
pub mod health;
pub mod import;
pub mod ingest;
pub mod integrity;
pub mod jobs;
pub mod media_limits;
pub mod metrics;
pub mod open;
pub mod organise;
pub mod paths;
pub mod previews;
pub mod purge;
pub mod recommend;
pub mod remote_vision;
pub mod retention;
pub mod search;
pub mod signed_urls;
pub mod signing;
pub mod similar;
pub mod storage_copy;
pub mod suggest;
pub mod transforms;
pub mod uploads;
pub mod webhooks;

pub use catalog::Catalog;
