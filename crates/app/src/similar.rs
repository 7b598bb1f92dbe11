//! Similar media: the assets whose pictures look most like one asset's, by the cosine of
//! their embeddings (the labels model's features), with a near-duplicate picture
//! (perceptual hash), shared tags and shared collections adding to the score. Each result
//! says why it is there.
//!
//! Every process keeps each namespace's embeddings in memory ([`EmbeddingIndex`]), read
//! again from the store when their count or newest changes, so a query compares against
//! all of them without reading the database: 100 000 assets are 128 MB.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use medialib_core::access::Principal;
use medialib_core::analysis::Embedding;
use medialib_core::{AppError, Asset, AssetId, MetadataStore, NamespaceId};

use crate::Catalog;
use crate::access::authorize::can_read;
use crate::assets;

/// Most results one query returns.
pub const MAX_LIMIT: u32 = 100;
/// Perceptual hashes (64-bit dHash) this close are the same picture re-encoded, resized or
/// lightly edited, as the near-duplicate list counts them.
pub const NEAR_DUPLICATE_BITS: u32 = 6;
/// Added to the score of a near-duplicate picture.
const NEAR_DUPLICATE_BONUS: f64 = 0.2;
/// Added per shared tag, up to [`MAX_SHARED`] tags.
const TAG_BONUS: f64 = 0.02;
/// Added when the two share a collection.
const COLLECTION_BONUS: f64 = 0.05;
const MAX_SHARED: usize = 5;

/// Why a result is there.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The pictures look alike: the embeddings' cosine similarity, 0–1.
    LooksAlike {
        /// Cosine similarity.
        similarity: f64,
    },
    /// For recommendations: the picture looks like that of `asset`, which the content
    /// uses: the embeddings' cosine similarity, 0–1.
    LooksLikeUsed {
        /// The used asset it looks most like.
        asset: AssetId,
        /// Cosine similarity.
        similarity: f64,
    },
    /// The same picture, re-encoded or resized: perceptual hashes `bits` apart.
    NearDuplicate {
        /// Hamming distance of the 64-bit hashes.
        bits: u32,
    },
    /// Tags both carry, by name.
    SharedTags {
        /// Their names.
        tags: Vec<String>,
    },
    /// Collections both are in, by title.
    SameCollection {
        /// Their titles.
        collections: Vec<String>,
    },
}

/// One similar asset.
#[derive(Debug, Clone)]
pub struct Similar {
    /// The asset.
    pub asset: Asset,
    /// Higher is more similar: the cosine similarity plus the bonuses of the other reasons.
    pub score: f64,
    /// Why it is there, the strongest first.
    pub reasons: Vec<Reason>,
}

/// Up to `limit` (1–[`MAX_LIMIT`]) live assets the caller may see that look most like
/// asset `id`, most similar first.
///
/// Errors: `not_found` for an asset the caller cannot see; `invalid_query` for a limit out
/// of range.
pub async fn similar(
    catalog: &Catalog,
    caller: &Principal,
    id: AssetId,
    limit: u32,
) -> Result<Vec<Similar>, AppError> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::new(
            medialib_core::ErrorCode::InvalidQuery,
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let asset = assets::get(catalog, caller, id).await?;
    let index = catalog
        .embeddings
        .namespace(catalog.store.as_ref(), asset.namespace)
        .await?;
    // More candidates than asked for: some may be hidden from the caller, and the other
    // reasons may lift a few above the cut.
    let wanted = limit as usize * 3 + 20;
    let mut scored: HashMap<AssetId, (f64, Vec<Reason>)> = HashMap::new();
    if let Some(query) = index.embedding_of(asset.id) {
        for (other, similarity) in index.nearest(&query, wanted, asset.id) {
            let similarity = round(f64::from(similarity));
            scored.insert(other, (similarity, vec![Reason::LooksAlike { similarity }]));
        }
    }
    if let Some(hash) = index.phash_of(asset.id) {
        for (other, bits) in index.near_duplicates(hash, asset.id) {
            let entry = scored.entry(other).or_insert((0.0, Vec::new()));
            entry.0 += NEAR_DUPLICATE_BONUS;
            entry.1.insert(0, Reason::NearDuplicate { bits });
        }
    }
    let ids: Vec<AssetId> = scored.keys().copied().collect();
    shared(catalog, &asset, &ids, &mut scored).await?;
    let mut found: Vec<Similar> = catalog
        .store
        .get_assets(&ids)
        .await?
        .into_iter()
        .filter(|a| a.deleted_at.is_none() && can_read(caller, a))
        .filter_map(|a| {
            let (score, reasons) = scored.remove(&a.id)?;
            Some(Similar {
                asset: a,
                score: round(score),
                reasons,
            })
        })
        .collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found.truncate(limit as usize);
    Ok(found)
}

