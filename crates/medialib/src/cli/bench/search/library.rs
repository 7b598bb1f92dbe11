//! The generated library of `medialib bench search`: reproducible assets written through
//! the store API, with Zipf-distributed words, common dimensions, tags, collections, usage
//! and trash. The same seed makes the same library in SQLite and in PostgreSQL: the same
//! assets (content hashes, words, sizes, dimensions, capture times) in the same order,
//! with the same tags, collections, usage and trash; only the random asset ids and the
//! upload times differ.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use medialib_core::organise::{TagSource, UsageRef};
use medialib_core::store::{
    AssetFilter, AssetQuery, BulkAction, IngestRecord, JobOutcome, NewAsset, NewCollection,
    NewVariant, Processed,
};
use medialib_core::{
    AssetId, AssetKind, AudioMetadata, Database, DocumentMetadata, GpsPosition, ImageMetadata,
    Metadata, MetadataStore, ModelMetadata, OutputFormat, Sha256, StorageKey, Timestamp,
    VariantSpec, VideoMetadata,
};

use super::NS;

/// Distinct words in the generated text.
const VOCABULARY: usize = 5000;
/// Words of titles, descriptions, alt texts and document text.
const WORDS: &[&str] = &[
    "sunset", "sunrise", "beach", "mountain", "city", "night", "portrait", "crowd", "stadium",
    "final", "goal", "coach", "fighter", "arena", "press", "launch", "product", "studio", "red",
    "blue", "green", "winter", "summer", "river", "forest", "street", "market", "wedding",
    "family", "dog", "cat", "garden", "bridge", "tower", "harbor", "desert", "island", "snow",
    "festival", "concert",
];
/// Tags, each put on a share (in %) of the live assets.
const TAGS: &[(&str, u64)] = &[
    ("Main Event", 10),
    ("Weigh In", 5),
    ("Backstage", 8),
    ("Press", 12),
    ("Fans", 15),
    ("Hero", 3),
    ("Archive", 20),
    ("Social", 10),
];
/// Collections, each holding a share (in ‰) of the live assets.
const COLLECTIONS: &[(&str, u64)] = &[
    ("UFC 300", 20),
    ("Summer Gallery", 10),
    ("Press Kit", 5),
    ("Homepage", 2),
    ("Archive 2019", 30),
];
const CAMERAS: &[(&str, &str)] = &[
    ("Canon", "EOS R5"),
    ("NIKON CORPORATION", "NIKON Z 9"),
    ("SONY", "ILCE-7M4"),
    ("Apple", "iPhone 15 Pro"),
    ("FUJIFILM", "X-T5"),
    ("OLYMPUS IMAGING CORP.", "E-P3"),
];
/// Kinds with their MIME type, extension and share (in %).
const KINDS: &[(AssetKind, &str, &str, u64)] = &[
    (AssetKind::Image, "image/jpeg", "jpg", 40),
    (AssetKind::Image, "image/png", "png", 10),
    (AssetKind::Image, "image/webp", "webp", 5),
    (AssetKind::Video, "video/mp4", "mp4", 15),
    (AssetKind::Audio, "audio/mpeg", "mp3", 10),
    (AssetKind::Document, "application/pdf", "pdf", 12),
    (AssetKind::Model3d, "model/gltf-binary", "glb", 8),
];
/// Landscape photo sizes; some are turned to portrait or cropped square.
const PHOTO_SIZES: &[(u32, u32)] = &[
    (8192, 5464),
    (6000, 4000),
    (5472, 3648),
    (4032, 3024),
    (3840, 2160),
    (2048, 1365),
    (1920, 1080),
    (1600, 1067),
    (1280, 853),
    (800, 600),
    (640, 480),
];
const VIDEO_SIZES: &[(u32, u32)] = &[(3840, 2160), (1920, 1080), (1280, 720), (854, 480)];
/// Capture times: 2017-01-01 to 2025-12-31, UTC.
const TAKEN_FROM: i64 = 1_483_228_800;
const TAKEN_SPAN: u64 = 283_996_800;

/// What seeding made.
pub(in crate::cli::bench) struct Seeded {
    pub(in crate::cli::bench) assets: u32,
    pub(in crate::cli::bench) took: Duration,
    pub(super) tagged: usize,
    pub(super) in_collections: usize,
    pub(super) used: usize,
    pub(super) deleted: usize,
}

/// The word of frequency rank `rank` (1-based): [`WORDS`] first, then made-up words from
/// syllables, all different.
fn word(rank: usize) -> String {
    if let Some(w) = WORDS.get(rank - 1) {
        return (*w).to_owned();
    }
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "ba", "do", "fi", "gu", "ha", "je",
        "pe",
    ];
    let mut n = rank;
    let mut w = String::new();
    while n > 0 {
        w.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
    }
    w
}

