//! On-the-fly transforms: the ops language of `/img/{asset}/{rev}/{ops}/{name}.{ext}` and the
//! geometry it asks for.
//!
//! Ops are a comma list in one canonical order (after Cloudinary's and imgproxy's):
//! `w_N`, `h_N` (pixels), `c_fill|c_fit|c_limit|c_pad`, `bg_RRGGBB`,
//! `g_auto|g_face|g_center|g_n|g_ne|g_e|g_se|g_s|g_sw|g_w|g_nw|g_fp:X:Y`, `q_N`,
//! `dpr_1|2|3`, `blur_N`, `sharpen`, `wm_NAME`. Defaults (`c_limit`, `g_center`, `dpr_1`,
//! `bg_ffffff`) are left out of the canonical form, and no ops at all is written `_`, so one
//! picture has exactly one canonical string. A preset, `p_NAME`, stands alone.

use std::fmt;

mod format;

pub use format::RequestedFormat;

/// Largest `w_N` or `h_N` the parser accepts, in pixels; `transforms.max_side` bounds the
/// result further (after `dpr`).
const MAX_PARSED_SIDE: u32 = 100_000;

/// How the picture is fitted into the `w`×`h` box.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Crop {
    /// `c_fill`: scale to cover the box, then crop to it around the gravity.
    Fill,
    /// `c_fit`: scale to fit inside the box, upscaling when the picture is smaller.
    Fit,
    /// `c_limit`: scale to fit inside the box, never upscaling (the default).
    #[default]
    Limit,
    /// `c_pad`: fit inside the box, then letterbox to the box with the `bg` colour.
    Pad,
}

/// Where `c_fill` keeps the picture when it crops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Gravity {
    /// `g_auto`: the asset's focal point when set, else the most salient region.
    Auto,
    /// `g_face`: around the faces analysis found, else as [`Gravity::Auto`].
    Face,
    /// `g_center` (the default) and the compass points `g_n` … `g_nw`: the point of the
    /// picture that stays in view, as fractions (x, y) of its width and height.
    #[default]
    Center,
    /// A compass point: (x, y) fractions, 0 or 0.5 or 1, e.g. `g_ne` is (1, 0).
    Compass(&'static str, Fraction, Fraction),
    /// `g_fp:X:Y`: an explicit focal point.
    Point(Fraction, Fraction),
}

/// A fraction 0–1 in thousandths, so ops compare and hash exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fraction(u16);

impl Fraction {
    /// The fraction as a number 0–1.
    pub fn get(self) -> f64 {
        f64::from(self.0) / 1000.0
    }

    /// The fraction nearest `v` (clamped to 0–1), in thousandths.
    pub fn new(v: f64) -> Self {
        Self((v.clamp(0.0, 1.0) * 1000.0).round() as u16)
    }
}

impl fmt::Display for Fraction {
    /// The shortest decimal: `0`, `1`, `0.5`, `0.25`, `0.125`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("0"),
            1000 => f.write_str("1"),
            n => {
                let digits = format!("{n:03}");
                write!(f, "0.{}", digits.trim_end_matches('0'))
            }
        }
    }
}

const COMPASS: [(&str, u16, u16); 8] = [
    ("n", 500, 0),
    ("ne", 1000, 0),
    ("e", 1000, 500),
    ("se", 1000, 1000),
    ("s", 500, 1000),
    ("sw", 0, 1000),
    ("w", 0, 500),
    ("nw", 0, 0),
];

/// A parsed, validated list of ops (see the module docs). `Display` writes the canonical form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TransformOps {
    /// Box width in CSS pixels (multiplied by `dpr`).
    pub width: Option<u32>,
    /// Box height in CSS pixels (multiplied by `dpr`).
    pub height: Option<u32>,
    /// How the picture fits the box.
    pub crop: Crop,
    /// `c_pad`'s letterbox colour, RGB; white by default.
    pub background: Option<[u8; 3]>,
    /// `c_fill`'s gravity.
    pub gravity: Gravity,
    /// Encoder quality 1–100; `None` uses the format's default.
    pub quality: Option<u8>,
    /// Device pixel ratio 1–3: the box is multiplied by it.
    pub dpr: u8,
    /// Gaussian blur sigma in output pixels, 1–100.
    pub blur: Option<u8>,
    /// A light unsharp mask after resizing.
    pub sharpen: bool,
    /// A watermark preset's name.
    pub watermark: Option<String>,
}

