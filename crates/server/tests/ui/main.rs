//! Browser tests of the web UI: Debian's Chromium driven through chromedriver
//! (WebDriver, `fantoccini`) against a real server on 127.0.0.1. Kept out of the `api`
//! target so the rest runs without Chromium: `cargo test -p medialib-server --test api`.
//!
//! Every page checked is saved as a PNG under `target/ui-screenshots/`, on a desktop
//! (1440×900) and on a phone (390×844, `{name}-phone.png`).

mod accepts;
mod bench;
mod browser;
mod curate;
mod finding;
mod findings;
mod focal;
// The API tests' harness (server on a free port, corpus); not every helper is used here.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
mod keys;
mod library;
mod loading;
mod messages;
mod pages;
mod phone;
mod picker;
mod pictures;
mod previews;
mod resume;
mod scroll;
mod trash;
mod uploads;
mod use_media;
