//! Finding what to clean up: the library's "Usage" filter shows the assets used nowhere,
//! by how long ago they were uploaded, and agrees with `GET /api/v1/assets/unused`; the
//! choice stays in the address. The analytics list, empty because everything is fresh,
//! says how many unused assets are younger than its age. Several tags filter together,
//! all or any of them; a misspelt search offers what was meant.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{TOKEN, spawn_app, spawn_app_with};
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

/// Several tags as chips, typed with suggestions: all of them, then any of them; the
/// choice stays in the address and comes back with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_filter_all_or_any() {
    // Editors' tags only: analysis's automatic ones are `api/analysis.rs`'s.
    let app = spawn_app_with(|s| s.analysis.enabled = false, true).await;
    let (browser, ids) = signed_in_with_three(&app).await;
    for (id, tags) in [
        (&ids[0], json!(["Beach"])),
        (&ids[1], json!(["Beach", "Sunset"])),
    ] {
        let (status, body) = app
            .request_as(
                TOKEN,
                reqwest::Method::POST,
                &format!("/api/v1/assets/{id}/tags"),
                Some(json!({ "tags": tags })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    browser.goto(&format!("{}/ui/", app.base)).await;
    browser
        .wait_until(
            "the suggestions",
            "document.querySelectorAll('#tag-options option').length === 2",
        )
        .await;
    for typed in ["beach", "Sunset"] {
        browser.fill("#tag-input", typed).await;
        browser.press(fantoccini::key::Key::Enter).await;
    }
    let cards = |n: usize, search: &str| {
        format!(
            "location.search === '{search}' && \
             document.getElementById('result-count').textContent === '{n} asset{}'",
            if n == 1 { "" } else { "s" }
        )
    };
    browser
        .wait_until("both tags", &cards(1, "?tags=beach%2Csunset"))
        .await;
    assert_eq!(
        browser.texts("#tag-chips .chip").await,
        ["Beach×", "Sunset×"]
    );
    browser.check_page("library-tags-all").await;

    browser
        .find("#tag_match")
        .await
        .select_by_value("any")
        .await
        .unwrap();
    browser
        .wait_until(
            "either tag",
            &cards(2, "?tags=beach%2Csunset&tag_match=any"),
        )
        .await;
    let (_, any) = app
        .get_json("/api/v1/assets?tags=beach,sunset&tag_match=any")
        .await;
    assert_eq!(any["total"], 2, "the API agrees");

    // Back from the address, then one chip removed: one tag, and no "match" to choose.
    browser
        .goto(&format!(
            "{}/ui/?tags=beach%2Csunset&tag_match=any",
            app.base
        ))
        .await;
    browser
        .wait_until(
            "the chips back",
            "document.querySelectorAll('#tag-chips .chip').length === 2 && \
             document.getElementById('result-count').textContent === '2 assets'",
        )
        .await;
    browser
        .click("#tag-chips button[aria-label='Remove tag Sunset']")
        .await;
    browser
        .wait_until(
            "one tag left",
            "location.search.startsWith('?tags=beach&') && \
             document.getElementById('tag-match-field').hidden",
        )
        .await;
    browser.close().await;
}

/// A misspelt search says what was probably meant, and searches for it in one click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelt_search_offers_what_was_meant() {
    let app = spawn_app().await;
    let (browser, _) = signed_in_with_three(&app).await;
    browser.fill("#q", "icelnad").await;
    browser
        .wait_until(
            "the suggestion",
            "document.getElementById('library-state').textContent.includes('Did you mean')",
        )
        .await;
    assert_eq!(
        browser.texts("#library-state p").await,
        ["No assets match “icelnad”. Did you mean “iceland”?"]
    );
    browser.check_page("library-did-you-mean").await;
    browser.click("#library-state button").await;
    browser
        .wait_until(
            "what was meant",
            "location.search === '?q=iceland' && \
             document.querySelectorAll('#assets .asset-card').length === 1",
        )
        .await;
    assert_eq!(
        browser.texts("#assets .asset-title").await,
        ["Iceland-sRGB"]
    );
    browser.close().await;
}
