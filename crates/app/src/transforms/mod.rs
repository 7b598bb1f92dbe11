//! On-the-fly transforms (DESIGN §9.3): a picture of an asset resized, cropped, filtered
//! and encoded as a URL asks, stored once as a derivative and served from storage after.
//!
//! - `mod.rs`: [`Transforms`], one per process: finding a stored result, rendering a
//!   missing one within the render slots (coalescing identical requests), recording it.
//! - `source.rs`: which stored picture a transform reads.
//! - [`access`]: who may fetch a transform URL, and how the answer may be cached.
//! - [`urls`]: the content revision, transform paths and minting signed URLs.
//! - [`derivatives`]: listing and deleting results, eviction, last-access upkeep.
//! - [`responsive`]: `srcset`, `sizes` and `<picture>` markup.
//! - `watermarks.rs`: which watermark a request carries and what it shows.

pub mod access;
pub mod derivatives;
pub mod responsive;
pub(crate) mod source;
pub mod urls;
mod watermarks;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use medialib_core::analysis::{self, AnalysisOutcome, AnalysisOutput};
use medialib_core::config::TransformSettings;
use medialib_core::derivative::{Derivative, PIPELINE_VERSION};
use medialib_core::transform::{Fraction, Gravity, Plan, RequestedFormat, TransformOps};
use medialib_core::{
    AppError, Asset, AssetId, ErrorCode, OutputFormat, Sha256, StorageKey, Timestamp, Variant,
};
use medialib_media::EncodeSettings;
use medialib_media::transform::RenderRequest;
use sha2::Digest;
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

use crate::Catalog;
use source::Picture;

/// An asset's result, by cache key.
type Key = (AssetId, String);

/// A render shared by every request for the same result while it runs: the result, and
/// its bytes when this render made them.
type Shared = Arc<OnceCell<Result<(Arc<Derivative>, Option<Bytes>), AppError>>>;

/// A request's result.
#[derive(Debug, Clone)]
pub struct Derived {
    /// The stored result.
    pub derivative: Arc<Derivative>,
    /// How the request got it.
    pub outcome: Outcome,
    /// Its bytes, when they were rendered for this request (or one it waited for): send
    /// them as they are rather than reading them back from storage, and keep them out of
    /// the memory cache of files that are asked for again.
    pub bytes: Option<Bytes>,
}

impl Derived {
    fn hit(derivative: Arc<Derivative>) -> Self {
        Self {
            derivative,
            outcome: Outcome::Hit,
            bytes: None,
        }
    }
}

/// What a request's result depends on besides the ops: the asset, its content, its focal
/// point, the canonical ops, the resolved format and the watermark's fingerprint.
type Request = (
    AssetId,
    Sha256,
    Option<(Fraction, Fraction)>,
    String,
    OutputFormat,
    Option<String>,
);

/// Results known to exist, kept in memory so a hit costs no database read.
const KNOWN: usize = 65_536;

/// How a request got its result (sent as `X-Transform-Cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored already.
    Hit,
    /// Rendered for this request.
    Rendered,
    /// Rendered for another request that asked at the same time.
    Shared,
}

impl Outcome {
    /// `hit`, `miss` or `shared`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Rendered => "miss",
            Self::Shared => "shared",
        }
    }
}

/// This process's transform engine: the render slots and their queue, the renders in
/// flight, the results known to be stored, and the ones requested since the last flush.
pub struct Transforms {
    renders: Arc<Semaphore>,
    queued: Arc<AtomicUsize>,
    max_queued: usize,
    timeout: Duration,
    inflight: Mutex<HashMap<Key, Shared>>,
    known: quick_cache::sync::Cache<Key, Arc<Derivative>>,
    /// The cache key each request resolved to.
    resolved: quick_cache::sync::Cache<Request, String>,
    touched: Mutex<HashSet<Key>>,
    marks: watermarks::Marks,
}

/// What to make: the ops (a preset's resolved), and the format as asked.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// The ops.
    pub ops: &'a TransformOps,
    /// The format, `auto` included.
    pub format: RequestedFormat,
    /// The request's `Accept` header, for `auto`.
    pub accept: &'a str,
    /// The watermark of the asset's collections
    /// ([`medialib_core::MetadataStore::collection_watermark`]): a public asset's
    /// transform carries it unless its ops name one.
    pub collection_watermark: Option<&'a str>,
}

