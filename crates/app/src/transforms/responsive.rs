//! Responsive markup: `srcset` per format, `sizes`, a fallback `src` with its size, and the
//! `<picture>` element that puts them together (HTML Living Standard §4.8.1-4.8.4), with
//! transform URLs a page can use as they are (signed when they need to be).

use std::fmt::Write;

use medialib_core::access::Principal;
use medialib_core::transform::{OpsSegment, RequestedFormat, TransformOps};
use medialib_core::{AppError, Asset, AssetId, ErrorCode, OutputFormat, Variant};

use super::Picture;
use super::urls;
use crate::Catalog;
use crate::signing::Signer;

/// The default width ladder, in pixels; widths above the picture (or the requested box at
/// 2×) are left out.
pub const LADDER: [u32; 9] = [320, 480, 640, 800, 1080, 1280, 1600, 1920, 2560];

/// Most widths one request may list.
const MAX_WIDTHS: usize = 16;

/// What markup to make.
#[derive(Debug, Clone, Default)]
pub struct ResponsiveRequest<'a> {
    /// A preset's name; its ops give the box and crop.
    pub preset: Option<&'a str>,
    /// Ad-hoc ops, when no preset is named.
    pub ops: Option<&'a str>,
    /// Widths in pixels, comma-separated; default: the ladder up to the picture's width, or
    /// the box's width and twice it.
    pub widths: Option<&'a str>,
    /// The `sizes` attribute; default `(max-width: {w}px) 100vw, {w}px` for a box of
    /// width `w`, else `100vw`.
    pub sizes: Option<&'a str>,
    /// Lifetime of signed URLs, in seconds (private assets' default:
    /// `signing.default_ttl_seconds`).
    pub ttl: Option<u64>,
    /// Put in front of every URL (`public_base_url`); empty for root-relative URLs.
    pub base_url: &'a str,
}

/// One `srcset` per format.
#[derive(Debug, Clone)]
pub struct SourceSet {
    /// `image/avif`, `image/webp`, `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// `url 320w, url 640w, …`.
    pub srcset: String,
}

/// Markup for one asset.
#[derive(Debug, Clone)]
pub struct Responsive {
    /// AVIF, WebP, then the fallback (JPEG, or PNG for pictures with transparency).
    pub sources: Vec<SourceSet>,
    /// The `sizes` attribute.
    pub sizes: String,
    /// The fallback picture: its URL and size in pixels.
    pub src: String,
    /// Width of `src` in pixels.
    pub width: u32,
    /// Height of `src` in pixels.
    pub height: u32,
    /// The widths used, in pixels.
    pub widths: Vec<u32>,
    /// The `<picture>` element.
    pub html: String,
}

/// Builds the markup for asset `id`.
///
/// Errors: `not_found` for an asset the caller cannot see (or in the trash) or an unknown
/// preset; `no_picture` for an asset without a picture; `invalid_request` (422) for ops,
/// widths or a ttl that are wrong, naming them.
pub async fn markup(
    catalog: &Catalog,
    signer: &Signer,
    caller: &Principal,
    id: AssetId,
    request: ResponsiveRequest<'_>,
) -> Result<Responsive, AppError> {
    let asset = crate::assets::get(catalog, caller, id).await?;
    if asset.deleted_at.is_some() {
        return Err(AppError::not_found(format!(
            "asset {id} (it is in the trash)"
        )));
    }
    let variants = catalog.store.list_variants(asset.id).await?;
    markup_of(catalog, signer, &asset, &variants, request)
}

