//! The serving sections of the settings: GraphQL, webhooks, metrics, delivery, the web UI,
//! sessions and signed URLs.

use serde::{Deserialize, Serialize};

use super::Secret;

/// The GraphQL API (`/api/v1/graphql`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphqlSettings {
    /// Answer introspection and suggest field names to every caller; by default (false)
    /// only admin tokens and sessions get them.
    pub introspection: bool,
}

/// Webhook deliveries: the SSRF guard, timeouts and retries.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Networks (CIDR) receivers may be on besides public addresses, e.g. an intranet's
    /// `10.0.0.0/8`; like `import.allow_networks`. Default: none.
    pub allow_networks: Vec<ipnet::IpNet>,
    /// Longest one attempt may take, connection included, in seconds. Default 10.
    pub timeout_seconds: u64,
    /// The first retry's delay, in seconds; each next one doubles, up to an hour.
    /// Default 5.
    pub retry_base_seconds: u64,
    /// How long a delivery is retried, and an endpoint may fail without a break before it
    /// is turned off, in seconds. Default 86 400 (24 hours).
    pub give_up_after_seconds: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_networks: Vec::new(),
            timeout_seconds: 10,
            retry_base_seconds: 5,
            give_up_after_seconds: 86_400,
        }
    }
}

/// Prometheus metrics at `GET /metrics`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// A bearer token scrapers must send (`Authorization: Bearer …`); unset, `/metrics`
    /// is open (the default: bind the server to a private interface, or set one).
    pub token: Option<Secret>,
    /// How often the gauges read from the database (queue depth, storage per namespace)
    /// are refreshed, in seconds; scrapes never query it. Default 30.
    pub refresh_seconds: u64,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            token: None,
            refresh_seconds: 30,
        }
    }
}

/// Delivery of originals and variants (the CDN origin).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    /// Bytes of small files kept in memory, so hot thumbnails are sent without reading
    /// the disk. 0 turns the memory cache off. Default 134 217 728 (128 MiB).
    pub memory_cache_bytes: u64,
    /// Largest file kept in that cache, in bytes; larger ones are streamed from storage.
    /// Default 1 048 576 (1 MiB).
    pub memory_cache_file_bytes: u64,
    /// How bytes reach clients: `proxy` (the default) streams them through medialib;
    /// `redirect` answers 302 to the blob store itself, when it is object storage.
    pub mode: DeliveryMode,
    /// In `redirect` mode, the public URL of the bucket (or of the CDN in front of it):
    /// public assets redirect to this URL followed by the storage key, for good. Without
    /// it, they redirect to presigned URLs as private assets do. Default: none.
    pub public_storage_url: Option<String>,
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

/// How delivery sends bytes (`delivery.mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryMode {
    /// medialib streams the bytes.
    #[default]
    Proxy,
    /// medialib checks access, counts the view, and answers 302 to the store: to
    /// `delivery.public_storage_url` + key for public assets when set, else to a URL the
    /// store presigns, valid as long as the caller's signed URL (or
    /// `signing.default_ttl_seconds` for a token). Local storage presigns nothing:
    /// there only public assets redirect (when `public_storage_url` is set), and the
    /// rest is proxied.
    Redirect,
}
