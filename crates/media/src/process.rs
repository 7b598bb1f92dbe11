//! The background job's pipeline, composed of the public stages in [`crate::pipeline`]: probe
//! → decode once, upright and sRGB → resize cascade → encode, plus metadata and placeholders.

use medialib_core::{ImageMetadata, OutputFormat, Placeholder, VariantSpec};
use rayon::prelude::*;

use crate::pipeline::{self, Raster, Target};
use crate::{
    EncodeSettings, ImageFormat, ImageLimits, MediaError, animation, placeholder, saliency,
};

/// One encoded rendition of one variant spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedVariant {
    /// The spec's name, e.g. `thumbnail`.
    pub name: String,
    /// The encoding.
    pub format: OutputFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The encoded file, without any metadata (no EXIF, GPS or ICC; the pixels are sRGB).
    pub bytes: Vec<u8>,
}

/// Everything processing produced for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedImage {
    /// Facts about the original.
    pub metadata: ImageMetadata,
    /// BlurHash, ThumbHash and dominant colour.
    pub placeholder: Placeholder,
    /// 64-bit perceptual hash (dHash) of the upright picture, for near-duplicate search.
    pub phash: u64,
    /// Two renditions per spec, in spec order: WebP first, then JPEG (or PNG when the image has
    /// transparency), then AVIF when [`EncodeSettings::avif_variants`] asks for it.
    pub variants: Vec<EncodedVariant>,
}

/// The background job's work for one image, with cover crops around the most salient
/// region (see [`process_around`]).
///
/// Decodes once, shrinking on load to the smallest size the largest variant needs (JPEG: the
/// smallest n/8 DCT scale; SVG: drawn at that size, larger than its intrinsic size when a
/// box asks for more, see [`pipeline::drawing_size`]), turns the pixels upright (EXIF
/// orientation), converts them to sRGB (embedded ICC profile, e.g. Display P3), and derives
/// every variant from that one decode through a resize cascade. Each spec yields WebP at
/// `enc.webp_quality` and JPEG at `enc.jpeg_quality`, or PNG instead of JPEG when the image
/// has transparent pixels, and AVIF too with `enc.avif_variants`. Variants never upscale (see [`VariantSpec`] and
/// [`medialib_core::Fit`]) and carry no metadata. An animated GIF, WebP or PNG (APNG) gets
/// animated WebP renditions of every frame while they fit the animation budget; its other
/// renditions show the first frame. Also extracts [`ImageMetadata`] (EXIF,
/// ICC profile name) and computes the placeholders.
///
/// Errors: [`MediaError::TooLarge`] over `limits`, [`MediaError::Corrupt`] when decoding (or,
/// for boxes beyond a format's limits, encoding) fails.
pub fn process(
    bytes: &[u8],
    format: ImageFormat,
    specs: &[VariantSpec],
    limits: &ImageLimits,
    enc: &EncodeSettings,
) -> Result<ProcessedImage, MediaError> {
    process_around(bytes, format, specs, limits, enc, None)
}

