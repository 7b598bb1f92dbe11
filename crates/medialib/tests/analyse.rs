//! `medialib analyse`: a backfill over a library imported without analysis.

use std::path::{Path, PathBuf};
use std::process::Command;

use medialib_core::NamespaceId;
use medialib_core::analysis::{AnalysisOutcome, AnalysisOutput};
use medialib_core::store::{AnalysisStore, AssetQuery, AssetStore};

/// Photos in the library: each a copy of a corpus photo with GPS, made distinct by bytes
/// after its end-of-image marker (as cameras and editors append), so none is a duplicate.
const PHOTOS: usize = 200;

fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// `medialib ARGS` on `data`, with the repository's models; its stdout, having checked
/// it succeeded.
fn medialib(data: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let out = Command::new(env!("CARGO_BIN_EXE_medialib"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("MEDIALIB_ANALYSIS__MODELS_DIR", models)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn a_backfill_analyses_every_photo_once_and_again_only_when_asked() {
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    // A Kodak CX7530 photo taken at 0.3713° S 36.0564° E, in Nakuru, Kenya.
    let photo = std::fs::read(corpus().join("images/camera/Kodak_CX7530.jpg")).unwrap();
    for n in 0..PHOTOS {
        let mut bytes = photo.clone();
        bytes.extend_from_slice(format!("copy {n}").as_bytes());
        std::fs::write(folder.path().join(format!("photo-{n:03}.jpg")), bytes).unwrap();
    }
    let folder = folder.path().to_str().unwrap();
    let off = [("MEDIALIB_ANALYSIS__ENABLED", "false")];
    let out = medialib(data.path(), &off, &["import", folder]);
    assert!(
        out.contains(&format!("imported {PHOTOS}, duplicates 0, rejected 0")),
        "{out}"
    );

    let out = medialib(data.path(), &[], &["analyse"]);
    assert!(
        out.contains(&format!("queued {PHOTOS} analysis jobs")),
        "{out}"
    );
    assert!(out.contains(&format!("analysed {PHOTOS} assets")), "{out}");

    let store = medialib_store::SqliteStore::open(&data.path().join("medialib.db"))
        .await
        .unwrap();
    let page = store
        .list_assets(&AssetQuery::newest(NamespaceId(1), PHOTOS as u32))
        .await
        .unwrap();
    assert_eq!(page.items.len(), PHOTOS);
    for asset in &page.items {
        let analyses = store.analyses(asset.id).await.unwrap();
        let place = analyses
            .iter()
            .find_map(|a| match &a.outcome {
                AnalysisOutcome::Ok {
                    output: AnalysisOutput::Places(place),
                } => Some(place),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{}: {analyses:?}", asset.original_filename));
        assert_eq!(
            (place.city.as_str(), place.country.as_str()),
            ("Nakuru", "Kenya")
        );
    }

    let by_place = AssetQuery {
        text: Some("nakuru kenya".into()),
        ..AssetQuery::newest(NamespaceId(1), 1)
    };
    assert_eq!(
        store.list_assets(&by_place).await.unwrap().total,
        PHOTOS as u64
    );

    // Nothing is missing any more; `--all` with one analyser queues every photo again.
    let out = medialib(data.path(), &[], &["analyse", "--missing"]);
    assert!(out.contains("queued 0 analysis jobs"), "{out}");
    let out = medialib(
        data.path(),
        &[],
        &["analyse", "--all", "--kinds", "places", "--no-run"],
    );
    assert!(
        out.contains(&format!("queued {PHOTOS} analysis jobs")),
        "{out}"
    );
    assert!(!out.contains("analysed"), "{out}");
}
