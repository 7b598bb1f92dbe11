//! Content sniffing: what a file is, from its first bytes, and whether its name agrees.
//!
//! The magic numbers come from each format's specification (JPEG: ITU T.81 SOI `FF D8 FF`;
//! PNG: ISO/IEC 15948 signature; HEIF/AVIF: the ISO/IEC 14496-12 `ftyp` box and the brands of
//! ISO/IEC 23008-12 and the AV1 Image File Format; SVG: the `<svg` root element of SVG 1.1).
//! The `infer` crate covers the rest; the checks here are the ones it gets wrong or lacks.
//! Formats without a magic number (binary and ASCII STL, glTF JSON, Wavefront OBJ, plain text)
//! are recognised by structure in `sniff/models.rs` and here, after every magic-number check.
//!
//! Files:
//! - `av.rs`: headerless audio and video streams (MPEG-TS, MP3 without ID3, AC-3), AMR-WB,
//!   3GP and Ogg Theora;
//! - `raw.rs`: camera RAW, including the RAW formats that are TIFF files on the outside;
//! - `models.rs`: 3D models without a magic number, and PLY;
//! - `refine.rs`: what the head cannot tell: a zip package's content (from its central
//!   directory) and CSV or Markdown text (from the name);
//! - `image_format.rs`: the decodable image formats and their MIME types.

use medialib_core::AssetKind;

use crate::MediaError;

mod av;
mod image_format;
mod models;
mod raw;
mod refine;

pub use image_format::ImageFormat;
pub use refine::{sniff_package, text_by_name};

/// A detected file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The MIME type of the content, e.g. `image/heic`, `video/mp4`.
    pub mime: &'static str,
    /// What kind of asset it is.
    pub kind: AssetKind,
    /// The image format when this crate can decode it; `None` for everything else
    /// (video, audio, documents, and images in formats without a decoder here, such as PSD).
    pub format: Option<ImageFormat>,
}

impl Detected {
    fn image(format: ImageFormat) -> Self {
        Self::image_as(format.mime(), format)
    }

    fn image_as(mime: &'static str, format: ImageFormat) -> Self {
        Self {
            mime,
            kind: AssetKind::Image,
            format: Some(format),
        }
    }

    fn model(mime: &'static str) -> Self {
        Self {
            mime,
            kind: AssetKind::Model3d,
            format: None,
        }
    }
}

/// Content sniffing of a file from its first bytes, `head` (the server passes up to 8192), and
/// its whole size, `len`, in bytes.
///
/// Never looks at a filename. Binary formats are recognised by their magic bytes first; only
/// then are text formats tried (glTF JSON, Wavefront OBJ, ASCII STL), and text that is none of
/// them is `text/plain`. `len` is what identifies binary STL, which has no magic number: its
/// size is `84 + 50 × triangles`. Returns `None` when nothing recognisable matched. Content that
/// is recognised but cannot be processed as an image (video, audio, PDF, 3D models, text, ...)
/// is returned with `format: None`, so the caller can say what it is.
pub fn sniff(head: &[u8], len: u64) -> Option<Detected> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        // MPO files are JPEGs with extra frames appended; they stay image/jpeg.
        return Some(Detected::image(ImageFormat::Jpeg));
    }
    if let Some(detected) = sniff_isobmff(head) {
        return Some(detected);
    }
    if looks_like_svg(head) {
        return Some(Detected::image(ImageFormat::Svg));
    }
    // Before TIFF: several RAW formats are TIFF files on the outside.
    if let Some(detected) = raw::sniff(head) {
        return Some(detected);
    }
    // BigTIFF (version 43), which `infer` does not know.
    if head.starts_with(b"II\x2B\x00") || head.starts_with(b"MM\x00\x2B") {
        return Some(Detected::image(ImageFormat::Tiff));
    }
    if let Some(detected) = sniff_matroska(head) {
        return Some(detected);
    }
    if head.starts_with(b"glTF") {
        return Some(Detected::model("model/gltf-binary"));
    }
    if models::is_ply(head) {
        return Some(Detected::model("model/x-ply"));
    }
    // Before `infer`: an STL header is free text and can begin with a weak magic such as BMP's
    // `BM`, while the size formula is a strong signal.
    if models::is_binary_stl(head, len) {
        return Some(Detected::model("model/stl"));
    }
    if let Some(detected) = av::sniff(head, len) {
        return Some(detected);
    }
    if is_netpbm(head) {
        return Some(Detected::image(ImageFormat::Pnm));
    }
    if let Some(found) = infer::get(head) {
        return Some(from_infer(found));
    }
    sniff_text(head, len)
}

