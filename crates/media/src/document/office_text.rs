//! The body text of office files, for search: one line per paragraph (or shared string),
//! read from the parts that hold it and stopped once `max_bytes` are collected.
//!
//! Every format follows one shape, a [`Rules`] value: which elements carry the characters,
//! which end a line, which stand for a break or a tab, and which hold no body text.

use std::path::Path;

use super::office::{self, Format};
use super::xml::{Name, Visit};
use crate::MediaError;

/// WordprocessingML (`word/document.xml`): `w:t` runs in `w:p` paragraphs.
const WORDML: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
/// SpreadsheetML (`xl/sharedStrings.xml`): `t` in `si` string items.
const SPREADSHEETML: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
/// DrawingML (`ppt/slides/slideN.xml`): `a:t` runs in `a:p` paragraphs.
const DRAWINGML: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
/// ODF text (`content.xml`): characters directly in `text:p` and `text:h`.
const ODF_TEXT: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
/// ODF office elements: `office:annotation`.
const ODF_OFFICE: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";

/// How one format marks up its text; element names are in the format's namespace `ns`.
struct Rules {
    ns: &'static str,
    /// Elements whose character data is text.
    text: &'static [&'static str],
    /// Elements that end a line when they close.
    lines: &'static [&'static str],
    /// Elements that stand for a line break.
    breaks: &'static [&'static str],
    /// Elements that stand for a tab.
    tabs: &'static [&'static str],
    /// ODF's run of spaces (`text:s`, `text:c` of them).
    spaces: Option<&'static str>,
    /// Elements (any namespace) whose content is not body text.
    skip: &'static [(&'static str, &'static str)],
}

impl Rules {
    fn of(format: Format) -> Self {
        match format {
            Format::Docx => Self {
                ns: WORDML,
                text: &["t"],
                lines: &["p"],
                breaks: &["br", "cr"],
                tabs: &["tab"],
                spaces: None,
                // Paragraph properties hold tab stop definitions, also named `w:tab`.
                skip: &[(WORDML, "pPr")],
            },
            Format::Xlsx => Self {
                ns: SPREADSHEETML,
                text: &["t"],
                lines: &["si"],
                breaks: &[],
                tabs: &[],
                spaces: None,
                // Phonetic guides repeat the string's reading.
                skip: &[(SPREADSHEETML, "rPh")],
            },
            Format::Pptx => Self {
                ns: DRAWINGML,
                text: &["t"],
                lines: &["p"],
                breaks: &["br"],
                tabs: &[],
                spaces: None,
                skip: &[],
            },
            Format::Odt | Format::Ods | Format::Odp => Self {
                ns: ODF_TEXT,
                text: &["p", "h"],
                lines: &["p", "h"],
                breaks: &["line-break"],
                tabs: &["tab"],
                spaces: Some("s"),
                // Comments carry their author and date inside the paragraph; tracked
                // changes carry deleted text.
                skip: &[(ODF_OFFICE, "annotation"), (ODF_TEXT, "tracked-changes")],
            },
        }
    }

    fn is(&self, name: Name<'_>, locals: &[&str]) -> bool {
        name.ns == self.ns && locals.contains(&name.local)
    }
}

/// Where the walk is, across the parts of one document.
#[derive(Default)]
struct State {
    /// Depth of open text-carrying elements.
    in_text: u32,
    /// Depth inside a skipped element.
    skipping: u32,
}

/// The text of an office file in `format`, at most `max_bytes`, trimmed.
pub(super) fn extract_text(
    path: &Path,
    format: Format,
    max_bytes: usize,
) -> Result<Option<String>, MediaError> {
    let mut zip = office::open(path)?;
    let parts = match format {
        Format::Docx => vec!["word/document.xml".to_owned()],
        Format::Xlsx => vec!["xl/sharedStrings.xml".to_owned()],
        Format::Pptx => slide_parts(&zip),
        Format::Odt | Format::Ods | Format::Odp => vec!["content.xml".to_owned()],
    };
    let rules = Rules::of(format);
    let text = office::text_of_parts(
        &mut zip,
        &parts,
        max_bytes,
        |state: &mut State, visit, out| take(&rules, state, visit, out),
    )?;
    Ok(Some(text))
}

