//! The web UI over plain HTTP (the browser tests are `tests/ui`): redirects to login,
//! security headers, embedded files with ETags, and the picker's checks on its options.

use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, ETAG, IF_NONE_MATCH, LOCATION,
    SET_COOKIE, X_FRAME_OPTIONS,
};
use reqwest::redirect::Policy;

use crate::helpers::{PASSWORD, TestApp, editor_with_password, spawn_app_with};

const HOST: &str = "https://cms.example.com";

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Signs in `name` (an editor in the default namespace); returns the Cookie header value.
pub async fn signed_in(app: &TestApp, name: &str) -> String {
    editor_with_password(app, name).await;
    let response = client()
        .post(app.url("/api/v1/session"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[
            ("name", name),
            ("password", PASSWORD),
            ("namespace", ""),
            ("redirect", "/ui/"),
        ])
        .send()
        .await
        .unwrap();
    // An empty namespace field (the form's default) means the user's first namespace.
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/ui/");
    let set = response.headers()[SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// The response's Content-Security-Policy.
fn csp(response: &reqwest::Response) -> String {
    response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = client().get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn pages_need_a_session_and_forbid_framing() {
    let app = spawn_app_with(|_| {}, false).await;
    let root = get(&app, "/", None).await;
    assert_eq!(root.status(), StatusCode::SEE_OTHER);
    assert_eq!(root.headers()[LOCATION], "/ui/");

    for (path, next) in [
        ("/ui/", "%2Fui%2F"),
        ("/ui/tags", "%2Fui%2Ftags"),
        ("/ui/assets/x?y=1", "%2Fui%2Fassets%2Fx%3Fy%3D1"),
    ] {
        let page = get(&app, path, None).await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            page.headers()[LOCATION],
            format!("/ui/login?next={next}").as_str()
        );
    }
    let login = get(&app, "/ui/login?next=/ui/tags", None).await;
    assert_eq!(login.status(), StatusCode::OK);
    let policy = csp(&login);
    assert!(
        policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert_eq!(login.headers()[X_FRAME_OPTIONS], "DENY");
    let html = login.text().await.unwrap();
    assert!(
        html.contains(r#"name="redirect" value="/ui/tags""#),
        "{html}"
    );
    // Only paths of the UI are ever a login's destination.
    let html = get(&app, "/ui/login?next=https://evil.example/", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"name="redirect" value="/ui/""#));

    let cookie = signed_in(&app, "ada").await;
    for path in [
        "/ui/",
        "/ui/assets/019ab3c2-0000-7000-8000-000000000000",
        "/ui/collections",
        "/ui/collections/1",
        "/ui/tags",
        "/ui/analytics",
    ] {
        let page = get(&app, path, Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_eq!(page.headers()[CACHE_CONTROL], "private, no-cache");
        let html = page.text().await.unwrap();
        assert!(
            html.contains("ada") && html.contains(r#"data-can-write="true""#),
            "{path}"
        );
    }
    let library = get(&app, "/ui/", Some(&cookie)).await.text().await.unwrap();
    for kind in ["image", "video", "audio", "document", "model3d", "other"] {
        let option = format!(r#"<option value="{kind}">"#);
        assert!(library.contains(&option), "the type filter offers {kind}");
    }
    // Ids of the wrong shape are no page (not a page whose API calls go elsewhere).
    for path in ["/ui/no/such/page", "/ui/assets/unused", "/ui/collections/x"] {
        let missing = get(&app, path, Some(&cookie)).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path}");
        let says = format!("There is no page at {path}");
        assert!(missing.text().await.unwrap().contains(&says), "{path}");
    }
}

#[tokio::test]
async fn static_files_are_embedded_with_etags() {
    let app = spawn_app_with(|_| {}, false).await;
    for (path, mime) in [
        ("/ui/static/app.css", "text/css"),
        ("/ui/static/js/api.js", "text/javascript"),
        ("/ui/vendor/tus-js-client/tus.min.js", "text/javascript"),
        ("/ui/vendor/blurhash/blurhash.js", "text/javascript"),
    ] {
        let file = get(&app, path, None).await;
        assert_eq!(file.status(), StatusCode::OK, "{path}");
        assert_eq!(file.headers()[CONTENT_TYPE], mime, "{path}");
        assert_eq!(file.headers()[CACHE_CONTROL], "no-cache");
        let etag = file.headers()[ETAG].clone();
        let bytes = file.bytes().await.unwrap();
        let on_disk = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../web")
                .join(path.trim_start_matches("/ui/")),
        )
        .unwrap();
        assert_eq!(bytes, on_disk, "{path}");
        let again = client()
            .get(app.url(path))
            .header(IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    // Templates and the vendor list are not served; nor is anything outside web/.
    for path in [
        "/ui/static/../templates/base.html",
        "/ui/vendor/vendor.txt",
        "/ui/static/nope.js",
        "/ui/static/%2e%2e/%2e%2e/Cargo.toml",
    ] {
        let status = get(&app, path, None).await.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // HTTP clients resolve `..` before sending; a raw request keeps it.
    for path in ["/ui/static/../templates/base.html", "/ui/static//app.css"] {
        let status_line = raw_get(&app, path).await;
        assert!(
            status_line.starts_with("HTTP/1.1 404"),
            "{path}: {status_line}"
        );
    }
}

/// The status line of `GET path` sent byte for byte, as no URL library would send it.
async fn raw_get(app: &TestApp, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    response.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_picker_checks_its_options_and_who_may_frame_it() {
    let app = spawn_app_with(|s| s.ui.picker_origins = vec![HOST.into()], false).await;
    // Signed out: to login, keeping the picker's namespace.
    let out = get(&app, "/ui/picker?namespace=default", None).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let to = out.headers()[LOCATION].to_str().unwrap();
    assert!(
        to.starts_with("/ui/login?next=%2Fui%2Fpicker") && to.ends_with("&namespace=default"),
        "{to}"
    );

    let cookie = signed_in(&app, "grace").await;
    let ok = get(
        &app,
        &format!("/ui/picker?origin={HOST}&multiple=true&maxItems=3&mediaTypes=image,video"),
        Some(&cookie),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let policy = csp(&ok);
    assert!(
        policy.ends_with(&format!("frame-ancestors 'self' {HOST}")),
        "{policy}"
    );
    assert!(!ok.headers().contains_key(X_FRAME_OPTIONS));
    let html = ok.text().await.unwrap();
    for attribute in [
        r#"data-multiple="true""#,
        r#"data-max-items="3""#,
        r#"data-kinds="image,video""#,
        &format!(r#"data-origin="{HOST}""#),
    ] {
        assert!(html.contains(attribute), "{attribute}");
    }
    // Without `multiple`, one item at most, and only this server may frame it.
    let single = get(&app, "/ui/picker", Some(&cookie)).await;
    let policy = csp(&single);
    assert!(policy.ends_with("frame-ancestors 'self'"), "{policy}");
    assert!(
        single
            .text()
            .await
            .unwrap()
            .contains(r#"data-max-items="1""#)
    );

    for (query, says) in [
        (
            "origin=https://evil.example",
            "https://evil.example is not allowed",
        ),
        ("mediaTypes=image,spreadsheet", "spreadsheet"),
    ] {
        let refused = get(&app, &format!("/ui/picker?{query}"), Some(&cookie)).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(refused.text().await.unwrap().contains(says), "{query}");
    }
    let malformed = get(&app, "/ui/picker?multiple=maybe", Some(&cookie)).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(malformed.text().await.unwrap().contains("multiple"));
    // Signing in on the way to the picker happens inside the host's frame.
    let login = get(&app, "/ui/login?next=/ui/picker", None).await;
    let policy = csp(&login);
    assert!(
        policy.ends_with(&format!("frame-ancestors 'self' {HOST}")),
        "{policy}"
    );
    // Another namespace than the session's: sign in there.
    let other = get(&app, "/ui/picker?namespace=brand-b", Some(&cookie)).await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    assert!(
        other.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("&namespace=brand-b")
    );
}

#[tokio::test]
async fn pages_may_show_files_from_the_public_base_url() {
    let cdn = "https://cdn.example.com/media/";
    let app = spawn_app_with(|s| s.public_base_url = Some(cdn.into()), false).await;
    let cookie = signed_in(&app, "lin").await;
    for path in ["/ui/", "/ui/picker"] {
        let page = get(&app, path, Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let policy = csp(&page);
        for directive in [
            "img-src 'self' data: blob: https://cdn.example.com;",
            "media-src 'self' blob: https://cdn.example.com;",
            "script-src 'self';",
            // The 3D viewer fetches its model.
            "connect-src 'self' blob: data: https://cdn.example.com;",
        ] {
            assert!(
                policy.contains(directive),
                "{path}: {directive} in {policy}"
            );
        }
    }
}
