//! Where blobs live: `storage_url`, parsed.
//!
//! Credentials never come from the URL (it gets logged): each cloud SDK's standard
//! environment variables and files supply them (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_KEY`, …).

use std::path::PathBuf;

use url::Url;

use super::ConfigError;

/// A blob store named by `storage_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// A local directory (`file:///srv/blobs`; the default is `{data_dir}/blobs`).
    Local(PathBuf),
    /// An S3-compatible bucket: `s3://BUCKET?region=…&endpoint=http://…&path_style=true`
    /// (AWS S3, MinIO, Garage, Ceph, R2…).
    S3(S3Location),
    /// A Google Cloud Storage bucket: `gs://BUCKET`.
    Gcs {
        /// The bucket's name.
        bucket: String,
    },
    /// An Azure Blob Storage container: `az://ACCOUNT/CONTAINER`.
    Azure {
        /// The storage account.
        account: String,
        /// The container within it.
        container: String,
    },
}

/// An S3 bucket and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket's name.
    pub bucket: String,
    /// The region (`region=`); `None` leaves it to `AWS_REGION` / `AWS_DEFAULT_REGION`,
    /// else `us-east-1`.
    pub region: Option<String>,
    /// The endpoint of an S3-compatible server (`endpoint=http://127.0.0.1:9000`); `None`
    /// for AWS itself (or `AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// Whether the bucket goes in the path (`http://host/bucket/key`, `path_style=true`)
    /// rather than the host name (`http://bucket.host/key`). Most self-hosted servers
    /// need it. Default false.
    pub path_style: bool,
}

impl Storage {
    /// Parses a `storage_url`.
    ///
    /// Errors name what is wrong in one sentence: an unknown scheme, a missing bucket,
    /// account or container, an unknown or malformed query parameter.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let err = |m: &str| Err(ConfigError(format!("storage_url {url:?}: {m}")));
        let Ok(parsed) = Url::parse(url) else {
            return err(
                "not a URL; use file://PATH, s3://BUCKET, gs://BUCKET or az://ACCOUNT/CONTAINER",
            );
        };
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let path = parsed.path().trim_matches('/');
        match parsed.scheme() {
            "file" => {
                if !host.is_empty() {
                    return err("a file URL takes an absolute path: file:///srv/blobs");
                }
                match parsed.to_file_path() {
                    Ok(dir) => Ok(Self::Local(dir)),
                    Err(()) => err("not a local path"),
                }
            }
            "s3" => {
                if host.is_empty() || !path.is_empty() {
                    return err("name one bucket, with no path: s3://BUCKET");
                }
                let mut location = S3Location {
                    bucket: host,
                    region: None,
                    endpoint: None,
                    path_style: false,
                };
                for (name, value) in parsed.query_pairs() {
                    match &*name {
                        "region" => location.region = Some(value.into_owned()),
                        "endpoint" => {
                            if !(value.starts_with("http://") || value.starts_with("https://")) {
                                return err("endpoint must be an http:// or https:// URL");
                            }
                            location.endpoint = Some(value.trim_end_matches('/').to_owned());
                        }
                        "path_style" => {
                            location.path_style = match &*value {
                                "true" => true,
                                "false" => false,
                                _ => return err("path_style is true or false"),
                            }
                        }
                        _ => return err("known parameters are region, endpoint and path_style"),
                    }
                }
                Ok(Self::S3(location))
            }
            "gs" => {
                if host.is_empty() || !path.is_empty() || parsed.query().is_some() {
                    return err("name one bucket, nothing else: gs://BUCKET");
                }
                Ok(Self::Gcs { bucket: host })
            }
            "az" => {
                if host.is_empty() || path.is_empty() || path.contains('/') {
                    return err("name the account and one container: az://ACCOUNT/CONTAINER");
                }
                if parsed.query().is_some() {
                    return err("takes no parameters");
                }
                Ok(Self::Azure {
                    account: host,
                    container: path.to_owned(),
                })
            }
            _ => err("use file://PATH, s3://BUCKET, gs://BUCKET or az://ACCOUNT/CONTAINER"),
        }
    }

    /// The store as an operator may see it in a log line or an error.
    pub fn describe(&self) -> String {
        match self {
            Self::Local(dir) => format!("local directory {}", dir.display()),
            Self::S3(s3) => match &s3.endpoint {
                Some(endpoint) => format!("S3 bucket {} at {endpoint}", s3.bucket),
                None => format!("S3 bucket {}", s3.bucket),
            },
            Self::Gcs { bucket } => format!("GCS bucket {bucket}"),
            Self::Azure { account, container } => {
                format!("Azure container {container} of account {account}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_names_its_store() {
        assert_eq!(
            Storage::parse("file:///srv/blobs").unwrap(),
            Storage::Local(PathBuf::from("/srv/blobs"))
        );
        assert_eq!(
            Storage::parse(
                "s3://media?region=eu-west-1&endpoint=http://127.0.0.1:9000/&path_style=true"
            )
            .unwrap(),
            Storage::S3(S3Location {
                bucket: "media".into(),
                region: Some("eu-west-1".into()),
                endpoint: Some("http://127.0.0.1:9000".into()),
                path_style: true,
            })
        );
        assert_eq!(
            Storage::parse("gs://media").unwrap(),
            Storage::Gcs {
                bucket: "media".into()
            }
        );
        assert_eq!(
            Storage::parse("az://acct/media").unwrap(),
            Storage::Azure {
                account: "acct".into(),
                container: "media".into()
            }
        );
    }

    #[test]
    fn malformed_urls_say_what_is_wrong() {
        for (url, says) in [
            ("ftp://x", "use file://"),
            ("s3://", "name one bucket"),
            ("s3://media/sub", "name one bucket"),
            ("s3://media?path_style=yes", "true or false"),
            ("s3://media?endpoint=127.0.0.1:9000", "http://"),
            ("s3://media?secret=x", "known parameters"),
            ("gs://media?x=1", "nothing else"),
            ("az://acct", "the account and one container"),
            ("az://acct/a/b", "the account and one container"),
            ("file://host/x", "absolute path"),
            ("blobs", "not a URL"),
        ] {
            let e = Storage::parse(url).unwrap_err().to_string();
            assert!(e.contains(says), "{url}: {e}");
        }
    }

    #[test]
    fn stores_describe_themselves_without_secrets() {
        let cases = [
            ("file:///srv/blobs", "local directory /srv/blobs"),
            ("s3://media", "S3 bucket media"),
            (
                "s3://media?endpoint=http://127.0.0.1:9000",
                "S3 bucket media at http://127.0.0.1:9000",
            ),
            ("gs://media", "GCS bucket media"),
            ("az://acct/media", "Azure container media of account acct"),
        ];
        for (url, described) in cases {
            assert_eq!(Storage::parse(url).unwrap().describe(), described);
        }
    }
}
