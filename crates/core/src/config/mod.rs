//! Settings, layered: built-in defaults → `medialib.toml` → `MEDIALIB_*` environment
//! variables → command-line flags (applied by the binary). Parsed once and validated.
//!
//! Environment variables name nested keys with a double underscore:
//! `MEDIALIB_LISTEN=127.0.0.1:9000`, `MEDIALIB_LIMITS__MAX_UPLOAD_BYTES=1048576`.
//!
//! This module is the settings' shape and defaults (the serving sections in `serving`,
//! storage in `storage`, transforms in `transforms`, analysis in `analysis`); `load`
//! reads the layers and checks the result.

mod analysis;
mod load;
mod serving;
mod storage;
mod transforms;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use analysis::{AnalysisSettings, RemoteVisionSettings};
pub use load::ConfigError;
pub use serving::{
    DeliveryMode, DeliverySettings, GraphqlSettings, MetricsSettings, SessionSettings, SigningKey,
    SigningSettings, UiSettings, WebhookSettings,
};
pub use storage::{S3Location, Storage};
pub use transforms::{Mark, TransformPreset, TransformSettings, Unsigned, WatermarkPreset};

use crate::{TranscodeProfile, VariantSpec};

/// A secret string that never prints (`Debug` shows `Secret(***)`).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
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
    /// The metadata store (`MEDIALIB_DATABASE_URL`): unset for SQLite in
    /// `{data_dir}/medialib.db` (the default), `sqlite://PATH` for another SQLite file,
    /// or `postgres://user:password@host:port/database` for PostgreSQL 15 or newer,
    /// which any number of processes may share. A secret: it may hold a password.
    pub database_url: Option<Secret>,
    /// Most connections one process opens to PostgreSQL. Default 16.
    pub database_max_connections: u32,
    /// Where blobs live (`MEDIALIB_STORAGE_URL`): unset for `{data_dir}/blobs` (the
    /// default), `file://PATH`, `s3://BUCKET?region=…&endpoint=…&path_style=true`,
    /// `gs://BUCKET` or `az://ACCOUNT/CONTAINER` ([`Storage::parse`]). Credentials come
    /// from each SDK's environment variables, never from this URL.
    pub storage_url: Option<String>,
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
    /// Delivery of originals and variants.
    pub delivery: DeliverySettings,
    /// On-the-fly transforms (`/img/…`).
    pub transforms: TransformSettings,
    /// Prometheus metrics (`/metrics`).
    pub metrics: MetricsSettings,
    /// Webhook deliveries.
    pub webhooks: WebhookSettings,
    /// Retention for unused media.
    pub retention: RetentionSettings,
    /// The GraphQL API.
    pub graphql: GraphqlSettings,
    /// Media intelligence: tags, places.
    pub analysis: AnalysisSettings,
}

/// Retention for unused media: assets used nowhere and not viewed for a number of days go
/// to the trash (and from there follow `maintenance.trash_retention_seconds`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSettings {
    /// The days for namespaces that set none of their own; 0 (the default) is off.
    pub unused_days: u32,
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
    /// The formats of every variant: `["webp", "jpeg"]` (the default; `jpeg` means PNG for
    /// transparent images), to which `"avif"` may be added.
    pub formats: Vec<crate::OutputFormat>,
}

impl ImageSettings {
    /// Whether variants are made in AVIF too.
    pub fn avif_variants(&self) -> bool {
        self.formats.contains(&crate::OutputFormat::Avif)
    }
}

