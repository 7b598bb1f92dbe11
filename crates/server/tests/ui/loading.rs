//! Loading and offline: grey cards hold the results' place while a slow network brings
//! them; without a network the library says so and hides what it showed, then comes
//! back by itself.

use crate::browser::Network;
use crate::helpers::spawn_app;
use crate::library::signed_in_with_three;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skeletons_while_loading_and_a_clear_offline_state() {
    let app = spawn_app().await;
    let (browser, _) = signed_in_with_three(&app).await;

    // Every request a second and a half late: the page is drawn, its results are not.
    browser.network(Network::Latency(1500)).await;
    browser.goto(&format!("{}/ui/", app.base)).await;
    browser
        .wait_until(
            "grey cards",
            "document.querySelectorAll('#assets .skeleton-card').length > 0 && \
             !document.querySelector('#assets .asset-card')",
        )
        .await;
    browser.screenshot("library-loading").await;
    browser
        .wait_until(
            "the results in their place",
            "document.querySelectorAll('#assets .asset-card').length === 3 && \
             !document.querySelector('#assets .skeleton-card')",
        )
        .await;

    // Offline: a search cannot run; the page says so instead of showing old results.
    browser.network(Network::Offline).await;
    browser.fill("#q", "iceland").await;
    browser
        .wait_until(
            "the offline state",
            "document.getElementById('library-state').textContent.includes('You are offline') && \
             document.getElementById('assets').hidden",
        )
        .await;
    browser.check_page("library-offline").await;

    // Back online: the search runs again (by itself when the browser says it is online,
    // else from "Try again").
    browser.network(Network::Normal).await;
    browser
        .run(
            "document.querySelector('#library-state button')?.click()",
            vec![],
        )
        .await;
    browser
        .wait_until(
            "the search's result",
            "!document.getElementById('assets').hidden && \
             document.querySelectorAll('#assets .asset-card').length === 1",
        )
        .await;
    browser.close().await;
}
