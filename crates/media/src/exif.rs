//! EXIF metadata: camera facts, capture time, GPS position and the Orientation tag.
//!
//! Tags and units follow EXIF 2.32 (CIPA DC-008-2019); parsing is done by `nom-exif`, which
//! reads EXIF from JPEG, PNG (`eXIf`), WebP, TIFF, HEIF and AVIF containers. Metadata is best
//! effort: malformed EXIF yields fewer facts, never an error, because pixels decide acceptance.

use medialib_core::GpsPosition;
use nom_exif::{EntryValue, Exif, ExifTag, GPSInfo, MediaParser, MediaSource};

use crate::ImageFormat;
use crate::decode::jpeg_segments;

/// The EXIF facts this crate uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ExifFacts {
    /// Raw Orientation tag (0x0112), as stored (may be 0 or out of range).
    pub orientation: Option<u16>,
    /// `Make` (0x010F), trimmed.
    pub camera_make: Option<String>,
    /// `Model` (0x0110), trimmed.
    pub camera_model: Option<String>,
    /// `LensModel` (0xA434), trimmed.
    pub lens: Option<String>,
    /// `ExposureTime` (0x829A) in seconds.
    pub exposure_time_s: Option<f64>,
    /// `FNumber` (0x829D).
    pub f_number: Option<f64>,
    /// `PhotographicSensitivity` (0x8827, formerly ISOSpeedRatings).
    pub iso: Option<u32>,
    /// `FocalLength` (0x920A) in millimetres.
    pub focal_length_mm: Option<f64>,
    /// `DateTimeOriginal` (0x9003) as `YYYY-MM-DDTHH:MM:SS`, plus `OffsetTimeOriginal` (0x9011).
    pub taken_at: Option<String>,
    /// GPS IFD position in signed degrees and metres.
    pub gps: Option<GpsPosition>,
}

/// Reads the EXIF facts of an image; an empty result when there is no (readable) EXIF.
pub(crate) fn read(bytes: &[u8], format: ImageFormat) -> ExifFacts {
    let input = match format {
        // EXIF lives in APP1 before the first scan; the pixel data need not be copied.
        ImageFormat::Jpeg => jpeg_segments::metadata_prefix(bytes),
        ImageFormat::Png
        | ImageFormat::Webp
        | ImageFormat::Tiff
        | ImageFormat::Heif
        | ImageFormat::Avif
        // TIFF-structured RAWs (DNG, CR2, NEF, ARW, PEF) keep EXIF in their TIFF directories.
        | ImageFormat::Raw => bytes,
        ImageFormat::Gif
        | ImageFormat::Bmp
        | ImageFormat::Ico
        | ImageFormat::Jxl
        | ImageFormat::Svg
        | ImageFormat::Pnm
        // A PSD's EXIF is an image resource (ID 1058) that nom-exif does not look for.
        | ImageFormat::Psd => {
            return ExifFacts::default();
        }
    };
    // nom-exif is fuzzed, but a panic in a metadata parser must still not fail an upload.
    std::panic::catch_unwind(|| parse(input))
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn parse(input: &[u8]) -> Option<ExifFacts> {
    let source = MediaSource::from_memory(input.to_vec()).ok()?;
    let mut parser = MediaParser::new();
    let iter = parser.parse_exif(source).ok()?;
    let gps = iter.parse_gps().ok().flatten();
    let exif: Exif = iter.into();
    let text = |tag| {
        exif.get(tag)
            .and_then(EntryValue::as_str)
            .map(|s| {
                s.trim_matches(|c: char| c == '\0' || c.is_whitespace())
                    .to_owned()
            })
            .filter(|s| !s.is_empty())
    };
    let number = |tag| {
        exif.get(tag)
            .and_then(EntryValue::try_as_float)
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    Some(ExifFacts {
        orientation: exif
            .get(ExifTag::Orientation)
            .and_then(EntryValue::try_as_integer)
            .and_then(|o| u16::try_from(o).ok()),
        camera_make: text(ExifTag::Make),
        camera_model: text(ExifTag::Model),
        lens: text(ExifTag::LensModel),
        exposure_time_s: number(ExifTag::ExposureTime),
        f_number: number(ExifTag::FNumber),
        iso: exif
            .get(ExifTag::ISOSpeedRatings)
            .and_then(EntryValue::try_as_integer)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|&v| v > 0),
        focal_length_mm: number(ExifTag::FocalLength),
        taken_at: exif.get(ExifTag::DateTimeOriginal).and_then(taken_at),
        gps: gps.as_ref().and_then(position),
    })
}

/// Formats `DateTimeOriginal`: nom-exif has already merged `OffsetTimeOriginal` when present.
fn taken_at(value: &EntryValue) -> Option<String> {
    match value {
        EntryValue::NaiveDateTime(t) => Some(t.format("%Y-%m-%dT%H:%M:%S").to_string()),
        EntryValue::DateTime(t) => Some(t.format("%Y-%m-%dT%H:%M:%S%:z").to_string()),
        // Unparseable dates ("0000:00:00 00:00:00", blanks) are better left out than stored.
        _ => None,
    }
}

/// Signed decimal degrees (and metres), or `None` for positions outside the globe.
fn position(gps: &GPSInfo) -> Option<GpsPosition> {
    let latitude = gps.latitude_decimal()?;
    let longitude = gps.longitude_decimal()?;
    let valid = latitude.is_finite()
        && longitude.is_finite()
        && latitude.abs() <= 90.0
        && longitude.abs() <= 180.0;
    valid.then(|| GpsPosition {
        latitude,
        longitude,
        altitude: gps.altitude_meters().filter(|a| a.is_finite()),
    })
}