/// Job queue settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobSettings {
    /// Attempts before a job fails for good. Default 5.
    pub max_attempts: u32,
    /// How long a claimed job is leased to its worker, in seconds: the worker renews it
    /// every third of this while it works, and a job whose worker died is claimed again
    /// after at most this long. Default 30.
    pub lease_seconds: u64,
    /// First retry delay in seconds; each further retry doubles it. Default 2.
    pub backoff_base_seconds: u64,
    /// How long `medialib worker` lets running jobs finish after SIGTERM before it
    /// interrupts them (they keep their lease, and another worker takes them once it
    /// expires), in seconds. Default 30.
    pub shutdown_grace_seconds: u64,
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
            database_url: None,
            database_max_connections: 16,
            storage_url: None,
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
                formats: vec![crate::OutputFormat::Webp, crate::OutputFormat::Jpeg],
            },
            jobs: JobSettings {
                max_attempts: 5,
                lease_seconds: 30,
                backoff_base_seconds: 2,
                shutdown_grace_seconds: 30,
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
            delivery: DeliverySettings {
                memory_cache_bytes: 128 * 1024 * 1024,
                memory_cache_file_bytes: 1024 * 1024,
                mode: DeliveryMode::Proxy,
                public_storage_url: None,
            },
            transforms: TransformSettings::default(),
            metrics: MetricsSettings::default(),
            graphql: GraphqlSettings::default(),
            webhooks: WebhookSettings::default(),
            retention: RetentionSettings::default(),
            analysis: AnalysisSettings::default(),
        }
    }
}

impl Settings {
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

    /// The blob store `storage_url` names, by default `blobs/` under the data directory.
    ///
    /// Errors when the URL is malformed ([`Storage::parse`]); [`Settings::validate`]
    /// has checked it already.
    pub fn storage(&self) -> Result<Storage, ConfigError> {
        match &self.storage_url {
            None => Ok(Storage::Local(self.data_dir.join("blobs"))),
            Some(url) => Storage::parse(url),
        }
    }

    /// The metadata store `database_url` names (checked by [`Settings::validate`]).
    pub fn database(&self) -> Database {
        match self.database_url.as_ref().map(|u| u.expose()) {
            None => Database::Sqlite(self.database_path()),
            Some(url) => match url.strip_prefix("sqlite://") {
                Some(path) => Database::Sqlite(PathBuf::from(path)),
                None => Database::Postgres(Secret::new(url.to_owned())),
            },
        }
    }
}

/// Where metadata lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Database {
    /// An SQLite file, for one machine.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…`), shared by any number of processes.
    Postgres(Secret),
}

impl Database {
    /// The database as an operator may see it: the SQLite path, or the PostgreSQL URL
    /// without its password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("SQLite {}", path.display()),
            Self::Postgres(url) => {
                let url = url.expose();
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => {
                        let credentials = &url[scheme + 3..at];
                        let user = credentials.split(':').next().unwrap_or_default();
                        format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
                    }
                    _ => url.to_owned(),
                };
                format!("PostgreSQL {shown}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_url_names_a_backend_and_its_password_is_never_shown() {
        let mut settings = Settings::default();
        assert_eq!(
            settings.database(),
            Database::Sqlite(PathBuf::from("./data/medialib.db"))
        );
        settings.database_url = Some(Secret::new("sqlite:///srv/m.db".into()));
        assert_eq!(
            settings.database(),
            Database::Sqlite(PathBuf::from("/srv/m.db"))
        );
        settings.database_url = Some(Secret::new("postgres://ml:hunter2@db:5432/media".into()));
        let db = settings.database();
        assert!(matches!(db, Database::Postgres(_)));
        assert_eq!(db.describe(), "PostgreSQL postgres://ml@db:5432/media");
        assert!(settings.validate().is_ok());
        settings.database_url = Some(Secret::new("mysql://x".into()));
        assert!(settings.validate().is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn derived_settings_follow_their_keys() {
        let mut settings = Settings::default();
        assert_eq!(
            settings.storage().unwrap(),
            Storage::Local(PathBuf::from("./data/blobs"))
        );
        settings.storage_url = Some("gs://media".into());
        assert_eq!(
            settings.storage().unwrap(),
            Storage::Gcs {
                bucket: "media".into()
            }
        );
        settings.workers = 5;
        assert_eq!(settings.worker_count(), 5);
        settings.workers = 0;
        assert!(settings.worker_count() >= 1);
        assert!(!settings.images.avif_variants());
        settings.images.formats.push(crate::OutputFormat::Avif);
        assert!(settings.images.avif_variants());
        assert_eq!(
            Database::Sqlite(PathBuf::from("/srv/m.db")).describe(),
            "SQLite /srv/m.db"
        );
        // A URL without credentials is shown as it is.
        let bare = Database::Postgres(Secret::new("postgres://db/media".into()));
        assert_eq!(bare.describe(), "PostgreSQL postgres://db/media");
    }
}
