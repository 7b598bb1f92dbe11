//! PDF through poppler-utils (22.12 in Debian bookworm): `pdfinfo` for the facts, `pdftoppm`
//! for the first page, `pdftotext` for the text.
//!
//! Every run goes through `crate::tool`, so a hostile file costs at most one killed child
//! process and `timeout` of wall-clock time. Poppler prints syntax warnings on stderr for
//! damaged files it can still read; only the exit status decides.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use medialib_core::DocumentMetadata;

use super::{PDF, date, free_text, truncate_at_char_boundary};
use crate::MediaError;
use crate::tool::{self, Cancel, Output, Stdout};

/// `pdftotext` output kept beyond `max_bytes`, so that leading whitespace trimmed
/// afterwards does not leave the text short.
const TEXT_SLACK: usize = 4096;

/// Reads `pdfinfo -isodates` for the first page's facts.
pub(super) fn probe(path: &Path, timeout: Duration) -> Result<DocumentMetadata, MediaError> {
    let mut info = Info::default();
    let mut on_line = |line: &str| info.read_line(line);
    let out = tool::run(
        Command::new("pdfinfo")
            .args(["-isodates", "-enc", "UTF-8"])
            .arg(file_arg(path)),
        timeout,
        None,
        Stdout::Lines(&mut on_line),
    )?;
    if out.status.success() {
        Ok(info.into_metadata())
    } else if needs_password(&out) {
        Ok(DocumentMetadata {
            format: PDF.to_owned(),
            encrypted: true,
            ..DocumentMetadata::default()
        })
    } else {
        Err(failure("pdfinfo", &out))
    }
}

