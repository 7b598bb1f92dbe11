//! The labels analyser on real corpus photos (`manifest.json`), with the model
//! `scripts/models.sh` installs in `models/`: ten pictures with an obvious subject get the
//! obvious tag, at or above the default threshold, and none gets a tag it plainly is not.

use std::path::PathBuf;

use medialib_analysis::labels::{Classifier, KEEP, SIDE};
use medialib_analysis::vocabulary;
use medialib_media::{ImageFormat, ImageLimits};

/// `analysis.tag_threshold`'s default.
const THRESHOLD: f64 = 0.3;

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

#[test]
fn pictures_with_an_obvious_subject_get_the_obvious_tag() {
    let classifier =
        Classifier::load(&models()).unwrap_or_else(|e| panic!("{e}; run scripts/setup.sh first"));
    // (file, its format, what it shows, a tag it must get, a tag it must not get)
    let cases = [
        (
            "images-bad/lying_ext_jpeg_named.heic",
            ImageFormat::Jpeg,
            "a long-haired tabby's face filling the frame",
            "cat",
            "dog",
        ),
        (
            "images/jpeg/progressive_icc.jpg",
            ImageFormat::Jpeg,
            "white sand, turquoise sea, blue sky",
            "beach",
            "animal",
        ),
        (
            "images/camera/Kodak_CX7530.jpg",
            ImageFormat::Jpeg,
            "an agama lizard on a rock",
            "reptile",
            "bird",
        ),
        (
            "images/camera/Nikon_D70.jpg",
            ImageFormat::Jpeg,
            "a small lizard among leaves",
            "reptile",
            "vehicle",
        ),
        (
            "images/camera/exif-org_nikon-e950.jpg",
            ImageFormat::Jpeg,
            "a field gun on a lawn",
            "weapon",
            "animal",
        ),
        (
            "images/camera/exif-org_olympus-c960.jpg",
            ImageFormat::Jpeg,
            "an autumn mountain above parked cars",
            "mountain",
            "animal",
        ),
        (
            "images/camera/exif-org_fujifilm-dx10.jpg",
            ImageFormat::Jpeg,
            "okonomiyaki on a griddle",
            "food",
            "vehicle",
        ),
        (
            "images/heif/iphone_13_pro_max_rotated.HEIC",
            ImageFormat::Heif,
            "a wooden kitchen with pans",
            "kitchen",
            "animal",
        ),
        (
            "images/heif/libheif_example.heic",
            ImageFormat::Heif,
            "old town houses on a river",
            "building",
            "animal",
        ),
        (
            "images/camera/Nikon_COOLPIX_P1.jpg",
            ImageFormat::Jpeg,
            "a coach bus on a road",
            "vehicle",
            "animal",
        ),
    ];
    let mut wrong = Vec::new();
    for (file, format, shows, must, must_not) in cases {
        let bytes = std::fs::read(corpus().join(file)).unwrap();
        let square = medialib_media::square::centre_square(
            &bytes,
            format,
            KEEP,
            SIDE,
            &ImageLimits::default(),
        )
        .unwrap();
        let seen = classifier.classify(&square).unwrap();
        let tag = |name: &str| {
            seen.tags
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.confidence)
        };
        if !tag(must).is_some_and(|c| c >= THRESHOLD)
            || tag(must_not).is_some_and(|c| c >= THRESHOLD)
        {
            wrong.push(format!(
                "{file} ({shows}): {:?} {:?}",
                seen.labels, seen.tags
            ));
        }
        assert_eq!(seen.embedding.len(), 1280);
        let norm: f32 = seen.embedding.iter().map(|v| v * v).sum();
        assert!(
            (norm - 1.0).abs() < 1e-3,
            "{file}: the embedding is normalised"
        );
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_vocabulary_names_only_real_classes() {
    let names = std::fs::read_to_string(models().join("imagenet_labels.txt")).unwrap();
    let names: Vec<&str> = names.lines().collect();
    let unknown: Vec<&str> = vocabulary::named_classes()
        .filter(|c| !names.contains(c))
        .collect();
    assert!(unknown.is_empty(), "not ImageNet classes: {unknown:?}");
    // The animal ranges hold what their tags say.
    let tags = |name: &str| {
        let index = names.iter().position(|n| *n == name).unwrap();
        vocabulary::tags_of(index, name).collect::<Vec<_>>()
    };
    assert!(tags("tabby").contains(&"cat"));
    assert!(tags("bald eagle").contains(&"bird"));
    assert!(tags("golden retriever").contains(&"dog"));
    assert!(tags("tiger").contains(&"big cat"));
    assert_eq!(tags("espresso"), ["coffee", "drink", "food"]);
    assert!(tags("abacus").is_empty());
}
