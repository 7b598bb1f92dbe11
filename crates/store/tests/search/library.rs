//! A generated library: assets with pseudo-random but reproducible titles, kinds, sizes,
//! dimensions, capture times, GPS, tags, collections, usage and trash, written through the
//! `MetadataStore` API, and the same facts kept in memory to compute expected answers.

use std::collections::{HashMap, HashSet};

use medialib_core::organise::{CollectionId, TagSource, UsageRef};
use medialib_core::store::{BulkAction, IngestRecord, NewAsset, NewCollection, Processed};
use medialib_core::{
    AssetId, AssetKind, AssetStatus, GpsPosition, ImageMetadata, Metadata, MetadataStore,
    NamespaceId, Sha256, Timestamp, UserId,
};

pub const NS: NamespaceId = NamespaceId(1);

/// Words of titles, descriptions and tags; all ASCII so the model's tokenizer is exact.
pub const WORDS: &[&str] = &[
    "sunset", "sunrise", "beach", "mountain", "city", "night", "portrait", "crowd", "stadium",
    "final", "goal", "coach", "fighter", "arena", "press", "launch", "product", "studio", "red",
    "blue", "green", "winter", "summer", "river", "forest", "street", "market", "wedding",
    "family", "dog", "cat", "garden", "bridge", "tower", "harbor", "desert",
];
pub const TAGS: &[&str] = &[
    "Main Event",
    "Weigh In",
    "Backstage",
    "Press",
    "Fans",
    "Hero",
    "Archive",
    "Social",
];
pub const CAMERAS: &[(&str, &str)] = &[
    ("Canon", "EOS R5"),
    ("NIKON", "Z 9"),
    ("Apple", "iPhone 15"),
];

/// Reproducible pseudo-random numbers (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What the test knows of one asset.
#[derive(Debug, Clone)]
pub struct Model {
    pub id: AssetId,
    /// Upload order (0, 1, 2…): relevance ties go to the newest.
    pub seq: usize,
    pub kind: AssetKind,
    pub mime: String,
    pub title: String,
    pub description: Option<String>,
    pub alt_text: Option<String>,
    pub filename: String,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub created_at: Timestamp,
    pub taken_at: Option<Timestamp>,
    pub has_gps: bool,
    pub camera: Option<(String, String)>,
    pub text: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    pub collections: Vec<CollectionId>,
    pub in_use: bool,
    pub deleted: bool,
    pub status: AssetStatus,
    pub uploaded_by: Option<UserId>,
}

/// The store's library and the model of it.
pub struct Library {
    pub assets: Vec<Model>,
    pub collections: Vec<CollectionId>,
    pub rng: Rng,
    next_sha: u32,
}

const KINDS: &[(AssetKind, &str, &str)] = &[
    (AssetKind::Image, "image/jpeg", "jpg"),
    (AssetKind::Image, "image/png", "png"),
    (AssetKind::Image, "image/webp", "webp"),
    (AssetKind::Video, "video/mp4", "mp4"),
    (AssetKind::Audio, "audio/mpeg", "mp3"),
    (AssetKind::Document, "application/pdf", "pdf"),
    (AssetKind::Model3d, "model/gltf-binary", "glb"),
];

impl Library {
    pub fn new(seed: u64) -> Self {
        Self {
            assets: Vec::new(),
            collections: Vec::new(),
            rng: Rng::new(seed),
            next_sha: 0,
        }
    }

