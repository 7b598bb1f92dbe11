//! EPUB (EPUB 3.3 and 2.0.1): the OCF zip container, the package document (OPF) it points
//! to, and the cover image for the preview; the spine's text is `epub_text`'s.
//!
//! The container goes through `office`'s bounded zip reader (entry count, inflated size).
//! Hrefs in the package are resolved to entry names and only ever looked up in the zip:
//! one that climbs above the container's root, or names another scheme, is ignored, so the
//! package can never reach the file system or the network.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::ops::ControlFlow;
use std::path::Path;

use medialib_core::DocumentMetadata;

use super::office::{self, Container};
use super::xml::{DC, Element, Visit};
use super::{EPUB, date, free_text};
use crate::MediaError;

/// The OCF container file, `META-INF/container.xml` (EPUB 3.3, "Container file").
const CONTAINER: &str = "urn:oasis:names:tc:opendocument:xmlns:container";
/// The package document (EPUB 3.3, "Package document"; EPUB 2.0.1's OPF has the same).
const OPF: &str = "http://www.idpf.org/2007/opf";
/// Most bytes of a cover image read (50 MiB); real covers are well under 10 MiB.
const MAX_COVER_BYTES: u64 = 50 * 1024 * 1024;

/// Cover media types the image pipeline reads (all EPUB 3.3 core media types).
const COVER_TYPES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/svg+xml",
];

/// What the package document says, with hrefs resolved to entry names.
#[derive(Default)]
pub(super) struct Package {
    title: Option<String>,
    author: Option<String>,
    /// Dates with their preference (lower first), as written.
    dates: Vec<(u8, String)>,
    /// The spine's XHTML documents, in reading order, each once.
    pub(super) spine: Vec<String>,
    /// The cover image's entry.
    cover: Option<String>,
}

/// A manifest `item`.
struct Item {
    id: String,
    /// Resolved entry name; `None` for an href outside the container.
    entry: Option<String>,
    media_type: String,
    properties: String,
}

/// Reads the package document's facts.
///
/// `page_count` stays `None`: EPUB is reflowable, so pages exist only in a reader at a
/// given screen and font size (and EPUB 3's optional page list is the print edition's).
pub(super) fn probe(path: &Path) -> Result<DocumentMetadata, MediaError> {
    let package = read_package(&mut office::open(path)?)?;
    let mut dates = package.dates;
    dates.sort_by_key(|(rank, _)| *rank);
    Ok(DocumentMetadata {
        format: EPUB.to_owned(),
        title: package.title,
        author: package.author,
        // A date alone (`2011-09-12`, the usual `dc:date`) is not the date-time the field
        // holds, and inventing midnight would be wrong; the next candidate is used instead.
        created_at: dates.iter().find_map(|(_, d)| date::normalize(d)),
        ..DocumentMetadata::default()
    })
}

/// The cover image's bytes as stored (JPEG, PNG, GIF, WebP or SVG); `None` when the
/// package names no cover, names a missing entry, or the entry is not an image.
///
/// Errors: [`MediaError::Invalid`] for a damaged container or package document, or a
/// cover that inflates beyond [`MAX_COVER_BYTES`].
pub(super) fn cover(path: &Path) -> Result<Option<Vec<u8>>, MediaError> {
    let mut zip = office::open(path)?;
    let Some(name) = read_package(&mut zip)?.cover else {
        return Ok(None);
    };
    let Some(mut entry) = office::part(&mut zip, &name, MAX_COVER_BYTES)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| MediaError::Invalid(format!("the cover image {name}: {e}")))?;
    // The media type is the producer's word; a cover that is not an image is no preview
    // rather than a failed asset.
    let is_image = crate::sniff(&bytes, bytes.len() as u64).is_some_and(|d| d.format.is_some());
    Ok(is_image.then_some(bytes))
}

