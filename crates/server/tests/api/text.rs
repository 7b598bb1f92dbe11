//! Text read in pictures over HTTP: a scanned page (a PDF holding only a JPEG of a page)
//! is read by Tesseract, a phrase set on a photo by the photo reader; both are found by
//! search and served by `GET /assets/{id}/text`, and a PDF with its own text is not read
//! again.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::faces::ids;
use crate::helpers::{TestApp, corpus, spawn_app, tag_sources};

const WAIT: Duration = Duration::from_secs(90);

async fn analysed(app: &TestApp, filename: &str, bytes: Vec<u8>) -> Value {
    let (status, asset) = app.upload_bytes(filename, bytes).await;
    assert_eq!(status, 201, "{asset}");
    let id = asset["id"].as_str().unwrap();
    app.wait_processed(id, WAIT).await;
    app.wait_analysed(id, WAIT).await
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status();
    assert!(status.is_ok_and(|s| s.success()), "{program} {args:?}");
}

/// A one-page PDF whose page is `jpeg` (`width` × `height` pixels at 150 dpi) and
/// nothing else: what a scanner makes. PDF 1.4 (ISO 32000-1 §7.5: header, objects,
/// cross-reference table, trailer).
fn scanned_pdf(jpeg: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width * 72 / 150, height * 72 / 150);
    let content = format!("q {w} 0 0 {h} 0 0 cm /Page Do Q");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] \
             /Resources << /XObject << /Page 4 0 R >> >> /Contents 5 0 R >>"
        )
        .into_bytes(),
        [
            format!(
                "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} \
                 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
                jpeg.len()
            )
            .as_bytes(),
            jpeg,
            b"\nendstream",
        ]
        .concat(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

async fn text_of(app: &TestApp, id: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/assets/{id}/text")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn text_read_in_a_scanned_page_and_on_a_photo_is_searchable() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &Path| p.to_str().unwrap().to_owned();

    // The corpus's Google Docs page, scanned: rendered at 150 dpi into a JPEG-only PDF.
    let document = corpus().join("docs/google-doc-document.pdf");
    let prefix = dir.path().join("scan");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-jpeg",
            &path(&document),
            &path(&prefix),
        ],
    );
    let jpeg = std::fs::read(dir.path().join("scan.jpg")).unwrap();
    let size = image::load_from_memory(&jpeg).unwrap();
    let scan = analysed(
        &app,
        "scan.pdf",
        scanned_pdf(&jpeg, size.width(), size.height()),
    )
    .await;
    let scan_id = scan["id"].as_str().unwrap();
    let text = &scan["analysis"]["text"];
    assert_eq!(text["status"], "ok", "{scan}");
    assert!(
        text["model"].as_str().unwrap().contains("Tesseract"),
        "{text}"
    );
    let read = text_of(&app, scan_id).await;
    assert!(read.contains("Beautiful is better than ugly."), "{read}");
    let tags = tag_sources(&scan);
    assert!(
        tags.contains(&("document".into(), "auto".into())),
        "{tags:?}"
    );

    // A phrase set on a photo, in white DejaVu Sans Bold.
    let photo = corpus().join("images/camera/Iceland-sRGB.jpg");
    let label = dir.path().join("label.png");
    run(
        "vips",
        &[
            "text",
            &path(&label),
            "<span foreground='white'>Landmannalaugar</span>",
            "--font",
            "DejaVu Sans Bold 30",
            "--rgba",
        ],
    );
    let poster = dir.path().join("poster.png");
    run(
        "vips",
        &[
            "composite2",
            &path(&photo),
            &path(&label),
            &path(&poster),
            "over",
            "--x",
            "40",
            "--y",
            "60",
        ],
    );
    let poster = analysed(&app, "sunset.png", std::fs::read(&poster).unwrap()).await;
    let poster_id = poster["id"].as_str().unwrap();
    assert_eq!(poster["analysis"]["text"]["status"], "ok", "{poster}");
    assert!(text_of(&app, poster_id).await.contains("Landmannalaugar"));

    // Search finds each by the words read in it.
    let (_, hits) = app.get_json("/api/v1/assets?q=ambiguity").await;
    assert_eq!(ids(&hits), [scan_id], "{hits}");
    let (_, hits) = app.get_json("/api/v1/assets?q=landmannalaugar").await;
    assert_eq!(ids(&hits), [poster_id], "{hits}");

    // A PDF with a text layer keeps its own text: nothing is read from its picture.
    let own = analysed(&app, "doc.pdf", std::fs::read(&document).unwrap()).await;
    let own_text = &own["analysis"]["text"];
    assert_eq!(own_text["status"], "skipped", "{own}");
    assert!(
        own_text["reason"]
            .as_str()
            .unwrap()
            .contains("text of its own")
    );

    // A rerun of the reading replaces what it read before.
    let response = app
        .client
        .post(app.url(&format!("/api/v1/assets/{scan_id}/analyse?analysers=text")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let job: Value = response.json().await.unwrap();
    app.wait_job(job["id"].as_str().unwrap(), WAIT, |j| {
        j["status"] == "succeeded"
    })
    .await;
    assert_eq!(text_of(&app, scan_id).await, read);
}
