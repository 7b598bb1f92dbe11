//! The image pipeline's stages, each callable on its own; [`crate::process`] is their
//! composition, and an on-the-fly transform can reuse them for a single output.
//!
//! ```no_run
//! use medialib_core::{Fit, OutputFormat, VariantSpec};
//! use medialib_media::pipeline::{Target, decode_box, decode_upright, encode, probe, resize};
//! use medialib_media::{EncodeSettings, ImageFormat, ImageLimits};
//!
//! let bytes = std::fs::read("photo.jpg")?;
//! let limits = ImageLimits::default();
//! let facts = probe(&bytes, ImageFormat::Jpeg, &limits)?; // header only, no pixels
//! let spec = VariantSpec { name: "card".into(), width: 400, height: 300, fit: Fit::Cover };
//! let target = Target::plan(facts.display_size(), &spec);
//! let box_ = decode_box(facts.display_size(), &[target], 0);
//! let upright = decode_upright(&bytes, &facts, box_, &limits)?; // shrink-on-load, sRGB
//! let card = resize(&upright.raster, &target)?; // exactly 400×300
//! std::fs::write("card.webp", encode(&card, OutputFormat::Webp, &EncodeSettings::default())?)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Stages, in order:
//! 1. [`probe`]: header facts and limits ([`Probe`]), nothing decoded.
//! 2. [`Target::plan`] per box, then [`decode_box`]: the smallest decode that serves them all.
//! 3. [`decode`] at that scale ([`Decoded`]), then [`orient`], [`convert_to_srgb`] and, for an
//!    alpha channel that is fully opaque, [`Raster::without_alpha`]; or all four at once with
//!    [`decode_upright`].
//! 4. [`resize`] for one target, [`cascade`] for many.
//! 5. [`encode`] to WebP, JPEG or PNG.

pub use crate::decode::{Decoded, decode};
pub use crate::encode::encode;
pub use crate::icc::convert_to_srgb;
pub use crate::orient::apply as orient;
pub use crate::raster::Raster;
pub use crate::resize::{Target, cascade, decode_box, drawing_size, resize};
pub use crate::validate::{Probe, probe};
use crate::{ImageLimits, MediaError, icc};

/// An upright sRGB decode, ready for [`resize`] and [`cascade`].
#[derive(Debug, Clone)]
pub struct Upright {
    /// Upright 8-bit sRGB pixels covering at least the requested box. It has an alpha channel
    /// only when some pixel is transparent, so `raster.alpha()` says whether the image needs a
    /// format with transparency (WebP or PNG rather than JPEG).
    pub raster: Raster,
    /// The description (`desc` tag) of the ICC profile the pixels were converted from, e.g.
    /// `Display P3`; `None` when there was none or it has no readable description.
    pub icc_profile: Option<String>,
}

/// Decodes once at the scale that covers `min_box` (display pixels, see [`decode`]), then
/// turns the pixels upright ([`orient`] with [`Probe::pending_orientation`]), converts them
/// to sRGB ([`convert_to_srgb`]) and drops an alpha channel no pixel uses.
///
/// Errors: those of [`decode`].
pub fn decode_upright(
    bytes: &[u8],
    probe: &Probe,
    min_box: (u32, u32),
    limits: &ImageLimits,
) -> Result<Upright, MediaError> {
    let decoded = decode(bytes, probe, min_box, limits)?;
    let profile = decoded.icc.as_deref().or(probe.header.vips_icc());
    let icc_profile = profile.and_then(icc::description);

    let mut raster = orient(decoded.raster, probe.pending_orientation());
    if let Some(profile) = &decoded.icc {
        convert_to_srgb(&mut raster, profile);
    }
    if raster.alpha && !raster.has_transparency() {
        raster = raster.without_alpha();
    }
    Ok(Upright {
        raster,
        icc_profile,
    })
}
