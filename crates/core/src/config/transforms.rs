//! `[transforms]`: on-the-fly transforms at `/img/…` (see [`crate::transform`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::AssetId;
use crate::transform::{OpsSegment, TransformOps, compass};

/// On-the-fly transforms.
///
/// ```toml
/// [transforms]
/// unsigned = "presets"
/// max_side = 4096
///
/// [transforms.presets.card]
/// ops = "w_800,h_450,c_fill,g_auto"
///
/// [transforms.watermarks.credit]
/// text = "© Example News"
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransformSettings {
    /// Which transform URLs work without a signature: `presets` (the default), `all`, or
    /// `none`. Private assets always need one.
    pub unsigned: Unsigned,
    /// Longest side of a result, in pixels (after `dpr`). Default 4096.
    pub max_side: u32,
    /// Renders run at once in this process; 0 means one per CPU (the default).
    pub max_concurrent: usize,
    /// Requests that may wait for a render slot; beyond them the answer is 503 with
    /// `Retry-After`. Default 64.
    pub max_queued: usize,
    /// Longest a render may take, in seconds, before the request gets 503. Default 10.
    pub render_timeout_seconds: u64,
    /// Bytes of stored results to keep; the least recently used go first beyond it.
    /// Default 10 GiB.
    pub cache_max_bytes: u64,
    /// Results not requested for this many days are removed. Default 30.
    pub cache_ttl_days: u32,
    /// Named ops, used in URLs as `p_NAME`.
    pub presets: BTreeMap<String, TransformPreset>,
    /// Named watermarks, applied by the op `wm_NAME` or a collection's `watermark`.
    pub watermarks: BTreeMap<String, WatermarkPreset>,
}

/// A named set of ops (`[transforms.presets.NAME]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransformPreset {
    /// The ops, e.g. `w_800,h_450,c_fill,g_auto` (any order; no preset inside).
    pub ops: String,
}

/// A watermark (`[transforms.watermarks.NAME]`): an image or a text laid over the result.
///
/// ```toml
/// [transforms.watermarks.logo]
/// asset = "0193a7c0-…"   # an image asset of any namespace; its transparency is kept
/// position = "se"        # n, ne, e, se, s, sw, w, nw or center
/// opacity = 0.6
/// scale = 0.2            # the mark's width, as a fraction of the result's width
/// margin = 0.03          # from the edges, as a fraction of the result's shorter side
///
/// [transforms.watermarks.credit]
/// text = "© Example News"
/// color = "ffffff"
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatermarkPreset {
    /// The id of an image asset whose picture is the mark. Exactly one of `asset` and
    /// `text` is given.
    pub asset: Option<String>,
    /// A line of text (at most 200 characters), set in DejaVu Sans Bold.
    pub text: Option<String>,
    /// The text's colour, `RRGGBB`; white by default.
    #[serde(default = "white")]
    pub color: String,
    /// Where the mark goes: a compass point (`n` … `nw`) or `center`; `se` by default.
    #[serde(default = "south_east")]
    pub position: String,
    /// How opaque the mark is, more than 0 and at most 1; 0.6 by default.
    #[serde(default = "default_opacity")]
    pub opacity: f64,
    /// The mark's width as a fraction of the result's width, more than 0 and at most 1;
    /// 0.2 by default. A mark is never taller than the result less its margins.
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// The gap between the mark and the edges, as a fraction 0–0.25 of the result's
    /// shorter side; 0.03 by default.
    #[serde(default = "default_margin")]
    pub margin: f64,
}

fn white() -> String {
    "ffffff".into()
}
fn south_east() -> String {
    "se".into()
}
fn default_opacity() -> f64 {
    0.6
}
fn default_scale() -> f64 {
    0.2
}
fn default_margin() -> f64 {
    0.03
}

/// What a watermark shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// The picture of this image asset.
    Asset(AssetId),
    /// This text, in this colour (RGB).
    Text(String, [u8; 3]),
}

