//! Audio and video streams that `infer` misses or names too coarsely: MPEG transport
//! streams, MP3 without an ID3 tag, AC-3, AMR-WB, 3GP, and Ogg holding Theora video.
//!
//! Formats without a file header (MPEG-TS, MP3, AC-3) are recognised only when several
//! frames in a row parse and each one ends where the next sync word begins: a single sync
//! pattern is two bytes and turns up by chance in any binary file.

use medialib_core::AssetKind;

use super::Detected;

/// How many consecutive frames or packets must line up before a headerless stream counts;
/// fewer are accepted only when the file itself ends first.
const FRAMES_IN_A_ROW: usize = 4;

/// The audio or video stream `head` (the first bytes of a file of `len` bytes) begins with,
/// when it is one of this module's formats.
pub(super) fn sniff(head: &[u8], len: u64) -> Option<Detected> {
    let mime = if is_transport_stream(head, len) {
        "video/mp2t"
    } else if head.starts_with(b"#!AMR-WB\n") {
        "audio/amr-wb"
    } else if is_ogg_theora(head) {
        "video/ogg"
    } else if let Some(mime) = ac3(head, len) {
        mime
    } else if is_mpeg_audio(head, len) {
        "audio/mpeg"
    } else {
        return None;
    };
    let kind = if mime.starts_with("video/") {
        AssetKind::Video
    } else {
        AssetKind::Audio
    };
    Some(Detected {
        mime,
        kind,
        format: None,
    })
}

/// 3GPP and 3GPP2 files by their `ftyp` major brand (3GPP TS 26.244 §5.4.2, 3GPP2 C.S0050
/// §8.1): `3gp4`…`3gp9`, `3gs*`, `3ge*`, `3gg*` and `3g2a`…`3g2c`.
pub(super) fn isobmff_3gpp(major_brand: &[u8]) -> Option<Detected> {
    let mime = match major_brand {
        [b'3', b'g', b'2', _] => "video/3gpp2",
        [b'3', b'g', b'p' | b's' | b'e' | b'g' | b'r', _] => "video/3gpp",
        _ => return None,
    };
    Some(Detected {
        mime,
        kind: AssetKind::Video,
        format: None,
    })
}

/// MPEG-2 transport streams (ISO/IEC 13818-1 §2.4.3): 188-byte packets that each begin with
/// the sync byte 0x47; Blu-ray and AVCHD `.m2ts`/`.mts` files put a 4-byte timecode before
/// each packet, making 192 bytes.
///
/// At least three packets must line up: a GIF also starts with 0x47 (`G`).
fn is_transport_stream(head: &[u8], len: u64) -> bool {
    if head.starts_with(b"GIF8") {
        return false;
    }
    [(188, 0), (192, 4)].into_iter().any(|(packet, offset)| {
        let complete = (len.saturating_sub(offset as u64) / packet as u64) as usize;
        let needed = complete.min(FRAMES_IN_A_ROW);
        needed >= 3 && (0..needed).all(|i| head.get(offset + i * packet) == Some(&0x47))
    })
}

/// An Ogg file whose logical streams include Theora video: a beginning-of-stream page
/// (RFC 3533 §6) whose first packet is Theora's identification header, `0x80` then `theora`
/// (Theora specification §6.2). The headers of every stream come before any data page,
/// so they are in the head.
fn is_ogg_theora(head: &[u8]) -> bool {
    let mut rest = head;
    while let Some(page) = OggPage::parse(rest) {
        if !page.begins_stream {
            return false;
        }
        if page.first_packet.starts_with(b"\x80theora") {
            return true;
        }
        // A page that runs past the head hides the pages after it.
        let Some(next) = rest.get(page.size..) else {
            return false;
        };
        rest = next;
    }
    false
}

/// The parts of an Ogg page header (RFC 3533 §6) this module looks at.
struct OggPage<'a> {
    begins_stream: bool,
    first_packet: &'a [u8],
    /// The whole page: 27-byte header, segment table, body.
    size: usize,
}

