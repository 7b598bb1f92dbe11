//! The library on a phone (390×844): the header is one row, the filters fold behind a
//! "Filters" button, the first asset shows without scrolling, two cards a row, each
//! picture from a variant at least as wide as its card.

use serde_json::json;

use crate::browser::PHONE;
use crate::helpers::spawn_app;
use crate::library::signed_in_with_three;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_fits_a_phone() {
    let app = spawn_app().await;
    let (browser, _) = signed_in_with_three(&app).await;
    browser
        .wait_until(
            "three thumbnails",
            "document.querySelectorAll('#assets .thumb.loaded').length === 3",
        )
        .await;
    browser.resize(PHONE).await;
    let layout = browser
        .run(
            "const header = document.querySelector('header.top').getBoundingClientRect();
             const link = document.querySelector('header.top nav a').getBoundingClientRect();
             const first = document.querySelector('#assets .asset-card').getBoundingClientRect();
             const columns = getComputedStyle(document.getElementById('assets'))
               .gridTemplateColumns.split(' ').length;
             return {
               oneRow: header.height < link.height * 1.8,
               firstShown: first.top >= 0 && first.top + first.height / 2 <= innerHeight,
               columns,
               kindShown: document.getElementById('kind').checkVisibility(),
             };",
            vec![],
        )
        .await;
    assert_eq!(
        layout,
        json!({"oneRow": true, "firstShown": true, "columns": 2, "kindShown": false}),
        "the library on a phone"
    );

    // The filters open from their button, which says how many are in use.
    browser.click(".filters-toggle").await;
    let open = browser
        .run(
            "return [document.getElementById('kind').checkVisibility(),
                     document.querySelector('.filters-toggle').getAttribute('aria-expanded')]",
            vec![],
        )
        .await;
    assert_eq!(open, json!([true, "true"]));
    browser
        .find("#kind")
        .await
        .select_by_value("image")
        .await
        .unwrap();
    browser
        .wait_until(
            "the filter counted",
            "document.querySelector('.filters-toggle').textContent === 'Filters (1)'",
        )
        .await;
    browser.screenshot("library-phone-filters").await;

    // No picture is drawn larger than its file (the two photos are larger than any card;
    // the cards crop them square).
    browser
        .wait_until(
            "the photos loaded",
            "[...document.querySelectorAll('#assets .thumb img')].filter((i) => i.complete && i.naturalWidth).length === 3",
        )
        .await;
    // `naturalWidth` of an image from a `srcset` is divided by the density chosen, so
    // each file's own pixels are read from a fresh image of it.
    let upscaled = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const imgs = [...document.querySelectorAll('#assets .asset-card')]
               .filter((card) => !card.textContent.includes('transparent_rgba'))
               .map((card) => card.querySelector('.thumb img'));
             Promise.all(imgs.map(async (img) => {
               const file = new Image();
               file.src = img.currentSrc;
               await file.decode();
               const scale = Math.max(img.clientWidth / file.naturalWidth,
                 img.clientHeight / file.naturalHeight) * devicePixelRatio;
               return scale > 1.01 ? `${img.currentSrc}: ${file.naturalWidth}×${file.naturalHeight} in ${img.clientWidth}px` : null;
             })).then((found) => done(found.filter(Boolean)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(upscaled, json!([]), "thumbnails drawn larger than they are");
    browser.close().await;
}
