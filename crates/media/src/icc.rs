//! Colour management: embedded ICC profiles, their names, and conversion to sRGB.
//!
//! Profile layout follows ICC.1:2022 (v4.4) §7 (header and tag table) and §10.13/§10.15
//! (`mluc` and the v2 `desc` text types). Conversions use `moxcms`.

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

use crate::raster::Raster;

/// The profile's description (`desc` tag), e.g. `Display P3`; `None` if absent or unreadable.
pub(crate) fn description(profile: &[u8]) -> Option<String> {
    let be32 = |at: usize| -> Option<usize> {
        let s: [u8; 4] = profile.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(u32::from_be_bytes(s) as usize)
    };
    let tags = be32(128)?;
    let tag = (0..tags.min(1024)).find_map(|i| {
        let entry = 132 + 12 * i;
        (profile.get(entry..entry + 4)? == b"desc").then_some(())?;
        Some((be32(entry + 4)?, be32(entry + 8)?))
    })?;
    let (offset, size) = tag;
    let data = profile.get(offset..offset.checked_add(size)?)?;
    let text = match data.get(0..4)? {
        // ICC v2 textDescriptionType: ASCII count (including the NUL) then ASCII.
        b"desc" => {
            let n = u32::from_be_bytes(data.get(8..12)?.try_into().ok()?) as usize;
            let ascii = data.get(12..12usize.checked_add(n)?)?;
            String::from_utf8_lossy(ascii).into_owned()
        }
        // ICC v4 multiLocalizedUnicodeType: records of (language, country, length, offset),
        // UTF-16BE strings. English is preferred, else the first record.
        b"mluc" => {
            let records = u32::from_be_bytes(data.get(8..12)?.try_into().ok()?) as usize;
            let record_size = u32::from_be_bytes(data.get(12..16)?.try_into().ok()?) as usize;
            let record = |i: usize| -> Option<(&[u8], &[u8])> {
                let r = data.get(16 + i * record_size..16 + i * record_size + 12)?;
                let len = u32::from_be_bytes(r[4..8].try_into().ok()?) as usize;
                let off = u32::from_be_bytes(r[8..12].try_into().ok()?) as usize;
                Some((&r[0..2], data.get(off..off.checked_add(len)?)?))
            };
            let n = records.min(256);
            let (_, utf16) = (0..n)
                .filter_map(record)
                .find(|(lang, _)| *lang == b"en")
                .or_else(|| record(0))?;
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => return None,
    };
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!text.is_empty()).then(|| text.to_owned())
}

/// Converts an RGB(A) raster from an embedded ICC profile (the raw ICC.1 bytes, e.g.
/// [`crate::pipeline::Decoded::icc`]) to sRGB, in place, keeping its size and alpha.
///
/// Best effort: profiles that are not RGB (grey, CMYK, which the decoders already turned into
/// RGB), that are already sRGB, or that `moxcms` cannot parse leave the pixels as they are,
/// which is what browsers do with such images too.
pub fn convert_to_srgb(raster: &mut Raster, profile: &[u8]) {
    if description(profile).is_some_and(|d| d.starts_with("sRGB")) {
        // The common case; converting sRGB to sRGB would only add rounding.
        return;
    }
    let Ok(source) = ColorProfile::new_from_slice(profile) else {
        return;
    };
    if source.color_space != DataColorSpace::Rgb {
        return;
    }
    let layout = if raster.alpha {
        Layout::Rgba
    } else {
        Layout::Rgb
    };
    let target = ColorProfile::new_srgb();
    let Ok(transform) =
        source.create_transform_8bit(layout, &target, layout, TransformOptions::default())
    else {
        return;
    };
    let mut out = vec![0u8; raster.data.len()];
    if transform.transform(&raster.data, &mut out).is_ok() {
        raster.data = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_profiles_have_no_description() {
        assert_eq!(description(b""), None);
        assert_eq!(description(&[0u8; 200]), None);
    }
}
