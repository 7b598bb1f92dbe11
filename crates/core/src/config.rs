//! Settings, layered: built-in defaults → `medialib.toml` → `MEDIALIB_*` environment
//! variables → command-line flags (applied by the binary). Parsed once and validated.
//!
//! Environment variables name nested keys with a double underscore:
//! `MEDIALIB_LISTEN=127.0.0.1:9000`, `MEDIALIB_LIMITS__MAX_UPLOAD_BYTES=1048576`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::{TranscodeProfile, VariantSpec};

/// A secret string that never prints (`Debug` shows `Secret(***)`).
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: String) -> Self {
        Self(value)
    }
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// All settings of a medialib process.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server listens on. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// Directory for the embedded database, blobs and staging files. Default `./data`.
    pub data_dir: PathBuf,
    /// Base URL put in front of every URL the API returns (a CDN domain, say). Default:
    /// none, URLs are root-relative (`/files/…`).
    pub public_base_url: Option<String>,
    /// Number of processing workers in this process; 0 means one per CPU.
    pub workers: usize,
    /// The first admin token, used instead of a generated one when no token exists yet
    /// (`MEDIALIB_ADMIN_TOKEN`).
    pub admin_token: Option<Secret>,
    /// Upload limits.
    pub limits: Limits,
    /// Image processing.
    pub images: ImageSettings,
    /// Video processing.
    pub video: VideoSettings,
    /// Job queue.
    pub jobs: JobSettings,
    /// Trash and delivery statistics upkeep.
    pub maintenance: MaintenanceSettings,
    /// Resumable (tus) uploads.
    pub uploads: UploadSettings,
    /// Storage quotas of namespaces that set none of their own.
    pub quotas: Quotas,
    /// Request rates per API token.
    pub rate_limits: RateLimits,
    /// Import from URL.
    pub import: ImportSettings,
    /// Keys and lifetimes of signed delivery URLs.
    pub signing: SigningSettings,
    /// Browser sessions (password login to the web UI).
    pub sessions: SessionSettings,
    /// The admin web UI (`/ui/`).
    pub ui: UiSettings,
}

/// The admin web UI.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UiSettings {
    /// Origins (`https://cms.example.com`: scheme, host and port, no path) whose pages may
    /// embed the media picker (`/ui/picker`) in an iframe or open it as a popup, and receive
    /// the selection by `postMessage`. This server's own origin is always allowed.
    /// Default: none.
    pub picker_origins: Vec<String>,
}

/// Browser sessions: a password login sets an HttpOnly, SameSite=Lax cookie that
/// authenticates like a token with every scope the user's role allows.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    /// A session unused for this long ends, in seconds. Default 3600.
    pub idle_timeout_seconds: u64,
    /// A session ends this long after login however busy, in seconds. Default 604 800
    /// (7 days).
    pub max_age_seconds: u64,
}

/// Signed delivery URLs for private assets: `?exp=<unix seconds>&kid=<key id>&sig=<HMAC>`.
///
/// Several keys may be live at once so that keys can be rotated: the first signs new URLs,
/// every one verifies. To rotate, put a new key first and drop the old one once the URLs it
/// signed have expired (`max_ttl_seconds` at most). With no key configured, the server
/// generates one and keeps it in `data_dir/signing.key` (fine for one process; processes
/// that share a database must share configured keys).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSettings {
    /// The keys, the signing one first. Default: none (a generated key).
    pub keys: Vec<SigningKey>,
    /// Lifetime of a signed URL when the request names none, in seconds. Default 3600.
    pub default_ttl_seconds: u64,
    /// Longest lifetime a signed URL may be given, in seconds. Default 604 800 (7 days).
    pub max_ttl_seconds: u64,
}

/// One key for signed URLs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKey {
    /// Short public name sent as `kid` (letters, digits, `-` and `_`, at most 32).
    pub id: String,
    /// The HMAC-SHA256 key, at least 32 characters (`openssl rand -hex 32`).
    pub secret: Secret,
}

/// Import from URL (`POST /api/v1/assets/import`). The fetched file obeys
/// `limits.max_upload_bytes` and the namespace's quota like any upload.
///
/// The server refuses to fetch from loopback, private (RFC 1918, IPv6 unique local),
/// link-local (cloud metadata at 169.254.169.254 among them), CGNAT and other
/// non-public addresses, so a user cannot make it reach inside its network.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// Longest a whole fetch may take (connecting, redirects and the body), in seconds.
    /// Default 120.
    pub timeout_seconds: u64,
    /// Networks fetched from even though they are not public, in CIDR notation
    /// (`["10.1.2.0/24"]`): an intranet media server, say. Default: none.
    pub allow_networks: Vec<ipnet::IpNet>,
}

