//! Shared by the media test binaries: where the corpus is, and its manifest.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `$MEDIALIB_CORPUS`, or `shared/corpus` next to the workspace.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// Every entry of the corpus's `manifest.json`: one JSON object per file (`path`,
/// `expect`, and the facts the reference tools computed).
pub fn manifest() -> Vec<Value> {
    let path = corpus_dir().join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}; set MEDIALIB_CORPUS", path.display()));
    serde_json::from_str(&text).expect("manifest.json is a JSON list")
}
