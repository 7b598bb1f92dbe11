//! Text on pages (scanned documents, screenshots of pages): Tesseract, Debian's
//! `tesseract-ocr`, run as a program on the page's picture. Its TSV output gives each
//! word with its confidence and each line's box (Tesseract's `TessBaseAPI::GetTSVText`
//! columns: level, page_num, block_num, par_num, line_num, word_num, left, top, width,
//! height, conf, text).

use std::io::Write;
use std::process::{Command, Stdio};

use medialib_core::analysis::TextLine;

/// The program, from Debian's `tesseract-ocr`.
pub const PROGRAM: &str = "tesseract";
/// The engine, as results name it.
pub const MODEL: &str = "Tesseract 5 (Debian tesseract-ocr)";
/// Words Tesseract is less sure of than this (0–100) are dropped.
const MIN_WORD_CONFIDENCE: f64 = 50.0;

/// The lines of text on a page: `png` is the page's picture, `width` × `height` pixels;
/// `languages` are Tesseract's codes (`eng`, `deu`), each installed as
/// `tesseract-ocr-<code>`. Blocking: Tesseract takes about a second a page.
///
/// Errors: a sentence when Tesseract is not installed, lacks a language, or fails.
pub fn read(
    png: &[u8],
    width: u32,
    height: u32,
    languages: &[String],
) -> Result<Vec<TextLine>, String> {
    let mut child = Command::new(PROGRAM)
        .args([
            "stdin",
            "stdout",
            "-l",
            &languages.join("+"),
            "--psm",
            "3",
            "tsv",
        ])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("Tesseract ({PROGRAM}) could not be started: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("Tesseract took no input")?;
    let input = png.to_vec();
    // Written from another thread, so that a full output pipe never blocks the input.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("Tesseract failed: {e}"))?;
    let _ = writer.join();
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        let why = why
            .lines()
            .find(|l| l.contains("rror"))
            .unwrap_or("no reason given");
        return Err(format!("Tesseract failed: {}", why.trim()));
    }
    Ok(lines(
        &String::from_utf8_lossy(&output.stdout),
        width,
        height,
    ))
}

/// The lines of a TSV report: their confident words joined by spaces, the mean word
/// confidence (0–1), and the line's box as fractions of the page.
fn lines(tsv: &str, width: u32, height: u32) -> Vec<TextLine> {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let mut lines: Vec<(TextLine, f64, usize)> = Vec::new();
    for row in tsv.lines().skip(1) {
        let cells: Vec<&str> = row.split('\t').collect();
        let [level, _, _, _, _, _, left, top, bw, bh, conf, ..] = cells[..] else {
            continue;
        };
        let number = |s: &str| s.trim().parse::<f64>().unwrap_or(-1.0);
        match level {
            "4" => lines.push((
                TextLine {
                    text: String::new(),
                    confidence: 0.0,
                    x: round(number(left) / w),
                    y: round(number(top) / h),
                    width: round(number(bw) / w),
                    height: round(number(bh) / h),
                },
                0.0,
                0,
            )),
            "5" => {
                let word = cells.get(11).map_or("", |t| t.trim());
                let conf = number(conf);
                if let Some((line, sum, count)) = lines.last_mut()
                    && !word.is_empty()
                    && conf >= MIN_WORD_CONFIDENCE
                {
                    if !line.text.is_empty() {
                        line.text.push(' ');
                    }
                    line.text.push_str(word);
                    *sum += conf;
                    *count += 1;
                }
            }
            _ => {}
        }
    }
    lines
        .into_iter()
        .filter(|(_, _, count)| *count > 0)
        .map(|(mut line, sum, count)| {
            line.confidence = round(sum / count as f64 / 100.0);
            line
        })
        .collect()
}

/// Four decimals, stable in JSON.
fn round(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_gives_each_line_its_confident_words_and_box() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t800\t600\t-1\t
4\t1\t1\t1\t1\t0\t100\t50\t400\t30\t-1\t
5\t1\t1\t1\t1\t1\t100\t50\t150\t30\t96.5\tBeautiful
5\t1\t1\t1\t1\t2\t260\t50\t40\t30\t91.5\tis
5\t1\t1\t1\t1\t3\t310\t50\t40\t30\t12.0\t~~
4\t1\t1\t1\t2\t0\t100\t90\t100\t30\t-1\t
5\t1\t1\t1\t2\t1\t100\t90\t100\t30\t20.0\tnoise
";
        let found = lines(tsv, 800, 600);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].text, "Beautiful is");
        assert_eq!(found[0].confidence, 0.94);
        assert_eq!(
            (found[0].x, found[0].y, found[0].width),
            (0.125, 0.0833, 0.5)
        );
    }
}