impl<'a> OggPage<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        if !bytes.starts_with(b"OggS") || bytes.get(4) != Some(&0) {
            return None;
        }
        let begins_stream = bytes.get(5)? & 0x02 != 0;
        let segments = *bytes.get(26)? as usize;
        let table = bytes.get(27..27 + segments)?;
        let body: usize = table.iter().map(|&s| s as usize).sum();
        // A packet ends at the first lacing value below 255.
        let first_len = table
            .iter()
            .position(|&s| s < 255)
            .map_or(body, |i| table[..=i].iter().map(|&s| s as usize).sum());
        let start = 27 + segments;
        let end = bytes.len().min(start + first_len);
        Some(Self {
            begins_stream,
            first_packet: bytes.get(start..end)?,
            size: start + body,
        })
    }
}

/// AC-3 and E-AC-3 (ATSC A/52:2018 §5.3 and Annex E §2.3): frames that start with the sync
/// word `0B 77`, whose size the frame header gives.
fn ac3(head: &[u8], len: u64) -> Option<&'static str> {
    let (_, bsid) = ac3_frame(head)?;
    let lined_up = frames_line_up(head, len, |frame| ac3_frame(frame).map(|(size, _)| size));
    lined_up.then_some(if bsid > 10 { "audio/eac3" } else { "audio/ac3" })
}

/// True when [`FRAMES_IN_A_ROW`] frames follow each other from the start of `head`, each
/// where the previous one's size (`frame_size`) says, or at least two do and the file ends
/// with the last.
fn frames_line_up(head: &[u8], len: u64, frame_size: impl Fn(&[u8]) -> Option<usize>) -> bool {
    let mut at = 0usize;
    for count in 1..=FRAMES_IN_A_ROW {
        let Some(size) = head.get(at..).and_then(&frame_size) else {
            return false;
        };
        at += size;
        if at as u64 >= len {
            return count >= 2 && at as u64 == len;
        }
    }
    true
}

/// The size in bytes and the bitstream id (`bsid`) of the AC-3 or E-AC-3 frame at the start
/// of `bytes`.
fn ac3_frame(bytes: &[u8]) -> Option<(usize, u8)> {
    let header = bytes.get(..6)?;
    if header[..2] != [0x0B, 0x77] {
        return None;
    }
    let bsid = header[5] >> 3;
    match bsid {
        // AC-3: `fscod` and `frmsizecod` index A/52 Table 5.18, in 16-bit words.
        0..=10 => {
            let fscod = header[4] >> 6;
            let frmsizecod = (header[4] & 0x3F) as usize;
            let kbps = *AC3_KBPS.get(frmsizecod / 2)? as usize;
            let words = match fscod {
                0 => 2 * kbps,
                // 1536 samples at 44.1 kHz; odd codes carry one padding word.
                1 => kbps * 1536 * 1000 / 44_100 / 16 + (frmsizecod & 1),
                2 => 3 * kbps,
                _ => return None,
            };
            Some((2 * words, bsid))
        }
        // E-AC-3: `frmsiz` is the frame size in words minus one.
        11..=16 => {
            let frmsiz = (((header[2] & 0x07) as usize) << 8) | header[3] as usize;
            Some((2 * (frmsiz + 1), bsid))
        }
        _ => None,
    }
}

/// AC-3 nominal bit rates in kbit/s, by `frmsizecod / 2` (A/52 Table 5.18).
const AC3_KBPS: [u16; 19] = [
    32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640,
];

/// MPEG audio (MP3, and MP2/MP1) with no ID3 tag: consecutive frames whose headers
/// (ISO/IEC 11172-3 §2.4.2.3, with the MPEG-2 and MPEG-2.5 low sampling rates of ISO/IEC
/// 13818-3) each give the next frame's position.
fn is_mpeg_audio(head: &[u8], len: u64) -> bool {
    frames_line_up(head, len, mpeg_audio_frame)
}

