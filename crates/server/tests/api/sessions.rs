//! Browser sessions: password login sets a protected cookie that authenticates like a
//! token, refuses writes from other sites, and ends on logout, when idle, or when the
//! user loses access.

use std::time::Duration;

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TOKEN, TestApp, editor_with_password, spawn_app_with};

async fn login(app: &TestApp, form: &[(&str, &str)]) -> Response {
    app.anonymous()
        .post(app.url("/api/v1/session"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// `medialib_session=<id>` from a response's Set-Cookie, for the Cookie header.
fn session_cookie(response: &Response) -> String {
    let set = response.headers()[SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// A request carrying `cookie` as a browser on this origin would send it.
fn with_cookie(app: &TestApp, method: Method, path: &str, cookie: &str) -> RequestBuilder {
    app.anonymous()
        .request(method, app.url(path))
        .header(COOKIE, cookie)
        .header("Sec-Fetch-Site", "same-origin")
}

async fn status(request: RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

async fn code(request: RequestBuilder) -> (u16, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn a_password_login_opens_a_session_that_acts_like_a_token() {
    let app = spawn_app_with(|_| {}, false).await;
    let ana = editor_with_password(&app, "ana").await.0;

    // Wrong password and unknown user: the same 401, and no cookie.
    for (name, password) in [("ana", "wrong password"), ("nobody", PASSWORD)] {
        let response = login(&app, &[("name", name), ("password", password)]).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get(SET_COOKIE).is_none());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
    // A login form posted from another site is refused before the password is checked.
    let forged = app
        .anonymous()
        .post(app.url("/api/v1/session"))
        .header("Origin", "http://evil.test")
        .form(&[("name", "ana"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let missing = login(&app, &[("name", "ana")]).await;
    assert_eq!(missing.status(), 422);
    let offsite = login(
        &app,
        &[
            ("name", "ana"),
            ("password", PASSWORD),
            ("redirect", "//evil.test/"),
        ],
    )
    .await;
    assert_eq!(offsite.status(), 422);

    // Signed in: the cookie is HttpOnly, SameSite=Lax, for the whole site.
    let response = login(&app, &[("name", "ana"), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), 200);
    let set = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for part in [
        "medialib_session=",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=604800",
    ] {
        assert!(set.contains(part), "{set} lacks {part}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    let cookie = session_cookie(&response);
    let me: Value = response.json().await.unwrap();
    assert_eq!(
        (
            &me["user_id"],
            &me["name"],
            &me["role"],
            &me["namespace"],
            &me["via"]
        ),
        (
            &json!(ana),
            &json!("ana"),
            &json!("editor"),
            &json!("default"),
            &json!("session")
        )
    );

    // The cookie reads and writes like an editor's token.
    assert_eq!(
        status(with_cookie(&app, Method::GET, "/api/v1/assets", &cookie)).await,
        200
    );
    let tag = with_cookie(&app, Method::POST, "/api/v1/tags", &cookie)
        .json(&json!({"name": "match day"}));
    assert_eq!(status(tag).await, 201);
    let members = with_cookie(&app, Method::GET, "/api/v1/members", &cookie);
    assert_eq!(status(members).await, 403);

    // CSRF: a write carrying the cookie from another site's page is refused; so is one
    // whose Origin is another site.
    let cross_site = app
        .anonymous()
        .post(app.url("/api/v1/tags"))
        .header(COOKIE, &cookie)
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({"name": "forged"}));
    assert_eq!(code(cross_site).await, (403, "cross_origin_request".into()));
    let other_origin = app
        .anonymous()
        .post(app.url("/api/v1/tags"))
        .header(COOKIE, &cookie)
        .header("Origin", "http://evil.test")
        .json(&json!({"name": "forged"}));
    assert_eq!(
        code(other_origin).await,
        (403, "cross_origin_request".into())
    );
    let (_, tags) = app.get_json("/api/v1/tags").await;
    assert!(!tags.to_string().contains("forged"), "{tags}");
    // A read from another site is harmless and allowed (SameSite=Lax sends the cookie
    // only on top-level navigations anyway).
    let read = app
        .anonymous()
        .get(app.url("/api/v1/assets"))
        .header(COOKIE, &cookie)
        .header("Sec-Fetch-Site", "cross-site");
    assert_eq!(status(read).await, 200);

    // The login is in the audit log, with the user and the address.
    let (_, log) = app.get_json("/api/v1/audit?action=session_login").await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log["items"][0]["user"]["name"], "ana");
    assert_eq!(log["items"][0]["ip"], "127.0.0.1");

    // Logout ends the session and removes the cookie.
    let out = with_cookie(&app, Method::DELETE, "/api/v1/session", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = with_cookie(&app, Method::GET, "/api/v1/session", &cookie);
    assert_eq!(status(after).await, 401);
}

#[tokio::test]
async fn form_logins_redirect_and_sessions_end_when_idle_or_access_is_lost() {
    let app = spawn_app_with(|s| s.sessions.idle_timeout_seconds = 2, false).await;
    let ana = editor_with_password(&app, "ana").await.0;

    // An HTML form login, behind a TLS proxy: a 303 to the page, a Secure cookie.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser
        .post(app.url("/api/v1/session"))
        .header("Origin", app.base.as_str())
        .header("X-Forwarded-Proto", "https")
        .form(&[
            ("name", "ana"),
            ("password", PASSWORD),
            ("redirect", "/ui/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/ui/");
    assert!(
        response.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    let cookie = session_cookie(&response);
    assert_eq!(
        status(with_cookie(&app, Method::GET, "/api/v1/session", &cookie)).await,
        200
    );

    // Idle past the timeout: the session is over (and a stale cookie is only anonymous:
    // the API asks for credentials).
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let (status_code, code_) =
        code(with_cookie(&app, Method::GET, "/api/v1/session", &cookie)).await;
    assert_eq!((status_code, code_.as_str()), (401, "unauthorized"));

    // Losing the role, or being anonymized, ends access at once.
    let cookie = session_cookie(&login(&app, &[("name", "ana"), ("password", PASSWORD)]).await);
    let remove = app
        .client
        .delete(app.url(&format!("/api/v1/members/{ana}")))
        .send()
        .await
        .unwrap();
    assert_eq!(remove.status(), 204);
    assert_eq!(
        status(with_cookie(&app, Method::GET, "/api/v1/assets", &cookie)).await,
        401
    );
    // With no role anywhere, a login is refused.
    let roleless = login(&app, &[("name", "ana"), ("password", PASSWORD)]).await;
    assert_eq!(roleless.status(), 403);

    let bob = editor_with_password(&app, "bob").await.0;
    let cookie = session_cookie(&login(&app, &[("name", "bob"), ("password", PASSWORD)]).await);
    let erase = app
        .anonymous()
        .post(app.url(&format!("/api/v1/users/{bob}/anonymize")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(erase.status(), 200);
    assert_eq!(
        status(with_cookie(&app, Method::GET, "/api/v1/assets", &cookie)).await,
        401
    );
    assert_eq!(
        login(&app, &[("name", "bob"), ("password", PASSWORD)])
            .await
            .status(),
        401
    );
}