    fn words(&mut self, n: u64) -> String {
        let count = 1 + self.rng.below(n);
        (0..count)
            .map(|_| *self.rng.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Creates one asset (processed or not) and returns its index.
    pub async fn add(&mut self, store: &dyn MetadataStore, title: Option<String>) -> usize {
        self.next_sha += 1;
        let mut sha = [0u8; 32];
        sha[..4].copy_from_slice(&self.next_sha.to_be_bytes());
        let (kind, mime, ext) = *self.rng.pick(KINDS);
        let mut title = title.unwrap_or_else(|| self.words(3));
        if self.rng.chance(20) {
            // Capitalised titles check that title order ignores ASCII case.
            let mut chars = title.chars();
            title = chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
        }
        let filename = format!("{}_{}.{ext}", self.rng.pick(WORDS), self.next_sha);
        let description = self.rng.chance(30).then(|| self.words(6));
        let alt_text = self.rng.chance(20).then(|| self.words(2));
        let size = 1 + self.rng.below(50_000_000);
        let (width, height) = match kind {
            AssetKind::Audio => (None, None),
            _ if self.rng.chance(10) => {
                let side = 100 + self.rng.below(4000) as u32;
                (Some(side), Some(side))
            }
            _ => (
                Some(100 + self.rng.below(6000) as u32),
                Some(100 + self.rng.below(6000) as u32),
            ),
        };
        let uploaded_by = self.rng.chance(50).then_some(UserId(1));
        let new = NewAsset {
            id: AssetId::new(),
            namespace: NS,
            kind,
            mime: mime.into(),
            size,
            sha256: Sha256(sha),
            storage_key: format!("originals/1/{}", Sha256(sha)),
            original_filename: filename.clone(),
            title: title.clone(),
            description: description.clone(),
            alt_text: alt_text.clone(),
            is_public: false,
            width,
            height,
            duration_s: None,
            uploaded_by,
            max_attempts: 1,
        };
        let id = match store.create_asset(new).await.unwrap() {
            IngestRecord::Created { asset, .. } => asset.id,
            IngestRecord::Duplicate(a) => panic!("duplicate {}", a.id),
        };
        let mut model = Model {
            id,
            seq: self.assets.len(),
            kind,
            mime: mime.into(),
            title,
            description,
            alt_text,
            filename,
            size,
            width,
            height,
            created_at: Timestamp::UNIX_EPOCH,
            taken_at: None,
            has_gps: false,
            camera: None,
            text: None,
            tags: Vec::new(),
            collections: Vec::new(),
            in_use: false,
            deleted: false,
            status: if kind == AssetKind::Image || kind == AssetKind::Video {
                AssetStatus::Processing
            } else {
                AssetStatus::Ready
            },
            uploaded_by,
        };
        if kind != AssetKind::Audio && self.rng.chance(80) {
            self.process(store, &mut model).await;
        }
        model.created_at = store.get_asset(id).await.unwrap().unwrap().created_at;
        // Anything not processed above keeps the status creation gave it.
        model.status = store.get_asset(id).await.unwrap().unwrap().status;
        self.assets.push(model);
        self.assets.len() - 1
    }

    async fn process(&mut self, store: &dyn MetadataStore, model: &mut Model) {
        let taken_at = self.rng.chance(70).then(|| {
            Timestamp::from_unix_timestamp(1_500_000_000 + self.rng.below(300_000_000) as i64)
                .unwrap()
        });
        let gps = self.rng.chance(25).then_some(GpsPosition {
            latitude: 48.85,
            longitude: 2.35,
            altitude: None,
        });
        let camera = self.rng.chance(40).then(|| {
            let (make, model) = *self.rng.pick(CAMERAS);
            (make.to_owned(), model.to_owned())
        });
        let text = (model.kind == AssetKind::Document).then(|| self.words(12));
        let metadata = Metadata::Image(ImageMetadata {
            width: model.width.unwrap_or(1),
            height: model.height.unwrap_or(1),
            frame_count: 1,
            camera_make: camera.as_ref().map(|c| c.0.clone()),
            camera_model: camera.as_ref().map(|c| c.1.clone()),
            gps,
            ..Default::default()
        });
        let processed = Processed {
            metadata,
            placeholder: None,
            taken_at,
            variants: Vec::new(),
            text: text.clone(),
            phash: None,
            transcodes: Vec::new(),
            analyse: false,
        };
        // Claims reach older jobs first: those of assets left unprocessed stay claimed,
        // which leaves their assets processing, as the model says.
        let lease = loop {
            let (job, lease) = store
                .claim_job("seed", std::time::Duration::from_secs(600))
                .await
                .unwrap()
                .expect("the new asset's job is due");
            if job.asset_id == model.id {
                break lease;
            }
        };
        store.record_processed(lease, processed).await.unwrap();
        model.taken_at = taken_at.map(|t| {
            // The store keeps milliseconds.
            Timestamp::from_unix_timestamp_nanos(t.unix_timestamp_nanos() / 1_000_000 * 1_000_000)
                .unwrap()
        });
        model.has_gps = gps.is_some();
        model.camera = camera;
        model.text = text;
    }

    /// Tags, collections, usage and trash over the whole library, in bulk.
    pub async fn organise(&mut self, store: &dyn MetadataStore) {
        for name in TAGS {
            let ids: Vec<AssetId> = self
                .assets
                .iter()
                .filter(|_| self.rng.chance(15))
                .map(|a| a.id)
                .collect();
            let tagged: HashSet<AssetId> = ids.iter().copied().collect();
            for chunk in ids.chunks(1000) {
                let action = BulkAction::Tag {
                    names: vec![name.to_string()],
                    source: TagSource::User,
                    confidence: None,
                };
                assert!(store.bulk(NS, &action, chunk).await.unwrap().applied);
            }
            for a in self.assets.iter_mut().filter(|a| tagged.contains(&a.id)) {
                a.tags.push(name.to_string());
            }
        }
        for title in ["UFC 300", "Summer Gallery", "Press Kit"] {
            let c = store
                .create_collection(
                    NS,
                    &NewCollection {
                        title: title.into(),
                        kind: "gallery".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let ids: Vec<AssetId> = self
                .assets
                .iter()
                .filter(|_| self.rng.chance(5))
                .map(|a| a.id)
                .collect();
            store.insert_items(c.id, &ids, None).await.unwrap();
            let members: HashSet<AssetId> = ids.into_iter().collect();
            for a in self.assets.iter_mut().filter(|a| members.contains(&a.id)) {
                a.collections.push(c.id);
            }
            self.collections.push(c.id);
        }
        let mut used = HashSet::new();
        for a in &self.assets {
            if self.rng.chance(10) {
                let usage = UsageRef {
                    entity_type: "article".into(),
                    entity_id: self.rng.below(500).to_string(),
                    usage_type: "inline".into(),
                };
                store.record_usage(a.id, &usage).await.unwrap();
                used.insert(a.id);
            }
        }
        let doomed: Vec<AssetId> = self
            .assets
            .iter()
            .filter(|a| !used.contains(&a.id) && self.rng.chance(5))
            .map(|a| a.id)
            .collect();
        for chunk in doomed.chunks(1000) {
            let action = BulkAction::Delete { force: false };
            assert!(store.bulk(NS, &action, chunk).await.unwrap().applied);
        }
        let doomed: HashSet<AssetId> = doomed.into_iter().collect();
        for a in &mut self.assets {
            a.in_use = used.contains(&a.id);
            a.deleted = doomed.contains(&a.id);
        }
    }

    pub fn by_id(&self) -> HashMap<AssetId, &Model> {
        self.assets.iter().map(|a| (a.id, a)).collect()
    }
}