/// Adds what one event contributes to `out`.
fn take(rules: &Rules, state: &mut State, visit: Visit<'_>, out: &mut String) {
    match visit {
        Visit::Open(element) => {
            let name = element.name;
            if state.skipping > 0 || rules.skip.iter().any(|&(ns, l)| name.is(ns, l)) {
                state.skipping += 1;
            } else if rules.is(name, rules.text) {
                state.in_text += 1;
            } else if rules.is(name, rules.breaks) {
                out.push('\n');
            } else if rules.is(name, rules.tabs) {
                out.push('\t');
            } else if let Some(spaces) = rules.spaces
                && rules.is(name, &[spaces])
            {
                let count = element
                    .attribute(rules.ns, "c")
                    .and_then(|c| c.trim().parse::<usize>().ok())
                    .unwrap_or(1);
                // The count is the file's word; the caller stops at its budget anyway.
                out.extend(std::iter::repeat_n(' ', count.min(1024)));
            }
        }
        Visit::Text(text) => {
            if state.skipping == 0 && state.in_text > 0 {
                out.push_str(text);
            }
        }
        Visit::Close(name) => {
            if state.skipping > 0 {
                state.skipping -= 1;
                return;
            }
            if rules.is(name, rules.text) {
                state.in_text = state.in_text.saturating_sub(1);
            }
            if rules.is(name, rules.lines) {
                out.push('\n');
            }
        }
    }
}

/// `ppt/slides/slideN.xml` in slide-number order (the names' numbers follow the order
/// PowerPoint wrote them, which is the presentation's order for all but reordered decks).
fn slide_parts(zip: &office::Container) -> Vec<String> {
    let mut slides: Vec<(u32, String)> = zip
        .file_names()
        .flatten()
        .filter_map(|name| {
            let number = name
                .strip_prefix("ppt/slides/slide")?
                .strip_suffix(".xml")?
                .parse()
                .ok()?;
            Some((number, name.into_owned()))
        })
        .collect();
    slides.sort_unstable();
    slides.into_iter().map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::document::xml::walk;

    fn text_of(format: Format, xml: &str) -> String {
        let rules = Rules::of(format);
        let mut state = State::default();
        let mut out = String::new();
        walk(xml.as_bytes(), |visit| {
            take(&rules, &mut state, visit, &mut out);
            ControlFlow::Continue(())
        })
        .map(|()| out)
        .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn docx_runs_join_and_tab_stops_are_not_tabs() {
        let xml = format!(
            r#"<w:document xmlns:w="{WORDML}"><w:body>
            <w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
              <w:r><w:t>Hello </w:t></w:r><w:r><w:tab/><w:t>wor</w:t><w:t>ld</w:t></w:r></w:p>
            <w:p><w:r><w:t>a</w:t><w:br/><w:t>b &amp; c</w:t></w:r></w:p>
            </w:body></w:document>"#
        );
        assert_eq!(text_of(Format::Docx, &xml), "Hello \tworld\na\nb & c\n");
    }

    #[test]
    fn odf_paragraphs_spaces_and_skipped_annotations() {
        let xml = format!(
            r#"<office:document-content xmlns:office="{ODF_OFFICE}" xmlns:text="{ODF_TEXT}"
               xmlns:dc="http://purl.org/dc/elements/1.1/"><office:body><office:text>
            <text:h>Title</text:h>
            <text:p>a<text:s text:c="3"/>b<text:span>c</text:span><office:annotation>
              <dc:creator>Ann</dc:creator><text:p>note</text:p></office:annotation></text:p>
            <text:p/>
            </office:text></office:body></office:document-content>"#
        );
        assert_eq!(text_of(Format::Odt, &xml), "Title\na   bc\n\n");
    }

    #[test]
    fn shared_strings_skip_phonetic_guides() {
        let xml = format!(
            r#"<sst xmlns="{SPREADSHEETML}"><si><t>東京</t><rPh><t>トウキョウ</t></rPh></si><si><r><t>x</t></r></si></sst>"#
        );
        assert_eq!(text_of(Format::Xlsx, &xml), "東京\nx\n");
    }
}