/// [`process`], with the crops of [`medialib_core::Fit::Cover`] boxes kept around `focus`
/// (an editor's focal point, as fractions of the upright picture) when given, else around
/// the picture's most salient region (edges, saturation, skin tones); `g_auto` of the
/// transforms does the same.
///
/// Errors: those of [`process`].
pub fn process_around(
    bytes: &[u8],
    format: ImageFormat,
    specs: &[VariantSpec],
    limits: &ImageLimits,
    enc: &EncodeSettings,
    focus: Option<(f64, f64)>,
) -> Result<ProcessedImage, MediaError> {
    let probe = pipeline::probe(bytes, format, limits)?;
    let picture = probe.display_size();
    // A vector picture has no pixels to enlarge: it is drawn as large as the boxes need.
    let display = if format == ImageFormat::Svg {
        pipeline::drawing_size(picture, specs, limits.max_pixels, limits.max_side)
    } else {
        picture
    };
    let mut targets: Vec<Target> = specs
        .iter()
        .map(|spec| Target::plan(display, spec))
        .collect();

    // Decode once, at the smallest size that every target (and the placeholders) can shrink from.
    let decode_box = pipeline::decode_box(display, &targets, placeholder::WORKING_SIDE);
    let upright = pipeline::decode_upright(bytes, &probe, decode_box, limits)?;
    let has_alpha = upright.raster.alpha();
    for target in targets.iter_mut().filter(|t| !t.is_full_frame()) {
        let [_, _, w, h] = target.crop;
        let region = (w / f64::from(display.0), h / f64::from(display.1));
        let point = focus.unwrap_or_else(|| saliency::focus(&upright.raster, region));
        *target = target.centred_on(point);
    }

    let resized = pipeline::cascade(&upright.raster, &targets)?;
    let smallest = smallest_full_frame(&resized, &targets, display).unwrap_or(&upright.raster);
    let (placeholder, phash) = placeholder::compute(smallest)?;
    let icc_name = upright.icc_profile;
    // The decode is the largest buffer; free it before the encoders allocate theirs.
    drop(upright.raster);

    let second = if has_alpha {
        OutputFormat::Png
    } else {
        OutputFormat::Jpeg
    };
    // Biggest outputs first, one task each: the hero WebP alone is the critical path, so it
    // must start at once while the other core works through the rest.
    let formats: &[OutputFormat] = if enc.avif_variants {
        &[OutputFormat::Webp, second, OutputFormat::Avif]
    } else {
        &[OutputFormat::Webp, second]
    };
    let animates = animation::is_animated(&probe);
    let mut jobs: Vec<(usize, OutputFormat)> = (0..specs.len())
        .flat_map(|i| formats.iter().map(move |&f| (i, f)))
        // An animation's WebP renditions come from all its frames, below.
        .filter(|&(_, format)| !(animates && format == OutputFormat::Webp))
        .collect();
    jobs.sort_by_key(|&(i, format)| {
        let pixels = u64::from(resized[i].width) * u64::from(resized[i].height);
        std::cmp::Reverse((pixels, format == OutputFormat::Webp))
    });
    let encode_stills = || {
        jobs.into_par_iter()
            .with_max_len(1)
            .map(|(i, format)| Ok((i, variant(&specs[i], format, &resized[i], enc)?)))
            .collect::<Result<Vec<_>, MediaError>>()
    };
    let mut variants = if animates {
        // One core walks the frames while the other encodes the still renditions.
        let (animated, stills) = rayon::join(
            || animated_webps(bytes, &probe, &targets, limits, enc),
            encode_stills,
        );
        let mut variants = stills?;
        for (i, animated) in animated?.into_iter().enumerate() {
            let webp = match animated {
                Some(bytes) => EncodedVariant {
                    bytes,
                    ..variant_shell(&specs[i], OutputFormat::Webp, &resized[i])
                },
                None => variant(&specs[i], OutputFormat::Webp, &resized[i], enc)?,
            };
            variants.push((i, webp));
        }
        variants
    } else {
        encode_stills()?
    };
    variants.sort_by_key(|(i, v)| (*i, formats.iter().position(|&f| f == v.format)));
    let variants = variants.into_iter().map(|(_, v)| v).collect();

    let exif = probe.exif;
    let metadata = ImageMetadata {
        format: format.name().to_owned(),
        width: picture.0,
        height: picture.1,
        orientation: exif.orientation,
        has_alpha,
        frame_count: probe.frame_count,
        camera_make: exif.camera_make,
        camera_model: exif.camera_model,
        lens: exif.lens,
        exposure_time_s: exif.exposure_time_s,
        f_number: exif.f_number,
        iso: exif.iso,
        focal_length_mm: exif.focal_length_mm,
        taken_at: exif.taken_at,
        gps: exif.gps,
        icc_profile: icc_name,
    };
    Ok(ProcessedImage {
        metadata,
        placeholder,
        phash,
        variants,
    })
}

/// `raster` encoded as `format`, named after `spec`.
fn variant(
    spec: &VariantSpec,
    format: OutputFormat,
    raster: &Raster,
    enc: &EncodeSettings,
) -> Result<EncodedVariant, MediaError> {
    Ok(EncodedVariant {
        bytes: pipeline::encode(raster, format, enc)?,
        ..variant_shell(spec, format, raster)
    })
}

/// The name, format and size of `spec`'s rendition of `raster`, without bytes yet.
fn variant_shell(spec: &VariantSpec, format: OutputFormat, raster: &Raster) -> EncodedVariant {
    EncodedVariant {
        name: spec.name.clone(),
        format,
        width: raster.width,
        height: raster.height,
        bytes: Vec::new(),
    }
}

/// Every target's animated WebP, or `None` where it stays still (see [`animation`]).
fn animated_webps(
    bytes: &[u8],
    probe: &pipeline::Probe,
    targets: &[Target],
    limits: &ImageLimits,
    enc: &EncodeSettings,
) -> Result<Vec<Option<Vec<u8>>>, MediaError> {
    let budget = crate::decode::alloc_budget(limits);
    animation::webp_renditions(bytes, probe, targets, budget, enc.webp_quality)
}

/// The smallest variant that shows the whole image and is still at least the placeholders'
/// working size, so the placeholders need not be computed from the full decode.
fn smallest_full_frame<'a>(
    resized: &'a [Raster],
    targets: &[Target],
    display: (u32, u32),
) -> Option<&'a Raster> {
    resized
        .iter()
        .zip(targets)
        .filter(|(r, t)| {
            t.is_full_frame()
                && r.width.max(r.height) >= placeholder::WORKING_SIDE.min(display.0.max(display.1))
        })
        .map(|(r, _)| r)
        .min_by_key(|r| r.width)
}