impl Transforms {
    /// An engine with `settings.concurrency()` render slots and `settings.max_queued`
    /// places in their queue.
    pub fn new(settings: &TransformSettings) -> Self {
        Self {
            renders: Arc::new(Semaphore::new(settings.concurrency())),
            queued: Arc::new(AtomicUsize::new(0)),
            max_queued: settings.max_queued,
            timeout: Duration::from_secs(settings.render_timeout_seconds),
            inflight: Mutex::new(HashMap::new()),
            known: quick_cache::sync::Cache::new(KNOWN),
            resolved: quick_cache::sync::Cache::new(KNOWN),
            touched: Mutex::new(HashSet::new()),
            marks: watermarks::Marks::default(),
        }
    }

    /// The stored result of `wanted` for `asset` (whose variants are `variants`), rendered
    /// and stored first when missing. Concurrent requests for the same result wait for
    /// one render.
    ///
    /// Errors: `no_picture` (404) for an asset without a picture; `not_found` (404) for an
    /// unknown watermark, or one whose picture is gone; `over_limit` (422) for a
    /// result over `transforms.max_side` or a source over the image limits;
    /// `corrupt_image` (422) when the source does not decode; `overloaded` (503) when the
    /// render slots and their queue are full or the render times out; store failures.
    pub async fn derive(
        &self,
        catalog: &Catalog,
        asset: &Asset,
        variants: &[Variant],
        wanted: Wanted<'_>,
    ) -> Result<Derived, AppError> {
        let imposed = watermarks::effective(wanted.ops, asset, wanted.collection_watermark);
        let ops = imposed.as_ref().unwrap_or(wanted.ops);
        let mark = match &ops.watermark {
            Some(name) => Some(self.marks.resolve(catalog, name).await?),
            None => None,
        };
        let format = wanted
            .format
            .resolve(wanted.accept, Picture::has_alpha(asset));
        // `g_face` crops around the faces analysis found; without faces, and for `g_auto`,
        // around the editor's focal point, else around the most salient region.
        let focal_point = asset.focal_point.map(|p| (p.x, p.y));
        let focus = match ops.gravity {
            Gravity::Face => faces_focus(catalog, asset).await?.or(focal_point),
            Gravity::Auto => focal_point,
            other => other.point(),
        };
        // A repeated request skips planning: its result's key is remembered.
        let request = (
            asset.id,
            asset.sha256,
            focus.map(|(x, y)| (Fraction::new(x), Fraction::new(y))),
            ops.to_string(),
            format,
            mark.as_ref().map(|m| m.fingerprint.clone()),
        );
        if let Some(cache_key) = self.resolved.get(&request)
            && let Some(found) = self.known.get(&(asset.id, cache_key))
        {
            self.touch(&(asset.id, found.cache_key.clone()));
            return Ok(Derived::hit(found));
        }
        let picture = Picture::of(asset, variants).ok_or_else(|| {
            AppError::new(
                ErrorCode::NoPicture,
                format!("asset {} has no picture to transform", asset.id),
            )
        })?;
        let settings = &catalog.settings.transforms;
        let plan = ops.plan(picture.size, settings.max_side, focus.unwrap_or((0.5, 0.5)));
        let (width, height) = plan.output_size();
        if width.max(height) > settings.max_side {
            return Err(AppError::new(
                ErrorCode::TransformOverLimit,
                format!(
                    "the result would be {width}×{height} pixels; transforms make at most {} pixels per side",
                    settings.max_side
                ),
            ));
        }
        let key = (
            asset.id,
            cache_key(
                &picture,
                ops,
                &plan,
                focus.is_none(),
                format,
                mark.as_deref(),
            ),
        );
        self.resolved.insert(request, key.1.clone());
        if let Some(found) = self.find(catalog, &key).await? {
            return Ok(Derived::hit(found));
        }

        let shared = Shared::clone(
            self.inflight
                .lock()
                .expect("the in-flight map is never poisoned")
                .entry(key.clone())
                .or_default(),
        );
        let ran = AtomicBool::new(false);
        let job = Job {
            catalog,
            asset,
            picture: &picture,
            ops,
            mark: mark.as_deref(),
            plan: &plan,
            focus,
            format,
            key: &key,
        };
        let result = shared
            .get_or_init(|| async {
                ran.store(true, Ordering::Relaxed);
                if let Some(found) = self.known.get(&key) {
                    return Ok((found, None));
                }
                self.render(job).await.map(|(d, bytes)| (d, Some(bytes)))
            })
            .await
            .clone();
        let outcome = if ran.load(Ordering::Relaxed) {
            if let Ok((found, _)) = &result {
                self.known.insert(key.clone(), Arc::clone(found));
            }
            self.inflight
                .lock()
                .expect("the in-flight map is never poisoned")
                .remove(&key);
            Outcome::Rendered
        } else {
            Outcome::Shared
        };
        self.touch(&key);
        result.map(|(derivative, bytes)| Derived {
            derivative,
            outcome,
            bytes,
        })
    }

