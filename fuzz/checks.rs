//! What each fuzz target checks, shared by `cargo fuzz` (`fuzz_targets/`) and by the
//! stable replay of the saved corpus (`crates/medialib/tests/fuzz_replay.rs`). Every
//! check must hold for any input: no panic, and the properties asserted here.

use std::sync::OnceLock;
use std::time::Duration;

use medialib_core::store::{AssetQuery, AssetSort, AssetStore};
use medialib_core::{NamespaceId, StoreError};
use medialib_media::{ImageLimits, model3d, sniff as detect, validate};

/// Magic-byte detection, then the extension cross-check, on any bytes.
pub fn sniff(data: &[u8]) {
    if let Some(detected) = detect(data, data.len() as u64) {
        let _ = medialib_media::check_extension("upload.bin", &detected);
    }
}

/// What an upload's image goes through in the request: header facts (EXIF, ICC, frame
/// counts) and a verifying decode, under small limits so each run stays fast.
pub fn image(data: &[u8]) {
    let Some(format) = detect(data, data.len() as u64).and_then(|d| d.format) else {
        return;
    };
    let limits = ImageLimits {
        max_pixels: 4_000_000,
        max_side: 4_000,
        decode_timeout: Duration::from_secs(2),
    };
    if let Ok(info) = validate(data, format, &limits) {
        assert!(info.width >= 1 && info.height >= 1, "{info:?}");
        assert!(u64::from(info.width) * u64::from(info.height) <= limits.max_pixels);
    }
}

/// The glTF (binary and JSON), OBJ, STL, PLY and 3MF parsers: accepted models have finite,
/// ordered bounds and stay within the triangle limit.
pub fn model(data: &[u8]) {
    for mime in [
        "model/gltf-binary",
        "model/gltf+json",
        "model/obj",
        "model/stl",
        "model/x-ply",
        "model/3mf",
    ] {
        if let Ok(facts) = model3d::probe(data, mime) {
            if let Some(bounds) = facts.bounding_box {
                let corners = bounds.min.iter().chain(&bounds.max);
                assert!(corners.copied().all(f64::is_finite), "{bounds:?}");
                assert!((0..3).all(|i| bounds.min[i] <= bounds.max[i]), "{bounds:?}");
            }
            assert!(facts.triangle_count <= model3d::MAX_TRIANGLES, "{facts:?}");
        }
    }
}

/// OOXML, ODF and EPUB packages (zip and XML) and RTF read from a file, as ingest and the
/// worker do: the package's type from its directory, then the facts and the text.
pub fn office(data: &[u8]) {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::io::Write::write_all(&mut file, data).expect("written");
    let _ = medialib_media::sniff_package(data, file.path());
    for mime in [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/epub+zip",
        "application/rtf",
    ] {
        let timeout = Duration::from_secs(2);
        if let Ok(meta) = medialib_media::document::probe(file.path(), mime, timeout) {
            let text = medialib_media::document::extract_text(file.path(), &meta, 4096, timeout);
            if let Ok(Some(text)) = text {
                assert!(text.len() <= 4096, "{} bytes of text", text.len());
            }
        }
    }
}

/// tus `Upload-Metadata`: what parses formats back to itself.
pub fn tus_metadata(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = medialib_server::tus::headers::parse_metadata(raw) {
        let again = medialib_server::tus::headers::format_metadata(&parsed);
        assert_eq!(
            medialib_server::tus::headers::parse_metadata(&again).as_ref(),
            Ok(&parsed),
            "{again:?}"
        );
    }
}

/// Transform ops: what parses has a canonical form that parses to the same ops.
pub fn transform_ops(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ops) = medialib_core::transform::TransformOps::parse(raw) {
        let canonical = ops.to_string();
        let again = medialib_core::transform::TransformOps::parse(&canonical);
        assert_eq!(again.as_ref(), Ok(&ops), "{canonical:?}");
    }
}

/// Multipart and tus filenames: whatever arrives, what is kept is one safe path component.
pub fn filename(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let kept = medialib_app::ingest::filename::sanitize(&raw);
    assert!(!kept.is_empty() && kept.len() <= 255, "{kept:?}");
    assert!(
        !kept.contains(['/', '\\', '"']) && !kept.chars().any(char::is_control),
        "{kept:?}"
    );
    assert!(kept != "." && kept != "..", "{kept:?}");
}

/// Listing cursors, which clients hand back as they got them (or tampered with): the
/// SQLite store answers every sort order with a page or `InvalidCursor`, the 400 of the
/// API, never another error (a failing SQL statement would be a 500) or a panic.
pub fn cursor(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let (runtime, store) = cursor_store();
    for sort in [
        AssetSort::CreatedAt,
        AssetSort::TakenAt,
        AssetSort::Title,
        AssetSort::Size,
        AssetSort::Relevance,
    ] {
        let mut query = AssetQuery::newest(NamespaceId(1), 10);
        query.sort = sort;
        query.cursor = Some(raw.to_owned());
        query.text = (sort == AssetSort::Relevance).then(|| "sunset".to_owned());
        match runtime.block_on(store.list_assets(&query)) {
            Ok(_) | Err(StoreError::InvalidCursor) => {}
            Err(e) => panic!("{sort:?} with cursor {raw:?}: {e}"),
        }
    }
}

/// One empty SQLite store for every run: opening and migrating one takes milliseconds
/// that the fuzzer would otherwise spend on each input. The directory is leaked with it.
fn cursor_store() -> &'static (tokio::runtime::Runtime, medialib_store::SqliteStore) {
    static STORE: OnceLock<(tokio::runtime::Runtime, medialib_store::SqliteStore)> =
        OnceLock::new();
    STORE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let dir = tempfile::tempdir().expect("a temporary directory").keep();
        let store = runtime
            .block_on(medialib_store::SqliteStore::open(&dir.join("medialib.db")))
            .expect("the store opens");
        (runtime, store)
    })
}
