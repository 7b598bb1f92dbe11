//! The crate's one error type, with its codes in the registry (`medialib_core::ErrorCode`).

use medialib_core::ErrorCode;

/// Why a media file was refused or could not be processed.
///
/// Every message is written for API users: it says what was detected and what to check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The content is not a format this crate can process (`detected` is what sniffing found,
    /// e.g. `video/mp4`, or `unknown` when nothing matched).
    #[error(
        "unsupported media type: the content was detected as {detected}; supported are {}",
        crate::formats::summary()
    )]
    Unsupported {
        /// What sniffing detected, as a MIME type or a short description.
        detected: String,
    },
    /// The filename's extension names a different media type than the content.
    #[error(
        "the file name ends in .{extension}, which means {claimed}, but the content is {detected}; \
         rename the file or check that the right file was uploaded"
    )]
    ExtensionMismatch {
        /// The MIME type detected from the content.
        detected: String,
        /// The extension as sent (without the dot).
        extension: String,
        /// The MIME type the extension stands for.
        claimed: String,
    },
    /// The declared dimensions exceed the configured limits; nothing was decoded.
    #[error("{message}")]
    TooLarge {
        /// Declared width in pixels (as read from the header, before orientation).
        width: u64,
        /// Declared height in pixels.
        height: u64,
        /// Names the declared size and the limit that was exceeded.
        message: String,
    },
    /// The data is corrupt, truncated or otherwise undecodable; the string is the decoder's reason.
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
    /// A video, audio, document or model file is invalid: no streams, an undecodable stream,
    /// a malformed model. The string is the tool's or parser's reason (e.g. ffprobe's).
    #[error("the file could not be read: {0}")]
    Invalid(String),
    /// Over a configured limit other than image pixels: video duration or resolution, model
    /// size. The message names the value and the limit.
    #[error("{0}")]
    OverLimit(String),
    /// An external tool did not finish in time (a hostile file, or a limit set too low).
    #[error("{tool} did not finish within {seconds} s")]
    Timeout {
        /// The program, e.g. `ffprobe`.
        tool: String,
        /// The timeout that expired, in seconds.
        seconds: u64,
    },
    /// An external tool is missing or failed in a way that says nothing about the file
    /// (an operator problem, worth retrying).
    #[error("{0}")]
    Tool(String),
    /// The work was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
}

impl MediaError {
    /// The registry's code for this error; its status is what an upload refused with it
    /// is answered with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unsupported { .. } => ErrorCode::UnsupportedMediaType,
            Self::ExtensionMismatch { .. } => ErrorCode::ExtensionMismatch,
            Self::TooLarge { .. } => ErrorCode::ImageTooLarge,
            Self::Corrupt(_) => ErrorCode::CorruptImage,
            Self::Invalid(_) => ErrorCode::InvalidMedia,
            Self::OverLimit(_) => ErrorCode::OverLimit,
            Self::Timeout { .. } => ErrorCode::ProcessingTimeout,
            Self::Tool(_) => ErrorCode::ToolFailed,
            Self::Cancelled => ErrorCode::Cancelled,
        }
    }

    /// Wraps a decoder's message as [`MediaError::Corrupt`], naming the decoder.
    pub(crate) fn corrupt(decoder: &str, reason: impl std::fmt::Display) -> Self {
        let reason = reason.to_string();
        let reason = reason.trim();
        Self::Corrupt(if reason.is_empty() {
            format!("{decoder} failed without giving a reason")
        } else {
            format!("{decoder}: {reason}")
        })
    }
}
