//! Photoshop documents through the `psd` crate: the flattened composite that Photoshop
//! saves beside the layers ("Maximize compatibility", on by default), never a re-rendering
//! of the layers.
//!
//! Source: Adobe Photoshop File Formats Specification (2019), "File Header Section" and
//! "Image Data Section". The header is read here first so that the size limits apply
//! before the crate allocates anything.

use psd::{ColorMode, Psd};

use crate::MediaError;
use crate::raster::Raster;

/// The decoder's name in error messages.
const DECODER: &str = "PSD decoder";

/// What the 26-byte file header says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PsdHeader {
    /// Width in pixels (1 to 30,000).
    pub width: u32,
    /// Height in pixels (1 to 30,000).
    pub height: u32,
}

/// Reads the file header: signature `8BPS`, version 1 (version 2 is the large-document
/// PSB format, which the crate does not read), channel count, size, depth and colour mode.
///
/// Errors: [`MediaError::Corrupt`] for a header that is not a PSD's;
/// [`MediaError::Unsupported`] for PSB, a depth other than 8 or 16 bits, or a colour mode
/// other than RGB or greyscale.
pub(crate) fn header(bytes: &[u8]) -> Result<PsdHeader, MediaError> {
    let corrupt = |why: &str| MediaError::corrupt(DECODER, why);
    let h = bytes
        .get(..26)
        .ok_or_else(|| corrupt("the file ends inside its header"))?;
    let be16 = |at: usize| u16::from_be_bytes([h[at], h[at + 1]]);
    let be32 = |at: usize| u32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
    if &h[..4] != b"8BPS" {
        return Err(corrupt("the signature is not 8BPS"));
    }
    let unsupported = |what: String| MediaError::Unsupported {
        detected: format!("image/vnd.adobe.photoshop ({what})"),
    };
    match be16(4) {
        1 => {}
        2 => return Err(unsupported("a large document, PSB".into())),
        v => return Err(corrupt(&format!("unknown version {v}"))),
    }
    let (height, width) = (be32(14), be32(18));
    if !(1..=30_000).contains(&width) || !(1..=30_000).contains(&height) {
        return Err(corrupt(&format!(
            "the header declares a {width}x{height} image"
        )));
    }
    let depth = be16(22);
    if depth != 8 && depth != 16 {
        return Err(unsupported(format!("{depth} bits per channel")));
    }
    let mode = be16(24);
    if mode != ColorMode::Rgb as u16 && mode != ColorMode::Grayscale as u16 {
        return Err(unsupported(format!(
            "colour mode {mode}, not RGB or greyscale"
        )));
    }
    Ok(PsdHeader { width, height })
}

/// Decodes the composite to 8-bit RGBA (greyscale comes out as equal R, G and B).
///
/// The crate trusts lengths inside the file in places, so it runs under `catch_unwind`:
/// a panic is a corrupt file, not a crashed worker.
///
/// Errors: [`MediaError::Corrupt`] when the sections do not parse or the composite does
/// not have the header's size.
pub(crate) fn decode(bytes: &[u8], header: &PsdHeader) -> Result<Raster, MediaError> {
    let decoded = std::panic::catch_unwind(|| {
        Psd::from_bytes(bytes)
            .map(|psd| psd.rgba())
            .map_err(|e| MediaError::corrupt(DECODER, &e))
    })
    .map_err(|_| MediaError::corrupt(DECODER, "the image data is damaged"))??;
    Raster::new(header.width, header.height, true, decoded)
        .map_err(|why| MediaError::corrupt(DECODER, why))
}
