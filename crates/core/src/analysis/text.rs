//! Text read in an asset's picture (OCR): its lines, and the tags and search text they
//! give.

use serde::{Deserialize, Serialize};

use super::SuggestedTag;

/// One line of text read in the upright picture: its box as fractions (0–1) of the
/// picture's width and height from the top-left corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextLine {
    /// The words, separated by single spaces.
    pub text: String,
    /// How sure the reader is, 0–1.
    pub confidence: f64,
    /// The box's left edge.
    pub x: f64,
    /// The box's top edge.
    pub y: f64,
    /// The box's width.
    pub width: f64,
    /// The box's height.
    pub height: f64,
}

/// Letters and digits from which a picture is tagged `text`: a word or two on a sign
/// or a T-shirt is not what people mean.
const TEXT_TAG_CHARACTERS: usize = 12;
/// Letters and digits from which a picture is tagged `document`: about half a
/// paragraph.
const DOCUMENT_TAG_CHARACTERS: usize = 300;

/// The tags read text suggests: `text` from [`TEXT_TAG_CHARACTERS`] letters and digits,
/// `document` from [`DOCUMENT_TAG_CHARACTERS`].
pub fn tags(lines: &[TextLine]) -> Vec<SuggestedTag> {
    let characters: usize = lines
        .iter()
        .map(|l| l.text.chars().filter(|c| c.is_alphanumeric()).count())
        .sum();
    [
        (TEXT_TAG_CHARACTERS, "text"),
        (DOCUMENT_TAG_CHARACTERS, "document"),
    ]
    .into_iter()
    .filter(|(least, _)| characters >= *least)
    .map(|(_, name)| SuggestedTag::certain(name))
    .collect()
}

/// The lines as searchable text, one per line, cut at `max` characters (at a character
/// boundary).
pub fn joined(lines: &[TextLine], max: usize) -> String {
    let text: String = lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> TextLine {
        TextLine {
            text: text.into(),
            confidence: 0.9,
            x: 0.0,
            y: 0.0,
            width: 1.0,
            height: 0.1,
        }
    }

    #[test]
    fn a_few_words_tag_text_and_a_page_tags_document() {
        let names = |lines: &[TextLine]| -> Vec<String> {
            tags(lines).into_iter().map(|t| t.name).collect()
        };
        assert!(names(&[line("EXIT")]).is_empty());
        assert_eq!(
            names(&[line("Midnight sun over"), line("Iceland")]),
            ["text"]
        );
        let page: Vec<TextLine> = (0..20)
            .map(|_| line("Beautiful is better than ugly."))
            .collect();
        assert_eq!(names(&page), ["text", "document"]);
        assert_eq!(joined(&[line("Grüße"), line("aus")], 7), "Grüße\na");
    }
}
