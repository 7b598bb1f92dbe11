//! Plain text files: lines and charset from one streaming pass, and the text itself.
//!
//! Text in other encodings (Latin-1, UTF-16, …) exists and is not corrupt: it is accepted
//! with the charset `unknown`, and its text is read with invalid bytes replaced.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use medialib_core::DocumentMetadata;

use super::{TEXT, truncate_at_char_boundary};
use crate::MediaError;

/// Counts lines and finds the charset, reading the file once in fixed-size chunks.
pub(super) fn probe(path: &Path) -> Result<DocumentMetadata, MediaError> {
    let mut reader = BufReader::with_capacity(64 * 1024, open(path)?);
    let mut scan = Scan::new();
    loop {
        let chunk = reader.fill_buf().map_err(|e| read_error(path, &e))?;
        if chunk.is_empty() {
            break;
        }
        scan.feed(chunk);
        let n = chunk.len();
        reader.consume(n);
    }
    let (lines, charset) = scan.finish();
    Ok(DocumentMetadata {
        format: TEXT.to_owned(),
        lines: Some(lines),
        charset: Some(charset.to_owned()),
        ..DocumentMetadata::default()
    })
}

/// The first `max_bytes` of the file as UTF-8, invalid bytes replaced.
pub(super) fn extract_text(path: &Path, max_bytes: usize) -> Result<Option<String>, MediaError> {
    // Three bytes more, so that a character cut by `max_bytes` is whole and then dropped
    // by the char-boundary cut, rather than decoded as an invalid sequence.
    let want = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(3);
    let mut bytes = Vec::new();
    open(path)?
        .take(want)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(path, &e))?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    truncate_at_char_boundary(&mut text, max_bytes);
    Ok(Some(text))
}

fn open(path: &Path) -> Result<File, MediaError> {
    File::open(path).map_err(|e| read_error(path, &e))
}

/// Our own file failing to read is an operator problem, not the uploader's.
fn read_error(path: &Path, error: &std::io::Error) -> MediaError {
    MediaError::Tool(format!("cannot read {}: {error}", path.display()))
}

/// What one pass over the bytes learns.
#[derive(Default)]
struct Scan {
    newlines: u64,
    last: Option<u8>,
    ascii: bool,
    invalid_utf8: bool,
    /// The start of a UTF-8 sequence that the previous chunk cut off.
    carry: Vec<u8>,
}

impl Scan {
    fn new() -> Self {
        Self {
            ascii: true,
            ..Self::default()
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        self.newlines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        self.last = chunk.last().copied().or(self.last);
        self.ascii &= chunk.is_ascii();
        if self.invalid_utf8 || self.ascii {
            return;
        }
        let mut joined = std::mem::take(&mut self.carry);
        joined.extend_from_slice(chunk);
        match std::str::from_utf8(&joined) {
            Ok(_) => {}
            // An incomplete sequence at the end: the next chunk may complete it.
            Err(e) if e.error_len().is_none() => self.carry = joined[e.valid_up_to()..].to_vec(),
            Err(_) => self.invalid_utf8 = true,
        }
    }

    /// Lines (a last line without a newline counts) and the charset.
    fn finish(self) -> (u64, &'static str) {
        let unterminated = self.last.is_some_and(|b| b != b'\n');
        let lines = self.newlines + u64::from(unterminated);
        let charset = if self.ascii {
            "us-ascii"
        } else if self.invalid_utf8 || !self.carry.is_empty() {
            "unknown"
        } else {
            "utf-8"
        };
        (lines, charset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(chunks: &[&[u8]]) -> (u64, &'static str) {
        let mut scan = Scan::new();
        chunks.iter().for_each(|c| scan.feed(c));
        scan.finish()
    }

    #[test]
    fn lines_count_an_unterminated_last_line() {
        assert_eq!(scan(&[]), (0, "us-ascii"));
        assert_eq!(scan(&[b"a\nb\n"]), (2, "us-ascii"));
        assert_eq!(scan(&[b"a\nb"]), (2, "us-ascii"));
        assert_eq!(scan(&[b"a\n", b"\n"]), (2, "us-ascii"));
    }

    #[test]
    fn a_character_split_across_chunks_is_still_utf8() {
        let e_acute = "é".as_bytes();
        assert_eq!(
            scan(&[b"caf", &e_acute[..1], &e_acute[1..], b"\n"]),
            (1, "utf-8")
        );
        assert_eq!(scan(&[b"caf", &e_acute[..1]]), (1, "unknown"));
        assert_eq!(scan(&[b"caf\xe9\n"]), (1, "unknown"));
    }
}