/// Text formats, tried only when no binary signature matched; text that is none of them is
/// `text/plain`.
fn sniff_text(head: &[u8], len: u64) -> Option<Detected> {
    if models::looks_like_gltf_json(head) {
        return Some(Detected::model("model/gltf+json"));
    }
    if models::looks_like_ascii_stl(head) {
        return Some(Detected::model("model/stl"));
    }
    let text = text_of(head, len)?;
    if models::looks_like_obj(text, (head.len() as u64) < len) {
        return Some(Detected::model("model/obj"));
    }
    (!text.is_empty()).then_some(Detected {
        mime: "text/plain",
        kind: AssetKind::Document,
        format: None,
    })
}

/// The head as UTF-8 text, or `None` when it holds a NUL byte (UTF-16 and binary data do) or
/// invalid UTF-8. When the file goes on after the head, a character cut by the end of the head
/// is dropped rather than counted against the file.
fn text_of(head: &[u8], len: u64) -> Option<&str> {
    if head.contains(&0) {
        return None;
    }
    match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() && (head.len() as u64) < len => {
            std::str::from_utf8(&head[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

fn from_infer(found: infer::Type) -> Detected {
    let mime = found.mime_type();
    if let Some(format) = format_from_infer(mime) {
        return Detected::image_as(canonical_image_mime(mime, format), format);
    }
    let kind = match found.matcher_type() {
        infer::MatcherType::Image => AssetKind::Image,
        infer::MatcherType::Video => AssetKind::Video,
        infer::MatcherType::Audio => AssetKind::Audio,
        infer::MatcherType::Doc | infer::MatcherType::Book => AssetKind::Document,
        _ if matches!(
            mime,
            "application/pdf" | "application/rtf" | "application/postscript"
        ) =>
        {
            AssetKind::Document
        }
        _ => AssetKind::Other,
    };
    Detected {
        mime,
        kind,
        format: None,
    }
}

/// Maps the image MIME types `infer` reports to formats this crate decodes.
fn format_from_infer(mime: &str) -> Option<ImageFormat> {
    Some(match mime {
        "image/png" => ImageFormat::Png,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::Webp,
        "image/tiff" => ImageFormat::Tiff,
        "image/bmp" => ImageFormat::Bmp,
        "image/vnd.microsoft.icon" | "image/x-icon" => ImageFormat::Ico,
        "image/jxl" => ImageFormat::Jxl,
        "image/vnd.adobe.photoshop" => ImageFormat::Psd,
        "image/x-canon-cr2" => ImageFormat::Raw,
        _ => return None,
    })
}

/// `infer` says `image/vnd.microsoft.icon`; browsers and `mime_guess` use `image/x-icon`.
fn canonical_image_mime(mime: &'static str, format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Ico => format.mime(),
        _ => mime,
    }
}

/// HEIF and AVIF from the `ftyp` box brands (ISO/IEC 14496-12 §4.3).
///
/// `infer` only knows a few HEIF brands and calls AVIF sequences video; here any AVIF brand wins
/// over HEIF brands (an AVIF file also lists `mif1`), and sequences stay images.
fn sniff_isobmff(head: &[u8]) -> Option<Detected> {
    if head.len() < 16 || &head[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if size < 16 || !size.is_multiple_of(4) {
        return None;
    }
    let end = size.min(head.len());
    let major = &head[8..12];
    if let Some(detected) = av::isobmff_3gpp(major).or_else(|| raw::isobmff_cr3(major)) {
        return Some(detected);
    }
    // Compatible brands follow the 4-byte minor version.
    let brands = std::iter::once(major).chain(head[16..end].chunks_exact(4));
    let (mut avif, mut heic, mut heif) = (false, false, false);
    for brand in brands {
        match brand {
            b"avif" | b"avis" => avif = true,
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs" => {
                heic = true
            }
            b"mif1" | b"msf1" | b"mif2" => heif = true,
            _ => {}
        }
    }
    if avif {
        Some(Detected::image(ImageFormat::Avif))
    } else if heic {
        Some(Detected::image_as("image/heic", ImageFormat::Heif))
    } else if heif {
        Some(Detected::image(ImageFormat::Heif))
    } else {
        None
    }
}

/// Netpbm (netpbm.sourceforge.net, `pbm`, `pgm` and `ppm` manual pages): `P1` to `P6`, then
/// whitespace or a comment, then the width as decimal digits.
fn is_netpbm(head: &[u8]) -> bool {
    let [b'P', b'1'..=b'6', rest @ ..] = head else {
        return false;
    };
    let mut rest = rest;
    let mut separated = false;
    loop {
        match rest.first() {
            Some(b) if b.is_ascii_whitespace() => rest = &rest[1..],
            Some(b'#') => match rest.iter().position(|&b| b == b'\n') {
                Some(end) => rest = &rest[end..],
                None => return false,
            },
            Some(b'1'..=b'9') => return separated,
            _ => return false,
        }
        separated = true;
    }
}

/// Matroska and WebM (EBML header, RFC 8794 §8; DocType element `42 82`): `infer` misses
/// small WebM files whose DocType is not where it looks.
fn sniff_matroska(head: &[u8]) -> Option<Detected> {
    if !head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return None;
    }
    let header = &head[..head.len().min(64)];
    let doc_type = |name: &[u8]| header.windows(name.len()).any(|w| w == name);
    let mime = if doc_type(b"webm") {
        "video/webm"
    } else if doc_type(b"matroska") {
        "video/x-matroska"
    } else {
        return None;
    };
    Some(Detected {
        mime,
        kind: AssetKind::Video,
        format: None,
    })
}

/// True when the bytes are XML whose root element is `<svg`, after an optional BOM, XML
/// declaration, processing instructions, comments and doctype (SVG 1.1 §1.2; XML 1.0 §2.8).
fn looks_like_svg(head: &[u8]) -> bool {
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        rest = trim_xml_space(rest);
        if rest.starts_with(b"<?") {
            rest = match skip_past(rest, b"?>") {
                Some(r) => r,
                None => return false,
            };
        } else if rest.starts_with(b"<!--") {
            rest = match skip_past(&rest[4..], b"-->") {
                Some(r) => r,
                None => return false,
            };
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
            rest = match skip_doctype(rest) {
                Some(r) => r,
                None => return false,
            };
        } else {
            break;
        }
    }
    rest.starts_with(b"<svg")
        && rest
            .get(4)
            .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
}

fn trim_xml_space(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn skip_past<'a>(bytes: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| &bytes[i + needle.len()..])
}

/// Skips `<!DOCTYPE ...>`, including an internal subset in `[...]` that may itself contain `>`.
fn skip_doctype(bytes: &[u8]) -> Option<&[u8]> {
    let mut in_subset = false;
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate().skip(9) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => in_subset = true,
            (None, b']') => in_subset = false,
            (None, b'>') if !in_subset => return Some(&bytes[i + 1..]),
            _ => {}
        }
    }
    None
}