    /// Forgets a result whose bytes turned out to be missing (its record and the memory of
    /// it), so the next request renders it again.
    ///
    /// Errors: the store's, when the record cannot be deleted.
    pub async fn forget(
        &self,
        catalog: &Catalog,
        asset: AssetId,
        cache_key: &str,
    ) -> Result<(), AppError> {
        let key = (asset, cache_key.to_owned());
        self.known.remove(&key);
        catalog
            .store
            .delete_derivatives(asset, Some(cache_key))
            .await?;
        Ok(())
    }

    async fn find(
        &self,
        catalog: &Catalog,
        key: &Key,
    ) -> Result<Option<Arc<Derivative>>, AppError> {
        if let Some(found) = self.known.get(key) {
            self.touch(key);
            return Ok(Some(found));
        }
        let Some(stored) = catalog.store.get_derivative(key.0, &key.1).await? else {
            return Ok(None);
        };
        let stored = Arc::new(stored);
        self.known.insert(key.clone(), Arc::clone(&stored));
        self.touch(key);
        Ok(Some(stored))
    }

    fn touch(&self, key: &Key) {
        let mut touched = self
            .touched
            .lock()
            .expect("the touched set is never poisoned");
        if !touched.contains(key) {
            touched.insert(key.clone());
        }
    }

    /// The results requested since the last call.
    pub(crate) fn take_touched(&self) -> Vec<Key> {
        let mut touched = self
            .touched
            .lock()
            .expect("the touched set is never poisoned");
        touched.drain().collect()
    }

    /// Drops results from the in-memory index (after they were deleted).
    pub(crate) fn unknow(&self, asset: AssetId, cache_key: &str) {
        self.known.remove(&(asset, cache_key.to_owned()));
    }

    /// A render slot, waiting in the bounded queue when all are busy.
    async fn admit(&self) -> Result<OwnedSemaphorePermit, AppError> {
        if let Ok(permit) = Arc::clone(&self.renders).try_acquire_owned() {
            return Ok(permit);
        }
        if self.queued.fetch_add(1, Ordering::SeqCst) >= self.max_queued {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(overloaded("every render slot and queue place is taken"));
        }
        // Leaves the queue however the wait ends, the request's cancellation included.
        struct Leave(Arc<AtomicUsize>);
        impl Drop for Leave {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _leave = Leave(Arc::clone(&self.queued));
        Arc::clone(&self.renders)
            .acquire_owned()
            .await
            .map_err(AppError::internal)
    }

    async fn render(&self, job: Job<'_>) -> Result<(Arc<Derivative>, Bytes), AppError> {
        let permit = self.admit().await?;
        let catalog = job.catalog;
        let source = job.picture.source_for(job.plan.scale).clone();
        let bytes = catalog.blobs.get_bytes(&source.key).await?;
        let mark = match job.mark {
            Some(mark) => Some(mark.load(catalog, job.plan.output_size().0).await?),
            None => None,
        };
        let settings = &catalog.settings;
        let ops = job.ops.clone();
        let (picture, focus, format) = (job.picture.size, job.focus, job.format);
        let max_side = settings.transforms.max_side;
        let encode = EncodeSettings {
            webp_quality: settings.images.webp_quality,
            jpeg_quality: settings.images.jpeg_quality,
            ..EncodeSettings::default()
        };
        let limits = crate::media_limits::image(&settings.limits);
        let work = tokio::task::spawn_blocking(move || {
            // The slot is held until the work ends, even past a timeout: a render that
            // overran still occupies a CPU.
            let _permit = permit;
            let request = RenderRequest {
                ops: &ops,
                picture,
                focus,
                max_side,
                format,
                encode,
                watermark: mark.as_ref().map(watermarks::Loaded::watermark),
            };
            medialib_media::transform::render(&bytes, source.format, &request, &limits)
        });
        let started = std::time::Instant::now();
        let rendered = tokio::time::timeout(self.timeout, work).await;
        crate::metrics::render(
            format.as_str(),
            matches!(rendered, Ok(Ok(Ok(_)))),
            started.elapsed(),
        );
        let rendered = match rendered {
            Err(_) => {
                return Err(overloaded(&format!(
                    "rendering took longer than {} s",
                    self.timeout.as_secs()
                )));
            }
            Ok(joined) => joined.map_err(AppError::internal)?.map_err(render_error)?,
        };

        let (asset, key) = (job.asset, &job.key.1);
        let storage_key = StorageKey::derivative(asset.id, key, format);
        let sha256 = Sha256(sha2::Sha256::digest(&rendered.bytes).into());
        let size = rendered.bytes.len() as u64;
        let bytes = Bytes::from(rendered.bytes);
        catalog.blobs.put_bytes(&storage_key, bytes.clone()).await?;
        let now = Timestamp::now_utc();
        let derivative = Derivative {
            asset_id: asset.id,
            cache_key: key.clone(),
            ops: job.ops.to_string(),
            format,
            width: rendered.width,
            height: rendered.height,
            size,
            sha256,
            storage_key: storage_key.as_str().to_owned(),
            created_at: now,
            last_access_at: now,
        };
        if !catalog.store.put_derivative(&derivative).await? {
            match catalog.store.get_derivative(asset.id, key).await? {
                // Another process rendered the same result meanwhile: the same key and bytes.
                Some(theirs) => return Ok((Arc::new(theirs), bytes)),
                // The asset was purged meanwhile: its result goes too.
                None => {
                    catalog.blobs.delete(&storage_key).await?;
                    return Err(AppError::not_found(format!("asset {}", asset.id)));
                }
            }
        }
        tracing::debug!(asset = %asset.id, ops = %derivative.ops, format = %format, bytes = size, "rendered a transform");
        Ok((Arc::new(derivative), bytes))
    }
}

/// One render's inputs.
#[derive(Clone, Copy)]
struct Job<'a> {
    catalog: &'a Catalog,
    asset: &'a Asset,
    picture: &'a Picture,
    ops: &'a TransformOps,
    mark: Option<&'a watermarks::Resolved>,
    plan: &'a Plan,
    focus: Option<(f64, f64)>,
    format: OutputFormat,
    key: &'a Key,
}

