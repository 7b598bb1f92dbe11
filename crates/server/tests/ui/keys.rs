//! Keyboard shortcuts: `/` searches, `j` and `k` walk the library's assets (and, on an
//! asset page, the search it was opened from), `e` edits the asset's details, `?` lists
//! them all; none fires while typing in a field.

use fantoccini::key::Key;

use crate::browser::Browser;
use crate::helpers::spawn_app;
use crate::library::signed_in_with_three;

/// The focused element's id, or its link target for a card.
async fn focused(browser: &Browser) -> String {
    let value = browser
        .run(
            "const e = document.activeElement;
             return e.id || e.getAttribute('href') || e.tagName;",
            vec![],
        )
        .await;
    value.as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shortcuts_search_walk_edit_and_list_themselves() {
    let app = spawn_app().await;
    let (browser, _) = signed_in_with_three(&app).await;
    let links = browser
        .run(
            "return [...document.querySelectorAll('#assets .asset-link')].map((a) => a.getAttribute('href'))",
            vec![],
        )
        .await;
    let links: Vec<String> = serde_json::from_value(links).unwrap();

    // The walk comes before any typing in the search field: a search typed there reloads
    // the list after its debounce, which would take the focus from a card.
    browser.run("document.activeElement.blur()", vec![]).await;
    browser.press_char('j').await;
    assert_eq!(focused(&browser).await, links[0]);
    browser.press_char('j').await;
    assert_eq!(focused(&browser).await, links[1]);
    browser.press_char('k').await;
    assert_eq!(focused(&browser).await, links[0]);

    browser.run("document.activeElement.blur()", vec![]).await;
    browser.press_char('/').await;
    assert_eq!(focused(&browser).await, "q");
    // Typed in the search field, `j` is a letter of the search, not a shortcut.
    browser.press_char('j').await;
    assert_eq!(focused(&browser).await, "q");
    browser.run("document.activeElement.blur()", vec![]).await;

    browser.press_char('?').await;
    browser
        .wait_until(
            "the list of shortcuts",
            "document.querySelector('dialog.shortcuts[open]')",
        )
        .await;
    browser.screenshot("shortcuts").await;
    let keys = browser.texts("dialog.shortcuts kbd").await;
    assert_eq!(keys, ["/", "j", "k", "e", "?"]);
    browser.press(Key::Escape).await;
    browser
        .wait_until(
            "the list closed",
            "!document.querySelector('dialog.shortcuts')",
        )
        .await;

    browser.goto(&format!("{}{}", app.base, links[0])).await;
    browser
        .wait_until("the asset page", "document.getElementById('edit-title')")
        .await;
    browser.run("document.activeElement.blur()", vec![]).await;
    browser.press_char('e').await;
    assert_eq!(focused(&browser).await, "edit-title");
    browser.close().await;
}

/// An asset opened from a search steps to the previous and next result of that search
/// (`k`, `j` or the links), and leads back to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_asset_page_steps_through_its_search() {
    let app = spawn_app().await;
    let (browser, _) = signed_in_with_three(&app).await;
    let (_, by_title) = app.get_json("/api/v1/assets?sort=title").await;
    let ids: Vec<String> = by_title["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    browser
        .find("#sort")
        .await
        .select_by_value("title")
        .await
        .unwrap();
    browser
        .wait_until(
            "sorted by title",
            &format!(
                "location.search === '?sort=title' && \
                 document.querySelector('#assets .asset-card:nth-child(2)')?.dataset.id === '{}'",
                ids[1]
            ),
        )
        .await;

    browser
        .click("#assets .asset-card:nth-child(2) .asset-link")
        .await;
    let at = |n: usize| {
        format!(
            "location.pathname === '/ui/assets/{}' && \
             document.getElementById('position')?.textContent === '{} of 3' && \
             document.getElementById('edit-title')",
            ids[n - 1],
            n
        )
    };
    browser.wait_until("the second result", &at(2)).await;
    browser.check_page("asset-steps").await;
    let back = browser
        .run(
            "return document.getElementById('back').getAttribute('href')",
            vec![],
        )
        .await;
    assert_eq!(back, "/ui/?sort=title");

    browser.run("document.activeElement.blur()", vec![]).await;
    browser.press_char('j').await;
    browser.wait_until("the third result", &at(3)).await;
    let next = browser
        .run(
            "return document.querySelector('a[rel=next]') === null",
            vec![],
        )
        .await;
    assert_eq!(next, true, "no Next after the last result");
    browser.click("a[rel=prev]").await;
    browser.wait_until("the second again", &at(2)).await;
    browser.run("document.activeElement.blur()", vec![]).await;
    browser.press_char('k').await;
    browser.wait_until("the first result", &at(1)).await;
    browser.close().await;
}
