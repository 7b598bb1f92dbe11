//! Many originals as one ZIP file: read back by Python's `zipfile` (an independent
//! reader that checks every CRC), each entry byte for byte the original, names made
//! unique; refusals before a byte is sent.

use std::process::Command;

use serde_json::json;

use crate::helpers::{corpus, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn originals_download_as_one_zip() {
    let app = spawn_app().await;
    let canon = std::fs::read(corpus().join("images/camera/Canon_40D.jpg")).unwrap();
    let iceland = std::fs::read(corpus().join("images/camera/Iceland-sRGB.jpg")).unwrap();
    let mut ids = Vec::new();
    // Two files of the same name: the second is renamed in the archive.
    for bytes in [&canon, &iceland] {
        let (status, asset) = app.upload_bytes("photo.jpg", bytes.clone()).await;
        assert_eq!(status, 201, "{asset}");
        ids.push(asset["id"].as_str().unwrap().to_owned());
    }

    let response = app
        .client
        .post(app.url("/api/v1/assets/download"))
        .json(&json!({ "ids": [ids[0], ids[1], ids[0]] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/zip"));
    assert_eq!(
        header("content-disposition").as_deref(),
        Some("attachment; filename=\"medialib-2-assets.zip\"")
    );
    assert_eq!(
        header("medialib-original-bytes"),
        Some((canon.len() + iceland.len()).to_string())
    );
    let zip = response.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("download.zip");
    std::fs::write(&path, &zip).unwrap();
    let out = dir.path().join("out");
    let read = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, 'a CRC does not match'
z.extractall(sys.argv[2])
print('\\n'.join(z.namelist()))",
        ])
        .arg(&path)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let names = String::from_utf8(read.stdout).unwrap();
    assert_eq!(
        names.lines().collect::<Vec<_>>(),
        ["photo.jpg", "photo (2).jpg"]
    );
    assert_eq!(std::fs::read(out.join("photo.jpg")).unwrap(), canon);
    assert_eq!(std::fs::read(out.join("photo (2).jpg")).unwrap(), iceland);

    // Refused before a byte is sent: an asset in the trash, a bad id, none at all.
    let (status, _) = app
        .send("DELETE", &format!("/api/v1/assets/{}", ids[1]), None)
        .await;
    assert_eq!(status, 204);
    for (body, expected, code) in [
        (json!({"ids": [ids[0], ids[1]]}), 404, "not_found"),
        (json!({"ids": ["nope"]}), 422, "invalid_request"),
        (json!({"ids": []}), 422, "invalid_request"),
    ] {
        let (status, error) = app
            .send("POST", "/api/v1/assets/download", Some(body.clone()))
            .await;
        assert_eq!(status, expected, "{body}: {error}");
        assert_eq!(error["error"]["code"], code, "{body}");
    }
}
