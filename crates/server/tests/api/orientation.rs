//! EXIF orientation: every variant comes out upright, asserted from pixels.

use std::time::Duration;

use image::imageops::FilterType;

use crate::helpers::{corpus, spawn_app};

/// Mean absolute difference of two images downscaled to 32×32 grey, 0–255.
fn difference(a: &image::DynamicImage, b: &image::DynamicImage) -> f64 {
    let small = |i: &image::DynamicImage| i.resize_exact(32, 32, FilterType::Triangle).to_luma8();
    let (a, b) = (small(a), small(b));
    let total: u64 = a
        .pixels()
        .zip(b.pixels())
        .map(|(p, q)| u64::from(p.0[0].abs_diff(q.0[0])))
        .sum();
    total as f64 / (32.0 * 32.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_orientation_produces_upright_variants() {
    let app = spawn_app().await;
    for shape in ["Landscape", "Portrait"] {
        let mut ids = Vec::new();
        for n in 0..=8 {
            let (status, asset) = app
                .upload(&corpus().join(format!("images/orientation/{shape}_{n}.jpg")))
                .await;
            assert_eq!(status, 201, "{asset}");
            ids.push(asset["id"].as_str().unwrap().to_owned());
        }
        let mut variants_of = Vec::new();
        for id in &ids {
            let asset = app.wait_processed(id, Duration::from_secs(60)).await;
            assert_eq!(asset["status"], "ready");
            let mut images = Vec::new();
            for v in asset["variants"].as_array().unwrap() {
                let bytes = app.fetch(v["url"].as_str().unwrap()).await;
                images.push((
                    v["name"].as_str().unwrap().to_owned(),
                    image::load_from_memory(&bytes).unwrap(),
                ));
            }
            variants_of.push(images);
        }
        let reference = &variants_of[1];
        for (n, variants) in variants_of.iter().enumerate() {
            for ((name, img), (_, upright)) in variants.iter().zip(reference) {
                assert_eq!(
                    (img.width(), img.height()),
                    (upright.width(), upright.height()),
                    "{shape}_{n} {name}"
                );
                let d = difference(img, upright);
                assert!(
                    d < 12.0,
                    "{shape}_{n} {name} differs from orientation 1 by {d:.1}"
                );
            }
        }
        // And the test can fail: a wrongly rotated image is far from upright.
        let rotated = variants_of[1][2].1.rotate90();
        let wrong = rotated.resize_exact(
            variants_of[1][2].1.width(),
            variants_of[1][2].1.height(),
            FilterType::Triangle,
        );
        assert!(difference(&wrong, &variants_of[1][2].1) > 12.0);
    }
}