/// Builds the markup for an asset the caller may see and already holds, with its
/// variants (the picture transforms read is chosen from them).
///
/// Errors: as [`markup`], but for the asset lookup.
pub fn markup_of(
    catalog: &Catalog,
    signer: &Signer,
    asset: &Asset,
    variants: &[Variant],
    request: ResponsiveRequest<'_>,
) -> Result<Responsive, AppError> {
    let id = asset.id;
    let picture = Picture::of(asset, variants).ok_or_else(|| {
        AppError::new(
            ErrorCode::NoPicture,
            format!("asset {id} has no picture to show"),
        )
    })?;
    let base = base_ops(catalog, &request)?;
    let max_side = catalog.settings.transforms.max_side;
    let widths = widths(&base, picture.size, max_side, request.widths)?;
    let ttl = crate::signed_urls::check_ttl(catalog, request.ttl)?;

    let fallback = if picture.alpha {
        OutputFormat::Png
    } else {
        OutputFormat::Jpeg
    };
    let mut sources = Vec::new();
    for format in [OutputFormat::Avif, OutputFormat::Webp, fallback] {
        let mut srcset = Vec::new();
        for &w in &widths {
            let url = sign(catalog, signer, asset, &at_width(&base, w), format, ttl);
            srcset.push(format!("{}{url} {w}w", request.base_url));
        }
        sources.push(SourceSet {
            mime: format.mime(),
            srcset: srcset.join(", "),
        });
    }
    let sizes = match (request.sizes, base.width) {
        (Some(sizes), _) => sizes.to_owned(),
        (None, Some(w)) => format!("(max-width: {w}px) 100vw, {w}px"),
        (None, None) => "100vw".to_owned(),
    };
    // The fallback is the box at 1×, or the middle of the ladder.
    let src_width = base.width.map_or(widths[widths.len() / 2], |w| {
        *widths
            .iter()
            .find(|&&x| x >= w)
            .unwrap_or(&widths[widths.len() - 1])
    });
    let src_ops = at_width(&base, src_width);
    let (width, height) = src_ops
        .plan(picture.size, max_side, (0.5, 0.5))
        .output_size();
    let src = sign(catalog, signer, asset, &src_ops, fallback, ttl);
    let src = format!("{}{src}", request.base_url);
    let html = html(asset, &sources, &sizes, &src, (width, height));
    Ok(Responsive {
        sources,
        sizes,
        src,
        width,
        height,
        widths,
        html,
    })
}

/// The ops the widths vary.
fn base_ops(catalog: &Catalog, request: &ResponsiveRequest<'_>) -> Result<TransformOps, AppError> {
    let invalid = |e: medialib_core::transform::OpError| {
        AppError::new(ErrorCode::InvalidRequest, format!("ops {e}"))
    };
    match (request.preset, request.ops) {
        (Some(_), Some(_)) => Err(AppError::invalid("give a preset or ops, not both")),
        (Some(name), None) => urls::preset_ops(catalog, name),
        (None, Some(ops)) => match OpsSegment::parse(ops).map_err(invalid)? {
            OpsSegment::Preset(name) => urls::preset_ops(catalog, &name),
            OpsSegment::Ops(ops) => Ok(ops),
        },
        (None, None) => TransformOps::parse("_").map_err(invalid),
    }
}

/// `base` resized to `width` pixels wide at 1×: its height scaled alike, its crop kept.
fn at_width(base: &TransformOps, width: u32) -> TransformOps {
    let mut ops = base.clone();
    let dpr = u32::from(base.dpr.max(1));
    // A box's height scales with its width; a height alone would cap every width.
    ops.height = match (base.width, base.height) {
        (Some(bw), Some(h)) => {
            let scaled = f64::from(h * dpr) * f64::from(width) / f64::from(bw * dpr);
            Some((scaled.round() as u32).max(1))
        }
        _ => None,
    };
    ops.width = Some(width);
    ops.dpr = 1;
    ops
}

/// The widths to offer, ascending: as asked (each checked), or the ladder up to what the
/// picture and the box can fill.
fn widths(
    base: &TransformOps,
    picture: (u32, u32),
    max_side: u32,
    asked: Option<&str>,
) -> Result<Vec<u32>, AppError> {
    if let Some(list) = asked {
        let mut widths = Vec::new();
        for item in list.split(',') {
            let w = item
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|w| (1..=max_side).contains(w));
            widths.push(w.ok_or_else(|| {
                AppError::invalid(format!(
                    "widths: {item:?} is not a width from 1 to {max_side} pixels"
                ))
            })?);
        }
        if widths.len() > MAX_WIDTHS {
            return Err(AppError::invalid(format!(
                "widths: at most {MAX_WIDTHS} widths"
            )));
        }
        widths.sort_unstable();
        widths.dedup();
        return Ok(widths);
    }
    if let Some(w) = base.width {
        // A box: 1× and 2× of it, as far as the picture goes.
        let w = w * u32::from(base.dpr.max(1));
        let mut list = vec![w.min(picture.0)];
        if w * 2 <= picture.0.min(max_side) {
            list.push(w * 2);
        }
        return Ok(list);
    }
    let widest = picture.0.min(max_side);
    let mut list: Vec<u32> = LADDER.iter().copied().filter(|&w| w <= widest).collect();
    if list.is_empty() {
        list.push(widest);
    }
    Ok(list)
}

