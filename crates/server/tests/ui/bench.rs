//! The library's speed at 10 000 assets, measured by the browser's own performance API
//! (first contentful paint, the first page of results' request) against the login page
//! of the same server, a page without data, as the reference. Long (it uploads 10 000
//! files first), so out of CI: `cargo test --release -p medialib-server --test ui --
//! --ignored --nocapture the_library_at_ten_thousand_assets`; BENCHMARKS.md has the
//! numbers.

use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, editor_with_password, spawn_app_with};
use crate::scroll::upload_pngs;

/// Page loads measured; the medians are reported.
const RUNS: usize = 9;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Loads `url` afresh and returns its first contentful paint and, when `api` is given,
/// the duration of its first request whose URL contains it, both in milliseconds.
async fn measure(browser: &Browser, url: &str, ready: &str, api: Option<&str>) -> (f64, f64) {
    browser.goto(url).await;
    // The paint entry arrives a frame after the page is ready.
    let painted =
        format!("({ready}) && performance.getEntriesByName('first-contentful-paint').length > 0");
    browser.wait_until("the page, painted", &painted).await;
    let timing = browser
        .run(
            "const paint = performance.getEntriesByName('first-contentful-paint')[0];
             const request = arguments[0] && performance.getEntriesByType('resource')
               .find((e) => e.name.includes(arguments[0]));
             return [paint.startTime, request ? request.responseEnd - request.startTime : 0];",
            vec![api.map_or(Value::Null, Value::from)],
        )
        .await;
    serde_json::from_value::<[f64; 2]>(timing).unwrap().into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: uploads 10 000 files first"]
async fn the_library_at_ten_thousand_assets() {
    let app = spawn_app_with(|_| {}, false).await;
    let seeding = std::time::Instant::now();
    upload_pngs(&app, 10_000).await;
    println!(
        "seeded 10 000 assets in {:.0} s",
        seeding.elapsed().as_secs_f64()
    );
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;

    let library = format!("{}/ui/", app.base);
    let login = format!("{}/ui/login", app.base);
    let (mut paints, mut pages, mut references) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (paint, page) = measure(
            &browser,
            &library,
            "document.querySelectorAll('#assets .asset-card').length === 48",
            Some("/api/v1/assets?"),
        )
        .await;
        paints.push(paint);
        pages.push(page);
        // The reference: a page of the same server, styles and scripts, without data.
        let (paint, _) = measure(
            &browser,
            &login,
            "document.getElementById('name') !== null",
            None,
        )
        .await;
        references.push(paint);
    }
    println!(
        "library at 10 000 assets ({RUNS} loads, medians): first contentful paint {:.0} ms \
         (login page, the reference: {:.0} ms); first page of 48 results {:.1} ms",
        median(paints),
        median(references),
        median(pages),
    );
    browser.close().await;
}
