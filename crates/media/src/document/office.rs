//! Office files: the zip container OOXML and ODF share, which format it holds, and the
//! metadata parts (`docProps/core.xml` and `docProps/app.xml` for OOXML, `meta.xml` for ODF).
//!
//! The container is untrusted: it is refused with more than [`MAX_ENTRIES`] entries, and a
//! part is read only while it inflates to at most [`MAX_PART_BYTES`]. Parts this module
//! never reads (images, embedded media) are never inflated, so they cost nothing.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::ops::ControlFlow;
use std::path::Path;

use medialib_core::DocumentMetadata;
use zip::ZipArchive;
use zip::result::ZipError;

use super::xml::{self, DC, Visit};
use super::{date, free_text, not_a_document};
use crate::MediaError;

/// Most entries accepted; real documents have tens to a few thousand.
const MAX_ENTRIES: usize = 10_000;

/// Most bytes one XML part may inflate to (50 MiB); beyond that it is a zip bomb.
const MAX_PART_BYTES: u64 = 50 * 1024 * 1024;

/// Most bytes of the ODF `mimetype` entry read (the longest ODF type is ~50 bytes).
const MAX_MIMETYPE_BYTES: u64 = 256;

/// OOXML core properties, `dcterms:created`.
const DCTERMS: &str = "http://purl.org/dc/terms/";
/// OOXML extended properties (`docProps/app.xml`): `Pages`, `Slides`.
const EXTENDED: &str = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties";
/// ODF `meta.xml`: `meta:initial-creator`, `meta:creation-date`, `meta:document-statistic`.
const ODF_META: &str = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0";

/// An opened office container.
pub(super) type Container = ZipArchive<BufReader<File>>;

/// The office formats this module reads; `name` is `DocumentMetadata::format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
}

impl Format {
    const ALL: [Self; 6] = [
        Self::Docx,
        Self::Xlsx,
        Self::Pptx,
        Self::Odt,
        Self::Ods,
        Self::Odp,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Pptx => "pptx",
            Self::Odt => "odt",
            Self::Ods => "ods",
            Self::Odp => "odp",
        }
    }

    pub(super) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.name() == name)
    }

    pub(super) fn is_odf(self) -> bool {
        matches!(self, Self::Odt | Self::Ods | Self::Odp)
    }

    /// The registered MIME type (ECMA-376 part 2 annex F; ODF 1.3 part 1 appendix C).
    fn mime(self) -> &'static str {
        match self {
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Self::Odp => "application/vnd.oasis.opendocument.presentation",
        }
    }
}

/// Opens the container and decides its format from its entries: sniffing may only have
/// seen "a zip", and the entries are what Word or LibreOffice go by as well.
pub(super) fn probe(path: &Path) -> Result<DocumentMetadata, MediaError> {
    let mut zip = open(path)?;
    let format = detect(&mut zip)?;
    let mut meta = DocumentMetadata {
        format: format.name().to_owned(),
        ..DocumentMetadata::default()
    };
    if format.is_odf() {
        let [title, initial_creator, creator, created, pages] = read_fields(
            &mut zip,
            "meta.xml",
            [
                Field::Text(DC, "title"),
                Field::Text(ODF_META, "initial-creator"),
                // The last editor: the author only when the first one is not recorded.
                Field::Text(DC, "creator"),
                Field::Text(ODF_META, "creation-date"),
                Field::Attribute(ODF_META, "document-statistic", ODF_META, "page-count"),
            ],
        )?;
        meta.title = title;
        meta.author = initial_creator.or(creator);
        meta.created_at = created.as_deref().and_then(date::normalize);
        meta.page_count = pages.and_then(|p| p.parse().ok());
    } else {
        let [title, creator, created] = read_fields(
            &mut zip,
            "docProps/core.xml",
            [
                Field::Text(DC, "title"),
                Field::Text(DC, "creator"),
                Field::Text(DCTERMS, "created"),
            ],
        )?;
        meta.title = title;
        meta.author = creator;
        meta.created_at = created.as_deref().and_then(date::normalize);
        let count = match format {
            Format::Docx => Some("Pages"),
            Format::Pptx => Some("Slides"),
            _ => None,
        };
        if let Some(count) = count {
            let [pages] =
                read_fields(&mut zip, "docProps/app.xml", [Field::Text(EXTENDED, count)])?;
            meta.page_count = pages.and_then(|p| p.parse().ok());
        }
    }
    Ok(meta)
}

