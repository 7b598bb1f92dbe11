// The focal point: an editor clicks the picture (or moves the point with the arrow keys)
// to say what must stay in view when it is cropped. The crops are previewed exactly as
// transforms with `g_auto` and the cover variants will cut them, before anything is saved.
import { h } from "./dom.js";

/** The crops previewed: a label and the box's width over its height. */
const CROPS = [["Square", 1], ["Wide 16:9", 16 / 9], ["Portrait 4:5", 4 / 5]];
/** How far one arrow key press moves the point, as a fraction of the picture. */
const STEP = 0.02;

const clamp = (v) => Math.min(Math.max(v, 0), 1);
const percent = (v) => `${Math.round(v * 100)}%`;

/** The CSS `object-position` that shows what `c_fill` keeps of a `width`×`height`
 * picture in a box of aspect `ratio`: the largest such region centred on `point`,
 * moved back inside the picture (as `TransformOps::plan` does). */
export function cropPosition(point, width, height, ratio) {
  let cw = width;
  let ch = width / ratio;
  if (ch > height) {
    ch = height;
    cw = height * ratio;
  }
  const left = Math.min(Math.max(point.x * width - cw / 2, 0), width - cw);
  const top = Math.min(Math.max(point.y * height - ch / 2, 0), height - ch);
  const x = width - cw > 0.5 ? (left / (width - cw)) * 100 : 50;
  const y = height - ch > 0.5 ? (top / (height - ch)) * 100 : 50;
  return `${x.toFixed(2)}% ${y.toFixed(2)}%`;
}

/** The focal point card for `asset`, drawn over `picture` (a full-frame variant).
 * `save(point)` stores a point, or clears it with `null`. */
export function focalPicker(asset, picture, save) {
  let point = asset.focal_point ? { ...asset.focal_point } : { x: 0.5, y: 0.5 };
  const marker = h("span", { class: "focal-marker", "aria-hidden": "true" });
  const image = h("img", { src: picture.url, alt: `Picture of ${asset.title}: choose what must stay in view`, draggable: "false" });
  const where = h("span", { id: "focal-where", class: "muted" });
  const target = h("button", {
    type: "button", class: "focal-picker", id: "focal-picker",
    "aria-describedby": "focal-where focal-help",
  }, image, marker);
  const previews = CROPS.map(([label, ratio]) => {
    // Sized outright: `aspect-ratio` yields to a picture's own ratio.
    const crop = h("img", { src: picture.url, alt: `${label} crop`, class: "crop", style: `width: ${(5 * ratio).toFixed(2)}rem` });
    return { ratio, crop, figure: h("figure", {}, crop, h("figcaption", {}, label)) };
  });
  const saveButton = h("button", { type: "submit", class: "button primary", id: "focal-save", disabled: true }, "Save focal point");
  const clearButton = asset.focal_point
    ? h("button", { type: "button", class: "button", id: "focal-clear", onclick: () => save(null) }, "Clear")
    : null;

  function draw(changed) {
    marker.style.left = percent(point.x);
    marker.style.top = percent(point.y);
    where.textContent = `Focal point: ${percent(point.x)} across, ${percent(point.y)} down${asset.focal_point ? "" : " (not set: crops find the subject themselves)"}.`;
    for (const { ratio, crop } of previews) {
      crop.style.objectPosition = cropPosition(point, picture.width, picture.height, ratio);
    }
    if (changed) saveButton.disabled = false;
  }

  function move(x, y) {
    point = { x: Math.round(clamp(x) * 1000) / 1000, y: Math.round(clamp(y) * 1000) / 1000 };
    draw(true);
  }

  target.addEventListener("click", (event) => {
    // A keyboard "click" (Enter, Space) has no position: it keeps the point.
    if (event.detail === 0) return;
    const box = image.getBoundingClientRect();
    move((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
  });
  target.addEventListener("keydown", (event) => {
    const by = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] }[event.key];
    if (!by) return;
    event.preventDefault();
    move(point.x + by[0], point.y + by[1]);
  });

  const form = h("form", { class: "focal", id: "focal-form" },
    target,
    h("p", { id: "focal-help", class: "muted" }, "Click the picture where its subject is, or focus it and use the arrow keys."),
    where,
    h("div", { class: "crop-previews", "aria-label": "Crops with this focal point", role: "group" }, previews.map((p) => p.figure)),
    h("div", { class: "actions" }, saveButton, clearButton));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(point);
  });
  draw(false);
  return h("section", { class: "card", "aria-labelledby": "focal-heading" },
    h("h2", { id: "focal-heading" }, "Focal point"), form);
}