/// Adds the tags and collections each candidate shares with `asset` to its score.
async fn shared(
    catalog: &Catalog,
    asset: &Asset,
    ids: &[AssetId],
    scored: &mut HashMap<AssetId, (f64, Vec<Reason>)>,
) -> Result<(), AppError> {
    let mut with_asset = ids.to_vec();
    with_asset.push(asset.id);
    let tags = catalog.store.asset_tags(&with_asset).await?;
    let own_tags: Vec<&str> = tags
        .iter()
        .filter(|t| t.asset == asset.id)
        .map(|t| t.slug.as_str())
        .collect();
    let collections = catalog.store.asset_collections(&with_asset).await?;
    let own_collections: Vec<_> = collections
        .iter()
        .filter(|(a, _)| *a == asset.id)
        .map(|(_, c)| c.id)
        .collect();
    for (id, (score, reasons)) in scored.iter_mut() {
        let common: Vec<String> = tags
            .iter()
            .filter(|t| t.asset == *id && own_tags.contains(&t.slug.as_str()))
            .map(|t| t.name.clone())
            .collect();
        if !common.is_empty() {
            *score += TAG_BONUS * common.len().min(MAX_SHARED) as f64;
            reasons.push(Reason::SharedTags { tags: common });
        }
        let together: Vec<String> = collections
            .iter()
            .filter(|(a, c)| a == id && own_collections.contains(&c.id))
            .map(|(_, c)| c.title.clone())
            .collect();
        if !together.is_empty() {
            *score += COLLECTION_BONUS;
            reasons.push(Reason::SameCollection {
                collections: together,
            });
        }
    }
    Ok(())
}

fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Each namespace's embeddings and perceptual hashes, in memory, per process.
#[derive(Default)]
pub struct EmbeddingIndex {
    namespaces: Mutex<HashMap<NamespaceId, Arc<Vectors>>>,
}

