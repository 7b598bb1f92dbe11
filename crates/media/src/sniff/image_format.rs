//! The image formats this crate decodes, with their MIME types and short names.

/// An image format this crate can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (JFIF/EXIF, including MPO multi-picture files, which decode as their first frame).
    Jpeg,
    /// PNG, including animated PNG (APNG).
    Png,
    /// GIF 87a/89a, still or animated.
    Gif,
    /// WebP (lossy, lossless, animated).
    Webp,
    /// TIFF and BigTIFF.
    Tiff,
    /// Windows bitmap.
    Bmp,
    /// Windows icon (the largest entry is used).
    Ico,
    /// HEIF family (HEIC and other HEIF brands).
    Heif,
    /// AVIF, including `.avifs` image sequences.
    Avif,
    /// JPEG XL (codestream or container).
    Jxl,
    /// SVG (rendered to a raster when processed).
    Svg,
    /// Photoshop document (PSD, RGB or greyscale): its flattened composite.
    Psd,
    /// Netpbm PBM, PGM and PPM (`P1` to `P6`), plain or raw.
    Pnm,
    /// Camera RAW (DNG, CR2, CR3, NEF, ARW, ORF, RW2, RAF, PEF), developed by LibRaw.
    Raw,
}

impl ImageFormat {
    /// The canonical MIME type of the format.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Tiff => "image/tiff",
            Self::Bmp => "image/bmp",
            Self::Ico => "image/x-icon",
            Self::Heif => "image/heif",
            Self::Avif => "image/avif",
            Self::Jxl => "image/jxl",
            Self::Svg => "image/svg+xml",
            Self::Psd => "image/vnd.adobe.photoshop",
            Self::Pnm => "image/x-portable-anymap",
            // shared-mime-info's parent type of every camera RAW format.
            Self::Raw => "image/x-dcraw",
        }
    }

    /// Parses a MIME type, accepting the common aliases (`image/heic`, `image/vnd.microsoft.icon`,
    /// `image/apng`, ...). Parameters such as `; charset=` are ignored; matching is case-insensitive.
    pub fn from_mime(m: &str) -> Option<Self> {
        let essence = m
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Some(match essence.as_str() {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Self::Jpeg,
            "image/png" | "image/apng" | "image/vnd.mozilla.apng" => Self::Png,
            "image/gif" => Self::Gif,
            "image/webp" => Self::Webp,
            "image/tiff" | "image/tiff-fx" => Self::Tiff,
            "image/bmp" | "image/x-bmp" | "image/x-ms-bmp" => Self::Bmp,
            "image/x-icon" | "image/vnd.microsoft.icon" => Self::Ico,
            "image/heif" | "image/heic" | "image/heif-sequence" | "image/heic-sequence" => {
                Self::Heif
            }
            "image/avif" | "image/avif-sequence" => Self::Avif,
            "image/jxl" => Self::Jxl,
            "image/svg+xml" => Self::Svg,
            "image/vnd.adobe.photoshop" | "image/x-photoshop" | "application/x-photoshop" => {
                Self::Psd
            }
            "image/x-portable-anymap"
            | "image/x-portable-bitmap"
            | "image/x-portable-graymap"
            | "image/x-portable-pixmap" => Self::Pnm,
            "image/x-dcraw"
            | "image/x-adobe-dng"
            | "image/dng"
            | "image/x-canon-cr2"
            | "image/x-canon-cr3"
            | "image/x-nikon-nef"
            | "image/x-sony-arw"
            | "image/x-olympus-orf"
            | "image/x-panasonic-rw2"
            | "image/x-fuji-raf"
            | "image/x-pentax-pef" => Self::Raw,
            _ => return None,
        })
    }

    /// The short lower-case name stored in [`medialib_core::ImageMetadata::format`].
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Tiff => "tiff",
            Self::Bmp => "bmp",
            Self::Ico => "ico",
            Self::Heif => "heif",
            Self::Avif => "avif",
            Self::Jxl => "jxl",
            Self::Svg => "svg",
            Self::Psd => "psd",
            Self::Pnm => "pnm",
            Self::Raw => "raw",
        }
    }
}
