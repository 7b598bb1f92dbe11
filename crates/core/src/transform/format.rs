//! The format a transform URL asks for, and `auto`'s negotiation from `Accept`.

use super::{OpError, op_error};
use crate::OutputFormat;

/// The format a transform URL asks for: its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestedFormat {
    /// `auto`: AVIF, else WebP, else the source's family, from the request's `Accept`.
    Auto,
    /// `jpg`, `png`, `webp` or `avif`.
    Fixed(OutputFormat),
}

impl RequestedFormat {
    /// Parses a transform URL's extension: `jpg`, `png`, `webp`, `avif` or `auto`.
    ///
    /// Errors name the extension when it is none of these (`jpeg` included: one spelling
    /// per format keeps one URL per picture).
    pub fn parse(ext: &str) -> Result<Self, OpError> {
        Ok(match ext {
            "auto" => Self::Auto,
            "jpg" => Self::Fixed(OutputFormat::Jpeg),
            "png" => Self::Fixed(OutputFormat::Png),
            "webp" => Self::Fixed(OutputFormat::Webp),
            "avif" => Self::Fixed(OutputFormat::Avif),
            _ => {
                return Err(op_error(
                    &format!(".{ext}"),
                    "the formats are jpg, png, webp, avif and auto",
                ));
            }
        })
    }

    /// The extension, as in the URL.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Fixed(f) => f.extension(),
        }
    }

    /// The format to send: a fixed one as asked; for `auto`, AVIF when `accept` (the
    /// request's `Accept` header) lists `image/avif`, else WebP when it lists `image/webp`,
    /// else PNG when the picture has transparency, else JPEG. A type listed with `q=0`
    /// is refused (RFC 9110 §12.5.1), so it does not count.
    pub fn resolve(self, accept: &str, alpha: bool) -> OutputFormat {
        if let Self::Fixed(format) = self {
            return format;
        }
        let accepts = |mime: &str| {
            accept.split(',').any(|item| {
                let mut parts = item.split(';').map(str::trim);
                parts.next().is_some_and(|m| m.eq_ignore_ascii_case(mime))
                    && !parts.any(|p| {
                        p.strip_prefix("q=")
                            .and_then(|q| q.parse::<f64>().ok())
                            .is_some_and(|q| q <= 0.0)
                    })
            })
        };
        if accepts("image/avif") {
            OutputFormat::Avif
        } else if accepts("image/webp") {
            OutputFormat::Webp
        } else if alpha {
            OutputFormat::Png
        } else {
            OutputFormat::Jpeg
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_negotiates_from_accept() {
        let chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
        let safari17 = "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5";
        let firefox = "image/avif,image/webp,*/*";
        let auto = RequestedFormat::Auto;
        assert_eq!(auto.resolve(chrome, false), OutputFormat::Avif);
        assert_eq!(auto.resolve(safari17, false), OutputFormat::Avif);
        assert_eq!(auto.resolve(firefox, false), OutputFormat::Avif);
        assert_eq!(auto.resolve("image/webp", false), OutputFormat::Webp);
        assert_eq!(auto.resolve("*/*", false), OutputFormat::Jpeg);
        assert_eq!(auto.resolve("*/*", true), OutputFormat::Png);
        assert_eq!(
            auto.resolve("image/avif;q=0, image/webp", false),
            OutputFormat::Webp
        );
        assert_eq!(
            RequestedFormat::Fixed(OutputFormat::Png).resolve(chrome, false),
            OutputFormat::Png
        );
        assert!(RequestedFormat::parse("jpeg").is_err());
    }
}
