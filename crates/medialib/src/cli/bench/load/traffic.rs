//! The requests of `medialib bench load`: what uploaders and readers send, and how each
//! answer is counted (a latency, or an error of one class).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use medialib_core::transform::TransformOps;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::super::{Server, tus, upload_request};
use super::corpus::{Corpus, Seeded};

/// Longest a request (a whole tus upload: each of its requests) may take before it
/// counts as timed out.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The size of a tus `PATCH`: the corpus files take one to a few.
const TUS_CHUNK: usize = 64 * 1024;
/// Transform widths: with two formats, a few hundred distinct results over the pool,
/// so the run sees renders early and stored results later, as a CDN origin does.
const WIDTHS: [u32; 8] = [120, 240, 320, 480, 640, 800, 960, 1200];
/// Examples of failures kept per request type, for the report.
const EXAMPLES: usize = 3;

/// A request type of the report.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Multipart,
    Tus,
    Variant,
    Original,
    Range,
    Search,
    Transform,
    Listing,
}

impl Kind {
    pub(super) const ALL: [Kind; 8] = [
        Kind::Multipart,
        Kind::Tus,
        Kind::Variant,
        Kind::Original,
        Kind::Range,
        Kind::Search,
        Kind::Transform,
        Kind::Listing,
    ];

    /// What it is, in the report.
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Multipart => "upload, multipart POST",
            Kind::Tus => "upload, tus (create + PATCHes)",
            Kind::Variant => "variant",
            Kind::Original => "original",
            Kind::Range => "original, 64 KiB Range",
            Kind::Search => "search",
            Kind::Transform => "transform (/img)",
            Kind::Listing => "listing page",
        }
    }
}

/// How a request failed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// A 4xx answer.
    Client,
    /// A 5xx answer.
    Server,
    /// No complete answer: the connection failed, was reset or closed mid-answer.
    Dropped,
    /// No answer within [`TIMEOUT`].
    TimedOut,
    /// Another status than the expected one (a redirect, a 200 for a 201), or an
    /// answer without what it should carry.
    Unexpected,
}

/// A failed request: its class and what happened.
pub(super) struct Failure {
    class: Class,
    detail: String,
}

/// What one request type measured.
#[derive(Default)]
pub(super) struct Stats {
    /// Time to the last byte of each successful request.
    pub(super) times: Vec<Duration>,
    pub(super) client: u64,
    pub(super) server: u64,
    pub(super) dropped: u64,
    pub(super) timed_out: u64,
    pub(super) unexpected: u64,
    /// The first few failures, described.
    pub(super) examples: Vec<String>,
}

impl Stats {
    pub(super) fn errors(&self) -> u64 {
        self.client + self.server + self.dropped + self.timed_out + self.unexpected
    }
}

/// Counts by request type, in the order of [`Kind::ALL`].
#[derive(Default)]
pub(super) struct Tally([Stats; Kind::ALL.len()]);

impl Tally {
    pub(super) fn of(&self, kind: Kind) -> &Stats {
        &self.0[kind as usize]
    }

    fn record(&mut self, kind: Kind, took: Duration, result: Result<(), Failure>) {
        let stats = &mut self.0[kind as usize];
        let Err(failure) = result else {
            stats.times.push(took);
            return;
        };
        *match failure.class {
            Class::Client => &mut stats.client,
            Class::Server => &mut stats.server,
            Class::Dropped => &mut stats.dropped,
            Class::TimedOut => &mut stats.timed_out,
            Class::Unexpected => &mut stats.unexpected,
        } += 1;
        if stats.examples.len() < EXAMPLES {
            stats.examples.push(failure.detail);
        }
    }

    pub(super) fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            mine.times.extend(theirs.times);
            mine.client += theirs.client;
            mine.server += theirs.server;
            mine.dropped += theirs.dropped;
            mine.timed_out += theirs.timed_out;
            mine.unexpected += theirs.unexpected;
            let room = EXAMPLES.saturating_sub(mine.examples.len());
            mine.examples.extend(theirs.examples.into_iter().take(room));
        }
    }
}

/// Running totals for the progress bar.
#[derive(Default)]
pub(super) struct Live {
    pub(super) requests: AtomicU64,
    pub(super) uploads: AtomicU64,
    pub(super) failures: AtomicU64,
}

