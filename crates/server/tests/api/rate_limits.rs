//! Rate limits per token or session: 429 in the API's error shape with `Retry-After`, uploads and
//! the rest of the API counted apart.

use reqwest::Method;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn a_token_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app_with(
        |s| {
            s.rate_limits.api_per_second = 1;
            s.rate_limits.api_burst = 3;
            s.rate_limits.uploads_per_second = 1;
            s.rate_limits.uploads_burst = 2;
        },
        false,
    )
    .await;
    for _ in 0..3 {
        assert_eq!(app.get_json("/api/v1/assets").await.0, 200);
    }
    let limited = app
        .client
        .get(app.url("/api/v1/assets"))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["Retry-After"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");

    // Uploads have their own bucket, and so does every other token.
    let options = |client: &reqwest::Client| {
        client
            .request(Method::OPTIONS, app.url("/api/v1/uploads"))
            .send()
    };
    assert_eq!(options(&app.client).await.unwrap().status(), 204);
    assert_eq!(options(&app.client).await.unwrap().status(), 204);
    assert_eq!(options(&app.client).await.unwrap().status(), 429);
    let anonymous = app.anonymous();
    assert_eq!(
        anonymous
            .get(app.url("/api/v1/assets"))
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "another key, not limited by the first token's use"
    );

    // Each browser session has its own bucket too.
    let with_cookie = |id: &str| {
        anonymous
            .get(app.url("/api/v1/assets"))
            .header("Cookie", format!("medialib_session={id}"))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(with_cookie("one").await.unwrap().status(), 401);
    }
    assert_eq!(with_cookie("one").await.unwrap().status(), 429);
    assert_eq!(with_cookie("two").await.unwrap().status(), 401);

    // The rate refills.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.get_json("/api/v1/assets").await.0, 200);
}