/// The ops segment of a transform URL: a preset by name, or ops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpsSegment {
    /// `p_NAME`: the ops of `[transforms.presets.NAME]`.
    Preset(String),
    /// Ad-hoc ops.
    Ops(TransformOps),
}

/// An op that does not parse or does not fit with the others: which, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{op}`: {reason}")]
pub struct OpError {
    /// The op as written (or the op type when one is missing).
    pub op: String,
    /// What is wrong with it, as a sentence fragment.
    pub reason: String,
}

pub(crate) fn op_error(op: &str, reason: impl Into<String>) -> OpError {
    OpError {
        op: op.to_owned(),
        reason: reason.into(),
    }
}

impl OpsSegment {
    /// Parses an ops segment: `p_NAME`, `_` (no ops) or a comma list of ops in any order.
    ///
    /// Errors name the first op that is unknown, malformed, out of range, repeated, or
    /// meaningless with the others (`g_` without `c_fill`, `bg_` without `c_pad`, `c_fill`
    /// or `c_pad` without both `w_` and `h_`, `c_fit` without either).
    pub fn parse(segment: &str) -> Result<Self, OpError> {
        if let Some(name) = segment.strip_prefix("p_") {
            check_name(segment, name)?;
            return Ok(Self::Preset(name.to_owned()));
        }
        TransformOps::parse(segment).map(Self::Ops)
    }
}

impl TransformOps {
    /// Parses ad-hoc ops (see [`OpsSegment::parse`], whose errors it returns).
    pub fn parse(list: &str) -> Result<Self, OpError> {
        let mut ops = Self {
            dpr: 1,
            ..Self::default()
        };
        if list == "_" {
            return Ok(ops);
        }
        let mut seen: Vec<&str> = Vec::new();
        for op in list.split(',') {
            let (kind, value) = op.split_once('_').unwrap_or((op, ""));
            if seen.contains(&kind) {
                return Err(op_error(op, format!("`{kind}_` is given twice")));
            }
            seen.push(kind);
            match kind {
                "w" => ops.width = Some(side(op, value)?),
                "h" => ops.height = Some(side(op, value)?),
                "c" => {
                    ops.crop = match value {
                        "fill" => Crop::Fill,
                        "fit" => Crop::Fit,
                        "limit" => Crop::Limit,
                        "pad" => Crop::Pad,
                        _ => return Err(op_error(op, "the crop modes are fill, fit, limit, pad")),
                    }
                }
                "bg" => ops.background = Some(colour(op, value)?),
                "g" => ops.gravity = gravity(op, value)?,
                "q" => ops.quality = Some(number(op, value, 1, 100)? as u8),
                "dpr" => ops.dpr = number(op, value, 1, 3)? as u8,
                "blur" => ops.blur = Some(number(op, value, 1, 100)? as u8),
                "sharpen" if value.is_empty() => ops.sharpen = true,
                "wm" => {
                    check_name(op, value)?;
                    ops.watermark = Some(value.to_owned());
                }
                "p" => return Err(op_error(op, "a preset stands alone, without other ops")),
                _ => return Err(op_error(op, "not an op medialib knows")),
            }
        }
        ops.check()?;
        Ok(ops)
    }

    fn check(&self) -> Result<(), OpError> {
        let both = self.width.is_some() && self.height.is_some();
        match self.crop {
            Crop::Fill if !both => return Err(op_error("c_fill", "needs both w_ and h_")),
            Crop::Pad if !both => return Err(op_error("c_pad", "needs both w_ and h_")),
            Crop::Fit if self.width.is_none() && self.height.is_none() => {
                return Err(op_error("c_fit", "needs w_ or h_"));
            }
            _ => {}
        }
        if self.gravity != Gravity::Center && self.crop != Crop::Fill {
            return Err(op_error("g", "gravity applies only with c_fill"));
        }
        if self.background.is_some() && self.crop != Crop::Pad {
            return Err(op_error("bg", "a background applies only with c_pad"));
        }
        Ok(())
    }

