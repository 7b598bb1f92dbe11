//! Replays the saved fuzzing corpus (`fuzz/corpus/<target>/`, and any crash reproducer
//! kept in `fuzz/regressions/<target>/`) through the same checks `cargo fuzz` runs, on
//! stable, so that every input that once found a bug stays fixed. See `FUZZING.md`.

use std::path::Path;

#[path = "../../../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut inputs = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "{target}: {} fails its check",
                path.display()
            );
            inputs += 1;
        }
    }
    assert!(
        inputs > 0,
        "{target}: no saved corpus under {}",
        root.display()
    );
}

#[test]
fn sniff() {
    replay("sniff", checks::sniff);
}

#[test]
fn image() {
    replay("image", checks::image);
}

#[test]
fn model() {
    replay("model", checks::model);
}

#[test]
fn office() {
    replay("office", checks::office);
}

#[test]
fn tus_metadata() {
    replay("tus_metadata", checks::tus_metadata);
}

#[test]
fn transform_ops() {
    replay("transform_ops", checks::transform_ops);
}

#[test]
fn filename() {
    replay("filename", checks::filename);
}

#[test]
fn cursor() {
    replay("cursor", checks::cursor);
}