/// The media family an extension or MIME type belongs to, so that aliases compare equal.
fn family(mime: &str) -> &str {
    match ImageFormat::from_mime(mime) {
        Some(format) => format.mime(),
        None => mime,
    }
}

/// Extensions `mime_guess` does not know or maps differently from how sniffing names them.
fn extension_mime(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "jpg" | "jpeg" | "jpe" | "jfif" | "jfi" | "jif" | "mpo" => "image/jpeg",
        "heic" | "heif" | "hif" | "heics" | "heifs" => "image/heif",
        "avif" | "avifs" => "image/avif",
        "png" | "apng" => "image/png",
        "pbm" | "pgm" | "ppm" | "pnm" => "image/x-portable-anymap",
        "psd" => "image/vnd.adobe.photoshop",
        "dng" | "cr2" | "cr3" | "nef" | "arw" | "orf" | "rw2" | "raf" | "pef" => "image/x-dcraw",
        "tif" | "tiff" => "image/tiff",
        // mime_guess lacks some and maps `.stl` to a certificate trust list.
        "gltf" => "model/gltf+json",
        "glb" => "model/gltf-binary",
        "obj" => "model/obj",
        "stl" => "model/stl",
        "3mf" => "model/3mf",
        "ply" => "model/x-ply",
        _ => return mime_guess::from_ext(ext).first_raw(),
    })
}

