//! The RTF converter on hand-written documents.

use std::time::Duration;

use super::*;
use crate::document;

const TIMEOUT: Duration = Duration::from_secs(10);

const REPORT: &str = r#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Helvetica;}}
{\colortbl;\red255\green0\blue0;}{\stylesheet{\s1 heading 1;}}
{\info{\title Report \'e9t\'e9}{\author Ann}{\*\company ACME}
{\creatim\yr2024\mo3\dy5\hr14\min30}{\nofpages2}}
\pard\plain Caf\'e9 costs 5\u8364? today.\par
{\pict\pngblip\picw10\pich10 89504e470d0a1a0a}After picture\line next\par
{\*\bkmkstart b}Tab\tab end {\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt link}}\par
\{braces\} and \\ backslash\par
}"#;

fn text(rtf: &[u8]) -> String {
    Reader::new(rtf, Want::Text(usize::MAX))
        .run()
        .map(|found| found.text)
        .unwrap_or_else(|e| format!("error: {e}"))
}

#[test]
fn info_facts_and_body_text_through_the_public_entry_points() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.rtf");
    std::fs::write(&path, REPORT).expect("write");

    let meta = document::probe(&path, "application/rtf", TIMEOUT).expect("probe");
    assert_eq!(meta.format, "rtf");
    assert_eq!(meta.title.as_deref(), Some("Report été"));
    assert_eq!(meta.author.as_deref(), Some("Ann"));
    assert_eq!(meta.created_at.as_deref(), Some("2024-03-05T14:30:00"));
    assert_eq!(meta.page_count, Some(2));

    let text = document::extract_text(&path, &meta, 1 << 20, TIMEOUT).expect("text");
    assert_eq!(
        text.as_deref(),
        Some(
            "Café costs 5€ today.\nAfter picture\nnext\nTab\tend link\n\
             {braces} and \\ backslash"
        )
    );
    let cut = document::extract_text(&path, &meta, 6, TIMEOUT).expect("text");
    assert_eq!(cut.as_deref(), Some("Café"));
    assert_eq!(
        document::render_first_page(&path, &meta, 512, TIMEOUT).expect("page"),
        None
    );
}

#[test]
fn code_pages_decode_escaped_bytes() {
    assert_eq!(
        text(br"{\rtf1\ansi \'80 \'93q\'94}"),
        "\u{20ac} \u{201c}q\u{201d}"
    );
    assert_eq!(
        text(br"{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2}"),
        "Привет"
    );
    // Shift_JIS: each character is two bytes, here spelled as two `\'hh` each.
    assert_eq!(text(br"{\rtf1\ansi\ansicpg932 \'93\'fa\'96\'7b}"), "日本");
    assert_eq!(text(br"{\rtf1\mac caf\'8e}"), "café");
}

#[test]
fn unicode_fallbacks_are_skipped_and_surrogates_pair() {
    assert_eq!(text(br"{\rtf1 \u8364? \uc2\u26085\'93\'fa!}"), "€ 日!");
    assert_eq!(text(br"{\rtf1 {\uc0\u26085}x}"), "日x");
    // The fallback count is the group's: outside `{\uc2 …}` it is 1 again.
    assert_eq!(text(br"{\rtf1 {\uc2 a}\u233 ab}"), "aéb");
    assert_eq!(text(br"{\rtf1 \u-10179?\u-8704?}"), "😀");
    assert_eq!(text(br"{\rtf1 \u-10179?x}"), "\u{fffd}x");
    assert_eq!(text(br"{\rtf1 \u55357?}"), "");
}

#[test]
fn hostile_input_stays_bounded() {
    let deep = format!("{{\\rtf1 {}x{}}}", "{".repeat(100_000), "}".repeat(100_000));
    assert_eq!(text(deep.as_bytes()), "x");
    // Binary data may hold anything, braces included.
    assert_eq!(text(b"{\\rtf1 a\\bin4 {{\\}b}"), "ab");
    assert_eq!(text(b"{\\rtf1 a\\bin999999"), "a");
    let long_word = format!("{{\\rtf1 \\{}1 x\\par}}", "p".repeat(100));
    assert_eq!(text(long_word.as_bytes()), "x\n");
    assert_eq!(text(br"{\rtf1 unterminated {\b bold"), "unterminated bold");
    assert_eq!(text(br"{\rtf1 a}}}b"), "ab");
}

#[test]
fn a_file_that_is_not_rtf_is_invalid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fake.rtf");
    std::fs::write(&path, "plain text").expect("write");
    let err = document::probe(&path, "text/rtf", TIMEOUT).expect_err("not rtf");
    assert!(
        matches!(&err, MediaError::Invalid(m) if m.contains("{\\rtf")),
        "{err:?}"
    );
}