impl WatermarkPreset {
    /// What the mark shows. Valid once the settings validated.
    pub fn mark(&self) -> Mark {
        match (&self.asset, &self.text) {
            (Some(id), _) => Mark::Asset(id.parse().unwrap_or_default()),
            (None, text) => Mark::Text(
                text.clone().unwrap_or_default(),
                parse_rgb(&self.color).unwrap_or([255; 3]),
            ),
        }
    }

    /// Where the mark goes, as fractions (x, y) of the room left around it: (1, 1) is the
    /// bottom-right corner.
    pub fn anchor(&self) -> (f64, f64) {
        compass(&self.position).unwrap_or((1.0, 1.0))
    }

    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let bad = |field: &str, why: &str| {
            Err(ConfigError(format!(
                "transforms.watermarks.{name}.{field} {why}"
            )))
        };
        match (&self.asset, &self.text) {
            (Some(_), Some(_)) | (None, None) => {
                return bad("asset", "or .text: give exactly one of the two");
            }
            (Some(id), None) if id.parse::<AssetId>().is_err() => {
                return bad("asset", "must be an asset id");
            }
            (None, Some(text)) if text.trim().is_empty() || text.chars().count() > 200 => {
                return bad("text", "must be 1-200 characters");
            }
            _ => {}
        }
        if parse_rgb(&self.color).is_none() {
            return bad("color", "must be six hex digits, RRGGBB");
        }
        if compass(&self.position).is_none() {
            return bad("position", "must be n, ne, e, se, s, sw, w, nw or center");
        }
        if !(self.opacity > 0.0 && self.opacity <= 1.0) {
            return bad("opacity", "must be more than 0 and at most 1");
        }
        if !(self.scale > 0.0 && self.scale <= 1.0) {
            return bad("scale", "must be more than 0 and at most 1");
        }
        if !(0.0..=0.25).contains(&self.margin) {
            return bad("margin", "must be 0-0.25");
        }
        Ok(())
    }
}

fn parse_rgb(hex: &str) -> Option<[u8; 3]> {
    let mut rgb = [0; 3];
    (hex.len() == 6 && hex::decode_to_slice(hex, &mut rgb).is_ok()).then_some(rgb)
}

/// `transforms.unsigned`: which transform URLs need no signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unsigned {
    /// Presets only: ad-hoc ops need a signature (the default).
    #[default]
    Presets,
    /// Every URL: anyone may ask for any ops.
    All,
    /// None: presets need a signature too.
    None,
}

impl Default for TransformSettings {
    fn default() -> Self {
        Self {
            unsigned: Unsigned::Presets,
            max_side: 4096,
            max_concurrent: 0,
            max_queued: 64,
            render_timeout_seconds: 10,
            cache_max_bytes: 10 * 1024 * 1024 * 1024,
            cache_ttl_days: 30,
            presets: BTreeMap::new(),
            watermarks: BTreeMap::new(),
        }
    }
}