/// What every uploader and reader shares.
pub(super) struct Traffic {
    pub(super) server: Arc<Server>,
    pub(super) client: reqwest::Client,
    pub(super) corpus: Corpus,
    /// The seeded assets the readers read.
    pub(super) pool: Vec<Seeded>,
    /// The paths of all their variants.
    pub(super) variants: Vec<String>,
    /// Those of them that have a picture, by index in `pool`.
    pub(super) pictured: Vec<usize>,
    /// When request loops stop starting requests.
    pub(super) deadline: Instant,
    pub(super) live: Live,
}

impl Traffic {
    pub(super) fn new(
        server: Arc<Server>,
        client: reqwest::Client,
        corpus: Corpus,
        pool: Vec<Seeded>,
        deadline: Instant,
    ) -> anyhow::Result<Traffic> {
        let variants: Vec<String> = pool.iter().flat_map(|a| a.variants.clone()).collect();
        let pictured: Vec<usize> = (0..pool.len()).filter(|&i| pool[i].picture).collect();
        if variants.is_empty() || pictured.is_empty() {
            anyhow::bail!("no seeded asset has variants to read and transform");
        }
        Ok(Traffic {
            server,
            client,
            corpus,
            pool,
            variants,
            pictured,
            deadline,
            live: Live::default(),
        })
    }

    fn record(&self, tally: &mut Tally, kind: Kind, took: Duration, result: Result<(), Failure>) {
        self.live.requests.fetch_add(1, Ordering::Relaxed);
        if result.is_err() {
            self.live.failures.fetch_add(1, Ordering::Relaxed);
        }
        tally.record(kind, took, result);
    }
}

/// Uploader `index`: until the deadline, the next corpus file made unique, by multipart
/// and by tus in turn.
pub(super) async fn uploader(traffic: Arc<Traffic>, index: usize) -> Tally {
    let mut tally = Tally::default();
    let mut round = 0;
    while Instant::now() < traffic.deadline {
        let turn = index + round;
        let (name, bytes) = traffic.corpus.copy(turn);
        // The protocol flips with every pass through the mix too, so that each file goes
        // by both (the mix has an even length).
        let tus = !(turn + turn / traffic.corpus.files()).is_multiple_of(2);
        let started = Instant::now();
        let (kind, result) = if tus {
            (Kind::Tus, upload_with_tus(&traffic, &name, bytes).await)
        } else {
            let request = upload_request(&traffic.client, &traffic.server, &name, bytes);
            (Kind::Multipart, exchange(request, 201).await.map(drop))
        };
        traffic.live.uploads.fetch_add(1, Ordering::Relaxed);
        traffic.record(&mut tally, kind, started.elapsed(), result);
        round += 1;
    }
    tally
}

/// A whole tus upload: create, then `PATCH`es of [`TUS_CHUNK`] bytes.
async fn upload_with_tus(traffic: &Traffic, name: &str, bytes: Vec<u8>) -> Result<(), Failure> {
    let (client, server) = (&traffic.client, &*traffic.server);
    let created = exchange(tus::create(client, server, bytes.len() as u64, name), 201).await?;
    let location = tus::location(&created).ok_or_else(|| unexpected("creation: no Location"))?;
    for (n, chunk) in bytes.chunks(TUS_CHUNK).enumerate() {
        let offset = (n * TUS_CHUNK) as u64;
        let patch = tus::patch(client, server, &location, offset).body(chunk.to_vec());
        let answered = exchange(patch, 204).await?;
        let last = offset as usize + chunk.len() == bytes.len();
        if last && tus::asset_id(&answered).is_none() {
            return Err(unexpected("the last PATCH named no asset"));
        }
    }
    Ok(())
}

