//! Responsive markup: parsed as HTML (html5ever, through `scraper`), every URL in it
//! fetched and decoded at the width it claims.

use serde_json::Value;

use super::{PHOTO, app_with, asset, fetch, size_of};
use crate::helpers::TestApp;

async fn responsive(app: &TestApp, asset: &Value, query: &str) -> (u16, Value) {
    let id = asset["id"].as_str().unwrap();
    app.get_json(&format!("/api/v1/assets/{id}/responsive{query}"))
        .await
}

/// `url 320w, url 640w` → [(url, 320), (url, 640)].
fn candidates(srcset: &str) -> Vec<(String, u32)> {
    srcset
        .split(", ")
        .map(|item| {
            let (url, width) = item.rsplit_once(' ').unwrap();
            (url.to_owned(), width.trim_end_matches('w').parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn picture_markup_parses_and_every_candidate_is_what_it_claims() {
    let app = app_with(|_| {}).await;
    let photo = asset(&app, PHOTO, true).await;
    let id = photo["id"].as_str().unwrap();
    app.client
        .patch(app.url(&format!("/api/v1/assets/{id}")))
        .json(&serde_json::json!({"alt_text": "A \"quoted\" <lake> & hills"}))
        .send()
        .await
        .unwrap();

    let (status, markup) = responsive(&app, &photo, "?preset=card").await;
    assert_eq!(status, 200, "{markup}");
    assert_eq!(markup["widths"], serde_json::json!([400, 800]));
    assert_eq!(markup["sizes"], "(max-width: 400px) 100vw, 400px");
    assert_eq!(
        (markup["width"].as_u64(), markup["height"].as_u64()),
        (Some(400), Some(225))
    );

    let html = scraper::Html::parse_fragment(markup["html"].as_str().unwrap());
    assert!(html.errors.is_empty(), "{:?}", html.errors);
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    let sources: Vec<_> = html.select(&select("picture > source")).collect();
    let types: Vec<_> = sources.iter().map(|s| s.attr("type").unwrap()).collect();
    assert_eq!(types, ["image/avif", "image/webp"]);
    let img = html
        .select(&select("picture > img"))
        .next()
        .expect("an img");
    assert_eq!(img.attr("alt"), Some("A \"quoted\" <lake> & hills"));
    assert_eq!(
        (img.attr("width"), img.attr("height")),
        (Some("400"), Some("225"))
    );
    assert_eq!(img.attr("loading"), Some("lazy"));
    assert_eq!(img.attr("decoding"), Some("async"));
    let dominant = photo["placeholder"]["dominant_color"].as_str().unwrap();
    assert!(img.attr("style").unwrap().contains(dominant));

    // Every candidate answers with its format at its width, in the card's aspect.
    let mut checked = 0;
    for (element, mime) in sources
        .iter()
        .zip(["image/avif", "image/webp"])
        .chain([(&img, "image/jpeg")])
    {
        for (url, width) in candidates(element.attr("srcset").unwrap()) {
            let r = fetch(&app, &url, None).await;
            assert_eq!(r.status, 200, "{url}: {}", r.message);
            assert_eq!(r.header("content-type"), mime);
            let (w, h) = size_of(&r.body, mime);
            assert_eq!((w, h), (width, width * 225 / 400), "{url}");
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
    let src = fetch(&app, img.attr("src").unwrap(), None).await;
    assert_eq!(size_of(&src.body, "image/jpeg"), (400, 225));
}

#[tokio::test]
async fn the_ladder_stops_at_the_picture_and_bad_requests_name_the_problem() {
    let app = app_with(|_| {}).await;
    let photo = asset(&app, "images/camera/gps_DSCN0010.jpg", false).await;
    let width = photo["width"].as_u64().unwrap() as u32;
    let (status, markup) = responsive(&app, &photo, "").await;
    assert_eq!(status, 200, "{markup}");
    let widths: Vec<u32> = serde_json::from_value(markup["widths"].clone()).unwrap();
    assert!(
        widths.iter().all(|w| *w <= width) && widths.contains(&320),
        "{widths:?}"
    );
    // A private asset's URLs are signed and expire.
    let srcset = markup["sources"][0]["srcset"].as_str().unwrap();
    assert!(
        candidates(srcset)
            .iter()
            .all(|(url, _)| url.contains("&exp="))
    );
    let (url, _) = &candidates(srcset)[0];
    assert_eq!(fetch(&app, url, None).await.status, 200);

    for (query, status, names) in [
        ("?widths=0,320", 422, "\"0\""),
        ("?ops=w_100,zoom_2", 422, "zoom_2"),
        ("?preset=nope", 404, "nope"),
        ("?preset=card&ops=w_100", 422, "not both"),
        ("?ttl=0", 422, "ttl"),
    ] {
        let (got, body) = responsive(&app, &photo, query).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(names),
            "{body}"
        );
    }
}
