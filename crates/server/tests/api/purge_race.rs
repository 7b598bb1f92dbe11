//! Two processes on one data directory: one purges an asset while the other uploads the
//! same bytes again. The bytes must survive whenever the upload ends with an asset.

use std::time::Duration;

use crate::helpers::{corpus, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_racing_a_purge_of_the_same_bytes_in_another_process_keeps_them() {
    let purger = spawn_app_with(|_| {}, false).await;
    let uploader = purger.spawn_beside(false).await;
    let photo = std::fs::read(corpus().join("images/camera/Canon_40D.jpg")).unwrap();
    for round in 0..48u64 {
        // Bytes of their own each round (trailing bytes after the JPEG's end).
        let mut bytes = photo.clone();
        bytes.extend_from_slice(format!("round {round}").as_bytes());
        let (status, first) = purger.upload_bytes("race.jpg", bytes.clone()).await;
        assert_eq!(status, 201, "{first}");
        let api = purger.url(&format!("/api/v1/assets/{}", first["id"].as_str().unwrap()));
        assert_eq!(
            purger.client.delete(&api).send().await.unwrap().status(),
            204
        );

        // The purge starts a little later each round, to land in every part of the upload.
        let purge = async {
            tokio::time::sleep(Duration::from_millis(round % 24 * 2)).await;
            let purged = purger.client.delete(format!("{api}?purge=true")).send();
            assert_eq!(purged.await.unwrap().status(), 204);
        };
        let upload = uploader.upload_bytes("race.jpg", bytes.clone());
        let ((status, second), ()) = tokio::join!(upload, purge);
        assert_eq!(status, 201, "{second}");
        let original = uploader.url(second["links"]["original"].as_str().unwrap());
        let response = uploader.client.get(&original).send().await.unwrap();
        assert_eq!(
            response.status(),
            200,
            "round {round}: the original is gone"
        );
        assert_eq!(response.bytes().await.unwrap(), bytes, "round {round}");
    }
}