impl TransformSettings {
    /// Renders at once: `max_concurrent`, or one per CPU when 0.
    pub fn concurrency(&self) -> usize {
        if self.max_concurrent > 0 {
            self.max_concurrent
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }

    /// The ops of preset `name`, parsed; `None` when there is no such preset.
    pub fn preset(&self, name: &str) -> Option<TransformOps> {
        let preset = self.presets.get(name)?;
        TransformOps::parse(&preset.ops).ok()
    }

    /// Checks every preset's name and ops, and the limits.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(16..=16_383).contains(&self.max_side) {
            return Err(ConfigError(format!(
                "transforms.max_side = {} must be 16-16383 pixels",
                self.max_side
            )));
        }
        if self.render_timeout_seconds == 0 {
            return Err(ConfigError(
                "transforms.render_timeout_seconds must be at least 1".into(),
            ));
        }
        for (name, preset) in &self.presets {
            let segment = format!("p_{name}");
            OpsSegment::parse(&segment).map_err(|e| {
                ConfigError(format!("transforms.presets.{name}: the name {}", e.reason))
            })?;
            let ops = TransformOps::parse(&preset.ops)
                .map_err(|e| ConfigError(format!("transforms.presets.{name}.ops: {e}")))?;
            if let Some(wm) = ops.watermark.filter(|wm| !self.watermarks.contains_key(wm)) {
                return Err(ConfigError(format!(
                    "transforms.presets.{name}.ops: `wm_{wm}` names no [transforms.watermarks.{wm}]"
                )));
            }
        }
        for (name, watermark) in &self.watermarks {
            OpsSegment::parse(&format!("wm_{name}")).map_err(|e| {
                ConfigError(format!(
                    "transforms.watermarks.{name}: the name {}",
                    e.reason
                ))
            })?;
            watermark.validate(name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml: &str) -> TransformSettings {
        use figment::providers::{Format, Toml};
        figment::Figment::from(Toml::string(toml))
            .extract()
            .expect("parses")
    }

    fn with(toml: &str) -> Result<(), ConfigError> {
        parse(toml).validate()
    }

    #[test]
    fn watermarks_show_an_image_or_a_text_and_presets_name_known_ones() {
        with("[watermarks.credit]\ntext = \"© Example\"\n").unwrap();
        with("[watermarks.logo]\nasset = \"0193a7c0-1d2e-7f00-8000-000000000001\"\nposition = \"nw\"\nopacity = 1\n[presets.card]\nops = \"w_800,wm_logo\"\n").unwrap();
        for (toml, field) in [
            ("[watermarks.x]\n", "asset"),
            (
                "[watermarks.x]\ntext = \"a\"\nasset = \"0193a7c0-1d2e-7f00-8000-000000000001\"\n",
                "asset",
            ),
            ("[watermarks.x]\nasset = \"logo.png\"\n", "asset"),
            ("[watermarks.x]\ntext = \" \"\n", "text"),
            ("[watermarks.x]\ntext = \"a\"\ncolor = \"#fff\"\n", "color"),
            (
                "[watermarks.x]\ntext = \"a\"\nposition = \"top\"\n",
                "position",
            ),
            ("[watermarks.x]\ntext = \"a\"\nopacity = 0\n", "opacity"),
            ("[watermarks.x]\ntext = \"a\"\nscale = 1.5\n", "scale"),
            ("[watermarks.x]\ntext = \"a\"\nmargin = 0.5\n", "margin"),
        ] {
            let e = with(toml).unwrap_err().to_string();
            assert!(
                e.contains(&format!("transforms.watermarks.x.{field}")),
                "{toml}: {e}"
            );
        }
        let e = with("[presets.card]\nops = \"w_800,wm_nope\"\n").unwrap_err();
        assert!(e.to_string().contains("wm_nope"), "{e}");
    }

    #[test]
    fn a_watermark_anchors_at_its_compass_point() {
        let settings = parse(
            "[watermarks.a]\ntext = \"a\"\n[watermarks.b]\ntext = \"b\"\nposition = \"n\"\ncolor = \"ff0000\"\n",
        );
        assert_eq!(settings.watermarks["a"].anchor(), (1.0, 1.0));
        assert_eq!(settings.watermarks["b"].anchor(), (0.5, 0.0));
        assert_eq!(
            settings.watermarks["b"].mark(),
            Mark::Text("b".into(), [255, 0, 0])
        );
    }

    #[test]
    fn limits_are_checked_and_presets_are_found_by_name() {
        let e = with("max_side = 8\n").unwrap_err().to_string();
        assert!(
            e.contains("transforms.max_side = 8 must be 16-16383"),
            "{e}"
        );
        let e = with("render_timeout_seconds = 0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("render_timeout_seconds"), "{e}");
        let e = with("[presets.\"Card\"]\nops = \"w_800\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("transforms.presets.Card: the name"), "{e}");
        let e = with("[presets.card]\nops = \"w_0\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("transforms.presets.card.ops"), "{e}");

        let settings = parse("max_concurrent = 3\n[presets.card]\nops = \"w_800,h_600\"\n");
        assert_eq!(settings.concurrency(), 3);
        let card = settings.preset("card").expect("the preset");
        assert_eq!(card, TransformOps::parse("w_800,h_600").unwrap());
        assert_eq!(settings.preset("hero"), None);
        assert!(parse("").concurrency() >= 1, "one per CPU when 0");
    }
}
