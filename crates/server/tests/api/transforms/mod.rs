//! On-the-fly transforms over HTTP (`/img/…`): ops and formats checked by decoding, format
//! negotiation, canonical URLs, bad input, coalescing and overload. Access rules are in
//! `access.rs`, stored results in `derivatives.rs`, markup in `responsive.rs`, watermarks
//! in `watermarks.rs`.

mod access;
mod derivatives;
mod responsive;
mod watermarks;

use std::time::Duration;

use medialib_core::Settings;
use medialib_core::config::{TransformPreset, Unsigned};
use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, spawn_app_with};

/// The corpus's 12 MP camera photo (4032×3024).
pub const PHOTO: &str = "images/large/olympus_E-P3_12MP.jpg";

/// A response to an anonymous fetch.
pub struct Fetched {
    pub status: u16,
    /// The error code, empty on success.
    pub code: String,
    pub message: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Fetched {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

/// Fetches `url` (a path and query) without a token, with `accept` when given, not
/// following redirects.
pub async fn fetch(app: &TestApp, url: &str, accept: Option<&str>) -> Fetched {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(app.url(url));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap().to_vec();
    let (code, message) = match status {
        400.. => {
            let error: Value = serde_json::from_slice(&body).unwrap();
            (
                error["error"]["code"].as_str().unwrap().to_owned(),
                error["error"]["message"].as_str().unwrap().to_owned(),
            )
        }
        _ => Default::default(),
    };
    Fetched {
        status,
        code,
        message,
        headers,
        body,
    }
}

/// A server whose transform settings are tweaked, with a `card` preset.
pub async fn app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(
        |s| {
            s.transforms.presets.insert(
                "card".into(),
                TransformPreset {
                    ops: "w_400,h_225,c_fill,g_auto".into(),
                },
            );
            tweak(s);
        },
        true,
    )
    .await
}

/// Uploads a corpus file, makes it public when asked, waits for processing; the asset.
pub async fn asset(app: &TestApp, file: &str, public: bool) -> Value {
    let (status, asset) = app.upload(&corpus().join(file)).await;
    assert!(status == 201 || status == 200, "{asset}");
    let id = asset["id"].as_str().unwrap().to_owned();
    if public {
        publish(app, &id).await;
    }
    app.wait_processed(&id, Duration::from_secs(60)).await
}

/// Makes asset `id` public.
pub async fn publish(app: &TestApp, id: &str) {
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/assets/{id}")))
        .json(&json!({"is_public": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// `/img/{id}/{rev}/{ops}/pic.{ext}`.
pub fn img(asset: &Value, ops: &str, ext: &str) -> String {
    format!(
        "/img/{}/{}/{ops}/pic.{ext}",
        asset["id"].as_str().unwrap(),
        asset["rev"].as_str().unwrap()
    )
}

/// Width and height of an encoded picture: by the `image` crate, or libheif for AVIF.
pub fn size_of(bytes: &[u8], content_type: &str) -> (u32, u32) {
    if content_type == "image/avif" {
        assert_eq!(&bytes[4..12], b"ftypavif");
        let limits = medialib_media::ImageLimits::default();
        let info =
            medialib_media::validate(bytes, medialib_media::ImageFormat::Avif, &limits).unwrap();
        return (info.width, info.height);
    }
    let image = image::load_from_memory(bytes).unwrap();
    (image.width(), image.height())
}

#[tokio::test]
async fn each_op_gives_its_size_and_format() {
    let app = app_with(|s| s.transforms.unsigned = Unsigned::All).await;
    let photo = asset(&app, PHOTO, true).await;
    assert_eq!(photo["rev"].as_str().unwrap().len(), 10);
    for (ops, ext, size, mime) in [
        ("w_150,h_150,c_fill,q_80", "jpg", (150, 150), "image/jpeg"),
        ("w_1200,h_1200", "webp", (1200, 900), "image/webp"),
        ("w_300,h_100,c_fit", "png", (133, 100), "image/png"),
        (
            "w_200,h_200,c_pad,bg_000000",
            "jpg",
            (200, 200),
            "image/jpeg",
        ),
        ("w_100,dpr_3", "jpg", (300, 225), "image/jpeg"),
        (
            "w_320,h_320,c_fill,g_auto,blur_5",
            "webp",
            (320, 320),
            "image/webp",
        ),
        (
            "w_320,h_180,c_fill,g_ne,sharpen",
            "jpg",
            (320, 180),
            "image/jpeg",
        ),
        (
            "w_320,h_180,c_fill,g_fp:0.2:0.8",
            "jpg",
            (320, 180),
            "image/jpeg",
        ),
        ("w_640", "avif", (640, 480), "image/avif"),
        ("_", "jpg", (4032, 3024), "image/jpeg"),
    ] {
        let r = fetch(&app, &img(&photo, ops, ext), None).await;
        assert_eq!(r.status, 200, "{ops}: {}", r.message);
        assert_eq!(r.header("content-type"), mime, "{ops}");
        assert_eq!(size_of(&r.body, mime), size, "{ops}");
        assert_eq!(
            r.header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert!(r.header("etag").starts_with('"'));
        assert_eq!(r.header("vary"), "", "explicit formats do not vary");
    }
    // A video's poster, a PDF's first page: every asset with a picture.
    let clip_dir = tempfile::tempdir().unwrap();
    let clip = crate::helpers::generated_clip(clip_dir.path(), 2);
    let (status, video) = app.upload(&clip).await;
    assert_eq!(status, 201, "{video}");
    let id = video["id"].as_str().unwrap();
    publish(&app, id).await;
    let video = app.wait_processed(id, Duration::from_secs(120)).await;
    let r = fetch(&app, &img(&video, "w_320", "png"), None).await;
    assert_eq!(r.status, 200, "{}", r.message);
    assert_eq!(size_of(&r.body, "image/png"), (320, 180));
    // A page is kept at 2048 px (its `poster`), so a transform is sharp beyond the
    // 800 px a portrait page's largest variant has.
    let pdf = asset(&app, "docs/pdflatex-image.pdf", true).await;
    let poster = pdf["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "poster" && v["format"] == "jpeg")
        .unwrap_or_else(|| panic!("a page poster: {pdf}"));
    assert_eq!(poster["height"], 2048, "{poster}");
    let r = fetch(&app, &img(&pdf, "w_1200", "jpg"), None).await;
    assert_eq!(r.status, 200, "{}", r.message);
    let (width, height) = size_of(&r.body, "image/jpeg");
    assert_eq!(width, 1200);
    assert!(height > width, "a portrait page: {width}×{height}");
}

#[tokio::test]
async fn auto_picks_the_format_from_accept_and_varies_on_it() {
    let app = app_with(|_| {}).await;
    let photo = asset(&app, PHOTO, true).await;
    let url = img(&photo, "p_card", "auto");
    for (accept, mime) in [
        (
            "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
            "image/avif",
        ),
        (
            "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
            "image/avif",
        ),
        ("image/avif,image/webp,*/*", "image/avif"),
        ("image/webp,*/*", "image/webp"),
        ("*/*", "image/jpeg"),
    ] {
        let r = fetch(&app, &url, Some(accept)).await;
        assert_eq!(r.status, 200, "{accept}: {}", r.message);
        assert_eq!(r.header("content-type"), mime, "{accept}");
        assert_eq!(r.header("vary"), "Accept");
        assert_eq!(size_of(&r.body, mime), (400, 225));
    }
    // One stored result per resolved format, never per Accept string.
    let (_, list) = app
        .get_json(&format!(
            "/api/v1/assets/{}/derivatives",
            photo["id"].as_str().unwrap()
        ))
        .await;
    let mut formats: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["format"].as_str().unwrap())
        .collect();
    formats.sort();
    assert_eq!(formats, ["avif", "jpeg", "webp"]);
}

#[tokio::test]
async fn urls_are_canonical_and_follow_the_revision() {
    let app = app_with(|s| s.transforms.unsigned = Unsigned::All).await;
    let photo = asset(&app, PHOTO, true).await;
    let r = fetch(
        &app,
        &format!("{}?x=1", img(&photo, "h_100,c_limit,w_100,dpr_1", "jpg")),
        None,
    )
    .await;
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        format!("{}?x=1", img(&photo, "w_100,h_100", "jpg"))
    );
    let r = fetch(&app, &img(&photo, "c_limit", "webp"), None).await;
    assert_eq!(r.header("location"), img(&photo, "_", "webp"));

    let stale = img(&photo, "w_100", "jpg").replace(photo["rev"].as_str().unwrap(), "0123456789");
    let r = fetch(&app, &stale, None).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), img(&photo, "w_100", "jpg"));

    // w_5000 and w_6000 of a 4032 px picture are one picture, rendered once.
    let a = fetch(&app, &img(&photo, "w_5000", "jpg"), None).await;
    let b = fetch(&app, &img(&photo, "w_6000", "jpg"), None).await;
    assert_eq!(a.header("x-transform-cache"), "miss");
    assert_eq!(b.header("x-transform-cache"), "hit");
    assert_eq!(a.header("etag"), b.header("etag"));
}

#[tokio::test]
async fn bad_input_gets_a_clear_refusal() {
    let app = app_with(|s| {
        s.transforms.unsigned = Unsigned::All;
        s.transforms.max_side = 2000;
    })
    .await;
    let photo = asset(&app, PHOTO, true).await;
    for (ops, ext, status, code, names) in [
        ("w_abc", "jpg", 400, "invalid_transform", "w_abc"),
        ("w_100,zoom_2", "jpg", 400, "invalid_transform", "zoom_2"),
        ("w_100,c_fill", "jpg", 400, "invalid_transform", "c_fill"),
        ("w_100", "gif", 400, "invalid_transform", ".gif"),
        ("p_nope", "jpg", 404, "not_found", "nope"),
        ("w_100,wm_logo", "jpg", 404, "not_found", "logo"),
        ("w_3000,c_fit", "jpg", 422, "over_limit", "2000"),
        ("w_800,dpr_3", "jpg", 422, "over_limit", "2400"),
    ] {
        let r = fetch(&app, &img(&photo, ops, ext), None).await;
        assert_eq!(
            (r.status, r.code.as_str()),
            (status, code),
            "{ops}.{ext}: {}",
            r.message
        );
        assert!(r.message.contains(names), "{ops}: {}", r.message);
    }
    // An asset without a picture.
    let (_, text) = app
        .upload_bytes("notes.txt", b"just some words\n".to_vec())
        .await;
    let id = text["id"].as_str().unwrap();
    publish(&app, id).await;
    let text = app.wait_processed(id, Duration::from_secs(30)).await;
    let r = fetch(&app, &img(&text, "w_100", "jpg"), None).await;
    assert_eq!((r.status, r.code.as_str()), (404, "no_picture"));
    // Nothing half-made was left behind.
    let (_, list) = app
        .get_json(&format!(
            "/api/v1/assets/{}/derivatives",
            photo["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn identical_requests_at_once_render_once() {
    let app = app_with(|s| s.transforms.unsigned = Unsigned::All).await;
    let photo = asset(&app, PHOTO, true).await;
    let url = img(&photo, "w_1600,q_70", "webp");
    let requests = (0..20).map(|_| fetch(&app, &url, None));
    let responses = futures_util::future::join_all(requests).await;
    let outcomes: Vec<&str> = responses
        .iter()
        .map(|r| r.header("x-transform-cache"))
        .collect();
    assert!(responses.iter().all(|r| r.status == 200));
    assert_eq!(
        outcomes.iter().filter(|o| **o == "miss").count(),
        1,
        "{outcomes:?}"
    );
    let etag = responses[0].header("etag");
    assert!(responses.iter().all(|r| r.header("etag") == etag));
}

#[tokio::test]
async fn overload_answers_503_with_retry_after() {
    let app = app_with(|s| {
        s.transforms.unsigned = Unsigned::All;
        s.transforms.max_concurrent = 1;
        s.transforms.max_queued = 1;
    })
    .await;
    let photo = asset(&app, PHOTO, true).await;
    // Six different renders of the 12 MP original at once: one runs, one waits, the rest
    // are turned away at once.
    let requests = (0..6).map(|i| {
        let url = img(&photo, &format!("w_{},q_9{i}", 2000 + i), "avif");
        let app = &app;
        async move { fetch(app, &url, None).await }
    });
    let responses = futures_util::future::join_all(requests).await;
    let refused: Vec<&Fetched> = responses.iter().filter(|r| r.status == 503).collect();
    assert!(
        refused.len() >= 3,
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in refused {
        assert_eq!(r.code, "overloaded");
        assert_eq!(r.header("retry-after"), "2");
    }
    assert!(responses.iter().any(|r| r.status == 200));
}

#[tokio::test]
async fn ingest_makes_avif_variants_when_asked() {
    let app = app_with(|s| {
        s.images.formats.push(medialib_core::OutputFormat::Avif);
    })
    .await;
    let photo = asset(&app, PHOTO, true).await;
    let id = photo["id"].as_str().unwrap();
    let (_, variants) = app.get_json(&format!("/api/v1/assets/{id}/variants")).await;
    let avif: Vec<&Value> = variants["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["format"] == "avif")
        .collect();
    assert_eq!(avif.len(), 5, "{variants}");
    let r = fetch(&app, &format!("/variants/{id}/thumbnail.avif"), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "image/avif");
    assert_eq!(size_of(&r.body, "image/avif"), (150, 150));
}
