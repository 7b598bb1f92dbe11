//! Tags read from the facts processing recorded: no model, confidence 1.

use medialib_core::analysis::SuggestedTag;
use medialib_core::{Asset, Metadata};

/// Width over height within this of 1 is `square`.
const SQUARE_TOLERANCE: f64 = 0.02;

/// The tags `asset`'s facts give, in this order: orientation (`landscape`, `portrait`,
/// `square`), time of day (`morning`, `afternoon`, `evening`, `night`, from the capture
/// time's local clock), camera (make and model, e.g. `Canon EOS 40D`), lens, and the
/// dominant colour's name (`red`, `orange`, …, `black`, `white`, `grey`).
pub fn tags(asset: &Asset) -> Vec<SuggestedTag> {
    let mut names: Vec<String> = Vec::new();
    if let (Some(w), Some(h)) = (asset.width, asset.height)
        && w > 0
        && h > 0
    {
        let ratio = f64::from(w) / f64::from(h);
        names.push(
            if (ratio - 1.0).abs() <= SQUARE_TOLERANCE {
                "square"
            } else if ratio > 1.0 {
                "landscape"
            } else {
                "portrait"
            }
            .to_owned(),
        );
    }
    let metadata = asset.metadata.as_ref();
    if let Some(part) = metadata.and_then(Metadata::taken_at).and_then(time_of_day) {
        names.push(part.to_owned());
    }
    if let Some(Metadata::Image(m)) = metadata {
        if let Some(camera) = camera(m.camera_make.as_deref(), m.camera_model.as_deref()) {
            names.push(camera);
        }
        if let Some(lens) = m.lens.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            names.push(lens.to_owned());
        }
    }
    if let Some(colour) = asset
        .placeholder
        .as_ref()
        .and_then(|p| colour_name(&p.dominant_color))
    {
        names.push(colour.to_owned());
    }
    names.iter().map(|n| SuggestedTag::certain(n)).collect()
}

/// The part of the day of a capture time written `YYYY-MM-DDTHH:MM:SS[offset]`: the
/// camera's local clock, which is what the picture shows (EXIF `DateTimeOriginal`).
fn time_of_day(taken_at: &str) -> Option<&'static str> {
    let hour: u8 = taken_at.get(11..13)?.parse().ok()?;
    Some(match hour {
        5..=11 => "morning",
        12..=16 => "afternoon",
        17..=20 => "evening",
        0..=4 | 21..=23 => "night",
        _ => return None,
    })
}

/// `Make Model`, or the model alone when it already starts with the make (`Canon` +
/// `Canon EOS 40D`); makers' trailing words (`NIKON CORPORATION`) are dropped.
fn camera(make: Option<&str>, model: Option<&str>) -> Option<String> {
    let model = model.map(str::trim).filter(|m| !m.is_empty())?;
    let make = make
        .map(str::trim)
        .and_then(|m| m.split_whitespace().next())
        .unwrap_or("");
    if make.is_empty() || model.to_lowercase().starts_with(&make.to_lowercase()) {
        Some(model.to_owned())
    } else {
        Some(format!("{make} {model}"))
    }
}

/// The name of an sRGB colour `#rrggbb` by hue, lightness and saturation (HSL), in the
/// eleven basic colour terms of Berlin and Kay.
fn colour_name(hex: &str) -> Option<&'static str> {
    let hex = hex.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let channel = |i: usize| {
        u8::from_str_radix(hex.get(i..i + 2)?, 16)
            .ok()
            .map(|v| f64::from(v) / 255.0)
    };
    let (r, g, b) = (channel(0)?, channel(2)?, channel(4)?);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let lightness = (max + min) / 2.0;
    let chroma = max - min;
    if lightness < 0.12 {
        return Some("black");
    }
    if lightness > 0.92 {
        return Some("white");
    }
    let saturation = chroma / (1.0 - (2.0 * lightness - 1.0).abs());
    if saturation < 0.15 {
        return Some("grey");
    }
    let hue = if max == r {
        60.0 * ((g - b) / chroma).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / chroma + 2.0)
    } else {
        60.0 * ((r - g) / chroma + 4.0)
    };
    Some(match hue {
        h if !(15.0..345.0).contains(&h) => {
            if lightness > 0.7 {
                "pink"
            } else {
                "red"
            }
        }
        h if h < 45.0 => {
            if lightness < 0.4 {
                "brown"
            } else {
                "orange"
            }
        }
        h if h < 70.0 => {
            if lightness < 0.35 {
                "brown"
            } else {
                "yellow"
            }
        }
        h if h < 170.0 => "green",
        h if h < 260.0 => "blue",
        h if h < 290.0 => "purple",
        _ => "pink",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_get_their_basic_names() {
        let cases = [
            ("#000000", "black"),
            ("#ffffff", "white"),
            ("#808080", "grey"),
            ("#d62828", "red"),
            ("#f77f00", "orange"),
            ("#6b3e1f", "brown"),
            ("#f2d024", "yellow"),
            ("#2a9d3f", "green"),
            ("#1d4e89", "blue"),
            ("#87ceeb", "blue"),
            ("#7b2cbf", "purple"),
            ("#ff9ebb", "pink"),
        ];
        for (hex, name) in cases {
            assert_eq!(colour_name(hex), Some(name), "{hex}");
        }
        assert_eq!(colour_name("#12345"), None);
        assert_eq!(colour_name("zz0000"), None);
    }

    #[test]
    fn capture_times_give_the_part_of_the_day_on_the_local_clock() {
        assert_eq!(time_of_day("2008-05-30T15:56:01"), Some("afternoon"));
        assert_eq!(time_of_day("2008-05-30T06:00:00+02:00"), Some("morning"));
        assert_eq!(time_of_day("2008-05-30T20:59:59"), Some("evening"));
        assert_eq!(time_of_day("2008-05-30T23:10:00Z"), Some("night"));
        assert_eq!(time_of_day("2008-05-30T25:00:00"), None);
        assert_eq!(time_of_day("2008-05-30"), None);
    }

    #[test]
    fn cameras_are_named_by_make_and_model_once() {
        assert_eq!(
            camera(Some("Canon"), Some("Canon EOS 40D")).as_deref(),
            Some("Canon EOS 40D")
        );
        assert_eq!(
            camera(Some("NIKON CORPORATION"), Some("NIKON D70")).as_deref(),
            Some("NIKON D70")
        );
        assert_eq!(
            camera(Some("FUJIFILM"), Some("DX-10")).as_deref(),
            Some("FUJIFILM DX-10")
        );
        assert_eq!(camera(None, Some(" E950 ")).as_deref(), Some("E950"));
        assert_eq!(camera(Some("Canon"), None), None);
    }
}
