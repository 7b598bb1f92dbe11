//! The files `medialib bench load` uploads: a mix of corpus files, each copy made unique
//! in a way its format tolerates, so that dedup never answers with an existing asset;
//! and the seeded assets the readers read.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use serde_json::Value;

use super::super::image::with_suffix;

/// How a copy differs from the file and from every other copy, staying valid.
#[derive(Clone, Copy)]
enum Unique {
    /// Bytes after the end (JPEG after its end marker, PDF after `%%EOF`), which
    /// decoders ignore.
    Trailing,
    /// An ISO BMFF `free` box appended (MP4), which demuxers skip.
    FreeBox,
    /// A RIFF `JUNK` chunk appended and the RIFF size grown to cover it (WAV).
    JunkChunk,
    /// A comment line appended (OBJ).
    Comment,
}

/// The mix, in the order uploaders go through it: half images of a few sizes, then a
/// short video, audio, a PDF and a 3D model.
const FILES: [(&str, Unique); 8] = [
    ("images/camera/gps_DSCN0042.jpg", Unique::Trailing),
    ("video/h264_aac_320x180_1s.mp4", Unique::FreeBox),
    ("images/orientation/Landscape_1.jpg", Unique::Trailing),
    ("audio/wav_pcm_u8_16k.wav", Unique::JunkChunk),
    ("images/orientation/Portrait_6.jpg", Unique::Trailing),
    ("docs/minimal-document_1p.pdf", Unique::Trailing),
    ("images/camera/exif-org_nikon-e950.jpg", Unique::Trailing),
    ("models3d/box.obj", Unique::Comment),
];

struct Entry {
    name: String,
    bytes: Vec<u8>,
    unique: Unique,
}

/// The files, read once.
pub(super) struct Corpus {
    entries: Vec<Entry>,
    /// The number of the next copy: every copy of the run gets its own.
    copies: AtomicU64,
}

impl Corpus {
    /// Reads [`FILES`] from the corpus at `dir`, each of which its manifest must expect
    /// to be accepted.
    pub(super) fn load(dir: &Path) -> anyhow::Result<Corpus> {
        let manifest: Vec<Value> = serde_json::from_slice(
            &std::fs::read(dir.join("manifest.json")).context("read the corpus manifest")?,
        )?;
        let mut entries = Vec::new();
        for (path, unique) in FILES {
            if !manifest
                .iter()
                .any(|e| e["path"] == path && e["expect"] == "accept")
            {
                bail!("the corpus manifest does not list {path} as accepted");
            }
            let file = dir.join(path);
            entries.push(Entry {
                name: file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                bytes: std::fs::read(&file).with_context(|| format!("read {}", file.display()))?,
                unique,
            });
        }
        Ok(Corpus {
            entries,
            copies: AtomicU64::new(0),
        })
    }

    /// How many files the mix has.
    pub(super) fn files(&self) -> usize {
        self.entries.len()
    }

    /// A new copy of the file at `turn` in the mix: its name and bytes.
    pub(super) fn copy(&self, turn: usize) -> (String, Vec<u8>) {
        let entry = &self.entries[turn % self.entries.len()];
        let n = self.copies.fetch_add(1, Ordering::Relaxed);
        (entry.name.clone(), unique(&entry.bytes, entry.unique, n))
    }
}

/// The file's copy number `n`.
fn unique(bytes: &[u8], how: Unique, n: u64) -> Vec<u8> {
    let tag = format!("load-{n:016}");
    match how {
        Unique::Trailing => with_suffix(bytes, n as usize),
        Unique::FreeBox => {
            let mut out = bytes.to_vec();
            out.extend_from_slice(&(8 + tag.len() as u32).to_be_bytes());
            out.extend_from_slice(b"free");
            out.extend_from_slice(tag.as_bytes());
            out
        }
        Unique::JunkChunk => {
            let mut out = bytes.to_vec();
            // Chunks start on even offsets: an odd chunk is followed by a pad byte.
            if out.len() % 2 == 1 {
                out.push(0);
            }
            out.extend_from_slice(b"JUNK");
            out.extend_from_slice(&(tag.len() as u32).to_le_bytes());
            out.extend_from_slice(tag.as_bytes());
            if tag.len() % 2 == 1 {
                out.push(0);
            }
            let riff = (out.len() - 8) as u32;
            out[4..8].copy_from_slice(&riff.to_le_bytes());
            out
        }
        Unique::Comment => {
            let mut out = bytes.to_vec();
            out.extend_from_slice(format!("\n# {tag}\n").as_bytes());
            out
        }
    }
}

/// A seeded asset, as the readers use it.
pub(super) struct Seeded {
    pub(super) id: String,
    /// The revision of its picture, for transform URLs.
    pub(super) rev: String,
    /// The original's path, and its size in bytes.
    pub(super) original: String,
    pub(super) size: u64,
    /// The paths of its variants.
    pub(super) variants: Vec<String>,
    /// Whether it has a picture that transforms can read (a WebP variant shows one).
    pub(super) picture: bool,
    /// A word of its title, to search for.
    pub(super) word: String,
}

impl Seeded {
    /// From the asset JSON of a processed asset uploaded as `name`.
    pub(super) fn from_asset(asset: &Value, name: &str) -> anyhow::Result<Seeded> {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let variants: Vec<&Value> = asset["variants"].as_array().into_iter().flatten().collect();
        Ok(Seeded {
            id: text(&asset["id"]).context("no id")?,
            rev: text(&asset["rev"]).context("no rev")?,
            original: text(&asset["links"]["original"]).context("no original link")?,
            size: asset["size"].as_u64().context("no size")?,
            variants: variants.iter().filter_map(|v| text(&v["url"])).collect(),
            picture: variants.iter().any(|v| v["format"] == "webp"),
            word: name
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_differ_and_keep_their_containers_whole() {
        let wav = [b"RIFF".as_slice(), &36u32.to_le_bytes(), b"WAVE", &[0; 33]].concat();
        let (a, b) = (
            unique(&wav, Unique::JunkChunk, 1),
            unique(&wav, Unique::JunkChunk, 2),
        );
        assert_ne!(a, b);
        // The odd file got a pad byte; the RIFF size covers everything after its field.
        assert_eq!(a.len() % 2, 0);
        assert_eq!(
            u32::from_le_bytes(a[4..8].try_into().unwrap()) as usize,
            a.len() - 8
        );
        let mp4 = unique(b"....ftyp", Unique::FreeBox, 7);
        let size = u32::from_be_bytes(mp4[8..12].try_into().unwrap()) as usize;
        assert_eq!((size, &mp4[12..16]), (mp4.len() - 8, b"free".as_slice()));
    }
}
