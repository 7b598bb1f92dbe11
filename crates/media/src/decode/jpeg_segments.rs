//! JPEG marker segments (ITU T.81 Annex B): the metadata that lives around the pixels.
//!
//! Reads only the segments before the first scan: ICC profiles (APP2 `ICC_PROFILE`, ICC.1
//! Annex B.4), the Adobe APP14 marker (Adobe Technical Note 5116, which says CMYK is stored
//! inverted), and the MPO index (APP2 `MPF`, CIPA DC-007 §5.2).

use crate::frames::Tiff;

/// One marker segment: the marker byte (after `FF`) and its payload (without the length).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment<'a> {
    pub marker: u8,
    pub payload: &'a [u8],
}

/// Iterates over the marker segments from SOI up to (not including) the first SOS.
///
/// Bytes that are not a marker where one is expected are skipped, as libjpeg does (it warns
/// about "extraneous bytes before marker" and carries on).
pub(crate) fn segments(bytes: &[u8]) -> impl Iterator<Item = Segment<'_>> {
    let mut walker = Walker { bytes, pos: 2 };
    std::iter::from_fn(move || match walker.next_marker()? {
        Next::Segment(segment) => Some(segment),
        Next::Scan(_) => None,
    })
}

/// Offset of the first SOS marker, where entropy-coded data starts.
pub(crate) fn first_scan_offset(bytes: &[u8]) -> Option<usize> {
    let mut walker = Walker { bytes, pos: 2 };
    loop {
        match walker.next_marker()? {
            Next::Segment(_) => {}
            Next::Scan(at) => return Some(at),
        }
    }
}

enum Next<'a> {
    Segment(Segment<'a>),
    Scan(usize),
}

struct Walker<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Walker<'a> {
    /// The next segment, or where the first scan starts; `None` at EOI or malformed data.
    fn next_marker(&mut self) -> Option<Next<'a>> {
        let bytes = self.bytes;
        loop {
            // Find the next 0xFF followed by a marker byte (extra 0xFF bytes are fill).
            while bytes.get(self.pos).is_some_and(|&b| b != 0xFF) {
                self.pos += 1;
            }
            while bytes.get(self.pos + 1) == Some(&0xFF) {
                self.pos += 1;
            }
            let marker = *bytes.get(self.pos + 1)?;
            match marker {
                0x00 | 0x01 | 0xD0..=0xD8 => self.pos += 2, // no length follows
                0xD9 => return None,
                0xDA => return Some(Next::Scan(self.pos)),
                _ => {
                    let hi = *bytes.get(self.pos + 2)?;
                    let lo = *bytes.get(self.pos + 3)?;
                    let len = usize::from(u16::from_be_bytes([hi, lo]));
                    if len < 2 {
                        return None;
                    }
                    let payload = bytes.get(self.pos + 4..self.pos + 2 + len)?;
                    self.pos += 2 + len;
                    return Some(Next::Segment(Segment { marker, payload }));
                }
            }
        }
    }
}

/// True when an EOI marker follows the entropy-coded data, i.e. the file is not truncated.
///
/// Scans backwards, because EOI is normally within the last bytes; MPO files and camera
/// trailers put more data after it.
pub(crate) fn has_end_of_image(bytes: &[u8]) -> bool {
    let Some(scan) = first_scan_offset(bytes) else {
        return false;
    };
    bytes[scan..].windows(2).rev().any(|w| w == [0xFF, 0xD9])
}

/// The width and height declared in the SOF segment, for files whose header libjpeg rejects.
pub(crate) fn frame_size(bytes: &[u8]) -> Option<(u32, u32)> {
    segments(bytes)
        .find(|s| matches!(s.marker, 0xC0..=0xCF) && !matches!(s.marker, 0xC4 | 0xC8 | 0xCC))
        .and_then(|s| {
            let p = s.payload;
            let height = u16::from_be_bytes([*p.get(1)?, *p.get(2)?]);
            let width = u16::from_be_bytes([*p.get(3)?, *p.get(4)?]);
            Some((u32::from(width), u32::from(height)))
        })
}

/// The embedded ICC profile, reassembled from its numbered APP2 chunks.
pub(crate) fn icc_profile(bytes: &[u8]) -> Option<Vec<u8>> {
    const TAG: &[u8] = b"ICC_PROFILE\0";
    let mut chunks: Vec<(u8, &[u8])> = segments(bytes)
        .filter(|s| s.marker == 0xE2 && s.payload.starts_with(TAG) && s.payload.len() > 14)
        .map(|s| (s.payload[12], &s.payload[14..]))
        .collect();
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|(seq, _)| *seq);
    Some(
        chunks
            .into_iter()
            .flat_map(|(_, data)| data)
            .copied()
            .collect(),
    )
}

/// True when an Adobe APP14 marker is present: Adobe applications store CMYK inverted.
pub(crate) fn has_adobe_marker(bytes: &[u8]) -> bool {
    segments(bytes).any(|s| s.marker == 0xEE && s.payload.starts_with(b"Adobe"))
}

/// The number of pictures an MPO file declares (MP Index IFD tag 0xB001), 1 for plain JPEGs.
pub(crate) fn mpo_images(bytes: &[u8]) -> u32 {
    segments(bytes)
        .find(|s| s.marker == 0xE2 && s.payload.starts_with(b"MPF\0"))
        .and_then(|s| {
            let tiff = Tiff::new(&s.payload[4..])?;
            tiff.scalar(tiff.first_ifd()?, 0xB001)
        })
        .unwrap_or(1)
}

/// The bytes before the first scan: all the metadata segments, without the pixel data.
pub(crate) fn metadata_prefix(bytes: &[u8]) -> &[u8] {
    &bytes[..first_scan_offset(bytes).unwrap_or(bytes.len())]
}
