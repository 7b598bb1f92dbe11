//! `medialib_media::document` against the real corpus (`/work/shared/corpus`, or
//! `MEDIALIB_CORPUS`): expectations come from its `manifest.json`, not from this file.

mod support;

use support::{corpus_dir, manifest};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use medialib_core::DocumentMetadata;
use medialib_media::MediaError;
use medialib_media::document::{extract_text, probe, render_first_page};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);
const PDF: &str = "application/pdf";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn corpus() -> PathBuf {
    corpus_dir()
}

/// The manifest's entries under `docs/`.
fn documents() -> Vec<Value> {
    let docs: Vec<Value> = manifest()
        .into_iter()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.starts_with("docs/")))
        .collect();
    assert!(!docs.is_empty(), "the manifest lists no docs/ files");
    docs
}

fn str_of<'a>(entry: &'a Value, key: &str) -> &'a str {
    entry[key].as_str().unwrap_or_default()
}

fn path_of(entry: &Value) -> PathBuf {
    corpus().join(str_of(entry, "path"))
}

fn is_encrypted(entry: &Value) -> bool {
    entry["encrypted"].as_bool() == Some(true)
}

/// Accepted, readable documents with the given MIME type (`None`: all of them).
fn accepted(mime: Option<&str>) -> Vec<Value> {
    documents()
        .into_iter()
        .filter(|e| str_of(e, "expect") == "accept" && !is_encrypted(e))
        .filter(|e| mime.is_none_or(|m| str_of(e, "mime") == m))
        .collect()
}

fn probe_entry(entry: &Value) -> DocumentMetadata {
    probe(&path_of(entry), str_of(entry, "mime"), TIMEOUT)
        .unwrap_or_else(|e| panic!("{}: {e}", str_of(entry, "path")))
}

/// The full text of a corpus document, by its file name.
fn full_text(name: &str) -> String {
    let entry = documents()
        .into_iter()
        .find(|e| str_of(e, "path").ends_with(name))
        .unwrap_or_else(|| panic!("{name} is not in the manifest"));
    let meta = probe_entry(&entry);
    extract_text(&path_of(&entry), &meta, 10 << 20, TIMEOUT)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .unwrap_or_else(|| panic!("{name}: no text"))
}

#[test]
fn accepted_documents_probe_as_the_manifest_says() {
    let entries = accepted(None);
    for entry in &entries {
        let name = str_of(entry, "path");
        let meta = probe_entry(entry);
        assert!(!meta.encrypted, "{name}");
        if let Some(pages) = entry["pages"].as_u64() {
            assert_eq!(meta.page_count.map(u64::from), Some(pages), "{name}: pages");
        }
        if let Some(version) = entry["pdf_version"].as_str() {
            assert_eq!(meta.pdf_version.as_deref(), Some(version), "{name}");
        }
        if let Some([w, h]) = entry["page_size_pt"].as_array().map(|s| [&s[0], &s[1]]) {
            let [pw, ph] = meta
                .page_size_pt
                .unwrap_or_else(|| panic!("{name}: no size"));
            let close = |a: f64, b: &Value| (a - b.as_f64().unwrap_or(f64::NAN)).abs() < 0.01;
            assert!(close(pw, w) && close(ph, h), "{name}: {pw} x {ph}");
        }
        if let Some(charset) = entry["charset"].as_str() {
            assert_eq!(meta.charset.as_deref(), Some(charset), "{name}");
        }
        if let Some(lines) = entry["lines"].as_u64() {
            assert_eq!(meta.lines, Some(lines), "{name}: lines");
        }
        let expected_format = match str_of(entry, "kind") {
            "text" => "text",
            _ => name.rsplit('.').next().unwrap_or_default(),
        };
        assert_eq!(meta.format, expected_format, "{name}");
        if let Some(created) = &meta.created_at {
            assert!(looks_like_rfc3339(created), "{name}: {created}");
        }
    }
    let kinds = |mime: &str| entries.iter().filter(|e| str_of(e, "mime") == mime).count();
    assert!(kinds(PDF) >= 5 && kinds(DOCX) >= 1 && kinds("text/plain") >= 2);
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `Z`, `±HH:MM` or nothing (ODF's local times).
fn looks_like_rfc3339(s: &str) -> bool {
    let shape = |s: &str, pattern: &str| {
        s.len() == pattern.len()
            && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
                b'9' => c.is_ascii_digit(),
                b'+' => c == b'+' || c == b'-',
                _ => c == p,
            })
    };
    let (date_time, offset) = s.split_at(s.len().min(19));
    shape(date_time, "9999-99-99T99:99:99")
        && (offset.is_empty() || offset == "Z" || shape(offset, "+99:99"))
}

