//! Text in pictures (OCR): `page` reads document pages with Tesseract; `photo` reads text
//! set on or seen in photos with PaddleOCR's detector and recogniser.

pub mod page;
pub mod photo;

use medialib_core::analysis::{TextLine, text};

/// The side, in pixels, of a document page's shorter edge that Tesseract reads well:
/// about 145 dpi on A4.
pub const PAGE_SIDE: u32 = 1200;
/// The longest side a page is read at, in pixels.
pub const MAX_PAGE_SIDE: u32 = 2400;

/// `lines`, the last ones dropped (and the last kept cut) so that their joined text has
/// at most `max` characters.
pub fn within(lines: Vec<TextLine>, max: usize) -> Vec<TextLine> {
    let mut left = max;
    let mut kept = Vec::new();
    for mut line in lines {
        if left == 0 {
            break;
        }
        let n = line.text.chars().count();
        if n > left {
            line.text = line.text.chars().take(left).collect();
        }
        left = left.saturating_sub(n + 1);
        kept.push(line);
    }
    debug_assert!(text::joined(&kept, usize::MAX).chars().count() <= max);
    kept
}
