//! Previews that show the media as it is: a transparent picture on a checkerboard (not
//! its dark placeholder), the exposure as photographers write it and one capture date,
//! a password-protected PDF said so on its page and its card, a song's waveform on its
//! card and as its seek bar, glTF and STL models in an orbit viewer, a PDF page by page.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TOKEN, corpus, editor_with_password, spawn_app};

/// Uploads a corpus file as the admin and waits until it is processed; returns the asset.
pub(crate) async fn processed(app: &crate::helpers::TestApp, path: &str) -> serde_json::Value {
    let bytes = std::fs::read(corpus().join(path)).unwrap();
    let name = path.rsplit('/').next().unwrap();
    let (status, asset) = app.upload_as(TOKEN, name, bytes).await;
    assert_eq!(status, 201, "{path}: {asset}");
    let id = asset["id"].as_str().unwrap();
    app.wait_processed(id, std::time::Duration::from_secs(60))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previews_show_the_media_as_it_is() {
    let app = spawn_app().await;
    let photo = processed(&app, "images/camera/gps_DSCN0010.jpg").await;
    let clear = processed(&app, "images/png/transparent_rgba.png").await;
    let locked = processed(&app, "docs/bad/libreoffice-writer-password.pdf").await;
    let song = processed(&app, "audio/mp3_vbr_music.mp3").await;
    let model = processed(&app, "models3d/Duck.glb").await;
    let paper = processed(&app, "docs/pdflatex-4-pages.pdf").await;
    let printable = processed(&app, "models3d/Spider_binary.stl").await;
    assert_eq!(locked["metadata"]["encrypted"], true, "{locked}");
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;
    browser
        .wait_until(
            "three cards",
            "document.querySelectorAll('#assets .asset-card').length === 7",
        )
        .await;
    let badge = browser
        .run(
            "return document.querySelector(`#assets li[data-id='${arguments[0]}'] .badge`)?.textContent",
            vec![locked["id"].clone()],
        )
        .await;
    assert_eq!(badge, "🔒 Password-protected");
    // Each card says who may see it and who uploaded it.
    let line = browser
        .run(
            "return document.querySelector(`#assets li[data-id='${arguments[0]}'] .visibility`).textContent",
            vec![locked["id"].clone()],
        )
        .await;
    let uploader = locked["uploaded_by_name"]
        .as_str()
        .expect("the uploader's name");
    assert_eq!(line, format!("Private · uploaded by {uploader}"));
    // The song without cover art shows its waveform on its card.
    let waveform = browser
        .run(
            "return document.querySelector(`#assets li[data-id='${arguments[0]}'] .thumb.waveform-thumb img`)?.src ?? null",
            vec![song["id"].clone()],
        )
        .await;
    assert!(
        waveform
            .as_str()
            .is_some_and(|src| src.contains("waveform")),
        "{waveform}"
    );

    // The photo: its exposure as a fraction of a second, and "taken" once.
    let page = |id: &serde_json::Value| format!("{}/ui/assets/{}", app.base, id.as_str().unwrap());
    browser.goto(&page(&photo["id"])).await;
    browser
        .wait_until("the metadata", "document.querySelector('dl.facts')")
        .await;
    let facts = browser
        .run(
            "const terms = [...document.querySelectorAll('dl.facts dt')];
             const value = (name) => terms.find((t) => t.textContent === name)?.nextElementSibling.textContent;
             return { taken: terms.filter((t) => t.textContent.startsWith('taken')).length,
                      exposure: value('exposure') ?? null };",
            vec![],
        )
        .await;
    let seconds = photo["metadata"]["exposure_time_s"].as_f64();
    let expected = seconds.map(|s| format!("1/{} s", (1.0 / s).round()));
    assert_eq!(facts, json!({"taken": 1, "exposure": expected}), "{photo}");

    // The transparent picture: a checkerboard behind it.
    browser.goto(&page(&clear["id"])).await;
    browser
        .wait_until("the preview", "document.querySelector('.preview img')")
        .await;
    let background = browser
        .run(
            "return getComputedStyle(document.querySelector('.preview')).backgroundImage",
            vec![],
        )
        .await;
    assert!(
        background.as_str().unwrap().contains("conic-gradient"),
        "{background}"
    );
    browser.check_page("asset-transparent").await;

    // The protected PDF: said in a sentence where the preview would be.
    browser.goto(&page(&locked["id"])).await;
    browser
        .wait_until("the preview", "document.querySelector('.preview')")
        .await;
    assert_eq!(
        browser.texts(".preview").await,
        ["Password-protected PDF: no preview. The file itself is kept as it was uploaded."]
    );
    browser.check_page("asset-password-pdf").await;

    // The song's waveform is its seek bar: a click halfway plays from halfway.
    browser.goto(&page(&song["id"])).await;
    browser
        .wait_until(
            "the seek bar",
            "document.querySelector('.waveform img')?.complete",
        )
        .await;
    browser.click("#seek").await;
    let position = browser
        .run(
            "const audio = document.querySelector('.preview audio');
             return [audio.currentTime / arguments[0],
                     parseFloat(document.querySelector('.waveform').style.getPropertyValue('--played'))];",
            vec![song["duration_s"].clone()],
        )
        .await;
    let [at, shaded]: [f64; 2] = serde_json::from_value(position).unwrap();
    assert!((at - 0.5).abs() < 0.05, "played from {at} of the song");
    assert!((shaded - 50.0).abs() < 5.0, "{shaded}% shaded");
    browser.check_page("asset-audio").await;

    // The glTF model turns in an orbit viewer, which loads it.
    browser.goto(&page(&model["id"])).await;
    browser
        .wait_until(
            "the model loaded in its viewer",
            "document.querySelector('model-viewer')?.loaded === true",
        )
        .await;
    browser.check_page("asset-model").await;

    // An STL model turns too, from the server's glTF form of it.
    browser.goto(&page(&printable["id"])).await;
    browser
        .wait_until(
            "the STL model loaded in its viewer",
            "document.querySelector('model-viewer')?.loaded === true && \
             document.querySelector('model-viewer').src.endsWith('/model.glb')",
        )
        .await;
    browser.screenshot("asset-model-stl").await;

    // The PDF pages through: page 2 is rendered when asked.
    browser.goto(&page(&paper["id"])).await;
    browser
        .wait_until(
            "page 1",
            "document.getElementById('page-number')?.textContent === 'Page 1 of 4'",
        )
        .await;
    browser.click("#page-next").await;
    browser
        .wait_until(
            "page 2 shown",
            "document.getElementById('page-number').textContent === 'Page 2 of 4' && \
             document.getElementById('page').currentSrc.includes('/pages/2') && \
             document.getElementById('page').complete && \
             document.getElementById('page').naturalWidth > 0",
        )
        .await;
    browser.check_page("asset-pdf-page-2").await;
    browser.close().await;
}
