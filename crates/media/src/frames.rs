//! Frame counting from container structure, without decoding any pixels.
//!
//! Each counter walks only the format's block structure (bounds-checked, capped, loop-safe),
//! because decoding every frame of an animation just to count it would cost more than the
//! whole variant pipeline. A damaged structure yields the frames seen so far (at least 1):
//! the frame count is a fact for display, pixels decide acceptance.

use crate::ImageFormat;

/// Never walk more blocks or directories than this, whatever the file claims.
const MAX_FRAMES: u32 = 100_000;

/// Number of frames (animation frames, pages, icon entries, MPO pictures) for formats whose
/// frames this module can count; `None` for the others.
pub(crate) fn count(bytes: &[u8], format: ImageFormat) -> Option<u32> {
    let n = match format {
        ImageFormat::Gif => gif_frames(bytes),
        ImageFormat::Png => apng_frames(bytes),
        ImageFormat::Webp => webp_frames(bytes),
        ImageFormat::Ico => ico_entries(bytes),
        ImageFormat::Tiff => tiff_directories(bytes),
        ImageFormat::Jpeg => crate::decode::jpeg_segments::mpo_images(bytes),
        _ => return None,
    };
    Some(n.clamp(1, MAX_FRAMES))
}

/// GIF89a (W3C/CompuServe spec, §§17-27): counts image descriptors (0x2C) by skipping
/// extension and image data sub-blocks.
fn gif_frames(b: &[u8]) -> u32 {
    if b.len() < 13 || !(b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")) {
        return 1;
    }
    let mut pos = 13;
    if b[10] & 0x80 != 0 {
        pos += 3 << ((b[10] & 7) + 1);
    }
    let mut frames = 0;
    while let Some(&block) = b.get(pos) {
        match block {
            0x2C => {
                frames += 1;
                if frames >= MAX_FRAMES {
                    break;
                }
                let Some(&flags) = b.get(pos + 9) else { break };
                pos += 10;
                if flags & 0x80 != 0 {
                    pos += 3 << ((flags & 7) + 1);
                }
                pos += 1; // LZW minimum code size
                pos = skip_sub_blocks(b, pos);
            }
            0x21 => pos = skip_sub_blocks(b, pos + 2),
            _ => break, // 0x3B trailer, or garbage
        }
    }
    frames
}

fn skip_sub_blocks(b: &[u8], mut pos: usize) -> usize {
    while let Some(&len) = b.get(pos) {
        pos += 1 + len as usize;
        if len == 0 {
            break;
        }
    }
    pos
}

/// APNG (W3C PNG 3rd edition §11.3.4.2): `acTL.num_frames` before the first `IDAT`.
fn apng_frames(b: &[u8]) -> u32 {
    let mut pos = 8;
    while pos + 8 <= b.len() {
        let len = be32(b, pos) as usize;
        let kind = &b[pos + 4..pos + 8];
        if kind == b"acTL" && pos + 12 <= b.len() {
            return be32(b, pos + 8);
        }
        if kind == b"IDAT" {
            break;
        }
        pos = pos.saturating_add(12).saturating_add(len);
    }
    1
}

/// WebP (RFC 9649 §5): one `ANMF` chunk per animation frame.
fn webp_frames(b: &[u8]) -> u32 {
    let mut frames = 0;
    let mut pos = 12;
    while pos + 8 <= b.len() && frames < MAX_FRAMES {
        let len = u32::from_le_bytes([b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7]]) as usize;
        if &b[pos..pos + 4] == b"ANMF" {
            frames += 1;
        }
        pos = pos.saturating_add(8).saturating_add(len + (len & 1));
    }
    frames
}

/// ICO (Microsoft ICONDIR): the entry count at offset 4.
fn ico_entries(b: &[u8]) -> u32 {
    b.get(4..6)
        .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
        .unwrap_or(1)
}