impl EmbeddingIndex {
    /// The namespace's vectors, read again from `store` when they changed there.
    ///
    /// Errors: a store failure.
    pub async fn namespace(
        &self,
        store: &dyn MetadataStore,
        namespace: NamespaceId,
    ) -> Result<Arc<Vectors>, AppError> {
        let version = store.embeddings_version(namespace).await?;
        let cached = self.lock().get(&namespace).cloned();
        if let Some(vectors) = cached.filter(|v| v.version == version) {
            return Ok(vectors);
        }
        let loaded = Arc::new(Vectors::new(
            version,
            store.embeddings(namespace).await?,
            store.perceptual_hashes(namespace).await?,
        ));
        self.lock().insert(namespace, loaded.clone());
        Ok(loaded)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<NamespaceId, Arc<Vectors>>> {
        // A panic while holding it leaves a map that is still whole.
        self.namespaces.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One namespace's embeddings, laid out for scanning, and its perceptual hashes.
pub struct Vectors {
    version: (u64, i64),
    ids: Vec<AssetId>,
    model: String,
    dim: usize,
    /// `ids.len()` rows of `dim` bytes.
    values: Vec<u8>,
    norms: Vec<f32>,
    phashes: Vec<(AssetId, u64)>,
    /// Each embedding's 64-bit random-hyperplane signature, made on first use.
    signatures: OnceLock<Vec<u64>>,
}

/// Signatures this many bits apart or fewer are compared exactly by [`Vectors::close_pairs`]:
/// two embeddings at an angle θ differ in each bit with probability θ/π, so pairs with a
/// cosine of 0.85 (32°, 11 bits on average, 2.8 standard deviation) almost always pass,
/// and unrelated pictures (cosine 0.5, 60°: 21 bits) seldom do.
const SIGNATURE_BITS: u32 = 18;

impl Vectors {
    /// Lays out `embeddings` (those of the most common model; others cannot be compared)
    /// and `phashes`, read at `version`.
    pub fn new(
        version: (u64, i64),
        embeddings: Vec<(AssetId, Embedding)>,
        phashes: Vec<(AssetId, u64)>,
    ) -> Self {
        let mut counts: HashMap<(&str, usize), usize> = HashMap::new();
        for (_, e) in &embeddings {
            *counts
                .entry((e.model.as_str(), e.values.len()))
                .or_default() += 1;
        }
        let (model, dim) = counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|((m, d), _)| (m.to_owned(), d))
            .unwrap_or_default();
        let (mut ids, mut values, mut norms) = (Vec::new(), Vec::new(), Vec::new());
        for (id, e) in embeddings {
            if e.model == model && e.values.len() == dim {
                norms.push(e.norm());
                values.extend_from_slice(&e.values);
                ids.push(id);
            }
        }
        Self {
            version,
            ids,
            model,
            dim,
            values,
            norms,
            phashes,
            signatures: OnceLock::new(),
        }
    }

    /// Every pair of assets whose embeddings' cosine similarity is at least `min`: a
    /// resize, a re-encode or a crop of the same picture. Compares the signatures of all
    /// pairs, then the embeddings of the pairs whose signatures are close.
    pub fn close_pairs(&self, min: f32) -> Vec<(AssetId, AssetId)> {
        let signatures = self.signatures.get_or_init(|| {
            let planes = hyperplanes(self.dim);
            self.values
                .chunks_exact(self.dim.max(1))
                .map(|v| signature(v, &planes))
                .collect()
        });
        let row = |i: usize| &self.values[i * self.dim..(i + 1) * self.dim];
        let mut pairs = Vec::new();
        for i in 0..signatures.len() {
            for j in i + 1..signatures.len() {
                if (signatures[i] ^ signatures[j]).count_ones() > SIGNATURE_BITS {
                    continue;
                }
                let cosine = dot(row(i), row(j)) as f32 / (self.norms[i] * self.norms[j]);
                if cosine >= min {
                    pairs.push((self.ids[i], self.ids[j]));
                }
            }
        }
        pairs
    }

    /// The embedding of `id`, when it has one of the index's model.
    pub fn embedding_of(&self, id: AssetId) -> Option<Embedding> {
        let row = self.ids.binary_search(&id).ok()?;
        Some(Embedding {
            model: self.model.clone(),
            values: self.values[row * self.dim..(row + 1) * self.dim].to_vec(),
        })
    }

    /// The `k` assets other than `except` whose embeddings are nearest `query` by cosine,
    /// nearest first.
    pub fn nearest(&self, query: &Embedding, k: usize, except: AssetId) -> Vec<(AssetId, f32)> {
        let norm = query.norm();
        if norm == 0.0 || query.model != self.model || query.values.len() != self.dim {
            return Vec::new();
        }
        let mut best: Vec<(f32, usize)> = self
            .values
            .chunks_exact(self.dim)
            .zip(&self.norms)
            .enumerate()
            .filter(|(row, _)| self.ids[*row] != except)
            .map(|(row, (values, n))| (dot(&query.values, values) as f32 / (norm * n), row))
            .filter(|(similarity, _)| similarity.is_finite())
            .collect();
        let k = k.min(best.len());
        if k == 0 {
            return Vec::new();
        }
        best.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        best.truncate(k);
        best.sort_by(|a, b| b.0.total_cmp(&a.0));
        best.into_iter()
            .map(|(s, row)| (self.ids[row], s))
            .collect()
    }

    /// The perceptual hash of `id`, when its picture has one.
    pub fn phash_of(&self, id: AssetId) -> Option<u64> {
        self.phashes.iter().find(|(a, _)| *a == id).map(|(_, h)| *h)
    }

    /// The assets other than `except` whose hashes are at most [`NEAR_DUPLICATE_BITS`]
    /// from `hash`, with the distance.
    pub fn near_duplicates(&self, hash: u64, except: AssetId) -> Vec<(AssetId, u32)> {
        self.phashes
            .iter()
            .filter(|(id, _)| *id != except)
            .map(|(id, h)| (*id, (h ^ hash).count_ones()))
            .filter(|(_, bits)| *bits <= NEAR_DUPLICATE_BITS)
            .collect()
    }
}

/// 64 random hyperplanes through the origin in `dim` dimensions, each coordinate ±1 (a
/// fixed sequence, so signatures compare across processes).
fn hyperplanes(dim: usize) -> Vec<[i8; 64]> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..dim)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bits = state;
            std::array::from_fn(|k| if bits >> k & 1 == 1 { 1 } else { -1 })
        })
        .collect()
}

/// Which side of each hyperplane `values` lies on, one bit per plane.
fn signature(values: &[u8], planes: &[[i8; 64]]) -> u64 {
    let mut sums = [0i32; 64];
    for (v, plane) in values.iter().zip(planes) {
        let v = i32::from(*v);
        for (sum, sign) in sums.iter_mut().zip(plane) {
            *sum += v * i32::from(*sign);
        }
    }
    sums.iter().enumerate().fold(
        0,
        |bits, (k, sum)| if *sum > 0 { bits | 1 << k } else { bits },
    )
}

/// The dot product of two byte vectors; written over fixed chunks so the compiler turns
/// it into wide multiply-adds.
fn dot(a: &[u8], b: &[u8]) -> u32 {
    let mut sums = [0u32; 16];
    let (chunks_a, chunks_b) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: u32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| u32::from(*x) * u32::from(*y))
        .sum();
    for (x, y) in chunks_a.zip(chunks_b) {
        for i in 0..16 {
            sums[i] += u32::from(x[i]) * u32::from(y[i]);
        }
    }
    sums.iter().sum::<u32>() + tail
}
