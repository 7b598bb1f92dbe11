//! Camera RAW files: the ones with a signature of their own (Fujifilm RAF, Olympus ORF,
//! Panasonic RW2, Canon CR3), and the ones that are TIFF files on the outside (DNG, Nikon
//! NEF, Sony ARW, Pentax PEF), told from ordinary TIFFs by their first directory. Canon CR2
//! is `infer`'s.

use super::{Detected, ImageFormat};

/// The RAW format `head` begins with, by its own signature or its TIFF directory.
pub(super) fn sniff(head: &[u8]) -> Option<Detected> {
    let mime = if head.starts_with(b"FUJIFILMCCD-RAW ") {
        "image/x-fuji-raf"
    } else if [&b"IIRO"[..], b"IIRS", b"MMOR"]
        .iter()
        .any(|m| head.starts_with(m))
    {
        "image/x-olympus-orf"
    } else if head.starts_with(b"IIU\0") {
        "image/x-panasonic-rw2"
    } else {
        tiff_raw(head)?
    };
    Some(Detected::image_as(mime, ImageFormat::Raw))
}

/// Canon CR3 by its `ftyp` major brand, `crx ` (an ISO base media file).
pub(super) fn isobmff_cr3(major_brand: &[u8]) -> Option<Detected> {
    (major_brand == b"crx ").then(|| Detected::image_as("image/x-canon-cr3", ImageFormat::Raw))
}

/// TIFF tags read from the first image file directory (TIFF 6.0 §2; DNG 1.6 §"DNGVersion").
const NEW_SUBFILE_TYPE: u16 = 0x00FE;
const MAKE: u16 = 0x010F;
const SUB_IFDS: u16 = 0x014A;
const DNG_VERSION: u16 = 0xC612;

/// A TIFF-structured RAW: a DNG names its version in IFD0; NEF, ARW and PEF keep a small
/// preview in IFD0 (marked as a reduced-resolution image) and the sensor data in a SubIFD,
/// with the camera maker in `Make`. An ordinary TIFF's first image is its full-size one,
/// which is what tells the two apart.
fn tiff_raw(head: &[u8]) -> Option<&'static str> {
    let little = match head.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = head.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = head.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    let (mut reduced, mut sub_ifds, mut make) = (false, false, None);
    for i in 0..count.min(512) {
        let entry = ifd + 2 + 12 * i;
        match u16_at(entry)? {
            DNG_VERSION => return Some("image/x-adobe-dng"),
            NEW_SUBFILE_TYPE => reduced = u32_at(entry + 8)? & 1 == 1,
            SUB_IFDS => sub_ifds = true,
            MAKE => {
                // ASCII; values longer than four bytes are stored at an offset.
                let len = u32_at(entry + 4)? as usize;
                let at = if len <= 4 {
                    entry + 8
                } else {
                    u32_at(entry + 8)? as usize
                };
                make = head.get(at..at + len.min(16));
            }
            _ => {}
        }
    }
    if !(reduced && sub_ifds) {
        return None;
    }
    let make = make?;
    [
        (&b"NIKON"[..], "image/x-nikon-nef"),
        (b"SONY", "image/x-sony-arw"),
        (b"PENTAX", "image/x-pentax-pef"),
    ]
    .into_iter()
    .find(|(maker, _)| make.starts_with(maker))
    .map(|(_, mime)| mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF whose IFD0 holds `entries` (tag, type, count, value), with
    /// `data` after the directory.
    fn tiff(entries: &[(u16, u16, u32, u32)], data: &[u8]) -> Vec<u8> {
        let mut bytes = b"II*\0\x08\0\0\0".to_vec();
        bytes.extend((entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            bytes.extend(tag.to_le_bytes());
            bytes.extend(kind.to_le_bytes());
            bytes.extend(count.to_le_bytes());
            bytes.extend(value.to_le_bytes());
        }
        bytes.extend(0u32.to_le_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    fn mime(head: &[u8]) -> Option<&'static str> {
        sniff(head).map(|d| d.mime)
    }

    #[test]
    fn dng_by_its_version_tag() {
        let dng = tiff(
            &[(0x0100, 4, 1, 256), (DNG_VERSION, 1, 4, 0x0001_0401)],
            b"",
        );
        assert_eq!(mime(&dng), Some("image/x-adobe-dng"));
        assert_eq!(sniff(&dng).unwrap().format, Some(ImageFormat::Raw));
    }

    #[test]
    fn nef_needs_a_preview_first_a_sub_ifd_and_the_maker() {
        // The directory ends at 8 + 2 + 3 × 12 + 4 = 50, where the maker's name is stored.
        let entries = [
            (NEW_SUBFILE_TYPE, 4, 1, 1),
            (MAKE, 2, 18, 50),
            (SUB_IFDS, 4, 1, 2000),
        ];
        let nef = tiff(&entries, b"NIKON CORPORATION\0");
        assert_eq!(mime(&nef), Some("image/x-nikon-nef"));
        // The same directory naming a full-size first image is an ordinary TIFF.
        let mut full = entries;
        full[0].3 = 0;
        assert_eq!(mime(&tiff(&full, b"NIKON CORPORATION\0")), None);
        // A maker this module has no RAW type for stays TIFF.
        assert_eq!(mime(&tiff(&entries, b"SCANNER MAKER INC\0")), None);
    }

    #[test]
    fn signatures_of_their_own() {
        assert_eq!(mime(b"FUJIFILMCCD-RAW 0201"), Some("image/x-fuji-raf"));
        assert_eq!(mime(b"IIRO\x08\0\0\0"), Some("image/x-olympus-orf"));
        assert_eq!(mime(b"IIU\0\x08\0\0\0"), Some("image/x-panasonic-rw2"));
        assert_eq!(
            isobmff_cr3(b"crx ").map(|d| d.mime),
            Some("image/x-canon-cr3")
        );
        assert_eq!(mime(b"II*\0"), None);
    }
}
