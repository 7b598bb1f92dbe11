//! The media crate's limits, from the `limits` section of the configuration.

use std::time::Duration;

use medialib_core::config::Limits;
use medialib_media::ImageLimits;
use medialib_media::av::AvLimits;

/// Image size limits and the libvips decode timeout.
pub fn image(limits: &Limits) -> ImageLimits {
    ImageLimits {
        max_pixels: limits.max_image_pixels,
        max_side: limits.max_image_side,
        decode_timeout: Duration::from_secs(limits.image_decode_timeout_seconds),
    }
}

/// Video and audio limits, with the timeout of one ffprobe or ffmpeg run.
pub fn av(limits: &Limits) -> AvLimits {
    AvLimits {
        max_duration_s: limits.max_duration_seconds,
        max_long_side: limits.max_video_long_side,
        max_short_side: limits.max_video_short_side,
        timeout: Duration::from_secs(limits.tool_timeout_seconds),
    }
}
