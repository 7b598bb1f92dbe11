//! Storing what processing made: variant bytes into the blob store, then one
//! transaction in the metadata store.

use bytes::Bytes;
use medialib_core::store::{NewVariant, Processed};
use medialib_core::{
    Asset, Lease, Metadata, OutputFormat, Placeholder, Sha256, StorageKey, Timestamp,
};
use sha2::Digest;

use super::Failure;
use medialib_app::Catalog;

/// One variant made by a processing job, not yet stored.
pub(super) struct Made {
    /// Spec name (`thumbnail`, `poster`, `waveform`, …).
    pub name: String,
    /// Encoding.
    pub format: OutputFormat,
    /// Pixels, for pictures.
    pub width: Option<u32>,
    /// Pixels, for pictures.
    pub height: Option<u32>,
    /// The encoded bytes.
    pub bytes: Vec<u8>,
}

impl From<medialib_media::EncodedVariant> for Made {
    fn from(v: medialib_media::EncodedVariant) -> Self {
        Self {
            name: v.name,
            format: v.format,
            width: Some(v.width),
            height: Some(v.height),
            bytes: v.bytes,
        }
    }
}

/// What the image pipeline made of a picture (the image itself, a poster, cover art, a
/// page or a model preview).
pub(super) struct Picture {
    /// Its variants.
    pub variants: Vec<Made>,
    /// Its placeholders.
    pub placeholder: Placeholder,
    /// Its perceptual hash.
    pub phash: u64,
}

/// Everything a processing job produced.
pub(super) struct Output {
    /// Facts.
    pub metadata: Metadata,
    /// Placeholders of the picture, when there is one.
    pub placeholder: Option<Placeholder>,
    /// Perceptual hash of the picture, when there is one.
    pub phash: Option<u64>,
    /// Variants to store.
    pub variants: Vec<Made>,
    /// Text for search.
    pub text: Option<String>,
    /// Transcode profiles to queue.
    pub transcodes: Vec<String>,
}

impl Output {
    /// The facts and, when there is one, the picture's variants, placeholders and hash.
    pub fn new(metadata: Metadata, picture: Option<Picture>) -> Self {
        let (variants, placeholder, phash) = match picture {
            Some(p) => (p.variants, Some(p.placeholder), Some(p.phash)),
            None => (Vec::new(), None, None),
        };
        Self {
            metadata,
            placeholder,
            phash,
            variants,
            text: None,
            transcodes: Vec::new(),
        }
    }
}

/// Stores the variants' bytes, then records everything and ends the job in one
/// transaction, if `lease` still holds. Deletes the blobs nobody references afterwards:
/// replaced variants, or all of them when the asset was purged meanwhile. A job that lost
/// its lease deletes nothing: the variant keys are the asset's, and the claim that took
/// over may have recorded them.
pub(super) async fn record_processed(
    catalog: &Catalog,
    asset: &Asset,
    lease: Lease,
    output: Output,
) -> Result<(), Failure> {
    let mut variants = Vec::with_capacity(output.variants.len());
    for v in output.variants {
        let key = StorageKey::variant(asset.id, &v.name, v.format);
        let sha256 = Sha256(sha2::Sha256::digest(&v.bytes).into());
        let size = v.bytes.len() as u64;
        catalog
            .blobs
            .put_bytes(&key, Bytes::from(v.bytes))
            .await
            .map_err(Failure::transient)?;
        variants.push(NewVariant {
            name: v.name,
            format: v.format,
            width: v.width,
            height: v.height,
            duration_s: None,
            size,
            sha256,
            storage_key: key.as_str().to_owned(),
        });
    }
    let keys: Vec<String> = variants.iter().map(|v| v.storage_key.clone()).collect();
    let taken_at = output.metadata.taken_at().and_then(parse_taken_at);
    let processed = Processed {
        metadata: output.metadata,
        placeholder: output.placeholder,
        taken_at,
        variants,
        text: output.text,
        phash: output.phash,
        transcodes: output.transcodes,
        analyse: catalog.settings.analysis.enabled,
    };
    let recorded = catalog
        .store
        .record_processed(lease, processed)
        .await
        .map_err(Failure::transient)?;
    let stale = match recorded {
        Some(unreferenced) => {
            catalog.jobs_queued.notify_waiters();
            unreferenced.keys
        }
        None => {
            let gone = catalog.store.get_asset(asset.id).await;
            match gone.map_err(Failure::transient)? {
                // Purged while processing: the variants just stored belong to nobody.
                None => keys,
                Some(_) => {
                    tracing::info!("processing was cancelled or claimed again; nothing recorded");
                    Vec::new()
                }
            }
        }
    };
    delete_blobs(catalog, stale).await
}

/// Deletes blobs by stored key.
pub(super) async fn delete_blobs(catalog: &Catalog, keys: Vec<String>) -> Result<(), Failure> {
    for key in keys {
        catalog
            .blobs
            .delete(&StorageKey::from_stored(key))
            .await
            .map_err(Failure::transient)?;
    }
    Ok(())
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][±HH:MM|Z]`; a time without offset is taken as UTC,
/// the best guess for sorting (camera clocks carry no zone).
fn parse_taken_at(s: &str) -> Option<Timestamp> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .or_else(|| time::OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_at_parses_with_and_without_offset() {
        let t = parse_taken_at("2021-06-01T10:20:30").unwrap();
        assert_eq!(t.unix_timestamp(), 1_622_542_830);
        let t = parse_taken_at("2021-06-01T10:20:30+02:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_622_542_830 - 7200);
        let t = parse_taken_at("2021-06-01T10:20:30.000000Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_622_542_830);
        assert!(parse_taken_at("0000:00:00 00:00:00").is_none());
    }
}