/// Opens `path` as a zip, refusing a damaged one or one with too many entries.
pub(super) fn open(path: &Path) -> Result<Container, MediaError> {
    let file = File::open(path)
        .map_err(|e| MediaError::Tool(format!("cannot open {}: {e}", path.display())))?;
    open_zip(BufReader::new(file))
}

/// Reads a zip's directory from `source`, refusing a damaged zip or one with more than
/// [`MAX_ENTRIES`] entries. Shared with the other zip packages the crate reads (3MF).
pub(crate) fn open_zip<R: Read + Seek>(source: R) -> Result<ZipArchive<R>, MediaError> {
    let zip = ZipArchive::new(source)
        .map_err(|e| MediaError::Invalid(format!("not a valid zip container: {e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(MediaError::Invalid(format!(
            "the zip container has {} entries; a package this server reads has at most \
             {MAX_ENTRIES}",
            zip.len()
        )));
    }
    Ok(zip)
}

/// Walks the XML part `name`; `Ok(false)` when the container has no such part.
pub(super) fn walk_part(
    zip: &mut Container,
    name: &str,
    visit: impl FnMut(Visit<'_>) -> ControlFlow<()>,
) -> Result<bool, MediaError> {
    let Some(part) = part(zip, name, MAX_PART_BYTES)? else {
        return Ok(false);
    };
    xml::walk(BufReader::new(part), visit)
        .map_err(|e| MediaError::Invalid(format!("{name}: {e}")))?;
    Ok(true)
}

/// What a zip package holds, from its central directory rather than its first entry
/// (which is all that sniffing sees): the MIME type of an OOXML, ODF or EPUB document or of
/// a 3MF model, or `None` for any other zip.
///
/// Sources: ODF 1.3 part 2 §3.3 and EPUB OCF 3.3 §4.2.2 (the `mimetype` entry); ECMA-376
/// part 2 (OOXML main parts by their conventional names, as Office writes them); 3MF Core
/// Specification 1.3 §2.1 (the model part under `3D/`).
///
/// Errors: [`MediaError::Invalid`] for a damaged zip or one with too many entries,
/// [`MediaError::Tool`] when the file cannot be opened.
pub(crate) fn package_mime(path: &Path) -> Result<Option<&'static str>, MediaError> {
    let mut zip = open(path)?;
    if let Some(mimetype) = mimetype_entry(&mut zip)? {
        return Ok(match odf_format(&mimetype) {
            Some(format) => Some(format.mime()),
            None => (mimetype == "application/epub+zip").then_some("application/epub+zip"),
        });
    }
    if let Some(format) = ooxml_format(&zip) {
        return Ok(Some(format.mime()));
    }
    let model = zip.file_names().any(|name| {
        name.is_ok_and(|name| {
            name.strip_prefix("3D/")
                .is_some_and(|rest| rest.to_ascii_lowercase().ends_with(".model"))
        })
    });
    Ok(model.then_some("model/3mf"))
}

/// The ODF format a `mimetype` entry names.
fn odf_format(mimetype: &str) -> Option<Format> {
    Format::ALL
        .into_iter()
        .find(|format| format.is_odf() && format.mime() == mimetype)
}

/// The trimmed content of the `mimetype` entry, when there is one.
fn mimetype_entry(zip: &mut Container) -> Result<Option<String>, MediaError> {
    let Some(mut entry) = part(zip, "mimetype", MAX_MIMETYPE_BYTES)? else {
        return Ok(None);
    };
    let mut mimetype = String::new();
    entry
        .read_to_string(&mut mimetype)
        .map_err(|e| MediaError::Invalid(format!("mimetype: {e}")))?;
    Ok(Some(mimetype.trim().to_owned()))
}

/// The OOXML format whose main part the package holds.
fn ooxml_format(zip: &Container) -> Option<Format> {
    [
        ("word/document.xml", Format::Docx),
        ("xl/workbook.xml", Format::Xlsx),
        ("ppt/presentation.xml", Format::Pptx),
    ]
    .into_iter()
    .find(|(main, _)| zip.index_for_name(main).is_some())
    .map(|(_, format)| format)
}

