//! SVGs are drawn at each variant's size, not enlarged from their intrinsic size.

use medialib_core::{OutputFormat, VariantSpec};
use medialib_media::{EncodeSettings, ImageFormat, ImageLimits, process};

use crate::common::{decode_variant, entry};

#[test]
fn a_small_svg_is_drawn_sharp_at_the_size_of_each_box() {
    // A 190×90 black rectangle with a 5 px white stroke, in a 200×100 drawing.
    let bytes = entry("images/svg/imgproxy_test1_sanitized.svg").bytes();
    let done = process(
        &bytes,
        ImageFormat::Svg,
        &VariantSpec::defaults(),
        &ImageLimits::default(),
        &EncodeSettings::default(),
    )
    .unwrap();
    assert_eq!((done.metadata.width, done.metadata.height), (200, 100));
    let sizes: Vec<_> = done
        .variants
        .iter()
        .filter(|v| v.format == OutputFormat::Png)
        .map(|v| (v.name.as_str(), v.width, v.height))
        .collect();
    assert_eq!(
        sizes,
        [
            ("thumbnail", 150, 150),
            ("small", 300, 150),
            ("medium", 600, 300),
            ("large", 1200, 600),
            ("hero", 1920, 1080),
        ]
    );
    // Drawn six times larger, the stroke's outer edge is still one pixel of partial
    // coverage; enlarged from 200 px pixels it would blur over about six.
    let large = done
        .variants
        .iter()
        .find(|v| v.name == "large" && v.format == OutputFormat::Png)
        .unwrap();
    let image = decode_variant(large.format, &large.bytes).into_rgba8();
    let partial = (0..image.width())
        .filter(|&x| (8..248).contains(&image.get_pixel(x, 300)[3]))
        .count();
    assert!(
        partial <= 2,
        "{partial} partly covered pixels across the edge"
    );
    let [r, g, b, a] = image.get_pixel(600, 300).0;
    assert!(r.max(g).max(b) < 8 && a == 255, "the black fill");
    let [r, g, b, a] = image.get_pixel(1148, 300).0;
    assert!(r.min(g).min(b) > 240 && a == 255, "the white stroke");
    assert_eq!(
        image.get_pixel(1190, 300)[3],
        0,
        "transparent beyond the stroke"
    );
}
