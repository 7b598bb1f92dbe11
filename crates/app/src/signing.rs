//! Signed delivery URLs (DESIGN §5). A private original or variant is fetched without a token
//! through `{path}?exp=<unix seconds>&kid=<key id>&sig=<signature>`, where the signature is
//! HMAC-SHA256 (RFC 2104) of `{path}?exp={exp}&kid={kid}` in unpadded base64url (RFC 4648 §5),
//! and `path` is the URL path exactly as sent (percent-encoded). The path binds the asset, the
//! variant and the file name; `exp` and `kid` are covered too, so none can be changed.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use medialib_core::AppError;
use medialib_core::ErrorCode;
use medialib_core::Timestamp;
use medialib_core::config::SigningSettings;
use rand::RngCore;

type HmacSha256 = Hmac<sha2::Sha256>;

/// The key id of a generated key.
const GENERATED_KEY_ID: &str = "local";
/// Where a generated key is kept, inside the data directory.
const GENERATED_KEY_FILE: &str = "signing.key";

/// The live signing keys: the first signs, all verify (so keys can be rotated).
pub struct Signer {
    keys: Vec<Key>,
}

struct Key {
    id: String,
    secret: Vec<u8>,
}

/// The signature parameters of a delivery request, as sent (checked by [`Signer::verify`]).
#[derive(Debug, Default)]
pub struct SignatureParams {
    /// Signed URLs only: expiry, in Unix seconds.
    pub exp: Option<String>,
    /// Signed URLs only: the id of the signing key.
    pub kid: Option<String>,
    /// Signed URLs only: HMAC-SHA256 of `{path}?exp={exp}&kid={kid}`, unpadded base64url.
    pub sig: Option<String>,
}

impl SignatureParams {
    /// Whether the request carries any signature parameter (and so is judged by it).
    pub fn present(&self) -> bool {
        self.exp.is_some() || self.kid.is_some() || self.sig.is_some()
    }
}

impl Signer {
    /// The configured keys, or, when none are, a key generated once and kept in
    /// `data_dir/signing.key` (readable by the owner only).
    ///
    /// Errors when the generated key cannot be read or written.
    pub fn open(settings: &SigningSettings, data_dir: &Path) -> anyhow::Result<Self> {
        let keys = if settings.keys.is_empty() {
            vec![Key {
                id: GENERATED_KEY_ID.to_owned(),
                secret: generated_key(&data_dir.join(GENERATED_KEY_FILE))?,
            }]
        } else {
            settings
                .keys
                .iter()
                .map(|k| Key {
                    id: k.id.clone(),
                    secret: k.secret.expose().as_bytes().to_vec(),
                })
                .collect()
        };
        Ok(Self { keys })
    }

    /// The query string (`exp=…&kid=…&sig=…`) that lets `path` be fetched until `expires_at`
    /// (Unix seconds), signed with the first key.
    pub fn sign(&self, path: &str, expires_at: i64) -> String {
        let key = &self.keys[0];
        let sig = URL_SAFE_NO_PAD.encode(mac(key, path, expires_at).finalize().into_bytes());
        format!("exp={expires_at}&kid={}&sig={sig}", key.id)
    }

    /// Checks the signature of a request for `path` at `now` (Unix seconds) and returns the
    /// seconds it stays valid. The signature is compared in constant time.
    ///
    /// Errors (403): `invalid_signature` when a parameter is missing or malformed, the key is
    /// unknown or the signature does not match; `signature_expired` after `exp`.
    pub fn verify(
        &self,
        path: &str,
        params: &SignatureParams,
        now: Timestamp,
    ) -> Result<u64, AppError> {
        let invalid = |why: &str| {
            AppError::new(
                ErrorCode::InvalidSignature,
                format!("this signed URL is not valid: {why}; ask for a new one"),
            )
        };
        let (Some(exp), Some(kid), Some(sig)) = (&params.exp, &params.kid, &params.sig) else {
            return Err(invalid("a signed URL needs exp, kid and sig together"));
        };
        let expires_at: i64 = exp
            .parse()
            .map_err(|_| invalid("exp is not a number of seconds"))?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == *kid)
            .ok_or_else(|| invalid(&format!("the key {kid:?} is not in use")))?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| invalid("sig is not base64url"))?;
        mac(key, path, expires_at)
            .verify_slice(&sig)
            .map_err(|_| invalid("the signature does not match the path and parameters"))?;
        // Checked after the signature, so that an expiry moved into the future reads as
        // tampering, not as a URL that merely expired.
        seconds_left(expires_at, now).ok_or_else(|| {
            AppError::new(
                ErrorCode::SignatureExpired,
                format!("this signed URL expired at {expires_at} (Unix time); ask for a new one"),
            )
        })
    }
}

