//! Organising a namespace's assets: tags, collections, and where assets are used.

pub mod collections;
pub mod tags;
pub mod usage;
