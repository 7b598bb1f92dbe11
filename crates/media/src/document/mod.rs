//! Documents: PDF through poppler (`pdfinfo`, `pdftoppm`, `pdftotext`), office files
//! (OOXML, ODF) from their zip parts, and plain text.
//!
//! The three entry points dispatch by kind; each kind lives in its own module:
//! - `pdf`: poppler's tools, run through `crate::tool` (timeout, bounded output).
//! - `office`: the zip container (bounded), the format, the metadata parts.
//! - `office_text`: the body text of each office format.
//! - `xml`: a namespace-aware walk over one XML part, shared by the two above.
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
mod office;
mod office_text;
mod pdf;
mod text;
mod xml;

use std::path::Path;
use std::time::Duration;

use medialib_core::DocumentMetadata;

use crate::MediaError;

/// The `format` of a PDF's [`DocumentMetadata`].
const PDF: &str = "pdf";
/// The `format` of a plain text file's [`DocumentMetadata`].
const TEXT: &str = "text";

/// The document kinds this module reads, by detected MIME type.
enum Kind {
    Pdf,
    /// OOXML or ODF; which one is decided by the zip's entries.
    Office,
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
/// - Plain text (`text/*`): line count and charset.
///
/// `timeout` bounds each external tool run; office and text files are read in-process,
/// bounded by size limits instead.
///
/// Errors: [`MediaError::Invalid`] for a file poppler or the zip reader refuses (with their
/// reason) or a format this module does not read, [`MediaError::Timeout`] when a tool
/// overruns, [`MediaError::Tool`] when a tool is missing or the file cannot be opened.
pub fn probe(path: &Path, mime: &str, timeout: Duration) -> Result<DocumentMetadata, MediaError> {
    match Kind::of_mime(mime) {
        Some(Kind::Pdf) => pdf::probe(path, timeout),
        Some(Kind::Office) => office::probe(path),
        Some(Kind::Text) => text::probe(path),
        None => Err(not_a_document(mime)),
    }
}

/// The first page as PNG bytes, longest side at most `max_side` pixels; `None` when the
/// document has no renderable page here (encrypted or page-less PDF, office, text, or a
/// `max_side` of 0).
///
/// PDFs are rendered by `pdftoppm` at the scale that fits the page's crop box (what viewers
/// show, rotation applied) into `max_side` × `max_side`, so a huge page cannot make a huge
/// image. `meta` is what [`probe`] returned for the same file.
pub fn render_first_page(
    path: &Path,
    meta: &DocumentMetadata,
    max_side: u32,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, MediaError> {
    render_page(path, meta, 1, max_side, timeout)
}

/// Page `page` (1-based) of a PDF as a PNG, fitted into `max_side` × `max_side` as
/// [`render_first_page`] fits page 1; `None` for what has no such page: not a PDF, a
/// password-protected one, a page number past [`DocumentMetadata::page_count`] (or 0),
/// or a `max_side` of 0.
///
/// Errors: [`MediaError::Tool`] when `pdftoppm` fails or passes `timeout`.
pub fn render_page(
    path: &Path,
    meta: &DocumentMetadata,
    page: u32,
    max_side: u32,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, MediaError> {
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
/// `content.xml`) with paragraphs as lines, plain text as it is (invalid UTF-8 replaced).
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
const MAX_FIELD_BYTES: usize = 1024;

/// A title or author as stored: trimmed, `None` when empty, at most [`MAX_FIELD_BYTES`].
fn free_text(value: &str) -> Option<String> {
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
        assert!(Kind::of_mime("image/png").is_none());
    }
}
