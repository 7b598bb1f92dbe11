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

/**
 * The thumbnail box of an asset: placeholder, then the `thumbnail` (or `small`) variant.
 * Assets without a picture (audio without cover art, unknown files) show their kind.
 */
export function thumbnail(asset, names = ["thumbnail", "small"]) {
  const box = h("div", { class: `thumb kind-${asset.kind}` });
  if (asset.placeholder) {
    box.style.backgroundColor = asset.placeholder.dominant_color;
    const canvas = placeholder(asset.placeholder.blurhash);
    if (canvas) box.append(canvas);
  }
  const variant = pickVariant(asset, names);
  if (variant) {
    const img = h("img", { src: variant.url, alt: altOf(asset), loading: "lazy", decoding: "async" });
    img.addEventListener("load", () => box.classList.add("loaded"));
    img.addEventListener("error", () => img.remove());
    box.append(img);
  } else {
    const label = asset.status === "processing" ? "Processing…" : asset.status === "failed" ? "Failed" : LABELS[asset.kind] || "File";
    box.append(h("span", { class: "kind-label" }, label));
  }
  // A picture of a video or a song (poster, cover art) says what it is; a kind label
  // already does.
  if (variant && (asset.kind === "video" || asset.kind === "audio")) {
    box.append(h("span", { class: "badge" }, asset.kind === "video" ? "▶ Video" : "♪ Audio"));
  }
  return box;
}