/// The text of the XML `parts`, in order, each walked with a fresh state `S` by `take`
/// (which appends to the text), stopping once more than `max_bytes` are collected; cut to
/// `max_bytes` at a character boundary and trimmed. A part the container lacks adds
/// nothing.
pub(super) fn text_of_parts<S: Default>(
    zip: &mut Container,
    parts: &[String],
    max_bytes: usize,
    mut take: impl FnMut(&mut S, Visit<'_>, &mut String),
) -> Result<String, MediaError> {
    let mut text = String::new();
    for part in parts {
        let mut state = S::default();
        walk_part(zip, part, |visit| {
            take(&mut state, visit, &mut text);
            if text.len() > max_bytes {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        if text.len() > max_bytes {
            break;
        }
    }
    super::truncate_at_char_boundary(&mut text, max_bytes);
    Ok(text.trim().to_owned())
}

/// ODF names its type in a `mimetype` entry; OOXML is known by its main part.
fn detect(zip: &mut Container) -> Result<Format, MediaError> {
    if let Some(mimetype) = mimetype_entry(zip)? {
        return odf_format(&mimetype).ok_or_else(|| not_a_document(&mimetype));
    }
    ooxml_format(zip).ok_or_else(|| {
        MediaError::Invalid(
            "a zip archive that is not an office document: it has no ODF mimetype entry and \
             none of word/document.xml, xl/workbook.xml, ppt/presentation.xml"
                .to_owned(),
        )
    })
}

/// The entry `name`, inflating to at most `max` bytes; `None` when absent.
pub(crate) fn part<'a, R: Read + Seek>(
    zip: &'a mut ZipArchive<R>,
    name: &str,
    max: u64,
) -> Result<Option<impl Read + 'a>, MediaError> {
    match zip.by_name(name) {
        Ok(entry) => Ok(Some(Bounded {
            inner: entry,
            left: max,
        })),
        Err(ZipError::FileNotFound) => Ok(None),
        Err(e) => Err(MediaError::Invalid(format!("{name}: {e}"))),
    }
}

/// A reader that fails once more than its bound has been read, so a part that lies about
/// its size still cannot inflate without limit.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            io::Error::other("the part inflates beyond the size this server reads (zip bomb?)")
        })?;
        Ok(n)
    }
}

/// A metadata value to pick out of a part.
enum Field {
    /// The text of the first element with this namespace and local name.
    Text(&'static str, &'static str),
    /// An attribute (namespace, name) of the first element (namespace, name).
    Attribute(&'static str, &'static str, &'static str, &'static str),
}

/// The values of `fields` (as [`free_text`]) in one pass over `part`; all `None` when the
/// part is absent.
fn read_fields<const N: usize>(
    zip: &mut Container,
    part: &str,
    fields: [Field; N],
) -> Result<[Option<String>; N], MediaError> {
    let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
    // The field being read and its text so far.
    let mut reading: Option<(usize, String)> = None;
    walk_part(zip, part, |visit| {
        match visit {
            Visit::Open(element) => {
                for (i, field) in fields.iter().enumerate() {
                    if found[i].is_some() {
                        continue;
                    }
                    match *field {
                        Field::Text(ns, local) if element.name.is(ns, local) => {
                            reading.get_or_insert_with(|| (i, String::new()));
                        }
                        Field::Attribute(ns, local, attr_ns, attr)
                            if element.name.is(ns, local) =>
                        {
                            found[i] = element
                                .attribute(attr_ns, attr)
                                .as_deref()
                                .and_then(free_text);
                        }
                        _ => {}
                    }
                }
            }
            Visit::Text(text) => {
                if let Some((_, value)) = &mut reading
                    && value.len() <= super::MAX_FIELD_BYTES
                {
                    value.push_str(text);
                }
            }
            Visit::Close(name) => {
                if let Some((i, value)) = &reading
                    && let Field::Text(ns, local) = fields[*i]
                    && name.is(ns, local)
                {
                    found[*i] = free_text(value);
                    reading = None;
                }
            }
        }
        ControlFlow::Continue(())
    })?;
    Ok(found)
}
