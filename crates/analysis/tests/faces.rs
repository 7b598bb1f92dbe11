//! The faces analyser on real corpus photos (`manifest.json`), with the model
//! `scripts/models.sh` installs in `models/`: portraits have one face where the face is,
//! in the upright picture's coordinates whatever the EXIF orientation; three portraits
//! side by side have three; animals, landscapes and food have none.

use std::path::PathBuf;

use medialib_analysis::faces::{Detector, SIDE};
use medialib_core::analysis::Face;
use medialib_media::square::letterboxed;
use medialib_media::{ImageFormat, ImageLimits};

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn detector() -> Detector {
    Detector::load(&models()).unwrap_or_else(|e| panic!("{e}; run scripts/setup.sh first"))
}

fn faces_in(detector: &Detector, bytes: &[u8], format: ImageFormat) -> Vec<Face> {
    let picture = letterboxed(bytes, format, SIDE, &ImageLimits::default()).unwrap();
    detector.detect(&picture).unwrap()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(corpus().join(file)).unwrap()
}

/// Whether `face`'s box holds the point (x, y), in fractions of the picture.
fn holds(face: &Face, (x, y): (f64, f64)) -> bool {
    (face.x..=face.x + face.width).contains(&x) && (face.y..=face.y + face.height).contains(&y)
}

#[test]
fn portraits_have_one_face_where_the_face_is() {
    let detector = detector();
    // (file, format, who, a point of the upright picture inside the face: checked by eye)
    let cases = [
        (
            "images/bmp/hopper.bmp",
            ImageFormat::Bmp,
            "Grace Hopper in uniform, head and shoulders",
            (0.5, 0.45),
        ),
        (
            "images/jpeg/hopper_orientation_6.jpg",
            ImageFormat::Jpeg,
            "the same portrait stored on its side, EXIF orientation 6",
            (0.5, 0.45),
        ),
        (
            "images/camera/Konica_Minolta_DiMAGE_Z3.jpg",
            ImageFormat::Jpeg,
            "a woman at a desk, her face in the upper half",
            (0.45, 0.3),
        ),
        (
            "images/camera/no_exif_xmp.jpg",
            ImageFormat::Jpeg,
            "a film poster: a man walking, his face small near the top",
            (0.66, 0.1),
        ),
    ];
    let mut wrong = Vec::new();
    let mut found = Vec::new();
    for (file, format, who, inside) in cases {
        let faces = faces_in(&detector, &read(file), format);
        if faces.len() != 1 || !holds(&faces[0], inside) {
            wrong.push(format!("{file} ({who}): {faces:?}"));
        }
        found.push(faces);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The portrait stored on its side gives the upright portrait's box.
    let (upright, turned) = (&found[0][0], &found[1][0]);
    for (a, b) in [
        (upright.x, turned.x),
        (upright.y, turned.y),
        (upright.width, turned.width),
        (upright.height, turned.height),
    ] {
        assert!((a - b).abs() < 0.03, "{upright:?} vs {turned:?}");
    }
}

#[test]
fn pictures_without_people_have_no_face() {
    let detector = detector();
    let cases = [
        (
            "images-bad/lying_ext_jpeg_named.heic",
            "a cat's face filling the frame",
        ),
        (
            "images/camera/Kodak_CX7530.jpg",
            "an agama lizard on a rock",
        ),
        (
            "images/camera/Iceland-sRGB.jpg",
            "a sunset over a lava field",
        ),
        (
            "images/camera/exif-org_fujifilm-dx10.jpg",
            "okonomiyaki on a griddle",
        ),
        ("images/jpeg/progressive_icc.jpg", "a beach"),
    ];
    let mut wrong = Vec::new();
    for (file, shows) in cases {
        let faces = faces_in(&detector, &read(file), ImageFormat::Jpeg);
        if !faces.is_empty() {
            wrong.push(format!("{file} ({shows}): {faces:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn three_portraits_side_by_side_have_three_faces() {
    let detector = detector();
    // Each portrait letterboxed into a 256-pixel square, the three squares in a row.
    let portraits = [
        ("images/bmp/hopper.bmp", ImageFormat::Bmp),
        (
            "images/camera/Konica_Minolta_DiMAGE_Z3.jpg",
            ImageFormat::Jpeg,
        ),
        ("images/jpeg/hopper_orientation_6.jpg", ImageFormat::Jpeg),
    ];
    let mut sheet = image::RgbImage::new(3 * 256, 256);
    for (i, (file, format)) in portraits.iter().enumerate() {
        let square = letterboxed(&read(file), *format, 256, &ImageLimits::default()).unwrap();
        let tile = image::RgbImage::from_raw(256, 256, square.raster.data().to_vec()).unwrap();
        image::imageops::replace(&mut sheet, &tile, i as i64 * 256, 0);
    }
    let mut png = Vec::new();
    sheet
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut faces = faces_in(&detector, &png, ImageFormat::Png);
    faces.sort_by(|a, b| a.x.total_cmp(&b.x));
    assert_eq!(faces.len(), 3, "{faces:?}");
    for (i, face) in faces.iter().enumerate() {
        let third = i as f64 / 3.0;
        assert!(
            face.x >= third && face.x + face.width <= third + 1.0 / 3.0,
            "face {i} lies in portrait {i}: {face:?}"
        );
        let eyes = (face.landmarks.right_eye, face.landmarks.left_eye);
        assert!(
            eyes.0.x < eyes.1.x && holds(face, (eyes.0.x, eyes.0.y)),
            "the subject's right eye is on the viewer's left, inside the box: {face:?}"
        );
    }
}
