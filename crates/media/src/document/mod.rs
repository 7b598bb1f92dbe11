//! Documents: PDF through poppler (`pdfinfo`, `pdftoppm`, `pdftotext`), office files
//! (OOXML, ODF) from their zip metadata, and plain text.
//!
//! CONTRACT (filled in by the document work; signatures are used by medialib-server).

use std::path::Path;
use std::time::Duration;

use medialib_core::DocumentMetadata;

use crate::MediaError;

/// Reads a document's facts; `mime` is what sniffing detected.
pub fn probe(path: &Path, mime: &str, timeout: Duration) -> Result<DocumentMetadata, MediaError> {
    let _ = (path, mime, timeout);
    unimplemented!()
}

/// The first page as PNG bytes, longest side at most `max_side` pixels; `None` when the
/// document has no renderable page here (encrypted PDF, office, text).
pub fn render_first_page(
    path: &Path,
    meta: &DocumentMetadata,
    max_side: u32,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, MediaError> {
    let _ = (path, meta, max_side, timeout);
    unimplemented!()
}

/// The document's text for search, at most `max_bytes` (cut at a char boundary);
/// `None` when there is none to extract (encrypted PDF, scanned pages).
pub fn extract_text(
    path: &Path,
    meta: &DocumentMetadata,
    max_bytes: usize,
    timeout: Duration,
) -> Result<Option<String>, MediaError> {
    let _ = (path, meta, max_bytes, timeout);
    unimplemented!()
}