/// Renders page `page` (1-based) with `pdftoppm`; `None` when the PDF turns out to need
/// a password.
pub(super) fn render_page(
    path: &Path,
    page: u32,
    max_side: u32,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, MediaError> {
    let side = max_side.to_string();
    let page = page.to_string();
    // `-cropbox`: render what `pdfinfo` measured and viewers show, not the media box.
    // No output root: with `-singlefile` pdftoppm then writes the PNG to stdout
    // (a `-` root would be taken as a file name).
    let out = tool::run(
        Command::new("pdftoppm")
            .args(["-f", &page, "-l", &page, "-cropbox", "-png", "-singlefile"])
            .args(["-scale-to", &side])
            .arg(file_arg(path)),
        timeout,
        None,
        Stdout::Collect {
            max: png_size_limit(max_side),
        },
    )?;
    if !out.status.success() {
        return if needs_password(&out) {
            Ok(None)
        } else {
            Err(failure("pdftoppm", &out))
        };
    }
    if out.stdout.is_empty() {
        return Err(MediaError::Invalid(format!(
            "pdftoppm rendered no image: {}",
            out.reason()
        )));
    }
    Ok(Some(out.stdout))
}

/// Runs `pdftotext` and keeps its first `max_bytes` (trimmed); `None` when the PDF needs a
/// password.
///
/// The run is stopped as soon as enough text has arrived, so a thousand-page PDF costs no
/// more than its first pages. `-q` is not passed: stderr is bounded anyway, and it carries
/// the reason when the run fails.
pub(super) fn extract_text(
    path: &Path,
    max_bytes: usize,
    timeout: Duration,
) -> Result<Option<String>, MediaError> {
    let keep = max_bytes.saturating_add(TEXT_SLACK);
    let mut kept = Vec::new();
    let enough = Cancel::new();
    let mut on_chunk = |chunk: &[u8]| {
        let room = keep - kept.len();
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if kept.len() == keep {
            enough.cancel();
        }
    };
    let run = tool::run(
        Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(file_arg(path))
            .arg("-"),
        timeout,
        Some(&enough),
        Stdout::Chunks(&mut on_chunk),
    );
    match run {
        Ok(out) if out.status.success() => {}
        Ok(out) if needs_password(&out) => return Ok(None),
        Ok(out) => return Err(failure("pdftotext", &out)),
        // Only our own callback cancels this run: it has all the text we want.
        Err(MediaError::Cancelled) => {}
        Err(e) => return Err(e),
    }
    let cut_short = kept.len() == keep;
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    if cut_short && text.ends_with(char::REPLACEMENT_CHARACTER) {
        // The cut fell inside a character; that half is not an encoding error.
        text.pop();
    }
    let mut text = text.trim().to_owned();
    truncate_at_char_boundary(&mut text, max_bytes);
    Ok(Some(text.trim_end().to_owned()))
}

/// The facts `pdfinfo` prints, one `Key: value` per line, gathered as they arrive.
#[derive(Default)]
struct Info {
    meta: DocumentMetadata,
    /// `Page rot`, in degrees clockwise.
    rotation: i64,
}

impl Info {
    /// Takes one line of `pdfinfo` output.
    ///
    /// A later line with the same key wins. Free-text fields (Title, Subject, …) may span
    /// several lines and so fake a key, but they all come before the fields poppler
    /// computes (Pages, Page size, PDF version), whose real lines therefore come last.
    fn read_line(&mut self, line: &str) {
        let Some((key, value)) = line.split_once(':') else {
            return;
        };
        let value = value.trim();
        let meta = &mut self.meta;
        match key {
            "Title" => meta.title = free_text(value),
            "Author" => meta.author = free_text(value),
            "CreationDate" => meta.created_at = date::normalize(value),
            "Pages" => meta.page_count = value.parse().ok(),
            "PDF version" => meta.pdf_version = free_text(value),
            "Page size" => meta.page_size_pt = page_size(value),
            "Page rot" => self.rotation = value.parse().unwrap_or(0),
            _ => {}
        }
    }

    fn into_metadata(self) -> DocumentMetadata {
        let mut meta = self.meta;
        meta.format = PDF.to_owned();
        // pdfinfo measures the unrotated crop box; report the page as it is displayed
        // (and rendered), so a landscape page reads as landscape.
        if self.rotation.rem_euclid(180) == 90 {
            meta.page_size_pt = meta.page_size_pt.map(|[w, h]| [h, w]);
        }
        meta
    }
}

/// `612 x 792 pts (letter)` → `[612.0, 792.0]`.
fn page_size(value: &str) -> Option<[f64; 2]> {
    let mut words = value.split_whitespace();
    let width = words.next()?.parse::<f64>().ok()?;
    let (x, height, unit) = (words.next()?, words.next()?, words.next()?);
    let height = height.parse::<f64>().ok()?;
    let sane = |v: f64| v.is_finite() && v > 0.0;
    (x == "x" && unit == "pts" && sane(width) && sane(height)).then_some([width, height])
}

/// Whether poppler refused the file because it needs a user password (poppler says
/// `Command Line Error: Incorrect password`, also for security handlers it lacks).
fn needs_password(out: &Output) -> bool {
    out.stderr.contains("Incorrect password")
}

/// The error for a poppler run that failed for a reason other than a password.
fn failure(tool: &str, out: &Output) -> MediaError {
    let reason = out.reason();
    if out.stderr.contains("I/O Error: Couldn't open file") {
        // Our own file is missing or unreadable: nothing the uploader can fix.
        return MediaError::Tool(format!("{tool}: {reason}"));
    }
    if reason.is_empty() {
        MediaError::Invalid(format!("{tool} failed ({}) without a reason", out.status))
    } else {
        MediaError::Invalid(reason)
    }
}

/// The path as an argument poppler cannot mistake for an option (`-x.pdf`).
fn file_arg(path: &Path) -> PathBuf {
    if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// A bound on the PNG of a `max_side` × `max_side` RGB page: the raw pixels plus a filter
/// byte per row and zlib's framing, which incompressible pixels cannot exceed, doubled.
fn png_size_limit(max_side: u32) -> usize {
    let side = u64::from(max_side);
    let bound = 2 * (side * (3 * side + 1)) + (1 << 20);
    usize::try_from(bound).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(output: &str) -> DocumentMetadata {
        let mut info = Info::default();
        output.lines().for_each(|line| info.read_line(line));
        info.into_metadata()
    }

    /// `pdfinfo -isodates -enc UTF-8` on the corpus' crazyones-pdfa.pdf (poppler 22.12).
    const CRAZYONES: &str = "\
Title:           
Subject:         
Author:          
Producer:        GPL Ghostscript 10.00.0
CreationDate:    2023-04-23T17:59:04+08
ModDate:         2023-04-23T17:59:04+08
Pages:           1
Encrypted:       no
Page size:       612 x 792 pts (letter)
Page rot:        0
File size:       16368 bytes
PDF version:     1.4
";

    #[test]
    fn reads_pdfinfo_fields() {
        let meta = parse(CRAZYONES);
        assert_eq!(meta.format, "pdf");
        assert_eq!(meta.page_count, Some(1));
        assert_eq!(meta.title, None);
        assert_eq!(meta.author, None);
        assert_eq!(
            meta.created_at.as_deref(),
            Some("2023-04-23T17:59:04+08:00")
        );
        assert_eq!(meta.pdf_version.as_deref(), Some("1.4"));
        assert_eq!(meta.page_size_pt, Some([612.0, 792.0]));
        assert!(!meta.encrypted);
    }

    #[test]
    fn a_rotated_page_reports_its_displayed_size() {
        let meta = parse("Page size:       400 x 100 pts\nPage rot:        90\n");
        assert_eq!(meta.page_size_pt, Some([100.0, 400.0]));
    }

    #[test]
    fn a_multi_line_title_cannot_fake_computed_fields() {
        let meta = parse(
            "Title:           Report\nPages: 99\nAuthor:          Ann Ö\nPages:           4\n",
        );
        assert_eq!(meta.title.as_deref(), Some("Report"));
        assert_eq!(meta.author.as_deref(), Some("Ann Ö"));
        assert_eq!(meta.page_count, Some(4));
    }

    #[test]
    fn odd_page_sizes_are_dropped() {
        assert_eq!(
            page_size("595.276 x 841.89 pts (A4)"),
            Some([595.276, 841.89])
        );
        assert_eq!(page_size("0 x 792 pts"), None);
        assert_eq!(page_size("612 792"), None);
        assert_eq!(page_size("nan x 1 pts"), None);
    }
}