/// The coarse category used to compare non-image content with an extension.
fn category(mime: &str) -> Option<&'static str> {
    let top = mime.split('/').next().unwrap_or("");
    match top {
        "image" => Some("an image"),
        "video" | "audio" => Some("audio or video"),
        "model" => Some("a 3D model"),
        _ if mime == "application/pdf" => Some("a PDF document"),
        _ => None,
    }
}

/// Cross-checks the client's filename extension (case-insensitive) with the detected type.
///
/// An extension that names a different known media type (`.heic` or `.png` on JPEG bytes) is
/// [`MediaError::ExtensionMismatch`] naming both. Absent or unknown extensions pass, and so do
/// equivalents: `jpg/jpeg/jpe/jfif/mpo`, `tif/tiff`, `heic/heif/hif`, `avif/avifs`, `apng/png`.
/// For content that is not an image only the broad category is compared, because containers
/// such as MP4/MOV/M4A share one structure and are named inconsistently: any 3D model
/// extension (`.gltf`, `.glb`, `.obj`, `.stl`) fits any detected model. Text is no media
/// category, so `.txt` on a model and `.obj` on plain text both pass.
pub fn check_extension(filename: &str, detected: &Detected) -> Result<(), MediaError> {
    let Some((_, ext)) = filename.rsplit_once('.') else {
        return Ok(());
    };
    let ext = ext.to_ascii_lowercase();
    let Some(claimed) = extension_mime(&ext) else {
        return Ok(());
    };
    let mismatch = |claimed: &str| MediaError::ExtensionMismatch {
        detected: detected.mime.to_owned(),
        extension: ext.clone(),
        claimed: claimed.to_owned(),
    };
    // Plain text named as image, audio, video or PDF (a `.ppm` whose header is garbage, a
    // note saved as `.jpg`) is not what its name promises: storing it as a document would
    // hide the mistake. Model names pass: OBJ and ASCII STL are text, and one our sniffing
    // did not recognise is still a fair text document.
    if detected.mime == "text/plain" && category(claimed).is_some_and(|c| c != "a 3D model") {
        return Err(mismatch(claimed));
    }
    let (Some(claimed_category), Some(detected_category)) =
        (category(claimed), category(detected.mime))
    else {
        // The extension names something that is not media (`.txt`, `.bin`), or the content is
        // not media: nothing to contradict.
        return Ok(());
    };
    let differs = if detected.kind == AssetKind::Image && claimed_category == detected_category {
        family(claimed) != family(detected.mime)
    } else {
        claimed_category != detected_category
    };
    if differs {
        return Err(mismatch(claimed));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use medialib_core::ErrorCode;

    /// Sniffs a whole file (the head is all of it).
    fn sniff_all(bytes: &[u8]) -> Option<Detected> {
        sniff(bytes, bytes.len() as u64)
    }

    #[test]
    fn text_named_as_media_is_a_mismatch() {
        let text = sniff_all(b"P632 35888888863 2!").unwrap();
        assert_eq!(text.mime, "text/plain");
        for bad in ["a.ppm", "a.jpg", "a.mp4", "a.mp3", "a.pdf"] {
            let err = check_extension(bad, &text).unwrap_err();
            assert_eq!(err.code(), ErrorCode::ExtensionMismatch, "{bad}");
        }
        for ok in ["a.txt", "a.md", "a.csv", "noext", "a.unknownext"] {
            assert!(check_extension(ok, &text).is_ok(), "{ok}");
        }
    }

    #[test]
    fn svg_after_prolog_comment_and_doctype() {
        let svg = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- hi > there -->\n<!DOCTYPE svg [ <!ENTITY a \"<b>\"> ]>\n<svg width=\"1\">";
        assert_eq!(sniff_all(svg).unwrap().format, Some(ImageFormat::Svg));
        assert_eq!(sniff_all(b"<svgx>").unwrap().mime, "text/plain");
        assert!(
            sniff_all(b"<html><svg>")
                .map(|d| d.format)
                .unwrap_or(None)
                .is_none()
        );
    }

    #[test]
    fn isobmff_brands() {
        let mut avifs = b"\0\0\0\x18ftypavis\0\0\0\0mif1avif".to_vec();
        avifs.resize(32, 0);
        assert_eq!(sniff_all(&avifs).unwrap().format, Some(ImageFormat::Avif));
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0";
        let d = sniff_all(heic).unwrap();
        assert_eq!((d.mime, d.format), ("image/heic", Some(ImageFormat::Heif)));
        let mp4 = b"\0\0\0\x18ftypisom\0\0\0\0isomiso2\0\0\0\0";
        assert_eq!(sniff_all(mp4).unwrap().kind, AssetKind::Video);
    }

    #[test]
    fn extension_equivalents_and_mismatches() {
        let jpeg = sniff_all(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap();
        for ok in [
            "a.JPG", "a.jpeg", "a.jfif", "a.mpo", "noext", "a.txt", "a.bin", "a.",
        ] {
            assert!(check_extension(ok, &jpeg).is_ok(), "{ok}");
        }
        for bad in ["a.heic", "a.png", "a.webp", "a.mp4", "a.pdf"] {
            let err = check_extension(bad, &jpeg).unwrap_err();
            assert_eq!(err.code(), ErrorCode::ExtensionMismatch);
            assert!(err.to_string().contains("image/jpeg"), "{err}");
        }
        let heic = Detected::image_as("image/heic", ImageFormat::Heif);
        for ok in ["a.heic", "a.HEIF", "a.hif"] {
            assert!(check_extension(ok, &heic).is_ok(), "{ok}");
        }
        let png = Detected::image(ImageFormat::Png);
        assert!(check_extension("a.apng", &png).is_ok());
        let tiff = Detected::image(ImageFormat::Tiff);
        assert!(check_extension("a.tif", &tiff).is_ok());
        let avif = Detected::image(ImageFormat::Avif);
        assert!(check_extension("a.avifs", &avif).is_ok());
    }

    #[test]
    fn model_extensions_fit_any_model_and_text_is_no_category() {
        for mime in [
            "model/stl",
            "model/obj",
            "model/gltf+json",
            "model/gltf-binary",
        ] {
            let model = Detected::model(mime);
            for ok in [
                "a.stl", "a.OBJ", "a.gltf", "a.glb", "a.txt", "a.bin", "noext",
            ] {
                assert!(check_extension(ok, &model).is_ok(), "{ok} on {mime}");
            }
            for bad in ["a.png", "a.mp4", "a.pdf"] {
                let err = check_extension(bad, &model).unwrap_err();
                assert_eq!(err.code(), ErrorCode::ExtensionMismatch, "{bad} on {mime}");
            }
        }
        let text = sniff_all(b"hello\n").unwrap();
        assert_eq!((text.mime, text.kind), ("text/plain", AssetKind::Document));
        for ok in ["a.obj", "a.stl", "a.gltf", "a.txt", "a.md"] {
            assert!(check_extension(ok, &text).is_ok(), "{ok} on text");
        }
        let jpeg = Detected::image(ImageFormat::Jpeg);
        assert!(check_extension("a.stl", &jpeg).is_err());
    }

    #[test]
    fn plain_text_is_utf8_without_nul_after_every_other_check() {
        assert_eq!(sniff_all(b"plain words\n").unwrap().mime, "text/plain");
        assert_eq!(
            sniff_all("accentu\u{e9}\n".as_bytes()).unwrap().mime,
            "text/plain"
        );
        assert!(sniff_all(b"").is_none());
        assert!(sniff_all(b"text\0with a NUL").is_none());
        assert!(sniff_all(b"latin-1 caf\xE9 text").is_none());
        // A character cut by the end of the head is fine when the file goes on...
        let cut = "caf\u{e9}".as_bytes();
        let cut = &cut[..cut.len() - 1];
        assert_eq!(sniff(cut, 100).unwrap().mime, "text/plain");
        // ...but not when the head is the whole file.
        assert!(sniff(cut, cut.len() as u64).is_none());
        // Magic numbers win over text: an XML declaration is `infer`'s, an SVG is an image.
        assert_eq!(
            sniff_all(b"<?xml version=\"1.0\"?><a/>").unwrap().mime,
            "text/xml"
        );
        assert_eq!(
            sniff_all(b"<svg></svg>").unwrap().format,
            Some(ImageFormat::Svg)
        );
    }
}