    /// The box in output pixels: (`w`, `h`) × `dpr`.
    pub fn output_box(&self) -> (Option<u32>, Option<u32>) {
        let dpr = u32::from(self.dpr.max(1));
        (self.width.map(|w| w * dpr), self.height.map(|h| h * dpr))
    }

    /// `c_pad`'s letterbox colour.
    pub fn pad_colour(&self) -> [u8; 3] {
        self.background.unwrap_or([255, 255, 255])
    }

    /// Where an image of `display` = (width, height) pixels goes: the output size and the
    /// region shown. A picture with neither `w_` nor `h_` keeps its size, scaled down to fit
    /// `max_side` pixels per side. `focus` is where [`Crop::Fill`] centres its crop, as
    /// fractions of the picture; other crops ignore it.
    pub fn plan(&self, display: (u32, u32), max_side: u32, focus: (f64, f64)) -> Plan {
        let (w, h) = (f64::from(display.0), f64::from(display.1));
        let (bw, bh) = self.output_box();
        let fits = |bw: Option<u32>, bh: Option<u32>| {
            let sw = bw.map_or(f64::INFINITY, |b| f64::from(b) / w);
            let sh = bh.map_or(f64::INFINITY, |b| f64::from(b) / h);
            sw.min(sh)
        };
        let whole = [0.0, 0.0, w, h];
        let scaled = |scale: f64| (round(w * scale), round(h * scale));
        match self.crop {
            Crop::Limit | Crop::Fit => {
                let mut scale = fits(bw, bh);
                if !scale.is_finite() {
                    scale = f64::from(max_side) / w.max(h);
                }
                if self.crop == Crop::Limit {
                    scale = scale.min(1.0);
                }
                Plan::simple(scaled(scale), scale, whole)
            }
            Crop::Pad => {
                let (bw, bh) = (bw.unwrap_or(1), bh.unwrap_or(1));
                let scale = fits(Some(bw), Some(bh));
                let (iw, ih) = scaled(scale);
                let (iw, ih) = (iw.min(bw), ih.min(bh));
                Plan {
                    size: (iw, ih),
                    scale,
                    crop: whole,
                    canvas: Some(Canvas {
                        size: (bw, bh),
                        at: ((bw - iw) / 2, (bh - ih) / 2),
                    }),
                }
            }
            Crop::Fill => {
                let (bw, bh) = (bw.unwrap_or(1), bh.unwrap_or(1));
                let scale = (f64::from(bw) / w).max(f64::from(bh) / h);
                let (cw, ch) = (
                    (f64::from(bw) / scale).min(w),
                    (f64::from(bh) / scale).min(h),
                );
                let left = (focus.0 * w - cw / 2.0).clamp(0.0, w - cw);
                let top = (focus.1 * h - ch / 2.0).clamp(0.0, h - ch);
                Plan::simple((bw, bh), scale, [left, top, cw, ch])
            }
        }
    }
}

/// The geometry of one transform, from [`TransformOps::plan`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The resized picture's size, in pixels.
    pub size: (u32, u32),
    /// Output pixels per display pixel (above 1 when upscaling).
    pub scale: f64,
    /// The region shown, in display pixels: left, top, width, height.
    pub crop: [f64; 4],
    /// `c_pad`: the canvas the picture is placed on.
    pub canvas: Option<Canvas>,
}

/// A letterbox canvas: its size and where the picture's top-left corner goes, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canvas {
    /// Width and height of the output.
    pub size: (u32, u32),
    /// Offset of the picture on it.
    pub at: (u32, u32),
}

impl Plan {
    fn simple(size: (u32, u32), scale: f64, crop: [f64; 4]) -> Self {
        Self {
            size,
            scale,
            crop,
            canvas: None,
        }
    }

    /// The output's size in pixels: the canvas when letterboxed, else the picture.
    pub fn output_size(&self) -> (u32, u32) {
        self.canvas.map_or(self.size, |c| c.size)
    }
}

