//! The formats this crate takes in, as one table: what `/api/v1/capabilities` lists and
//! what the refusal of an unsupported file names.
//!
//! Sniffing ([`crate::sniff`]) decides what a file is; this table is its summary for people
//! and clients choosing a file. A test checks every row against sniffing's extension
//! cross-check, so the two cannot disagree about an extension.

use medialib_core::AssetKind;

/// One accepted format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedFormat {
    /// The asset kind it becomes.
    pub kind: AssetKind,
    /// A short human name, e.g. `HEIF/HEIC`.
    pub name: &'static str,
    /// The MIME types recorded for it, canonical first.
    pub mimes: &'static [&'static str],
    /// File name extensions, without the dot, lower case.
    pub extensions: &'static [&'static str],
}

const fn format(
    kind: AssetKind,
    name: &'static str,
    mimes: &'static [&'static str],
    extensions: &'static [&'static str],
) -> AcceptedFormat {
    AcceptedFormat {
        kind,
        name,
        mimes,
        extensions,
    }
}

use AssetKind::{Audio, Document, Image, Model3d, Video};

/// Every format accepted for upload, by kind (images, video, audio, documents, 3D models).
pub const ACCEPTED: &[AcceptedFormat] = &[
    format(
        Image,
        "JPEG",
        &["image/jpeg"],
        &["jpg", "jpeg", "jpe", "jfif", "mpo"],
    ),
    format(Image, "PNG", &["image/png"], &["png", "apng"]),
    format(Image, "GIF", &["image/gif"], &["gif"]),
    format(Image, "WebP", &["image/webp"], &["webp"]),
    format(Image, "TIFF", &["image/tiff"], &["tif", "tiff"]),
    format(Image, "BMP", &["image/bmp"], &["bmp"]),
    format(Image, "ICO", &["image/x-icon"], &["ico"]),
    format(
        Image,
        "HEIF/HEIC",
        &["image/heic", "image/heif"],
        &["heic", "heif", "hif"],
    ),
    format(Image, "AVIF", &["image/avif"], &["avif", "avifs"]),
    format(Image, "JPEG XL", &["image/jxl"], &["jxl"]),
    format(Image, "SVG", &["image/svg+xml"], &["svg"]),
    format(Image, "PSD", &["image/vnd.adobe.photoshop"], &["psd"]),
    format(
        Image,
        "Camera RAW",
        &[
            "image/x-dcraw",
            "image/x-adobe-dng",
            "image/x-canon-cr2",
            "image/x-canon-cr3",
            "image/x-nikon-nef",
            "image/x-sony-arw",
            "image/x-olympus-orf",
            "image/x-panasonic-rw2",
            "image/x-fuji-raf",
            "image/x-pentax-pef",
        ],
        &[
            "dng", "cr2", "cr3", "nef", "arw", "orf", "rw2", "raf", "pef",
        ],
    ),
    format(
        Image,
        "PNM",
        &["image/x-portable-anymap"],
        &["pbm", "pgm", "ppm", "pnm"],
    ),
    format(Video, "MP4", &["video/mp4"], &["mp4", "m4v"]),
    format(Video, "QuickTime", &["video/quicktime"], &["mov"]),
    format(Video, "WebM", &["video/webm"], &["webm"]),
    format(Video, "Matroska", &["video/x-matroska"], &["mkv"]),
    format(Video, "AVI", &["video/x-msvideo"], &["avi"]),
    format(
        Video,
        "MPEG-PS",
        &["video/mpeg"],
        &["mpg", "mpeg", "m1v", "m2v", "vob"],
    ),
    format(Video, "MPEG-TS", &["video/mp2t"], &["ts", "m2ts", "mts"]),
    format(
        Video,
        "3GP",
        &["video/3gpp", "video/3gpp2"],
        &["3gp", "3g2"],
    ),
    format(Video, "FLV", &["video/x-flv"], &["flv"]),
    format(
        Video,
        "WMV/ASF",
        &["video/x-ms-wmv", "video/x-ms-asf"],
        &["wmv", "asf"],
    ),
    format(Video, "Ogg Theora", &["video/ogg"], &["ogv"]),
    format(Audio, "MP3", &["audio/mpeg"], &["mp3"]),
    format(
        Audio,
        "AAC/M4A",
        &["audio/mp4", "audio/aac"],
        &["m4a", "aac"],
    ),
    format(Audio, "Ogg Vorbis", &["audio/ogg"], &["ogg", "oga"]),
    format(Audio, "Opus", &["audio/opus"], &["opus"]),
    format(Audio, "FLAC", &["audio/x-flac"], &["flac"]),
    format(Audio, "WAV", &["audio/x-wav"], &["wav"]),
    format(Audio, "AIFF", &["audio/x-aiff"], &["aif", "aiff"]),
    format(
        Audio,
        "AC-3",
        &["audio/ac3", "audio/eac3"],
        &["ac3", "eac3"],
    ),
    format(Audio, "WMA", &["audio/x-ms-wma"], &["wma"]),
    format(
        Audio,
        "AMR",
        &["audio/amr", "audio/amr-wb"],
        &["amr", "awb"],
    ),
    format(Document, "PDF", &["application/pdf"], &["pdf"]),
    format(
        Document,
        "Word",
        &["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
        &["docx"],
    ),
    format(
        Document,
        "Excel",
        &["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
        &["xlsx"],
    ),
    format(
        Document,
        "PowerPoint",
        &["application/vnd.openxmlformats-officedocument.presentationml.presentation"],
        &["pptx"],
    ),
    format(
        Document,
        "OpenDocument",
        &[
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "application/vnd.oasis.opendocument.presentation",
        ],
        &["odt", "ods", "odp"],
    ),
    format(Document, "EPUB", &["application/epub+zip"], &["epub"]),
    format(Document, "RTF", &["application/rtf"], &["rtf"]),
    format(Document, "CSV", &["text/csv"], &["csv"]),
    format(
        Document,
        "Markdown",
        &["text/markdown"],
        &["md", "markdown"],
    ),
    format(Document, "Plain text", &["text/plain"], &["txt"]),
    format(Model3d, "glTF", &["model/gltf+json"], &["gltf"]),
    format(Model3d, "GLB", &["model/gltf-binary"], &["glb"]),
    format(Model3d, "Wavefront OBJ", &["model/obj"], &["obj"]),
    format(Model3d, "STL", &["model/stl"], &["stl"]),
    format(Model3d, "3MF", &["model/3mf"], &["3mf"]),
    format(Model3d, "PLY", &["model/x-ply"], &["ply"]),
];

/// The accepted formats in one sentence, grouped by kind, e.g. "images (JPEG, PNG, …),
/// video (MP4, …), …".
pub fn summary() -> String {
    let groups = [
        (Image, "images"),
        (Video, "video"),
        (Audio, "audio"),
        (Document, "documents"),
        (Model3d, "3D models"),
    ];
    groups
        .iter()
        .map(|(kind, label)| {
            let names: Vec<&str> = ACCEPTED
                .iter()
                .filter(|f| f.kind == *kind)
                .map(|f| f.name)
                .collect();
            format!("{label} ({})", names.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Detected, ImageFormat, check_extension};

    fn detected(f: &AcceptedFormat, mime: &'static str) -> Detected {
        Detected {
            mime,
            kind: f.kind,
            format: ImageFormat::from_mime(mime).filter(|_| f.kind == Image),
        }
    }

    #[test]
    fn every_extension_passes_the_cross_check_of_its_own_format() {
        for f in ACCEPTED {
            for mime in f.mimes {
                for ext in f.extensions {
                    let name = format!("upload.{ext}");
                    let check = check_extension(&name, &detected(f, mime));
                    assert!(check.is_ok(), "{} {mime} .{ext}: {check:?}", f.name);
                }
            }
        }
    }

    #[test]
    fn image_extensions_are_refused_on_another_image_format() {
        let jpeg = &ACCEPTED[0];
        let png = &ACCEPTED[1];
        assert_eq!((jpeg.name, png.name), ("JPEG", "PNG"));
        for ext in png.extensions {
            let check = check_extension(&format!("a.{ext}"), &detected(jpeg, "image/jpeg"));
            assert!(check.is_err(), ".{ext} on JPEG bytes");
        }
    }

    #[test]
    fn every_image_format_has_a_decoder() {
        for f in ACCEPTED.iter().filter(|f| f.kind == Image) {
            assert!(ImageFormat::from_mime(f.mimes[0]).is_some(), "{}", f.name);
        }
    }

    #[test]
    fn the_summary_names_each_kind_and_format() {
        let summary = summary();
        assert!(summary.starts_with("images (JPEG, PNG,"), "{summary}");
        assert!(summary.contains("3D models (glTF, GLB, Wavefront OBJ, STL, 3MF, PLY)"));
        assert!(summary.contains("video (MP4, QuickTime, WebM, Matroska, AVI, MPEG-PS,"));
    }
}
