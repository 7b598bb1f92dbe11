//! RTF (Microsoft RTF 1.9.1): the body text for search and the `\info` group's title,
//! author, creation time and page count, read in one streaming pass.
//!
//! This is a small converter rather than the `rtf-parser` crate: its 0.4.3 drops `\par`
//! line breaks, lets the `\info` and `\pict` groups through as body text, decodes `\'hh`
//! as Latin-1 whatever `\ansicpg` says, loses `\uN` characters such as `\u8364?`, and needs
//! the whole file in memory as one UTF-8 string.
//!
//! What it reads: groups, control words and symbols, `\'hh` bytes in the document's code
//! page (`\ansicpg`, `\mac`), `\uN` with `\ucN` fallback skipping, and `\bin` data (skipped).
//! Destinations without body text (`\*`, the font, colour and style tables, `\info`,
//! pictures, field instructions, …) are skipped. Per-font code pages (`\fcharset`) are not
//! applied: Word has spelled characters outside the code page as `\uN` since Word 97.

use std::char::REPLACEMENT_CHARACTER;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::Encoding;
use medialib_core::DocumentMetadata;

use super::{MAX_FIELD_BYTES, RTF, date, free_text, truncate_at_char_boundary};
use crate::MediaError;

/// Most bytes of a file read (64 MiB). Text documents are far smaller; what makes an RTF
/// file large is pictures, hex-encoded in `\pict`, which hold no text but cost time to
/// scan. Text past the bound is not searchable, which is not an error.
const MAX_RTF_BYTES: u64 = 64 * 1024 * 1024;

/// Deepest group nesting tracked; Word nests a few dozen deep. Deeper groups share the
/// deepest state, so a file of nothing but `{` cannot grow memory.
const MAX_DEPTH: usize = 256;

/// Longest control word kept (the spec's limit is 32 letters); longer ones match nothing.
const MAX_WORD: usize = 32;

/// Most fallback characters `\ucN` may ask to skip; writers use 1 or 2 (one per byte of a
/// double-byte code page).
const MAX_UC: i64 = 16;

/// Destinations whose content is not body text: tables, pictures and objects, field
/// instructions (their result is text and kept), bookmarks, index and TOC entries.
const SKIPPED: &[&[u8]] = &[
    b"bkmkend",
    b"bkmkstart",
    b"colorschememapping",
    b"colortbl",
    b"datastore",
    b"filetbl",
    b"fldinst",
    b"fonttbl",
    b"generator",
    b"latentstyles",
    b"listoverridetable",
    b"listtable",
    b"nonshppict",
    b"objdata",
    b"pgdsctbl",
    b"pict",
    b"revtbl",
    b"rsidtbl",
    b"stylesheet",
    b"tc",
    b"themedata",
    b"xe",
    b"xmlnstbl",
];

/// Reads the `\info` group: `\title`, `\author`, `\creatim` and `\nofpages` (the page
/// count the writer saw when it last saved). Reading stops at the first body text, which
/// the spec puts after `\info`.
///
/// Errors: [`MediaError::Invalid`] for a file that does not begin with `{\rtf`,
/// [`MediaError::Tool`] when it cannot be read.
pub(super) fn probe(path: &Path) -> Result<DocumentMetadata, MediaError> {
    let found = read(path, Want::Facts)?;
    Ok(DocumentMetadata {
        format: RTF.to_owned(),
        title: free_text(&found.title),
        author: free_text(&found.author),
        created_at: found.created_at(),
        page_count: found.pages.and_then(|n| u32::try_from(n).ok()),
        ..DocumentMetadata::default()
    })
}

/// The body text, `\par` and `\line` as line breaks, `\tab` and `\cell` as tabs, at most
/// `max_bytes`; reading stops once that much is collected.
pub(super) fn extract_text(path: &Path, max_bytes: usize) -> Result<Option<String>, MediaError> {
    let mut text = read(path, Want::Text(max_bytes))?.text;
    truncate_at_char_boundary(&mut text, max_bytes);
    Ok(Some(text.trim().to_owned()))
}

