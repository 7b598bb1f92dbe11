//! Import from URL: fetching a file over HTTP(S) into staging, safely.
//!
//! - Only `http` and `https`; at most [`MAX_REDIRECTS`] redirects, each checked again.
//! - No connection to a non-public address ([`guard`]), checked at connect time so
//!   that DNS rebinding cannot slip through. Proxies from the environment are ignored:
//!   they would connect on the server's behalf, past the guard.
//! - The body streams to staging under a size cap (refused at once when
//!   `Content-Length` declares more), and the whole fetch has one timeout.
//!
//! The staged file then goes through [`crate::ingest::ingest`] like any upload.

pub mod guard;
mod ingest;

pub use ingest::{UrlImport, import};
/// The process's TLS crypto provider, which every HTTP client here needs first.
pub use medialib_blob::install_crypto_provider;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use medialib_core::config::ImportSettings;
use reqwest::Url;
use reqwest::redirect::Policy;

use crate::ingest::staging::{self, StageError, StagedFile};
use guard::{AddressPolicy, Refused};

/// Most redirects followed for one import.
pub const MAX_REDIRECTS: usize = 5;

/// Longest wait for a connection, in seconds (the import's timeout bounds it too).
const CONNECT_TIMEOUT_SECONDS: u64 = 10;

/// The HTTP client for imports, with the SSRF guard built in; cheap to clone.
#[derive(Clone)]
pub struct Importer {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    timeout: Duration,
}

/// A fetched file, staged.
pub struct Fetched {
    /// The body, on local disk.
    pub staged: StagedFile,
    /// The last path segment of the final URL (after redirects), percent-decoded;
    /// `import` when the path has none.
    pub filename: String,
}

/// Why an import failed. Each maps to its own error code at the HTTP boundary.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not a URL at all.
    #[error("not a valid URL: {0}")]
    InvalidUrl(String),
    /// Refused by the guard: scheme, missing host or non-public address.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// More than [`MAX_REDIRECTS`] redirects.
    #[error("the URL redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects,
    /// The whole fetch took longer than `import.timeout_seconds`.
    #[error("fetching the URL took longer than {0} seconds")]
    Timeout(u64),
    /// The final response was not a success.
    #[error("{url} answered with HTTP status {status}")]
    Status {
        /// The final URL.
        url: String,
        /// Its status code (RFC 9110 §15).
        status: u16,
    },
    /// No connection or no valid response (DNS failure, refused connection, TLS error,
    /// the body breaking off).
    #[error("could not fetch the URL: {0}")]
    Unreachable(String),
    /// The body is larger than the cap, declared (`Content-Length`) or counted.
    #[error("the file is larger than {limit} bytes")]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
        /// The size the server declared, when it did.
        declared: Option<u64>,
    },
    /// The local disk failed while staging.
    #[error("staging file: {0}")]
    Disk(std::io::Error),
}

impl Importer {
    /// A client for `settings`: its timeout, and the networks allowed besides public ones.
    ///
    /// Errors when the TLS configuration cannot be built (no usable root certificates).
    pub fn new(settings: &ImportSettings) -> Result<Self, reqwest::Error> {
        install_crypto_provider();
        let policy = Arc::new(AddressPolicy::new(settings.allow_networks.clone()));
        let on_redirect = Arc::clone(&policy);
        let timeout = Duration::from_secs(settings.timeout_seconds);
        let client = guard::client(&policy)
            .redirect(Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error(ImportError::TooManyRedirects);
                }
                match guard::check_url(&on_redirect, attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(refused) => attempt.error(refused),
                }
            }))
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(CONNECT_TIMEOUT_SECONDS)))
            .user_agent(concat!("medialib/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            policy,
            timeout,
        })
    }

    /// Fetches `url` into a new file in `dir`, keeping at most `limit` bytes.
    ///
    /// Errors: `InvalidUrl` when it does not parse; `Refused` for a scheme other than
    /// http(s) or a non-public address (first hop, any redirect, or every address a name
    /// resolves to); `TooManyRedirects`; `Timeout` after `import.timeout_seconds` in all;
    /// `Status` for a final answer other than 2xx; `TooLarge` when `Content-Length` or the
    /// bytes received pass `limit`; `Unreachable` for DNS, connection, TLS or body
    /// failures; `Disk` when staging fails. Nothing is left in `dir` on error.
    pub async fn fetch(&self, url: &str, dir: &Path, limit: u64) -> Result<Fetched, ImportError> {
        let url = Url::parse(url.trim()).map_err(|e| ImportError::InvalidUrl(e.to_string()))?;
        guard::check_url(&self.policy, &url)?;
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| self.classify(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ImportError::Status {
                url: response.url().to_string(),
                status: status.as_u16(),
            });
        }
        if let Some(declared) = response.content_length().filter(|&n| n > limit) {
            return Err(ImportError::TooLarge {
                limit,
                declared: Some(declared),
            });
        }
        let filename = filename(response.url());
        // Staging keeps only the text of a stream error; the flag keeps whether it was
        // the timeout.
        let timed_out = AtomicBool::new(false);
        let body = response.bytes_stream().inspect_err(|e| {
            if e.is_timeout() {
                timed_out.store(true, Ordering::Relaxed);
            }
        });
        let staged = staging::stage(dir, body, limit)
            .await
            .map_err(|e| match e {
                StageError::TooLarge { limit } => ImportError::TooLarge {
                    limit,
                    declared: None,
                },
                StageError::Client(_) if timed_out.load(Ordering::Relaxed) => {
                    ImportError::Timeout(self.timeout.as_secs())
                }
                StageError::Client(message) => ImportError::Unreachable(message),
                StageError::Disk(e) => ImportError::Disk(e),
            })?;
        Ok(Fetched { staged, filename })
    }

    /// Finds what went wrong in a failed request: the guard's own errors travel inside
    /// reqwest's (from the resolver or the redirect policy).
    fn classify(&self, e: &reqwest::Error) -> ImportError {
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<Refused>() {
                return ImportError::Refused(refused.clone());
            }
            if let Some(ImportError::TooManyRedirects) = cause.downcast_ref::<ImportError>() {
                return ImportError::TooManyRedirects;
            }
            source = cause.source();
        }
        if e.is_timeout() {
            return ImportError::Timeout(self.timeout.as_secs());
        }
        // reqwest's Display hides the cause ("error sending request"); the chain has it.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        ImportError::Unreachable(message)
    }
}

impl Fetched {
    /// The URL's filename, without its extension when the content contradicts it: a
    /// server may answer `photo.jpg` with WebP (content negotiation), which is no reason
    /// to refuse the file.
    pub fn fitting_filename(&self) -> String {
        let detected = medialib_media::sniff(&self.staged.head, self.staged.size);
        match detected {
            Some(d) if medialib_media::check_extension(&self.filename, &d).is_err() => {
                crate::ingest::filename::stem(&self.filename).to_owned()
            }
            _ => self.filename.clone(),
        }
    }
}

fn filename(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .map(|last| percent_encoding::percent_decode_str(last).decode_utf8_lossy())
        .filter(|name| !name.is_empty())
        .map_or_else(|| "import".to_owned(), |name| name.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filename_is_the_last_path_segment() {
        let name = |url: &str| filename(&Url::parse(url).unwrap());
        assert_eq!(
            name("https://cdn.example/a/b/photo%20one.jpg?w=10"),
            "photo one.jpg"
        );
        assert_eq!(name("https://cdn.example/a/"), "import");
        assert_eq!(name("https://cdn.example"), "import");
    }
}
