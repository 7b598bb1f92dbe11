//! The original as a file the external tools (ffmpeg, poppler) can open.

use std::path::{Path, PathBuf};

use medialib_core::{Asset, StorageKey};

use super::Failure;
use crate::state::AppState;

/// An original on the local disk: the blob itself when the store is local, else a
/// temporary copy in the staging directory, deleted on drop.
pub(super) struct LocalOriginal {
    path: PathBuf,
    _copy: Option<tempfile::TempPath>,
}

impl LocalOriginal {
    /// Finds or fetches the original of `asset`.
    pub(super) async fn open(state: &AppState, asset: &Asset) -> Result<Self, Failure> {
        let key = StorageKey::original(asset.namespace, &asset.sha256);
        if let Some(path) = state.blobs.local_path(&key) {
            return Ok(Self { path, _copy: None });
        }
        // Remote stores: a copy in the staging directory. This reads the blob into memory
        // once; originals are bounded by `limits.max_upload_bytes`.
        let bytes = state
            .blobs
            .get_bytes(&key)
            .await
            .map_err(Failure::transient)?;
        let dir = state.staging_dir.as_ref().clone();
        let copy = tokio::task::spawn_blocking(move || {
            let mut file = tempfile::NamedTempFile::new_in(dir)?;
            std::io::Write::write_all(&mut file, &bytes)?;
            Ok::<_, std::io::Error>(file.into_temp_path())
        })
        .await
        .map_err(Failure::transient)?
        .map_err(Failure::transient)?;
        Ok(Self {
            path: copy.to_path_buf(),
            _copy: Some(copy),
        })
    }

    /// Where the bytes are.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}
