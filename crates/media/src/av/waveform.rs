//! Audio waveforms: peak amplitudes over time, and a picture of them.

use std::path::Path;
use std::time::Duration;

use image::{ImageEncoder, Rgba, RgbaImage};

use super::command;
use crate::MediaError;
use crate::tool::{self, Stdout};

/// Decode rate in hertz: peaks need no treble, and a low rate keeps the pipe small.
const RATE: &str = "8000";
/// Samples per window: 10 ms at 8 kHz. A three-hour file keeps about a million windows
/// (2 bytes each), never its samples.
const WINDOW: usize = 80;
/// The bars' colour, opaque on a transparent background so any page colour shows through.
const BAR: Rgba<u8> = Rgba([0x3b, 0x6e, 0xc4, 0xff]);

/// An audio waveform: peaks and a picture of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Waveform {
    /// Peak absolute amplitude per bucket, 0.0–1.0, `buckets` entries, in time order.
    pub peaks: Vec<f32>,
    /// PNG picture of the peaks.
    pub png: Vec<u8>,
    /// PNG width in pixels.
    pub width: u32,
    /// PNG height in pixels.
    pub height: u32,
}

/// Decodes the audio once and computes its waveform.
///
/// The first audio stream is decoded to mono 16-bit PCM at 8 kHz
/// (`-ac 1 -ar 8000 -f s16le`) and streamed: only the peak of each 10 ms window is kept,
/// then the windows are grouped into `buckets` peaks (a file shorter than `buckets`
/// windows repeats windows, so there are always exactly `buckets`). A peak is the largest
/// absolute sample / 32768. `size` is the PNG's width and height in pixels (at least 1
/// each): symmetric bars around the middle line on a transparent background.
/// `timeout` bounds the decode.
///
/// Errors: [`MediaError::Invalid`] when ffmpeg cannot decode the audio, with its reason.
pub fn waveform(
    path: &Path,
    buckets: usize,
    size: (u32, u32),
    timeout: Duration,
) -> Result<Waveform, MediaError> {
    let mut windows = Windows::default();
    let mut on_chunk = |bytes: &[u8]| windows.feed(bytes);
    let mut cmd = command::ffmpeg(path, &[]);
    cmd.args(["-map", "0:a:0", "-vn", "-ac", "1", "-ar", RATE]);
    cmd.args(["-f", "s16le", "-"]);
    let out = tool::run(&mut cmd, timeout, None, Stdout::Chunks(&mut on_chunk))?;
    if !out.status.success() {
        return Err(command::invalid(out, path, "ffmpeg"));
    }
    let peaks = group(&windows.finish(), buckets);
    let (width, height) = (size.0.max(1), size.1.max(1));
    let png = draw(&peaks, width, height)?;
    Ok(Waveform {
        peaks,
        png,
        width,
        height,
    })
}

/// Peak absolute sample per window, fed with arbitrary chunks of s16le bytes.
#[derive(Default)]
struct Windows {
    peaks: Vec<u16>,
    current: u16,
    filled: usize,
    /// The first byte of a sample split across two chunks.
    odd_byte: Option<u8>,
}

impl Windows {
    fn feed(&mut self, mut bytes: &[u8]) {
        if let Some(low) = self.odd_byte.take() {
            let Some((&high, rest)) = bytes.split_first() else {
                self.odd_byte = Some(low);
                return;
            };
            self.sample(i16::from_le_bytes([low, high]));
            bytes = rest;
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in &mut pairs {
            self.sample(i16::from_le_bytes([pair[0], pair[1]]));
        }
        self.odd_byte = pairs.remainder().first().copied();
    }

    fn sample(&mut self, s: i16) {
        self.current = self.current.max(s.unsigned_abs());
        self.filled += 1;
        if self.filled == WINDOW {
            self.peaks.push(self.current);
            self.current = 0;
            self.filled = 0;
        }
    }

    fn finish(mut self) -> Vec<u16> {
        if self.filled > 0 {
            self.peaks.push(self.current);
        }
        self.peaks
    }
}

/// Exactly `buckets` peaks (0.0–1.0), each the loudest of its share of the windows.
fn group(windows: &[u16], buckets: usize) -> Vec<f32> {
    let n = windows.len();
    (0..buckets)
        .map(|i| {
            if n == 0 {
                return 0.0;
            }
            let start = i * n / buckets;
            let end = ((i + 1) * n / buckets).clamp(start + 1, n);
            let peak = windows[start..end].iter().copied().max().unwrap_or(0);
            f32::from(peak) / 32768.0
        })
        .collect()
}

/// One bar per pixel column, as tall as the loudest peak under it, at least one pixel so
/// silence still shows as a line.
fn draw(peaks: &[f32], width: u32, height: u32) -> Result<Vec<u8>, MediaError> {
    let mut img = RgbaImage::new(width, height);
    let half = height as f32 / 2.0;
    let (w, n) = (width as usize, peaks.len());
    for x in 0..width {
        let start = x as usize * n / w;
        let end = ((x as usize + 1) * n / w).max(start + 1).min(n);
        let peak = peaks
            .get(start..end)
            .map_or(0.0, |p| p.iter().copied().fold(0.0, f32::max));
        let reach = (peak * half).round().max(0.5);
        let top = (half - reach).floor().max(0.0) as u32;
        let bottom = ((half + reach).ceil() as u32).clamp(top + 1, height);
        for y in top..bottom {
            img.put_pixel(x, y, BAR);
        }
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgba8)
        .map_err(|e| MediaError::Tool(format!("encoding the waveform PNG: {e}")))?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_split_across_chunks_are_joined() {
        let bytes: Vec<u8> = [100i16, -32768, 7]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let mut w = Windows::default();
        for chunk in bytes.chunks(3) {
            w.feed(chunk);
        }
        assert_eq!(w.finish(), vec![32768]);
    }

    #[test]
    fn always_exactly_the_requested_buckets() {
        assert_eq!(group(&[16384, 0], 4), vec![0.5, 0.5, 0.0, 0.0]);
        assert_eq!(
            group(&[1, 2, 3, 32768, 5, 6], 3),
            vec![2.0 / 32768.0, 1.0, 6.0 / 32768.0]
        );
        assert_eq!(group(&[], 3), vec![0.0; 3]);
    }
}