/// The signature of a transform URL: `s={kid}.{sig}` and, when it expires, `exp`.
///
/// `sig` is HMAC-SHA256 (RFC 2104), unpadded base64url (RFC 4648 §5), of
/// `{path}?exp={exp}&kid={kid}`, or `{path}?kid={kid}` for a link that does not expire;
/// `path` is the canonical transform path (`/img/{asset}/{rev}/{ops}/{name}.{ext}`).
#[derive(Debug, Default, Clone)]
pub struct TransformSignature {
    /// `s`: `{kid}.{sig}`.
    pub s: Option<String>,
    /// `exp`: expiry in Unix seconds.
    pub exp: Option<String>,
}

impl Signer {
    /// The query (`s=…`, then `&exp=…` when `expires_at` is given) that signs the
    /// transform path `path` with the first key.
    pub fn sign_transform(&self, path: &str, expires_at: Option<i64>) -> String {
        let key = &self.keys[0];
        let sig =
            URL_SAFE_NO_PAD.encode(transform_mac(key, path, expires_at).finalize().into_bytes());
        match expires_at {
            Some(exp) => format!("s={}.{sig}&exp={exp}", key.id),
            None => format!("s={}.{sig}", key.id),
        }
    }

    /// Checks a transform URL's signature at `now` (Unix seconds), in constant time;
    /// returns the seconds it stays valid (`None` for a link that does not expire).
    ///
    /// Errors (403): `invalid_signature` when `s` is missing or malformed, names an
    /// unknown key, or does not match; `signature_expired` after `exp`.
    pub fn verify_transform(
        &self,
        path: &str,
        signature: &TransformSignature,
        now: Timestamp,
    ) -> Result<Option<u64>, AppError> {
        let invalid = |why: &str| {
            AppError::new(
                ErrorCode::InvalidSignature,
                format!("this picture link is not valid: {why}; ask for a new one"),
            )
        };
        let s = signature
            .s
            .as_deref()
            .ok_or_else(|| invalid("it needs a signature (s)"))?;
        let (kid, sig) = s
            .split_once('.')
            .ok_or_else(|| invalid("s is not {key}.{signature}"))?;
        let expires_at = match &signature.exp {
            None => None,
            Some(exp) => Some(
                exp.parse::<i64>()
                    .map_err(|_| invalid("exp is not a number of seconds"))?,
            ),
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id == kid)
            .ok_or_else(|| invalid(&format!("the key {kid:?} is not in use")))?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| invalid("the signature is not base64url"))?;
        transform_mac(key, path, expires_at)
            .verify_slice(&sig)
            .map_err(|_| invalid("the signature does not match the link"))?;
        match expires_at {
            Some(at) => seconds_left(at, now).map(Some).ok_or_else(|| {
                AppError::new(
                    ErrorCode::SignatureExpired,
                    format!("this picture link expired at {at} (Unix time); ask for a new one"),
                )
            }),
            None => Ok(None),
        }
    }
}

/// The whole seconds from `now` to `expires_at` (Unix seconds), rounded down so that no
/// cache keeps a response past it; `None` once it has passed.
fn seconds_left(expires_at: i64, now: Timestamp) -> Option<u64> {
    let left = time::Duration::seconds(expires_at) - (now - Timestamp::UNIX_EPOCH);
    left.is_positive()
        .then(|| left.whole_seconds().unsigned_abs())
}

/// When a URL asked to live `ttl` seconds from now expires: rounded up to a whole second,
/// because `exp` carries whole Unix seconds and truncating could leave a 1-second URL
/// valid for a millisecond. So it lives at least `ttl` seconds, and less than `ttl + 1`.
pub fn expiry(ttl: u64) -> Timestamp {
    let at = Timestamp::now_utc() + time::Duration::seconds(i64::try_from(ttl).unwrap_or(i64::MAX));
    match at.nanosecond() {
        0 => at,
        _ => at.truncate_to_second() + time::Duration::SECOND,
    }
}

fn transform_mac(key: &Key, path: &str, expires_at: Option<i64>) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(&key.secret).expect("HMAC takes keys of any length");
    match expires_at {
        Some(exp) => mac.update(format!("{path}?exp={exp}&kid={}", key.id).as_bytes()),
        None => mac.update(format!("{path}?kid={}", key.id).as_bytes()),
    }
    mac
}

fn mac(key: &Key, path: &str, expires_at: i64) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(&key.secret).expect("HMAC takes keys of any length");
    mac.update(format!("{path}?exp={expires_at}&kid={}", key.id).as_bytes());
    mac
}

