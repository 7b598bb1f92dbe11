//! The text of an EPUB for search: the spine's XHTML documents in reading order, one line
//! per block element, whitespace collapsed as HTML renders it, `script`, `style` and the
//! `head` left out.

use std::path::Path;

use super::epub::read_package;
use super::office;
use super::xml::Visit;
use crate::MediaError;

/// XHTML content documents.
const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// Elements (XHTML) that start and end a line of text.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Elements (any namespace, SVG has them too) whose content is not text.
const SKIPPED: &[&str] = &["head", "script", "style", "template"];

/// The spine's text in reading order, one line per block element, at most `max_bytes`;
/// reading stops once that much is collected.
pub(super) fn extract_text(path: &Path, max_bytes: usize) -> Result<Option<String>, MediaError> {
    let mut zip = office::open(path)?;
    let package = read_package(&mut zip)?;
    let text = office::text_of_parts(&mut zip, &package.spine, max_bytes, take)?;
    Ok(Some(text))
}

/// Where the walk is in one XHTML document.
#[derive(Default)]
struct Chapter {
    /// Depth inside a skipped element.
    skipping: u32,
    /// Whitespace seen since the last character: HTML collapses it to one space.
    space: bool,
}

/// Adds what one event of an XHTML document contributes to `out`.
fn take(state: &mut Chapter, visit: Visit<'_>, out: &mut String) {
    match visit {
        Visit::Open(element) => {
            let name = element.name;
            if state.skipping > 0 || SKIPPED.contains(&name.local) {
                state.skipping += 1;
            } else if is_xhtml(name.ns) && name.local == "br" {
                out.push('\n');
                state.space = false;
            } else if is_xhtml(name.ns) && BLOCKS.contains(&name.local) {
                end_line(state, out);
            }
        }
        Visit::Text(text) if state.skipping == 0 => {
            for c in text.chars() {
                if c.is_ascii_whitespace() {
                    state.space = true;
                    continue;
                }
                if state.space && !out.is_empty() && !out.ends_with('\n') {
                    out.push(' ');
                }
                state.space = false;
                out.push(c);
            }
        }
        Visit::Text(_) => {}
        Visit::Close(name) => {
            if state.skipping > 0 {
                state.skipping -= 1;
            } else if is_xhtml(name.ns) && BLOCKS.contains(&name.local) {
                end_line(state, out);
            }
        }
    }
}

/// Ends the current line unless it is empty, so nested blocks make no blank lines.
fn end_line(state: &mut Chapter, out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    state.space = false;
}

/// XHTML elements, or unqualified ones from a producer that left out the namespace.
fn is_xhtml(ns: &str) -> bool {
    ns == XHTML || ns.is_empty()
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::document::xml::walk;

    fn text_of(xhtml: &str) -> String {
        let mut state = Chapter::default();
        let mut out = String::new();
        walk(xhtml.as_bytes(), |visit| {
            take(&mut state, visit, &mut out);
            ControlFlow::Continue(())
        })
        .map(|()| out)
        .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn blocks_are_lines_and_whitespace_collapses() {
        let xhtml = format!(
            r#"<html xmlns="{XHTML}"><head><title>T</title></head><body>
              <div>  Intro <span>text</span>
                <p>Nested&#160;para</p>tail</div>
              <ul><li>one</li><li>two<br/>lines</li></ul>
              <table><tr><td>a</td><td>b</td></tr></table>
            </body></html>"#
        );
        assert_eq!(
            text_of(&xhtml),
            "Intro text\nNested\u{a0}para\ntail\none\ntwo\nlines\na\nb\n"
        );
    }

    #[test]
    fn script_style_and_svg_style_are_not_text() {
        let xhtml = format!(
            r#"<html xmlns="{XHTML}"><body><p>a<script>if (1 &lt; 2) x();</script>b</p>
            <style>p {{}}</style><svg xmlns="http://www.w3.org/2000/svg"><style>.c{{}}</style>
            <text>label</text></svg></body></html>"#
        );
        assert_eq!(text_of(&xhtml), "ab\nlabel\n");
    }
}
