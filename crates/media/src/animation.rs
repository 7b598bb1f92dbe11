//! Animated GIF, WebP and PNG (APNG) stay animated in their WebP variants.
//!
//! The `image` crate's decoders hand back every frame already composited on the full canvas
//! (GIF disposal, WebP blending, APNG `dispose_op`/`blend_op`), so each frame is resized like
//! a still picture, with the geometry planned for the first one, and the frames of a target
//! are encoded together as one animated WebP by libvips (libwebp's `WebPAnimEncoder`).
//!
//! Every frame of every animated target is held in memory until it is encoded, so a target
//! animates only while its frames fit [`MAX_ANIMATED_PIXELS`]; larger ones keep the first
//! frame, as before.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::metadata::LoopCount;
use image::{AnimationDecoder, Frames, ImageDecoder, Limits};

use crate::pipeline::{Probe, Raster, Target, convert_to_srgb, orient, resize};
use crate::{ImageFormat, MediaError};

/// Pixels one animated variant may hold, summed over its frames: 40 M pixels are 160 MB of
/// RGBA, e.g. 300 frames of 365×365. The 31-frame 320×240 corpus GIF needs 2.4 M.
pub(crate) const MAX_ANIMATED_PIXELS: u64 = 40_000_000;

/// Frames beyond this many are not decoded: a longer animation keeps its first 1 000 frames
/// (over a minute at 15 fps), which bounds the encoding time whatever the file claims.
const MAX_FRAMES: usize = 1_000;

/// Whether `probe` is an animation this module can keep animated.
pub(crate) fn is_animated(probe: &Probe) -> bool {
    probe.frame_count > 1
        && matches!(
            probe.format,
            ImageFormat::Gif | ImageFormat::Webp | ImageFormat::Png
        )
}

/// Frames, loop count and ICC profile.
type Opened<'a> = (Frames<'a>, i32, Option<Vec<u8>>);

/// The frames of one target, stacked top to bottom as libvips wants an animation.
struct Strip {
    target: Target,
    pixels: Vec<u8>,
    frames: u32,
}

/// Animated WebP renditions of `targets` (planned for `probe`'s display size), one per
/// target in order: `None` for a target whose frames would exceed [`MAX_ANIMATED_PIXELS`],
/// and for all of them when fewer than two frames decode. Frames are turned upright and
/// converted to sRGB like the first one; `max_alloc` bounds each decoder allocation in
/// bytes; `quality` is libwebp's lossy quality (0–100).
///
/// Frame delays follow browsers: a GIF delay of 10 ms or less plays as 100 ms. The loop
/// count is the file's (GIF `NETSCAPE2.0`, WebP `ANIM`, APNG `acTL`), forever when unsaid.
/// A frame that fails to decode ends the animation there, as it does in browsers.
///
/// Errors: [`MediaError::Corrupt`] when the resizer or the encoder refuses the frames.
pub(crate) fn webp_renditions(
    bytes: &[u8],
    probe: &Probe,
    targets: &[Target],
    max_alloc: u64,
    quality: u8,
) -> Result<Vec<Option<Vec<u8>>>, MediaError> {
    let mut outputs = vec![None; targets.len()];
    let expected = u64::from(probe.frame_count).min(MAX_FRAMES as u64);
    let mut strips: Vec<(usize, Strip)> = targets
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            let (w, h) = t.size();
            u64::from(w) * u64::from(h) * expected <= MAX_ANIMATED_PIXELS
        })
        .map(|(i, &target)| {
            let strip = Strip {
                target,
                pixels: Vec::new(),
                frames: 0,
            };
            (i, strip)
        })
        .collect();
    if strips.is_empty() {
        return Ok(outputs);
    }
    let Some((frames, loops, icc)) = open(bytes, probe.format, max_alloc) else {
        return Ok(outputs);
    };

    let mut delays = Vec::new();
    for frame in frames.take(MAX_FRAMES) {
        let Ok(frame) = frame else { break };
        let (numer, denom) = frame.delay().numer_denom_ms();
        let buffer = frame.into_buffer();
        let (width, height) = buffer.dimensions();
        let Ok(raster) = Raster::new(width, height, true, buffer.into_raw()) else {
            break;
        };
        let mut raster = orient(raster, probe.pending_orientation());
        if let Some(profile) = &icc {
            convert_to_srgb(&mut raster, profile);
        }
        for (_, strip) in &mut strips {
            let (w, h) = strip.target.size();
            if u64::from(w) * u64::from(h) * u64::from(strip.frames + 1) > MAX_ANIMATED_PIXELS {
                // The container said fewer frames than it holds: this target stays still.
                strip.frames = 0;
                continue;
            }
            strip
                .pixels
                .extend_from_slice(resize(&raster, &strip.target)?.data());
            strip.frames += 1;
        }
        strips.retain(|(_, s)| s.frames > 0);
        delays.push(playback_delay(numer, denom));
    }
    if delays.len() < 2 {
        return Ok(outputs);
    }
    for (i, strip) in strips {
        let (width, height) = strip.target.size();
        let webp = crate::decode::vips::animated_webp(
            &strip.pixels,
            (width, height),
            &delays,
            loops,
            quality,
        )
        .map_err(|reason| {
            MediaError::Corrupt(format!(
                "encoding the animated WebP variant failed: {reason}"
            ))
        })?;
        outputs[i] = Some(webp);
    }
    Ok(outputs)
}

