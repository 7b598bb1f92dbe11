//! Tests against the shared corpus of real third-party files (`$MEDIALIB_CORPUS`, see
//! `shared/corpus/MANIFEST.md`). Every assertion is about real behaviour on real files.

mod common;
#[path = "../support/mod.rs"]
mod support;

mod accept;
mod animation;
mod colour;
mod drawing;
mod metadata;
mod orientation;
mod placeholders;
mod reject;
mod similarity;
mod sniffing;
mod transform;