/// TIFF 6.0 (§2) and BigTIFF: the length of the IFD chain (one IFD per page).
fn tiff_directories(b: &[u8]) -> u32 {
    let Some(t) = Tiff::new(b) else { return 1 };
    let mut offset = t.first_ifd();
    let mut seen = std::collections::HashSet::new();
    let mut count = 0;
    while let Some(off) = offset {
        if off == 0 || !seen.insert(off) || count >= MAX_FRAMES {
            break;
        }
        match t.next_ifd(off) {
            Some(next) => {
                count += 1;
                offset = Some(next);
            }
            None => break,
        }
    }
    count
}

/// A minimal TIFF structure reader, shared with the MPO (CIPA DC-007) index, which is a TIFF
/// structure inside a JPEG APP2 segment.
pub(crate) struct Tiff<'a> {
    b: &'a [u8],
    little: bool,
    big: bool,
}

impl<'a> Tiff<'a> {
    /// Reads the byte order and magic; `None` if this is not a TIFF header.
    pub(crate) fn new(b: &'a [u8]) -> Option<Self> {
        let little = match b.get(0..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let t = Self {
            b,
            little,
            big: false,
        };
        match t.u16(2)? {
            42 => Some(t),
            43 => Some(Self { big: true, ..t }),
            _ => None,
        }
    }

    fn u16(&self, at: usize) -> Option<u16> {
        let s: [u8; 2] = self.b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let s: [u8; 4] = self.b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }

    fn u64(&self, at: usize) -> Option<u64> {
        let s: [u8; 8] = self.b.get(at..at + 8)?.try_into().ok()?;
        Some(if self.little {
            u64::from_le_bytes(s)
        } else {
            u64::from_be_bytes(s)
        })
    }

    /// Offset of the first IFD.
    pub(crate) fn first_ifd(&self) -> Option<usize> {
        if self.big {
            usize::try_from(self.u64(8)?).ok()
        } else {
            Some(self.u32(4)? as usize)
        }
    }

    /// (entry count, entry size, offset of the first entry) for the IFD at `off`.
    fn entries(&self, off: usize) -> Option<(usize, usize, usize)> {
        if self.big {
            Some((usize::try_from(self.u64(off)?).ok()?, 20, off + 8))
        } else {
            Some((self.u16(off)? as usize, 12, off + 2))
        }
    }

    /// Offset of the IFD after the one at `off` (0 at the end of the chain).
    fn next_ifd(&self, off: usize) -> Option<usize> {
        let (n, size, first) = self.entries(off)?;
        let at = first.checked_add(n.checked_mul(size)?)?;
        if self.big {
            usize::try_from(self.u64(at)?).ok()
        } else {
            Some(self.u32(at)? as usize)
        }
    }

    /// The value of a SHORT or LONG tag with count 1 in the IFD at `off`.
    pub(crate) fn scalar(&self, off: usize, tag: u16) -> Option<u32> {
        let (n, size, first) = self.entries(off)?;
        (0..n.min(4096)).find_map(|i| {
            let e = first + i * size;
            if self.u16(e)? != tag {
                return None;
            }
            let value_at = e + if self.big { 12 } else { 8 };
            match self.u16(e + 2)? {
                3 => self.u16(value_at).map(u32::from),
                4 => self.u32(value_at),
                _ => None,
            }
        })
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gif_counts_descriptors_and_survives_truncation() {
        // Header, 1x1 screen without colour table, two 1x1 frames each with one data sub-block.
        let mut gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec();
        let frame = [0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 1, 0x44, 0];
        gif.extend_from_slice(&frame);
        gif.extend_from_slice(&[0x21, 0xF9, 4, 0, 0, 0, 0, 0]);
        gif.extend_from_slice(&frame);
        gif.push(0x3B);
        assert_eq!(gif_frames(&gif), 2);
        assert_eq!(gif_frames(&gif[..gif.len() - 10]), 2);
        assert_eq!(gif_frames(&gif[..20]), 1);
    }

    #[test]
    fn tiff_chain_loops_terminate() {
        // Little-endian TIFF whose only IFD (no entries) points back at itself.
        let tiff = b"II*\x00\x08\x00\x00\x00\x00\x00\x08\x00\x00\x00";
        assert_eq!(tiff_directories(tiff), 1);
    }
}