/// The frames, loop count (0 = forever) and ICC profile of an animation, or `None` when its
/// decoder cannot start (the first frame, decoded elsewhere, stands alone then).
fn open(bytes: &[u8], format: ImageFormat, max_alloc: u64) -> Option<Opened<'_>> {
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(max_alloc);
    let cursor = Cursor::new(bytes);
    match format {
        ImageFormat::Gif => {
            let mut decoder = GifDecoder::new(cursor).ok()?;
            let icc = prepare(&mut decoder, limits)?;
            Some(play(decoder, icc))
        }
        ImageFormat::Webp => {
            let mut decoder = WebPDecoder::new(cursor).ok()?;
            let icc = prepare(&mut decoder, limits)?;
            Some(play(decoder, icc))
        }
        ImageFormat::Png => {
            let mut decoder = PngDecoder::new(cursor).ok()?;
            let icc = prepare(&mut decoder, limits)?;
            Some(play(decoder.apng().ok()?, icc))
        }
        _ => None,
    }
}

/// Sets the allocation limits and reads the ICC profile (best effort, as for the first
/// frame); `None` when the decoder refuses the limits.
fn prepare(decoder: &mut impl ImageDecoder, limits: Limits) -> Option<Option<Vec<u8>>> {
    decoder.set_limits(limits).ok()?;
    Some(
        decoder
            .icc_profile()
            .ok()
            .flatten()
            .filter(|p| !p.is_empty()),
    )
}

fn play<'a>(decoder: impl AnimationDecoder<'a>, icc: Option<Vec<u8>>) -> Opened<'a> {
    let loops = match decoder.loop_count() {
        LoopCount::Infinite => 0,
        LoopCount::Finite(n) => i32::try_from(n.get()).unwrap_or(0),
    };
    (decoder.into_frames(), loops, icc)
}

/// A frame's delay in milliseconds as browsers play it: 10 ms or less (including the 0 of
/// many GIFs) means 100 ms in Chromium, Firefox and Safari.
fn playback_delay(numer: u32, denom: u32) -> i32 {
    let ms = numer.checked_div(denom).unwrap_or(0);
    if ms <= 10 {
        100
    } else {
        i32::try_from(ms).unwrap_or(i32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::playback_delay;

    #[test]
    fn short_delays_play_as_browsers_play_them() {
        assert_eq!(playback_delay(0, 1), 100);
        assert_eq!(playback_delay(10, 1), 100);
        assert_eq!(playback_delay(20, 1), 20);
        assert_eq!(playback_delay(70, 1), 70);
        assert_eq!(playback_delay(1000, 3), 333);
    }
}