/// Request rates per API token (requests without one share a bucket), for uploads
/// (`POST /api/v1/assets`, `/api/v1/uploads…`) and for the rest of the API separately.
/// A client over its rate gets 429 with `Retry-After`. Delivery is not limited here: a
/// CDN in front absorbs it. 0 turns a limit off.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// API requests a second, sustained. Default 100.
    pub api_per_second: u32,
    /// API requests allowed at once above the sustained rate. Default 500.
    pub api_burst: u32,
    /// Upload requests (each tus PATCH counts) a second, sustained. Default 50.
    pub uploads_per_second: u32,
    /// Upload requests allowed at once above the sustained rate. Default 200.
    pub uploads_burst: u32,
}

/// Default storage quotas per namespace; a namespace's own (`namespace.quota_bytes`,
/// `quota_assets`) take precedence. Unset means unlimited. Checked before bytes are
/// accepted where the size is declared, and as they stream otherwise.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// Bytes of originals a namespace may store (live and trashed). Default: unlimited.
    pub bytes: Option<u64>,
    /// Live assets a namespace may hold. Default: unlimited.
    pub assets: Option<u64>,
}

/// Resumable (tus) upload settings. The largest upload is `limits.max_upload_bytes`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UploadSettings {
    /// How long an upload stays resumable after its last byte arrived, in seconds; then
    /// the maintenance task removes it (a finished upload's record too, after the same
    /// time). Sent as `Upload-Expires`. Default 86 400 (24 h).
    pub expire_seconds: u64,
}

/// Upload and decode limits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest original accepted, in bytes. Default 256 MiB.
    pub max_upload_bytes: u64,
    /// Most `file` parts in one multipart request. Default 50.
    pub max_files_per_request: usize,
    /// Largest multipart request body, in bytes. Default 1 GiB.
    pub max_request_bytes: u64,
    /// Most pixels (width × height) an image may declare. Default 100 000 000.
    pub max_image_pixels: u64,
    /// Longest side an image may declare, in pixels. Default 20 000.
    pub max_image_side: u32,
    /// Longest one image decode through libvips may take (an SVG render; a HEIF, AVIF, JPEG XL
    /// or TIFF decode), in seconds. Default 30.
    pub image_decode_timeout_seconds: u64,
    /// Longest video or audio accepted, in seconds. Default 10 800 (3 h).
    pub max_duration_seconds: f64,
    /// Longest side of a video, in pixels. Default 7680 (8K).
    pub max_video_long_side: u32,
    /// Shortest side of a video, in pixels. Default 4320 (8K).
    pub max_video_short_side: u32,
    /// Timeout of one probe, poster, render or text run of ffmpeg or poppler, in
    /// seconds. Default 120.
    pub tool_timeout_seconds: u64,
    /// Timeout of one transcode, in seconds. Default 21 600 (6 h).
    pub transcode_timeout_seconds: u64,
}

/// Video and audio processing settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSettings {
    /// Where the poster frame is taken, in seconds; clips shorter than that get a frame
    /// from their middle. Default 5.
    pub poster_at_seconds: f64,
    /// Transcode profiles (defaults: [`TranscodeProfile::defaults`]); each enabled profile
    /// that applies to a source becomes its own job.
    pub profiles: Vec<TranscodeProfile>,
}

/// Image processing settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSettings {
    /// Variants made for every image (defaults: [`VariantSpec::defaults`]).
    pub variants: Vec<VariantSpec>,
    /// WebP quality, 1–100. Default 80.
    pub webp_quality: u8,
    /// JPEG quality, 1–100. Default 85.
    pub jpeg_quality: u8,
}

/// Job queue settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobSettings {
    /// Attempts before a job fails for good. Default 5.
    pub max_attempts: u32,
    /// How long a claimed job is leased to its worker, in seconds. Default 300.
    pub lease_seconds: u64,
    /// First retry delay in seconds; each further retry doubles it. Default 2.
    pub backoff_base_seconds: u64,
}

