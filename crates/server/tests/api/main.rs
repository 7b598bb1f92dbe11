//! HTTP integration tests, one module per feature, built as three binaries (SQLite,
//! PostgreSQL, blobs in S3; see `helpers`). Every test starts its own server on a free
//! loopback port with a fresh data directory (`helpers::spawn_app`).

mod analysis;
mod audit;
mod authorization;
mod av;
mod capabilities;
mod chunked;
mod contract;
mod corpus;
mod delivery;
mod documents;
mod download;
mod errors;
mod faces;
mod graphql;
mod health;
mod helpers;
mod import;
mod jobs;
mod moderation;
mod openapi;
mod organise;
mod orientation;
mod purge_race;
mod quotas;
mod rate_limits;
mod remote_vision;
mod samples;
mod sessions;
mod signed_urls;
mod similar;
mod sorting;
mod suggestions;
mod tenants;
mod text;
mod tokens;
mod transforms;
mod trash;
mod tus;
mod upload;
mod users;
mod web_ui;
mod webhooks;