#[test]
fn office_files_give_their_facts_and_text() {
    let docx = probe(&corpus().join("docs/Random.docx"), DOCX, TIMEOUT).expect("docx");
    // The author and date as docProps/core.xml records them (checked with unzip).
    assert_eq!(docx.author.as_deref(), Some("Carly . Bongers"));
    assert_eq!(docx.created_at.as_deref(), Some("2017-09-29T12:49:00Z"));
    assert_eq!(docx.title, None, "an empty dc:title is no title");
    assert!(full_text("Random.docx").contains("ROBBEN ISLAND MUSEUM"));

    // Sniffing may only see a zip: the entries decide.
    let odt = probe(
        &corpus().join("docs/libreoffice-form.odt"),
        "application/zip",
        TIMEOUT,
    )
    .expect("odt");
    assert_eq!(odt.format, "odt");
    assert_eq!(odt.created_at.as_deref(), Some("2022-06-26T10:36:59"));
    assert!(full_text("libreoffice-form.odt").contains("Example for a Form"));

    let render = render_first_page(&corpus().join("docs/Random.docx"), &docx, 256, TIMEOUT);
    assert_eq!(render, Ok(None));
}

#[test]
fn an_encrypted_pdf_is_stored_but_never_opened() {
    let locked: Vec<Value> = documents().into_iter().filter(is_encrypted).collect();
    assert!(
        !locked.is_empty(),
        "the manifest lists no encrypted document"
    );
    for entry in &locked {
        assert_eq!(str_of(entry, "expect"), "accept");
        let meta = probe_entry(entry);
        assert!(meta.encrypted, "{}", str_of(entry, "path"));
        assert_eq!(meta.page_count, None);
        let path = path_of(entry);
        assert_eq!(render_first_page(&path, &meta, 512, TIMEOUT), Ok(None));
        assert_eq!(extract_text(&path, &meta, 1000, TIMEOUT), Ok(None));
        // Even a caller that lost the flag gets no preview and no error.
        let unflagged = DocumentMetadata {
            encrypted: false,
            ..meta
        };
        assert_eq!(render_first_page(&path, &unflagged, 512, TIMEOUT), Ok(None));
        assert_eq!(extract_text(&path, &unflagged, 1000, TIMEOUT), Ok(None));
    }
}

#[test]
fn damaged_files_either_way_finish_quickly() {
    let either: Vec<Value> = documents()
        .into_iter()
        .filter(|e| str_of(e, "expect") == "either")
        .collect();
    assert!(
        either
            .iter()
            .any(|e| str_of(e, "path").ends_with("trailer_loop.pdf"))
    );
    for entry in &either {
        let started = Instant::now();
        let path = path_of(entry);
        match probe(&path, str_of(entry, "mime"), TIMEOUT) {
            Ok(meta) => {
                let png = render_first_page(&path, &meta, 256, TIMEOUT);
                assert!(
                    matches!(png, Ok(_) | Err(MediaError::Invalid(_))),
                    "{png:?}"
                );
                let text = extract_text(&path, &meta, 1000, TIMEOUT);
                assert!(
                    matches!(text, Ok(_) | Err(MediaError::Invalid(_))),
                    "{text:?}"
                );
            }
            Err(e) => assert!(matches!(e, MediaError::Invalid(_)), "{e:?}"),
        }
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(5),
            "{}: {elapsed:?}",
            str_of(entry, "path")
        );
    }
}

#[test]
fn first_pages_render_within_bounds_with_the_page_aspect() {
    for entry in accepted(Some(PDF)) {
        let name = str_of(&entry, "path");
        let meta = probe_entry(&entry);
        let png = render_first_page(&path_of(&entry), &meta, 1024, TIMEOUT)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name}: no preview"));
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (w, h) = (image.width(), image.height());
        assert!(w.max(h) <= 1024 && w.max(h) >= 1000, "{name}: {w} x {h}");
        let [pw, ph] = meta
            .page_size_pt
            .unwrap_or_else(|| panic!("{name}: no size"));
        let ratio = (f64::from(w) / f64::from(h)) / (pw / ph);
        assert!(
            (ratio - 1.0).abs() < 0.02,
            "{name}: {w} x {h} for {pw} x {ph} pt"
        );
    }
}

#[test]
fn a_rotated_page_is_measured_and_rendered_as_displayed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rotated.pdf");
    // A landscape media box turned a quarter: viewers show a 100 x 400 pt portrait page.
    // Without an xref table poppler reconstructs one and warns, which must not matter.
    std::fs::write(
        &path,
        "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n\
         2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n\
         3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 400 100]/Rotate 90>> endobj\n\
         trailer <</Root 1 0 R>>\n%%EOF\n",
    )
    .expect("write");
    let meta = probe(&path, PDF, TIMEOUT).expect("probe");
    assert_eq!(meta.page_size_pt, Some([100.0, 400.0]));
    let png = render_first_page(&path, &meta, 200, TIMEOUT)
        .expect("render")
        .expect("a preview");
    let image = image::load_from_memory(&png).expect("png");
    assert_eq!((image.width(), image.height()), (50, 200));
}