/// Periodic upkeep done by the server: purging the trash and writing delivery counts.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSettings {
    /// How long deleted assets stay restorable, in seconds. Default 2 592 000 (30 days).
    pub trash_retention_seconds: u64,
    /// How often the trash is purged, in seconds. Default 3600.
    pub purge_interval_seconds: u64,
    /// How often delivery counts (views, bytes) are written to the database, in seconds:
    /// the delivery path only adds to counters in memory. Default 10.
    pub stats_flush_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            public_base_url: None,
            workers: 0,
            admin_token: None,
            limits: Limits {
                max_upload_bytes: 256 * 1024 * 1024,
                max_files_per_request: 50,
                max_request_bytes: 1024 * 1024 * 1024,
                max_image_pixels: 100_000_000,
                max_image_side: 20_000,
                image_decode_timeout_seconds: 30,
                max_duration_seconds: 10_800.0,
                max_video_long_side: 7680,
                max_video_short_side: 4320,
                tool_timeout_seconds: 120,
                transcode_timeout_seconds: 21_600,
            },
            video: VideoSettings {
                poster_at_seconds: 5.0,
                profiles: TranscodeProfile::defaults(),
            },
            images: ImageSettings {
                variants: VariantSpec::defaults(),
                webp_quality: 80,
                jpeg_quality: 85,
            },
            jobs: JobSettings {
                max_attempts: 5,
                lease_seconds: 300,
                backoff_base_seconds: 2,
            },
            maintenance: MaintenanceSettings {
                trash_retention_seconds: 30 * 86_400,
                purge_interval_seconds: 3600,
                stats_flush_seconds: 10,
            },
            uploads: UploadSettings {
                expire_seconds: 86_400,
            },
            quotas: Quotas::default(),
            rate_limits: RateLimits {
                api_per_second: 100,
                api_burst: 500,
                uploads_per_second: 50,
                uploads_burst: 200,
            },
            import: ImportSettings {
                timeout_seconds: 120,
                allow_networks: Vec::new(),
            },
            signing: SigningSettings {
                keys: Vec::new(),
                default_ttl_seconds: 3600,
                max_ttl_seconds: 7 * 86_400,
            },
            sessions: SessionSettings {
                idle_timeout_seconds: 3600,
                max_age_seconds: 7 * 86_400,
            },
            ui: UiSettings::default(),
        }
    }
}

/// `http(s)://host[:port]`, as browsers write `Origin` and `MessageEvent.origin`
/// (RFC 6454 §6.1): nothing after the authority, not even `/`.
fn is_origin(origin: &str) -> bool {
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    authority.is_some_and(|a| {
        !a.is_empty()
            && !a.contains(|c: char| {
                c == '/' || c == '?' || c == '#' || c == '@' || c.is_whitespace()
            })
    })
}