/// Reproducible pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// `count` words, `count` in `min..=max`, drawn as natural text draws them: the word
    /// of frequency rank r with probability ∝ 1/r (Zipf's law), over [`WORDS`] and then
    /// made-up words up to [`VOCABULARY`] in all. So a common word is in a few percent of
    /// the library and a typical one in far fewer, as in real titles and captions.
    fn words(&mut self, min: u64, max: u64) -> String {
        let count = min + self.below(max - min + 1);
        (0..count)
            .map(|_| word(self.zipf_rank()))
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// A rank in `1..=VOCABULARY` with probability ∝ 1/rank: inverting the continuous
    /// approximation of the harmonic sums, `H(r) ≈ ln r`.
    fn zipf_rank(&mut self) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = ((VOCABULARY as f64 + 1.0).ln() * u).exp();
        (rank as usize).clamp(1, VOCABULARY)
    }
}

/// A progress bar on stderr, in the style of `medialib import`.
fn progress(len: u64, verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{verb} {{bar:40}} {{pos}}/{{len}} ({{eta}}) {{wide_msg}}"
        ))
        .expect("valid template"),
    );
    bar
}

/// Opens (creating and migrating) the store `database` names, which must hold no library
/// yet, and fills it with `assets` generated assets, organised.
pub(in crate::cli::bench) async fn seed(
    database: &Database,
    assets: u32,
) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    // Every call is awaited before the next; a few connections leave room for a call
    // that reads beside its transaction.
    let store = medialib_store::open(database, 4)
        .await
        .with_context(|| format!("open {}", database.describe()))?;
    let store = &*store;
    refuse_occupied(store, database).await?;
    eprintln!("seeding {} into {}", assets, database.describe());
    let mut rng = Rng::new(0x6d65_6469_616c_6962);
    let bar = progress(u64::from(assets), "seed");
    let mut ids = Vec::with_capacity(assets as usize);
    for n in 0..assets {
        ids.push(add_asset(store, &mut rng, n).await?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut seeded = organise(store, &mut rng, &ids).await?;
    seeded.assets = assets;
    seeded.took = started.elapsed();
    Ok(seeded)
}

/// Opens (creating and migrating) the store `database` names and fails unless it is
/// empty (see [`refuse_occupied`]): checked before anything else is seeded or timed.
pub(super) async fn check_empty(database: &Database) -> anyhow::Result<()> {
    let store = medialib_store::open(database, 4)
        .await
        .with_context(|| format!("open {}", database.describe()))?;
    refuse_occupied(&*store, database).await
}

/// Fails unless the store holds nothing but what its migrations create: one namespace,
/// no users, tokens, tags or assets (live or in the trash). A benchmark seeds its own
/// library and must never mix it with another, nor write into a database in use.
async fn refuse_occupied(store: &dyn MetadataStore, database: &Database) -> anyhow::Result<()> {
    let namespaces = store.list_namespaces().await?;
    let mut held = Vec::new();
    if namespaces.len() > 1 {
        held.push(counted(namespaces.len() as u64, "namespace"));
    }
    let users = store.list_users().await?.len();
    if users > 0 {
        held.push(counted(users as u64, "user"));
    }
    if store.has_tokens().await? {
        held.push("API tokens".to_owned());
    }
    for namespace in &namespaces {
        let tags = store.list_tags(namespace.id).await?.len();
        if tags > 0 {
            held.push(counted(tags as u64, "tag"));
        }
        for deleted in [false, true] {
            let query = AssetQuery {
                filter: AssetFilter {
                    deleted,
                    ..AssetFilter::default()
                },
                ..AssetQuery::newest(namespace.id, 1)
            };
            let total = store.list_assets(&query).await?.total;
            if total > 0 {
                let place = if deleted { "in the trash" } else { "live" };
                held.push(format!("{} {place}", counted(total, "asset")));
            }
        }
    }
    if !held.is_empty() {
        bail!(
            "{} is not empty (it holds {}): the benchmark seeds its own library into an \
             empty database; drop and create it again (dropdb, createdb)",
            database.describe(),
            held.join(", ")
        );
    }
    Ok(())
}

/// `n thing` or `n things`.
fn counted(n: u64, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// Records asset number `n`, then claims its processing job and finishes it as a worker
/// would: with the processing result, or (3 %) failed.
async fn add_asset(store: &dyn MetadataStore, rng: &mut Rng, n: u32) -> anyhow::Result<AssetId> {
    let shares: u64 = KINDS.iter().map(|k| k.3).sum();
    let mut roll = rng.below(shares);
    let &(kind, mime, ext, _) = KINDS
        .iter()
        .find(|k| {
            let hit = roll < k.3;
            roll = roll.saturating_sub(k.3);
            hit
        })
        .expect("the shares add up");
    let mut sha = [0u8; 32];
    sha[..8].copy_from_slice(&u64::from(n).to_be_bytes());
    sha[8..16].copy_from_slice(b"benchlib");
    let sha = Sha256(sha);
    let mut title = rng.words(1, 4);
    if rng.chance(20) {
        title = title[..1].to_uppercase() + &title[1..];
    }
    let filename = if kind == AssetKind::Image && rng.chance(50) {
        format!("IMG_{:04}.{ext}", n % 10_000)
    } else {
        format!("{}_{n}.{ext}", word(rng.zipf_rank()))
    };
    let sizes = match kind {
        AssetKind::Image => Some(PHOTO_SIZES),
        AssetKind::Video => Some(VIDEO_SIZES),
        _ => None,
    };
    let (width, height) = match sizes {
        Some(sizes) => {
            let (w, h) = *rng.pick(sizes);
            let (w, h) = match rng.below(100) {
                0..8 => (h, h),
                8..33 => (h, w),
                _ => (w, h),
            };
            (Some(w), Some(h))
        }
        None => (None, None),
    };
    let duration_s = matches!(kind, AssetKind::Video | AssetKind::Audio)
        .then(|| 5.0 + rng.below(600_000) as f64 / 1000.0);
    let new = NewAsset {
        id: AssetId::new(),
        namespace: NS,
        kind,
        mime: mime.into(),
        size: 1 + rng.below(50_000_000),
        sha256: sha,
        storage_key: format!("originals/1/{sha}"),
        original_filename: filename,
        title,
        description: rng.chance(30).then(|| rng.words(3, 12)),
        alt_text: rng.chance(20).then(|| rng.words(2, 6)),
        is_public: rng.chance(10),
        width,
        height,
        duration_s,
        uploaded_by: None,
        max_attempts: 1,
    };
    let (id, job) = match store.create_asset(new).await? {
        IngestRecord::Created { asset, job } => (asset.id, job),
        IngestRecord::Duplicate(a) => bail!("asset {n} duplicates {}", a.id),
    };
    let Some(job) = job else { return Ok(id) };
    let (claimed, lease) = store
        .claim_job("bench-seed", Duration::from_secs(600))
        .await?
        .context("the new asset's job is not queued")?;
    if claimed.id != job {
        bail!("claimed another job than the new asset's");
    }
    if rng.chance(3) {
        let error = "seeded without an original".to_owned();
        store
            .finish_job(lease, JobOutcome::Failed { error })
            .await?;
        return Ok(id);
    }
    let processed = processed(rng, id, kind, ext, (width, height), duration_s);
    store
        .record_processed(lease, processed)
        .await?
        .context("the seeding lease was lost")?;
    Ok(id)
}

/// A processing result for a generated asset.
fn processed(
    rng: &mut Rng,
    id: AssetId,
    kind: AssetKind,
    ext: &str,
    (width, height): (Option<u32>, Option<u32>),
    duration_s: Option<f64>,
) -> Processed {
    let (width, height) = (width.unwrap_or(0), height.unwrap_or(0));
    let duration_s = duration_s.unwrap_or(0.0);
    let captured = matches!(kind, AssetKind::Image | AssetKind::Video);
    let taken_at = (captured && rng.chance(70)).then(|| {
        Timestamp::from_unix_timestamp(TAKEN_FROM + rng.below(TAKEN_SPAN) as i64)
            .expect("a valid time")
    });
    let gps = (captured && rng.chance(25)).then(|| GpsPosition {
        latitude: rng.below(140_000) as f64 / 1000.0 - 60.0,
        longitude: rng.below(360_000) as f64 / 1000.0 - 180.0,
        altitude: rng.chance(50).then(|| rng.below(3000) as f64),
    });
    let mut text = None;
    let metadata = match kind {
        AssetKind::Image => {
            let camera = rng.chance(40).then(|| *rng.pick(CAMERAS));
            Metadata::Image(ImageMetadata {
                format: ext.to_owned(),
                width,
                height,
                frame_count: 1,
                camera_make: camera.map(|c| c.0.to_owned()),
                camera_model: camera.map(|c| c.1.to_owned()),
                iso: camera.map(|_| 100 << rng.below(6)),
                gps,
                ..Default::default()
            })
        }
        AssetKind::Video => Metadata::Video(VideoMetadata {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            duration_s,
            width,
            height,
            coded_width: width,
            coded_height: height,
            frame_rate: Some(30.0),
            video_codec: "h264".into(),
            audio_codec: Some("aac".into()),
            gps,
            ..Default::default()
        }),
        AssetKind::Audio => Metadata::Audio(AudioMetadata {
            container: "mp3".into(),
            duration_s,
            codec: "mp3".into(),
            bitrate: Some(320_000),
            sample_rate: 44_100,
            channels: 2,
            ..Default::default()
        }),
        AssetKind::Document => {
            text = Some(rng.words(20, 60));
            Metadata::Document(DocumentMetadata {
                format: "pdf".into(),
                page_count: Some(1 + rng.below(40) as u32),
                ..Default::default()
            })
        }
        _ => Metadata::Model3d(ModelMetadata {
            format: "glb".into(),
            vertex_count: 1000 + rng.below(500_000),
            triangle_count: 1000 + rng.below(1_000_000),
            mesh_count: 1 + rng.below(20) as u32,
            ..Default::default()
        }),
    };
    // Images and video posters get the default variants, each as WebP and JPEG.
    let mut variants = Vec::new();
    if captured {
        for spec in VariantSpec::defaults() {
            let scale = f64::min(
                f64::from(spec.width) / f64::from(width.max(1)),
                f64::from(spec.height) / f64::from(height.max(1)),
            )
            .min(1.0);
            for format in [OutputFormat::Webp, OutputFormat::Jpeg] {
                let mut sha = [0u8; 32];
                sha[..16].copy_from_slice(id.0.as_bytes());
                sha[16] = variants.len() as u8;
                variants.push(NewVariant {
                    storage_key: StorageKey::variant(id, &spec.name, format)
                        .as_str()
                        .to_owned(),
                    name: spec.name.clone(),
                    format,
                    width: Some(((f64::from(width) * scale) as u32).max(1)),
                    height: Some(((f64::from(height) * scale) as u32).max(1)),
                    duration_s: None,
                    size: 2_000 + rng.below(400_000),
                    sha256: Sha256(sha),
                });
            }
        }
    }
    Processed {
        metadata,
        placeholder: None,
        taken_at,
        variants,
        text,
        phash: None,
        transcodes: Vec::new(),
        analyse: false,
    }
}

/// Tags, collections, usage and trash over the library, in bulk where the API allows.
async fn organise(
    store: &dyn MetadataStore,
    rng: &mut Rng,
    ids: &[AssetId],
) -> anyhow::Result<Seeded> {
    let mut tags = Vec::new();
    for &(name, share) in TAGS {
        let tagged: Vec<AssetId> = ids.iter().copied().filter(|_| rng.chance(share)).collect();
        tags.push((name, tagged));
    }
    let mut collections = Vec::new();
    for &(title, share) in COLLECTIONS {
        let members: Vec<AssetId> = ids
            .iter()
            .copied()
            .filter(|_| rng.below(1000) < share)
            .collect();
        collections.push((title, members));
    }
    let used: Vec<AssetId> = ids.iter().copied().filter(|_| rng.chance(10)).collect();
    let used_set: std::collections::HashSet<AssetId> = used.iter().copied().collect();
    let doomed: Vec<AssetId> = ids
        .iter()
        .copied()
        .filter(|id| !used_set.contains(id) && rng.chance(2))
        .collect();

    let tagged: usize = tags.iter().map(|t| t.1.len()).sum();
    let in_collections: usize = collections.iter().map(|c| c.1.len()).sum();
    let steps = tags.iter().map(|t| t.1.len().div_ceil(1000)).sum::<usize>()
        + collections.len()
        + used.len()
        + doomed.len().div_ceil(1000);
    let bar = progress(steps as u64, "organise");
    for (name, tagged) in &tags {
        bar.set_message(format!("tag {name}"));
        for chunk in tagged.chunks(1000) {
            let action = BulkAction::Tag {
                names: vec![(*name).to_owned()],
                source: TagSource::User,
                confidence: None,
            };
            if !store.bulk(NS, &action, chunk).await?.applied {
                bail!("tagging {name} was refused");
            }
            bar.inc(1);
        }
    }
    for (title, members) in &collections {
        bar.set_message(format!("collection {title}"));
        let new = NewCollection {
            title: (*title).to_owned(),
            kind: "gallery".into(),
            ..Default::default()
        };
        let collection = store.create_collection(NS, &new).await?;
        store.insert_items(collection.id, members, None).await?;
        bar.inc(1);
    }
    bar.set_message("usage");
    for id in &used {
        let usage = UsageRef {
            entity_type: "article".into(),
            entity_id: rng.below(20_000).to_string(),
            usage_type: if rng.chance(30) {
                "featured_image"
            } else {
                "inline"
            }
            .into(),
        };
        store.record_usage(*id, &usage).await?;
        bar.inc(1);
    }
    bar.set_message("trash");
    for chunk in doomed.chunks(1000) {
        let action = BulkAction::Delete { force: false };
        if !store.bulk(NS, &action, chunk).await?.applied {
            bail!("deleting was refused");
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(Seeded {
        assets: 0,
        took: Duration::ZERO,
        tagged,
        in_collections,
        used: used.len(),
        deleted: doomed.len(),
    })
}