fn round(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

impl fmt::Display for TransformOps {
    /// The canonical form: ops in the documented order, defaults left out, `_` for none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(w) = self.width {
            parts.push(format!("w_{w}"));
        }
        if let Some(h) = self.height {
            parts.push(format!("h_{h}"));
        }
        match self.crop {
            Crop::Fill => parts.push("c_fill".into()),
            Crop::Fit => parts.push("c_fit".into()),
            Crop::Pad => parts.push("c_pad".into()),
            Crop::Limit => {}
        }
        if let Some(bg) = self.background.filter(|bg| *bg != [255, 255, 255]) {
            parts.push(format!("bg_{}", hex::encode(bg)));
        }
        match self.gravity {
            Gravity::Center => {}
            Gravity::Auto => parts.push("g_auto".into()),
            Gravity::Face => parts.push("g_face".into()),
            Gravity::Compass(name, ..) => parts.push(format!("g_{name}")),
            Gravity::Point(x, y) => parts.push(format!("g_fp:{x}:{y}")),
        }
        if let Some(q) = self.quality {
            parts.push(format!("q_{q}"));
        }
        if self.dpr > 1 {
            parts.push(format!("dpr_{}", self.dpr));
        }
        if let Some(b) = self.blur {
            parts.push(format!("blur_{b}"));
        }
        if self.sharpen {
            parts.push("sharpen".into());
        }
        if let Some(wm) = &self.watermark {
            parts.push(format!("wm_{wm}"));
        }
        if parts.is_empty() {
            return f.write_str("_");
        }
        f.write_str(&parts.join(","))
    }
}

/// A compass point (`n`, `ne`, … `nw`) or `center` as fractions (x, y) of a width and a
/// height: `ne` is (1, 0). `None` for any other name.
pub fn compass(name: &str) -> Option<(f64, f64)> {
    if name == "center" {
        return Some((0.5, 0.5));
    }
    COMPASS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, x, y)| (Fraction(x).get(), Fraction(y).get()))
}

impl Gravity {
    /// The point that stays in view, as fractions (x, y); `None` for [`Gravity::Auto`] and
    /// [`Gravity::Face`], which depend on the picture.
    pub fn point(self) -> Option<(f64, f64)> {
        match self {
            Self::Center => Some((0.5, 0.5)),
            Self::Compass(_, x, y) | Self::Point(x, y) => Some((x.get(), y.get())),
            Self::Auto | Self::Face => None,
        }
    }
}

fn side(op: &str, value: &str) -> Result<u32, OpError> {
    number(op, value, 1, MAX_PARSED_SIDE)
}

fn number(op: &str, value: &str, min: u32, max: u32) -> Result<u32, OpError> {
    let bad = || op_error(op, format!("takes a whole number from {min} to {max}"));
    // Leading zeros or a sign would give one value two spellings.
    if value.is_empty() || value.starts_with('0') || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value
        .parse()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(bad)
}

fn colour(op: &str, value: &str) -> Result<[u8; 3], OpError> {
    let mut rgb = [0u8; 3];
    if value.len() != 6 || hex::decode_to_slice(value, &mut rgb).is_err() {
        return Err(op_error(
            op,
            "takes a colour as six hex digits, e.g. bg_ffffff",
        ));
    }
    Ok(rgb)
}

fn gravity(op: &str, value: &str) -> Result<Gravity, OpError> {
    match value {
        "auto" => return Ok(Gravity::Auto),
        "face" => return Ok(Gravity::Face),
        "center" => return Ok(Gravity::Center),
        _ => {}
    }
    if let Some(&(name, x, y)) = COMPASS.iter().find(|(name, ..)| *name == value) {
        return Ok(Gravity::Compass(name, Fraction(x), Fraction(y)));
    }
    let bad = || {
        op_error(
            op,
            "the gravities are auto, face, center, n, ne, e, se, s, sw, w, nw and fp:X:Y with X and Y from 0 to 1",
        )
    };
    let point = value.strip_prefix("fp:").ok_or_else(bad)?;
    let (x, y) = point.split_once(':').ok_or_else(bad)?;
    let fraction = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| (0.0..=1.0).contains(v))
            .map(Fraction::new)
            .ok_or_else(bad)
    };
    Ok(Gravity::Point(fraction(x)?, fraction(y)?))
}

