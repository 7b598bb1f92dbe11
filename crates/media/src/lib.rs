//! medialib's media pipeline: functions from an upload's bytes (or file) to facts, placeholders
//! and encoded variants. No async, no database; the only IO is running ffmpeg and poppler on
//! files the caller names: the server calls these from its request
//! handlers ([`sniff`], [`check_extension`], [`validate`]) and its background jobs ([`process`]).
//!
//! ```no_run
//! use medialib_core::VariantSpec;
//! use medialib_media::{EncodeSettings, ImageLimits, check_extension, process, sniff, validate};
//!
//! let bytes = std::fs::read("photo.jpg")?;
//! let head = &bytes[..bytes.len().min(8192)];
//! let detected = sniff(head, bytes.len() as u64).expect("not a known type");
//! check_extension("photo.jpg", &detected)?;
//! let format = detected.format.expect("not an image this crate decodes");
//! let limits = ImageLimits::default();
//! let info = validate(&bytes, format, &limits)?;
//! let done = process(&bytes, format, &VariantSpec::defaults(), &limits, &EncodeSettings::default())?;
//! assert_eq!(done.metadata.width, info.width);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`pipeline`] exposes the image stages one by one (probe, decode at a scale, orient, sRGB,
//! resize, encode) for callers that need a single output rather than every variant.
//!
//! Modules, in pipeline order:
//! - `sniff`: magic-byte detection ([`Detected`], [`ImageFormat`]) and the extension cross-check.
//! - `validate`: header facts ([`ImageInfo`], [`pipeline::Probe`]), size limits
//!   ([`ImageLimits`]), a cheap decode check.
//! - `decode`: which library decodes which format (libjpeg-turbo, `image`, libvips).
//! - `frames`: counting animation frames, pages and icon entries from container structure.
//! - `exif`: camera facts, capture time, GPS and the Orientation tag.
//! - `orient`: turning pixels upright.
//! - `icc`: ICC profile names and conversion to sRGB.
//! - `resize`: variant geometry (fit, cover, never upscale) and the resize cascade.
//! - `animation`: animated GIF, WebP and APNG kept animated in the WebP variants.
//! - `encode`: WebP, JPEG, PNG and AVIF encoders ([`EncodeSettings`]).
//! - `placeholder`: BlurHash, ThumbHash and dominant colour.
//! - [`transform`]: one on-the-fly transform ([`transform::render`]); `saliency` finds the
//!   subject for `g_auto` crops.
//! - [`square`]: the centre square of a picture at a model's input size, for analysis.
//! - `process`: the background pipeline ([`process`], [`ProcessedImage`], [`EncodedVariant`]).
//! - `raster`: the decoded-pixels type the stages pass along ([`pipeline::Raster`]).
//! - `error`: [`MediaError`] and its stable codes.
//! - [`formats`]: the table of accepted formats, by kind, with their extensions.
//!
//! The other kinds, each a public module:
//! - [`av`]: video and audio through ffprobe and ffmpeg: probe, poster, cover art, waveform,
//!   transcode with progress and cancel ([`Cancel`]).
//! - [`document`]: PDF through poppler, office files, plain text.
//! - [`model3d`]: glTF, OBJ and STL: validation, facts and a rendered preview.
//! - `tool`: running external tools with a timeout, bounded output and cancel.
#![deny(missing_docs)]

mod animation;
pub mod av;
mod decode;
pub mod document;
mod encode;
mod error;
mod exif;
pub mod formats;
mod frames;
mod icc;
pub mod model3d;
mod orient;
pub mod pipeline;
mod placeholder;
mod process;
mod raster;
mod resize;
mod saliency;
mod sniff;
pub mod square;
mod tool;
pub mod transform;
mod validate;
pub mod watermark;

pub use encode::EncodeSettings;
pub use error::MediaError;
pub use process::{EncodedVariant, ProcessedImage, process, process_around};
pub use sniff::{Detected, ImageFormat, check_extension, sniff, sniff_package, text_by_name};
pub use tool::Cancel;
pub use validate::{ImageInfo, ImageLimits, validate};