/// The size in bytes of the MPEG audio frame whose header starts `bytes`.
fn mpeg_audio_frame(bytes: &[u8]) -> Option<usize> {
    let h = bytes.get(..4)?;
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    // Version: 0 = MPEG-2.5, 2 = MPEG-2, 3 = MPEG-1; 1 is reserved.
    let version = (h[1] >> 3) & 0x03;
    // Layer: 3 = I, 2 = II, 1 = III; 0 is reserved (and is what ADTS AAC carries there).
    let layer = (h[1] >> 1) & 0x03;
    let bitrate_index = (h[2] >> 4) as usize;
    let rate_index = ((h[2] >> 2) & 0x03) as usize;
    let padding = ((h[2] >> 1) & 0x01) as usize;
    // Index 0 is "free format", which gives no frame size to check; 15 is forbidden.
    if version == 1 || layer == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    let mpeg1 = version == 3;
    let kbps = match (mpeg1, layer) {
        (true, 3) => MPEG1_LAYER1_KBPS[bitrate_index],
        (true, 2) => MPEG1_LAYER2_KBPS[bitrate_index],
        (true, _) => MPEG1_LAYER3_KBPS[bitrate_index],
        (false, 3) => MPEG2_LAYER1_KBPS[bitrate_index],
        (false, _) => MPEG2_LAYER23_KBPS[bitrate_index],
    } as usize;
    let rate = [44_100, 48_000, 32_000][rate_index]
        / match version {
            3 => 1,
            2 => 2,
            _ => 4,
        };
    let size = match layer {
        3 => (12 * kbps * 1000 / rate + padding) * 4,
        1 if !mpeg1 => 72 * kbps * 1000 / rate + padding,
        _ => 144 * kbps * 1000 / rate + padding,
    };
    (size > 4).then_some(size)
}

const MPEG1_LAYER1_KBPS: [u16; 15] = [
    0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
];
const MPEG1_LAYER2_KBPS: [u16; 15] = [
    0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
];
const MPEG1_LAYER3_KBPS: [u16; 15] = [
    0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];
const MPEG2_LAYER1_KBPS: [u16; 15] = [
    0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
];
const MPEG2_LAYER23_KBPS: [u16; 15] =
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

#[cfg(test)]
mod tests {
    use super::*;