impl SigningSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        if !(1..=self.max_ttl_seconds).contains(&self.default_ttl_seconds) {
            return err(format!(
                "signing.default_ttl_seconds = {} must be between 1 and signing.max_ttl_seconds = {}",
                self.default_ttl_seconds, self.max_ttl_seconds
            ));
        }
        let mut ids = std::collections::HashSet::new();
        for key in &self.keys {
            let id_ok = (1..=32).contains(&key.id.len())
                && key
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !id_ok {
                return err(format!(
                    "signing.keys: id {:?} must be 1-32 letters, digits, - or _",
                    key.id
                ));
            }
            if key.secret.expose().len() < 32 {
                return err(format!(
                    "signing.keys: the secret of key {:?} must be at least 32 characters",
                    key.id
                ));
            }
            if !ids.insert(key.id.as_str()) {
                return err(format!("signing.keys: id {:?} is repeated", key.id));
            }
        }
        Ok(())
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads defaults, then the TOML file (if it exists), then `MEDIALIB_*` variables.
    ///
    /// `file` defaults to `medialib.toml` in the working directory when `None`; an
    /// explicitly named file must exist.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("medialib.toml")),
        }
        // Only variables that name a setting: others with the prefix (a test's
        // MEDIALIB_CORPUS, say) are not typos in the configuration.
        const KEYS: [&str; 16] = [
            "listen",
            "data_dir",
            "public_base_url",
            "workers",
            "admin_token",
            "limits__",
            "images__",
            "video__",
            "jobs__",
            "maintenance__",
            "uploads__",
            "quotas__",
            "rate_limits__",
            "import__",
            "signing__",
            "sessions__",
        ];
        figment = figment.merge(
            Env::prefixed("MEDIALIB_")
                .filter(|key| {
                    let key = key.as_str().to_ascii_lowercase();
                    KEYS.iter().any(|k| key.starts_with(k))
                })
                .split("__"),
        );
        let settings: Settings = figment.extract().map_err(|e| ConfigError(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks values that types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        let m = &self.maintenance;
        if m.purge_interval_seconds == 0 || m.stats_flush_seconds == 0 {
            return err(
                "maintenance.purge_interval_seconds and stats_flush_seconds must be > 0".into(),
            );
        }
        if self.uploads.expire_seconds == 0 {
            return err("uploads.expire_seconds must be > 0".into());
        }
        if self.import.timeout_seconds == 0 {
            return err("import.timeout_seconds must be > 0".into());
        }
        self.signing.validate()?;
        if let Some(bad) = self.ui.picker_origins.iter().find(|o| !is_origin(o)) {
            return err(format!(
                "ui.picker_origins: {bad:?} is not an origin like https://cms.example.com (scheme and host, optional port, no path)"
            ));
        }
        let sessions = &self.sessions;
        if !(1..=sessions.max_age_seconds).contains(&sessions.idle_timeout_seconds) {
            return err(format!(
                "sessions.idle_timeout_seconds = {} must be between 1 and sessions.max_age_seconds = {}",
                sessions.idle_timeout_seconds, sessions.max_age_seconds
            ));
        }
        if self.images.variants.is_empty() {
            return err("images.variants must list at least one variant".into());
        }
        let mut names = std::collections::HashSet::new();
        for spec in &self.images.variants {
            spec.validate().map_err(ConfigError)?;
            if !names.insert(spec.name.as_str()) {
                return err(format!("images.variants: name {:?} is repeated", spec.name));
            }
        }
        let mut names = std::collections::HashSet::new();
        for profile in &self.video.profiles {
            profile.validate().map_err(ConfigError)?;
            if !names.insert(profile.name.as_str()) {
                return err(format!(
                    "video.profiles: name {:?} is repeated",
                    profile.name
                ));
            }
        }
        if !(self.video.poster_at_seconds >= 0.0 && self.limits.max_duration_seconds > 0.0) {
            return err(
                "video.poster_at_seconds must be >= 0 and limits.max_duration_seconds > 0".into(),
            );
        }
        for (what, q) in [
            ("images.webp_quality", self.images.webp_quality),
            ("images.jpeg_quality", self.images.jpeg_quality),
        ] {
            if !(1..=100).contains(&q) {
                return err(format!("{what} = {q} must be 1-100"));
            }
        }
        if self.limits.max_files_per_request == 0 || self.jobs.max_attempts == 0 {
            return err(
                "limits.max_files_per_request and jobs.max_attempts must be at least 1".into(),
            );
        }
        Ok(())
    }

    /// Number of processing workers: `workers`, or one per CPU when 0.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }

    /// The SQLite database file inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("medialib.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_spec() {
        let s = Settings::default();
        s.validate().unwrap();
        let names: Vec<_> = s.images.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["thumbnail", "small", "medium", "large", "hero"]);
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn repeated_variant_names_are_rejected() {
        let mut s = Settings::default();
        s.images.variants.push(VariantSpec::defaults().remove(0));
        assert!(s.validate().unwrap_err().to_string().contains("repeated"));
    }

    #[test]
    fn picker_origins_must_be_bare_origins() {
        let mut s = Settings::default();
        for good in ["https://cms.example.com", "http://127.0.0.1:3000"] {
            s.ui.picker_origins = vec![good.into()];
            s.validate().unwrap();
        }
        for bad in [
            "cms.example.com",
            "https://cms.example.com/",
            "https://a.com/x",
            "ftp://a.com",
            "https://",
        ] {
            s.ui.picker_origins = vec![bad.into()];
            assert!(
                s.validate()
                    .unwrap_err()
                    .to_string()
                    .contains("ui.picker_origins"),
                "{bad}"
            );
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
    fn environment_overrides_file_and_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "medialib.toml",
                "listen = \"127.0.0.1:9000\"\n[limits]\nmax_image_side = 500",
            )?;
            jail.set_env("MEDIALIB_LIMITS__MAX_IMAGE_SIDE", "640");
            jail.set_env("MEDIALIB_CORPUS", "/not/a/setting");
            let s = Settings::load(None).expect("loads");
            assert_eq!(s.listen.port(), 9000);
            assert_eq!(s.limits.max_image_side, 640);
            assert_eq!(s.limits.max_image_pixels, 100_000_000);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
    fn import_networks_are_cidrs() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "medialib.toml",
                "[import]\ntimeout_seconds = 5\nallow_networks = [\"10.1.0.0/16\", \"fd12::/64\"]",
            )?;
            let s = Settings::load(None).expect("loads");
            let networks: Vec<String> = s
                .import
                .allow_networks
                .iter()
                .map(|n| n.to_string())
                .collect();
            assert_eq!(networks, ["10.1.0.0/16", "fd12::/64"]);
            jail.create_file("medialib.toml", "[import]\nallow_networks = [\"10.1.0.0\"]")?;
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("allow_networks"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
