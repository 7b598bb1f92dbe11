//! What the first bytes alone cannot tell: which document or model a zip package holds, and
//! which text format a plain text file is written in.

use std::path::Path;

use medialib_core::AssetKind;

use super::Detected;

/// The format a zip package at `path` holds, decided from its central directory: an OOXML,
/// ODF or EPUB document, or a 3MF model. `head` is the file's first bytes, as given to
/// [`super::sniff`]; a file that does not start with a zip local header is not opened and
/// gives `None`, and so do a damaged zip (validation reports the damage) and a zip holding
/// anything else.
///
/// Sniffing sees only the first entry, and packages made by other tools than Office or
/// LibreOffice often start with `docProps/` or `_rels/` rather than `[Content_Types].xml`
/// or `mimetype`.
pub fn sniff_package(head: &[u8], path: &Path) -> Option<Detected> {
    if !head.starts_with(b"PK\x03\x04") {
        return None;
    }
    let mime = crate::document::package_mime(path).ok()??;
    let kind = if mime.starts_with("model/") {
        AssetKind::Model3d
    } else {
        AssetKind::Document
    };
    Some(Detected {
        mime,
        kind,
        format: None,
    })
}

/// Plain text named as CSV (`.csv`, RFC 4180 `text/csv`) or Markdown (`.md`, `.markdown`,
/// RFC 7763 `text/markdown`) is recorded as such. Neither format has a signature, and
/// almost any text is valid in both, so the name is the only evidence; other detections
/// come back unchanged.
pub fn text_by_name(detected: Detected, filename: &str) -> Detected {
    if detected.mime != "text/plain" {
        return detected;
    }
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let mime = match extension.as_deref() {
        Some("csv") => "text/csv",
        Some("md" | "markdown") => "text/markdown",
        _ => return detected,
    };
    Detected { mime, ..detected }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_named_only_by_its_extension_and_only_when_plain() {
        let text = super::super::sniff(b"a,b\n1,2\n", 8).unwrap();
        assert_eq!(text_by_name(text, "prices.CSV").mime, "text/csv");
        assert_eq!(text_by_name(text, "notes.md").mime, "text/markdown");
        assert_eq!(text_by_name(text, "notes.markdown").mime, "text/markdown");
        assert_eq!(text_by_name(text, "notes.txt").mime, "text/plain");
        assert_eq!(text_by_name(text, "csv").mime, "text/plain");
        let svg = super::super::sniff(b"<svg></svg>", 11).unwrap();
        assert_eq!(text_by_name(svg, "a.md").mime, "image/svg+xml");
    }

    #[test]
    fn only_zip_heads_are_opened() {
        let missing = Path::new("/nonexistent/medialib-test.zip");
        assert!(sniff_package(b"%PDF-1.7", missing).is_none());
        assert!(sniff_package(b"PK\x03\x04", missing).is_none());
    }
}