/// `META-INF/container.xml` → the first rootfile → its package document.
///
/// Errors: [`MediaError::Invalid`] when either is missing or not well-formed.
pub(super) fn read_package(zip: &mut Container) -> Result<Package, MediaError> {
    let mut rootfile = None;
    let found = office::walk_part(zip, "META-INF/container.xml", |visit| {
        if let Visit::Open(element) = visit
            && element.name.is(CONTAINER, "rootfile")
        {
            rootfile = element.attribute("", "full-path");
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if !found {
        return Err(MediaError::Invalid(
            "not a valid EPUB: it has no META-INF/container.xml".to_owned(),
        ));
    }
    let Some(opf) = rootfile.as_deref().and_then(|href| resolve("", href)) else {
        return Err(MediaError::Invalid(
            "not a valid EPUB: META-INF/container.xml names no package document (rootfile \
             full-path) inside the container"
                .to_owned(),
        ));
    };
    let base = opf.rsplit_once('/').map_or("", |(folder, _)| folder);
    let mut opf_reader = OpfReader::default();
    let found = office::walk_part(zip, &opf, |visit| {
        opf_reader.take(base, visit);
        ControlFlow::Continue(())
    })?;
    if !found {
        return Err(MediaError::Invalid(format!(
            "not a valid EPUB: its package document {opf} is missing from the container"
        )));
    }
    Ok(opf_reader.finish())
}

/// What one pass over the package document collects.
#[derive(Default)]
struct OpfReader {
    package: Package,
    /// The metadata element being read, its preference (for dates) and its text so far.
    reading: Option<(Reading, u8, String)>,
    manifest: Vec<Item>,
    spine: Vec<String>,
    /// EPUB 2's `<meta name="cover" content="ID">`.
    cover_id: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Title,
    Author,
    Date,
}

impl OpfReader {
    fn take(&mut self, base: &str, visit: Visit<'_>) {
        match visit {
            Visit::Open(element) => self.open(base, &element),
            Visit::Text(text) => {
                if let Some((_, _, value)) = &mut self.reading
                    && value.len() <= super::MAX_FIELD_BYTES
                {
                    value.push_str(text);
                }
            }
            Visit::Close(_) => {
                // Metadata elements hold only text, so the first close ends the one read.
                if let Some((reading, rank, value)) = self.reading.take() {
                    let package = &mut self.package;
                    // Titles and authors are read only while none is known yet.
                    match reading {
                        Reading::Title => package.title = free_text(&value),
                        Reading::Author => package.author = free_text(&value),
                        Reading::Date => package.dates.push((rank, value.trim().to_owned())),
                    }
                }
            }
        }
    }

    fn open(&mut self, base: &str, element: &Element<'_>) {
        let name = element.name;
        let reading = if name.is(DC, "title") && self.package.title.is_none() {
            Some((Reading::Title, 0))
        } else if name.is(DC, "creator") && self.package.author.is_none() {
            Some((Reading::Author, 0))
        } else if name.is(DC, "date") {
            // EPUB 2.0.1's OPF tells dates apart with `opf:event`; EPUB 3's `dc:date` is
            // the publication date.
            let rank = match element.attribute(OPF, "event").as_deref() {
                Some("creation") => 0,
                Some("modification") => 3,
                _ => 2,
            };
            Some((Reading::Date, rank))
        } else if name.is(OPF, "meta") {
            match element.attribute("", "property").as_deref() {
                Some("dcterms:created") => Some((Reading::Date, 1)),
                // Required by EPUB 3: the last modification, so the last resort.
                Some("dcterms:modified") => Some((Reading::Date, 4)),
                _ => {
                    if element.attribute("", "name").as_deref() == Some("cover") {
                        self.cover_id = element.attribute("", "content");
                    }
                    None
                }
            }
        } else if name.is(OPF, "item") {
            self.manifest.push(Item {
                id: element.attribute("", "id").unwrap_or_default(),
                entry: element
                    .attribute("", "href")
                    .and_then(|href| resolve(base, &href)),
                media_type: element.attribute("", "media-type").unwrap_or_default(),
                properties: element.attribute("", "properties").unwrap_or_default(),
            });
            None
        } else if name.is(OPF, "itemref") {
            self.spine.extend(
                element
                    .attribute("", "idref")
                    .map(|id| id.trim().to_owned()),
            );
            None
        } else {
            None
        };
        self.reading = reading.map(|(reading, rank)| (reading, rank, String::new()));
    }

    fn finish(self) -> Package {
        let Self {
            mut package,
            manifest,
            spine,
            cover_id,
            ..
        } = self;
        // Maps, not scans: a hostile package may list a million items and itemrefs.
        let by_id: HashMap<&str, &Item> = manifest
            .iter()
            .rev()
            .map(|item| (item.id.as_str(), item))
            .collect();
        let mut seen = HashSet::new();
        for id in &spine {
            // Only XHTML content documents carry text this reader takes (EPUB 2's DTBook
            // and EPUB 3's SVG spine items are rare).
            if let Some(item) = by_id.get(id.as_str())
                && item.media_type.trim() == "application/xhtml+xml"
                && let Some(entry) = &item.entry
                && seen.insert(entry)
            {
                package.spine.push(entry.clone());
            }
        }
        // EPUB 3's `cover-image` item property, else the `<meta name="cover">` convention
        // of EPUB 2 producers.
        let cover = manifest
            .iter()
            .find(|item| {
                item.properties
                    .split_ascii_whitespace()
                    .any(|p| p == "cover-image")
            })
            .or_else(|| cover_id.and_then(|id| by_id.get(id.trim()).copied()));
        package.cover = cover
            .filter(|item| COVER_TYPES.contains(&item.media_type.trim()))
            .and_then(|item| item.entry.clone());
        package
    }
}

/// The entry an href names, relative to the folder `base` (`""` for the root): fragment
/// dropped, percent-decoded, `.` and `..` applied. `None` for a URL with a scheme, an href
/// that climbs above the root, or one that decodes to invalid UTF-8.
fn resolve(base: &str, href: &str) -> Option<String> {
    let path = href.split('#').next().unwrap_or_default();
    let first_segment = path.split('/').next().unwrap_or_default();
    if path.is_empty() || first_segment.contains(':') {
        return None;
    }
    let path = percent_decode(path)?;
    let mut segments: Vec<&str> = Vec::new();
    // An absolute path is taken from the container's root.
    let start = if path.starts_with('/') { "" } else { base };
    for segment in start.split('/').chain(path.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            _ => segments.push(segment),
        }
    }
    Some(segments.join("/")).filter(|entry| !entry.is_empty())
}

/// `%hh` escapes decoded (RFC 3986 §2.1); `None` when the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};
    use std::path::PathBuf;
    use std::time::Duration;

    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::document::{extract_text, probe, render_first_page, render_page};

    const TIMEOUT: Duration = Duration::from_secs(10);
    const EPUB_MIME: &str = "application/epub+zip";

    fn write_zip(dir: &Path, entries: &[(&str, &[u8])]) -> PathBuf {
        let path = dir.join("book.epub");
        let file = std::fs::File::create(&path).expect("create");
        let mut zip = zip::ZipWriter::new(file);
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            zip.start_file(*name, options).expect("start_file");
            zip.write_all(data).expect("write");
        }
        zip.finish().expect("finish");
        path
    }

    fn container(opf: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><container version="1.0" xmlns="{CONTAINER}">
            <rootfiles><rootfile full-path="{opf}" media-type="application/oebps-package+xml"/>
            </rootfiles></container>"#
        )
    }

    fn image(format: image::ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image::RgbImage::new(4, 3)
            .write_to(&mut bytes, format)
            .expect("encode");
        bytes.into_inner()
    }

    fn chapter(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">
            <head><title>Not text</title><style>p {{ color: red }}</style></head>
            <body>{body}</body></html>"#
        )
    }

    #[test]
    fn epub3_facts_spine_order_text_and_cover_image() {
        let dir = tempfile::tempdir().expect("tempdir");
        let opf = format!(
            r#"<package xmlns="{OPF}" version="3.0" unique-identifier="id">
            <metadata xmlns:dc="{DC}">
              <dc:identifier id="id">urn:uuid:1</dc:identifier>
              <dc:title> A Book </dc:title><dc:title>Subtitle</dc:title>
              <dc:creator>Ann Author</dc:creator><dc:creator>Bob</dc:creator>
              <dc:date>2011-09-12</dc:date>
              <meta property="dcterms:modified">2012-01-18T12:47:00Z</meta>
            </metadata>
            <manifest>
              <item id="c1" href="text/one.xhtml" media-type="application/xhtml+xml"/>
              <item id="c2" href="text/chapter%20two.xhtml" media-type="application/xhtml+xml"/>
              <item id="cover" href="images/cover.png" media-type="image/png"
                    properties="cover-image"/>
              <item id="css" href="style.css" media-type="text/css"/>
            </manifest>
            <spine><itemref idref="c2"/><itemref idref="css"/><itemref idref="c1"/>
              <itemref idref="c2"/></spine>
            </package>"#
        );
        let one = chapter(
            "<h1>Chapter One</h1><p>First  <em>para</em>\n graph.</p>\
             <script>alert('no')</script><div>a<br/>b</div>",
        );
        let two = chapter("<section><h1>Chapter Two</h1><p>Opening.</p></section>");
        let png = image(image::ImageFormat::Png);
        let path = write_zip(
            dir.path(),
            &[
                ("mimetype", EPUB_MIME.as_bytes()),
                (
                    "META-INF/container.xml",
                    container("OEBPS/content.opf").as_bytes(),
                ),
                ("OEBPS/content.opf", opf.as_bytes()),
                ("OEBPS/text/one.xhtml", one.as_bytes()),
                ("OEBPS/text/chapter two.xhtml", two.as_bytes()),
                ("OEBPS/images/cover.png", &png),
            ],
        );

        let meta = probe(&path, EPUB_MIME, TIMEOUT).expect("probe");
        assert_eq!(meta.format, "epub");
        assert_eq!(meta.title.as_deref(), Some("A Book"));
        assert_eq!(meta.author.as_deref(), Some("Ann Author"));
        // The date alone is no date-time; the modification date is the one left.
        assert_eq!(meta.created_at.as_deref(), Some("2012-01-18T12:47:00Z"));
        assert_eq!(meta.page_count, None);

        let text = extract_text(&path, &meta, 1 << 20, TIMEOUT).expect("text");
        assert_eq!(
            text.as_deref(),
            Some("Chapter Two\nOpening.\nChapter One\nFirst para graph.\na\nb")
        );
        let cut = extract_text(&path, &meta, 14, TIMEOUT).expect("text");
        assert_eq!(cut.as_deref(), Some("Chapter Two\nOp"));

        let cover = render_first_page(&path, &meta, 512, TIMEOUT).expect("cover");
        assert_eq!(cover, Some(png));
        assert_eq!(
            render_page(&path, &meta, 2, 512, TIMEOUT).expect("page 2"),
            None
        );
    }

    #[test]
    fn epub2_meta_cover_and_creation_event() {
        let dir = tempfile::tempdir().expect("tempdir");
        let opf = format!(
            r#"<package xmlns="{OPF}" version="2.0">
            <metadata xmlns:dc="{DC}" xmlns:opf="{OPF}">
              <dc:title>Old Book</dc:title>
              <dc:date opf:event="modification">2012-02-02T00:00:00Z</dc:date>
              <dc:date opf:event="creation">2010-05-01T10:00:00+02:00</dc:date>
              <meta name="cover" content="cov"/>
            </metadata>
            <manifest>
              <item id="cov" href="cover.jpg" media-type="image/jpeg"/>
              <item id="t" href="t.xhtml" media-type="application/xhtml+xml"/>
            </manifest>
            <spine toc="ncx"><itemref idref="t"/></spine></package>"#
        );
        let jpeg = image(image::ImageFormat::Jpeg);
        let path = write_zip(
            dir.path(),
            &[
                ("mimetype", EPUB_MIME.as_bytes()),
                (
                    "META-INF/container.xml",
                    container("content.opf").as_bytes(),
                ),
                ("content.opf", opf.as_bytes()),
                ("cover.jpg", &jpeg),
                ("t.xhtml", chapter("<p>Hello</p>").as_bytes()),
            ],
        );
        let meta = probe(&path, EPUB_MIME, TIMEOUT).expect("probe");
        assert_eq!(meta.title.as_deref(), Some("Old Book"));
        assert_eq!(meta.author, None);
        assert_eq!(
            meta.created_at.as_deref(),
            Some("2010-05-01T10:00:00+02:00")
        );
        let cover = render_first_page(&path, &meta, 512, TIMEOUT).expect("cover");
        assert_eq!(cover, Some(jpeg));
        let text = extract_text(&path, &meta, 1 << 20, TIMEOUT).expect("text");
        assert_eq!(text.as_deref(), Some("Hello"));
    }

    #[test]
    fn hrefs_resolve_inside_the_package_only() {
        assert_eq!(
            resolve("OEBPS/text", "../images/a%20b.png#x").as_deref(),
            Some("OEBPS/images/a b.png")
        );
        assert_eq!(
            resolve("", "./OEBPS//c.opf").as_deref(),
            Some("OEBPS/c.opf")
        );
        assert_eq!(
            resolve("OEBPS", "/root.xhtml").as_deref(),
            Some("root.xhtml")
        );
        assert_eq!(
            resolve("OEBPS", "../top.xhtml").as_deref(),
            Some("top.xhtml")
        );
        for href in [
            "../../etc/passwd",
            "%2E%2E/%2e%2e/etc/passwd",
            "http://example.com/x.xhtml",
            "file:///etc/passwd",
            "%FF.xhtml",
            "#only-a-fragment",
            "..",
        ] {
            assert_eq!(resolve("OEBPS", href), None, "{href}");
        }
    }

    #[test]
    fn an_escaping_spine_item_is_ignored_and_no_cover_is_no_preview() {
        let dir = tempfile::tempdir().expect("tempdir");
        let opf = format!(
            r#"<package xmlns="{OPF}" version="3.0"><metadata/><manifest>
              <item id="a" href="../../secret.xhtml" media-type="application/xhtml+xml"/>
              <item id="b" href="../public.xhtml" media-type="application/xhtml+xml"/>
              <item id="c" href="c.png" media-type="image/png" properties="cover-image"/>
            </manifest><spine><itemref idref="a"/><itemref idref="b"/></spine></package>"#
        );
        let path = write_zip(
            dir.path(),
            &[
                (
                    "META-INF/container.xml",
                    container("OEBPS/p.opf").as_bytes(),
                ),
                ("OEBPS/p.opf", opf.as_bytes()),
                ("secret.xhtml", chapter("<p>secret</p>").as_bytes()),
                ("public.xhtml", chapter("<p>public</p>").as_bytes()),
                // Named as a PNG cover, but not an image.
                ("OEBPS/c.png", b"not a picture"),
            ],
        );
        let meta = probe(&path, EPUB_MIME, TIMEOUT).expect("probe");
        let text = extract_text(&path, &meta, 1 << 20, TIMEOUT).expect("text");
        assert_eq!(text.as_deref(), Some("public"));
        assert_eq!(
            render_first_page(&path, &meta, 512, TIMEOUT).expect("cover"),
            None
        );
    }

    #[test]
    fn a_missing_container_or_package_document_is_invalid() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_zip(dir.path(), &[("mimetype", EPUB_MIME.as_bytes())]);
        let err = probe(&path, EPUB_MIME, TIMEOUT).expect_err("no container");
        assert!(
            matches!(&err, MediaError::Invalid(m) if m.contains("META-INF/container.xml")),
            "{err:?}"
        );

        let container = container("OEBPS/missing.opf");
        let path = write_zip(
            dir.path(),
            &[("META-INF/container.xml", container.as_bytes())],
        );
        let err = probe(&path, EPUB_MIME, TIMEOUT).expect_err("no package document");
        assert!(
            matches!(&err, MediaError::Invalid(m) if m.contains("OEBPS/missing.opf is missing")),
            "{err:?}"
        );
    }
}
