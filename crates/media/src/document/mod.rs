//! Documents: PDF through poppler (`pdfinfo`, `pdftoppm`, `pdftotext`), office files
//! (OOXML, ODF) from their zip parts, EPUB books, RTF, and plain text.
//!
//! The three entry points dispatch by kind; each kind lives in its own module:
//! - `pdf`: poppler's tools, run through `crate::tool` (timeout, bounded output).
//! - `office`: the zip container (bounded), the format, the metadata parts.
//! - `office_text`: the body text of each office format.
//! - `xml`: a namespace-aware walk over one XML part, shared by the two above, the `epub`
//!   modules and `model3d`'s 3MF reader (which also uses `office`'s bounded zip reading).
//! - `epub`: the package document and the cover image, through `office`'s bounded zip
//!   reader.
//! - `epub_text`: the text of the spine's XHTML documents.
//! - `rtf`: a streaming RTF-to-text converter that also reads the `\info` group.
//! - `text`: plain text files.
//! - `date`: the creation dates the formats record, normalised.
//!
//! ```no_run
//! use std::path::Path;
//! use std::time::Duration;
//! use medialib_media::document;
//!
//! let path = Path::new("report.pdf");
//! let timeout = Duration::from_secs(30);
//! let meta = document::probe(path, "application/pdf", timeout)?;
//! let preview = document::render_first_page(path, &meta, 1024, timeout)?;
//! let text = document::extract_text(path, &meta, 1 << 20, timeout)?;
//! # Ok::<(), medialib_media::MediaError>(())
//! ```

mod date;
mod epub;
mod epub_text;
pub(crate) mod office;
mod office_text;
mod pdf;
mod rtf;
mod text;
pub(crate) mod xml;

use std::path::Path;
use std::time::Duration;

use medialib_core::DocumentMetadata;

use crate::MediaError;
pub(crate) use office::package_mime;

/// The `format` of a PDF's [`DocumentMetadata`].
const PDF: &str = "pdf";
/// The `format` of a plain text file's [`DocumentMetadata`].
const TEXT: &str = "text";
/// The `format` of an EPUB book's [`DocumentMetadata`].
const EPUB: &str = "epub";
/// The `format` of an RTF document's [`DocumentMetadata`].
const RTF: &str = "rtf";

/// The document kinds this module reads, by detected MIME type.
enum Kind {
    Pdf,
    /// OOXML or ODF; which one is decided by the zip's entries.
    Office,
    Epub,
    Rtf,
    Text,
}

impl Kind {
    fn of_mime(mime: &str) -> Option<Self> {
        let essence = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence == "application/pdf" {
            Some(Self::Pdf)
        } else if essence == "application/epub+zip" {
            Some(Self::Epub)
        } else if essence == "application/rtf" || essence == "text/rtf" {
            Some(Self::Rtf)
        } else if essence.starts_with("application/vnd.openxmlformats-officedocument.")
            || essence.starts_with("application/vnd.oasis.opendocument.")
            // Magic-byte sniffing often stops at the container.
            || essence == "application/zip"
        {
            Some(Self::Office)
        } else if essence.starts_with("text/") {
            Some(Self::Text)
        } else {
            None
        }
    }
}

/// Reads a document's facts; `mime` is what sniffing detected.
///
/// - PDF (`application/pdf`): `pdfinfo` (Pages, Title, Author, CreationDate, PDF version,
///   Page size, Page rot). A PDF that needs a user password is not an error: it comes back
///   with `encrypted: true` and no page count, and no password is ever tried.
/// - Office (`application/vnd.openxmlformats-officedocument.*`,
///   `application/vnd.oasis.opendocument.*`, or `application/zip`): the zip's entries decide
///   between docx, xlsx, pptx, odt, ods and odp; facts come from `docProps/core.xml` and
///   `docProps/app.xml` (OOXML) or `meta.xml` (ODF).
/// - EPUB 3.3 and 2.0.1 (`application/epub+zip`): the package document that
///   `META-INF/container.xml` points to: `dc:title`, the first `dc:creator`, and the first
///   date-time among `dc:date` (EPUB 2's creation event first), `dcterms:created` and
///   `dcterms:modified`. No page count: EPUB is reflowable.
/// - RTF 1.9.1 (`application/rtf`, `text/rtf`): the `\info` group's `\title`, `\author`,
///   `\creatim` (local time) and `\nofpages`.
/// - Plain text (`text/*`): line count and charset.
///
/// `timeout` bounds each external tool run; office, EPUB, RTF and text files are read
/// in-process, bounded by size limits instead.
///
/// Errors: [`MediaError::Invalid`] for a file poppler or the zip reader refuses (with their
/// reason), an EPUB without its container file or package document, a file that does not
/// begin as RTF does, or a format this module does not read, [`MediaError::Timeout`] when a tool
/// overruns, [`MediaError::Tool`] when a tool is missing or the file cannot be opened.
pub fn probe(path: &Path, mime: &str, timeout: Duration) -> Result<DocumentMetadata, MediaError> {
    match Kind::of_mime(mime) {
        Some(Kind::Pdf) => pdf::probe(path, timeout),
        Some(Kind::Office) => office::probe(path),
        Some(Kind::Epub) => epub::probe(path),
        Some(Kind::Rtf) => rtf::probe(path),
        Some(Kind::Text) => text::probe(path),
        None => Err(not_a_document(mime)),
    }
}