/// The URL of `ops` in `format`: ad-hoc ops, so signed under the default policy.
fn sign(
    catalog: &Catalog,
    signer: &Signer,
    asset: &Asset,
    ops: &TransformOps,
    format: OutputFormat,
    ttl: Option<u64>,
) -> String {
    let format = RequestedFormat::Fixed(format);
    urls::signed(catalog, signer, asset, &ops.to_string(), false, format, ttl).url
}

/// The `<picture>` element: one `<source>` per modern format, the fallback `<img>` with
/// its size (so the page does not reflow), alt text, lazy loading, and the dominant
/// colour as a placeholder (the BlurHash in `data-blurhash` for scripts that paint it).
fn html(
    asset: &Asset,
    sources: &[SourceSet],
    sizes: &str,
    src: &str,
    (w, h): (u32, u32),
) -> String {
    let mut html = String::from("<picture>");
    let (modern, fallback) = sources.split_at(sources.len() - 1);
    for s in modern {
        let _ = write!(
            html,
            "<source type=\"{}\" srcset=\"{}\" sizes=\"{}\">",
            s.mime,
            escape(&s.srcset),
            escape(sizes)
        );
    }
    let alt = asset.alt_text.as_deref().unwrap_or("");
    let _ = write!(
        html,
        "<img src=\"{}\" srcset=\"{}\" sizes=\"{}\" width=\"{w}\" height=\"{h}\" alt=\"{}\" loading=\"lazy\" decoding=\"async\"",
        escape(src),
        escape(&fallback[0].srcset),
        escape(sizes),
        escape(alt)
    );
    if let Some(p) = &asset.placeholder {
        let _ = write!(
            html,
            " style=\"background-color:{}\" data-blurhash=\"{}\"",
            escape(&p.dominant_color),
            escape(&p.blurhash)
        );
    }
    html.push_str("></picture>");
    html
}

/// Escapes text for an HTML attribute value in double quotes.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(s: &str) -> TransformOps {
        TransformOps::parse(s).unwrap()
    }

    #[test]
    fn the_ladder_stops_at_the_picture_and_boxes_offer_1x_and_2x() {
        assert_eq!(
            widths(&ops("_"), (1000, 800), 4096, None).unwrap(),
            [320, 480, 640, 800]
        );
        assert_eq!(widths(&ops("_"), (200, 100), 4096, None).unwrap(), [200]);
        assert_eq!(
            widths(&ops("w_400,h_225,c_fill"), (4032, 3024), 4096, None).unwrap(),
            [400, 800]
        );
        assert_eq!(
            widths(&ops("w_400"), (600, 400), 4096, None).unwrap(),
            [400]
        );
        assert_eq!(
            widths(&ops("_"), (9000, 10), 4096, Some("640, 320,640")).unwrap(),
            [320, 640]
        );
        assert!(widths(&ops("_"), (9000, 10), 4096, Some("0")).is_err());
        assert!(widths(&ops("_"), (9000, 10), 4096, Some("5000")).is_err());
    }

    #[test]
    fn widths_keep_the_box_aspect() {
        let card = at_width(&ops("w_400,h_225,c_fill,g_auto"), 800);
        assert_eq!(card.to_string(), "w_800,h_450,c_fill,g_auto");
        assert_eq!(at_width(&ops("w_300,dpr_2"), 600).to_string(), "w_600");
        assert_eq!(at_width(&ops("_"), 320).to_string(), "w_320");
    }

    #[test]
    fn attributes_are_escaped() {
        assert_eq!(
            escape(r#"a "b" <c> & 'd'"#),
            "a &quot;b&quot; &lt;c&gt; &amp; &#39;d&#39;"
        );
    }
}