/// Reader `index`: until the deadline, one request of each reading type in turn, on
/// seeded assets picked by a pseudo-random walk.
pub(super) async fn reader(traffic: Arc<Traffic>, index: usize) -> Tally {
    const TURNS: [Kind; 5] = [
        Kind::Variant,
        Kind::Original,
        Kind::Search,
        Kind::Transform,
        Kind::Listing,
    ];
    let mut tally = Tally::default();
    let mut state = index as u64 + 1;
    let mut round = index;
    while Instant::now() < traffic.deadline {
        let pick = next(&mut state);
        let asset = pick_from(&traffic.pool, pick);
        let mut kind = TURNS[round % TURNS.len()];
        // Every other original is a range request, from the middle of the file.
        if kind == Kind::Original && (round / TURNS.len()) % 2 == 1 {
            kind = Kind::Range;
        }
        let path = match kind {
            Kind::Variant => pick_from(&traffic.variants, pick).clone(),
            Kind::Original | Kind::Range => asset.original.clone(),
            Kind::Search => format!("/api/v1/assets?q={}&limit=20", asset.word),
            Kind::Transform => {
                let pictured = &traffic.pool[*pick_from(&traffic.pictured, pick)];
                transform_path(pictured, pick)
            }
            Kind::Listing => listing_path(round),
            Kind::Multipart | Kind::Tus => unreachable!("readers do not upload"),
        };
        let mut request = traffic.client.get(traffic.server.url(&path));
        let mut expected = 200;
        if kind == Kind::Range {
            let from = asset.size / 2;
            let to = (from + 65_535).min(asset.size.saturating_sub(1));
            request = request.header("Range", format!("bytes={from}-{to}"));
            expected = 206;
        }
        let started = Instant::now();
        let result = exchange(request, expected).await.map(drop);
        traffic.record(&mut tally, kind, started.elapsed(), result);
        round += 1;
    }
    tally
}

/// An ad-hoc transform of the asset's picture: a width of [`WIDTHS`], WebP or JPEG.
fn transform_path(asset: &Seeded, pick: u64) -> String {
    let ops = TransformOps {
        width: Some(*pick_from(&WIDTHS, pick >> 8)),
        quality: Some(80),
        dpr: 1,
        ..TransformOps::default()
    };
    let ext = if (pick >> 16).is_multiple_of(2) {
        "webp"
    } else {
        "jpg"
    };
    // The canonical form (`Display`), so the server answers 200 rather than a 301.
    format!("/img/{}/{}/{ops}/load.{ext}", asset.id, asset.rev)
}

/// The first page of the library, newest first, in turn of all kinds and images only.
fn listing_path(round: usize) -> String {
    let filter = if round.is_multiple_of(2) {
        ""
    } else {
        "&kind=image"
    };
    format!("/api/v1/assets?sort=-created_at&limit=50{filter}")
}

/// One of `items`, by `pick`.
fn pick_from<T>(items: &[T], pick: u64) -> &T {
    &items[(pick % items.len() as u64) as usize]
}

/// The next number of a splitmix64 sequence: a fixed, well-spread walk per reader.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Sends `request` with the [`TIMEOUT`] and reads the whole answer; its headers when
/// the status is `expected`.
async fn exchange(request: reqwest::RequestBuilder, expected: u16) -> Result<HeaderMap, Failure> {
    let response = request.timeout(TIMEOUT).send().await.map_err(failed)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(failed)?;
    if status == expected {
        return Ok(headers);
    }
    let class = match status.as_u16() {
        400..=499 => Class::Client,
        500..=599 => Class::Server,
        _ => Class::Unexpected,
    };
    let body = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    Err(Failure {
        class,
        detail: format!("{status} (expected {expected}): {body}"),
    })
}

/// A request that got no complete answer.
fn failed(e: reqwest::Error) -> Failure {
    let class = if e.is_timeout() {
        Class::TimedOut
    } else {
        Class::Dropped
    };
    // The chain says why (connection reset, closed before the message completed).
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Failure { class, detail }
}

fn unexpected(detail: &str) -> Failure {
    Failure {
        class: Class::Unexpected,
        detail: detail.to_owned(),
    }
}

/// The assets the readers read: uploaded from the corpus before the timed phase, public
/// (delivery and transforms need no signature) and processed.
pub(super) async fn seed(
    client: &reqwest::Client,
    server: &Server,
    corpus: &Corpus,
    count: usize,
) -> anyhow::Result<Vec<Seeded>> {
    let bar = super::super::super::import::progress(count as u64 * 2, "seeding");
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let (name, bytes) = corpus.copy(n);
        let asset = super::super::upload(client, server, &name, bytes).await?;
        ids.push((asset["id"].as_str().unwrap_or_default().to_owned(), name));
        bar.inc(1);
    }
    let mut pool = Vec::with_capacity(count);
    for (id, name) in ids {
        let asset: Value = super::super::publish(client, server, &id, true).await?;
        pool.push(Seeded::from_asset(&asset, &name)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(pool)
}