/// The first page as image bytes: a PDF's as PNG, longest side at most `max_side` pixels;
/// an EPUB's cover image as stored (JPEG, PNG, GIF, WebP or SVG, any size: the caller's
/// image pipeline fits it). `None` when the document has no renderable page here
/// (encrypted or page-less PDF, an EPUB without a cover, office, RTF, text, or a
/// `max_side` of 0).
///
/// PDFs are rendered by `pdftoppm` at the scale that fits the page's crop box (what viewers
/// show, rotation applied) into `max_side` × `max_side`, so a huge page cannot make a huge
/// image. The EPUB cover is the manifest item with the `cover-image` property (EPUB 3),
/// else the one `<meta name="cover">` names (EPUB 2), read up to 50 MiB. `meta` is what
/// [`probe`] returned for the same file.
pub fn render_first_page(
    path: &Path,
    meta: &DocumentMetadata,
    max_side: u32,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, MediaError> {
    render_page(path, meta, 1, max_side, timeout)
}

/// Page `page` (1-based) of a PDF as a PNG, fitted into `max_side` × `max_side` as
/// [`render_first_page`] fits page 1, or for page 1 of an EPUB its cover image; `None` for
/// what has no such page: neither a PDF nor an EPUB, a password-protected PDF, a page
/// number past [`DocumentMetadata::page_count`] (or 0; an EPUB has page 1 only), or a
/// `max_side` of 0.
///
/// Errors: [`MediaError::Tool`] when `pdftoppm` fails or passes `timeout`;
/// [`MediaError::Invalid`] for an EPUB whose container or cover the zip reader refuses.
pub fn render_page(
    path: &Path,
    meta: &DocumentMetadata,
    page: u32,
    max_side: u32,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, MediaError> {
    if meta.format == EPUB {
        return if page == 1 && max_side > 0 {
            epub::cover(path)
        } else {
            Ok(None)
        };
    }
    let pages = meta.page_count.unwrap_or(1);
    if meta.format != PDF || meta.encrypted || page == 0 || page > pages || max_side == 0 {
        return Ok(None);
    }
    pdf::render_page(path, page, max_side, timeout)
}

/// The document's text for search, at most `max_bytes` bytes of UTF-8 (cut at a char
/// boundary); `None` when there is none to extract (encrypted PDF, scanned pages, an empty
/// file).
///
/// PDF text comes from `pdftotext` (stopped once `max_bytes` have arrived), office text from
/// the body part (`word/document.xml`, `xl/sharedStrings.xml`, `ppt/slides/slideN.xml`,
/// `content.xml`) with paragraphs as lines, EPUB text from the spine's XHTML documents in
/// reading order with block elements as lines (`script` and `style` skipped), RTF text
/// with `\par` as lines (hidden destinations such as pictures skipped), plain text as it
/// is (invalid UTF-8 replaced). Office, EPUB and RTF reading stops once `max_bytes` are
/// collected.
/// A longer text is truncated, which is not an error. `meta` is what [`probe`] returned.
pub fn extract_text(
    path: &Path,
    meta: &DocumentMetadata,
    max_bytes: usize,
    timeout: Duration,
) -> Result<Option<String>, MediaError> {
    let text = match meta.format.as_str() {
        PDF if meta.encrypted => return Ok(None),
        PDF => pdf::extract_text(path, max_bytes, timeout)?,
        TEXT => text::extract_text(path, max_bytes)?,
        EPUB => epub_text::extract_text(path, max_bytes)?,
        RTF => rtf::extract_text(path, max_bytes)?,
        format => match office::Format::from_name(format) {
            Some(format) => office_text::extract_text(path, format, max_bytes)?,
            None => return Err(not_a_document(format)),
        },
    };
    Ok(text.filter(|t| !t.trim().is_empty()))
}

fn not_a_document(what: &str) -> MediaError {
    MediaError::Invalid(format!("not a document format this server reads: {what}"))
}

/// Most bytes kept of a title or author: they are the file author's free text, and they
/// end up in every listing of the asset.
pub(crate) const MAX_FIELD_BYTES: usize = 1024;

/// A title or author as stored: trimmed, `None` when empty, at most [`MAX_FIELD_BYTES`].
pub(crate) fn free_text(value: &str) -> Option<String> {
    let mut value = value.trim().to_owned();
    truncate_at_char_boundary(&mut value, MAX_FIELD_BYTES);
    Some(value).filter(|v| !v.is_empty())
}

/// Shortens `text` to at most `max_bytes` bytes without splitting a character.
fn truncate_at_char_boundary(text: &mut String, max_bytes: usize) {
    if text.len() <= max_bytes {
        return;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character() {
        let mut s = "aé€".to_owned(); // 1 + 2 + 3 bytes
        truncate_at_char_boundary(&mut s, 5);
        assert_eq!(s, "aé");
        truncate_at_char_boundary(&mut s, 2);
        assert_eq!(s, "a");
        truncate_at_char_boundary(&mut s, 10);
        assert_eq!(s, "a");
    }

    #[test]
    fn long_free_text_is_cut() {
        let title = free_text(&format!(" {} ", "é".repeat(MAX_FIELD_BYTES))).unwrap_or_default();
        assert_eq!(title.len(), MAX_FIELD_BYTES);
        assert_eq!(free_text("  "), None);
    }

    #[test]
    fn mime_parameters_and_case_do_not_matter() {
        assert!(matches!(Kind::of_mime("Application/PDF"), Some(Kind::Pdf)));
        assert!(matches!(
            Kind::of_mime("text/plain; charset=utf-8"),
            Some(Kind::Text)
        ));
        assert!(matches!(Kind::of_mime("text/rtf"), Some(Kind::Rtf)));
        assert!(Kind::of_mime("image/png").is_none());
    }
}
