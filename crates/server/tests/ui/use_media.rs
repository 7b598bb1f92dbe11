//! "Use this media" on the asset page of a private picture: the link at a chosen width and
//! format, the <picture> snippet and the original's link all work for someone without
//! an account (they are signed), checked by fetching them. A selection downloads as one
//! ZIP file.

use std::io::Cursor;

use medialib_core::NamespaceId;
use medialib_core::access::Role;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, editor_with_password, join, spawn_app};

/// An 800×600 picture with a gradient, so its encodings differ by size.
fn picture() -> Vec<u8> {
    let image = image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([(x / 4) as u8, (y / 3) as u8, 90])
    });
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

/// Clicks `button` and returns what the panel then shows as copied.
async fn copied(browser: &Browser, button: &str) -> String {
    browser
        .run("document.getElementById('use-output').value = '';", vec![])
        .await;
    browser.click(button).await;
    // A browser refusing the clipboard asks with a prompt instead: answer it.
    let _ = browser.client.accept_alert().await;
    browser
        .wait_until(
            "the copied text",
            "document.getElementById('use-output').value",
        )
        .await;
    let value = browser
        .run(
            "return document.getElementById('use-output').value;",
            vec![],
        )
        .await;
    value.as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_pictures_links_work_for_anyone_until_they_expire() {
    let app = spawn_app().await;
    let user = editor_with_password(&app, "writer").await;
    let token = join(&app, user, NamespaceId(1), Role::Editor).await;
    let original = picture();
    let (status, asset) = app
        .upload_as(&token, "gradient.png", original.clone())
        .await;
    assert_eq!(status, 201, "{asset}");
    assert_eq!(asset["is_public"], false);
    let id = asset["id"].as_str().unwrap().to_owned();
    app.wait_processed(&id, std::time::Duration::from_secs(30))
        .await;

    let browser = Browser::start().await;
    browser.sign_in(&app.base, "writer", PASSWORD).await;
    browser.goto(&format!("{}/ui/assets/{id}", app.base)).await;
    browser
        .wait_until("the use panel", "document.getElementById('use-copy-link')")
        .await;
    browser.check_page("asset-use").await;
    let anyone = reqwest::Client::new();

    browser
        .run(
            "document.getElementById('use-width').value = '640'; \
             document.getElementById('use-format').value = 'webp';",
            vec![],
        )
        .await;
    let link = copied(&browser, "#use-copy-link").await;
    assert!(link.contains("/img/") && link.contains("exp="), "{link}");
    let response = anyone.get(&link).send().await.unwrap();
    assert_eq!(response.status(), 200, "{link}");
    assert_eq!(response.headers()["content-type"], "image/webp");
    let image = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (640, 480));

    let snippet = copied(&browser, "#use-copy-snippet").await;
    assert!(
        snippet.starts_with("<picture") && snippet.contains("srcset"),
        "{snippet}"
    );

    let link = copied(&browser, "#use-copy-original").await;
    let response = anyone.get(&link).send().await.unwrap();
    assert_eq!(response.status(), 200, "{link}");
    assert!(response.bytes().await.unwrap() == original);
    let plain = anyone
        .get(app.url(&format!("/files/{id}/gradient.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 401, "the unsigned URL stays private");
    browser.close().await;
}

/// A selection downloads as one ZIP file with its progress on the page; the file the
/// browser saves holds the originals, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selection_downloads_as_one_zip() {
    let app = spawn_app().await;
    let (browser, ids) = crate::library::signed_in_with_three(&app).await;
    browser.click("#select-shown").await;
    browser
        .wait_until(
            "three chosen",
            "document.getElementById('bulk-count').textContent === '3 selected'",
        )
        .await;
    browser.click("#bulk-download").await;
    browser
        .wait_until(
            "the download done",
            "document.querySelector('.download-progress')?.textContent.startsWith('Downloaded medialib-3-assets.zip') && \
             document.querySelector('.download-progress progress').value === 1",
        )
        .await;
    browser.screenshot("library-download").await;

    let saved = browser.downloads.path().join("medialib-3-assets.zip");
    let mut waited = 0;
    while !saved.exists() && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let archive = std::fs::read(&saved).expect("the saved ZIP file");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.zip");
    std::fs::write(&path, archive).unwrap();
    let listed = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist(): print(i.filename, i.file_size)",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let mut listed: Vec<String> = String::from_utf8(listed.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    listed.sort();
    let mut expected = Vec::new();
    for id in &ids {
        let (_, asset) = app.get_json(&format!("/api/v1/assets/{id}")).await;
        expected.push(format!(
            "{} {}",
            asset["original_filename"].as_str().unwrap(),
            asset["size"]
        ));
    }
    expected.sort();
    assert_eq!(listed, expected);
    browser.close().await;
}
