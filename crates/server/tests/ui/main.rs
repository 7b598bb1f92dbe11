//! Browser tests of the web UI: Debian's Chromium driven through chromedriver
//! (WebDriver, `fantoccini`) against a real server on 127.0.0.1. Kept out of the `api`
//! target so the rest runs without Chromium: `cargo test -p medialib-server --test api`.
//!
//! Every page visited is saved as a PNG under `target/ui-screenshots/`.

mod accepts;
mod browser;
mod curate;
mod finding;
mod focal;
// The API tests' harness (server on a free port, corpus); not every helper is used here.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
mod keys;
mod library;
mod messages;
mod pages;
mod picker;
mod resume;
mod uploads;
mod use_media;