fn read(path: &Path, want: Want) -> Result<Found, MediaError> {
    let read_error =
        |e: io::Error| MediaError::Tool(format!("cannot read {}: {e}", path.display()));
    let file = File::open(path).map_err(read_error)?;
    let mut input = BufReader::new(file.take(MAX_RTF_BYTES));
    if !input
        .fill_buf()
        .map_err(read_error)?
        .trim_ascii_start()
        .starts_with(b"{\\rtf")
    {
        return Err(MediaError::Invalid(
            "not an RTF file: it does not begin with {\\rtf".to_owned(),
        ));
    }
    Reader::new(input, want).run().map_err(read_error)
}

/// What a pass is for, which decides where it may stop.
#[derive(Clone, Copy)]
enum Want {
    /// The `\info` facts: stop once the group ends or body text begins.
    Facts,
    /// The body text, up to this many bytes.
    Text(usize),
}

/// Where a group's characters go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dest {
    Body,
    /// Nowhere, for this group and everything inside it.
    Skip,
    /// The `\info` group: nowhere, but its `\title`, `\author`, `\creatim` are read.
    Info,
    Title,
    Author,
    Created,
}

/// The state a group inherits from its parent and drops at its end.
#[derive(Clone, Copy)]
struct Group {
    dest: Dest,
    /// Fallback characters after each `\uN` (`\ucN`, 1 unless set).
    uc: u32,
}

/// What a pass collects.
#[derive(Default)]
struct Found {
    text: String,
    title: String,
    author: String,
    /// `\creatim`'s `\yr \mo \dy \hr \min \sec`.
    created: [i64; 6],
    pages: Option<i64>,
}

impl Found {
    /// RTF records local time, so the date has no offset, as ODF's.
    fn created_at(&self) -> Option<String> {
        let [yr, mo, dy, hr, min, sec] = self.created;
        date::normalize(&format!(
            "{yr:04}-{mo:02}-{dy:02}T{hr:02}:{min:02}:{sec:02}"
        ))
    }
}

/// One streaming pass over the file.
struct Reader<R> {
    input: R,
    want: Want,
    /// The group stack; the first entry is the state outside every group.
    groups: Vec<Group>,
    /// Groups opened beyond [`MAX_DEPTH`], sharing the deepest state.
    overflow: usize,
    encoding: &'static Encoding,
    /// Code-page bytes not yet decoded: a double-byte character may span two `\'hh`.
    bytes: Vec<u8>,
    /// Fallback characters still to skip after a `\uN`.
    skip: u32,
    /// A `\uN` high surrogate waiting for its low half.
    high: Option<u16>,
    info_done: bool,
    body_started: bool,
    found: Found,
}

impl<R: BufRead> Reader<R> {
    fn new(input: R, want: Want) -> Self {
        Self {
            input,
            want,
            groups: vec![Group {
                dest: Dest::Body,
                uc: 1,
            }],
            overflow: 0,
            encoding: encoding_rs::WINDOWS_1252,
            bytes: Vec::new(),
            skip: 0,
            high: None,
            info_done: false,
            body_started: false,
            found: Found::default(),
        }
    }

    fn run(mut self) -> io::Result<Found> {
        while let Some(byte) = self.next()? {
            match byte {
                b'{' => self.open_group(),
                b'}' => self.close_group(),
                b'\\' => self.control()?,
                // Line ends in the file are layout only (`\par` is the paragraph mark).
                b'\r' | b'\n' => {}
                _ => self.byte(byte),
            }
            let done = match self.want {
                Want::Facts => self.info_done || self.body_started,
                Want::Text(max_bytes) => self.found.text.len() > max_bytes,
            };
            if done {
                break;
            }
        }
        self.flush();
        Ok(self.found)
    }

