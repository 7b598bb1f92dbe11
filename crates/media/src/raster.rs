//! The in-memory image every stage passes along: 8-bit sRGB, packed RGB or RGBA rows.

/// A decoded image: `width × height` pixels of 3 (RGB) or 4 (RGBA, straight alpha) bytes,
/// rows packed without padding, top row first.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Raster {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether there is a fourth (alpha) byte per pixel.
    pub alpha: bool,
    /// `width * height * channels()` bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Raster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Raster({}x{}, {})",
            self.width,
            self.height,
            if self.alpha { "rgba" } else { "rgb" }
        )
    }
}

impl Raster {
    /// Wraps a buffer, checking its length so later stages can index without bounds surprises.
    pub fn new(width: u32, height: u32, alpha: bool, data: Vec<u8>) -> Result<Self, String> {
        let channels = if alpha { 4 } else { 3 };
        let expected = width as usize * height as usize * channels;
        if width == 0 || height == 0 || data.len() != expected {
            return Err(format!(
                "decoder returned {} bytes for a {width}x{height} image with {channels} channels",
                data.len()
            ));
        }
        Ok(Self {
            width,
            height,
            alpha,
            data,
        })
    }

    /// Bytes per pixel: 3 or 4.
    pub fn channels(&self) -> usize {
        if self.alpha { 4 } else { 3 }
    }

    /// True when at least one pixel is not fully opaque.
    pub fn has_transparency(&self) -> bool {
        self.alpha && self.data.chunks_exact(4).any(|px| px[3] != 255)
    }

    /// Drops the alpha channel, for images whose alpha is fully opaque (so JPEG can carry them).
    pub fn without_alpha(self) -> Self {
        if !self.alpha {
            return self;
        }
        let data = self
            .data
            .chunks_exact(4)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect();
        Self {
            width: self.width,
            height: self.height,
            alpha: false,
            data,
        }
    }

    /// Converts to RGBA8 (alpha 255 when there was none), as the placeholder encoders expect.
    pub fn to_rgba(&self) -> Vec<u8> {
        if self.alpha {
            return self.data.clone();
        }
        self.data
            .chunks_exact(3)
            .flat_map(|px| [px[0], px[1], px[2], 255])
            .collect()
    }
}
