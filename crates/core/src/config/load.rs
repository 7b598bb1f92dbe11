//! Loading the settings (defaults, then `medialib.toml`, then `MEDIALIB_*` variables)
//! and checking them, with errors that name the key at fault.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use crate::OutputFormat;

use super::{Settings, SigningSettings};

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
pub struct ConfigError(pub(super) String);

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
        const KEYS: [&str; 26] = [
            "listen",
            "data_dir",
            "database_",
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
            "delivery__",
            "storage_url",
            "ui__",
            "transforms__",
            "metrics__",
            "webhooks__",
            "retention__",
            "graphql__",
            "analysis__",
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
        let w = &self.webhooks;
        if w.timeout_seconds == 0 || w.retry_base_seconds == 0 || w.give_up_after_seconds == 0 {
            return err(
                "webhooks.timeout_seconds, retry_base_seconds and give_up_after_seconds must be > 0"
                    .into(),
            );
        }
        if self.metrics.refresh_seconds == 0 {
            return err("metrics.refresh_seconds must be > 0".into());
        }
        if self
            .metrics
            .token
            .as_ref()
            .is_some_and(|t| t.expose().trim().is_empty())
        {
            return err(
                "metrics.token must not be empty: leave it unset for an open /metrics".into(),
            );
        }
        if let Some(url) = &self.database_url {
            let url = url.expose();
            let known = ["sqlite://", "postgres://", "postgresql://"];
            if !known.iter().any(|scheme| url.starts_with(scheme)) {
                return err(
                    "database_url must start with sqlite:// (a file) or postgres:// (a server)"
                        .into(),
                );
            }
        }
        self.storage()?;
        if let Some(url) = &self.delivery.public_storage_url
            && (!(url.starts_with("http://") || url.starts_with("https://")) || url.ends_with('/'))
        {
            return err(format!(
                "delivery.public_storage_url {url:?} must be an http(s) URL without a trailing slash"
            ));
        }
        if self.database_max_connections == 0 {
            return err("database_max_connections must be > 0".into());
        }
        if self.jobs.lease_seconds < 3 {
            // Workers renew a lease every third of it: whole seconds, at least one.
            return err("jobs.lease_seconds must be at least 3".into());
        }
        if self.uploads.expire_seconds == 0 {
            return err("uploads.expire_seconds must be > 0".into());
        }
        if self.import.timeout_seconds == 0 {
            return err("import.timeout_seconds must be > 0".into());
        }
        self.signing.validate()?;
        self.transforms.validate()?;
        self.analysis.validate()?;
        let formats = &self.images.formats;
        let known = [OutputFormat::Webp, OutputFormat::Jpeg, OutputFormat::Avif];
        if !formats.contains(&OutputFormat::Webp)
            || !formats.contains(&OutputFormat::Jpeg)
            || formats.iter().any(|f| !known.contains(f))
        {
            return Err(ConfigError(
                "images.formats must hold \"webp\" and \"jpeg\", and may add \"avif\"".into(),
            ));
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VariantSpec;

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
            // Every section can be set so, not only the first ones.
            jail.set_env("MEDIALIB_STORAGE_URL", "file:///srv/blobs");
            jail.set_env("MEDIALIB_TRANSFORMS__MAX_SIDE", "2048");
            jail.set_env("MEDIALIB_ANALYSIS__ENABLED", "false");
            let s = Settings::load(None).expect("loads");
            assert_eq!(s.listen.port(), 9000);
            assert_eq!(s.limits.max_image_side, 640);
            assert_eq!(s.limits.max_image_pixels, 100_000_000);
            assert_eq!(s.storage_url.as_deref(), Some("file:///srv/blobs"));
            assert_eq!(s.transforms.max_side, 2048);
            assert!(!s.analysis.enabled);
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
    fn each_check_names_the_key_at_fault() {
        use crate::config::SigningKey;
        use crate::{Secret, TranscodeProfile};
        let key = |id: &str, secret: &str| SigningKey {
            id: id.into(),
            secret: Secret::new(secret.into()),
        };
        let long = "k".repeat(32);
        type Change<'a> = Box<dyn Fn(&mut Settings) + 'a>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|s| s.maintenance.purge_interval_seconds = 0),
                "maintenance.purge_interval_seconds",
            ),
            (
                Box::new(|s| s.webhooks.retry_base_seconds = 0),
                "webhooks.timeout_seconds, retry_base_seconds",
            ),
            (
                Box::new(|s| s.metrics.refresh_seconds = 0),
                "metrics.refresh_seconds",
            ),
            (
                Box::new(|s| s.metrics.token = Some(Secret::new("  ".into()))),
                "metrics.token must not be empty",
            ),
            (
                Box::new(|s| s.database_url = Some(Secret::new("mysql://x".into()))),
                "database_url must start with",
            ),
            (
                Box::new(|s| s.delivery.public_storage_url = Some("https://cdn.example/".into())),
                "delivery.public_storage_url",
            ),
            (
                Box::new(|s| s.delivery.public_storage_url = Some("cdn.example".into())),
                "delivery.public_storage_url",
            ),
            (
                Box::new(|s| s.database_max_connections = 0),
                "database_max_connections",
            ),
            (
                Box::new(|s| s.jobs.lease_seconds = 2),
                "jobs.lease_seconds must be at least 3",
            ),
            (
                Box::new(|s| s.uploads.expire_seconds = 0),
                "uploads.expire_seconds",
            ),
            (
                Box::new(|s| s.import.timeout_seconds = 0),
                "import.timeout_seconds",
            ),
            (
                Box::new(|s| s.signing.default_ttl_seconds = 0),
                "signing.default_ttl_seconds",
            ),
            (
                Box::new(|s| s.signing.keys = vec![key("a b", &"k".repeat(32))]),
                "signing.keys: id \"a b\"",
            ),
            (
                Box::new(|s| s.signing.keys = vec![key("k1", "short")]),
                "at least 32 characters",
            ),
            (
                Box::new(move |s| s.signing.keys = vec![key("k1", &long), key("k1", &long)]),
                "id \"k1\" is repeated",
            ),
            (
                Box::new(|s| s.sessions.idle_timeout_seconds = s.sessions.max_age_seconds + 1),
                "sessions.idle_timeout_seconds",
            ),
            (
                Box::new(|s| s.images.variants.clear()),
                "at least one variant",
            ),
            (Box::new(|s| s.images.variants[0].width = 0), "width 0"),
            (
                Box::new(|s| {
                    s.video
                        .profiles
                        .push(TranscodeProfile::defaults().remove(0))
                }),
                "video.profiles: name \"mp4_720p\" is repeated",
            ),
            (
                Box::new(|s| s.video.profiles[0].crf = Some(99)),
                "crf must be 0-63",
            ),
            (
                Box::new(|s| s.video.poster_at_seconds = -1.0),
                "video.poster_at_seconds",
            ),
            (
                Box::new(|s| s.limits.max_duration_seconds = 0.0),
                "limits.max_duration_seconds",
            ),
            (
                Box::new(|s| s.images.webp_quality = 0),
                "images.webp_quality = 0 must be 1-100",
            ),
            (
                Box::new(|s| s.images.jpeg_quality = 101),
                "images.jpeg_quality = 101",
            ),
            (
                Box::new(|s| s.limits.max_files_per_request = 0),
                "limits.max_files_per_request",
            ),
            (
                Box::new(|s| s.jobs.max_attempts = 0),
                "jobs.max_attempts must be at least 1",
            ),
            (
                Box::new(|s| s.storage_url = Some("ftp://bucket".into())),
                "storage_url",
            ),
        ];
        for (change, expected) in cases {
            let mut s = Settings::default();
            change(&mut s);
            let err = s.validate().unwrap_err().to_string();
            assert!(err.starts_with("invalid configuration: "), "{err}");
            assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        }
        // The accepted forms of what was refused above.
        let mut s = Settings {
            database_url: Some(Secret::new("postgresql://db/medialib".into())),
            ..Settings::default()
        };
        s.delivery.public_storage_url = Some("https://cdn.example".into());
        s.signing.keys = vec![key("k-1", &"k".repeat(32)), key("k_2", &"k".repeat(40))];
        s.metrics.token = Some(Secret::new("scrape".into()));
        s.validate().unwrap();
    }

    #[test]
    fn a_named_file_must_exist() {
        let err = Settings::load(Some(Path::new("/no/such/medialib.toml"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: config file /no/such/medialib.toml does not exist"
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
    fn a_file_with_a_wrong_type_or_value_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("typed.toml", "workers = \"many\"")?;
            let err = Settings::load(Some(Path::new("typed.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("workers"), "{err}");
            jail.create_file("ranged.toml", "[images]\nwebp_quality = 0")?;
            let err = Settings::load(Some(Path::new("ranged.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("images.webp_quality"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn image_formats_may_add_avif_only() {
        let mut s = Settings::default();
        s.images.formats.push(OutputFormat::Avif);
        s.validate().unwrap();
        for formats in [
            vec![OutputFormat::Webp],
            vec![OutputFormat::Webp, OutputFormat::Jpeg, OutputFormat::Mp4],
        ] {
            s.images.formats = formats;
            assert!(
                s.validate()
                    .unwrap_err()
                    .to_string()
                    .contains("images.formats")
            );
        }
    }
}
