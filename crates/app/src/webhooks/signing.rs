//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>, "Signature scheme"):
//! HMAC-SHA256 under the secret's key over `{webhook-id}.{webhook-timestamp}.{body}`,
//! sent as `webhook-signature: v1,{base64}`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;

/// The prefix of secrets, as the specification writes them.
const PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and 24 random bytes in base64 (the specification allows 24 to
/// 64).
pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::rng().fill_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` value for a message: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` under the key of `secret` (`whsec_…`; the key is its
/// base64 part). `timestamp` is the `webhook-timestamp` header's value, in Unix seconds.
/// `None` when the secret is not of that form.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the specification's reference libraries (svix/standard-webhooks,
    /// `python/tests`): this secret, id, timestamp and body give this signature.
    #[test]
    fn the_reference_example_signs_alike() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let signature = sign(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn new_secrets_are_distinct_and_well_formed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(sign(&a, "msg_1", 1, b"{}").is_some());
        assert_eq!(sign("not-a-secret", "msg_1", 1, b"{}"), None);
    }
}
