//! A headless Chromium for one test: its own chromedriver on a free port and a fresh
//! profile, closed on drop.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{
    Actions, InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The viewport of a desktop browser and of a phone (an iPhone 12 to 15), in CSS pixels.
pub const DESKTOP: (u32, u32) = (1440, 900);
pub const PHONE: (u32, u32) = (390, 844);
const CHROMIUM: &str = "/usr/bin/chromium";
/// Long enough for a cold page plus image processing on a busy 2-core CI machine.
pub const WAIT: Duration = Duration::from_secs(45);
/// How many Tab presses `check_page` follows: past the skip link and the navigation,
/// into the page's own controls.
const FOCUS_STOPS: usize = 8;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    /// Where the browser saves downloads.
    pub downloads: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session (1440×900).
    ///
    /// Panics, saying what to install, when Chromium or chromedriver are missing.
    pub async fn start() -> Browser {
        for tool in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} is missing: install Debian's chromium and chromium-driver \
                 (scripts/setup.sh does), or run the other tests with \
                 `cargo test -p medialib-server --test api`"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Its own process group, so that the Chromium it starts ends with it.
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        // Chromium's background services try to reach Google, which this machine refuses.
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1440,900",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let downloads = tempfile::tempdir().unwrap();
        let prefs = json!({
            "download.default_directory": downloads.path(),
            "download.prompt_for_download": false,
        });
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args, "prefs": prefs},
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() > Duration::from_secs(30) => {
                    panic!("no WebDriver session from chromedriver: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
            downloads,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its value.
    pub async fn run(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap()
    }

    /// Waits until the JavaScript expression `condition` is truthy; panics after `WAIT`,
    /// naming `what`.
    pub async fn wait_until(&self, what: &str, condition: &str) {
        let script = format!("return Boolean({condition});");
        let started = Instant::now();
        loop {
            if self.run(&script, vec![]).await == Value::Bool(true) {
                return;
            }
            if started.elapsed() > WAIT {
                let url = self.client.current_url().await.unwrap();
                self.screenshot(&format!("failed-{}", what.replace(' ', "-")))
                    .await;
                panic!("waited {WAIT:?} for {what} at {url}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first element matching `css`.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Types `text` into the field `css` (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Presses and releases `key` where the focus is, as a keyboard would.
    pub async fn press(&self, key: Key) {
        self.press_char(key.into()).await;
    }

    /// Types one character where the focus is (a key press of `c`).
    pub async fn press_char(&self, c: char) {
        let press = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
        self.client.perform_actions(press).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks `css` with Shift held, as a mouse and keyboard would (a range selection).
    pub async fn shift_click(&self, css: &str) {
        let element = self.find(css).await;
        let shift = char::from(Key::Shift);
        // One tick per action; the keyboard holds Shift over the mouse's three.
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: shift })
            .pause(Duration::ZERO)
            .pause(Duration::ZERO)
            .pause(Duration::ZERO)
            .then(KeyAction::Up { value: shift });
        let mouse = MouseActions::new("mouse".into())
            .pause(Duration::ZERO)
            .then(PointerAction::MoveToElement {
                element,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            })
            .pause(Duration::ZERO);
        self.client
            .perform_actions(Actions::from(keys).and(mouse))
            .await
            .unwrap();
    }

    /// The text content of every element matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let found = self
            .run(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim());",
                vec![json!(css)],
            )
            .await;
        serde_json::from_value(found).unwrap()
    }

    /// Saves the viewport as `target/ui-screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = screenshots();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Saves a screenshot of the page as `name` and fails the test on any accessibility
    /// problem `a11y.js` finds (labels, alt text, names, contrast), or on a focus that
    /// does not show (`focus.js`) as the Tab key moves through the first controls. Then
    /// the same page on a phone (390×844): a screenshot `{name}-phone`, and at both sizes
    /// nothing wider than the screen.
    pub async fn check_page(&self, name: &str) {
        self.screenshot(name).await;
        self.assert_fits(name).await;
        let problems = self.run(include_str!("a11y.js"), vec![]).await;
        assert_eq!(problems, json!([]), "accessibility of the {name} page");
        self.run("document.activeElement?.blur();", vec![]).await;
        for press in 1..=FOCUS_STOPS {
            self.press(Key::Tab).await;
            let problem = self.run(include_str!("focus.js"), vec![]).await;
            if problem == "end" && press > 1 {
                break;
            }
            assert_eq!(problem, Value::Null, "Tab {press} on the {name} page");
        }
        self.run("document.activeElement?.blur();", vec![]).await;
        // In a frame the host page sets the width: the page alone is checked on a phone.
        if self.run("return window.top !== window", vec![]).await == json!(true) {
            return;
        }
        self.resize(PHONE).await;
        self.screenshot(&format!("{name}-phone")).await;
        self.assert_fits(&format!("{name} on a phone")).await;
        self.resize(DESKTOP).await;
    }

    /// Makes the viewport (not the window) `size` wide and high, in CSS pixels.
    pub async fn resize(&self, (width, height): (u32, u32)) {
        let mut window = (width, height);
        let mut seen = self.viewport().await;
        // The window's frame, if any, is the difference between window and viewport.
        for _ in 0..4 {
            if seen == (width, height) {
                return;
            }
            self.client
                .set_window_size(window.0, window.1)
                .await
                .unwrap();
            // Chromium applies a window size asynchronously, later on a busy machine: wait
            // for the viewport to change before measuring the frame.
            let before = seen;
            let asked = Instant::now();
            loop {
                seen = self.viewport().await;
                if seen != before || asked.elapsed() > Duration::from_secs(2) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if seen != before {
                // The frame is what the window has around the viewport.
                window = (
                    width + window.0.saturating_sub(seen.0),
                    height + window.1.saturating_sub(seen.1),
                );
            }
        }
        assert_eq!(
            seen,
            (width, height),
            "the viewport did not become {width}×{height}"
        );
    }

    /// The viewport's width and height, in CSS pixels.
    async fn viewport(&self) -> (u32, u32) {
        let size = self.run("return [innerWidth, innerHeight]", vec![]).await;
        serde_json::from_value(size).unwrap()
    }

    /// Fails when the page is wider than the viewport (it would scroll sideways), naming
    /// the elements that stick out.
    async fn assert_fits(&self, what: &str) {
        let wider = self
            .run(
                "const width = document.documentElement.clientWidth;
                 if (document.documentElement.scrollWidth <= width) return [];
                 // What sticks out of the page: not what scrolls inside a box of its own.
                 const scrolls = (e) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
                 const inside = (e) => { for (let p = e.parentElement; p; p = p.parentElement) if (scrolls(p)) return true; return false; };
                 return [...document.querySelectorAll('body *')]
                   .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !inside(e))
                   .slice(0, 5)
                   .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className} (${Math.round(e.getBoundingClientRect().width)} px)`);",
                vec![],
            )
            .await;
        assert_eq!(wider, json!([]), "{what}: wider than the screen");
    }

    /// Signs in on the login page (where any signed-out page redirects) as `name`.
    pub async fn sign_in(&self, base: &str, name: &str, password: &str) {
        self.goto(&format!("{base}/ui/")).await;
        self.wait_until("the login page", "location.pathname === '/ui/login'")
            .await;
        self.check_page("login").await;
        self.fill("#name", name).await;
        self.fill("#password", password).await;
        self.click("#login button[type=submit]").await;
        self.wait_until("the library after login", "location.pathname === '/ui/'")
            .await;
    }

    /// Drops files on the element `css` as a user dragging them from the desktop would
    /// (a synthetic `drop` event whose DataTransfer holds real `File`s).
    pub async fn drop_files(&self, css: &str, files: &[(String, Vec<u8>)]) {
        use base64::Engine;
        let files: Vec<Value> = files
            .iter()
            .map(|(name, bytes)| {
                json!({"name": name, "b64": base64::engine::general_purpose::STANDARD.encode(bytes)})
            })
            .collect();
        // Under load the page's modules may still be loading: a drop before the drop zone
        // is wired is lost.
        let ready = format!("document.querySelector({css:?})?.dataset.ready === 'true'");
        self.wait_until("the drop zone to be wired", &ready).await;
        self.run(
            "const transfer = new DataTransfer();
             for (const f of arguments[1]) {
               const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
               transfer.items.add(new File([bytes], f.name));
             }
             document.querySelector(arguments[0]).dispatchEvent(
               new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));",
            vec![json!(css), Value::Array(files)],
        )
        .await;
    }
}

/// A network for chromedriver to emulate (`/session/{id}/chromium/network_conditions`).
#[derive(Debug, Clone, Copy)]
pub enum Network {
    /// The real one.
    Normal,
    /// No connection at all.
    Offline,
    /// Every request this many milliseconds late.
    Latency(u64),
    /// Uploads at most this many bytes per second.
    UploadRate(u64),
}

impl fantoccini::wd::WebDriverCompatibleCommand for Network {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        // Throughputs are required; a gigabyte a second never slows a loopback test.
        let (offline, latency, upload) = match *self {
            Network::Normal => return (axum::http::Method::DELETE, None),
            Network::Offline => (true, 0, 1_000_000_000),
            Network::Latency(ms) => (false, ms, 1_000_000_000),
            Network::UploadRate(rate) => (false, 0, rate),
        };
        let body = json!({"network_conditions": {
            "offline": offline,
            "latency": latency,
            "download_throughput": 1_000_000_000,
            "upload_throughput": upload,
        }});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// Emulates `network` from now on.
    pub async fn network(&self, network: Network) {
        self.client.issue_cmd(network).await.unwrap();
    }

    /// Ends the WebDriver session (Chromium quits).
    pub async fn close(self) {
        self.client.clone().close().await.unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Also after a failed test: chromedriver and every Chromium process it started.
        // `--` matters: procps' kill reads a bare `-<pid>` after a signal as `-1`, every
        // process of this user.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .status();
        let _ = self.driver.wait();
    }
}

/// `target/ui-screenshots` in the workspace.
pub fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ui-screenshots")
}
