//! Keyboard shortcuts: `/` searches, `j` and `k` walk the library's assets, `e` edits the
//! asset's details, `?` lists them all; none fires while typing in a field.

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

    browser.run("document.activeElement.blur()", vec![]).await;
    browser.press_char('/').await;
    assert_eq!(focused(&browser).await, "q");
    // Typed in the search field, `j` is a letter of the search, not a shortcut.
    browser.press_char('j').await;
    assert_eq!(focused(&browser).await, "q");
    browser.fill("#q", "").await;
    browser.run("document.activeElement.blur()", vec![]).await;

    browser.press_char('j').await;
    assert_eq!(focused(&browser).await, links[0]);
    browser.press_char('j').await;
    assert_eq!(focused(&browser).await, links[1]);
    browser.press_char('k').await;
    assert_eq!(focused(&browser).await, links[0]);

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
