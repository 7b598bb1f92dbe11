//! Opening the store `storage_url` names, and the probe that checks it at start.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use medialib_core::config::{S3Location, Storage};
use medialib_core::{BlobError, BlobStore, StorageKey};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::local::LocalFileSystem;
use object_store::signer::Signer;
use object_store::{BackoffConfig, ObjectStore, RetryConfig};

use crate::ObjectBlobStore;

/// How long one operation may keep retrying a remote store that fails or cannot be
/// reached, before the request that needs it gives up (`object_store` retries for three
/// minutes by default, far longer than a client waits for an answer).
const RETRY_FOR: Duration = Duration::from_secs(10);

impl ObjectBlobStore {
    /// A store rooted at the local directory `root` (created if missing). Writes go to a
    /// temporary file that is renamed into place, so readers never see partial blobs.
    ///
    /// Errors when the directory cannot be created.
    pub fn local(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(|e| {
            BlobError::Backend(format!("create blob directory {}: {e}", root.display()))
        })?;
        let fs = LocalFileSystem::new_with_prefix(root)
            .map_err(|e| BlobError::Backend(format!("open {}: {e}", root.display())))?;
        Ok(Self {
            inner: Arc::new(fs),
            local_root: Some(root.to_path_buf()),
            signer: None,
        })
    }

    /// Opens `storage` with the cloud SDKs' standard environment variables of this
    /// process (`AWS_*`, `GOOGLE_*`, `AZURE_*`, `AZURITE_BLOB_STORAGE_URL`).
    ///
    /// Errors as [`ObjectBlobStore::open_with_env`].
    pub fn open(storage: &Storage) -> Result<Self, BlobError> {
        Self::open_with_env(storage, std::env::vars())
    }

    /// Opens `storage`: a local directory (created if missing), or an S3, GCS or Azure
    /// client configured from the URL and, for credentials and anything the URL does not
    /// say, from `env` as each SDK reads its environment. Opening sends no request; the
    /// first one is [`ObjectBlobStore::probe`]'s.
    ///
    /// Errors when the directory cannot be created, or the client cannot be configured
    /// (a missing account, an unreadable credentials file); the message names the store.
    pub fn open_with_env(
        storage: &Storage,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, BlobError> {
        // Before any builder makes its HTTP client.
        install_crypto_provider();
        let env: Vec<(String, String)> = env.into_iter().collect();
        let configured = |prefix| configured(&env, prefix);
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: RETRY_FOR,
        };
        let failed = |e: object_store::Error| {
            BlobError::Backend(format!("configure {}: {e}", storage.describe()))
        };
        match storage {
            Storage::Local(dir) => Self::local(dir),
            Storage::S3(location) => {
                let mut builder = AmazonS3Builder::new();
                for (key, value) in configured("AWS_") {
                    if let Ok(key) = key.parse::<AmazonS3ConfigKey>() {
                        builder = builder.with_config(key, value);
                    }
                }
                let builder = s3_location(builder, location).with_retry(retry);
                Ok(Self::remote(builder.build().map_err(failed)?))
            }
            Storage::Gcs { bucket } => {
                let mut builder = GoogleCloudStorageBuilder::new();
                for (key, value) in configured("GOOGLE_") {
                    if let Ok(key) = key.parse::<GoogleConfigKey>() {
                        builder = builder.with_config(key, value);
                    }
                }
                let builder = builder.with_bucket_name(bucket).with_retry(retry);
                Ok(Self::remote(builder.build().map_err(failed)?))
            }
            Storage::Azure { account, container } => {
                let mut builder = MicrosoftAzureBuilder::new();
                for (key, value) in configured("AZURE_") {
                    if let Ok(key) = key.parse::<AzureConfigKey>() {
                        builder = builder.with_config(key, value);
                    }
                }
                let builder = builder
                    .with_account(account)
                    .with_container_name(container)
                    .with_retry(retry);
                Ok(Self::remote(builder.build().map_err(failed)?))
            }
        }
    }

    fn remote<S: ObjectStore + Signer>(store: S) -> Self {
        let store = Arc::new(store);
        Self {
            inner: store.clone(),
            local_root: None,
            signer: Some(store),
        }
    }

    /// [`BlobStore::probe`].
    pub(crate) async fn write_probe(&self) -> Result<(), BlobError> {
        let key =
            StorageKey::from_stored(format!(".medialib-probe/{}", uuid::Uuid::new_v4().simple()));
        let bytes = Bytes::from_static(b"medialib probe");
        // The step in front of the store's message, keeping the kind of failure.
        let step = |what: &'static str| {
            move |e: BlobError| match e {
                BlobError::NotFound(m) => BlobError::NotFound(format!("{what}: {m}")),
                BlobError::Unavailable(m) => BlobError::Unavailable(format!("{what}: {m}")),
                BlobError::Backend(m) => BlobError::Backend(format!("{what}: {m}")),
            }
        };
        self.put_bytes(&key, bytes.clone())
            .await
            .map_err(step("write a probe object"))?;
        let read = self
            .get_bytes(&key)
            .await
            .map_err(step("read the probe object back"))?;
        if read != bytes {
            return Err(BlobError::Backend(
                "the probe object read back differs from what was written".into(),
            ));
        }
        self.delete(&key)
            .await
            .map_err(step("delete the probe object"))
    }
}

/// The variables of `env` whose names start with `prefix`, named as the SDK's
/// configuration keys are (lower case).
fn configured<'e>(
    env: &'e [(String, String)],
    prefix: &'e str,
) -> impl Iterator<Item = (String, &'e str)> + 'e {
    env.iter()
        .filter(move |(key, _)| key.starts_with(prefix))
        .map(|(key, value)| (key.to_ascii_lowercase(), value.as_str()))
}

/// `location`'s settings on an S3 builder: what the URL says wins over the environment.
fn s3_location(builder: AmazonS3Builder, location: &S3Location) -> AmazonS3Builder {
    let mut builder = builder
        .with_bucket_name(&location.bucket)
        .with_virtual_hosted_style_request(!location.path_style);
    if let Some(region) = &location.region {
        builder = builder.with_region(region);
    }
    if let Some(endpoint) = &location.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    builder
}

/// Makes `ring` the process's TLS crypto provider. reqwest is built without one (its
/// default, aws-lc, takes minutes to build here), so every reqwest client in the
/// process, the cloud stores' and the import client's, needs this to have run first:
/// [`ObjectBlobStore::open_with_env`] calls it, and so should code that builds clients
/// of its own. Later calls do nothing.
pub fn install_crypto_provider() {
    // Err only when a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