    fn next(&mut self) -> io::Result<Option<u8>> {
        let byte = self.peek()?;
        if byte.is_some() {
            self.input.consume(1);
        }
        Ok(byte)
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.input.fill_buf()?.first().copied())
    }

    fn top(&mut self) -> &mut Group {
        let last = self.groups.len() - 1;
        &mut self.groups[last]
    }

    fn open_group(&mut self) {
        self.flush();
        self.skip = 0;
        let top = *self.top();
        if self.groups.len() > MAX_DEPTH {
            self.overflow += 1;
        } else {
            self.groups.push(top);
        }
    }

    fn close_group(&mut self) {
        self.flush();
        self.skip = 0;
        if self.overflow > 0 {
            self.overflow -= 1;
        } else if self.groups.len() > 1
            && let Some(group) = self.groups.pop()
            && group.dest == Dest::Info
            && self.top().dest != Dest::Info
        {
            self.info_done = true;
        }
    }

    /// After a backslash: a control word, `\'hh`, or a control symbol.
    fn control(&mut self) -> io::Result<()> {
        let Some(first) = self.next()? else {
            return Ok(());
        };
        if !first.is_ascii_alphabetic() {
            self.symbol(first)?;
            return Ok(());
        }
        let mut word = [0; MAX_WORD];
        word[0] = first;
        let mut len = 1;
        while let Some(letter) = self.peek()?.filter(u8::is_ascii_alphabetic) {
            self.input.consume(1);
            if len < MAX_WORD {
                word[len] = letter;
            }
            len += 1;
        }
        let word = if len <= MAX_WORD { &word[..len] } else { b"" };
        let param = self.parameter()?;
        // One space ends a control word and is part of it.
        if self.peek()? == Some(b' ') {
            self.input.consume(1);
        }
        if word == b"bin" {
            return self.skip_binary(param.unwrap_or(0));
        }
        self.flush();
        if self.skip > 0 {
            // A control word in the fallback text counts as one character.
            self.skip -= 1;
            return Ok(());
        }
        self.word(word, param);
        Ok(())
    }

    /// A control word's optional signed decimal parameter.
    fn parameter(&mut self) -> io::Result<Option<i64>> {
        let negative = self.peek()? == Some(b'-');
        if negative {
            self.input.consume(1);
        }
        let mut value: Option<i64> = None;
        while let Some(digit) = self.peek()?.filter(u8::is_ascii_digit) {
            self.input.consume(1);
            let v = value.unwrap_or(0);
            value = Some(v.saturating_mul(10).saturating_add(i64::from(digit - b'0')));
        }
        Ok(value.map(|v| if negative { -v } else { v }))
    }

    /// `\bin N`: N raw bytes that are not RTF, skipped without being looked at.
    fn skip_binary(&mut self, count: i64) -> io::Result<()> {
        let mut left = u64::try_from(count).unwrap_or(0);
        while left > 0 {
            let available = self.input.fill_buf()?.len();
            if available == 0 {
                break;
            }
            let n = available.min(usize::try_from(left).unwrap_or(usize::MAX));
            self.input.consume(n);
            left -= n as u64;
        }
        Ok(())
    }

    /// A control symbol: a backslash and one non-letter.
    fn symbol(&mut self, symbol: u8) -> io::Result<()> {
        match symbol {
            b'\'' => {
                let mut hex = [0; 2];
                for h in &mut hex {
                    *h = self.next()?.unwrap_or(b' ');
                }
                let value = std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                if let Some(value) = value {
                    self.byte(value);
                }
            }
            b'\\' | b'{' | b'}' => self.byte(symbol),
            _ => {
                self.flush();
                if self.skip > 0 {
                    self.skip -= 1;
                    return Ok(());
                }
                match symbol {
                    b'*' => self.set_dest(Dest::Skip),
                    b'~' => self.emit('\u{a0}'),
                    b'_' => self.emit('\u{2011}'),
                    // `\` before a line end is a paragraph mark.
                    b'\r' | b'\n' => self.emit('\n'),
                    // `\-` optional hyphen, `\|` `\:` formula and index marks.
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// A character in the code page, raw or as `\'hh`.
    fn byte(&mut self, byte: u8) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if !matches!(self.top().dest, Dest::Body | Dest::Title | Dest::Author) {
            return;
        }
        self.bytes.push(byte);
        // Bytes below 0x40 are never the second half of a double-byte character, so a
        // long run of text can be decoded there without waiting for a control word.
        if self.bytes.len() >= 4096 && byte < 0x40 {
            self.flush();
        }
    }

    fn word(&mut self, word: &[u8], param: Option<i64>) {
        let dest = self.top().dest;
        match word {
            b"u" => {
                if let Some(param) = param {
                    // Values above 32767 are written as negative numbers.
                    let unit = u16::try_from(if param < 0 { param + 65_536 } else { param });
                    self.unicode(unit.unwrap_or(0xFFFD));
                    self.skip = self.top().uc;
                }
            }
            b"uc" => self.top().uc = param.unwrap_or(1).clamp(0, MAX_UC) as u32,
            b"ansicpg" => self.encoding = code_page(param.unwrap_or(1252)),
            b"mac" => self.encoding = encoding_rs::MACINTOSH,
            b"par" | b"line" | b"sect" | b"page" | b"row" => self.emit('\n'),
            b"tab" | b"cell" => self.emit('\t'),
            b"emdash" => self.emit('\u{2014}'),
            b"endash" => self.emit('\u{2013}'),
            b"bullet" => self.emit('\u{2022}'),
            b"lquote" => self.emit('\u{2018}'),
            b"rquote" => self.emit('\u{2019}'),
            b"ldblquote" => self.emit('\u{201C}'),
            b"rdblquote" => self.emit('\u{201D}'),
            b"emspace" | b"enspace" | b"qmspace" => self.emit(' '),
            b"info" => self.set_dest(Dest::Info),
            b"title" if dest == Dest::Info => self.set_dest(Dest::Title),
            b"author" if dest == Dest::Info => self.set_dest(Dest::Author),
            b"creatim" if dest == Dest::Info => self.set_dest(Dest::Created),
            b"nofpages" if dest == Dest::Info => self.found.pages = param,
            b"yr" | b"mo" | b"dy" | b"hr" | b"min" | b"sec" if dest == Dest::Created => {
                let at = [&b"yr"[..], b"mo", b"dy", b"hr", b"min", b"sec"]
                    .iter()
                    .position(|w| *w == word);
                if let (Some(at), Some(value)) = (at, param) {
                    self.found.created[at] = value;
                }
            }
            _ if SKIPPED.contains(&word) => self.set_dest(Dest::Skip),
            _ => {}
        }
    }

    /// Makes the current group a destination; a skipped group stays skipped.
    fn set_dest(&mut self, dest: Dest) {
        let top = self.top();
        if top.dest != Dest::Skip {
            top.dest = dest;
        }
    }

    /// One UTF-16 unit from `\uN`, pairing surrogates.
    fn unicode(&mut self, unit: u16) {
        if let Some(high) = self.high.take() {
            if (0xDC00..0xE000).contains(&unit) {
                let pair = char::decode_utf16([high, unit]).next().and_then(Result::ok);
                self.push(pair.unwrap_or(REPLACEMENT_CHARACTER));
                return;
            }
            self.push(REPLACEMENT_CHARACTER);
        }
        if (0xD800..0xDC00).contains(&unit) {
            self.high = Some(unit);
        } else {
            self.push(char::from_u32(unit.into()).unwrap_or(REPLACEMENT_CHARACTER));
        }
    }

    /// Decodes the pending code-page bytes.
    fn flush(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.bytes);
        let (text, _) = self.encoding.decode_without_bom_handling(&bytes);
        for c in text.chars() {
            self.emit(c);
        }
        self.bytes = bytes;
        self.bytes.clear();
    }

    /// A character that is not the low half of a surrogate pair.
    fn emit(&mut self, c: char) {
        if self.high.take().is_some() {
            self.push(REPLACEMENT_CHARACTER);
        }
        self.push(c);
    }

    fn push(&mut self, c: char) {
        let found = &mut self.found;
        match self.groups[self.groups.len() - 1].dest {
            Dest::Body => {
                self.body_started |= !c.is_whitespace();
                if matches!(self.want, Want::Text(_)) {
                    found.text.push(c);
                }
            }
            Dest::Title if found.title.len() <= MAX_FIELD_BYTES => found.title.push(c),
            Dest::Author if found.author.len() <= MAX_FIELD_BYTES => found.author.push(c),
            _ => {}
        }
    }
}

/// The encoding of a Windows code page number (`\ansicpg`); Windows-1252, the spec's
/// default, for one `encoding_rs` does not have (e.g. the DOS code pages 437 and 850).
fn code_page(number: i64) -> &'static Encoding {
    use encoding_rs::*;
    match number {
        866 => IBM866,
        874 => WINDOWS_874,
        932 => SHIFT_JIS,
        936 => GBK,
        949 => EUC_KR,
        950 => BIG5,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        10000 => MACINTOSH,
        20866 => KOI8_R,
        21866 => KOI8_U,
        65001 => UTF_8,
        _ => WINDOWS_1252,
    }
}

#[cfg(test)]
mod tests;
