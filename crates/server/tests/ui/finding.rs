//! Finding what to clean up: the library's "Usage" filter shows the assets used nowhere,
//! by how long ago they were uploaded, and agrees with `GET /api/v1/assets/unused`; the
//! choice stays in the address. The analytics list, empty because everything is fresh,
//! says how many unused assets are younger than its age.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{TOKEN, spawn_app};
use crate::library::signed_in_with_three;

/// Chooses `value` in the Usage filter, as a click would.
async fn choose_usage(browser: &Browser, value: &str) {
    browser
        .run(
            "const select = document.getElementById('unused');
             select.value = arguments[0];
             select.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(value)],
        )
        .await;
}

/// The ids of the assets the API counts as unused, uploaded longer ago than `age`.
async fn unused_by_api(app: &crate::helpers::TestApp, age: &str) -> Vec<String> {
    let (status, page) = app
        .get_json(&format!("/api/v1/assets/unused?older_than={age}"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unused_filter_agrees_with_the_api() {
    let app = spawn_app().await;
    let (browser, ids) = signed_in_with_three(&app).await;
    let (status, _) = app
        .request_as(
            TOKEN,
            reqwest::Method::POST,
            &format!("/api/v1/assets/{}/usage", ids[0]),
            Some(json!({"entity_type": "article", "entity_id": "7", "usage_type": "hero"})),
        )
        .await;
    assert_eq!(status, 201);

    choose_usage(&browser, "0").await;
    browser
        .wait_until(
            "two unused",
            "document.getElementById('result-count').textContent === '2 assets'",
        )
        .await;
    let shown = browser
        .run(
            "return [...document.querySelectorAll('#assets .asset-card')].map((c) => c.dataset.id)",
            vec![],
        )
        .await;
    let mut shown: Vec<String> = serde_json::from_value(shown).unwrap();
    let mut expected = unused_by_api(&app, "0s").await;
    shown.sort();
    expected.sort();
    assert_eq!(expected.len(), 2);
    assert_eq!(shown, expected, "the library shows what the API counts");
    let address = browser.run("return location.search", vec![]).await;
    assert_eq!(address, "?unused=0");
    browser.check_page("library-unused").await;

    // Nothing was uploaded 30 days ago: none, as the API says, with a way out.
    choose_usage(&browser, "30").await;
    browser
        .wait_until(
            "none unused for 30 days",
            "document.getElementById('library-state').textContent.includes('No assets match')",
        )
        .await;
    assert!(unused_by_api(&app, "30d").await.is_empty());
    browser.goto(&format!("{}/ui/?unused=30", app.base)).await;
    // The page's script fills the form from the address once it has loaded.
    browser
        .wait_until(
            "the choice back from the address",
            "document.getElementById('unused')?.value === '30'",
        )
        .await;

    // The analytics list is empty for the same reason, and says so: the two unused
    // assets are younger than its age.
    browser.goto(&format!("{}/ui/analytics", app.base)).await;
    browser
        .wait_until(
            "the unused card's explanation",
            "document.body.innerText.includes('uploaded more recently')",
        )
        .await;
    let text = browser.run("return document.body.innerText", vec![]).await;
    assert!(
        text.as_str()
            .unwrap()
            .contains("2 unused assets were uploaded more recently"),
        "{text}"
    );
    browser.close().await;
}
