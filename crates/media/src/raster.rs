//! The in-memory image every stage passes along: 8-bit, packed RGB or RGBA rows.

/// A decoded image: `width × height` pixels of 3 (RGB) or 4 (RGBA, straight alpha) bytes,
/// rows packed without padding, top row first. Rasters from [`crate::pipeline::decode`] are in
/// the file's colour space and stored orientation; from [`crate::pipeline::decode_upright`]
/// and the resize stages on they are upright sRGB.
///
/// Only this crate builds rasters, so the length invariant the encoders' C libraries rely on
/// (`data.len() == width * height * channels`) cannot be broken from outside.
#[derive(Clone, PartialEq, Eq)]
pub struct Raster {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) alpha: bool,
    pub(crate) data: Vec<u8>,
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
    pub(crate) fn new(width: u32, height: u32, alpha: bool, data: Vec<u8>) -> Result<Self, String> {
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

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Whether each pixel has a fourth (alpha) byte; see [`Raster::has_transparency`] for
    /// whether any pixel uses it.
    pub fn alpha(&self) -> bool {
        self.alpha
    }

    /// The pixels: `height` rows of `width * channels()` bytes, top row first.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Bytes per pixel: 3 or 4.
    pub fn channels(&self) -> usize {
        if self.alpha { 4 } else { 3 }
    }

    /// True when at least one pixel is not fully opaque (alpha byte below 255).
    pub fn has_transparency(&self) -> bool {
        self.alpha && self.data.chunks_exact(4).any(|px| px[3] != 255)
    }

    /// Drops the alpha channel, for images whose alpha is fully opaque (so JPEG can carry them).
    /// Any transparency is lost: the colour bytes are kept as they are, not composited.
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

    /// Runs an `image` crate operation (a blur, an unsharp mask) on these pixels; the
    /// result keeps this raster's size and channels.
    pub(crate) fn map_image(
        self,
        op: impl Fn(&image::DynamicImage) -> image::DynamicImage,
    ) -> Self {
        let (width, height, alpha) = (self.width, self.height, self.alpha);
        let sized = "a raster's length matches its size";
        let img = if alpha {
            image::DynamicImage::ImageRgba8(
                image::RgbaImage::from_raw(width, height, self.data).expect(sized),
            )
        } else {
            image::DynamicImage::ImageRgb8(
                image::RgbImage::from_raw(width, height, self.data).expect(sized),
            )
        };
        let data = match op(&img) {
            image::DynamicImage::ImageRgba8(out) => out.into_raw(),
            image::DynamicImage::ImageRgb8(out) => out.into_raw(),
            other if alpha => other.into_rgba8().into_raw(),
            other => other.into_rgb8().into_raw(),
        };
        Self {
            width,
            height,
            alpha,
            data,
        }
    }

    /// Converts to RGBA8 (alpha 255 when there was none), as the placeholder encoders expect.
    pub(crate) fn to_rgba(&self) -> Vec<u8> {
        if self.alpha {
            return self.data.clone();
        }
        self.data
            .chunks_exact(3)
            .flat_map(|px| [px[0], px[1], px[2], 255])
            .collect()
    }
}
