//! Reading text, with the models `scripts/models.sh` installs in `models/`: phrases set
//! with a Debian font (DejaVu Sans, rendered by libvips' `vips text`) at several sizes on
//! corpus photos are read by the photo reader; a corpus document's page, rendered by
//! poppler's `pdftoppm`, is read by Tesseract.

use std::path::{Path, PathBuf};
use std::process::Command;

use medialib_analysis::text::page;
use medialib_analysis::text::photo::PhotoReader;
use medialib_core::analysis::TextLine;
use medialib_media::ImageLimits;

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "{program} {args:?} failed; run scripts/setup.sh first"
    );
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `phrase` in DejaVu Sans Bold at `points` (at 72 dpi: pixels), in `colour`, set on the
/// corpus photo `photo` at (`x`, `y`): a PNG file in `dir`.
fn poster(
    dir: &Path,
    photo: &str,
    phrase: &str,
    points: u32,
    colour: &str,
    (x, y): (u32, u32),
) -> PathBuf {
    let text = dir.join(format!("text-{points}.png"));
    let markup = format!("<span foreground='{colour}'>{phrase}</span>");
    let font = format!("DejaVu Sans Bold {points}");
    run(
        "vips",
        &["text", path(&text), &markup, "--font", &font, "--rgba"],
    );
    let out = dir.join(format!("poster-{points}.png"));
    let photo = path(&corpus().join(photo)).to_owned();
    let (x, y) = (x.to_string(), y.to_string());
    run(
        "vips",
        &[
            "composite2",
            &photo,
            path(&text),
            path(&out),
            "over",
            "--x",
            &x,
            "--y",
            &y,
        ],
    );
    out
}

fn read_png(file: &Path) -> image::RgbImage {
    let bytes = std::fs::read(file).unwrap();
    let raster = medialib_media::square::upright(
        &bytes,
        medialib_media::ImageFormat::Png,
        u32::MAX,
        &ImageLimits::default(),
    )
    .unwrap();
    image::RgbImage::from_raw(raster.width(), raster.height(), raster.data().to_vec()).unwrap()
}

fn words(lines: &[TextLine]) -> String {
    lines
        .iter()
        .map(|l| l.text.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn phrases_set_on_photos_are_read_at_several_sizes() {
    let reader =
        PhotoReader::load(&models()).unwrap_or_else(|e| panic!("{e}; run scripts/setup.sh first"));
    let dir = tempfile::tempdir().unwrap();
    // (photo, phrase, size in points, colour, where): white on a dark sunset and on a
    // lava field, black on a bright sky, small to large, and on a 12 MP photo that the
    // reader scales down.
    let cases = [
        (
            "images/camera/Iceland-sRGB.jpg",
            "Midnight sun",
            18,
            "white",
            (40, 250),
        ),
        (
            "images/camera/Iceland-sRGB.jpg",
            "Landmannalaugar trail",
            28,
            "white",
            (30, 380),
        ),
        (
            "images/jpeg/progressive_icc.jpg",
            "Summer sale",
            44,
            "black",
            (40, 30),
        ),
        (
            "images/camera/exif-org_olympus-c960.jpg",
            "Open daily",
            64,
            "white",
            (20, 20),
        ),
        // 4032 × 3024, which the reader sees at 981 × 736: the phrase about 39 pixels high.
        (
            "images/large/olympus_E-P3_12MP.jpg",
            "Grand opening",
            160,
            "white",
            (200, 300),
        ),
    ];
    let mut wrong = Vec::new();
    for (photo, phrase, points, colour, at) in cases {
        let file = poster(dir.path(), photo, phrase, points, colour, at);
        let lines = reader.read(&read_png(&file)).unwrap();
        let seen = words(&lines);
        if !phrase.to_lowercase().split(' ').all(|w| seen.contains(w)) {
            wrong.push(format!("{phrase} ({points} pt on {photo}): read {lines:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn photos_without_text_read_nothing() {
    let reader = PhotoReader::load(&models()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for photo in [
        "images/camera/Kodak_CX7530.jpg",
        "images/jpeg/progressive_icc.jpg",
    ] {
        let png = dir.path().join("plain.png");
        run("vips", &["copy", path(&corpus().join(photo)), path(&png)]);
        let lines = reader.read(&read_png(&png)).unwrap();
        assert!(
            words(&lines)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .count()
                < 4,
            "{photo}: {lines:?}"
        );
    }
}

#[test]
fn tesseract_reads_a_document_page() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    let pdf = corpus().join("docs/google-doc-document.pdf");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            path(&pdf),
            path(&prefix),
        ],
    );
    let png = std::fs::read(dir.path().join("page-1.png")).unwrap();
    let size = image::load_from_memory(&png).unwrap();
    let lines = page::read(&png, size.width(), size.height(), &["eng".into()]).unwrap();
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    for expected in [
        "Example document",
        "Beautiful is better than ugly.",
        "In the face of ambiguity, refuse the temptation to guess.",
    ] {
        assert!(texts.contains(&expected), "{expected:?} not in {texts:#?}");
    }
    let first = &lines[0];
    assert!(first.y < 0.2 && first.confidence > 0.8, "{first:?}");
    let missing = page::read(&png, size.width(), size.height(), &["xyz".into()]);
    assert!(
        missing
            .as_ref()
            .is_err_and(|e| e.starts_with("Tesseract failed")),
        "{missing:?}"
    );
}