fn check_name(op: &str, name: &str) -> Result<(), OpError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(op_error(op, "names are 1-32 of a-z, 0-9, - and _"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(s: &str) -> String {
        match OpsSegment::parse(s) {
            Ok(OpsSegment::Ops(ops)) => ops.to_string(),
            Ok(OpsSegment::Preset(p)) => format!("preset {p}"),
            Err(e) => format!("error {e}"),
        }
    }

    #[test]
    fn canonical_form_sorts_and_drops_defaults() {
        assert_eq!(
            canonical("h_450,w_800,c_fill,g_auto"),
            "w_800,h_450,c_fill,g_auto"
        );
        assert_eq!(canonical("w_800,c_limit,dpr_1"), "w_800");
        assert_eq!(canonical("c_limit"), "_");
        assert_eq!(canonical("_"), "_");
        assert_eq!(
            canonical("sharpen,blur_3,q_70,dpr_2,w_10,h_10,c_pad,bg_FFFFFF"),
            "w_10,h_10,c_pad,q_70,dpr_2,blur_3,sharpen"
        );
        assert_eq!(
            canonical("w_1,h_1,c_pad,bg_00FF00"),
            "w_1,h_1,c_pad,bg_00ff00"
        );
        assert_eq!(canonical("w_1,h_1,c_fill,g_center"), "w_1,h_1,c_fill");
        assert_eq!(
            canonical("w_1,h_1,c_fill,g_fp:0.50:0.250"),
            "w_1,h_1,c_fill,g_fp:0.5:0.25"
        );
        assert_eq!(canonical("w_1,h_1,c_fill,g_se"), "w_1,h_1,c_fill,g_se");
        assert_eq!(canonical("p_card"), "preset card");
        assert_eq!(canonical("wm_logo,w_5"), "w_5,wm_logo");
    }

    #[test]
    fn errors_name_the_op() {
        for (ops, op) in [
            ("w_0", "w_0"),
            ("w_012", "w_012"),
            ("w_100001", "w_100001"),
            ("w_5,w_6", "w_6"),
            ("x_1", "x_1"),
            ("c_crop", "c_crop"),
            ("q_101", "q_101"),
            ("dpr_4", "dpr_4"),
            ("w_5,c_fill", "c_fill"),
            ("c_fit", "c_fit"),
            ("w_5,g_auto", "g"),
            ("w_5,h_5,bg_ffffff", "bg"),
            ("w_5,h_5,c_pad,bg_fff", "bg_fff"),
            ("w_1,h_1,c_fill,g_fp:2:0", "g_fp:2:0"),
            ("w_1,p_card", "p_card"),
            ("p_Card", "p_Card"),
            ("", ""),
            ("sharpen_1", "sharpen_1"),
        ] {
            let e = OpsSegment::parse(ops).unwrap_err();
            assert_eq!(e.op, op, "{ops}: {e}");
        }
    }

    #[test]
    fn plans_follow_the_crop_mode() {
        let parse = |s| TransformOps::parse(s).unwrap();
        let centre = (0.5, 0.5);
        // Limit never upscales; fit does.
        assert_eq!(
            parse("w_8000").plan((4032, 3024), 4096, centre).size,
            (4032, 3024)
        );
        assert_eq!(
            parse("w_8000,c_fit").plan((400, 300), 9000, centre).size,
            (8000, 6000)
        );
        assert_eq!(
            parse("w_1200,h_1200").plan((4032, 3024), 4096, centre).size,
            (1200, 900)
        );
        // No box: the picture's size, within max_side.
        assert_eq!(
            parse("_").plan((6000, 3000), 4096, centre).size,
            (4096, 2048)
        );
        // dpr multiplies the box.
        assert_eq!(
            parse("w_100,dpr_3").plan((4032, 3024), 4096, centre).size,
            (300, 225)
        );
        // Fill: exactly the box, cropped around the focus.
        let p = parse("w_150,h_150,c_fill").plan((400, 300), 4096, (1.0, 0.5));
        assert_eq!(p.size, (150, 150));
        assert_eq!(p.crop, [100.0, 0.0, 300.0, 300.0]);
        let p = parse("w_150,h_150,c_fill").plan((400, 300), 4096, (0.0, 0.5));
        assert_eq!(p.crop[0], 0.0);
        // Pad: fitted, then centred on the canvas.
        let p = parse("w_200,h_200,c_pad").plan((400, 300), 4096, centre);
        assert_eq!(p.size, (200, 150));
        assert_eq!(p.output_size(), (200, 200));
        assert_eq!(p.canvas.unwrap().at, (0, 25));
    }
}