#[test]
fn pdf_text_is_extracted_and_cut_at_a_char_boundary() {
    // Words checked with `pdftotext -enc UTF-8 <file> -` by hand.
    let crazy = full_text("crazyones-pdfa.pdf");
    assert!(crazy.starts_with("The Crazy Ones"), "{crazy}");
    assert!(crazy.contains("the crazy ones. The misfits."));
    let latex = full_text("pdflatex-4-pages.pdf");
    assert!(latex.contains("Huardest gefburn"), "{latex}");

    let entry = documents()
        .into_iter()
        .find(|e| str_of(e, "path").ends_with("pdflatex-4-pages.pdf"))
        .expect("in the manifest");
    let (path, meta) = (path_of(&entry), probe_entry(&entry));
    let short = extract_text(&path, &meta, 100, TIMEOUT)
        .expect("text")
        .expect("some text");
    assert!(short.len() <= 100 && latex.starts_with(&short), "{short:?}");

    // Cut one byte into the three-byte “: the whole character goes.
    let quote = latex.find('“').expect("pdftotext writes “ for ``");
    let cut = extract_text(&path, &meta, quote + 1, TIMEOUT)
        .expect("text")
        .expect("some text");
    assert_eq!(cut, latex[..quote].trim_end());
}

#[test]
fn a_truncated_pdf_is_invalid_with_poppler_reason() {
    let original = std::fs::read(corpus().join("docs/pdflatex-4-pages.pdf")).expect("read");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("truncated.pdf");
    std::fs::write(&path, &original[..200]).expect("write");
    match probe(&path, PDF, TIMEOUT) {
        Err(MediaError::Invalid(reason)) => {
            assert!(reason.contains("Syntax Error"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_and_bombs_named_docx_are_invalid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = dir.path().join("garbage.docx");
    std::fs::write(&garbage, b"PK\x03\x04 this is not a zip at all").expect("write");
    for mime in [DOCX, "application/zip"] {
        let err = probe(&garbage, mime, TIMEOUT).expect_err("garbage");
        assert!(
            matches!(&err, MediaError::Invalid(r) if r.contains("zip")),
            "{err:?}"
        );
    }

    // A zip that is fine but holds no office document.
    let plain = dir.path().join("plain.zip");
    write_zip(&plain, &[("readme.txt", b"hello".as_slice())]);
    let err = probe(&plain, "application/zip", TIMEOUT).expect_err("plain zip");
    assert!(
        matches!(&err, MediaError::Invalid(r) if r.contains("not an office")),
        "{err:?}"
    );

    // 60 MB of spaces deflate to a few dozen KB: the metadata part is a bomb.
    let spaces = vec![b' '; 60 << 20];
    let bomb = dir.path().join("bomb.docx");
    write_zip(
        &bomb,
        &[
            ("word/document.xml", b"<w:document/>".as_slice()),
            ("docProps/core.xml", &spaces),
        ],
    );
    assert!(std::fs::metadata(&bomb).expect("bomb").len() < 1 << 20);
    let err = probe(&bomb, DOCX, TIMEOUT).expect_err("bomb");
    assert!(
        matches!(&err, MediaError::Invalid(r) if r.contains("inflates")),
        "{err:?}"
    );

    let many = dir.path().join("many.docx");
    let names: Vec<String> = (0..10_001).map(|i| format!("f{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    write_zip(&many, &entries);
    let err = probe(&many, DOCX, TIMEOUT).expect_err("too many entries");
    assert!(
        matches!(&err, MediaError::Invalid(r) if r.contains("entries")),
        "{err:?}"
    );
}

fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).expect("create");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).expect("start_file");
        zip.write_all(data).expect("write");
    }
    zip.finish().expect("finish");
}

#[test]
fn text_in_another_encoding_is_accepted_as_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("latin1.txt");
    std::fs::write(&path, b"caf\xe9\nna\xefve").expect("write");
    let meta = probe(&path, "text/plain", TIMEOUT).expect("probe");
    assert_eq!(
        (meta.lines, meta.charset.as_deref()),
        (Some(2), Some("unknown"))
    );
    let text = extract_text(&path, &meta, 1000, TIMEOUT).expect("text");
    assert_eq!(text.as_deref(), Some("caf\u{fffd}\nna\u{fffd}ve"));

    let utf8 = corpus().join("docs/accentué.txt");
    let meta = probe(&utf8, "text/plain", TIMEOUT).expect("probe");
    let text = extract_text(&utf8, &meta, 5, TIMEOUT)
        .expect("text")
        .unwrap_or_default();
    assert!(text.len() <= 5, "{text:?}");
}

#[test]
fn other_formats_are_refused() {
    let path = corpus().join("docs/small_130b.pdf");
    let err = probe(&path, "image/png", TIMEOUT).expect_err("not a document");
    assert_eq!(
        err,
        MediaError::Invalid("not a document format this server reads: image/png".to_owned())
    );
}
