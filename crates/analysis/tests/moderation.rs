//! The moderation model on real corpus pictures, with the model `scripts/models.sh`
//! installs in `models/`: everyday photos (a cat, a beach, portraits, food, a kitchen, a
//! film poster) score far below the 0.8 at which policies act. The corpus holds no
//! picture the model should score high, so its high end is not tested here (the
//! policies are, with a threshold of 0: `crates/server/tests/api/moderation.rs`).

use std::path::PathBuf;

use medialib_analysis::moderation::Moderator;
use medialib_media::{ImageFormat, ImageLimits};

fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

#[test]
fn everyday_photos_score_as_safe() {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let moderator =
        Moderator::load(&models).unwrap_or_else(|e| panic!("{e}; run scripts/setup.sh first"));
    let mut scores = Vec::new();
    for (file, format) in [
        ("images-bad/lying_ext_jpeg_named.heic", ImageFormat::Jpeg),
        ("images/jpeg/progressive_icc.jpg", ImageFormat::Jpeg),
        ("images/bmp/hopper.bmp", ImageFormat::Bmp),
        (
            "images/camera/Konica_Minolta_DiMAGE_Z3.jpg",
            ImageFormat::Jpeg,
        ),
        (
            "images/camera/exif-org_fujifilm-dx10.jpg",
            ImageFormat::Jpeg,
        ),
        (
            "images/heif/iphone_13_pro_max_rotated.HEIC",
            ImageFormat::Heif,
        ),
        ("images/camera/no_exif_xmp.jpg", ImageFormat::Jpeg),
    ] {
        let bytes = std::fs::read(corpus().join(file)).unwrap();
        let raster =
            medialib_media::square::upright(&bytes, format, 1024, &ImageLimits::default()).unwrap();
        let rgb =
            image::RgbImage::from_raw(raster.width(), raster.height(), raster.data().to_vec())
                .unwrap();
        let score = moderator.score(&rgb).unwrap();
        assert!((0.0..=1.0).contains(&score));
        scores.push((file, score));
    }
    assert!(scores.iter().all(|(_, s)| *s < 0.2), "{scores:?}");
}
