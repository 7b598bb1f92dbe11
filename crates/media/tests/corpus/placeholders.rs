//! Placeholders are real: the BlurHash decodes to the image's colours, the ThumbHash has the
//! image's aspect ratio, and the dominant colour of known images is what a person would say.

use base64::Engine;
use medialib_core::{Placeholder, VariantSpec};
use medialib_media::{EncodeSettings, ImageLimits, process, sniff};

use crate::common::entry;

fn placeholder(path: &str) -> Placeholder {
    let bytes = entry(path).bytes();
    let format = sniff(&bytes, bytes.len() as u64)
        .and_then(|d| d.format)
        .unwrap();
    process(
        &bytes,
        format,
        &VariantSpec::defaults()[..1],
        &ImageLimits::default(),
        &EncodeSettings::default(),
    )
    .unwrap()
    .placeholder
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(&hex[1..], 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

#[test]
fn white_image_has_white_placeholders() {
    // An overcast sky over snow: libvips measures a mean of 238.6 over all channels.
    let p = placeholder("images/large/6720px_white_30MP.jpg");
    let [r, g, b] = rgb(&p.dominant_color);
    assert!(
        [r, g, b].iter().all(|&c| (225..=250).contains(&c)),
        "dominant colour {}",
        p.dominant_color
    );
    let pixels = blurhash::decode(&p.blurhash, 8, 8, 1.0).expect("blurhash decodes");
    assert!(
        pixels.iter().all(|&v| v > 200),
        "blurhash of a white image is not white"
    );
    let hash = base64::engine::general_purpose::STANDARD
        .decode(&p.thumbhash)
        .unwrap();
    let ratio = thumbhash::thumb_hash_to_approximate_aspect_ratio(&hash).unwrap();
    // ThumbHash stores the aspect ratio coarsely.
    assert!((ratio - 1.5).abs() < 0.15, "aspect {ratio}");
}

/// A blue rectangle on a larger white ground: white dominates, the middle of the blurred
/// previews is blue.
#[test]
fn blue_square_on_white() {
    let p = placeholder("images/camera/BlueSquare_xmp.jpg");
    let [r, g, b] = rgb(&p.dominant_color);
    assert!(
        r > 240 && g > 240 && b > 240,
        "dominant colour {}",
        p.dominant_color
    );

    let pixels = blurhash::decode(&p.blurhash, 36, 22, 1.0).expect("blurhash decodes");
    let centre = (11 * 36 + 18) * 4;
    let [r, g, b] = [0, 1, 2].map(|c| i32::from(pixels[centre + c]));
    assert!(b > r + 60 && b > g + 60, "blurhash centre is {r},{g},{b}");

    let hash = base64::engine::general_purpose::STANDARD
        .decode(&p.thumbhash)
        .unwrap();
    let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&hash).unwrap();
    assert!(w > h, "landscape thumbhash is {w}x{h}");
    let centre = ((h / 2) * w + w / 2) * 4;
    let [r, g, b] = [0, 1, 2].map(|c| i32::from(rgba[centre + c]));
    assert!(b > r + 60 && b > g + 60, "thumbhash centre is {r},{g},{b}");
}

#[test]
fn transparent_images_keep_transparency_in_the_thumbhash() {
    let p = placeholder("images/png/transparent_rgba.png");
    let hash = base64::engine::general_purpose::STANDARD
        .decode(&p.thumbhash)
        .unwrap();
    let (_, _, _, alpha) = thumbhash::thumb_hash_to_average_rgba(&hash).unwrap();
    assert!(alpha < 1.0);
}
