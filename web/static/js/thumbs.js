// Thumbnails: the asset's small image variant over its BlurHash placeholder, which
// shows at once and fades out as the image arrives.
import { decode } from "/ui/vendor/blurhash/blurhash.js";
import { h } from "./dom.js";

const FORMATS = ["webp", "jpeg", "png", "avif"];

/** The first variant named in `names` (in that order), in the best format a browser shows. */
export function pickVariant(asset, names) {
  const variants = asset.variants || [];
  for (const name of names) {
    const found = variants
      .filter((v) => v.name === name && FORMATS.includes(v.format))
      .sort((a, b) => FORMATS.indexOf(a.format) - FORMATS.indexOf(b.format));
    if (found.length) return found[0];
  }
  return null;
}

/** The alt text a picture of `asset` gets: its alt text, else its title. */
export function altOf(asset) {
  return asset.alt_text || asset.title || asset.original_filename || "";
}

const LABELS = { image: "Image", video: "Video", audio: "Audio", document: "Document", model3d: "3D model", other: "File" };

/** A 32×32 canvas painted from a BlurHash (decoding is < 1 ms), or null if it is invalid. */
function placeholder(blurhash) {
  try {
    const pixels = decode(blurhash, 32, 32);
    const canvas = h("canvas", { width: 32, height: 32, class: "placeholder", "aria-hidden": "true" });
    const context = canvas.getContext("2d");
    const image = context.createImageData(32, 32);
    image.data.set(pixels);
    context.putImageData(image, 0, 0);
    return canvas;
  } catch {
    return null;
  }
}

/** Variants a card may draw from, smallest first: the browser takes the first at least
 * as wide as the card (`sizes`), so that no thumbnail is upscaled. */
const CARD_VARIANTS = ["thumbnail", "small", "medium"];
/** How wide a card's picture shows, in CSS pixels: half a phone's width, else about 220. */
const CARD_SIZES = "(max-width: 600px) 50vw, (max-width: 800px) 33vw, 220px";

/** `srcset` of the `names` variants that say their width, each in its best format. */
function srcset(asset, names) {
  return names
    .map((name) => pickVariant(asset, [name]))
    .filter((variant) => variant?.width)
    .map((variant) => `${variant.url} ${variant.width}w`)
    .join(", ");
}

/**
 * The thumbnail box of an asset: placeholder, then the `thumbnail` (or `small`) variant,
 * with the larger ones offered for wider cards and denser screens. Assets without a
 * picture (audio without cover art, unknown files) show their kind.
 */
export function thumbnail(asset, names = ["thumbnail", "small", "waveform"]) {
  const transparent = asset.metadata?.has_alpha ? " transparent" : "";
  const box = h("div", { class: `thumb kind-${asset.kind}${transparent}` });
  if (asset.placeholder) {
    box.style.backgroundColor = asset.placeholder.dominant_color;
    const canvas = placeholder(asset.placeholder.blurhash);
    if (canvas) box.append(canvas);
  }
  const variant = pickVariant(asset, names);
  // A song without cover art shows its waveform, whole.
  if (variant?.name === "waveform") box.classList.add("waveform-thumb");
  if (variant) {
    const candidates = srcset(asset, CARD_VARIANTS);
    const img = h("img", {
      src: variant.url, srcset: candidates || null, sizes: candidates ? CARD_SIZES : null,
      alt: altOf(asset), loading: "lazy", decoding: "async",
    });
    img.addEventListener("load", () => box.classList.add("loaded"));
    img.addEventListener("error", () => img.remove());
    box.append(img);
  } else {
    const label = asset.status === "processing" ? "Processing…" : asset.status === "failed" ? "Failed" : LABELS[asset.kind] || "File";
    box.append(h("span", { class: "kind-label" }, label));
  }
  if (asset.metadata?.encrypted) box.append(h("span", { class: "badge" }, "🔒 Password-protected"));
  // A picture of a video or a song (poster, cover art) says what it is; a kind label
  // already does.
  if (variant && (asset.kind === "video" || asset.kind === "audio")) {
    box.append(h("span", { class: "badge" }, asset.kind === "video" ? "▶ Video" : "♪ Audio"));
  }
  return box;
}