    fn mime(bytes: &[u8]) -> Option<&'static str> {
        sniff(bytes, bytes.len() as u64).map(|d| d.mime)
    }

    /// `count` MPEG-1 layer III frames at 128 kbit/s and 44.1 kHz (417 bytes each, no
    /// padding).
    fn mp3_frames(count: usize) -> Vec<u8> {
        let mut frame = vec![0u8; 417];
        frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        frame.repeat(count)
    }

    #[test]
    fn mp3_without_id3_needs_frames_that_line_up() {
        assert_eq!(mime(&mp3_frames(6)), Some("audio/mpeg"));
        // A short file whose frames end with it.
        assert_eq!(mime(&mp3_frames(2)), Some("audio/mpeg"));
        assert_eq!(mime(&mp3_frames(1)), None);
        // A sync word followed by something that is not the next frame.
        let mut broken = mp3_frames(6);
        broken[417] = 0;
        assert_eq!(mime(&broken), None);
        // ADTS AAC carries layer 0 where MP3 has its layer.
        let mut adts = mp3_frames(6);
        adts[1] = 0xF1;
        assert_eq!(mime(&adts), None);
    }

    #[test]
    fn mpeg2_and_2_5_frame_sizes() {
        // MPEG-2 layer III, 64 kbit/s, 22.05 kHz: 72 × 64000 / 22050 = 208 bytes.
        assert_eq!(mpeg_audio_frame(&[0xFF, 0xF3, 0x80, 0x00]), Some(208));
        // MPEG-2.5 layer III, 8 kbit/s, 8 kHz: 72 × 8000 / 8000 = 72 bytes.
        assert_eq!(mpeg_audio_frame(&[0xFF, 0xE3, 0x18, 0x00]), Some(72));
        // MPEG-1 layer I, 32 kbit/s, 48 kHz, padded: (12 × 32000 / 48000 + 1) × 4 = 36.
        assert_eq!(mpeg_audio_frame(&[0xFF, 0xFF, 0x16, 0x00]), Some(36));
    }

    #[test]
    fn ac3_frames_by_their_size_code() {
        // 48 kHz, 192 kbit/s (frmsizecod 20): 384 words = 768 bytes; bsid 8.
        let mut frame = vec![0u8; 768];
        frame[..6].copy_from_slice(&[0x0B, 0x77, 0, 0, 20, 8 << 3]);
        assert_eq!(mime(&frame.repeat(5)), Some("audio/ac3"));
        // E-AC-3: bsid 16, frmsiz 511 makes 1024 bytes.
        let mut frame = vec![0u8; 1024];
        frame[..6].copy_from_slice(&[0x0B, 0x77, 0x01, 0xFF, 0, 16 << 3]);
        assert_eq!(mime(&frame.repeat(5)), Some("audio/eac3"));
        // 44.1 kHz, 32 kbit/s, odd code: 69 + 1 words.
        assert_eq!(ac3_frame(&[0x0B, 0x77, 0, 0, 0x41, 8 << 3]), Some((140, 8)));
    }

    #[test]
    fn transport_streams_of_188_and_192_byte_packets() {
        let mut ts = vec![0u8; 188 * 5];
        for packet in ts.chunks_mut(188) {
            packet[0] = 0x47;
        }
        assert_eq!(mime(&ts), Some("video/mp2t"));
        let mut m2ts = vec![0u8; 192 * 5];
        for packet in m2ts.chunks_mut(192) {
            packet[4] = 0x47;
        }
        assert_eq!(mime(&m2ts), Some("video/mp2t"));
        ts[188 * 2] = 0;
        assert_eq!(mime(&ts), None);
        let mut gif = b"GIF89a".to_vec();
        gif.resize(188 * 4, 0x47);
        assert_eq!(mime(&gif), None);
    }

    /// One Ogg beginning-of-stream page holding `packet`.
    fn bos_page(packet: &[u8]) -> Vec<u8> {
        let mut page = b"OggS\0\x02".to_vec();
        page.resize(26, 0);
        page.push(1);
        page.push(packet.len() as u8);
        page.extend_from_slice(packet);
        page
    }

    #[test]
    fn ogg_with_theora_in_any_first_page_is_video() {
        let theora = bos_page(b"\x80theora\x03\x02\x01");
        assert_eq!(mime(&theora), Some("video/ogg"));
        let mut skeleton_first = bos_page(b"fishead\0");
        skeleton_first.extend(bos_page(b"\x01vorbis"));
        skeleton_first.extend(theora);
        assert_eq!(mime(&skeleton_first), Some("video/ogg"));
        assert_eq!(mime(&bos_page(b"\x01vorbis\0\0")), None);
    }

    #[test]
    fn an_ogg_page_longer_than_the_head_is_not_read_past() {
        // Found by the `sniff` fuzz target: a first page whose segment table promises a
        // body the head does not hold (fuzz/regressions/sniff/).
        let mut vorbis = bos_page(b"\x01vorbis");
        vorbis[26] = 2;
        vorbis.splice(27..28, [255, 255]);
        assert_eq!(mime(&vorbis), None);
        let mut truncated_theora = bos_page(b"\x80theora\x03");
        truncated_theora[27] = 200;
        assert_eq!(mime(&truncated_theora), Some("video/ogg"));
    }

    #[test]
    fn amr_wb_and_3gpp_brands() {
        assert_eq!(mime(b"#!AMR-WB\n\x04\x10"), Some("audio/amr-wb"));
        assert_eq!(isobmff_3gpp(b"3gp5").map(|d| d.mime), Some("video/3gpp"));
        assert_eq!(isobmff_3gpp(b"3g2a").map(|d| d.mime), Some("video/3gpp2"));
        assert!(isobmff_3gpp(b"isom").is_none());
    }
}