/// The point a `g_face` crop keeps in view: the centre of the faces analysis found in
/// the asset's picture; `None` before it ran or when it found none.
async fn faces_focus(catalog: &Catalog, asset: &Asset) -> Result<Option<(f64, f64)>, AppError> {
    let analyses = catalog.store.analyses(asset.id).await?;
    Ok(analyses.iter().find_map(|a| match &a.outcome {
        AnalysisOutcome::Ok {
            output: AnalysisOutput::Faces { faces },
        } => analysis::focus(faces),
        _ => None,
    }))
}

fn overloaded(why: &str) -> AppError {
    AppError::new(
        ErrorCode::Overloaded,
        format!("the server is busy rendering pictures ({why}); try again in a moment"),
    )
}

fn render_error(e: medialib_media::MediaError) -> AppError {
    use medialib_media::MediaError;
    match e {
        MediaError::TooLarge { message, .. } => AppError::new(
            ErrorCode::TransformOverLimit,
            format!("the stored picture is over the image limits: {message}"),
        ),
        other => AppError {
            cause: Some(other.to_string()),
            ..AppError::new(
                ErrorCode::CorruptImage,
                "the stored picture could not be decoded for this transform",
            )
        },
    }
}

/// What a result depends on, hashed: the picture's content, the geometry the ops plan
/// (not their spelling: `w_5000` and `w_6000` of a 4000 px picture are one result), the
/// effects, the watermark's settings and content, the format and the pipeline version.
/// 32 hex characters.
fn cache_key(
    picture: &Picture,
    ops: &TransformOps,
    plan: &Plan,
    smart: bool,
    format: OutputFormat,
    mark: Option<&watermarks::Resolved>,
) -> String {
    let [left, top, w, h] = plan.crop;
    let geometry = if smart && (w < f64::from(picture.size.0) || h < f64::from(picture.size.1)) {
        format!("{}x{} salient {w:.1}x{h:.1}", plan.size.0, plan.size.1)
    } else {
        format!(
            "{}x{} at {left:.1},{top:.1} {w:.1}x{h:.1}",
            plan.size.0, plan.size.1
        )
    };
    let canvas = plan.canvas.map(|c| {
        let [r, g, b] = ops.pad_colour();
        format!(
            "pad {}x{}+{}+{} #{r:02x}{g:02x}{b:02x}",
            c.size.0, c.size.1, c.at.0, c.at.1
        )
    });
    let material = format!(
        "{}|{geometry}|{canvas:?}|q{:?}|blur{:?}|sharpen{}|wm{:?}|{}|v{PIPELINE_VERSION}",
        picture.sha256,
        ops.quality,
        ops.blur,
        ops.sharpen,
        mark.map(|m| &m.fingerprint),
        format.as_str()
    );
    hex::encode(&sha2::Sha256::digest(material.as_bytes())[..16])
}
