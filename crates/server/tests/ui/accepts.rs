//! The uploader refuses, before sending a byte, what the server would refuse: a type it
//! does not take and a file over the upload limit, each with a sentence saying what to do
//! (the list of supported formats one click away), read from `/api/v1/capabilities`.

use crate::browser::Browser;
use crate::helpers::{PASSWORD, corpus, editor_with_password, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_the_server_would_refuse_are_refused_before_upload() {
    let photo = std::fs::read(corpus().join("images/camera/Iceland-sRGB.jpg")).unwrap();
    let limit = photo.len() as u64 + 1000;
    let app = spawn_app_with(|s| s.limits.max_upload_bytes = limit, false).await;
    editor_with_password(&app, "editor").await;
    let browser = Browser::start().await;
    browser.sign_in(&app.base, "editor", PASSWORD).await;
    let big = vec![0u8; limit as usize + 1];
    browser
        .drop_files(
            "[data-dropzone]",
            &[
                ("minutes.xyz".into(), b"not media".to_vec()),
                ("huge.jpg".into(), big),
                ("ok.jpg".into(), photo),
            ],
        )
        .await;
    browser
        .wait_until(
            "two refused rows and one upload",
            "document.querySelectorAll('.upload-item[data-state=refused]').length === 2
             && document.querySelector('.upload-item[data-state=done]')",
        )
        .await;
    browser.check_page("upload-refused").await;
    let refused = browser
        .texts(".upload-item[data-state=refused] .upload-status")
        .await;
    let by_name = |name: &str| refused.iter().find(|t| t.starts_with(name)).cloned();
    let xyz = by_name("minutes.xyz").expect("a row for the .xyz file");
    assert!(xyz.contains("does not take"), "{xyz}");
    assert!(!xyz.contains("/api/"), "no API paths for editors: {xyz}");
    let huge = by_name("huge.jpg").expect("a row for the big file");
    assert!(
        huge.contains("over the") && huge.contains("limit"),
        "{huge}"
    );
    // The supported formats, one click away, from the server's own list.
    browser
        .click(".upload-item[data-state=refused] .upload-formats summary")
        .await;
    let formats = browser.texts(".formats-list li").await;
    assert!(
        formats.iter().any(|f| f.contains("HEIF/HEIC")),
        "{formats:?}"
    );
    // Only the acceptable file reached the server ("refused" rows are the uploader's
    // own refusals; the server's would be "failed").
    let (_, list) = app.get_json("/api/v1/assets").await;
    assert_eq!(list["total"], 1, "{list}");
    browser.close().await;
}