/// Reads the generated key, or creates it (32 random bytes, hex) on first start.
fn generated_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(mut file) => {
            file.write_all(hex::encode(bytes).as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("write {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a key for signed URLs");
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("create {}", path.display())),
    }
    let key = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let key = key.trim();
    anyhow::ensure!(
        key.len() >= 32,
        "{} holds no usable key; delete it to generate a new one",
        path.display()
    );
    Ok(key.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use medialib_core::Secret;
    use medialib_core::config::SigningKey;

    use super::*;

    fn at(unix_seconds: i64) -> Timestamp {
        Timestamp::from_unix_timestamp(unix_seconds).unwrap()
    }

    #[test]
    fn what_is_left_is_rounded_down_and_ends_at_exp() {
        let s = signer(&["k1"]);
        let query = s.sign("/p", 1_000);
        let half = time::Duration::milliseconds(500);
        assert_eq!(
            code(s.verify("/p", &params(&query), at(998) + half)),
            "ok 1"
        );
        assert_eq!(
            code(s.verify("/p", &params(&query), at(999) + half)),
            "ok 0"
        );
        assert_eq!(
            code(s.verify("/p", &params(&query), at(1_000))),
            "signature_expired"
        );
    }

    #[test]
    fn expiry_is_a_whole_second_at_least_ttl_away() {
        for ttl in [1, 60, 604_800] {
            let before = Timestamp::now_utc();
            let at = expiry(ttl);
            assert_eq!(at.nanosecond(), 0);
            let lives = at - before;
            assert!(lives >= time::Duration::seconds(ttl as i64), "{lives}");
            assert!(lives < time::Duration::seconds(ttl as i64 + 1), "{lives}");
        }
    }

    fn signer(ids: &[&str]) -> Signer {
        let settings = SigningSettings {
            keys: ids
                .iter()
                .map(|id| SigningKey {
                    id: (*id).to_owned(),
                    secret: Secret::new(format!("{id}-0123456789abcdef0123456789abcdef")),
                })
                .collect(),
            default_ttl_seconds: 60,
            max_ttl_seconds: 60,
        };
        Signer::open(&settings, Path::new("/nonexistent")).unwrap()
    }

    fn params(query: &str) -> SignatureParams {
        let mut p = SignatureParams::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*name {
                "exp" => &mut p.exp,
                "kid" => &mut p.kid,
                _ => &mut p.sig,
            };
            *slot = Some(value.into_owned());
        }
        p
    }

    fn code(result: Result<u64, AppError>) -> String {
        match result {
            Ok(left) => format!("ok {left}"),
            Err(e) => e.code.as_str().to_owned(),
        }
    }

    #[test]
    fn a_signature_covers_the_path_the_expiry_and_the_key() {
        let s = signer(&["k1"]);
        let query = s.sign("/files/a/b.jpg", 1_000);
        assert_eq!(
            code(s.verify("/files/a/b.jpg", &params(&query), at(990))),
            "ok 10"
        );
        assert_eq!(
            code(s.verify("/files/a/c.jpg", &params(&query), at(990))),
            "invalid_signature"
        );
        let later = query.replace("exp=1000", "exp=2000");
        assert_eq!(
            code(s.verify("/files/a/b.jpg", &params(&later), at(990))),
            "invalid_signature"
        );
        assert_eq!(
            code(s.verify("/files/a/b.jpg", &params(&query), at(1_000))),
            "signature_expired"
        );
        let unsigned = params("exp=1000&kid=k1");
        assert_eq!(
            code(s.verify("/files/a/b.jpg", &unsigned, at(990))),
            "invalid_signature"
        );
    }

    #[test]
    fn transform_signatures_cover_the_path_and_the_expiry() {
        let s = signer(&["k1"]);
        let parse = |query: &str| {
            let mut t = TransformSignature::default();
            for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
                match &*name {
                    "s" => t.s = Some(value.into_owned()),
                    _ => t.exp = Some(value.into_owned()),
                }
            }
            t
        };
        let path = "/img/a/r/w_100/x.jpg";
        let forever = parse(&s.sign_transform(path, None));
        assert_eq!(s.verify_transform(path, &forever, at(0)).unwrap(), None);
        let other = "/img/a/r/w_101/x.jpg";
        let code = |r: Result<Option<u64>, AppError>| r.unwrap_err().code.as_str();
        assert_eq!(
            code(s.verify_transform(other, &forever, at(0))),
            "invalid_signature"
        );
        let expiring = parse(&s.sign_transform(path, Some(100)));
        assert_eq!(
            s.verify_transform(path, &expiring, at(40)).unwrap(),
            Some(60)
        );
        assert_eq!(
            code(s.verify_transform(path, &expiring, at(100))),
            "signature_expired"
        );
        let moved = TransformSignature {
            exp: Some("200".into()),
            ..expiring.clone()
        };
        assert_eq!(
            code(s.verify_transform(path, &moved, at(40))),
            "invalid_signature"
        );
        let dropped = TransformSignature {
            exp: None,
            ..expiring
        };
        assert_eq!(
            code(s.verify_transform(path, &dropped, at(40))),
            "invalid_signature"
        );
        assert_eq!(
            code(s.verify_transform(path, &TransformSignature::default(), at(0))),
            "invalid_signature"
        );
    }

    #[test]
    fn older_keys_verify_and_only_the_first_signs() {
        let old = signer(&["k1"]);
        let rotated = signer(&["k2", "k1"]);
        let query = old.sign("/p", 100);
        assert_eq!(code(rotated.verify("/p", &params(&query), at(0))), "ok 100");
        assert!(rotated.sign("/p", 100).contains("kid=k2"));
        let retired = signer(&["k2"]);
        assert_eq!(
            code(retired.verify("/p", &params(&query), at(0))),
            "invalid_signature"
        );
    }
}
