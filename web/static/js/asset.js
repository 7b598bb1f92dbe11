// The asset page: a preview that fits the kind, "Use this media" (links, snippets and a
// download ready to paste, `use.js`), the variants with copy-URL buttons, the
// metadata (with a map link for GPS), where the asset is used, and editing: title, alt
// text, description, public, the focal point, tags; move to the trash and restore; what
// analysis found and assets that look alike (`analysis.js`).
import "./frame.js";
import { findings, lookalikes } from "./analysis.js";
import { api } from "./api.js";
import { ask, canWrite, copy, formatBytes, formatDate, formatDuration, h, toast } from "./dom.js";
import { focalPicker } from "./focal.js";
import { altOf, pickVariant } from "./thumbs.js";
import { around } from "./trail.js";
import { usePanel } from "./use.js";

const root = document.getElementById("asset");
const id = root.dataset.assetId;
const absolute = (url) => new URL(url, location.origin).href;

/** The preview: picture, <video> with renditions, <audio> with its waveform, page, poster. */
function preview(asset) {
  const picture = pickVariant(asset, ["large", "medium", "hero", "small", "poster", "thumbnail"]);
  const poster = pickVariant(asset, ["poster", "large", "medium"]);
  switch (asset.kind) {
    case "video": {
      const video = h("video", { controls: true, preload: "metadata", poster: poster?.url, "aria-label": altOf(asset) });
      for (const r of asset.renditions) video.append(h("source", { src: r.url, type: r.mime }));
      video.append(h("source", { src: asset.links.original, type: asset.mime }));
      return h("div", { class: "preview" }, video);
    }
    case "audio": {
      const wave = asset.variants.find((v) => v.name === "waveform" && v.format === "png");
      const player = h("audio", { controls: true, preload: "metadata", src: asset.links.original, "aria-label": asset.title });
      return h("div", { class: "preview audio" },
        picture ? h("img", { src: picture.url, alt: `Cover art of ${asset.title}` }) : null,
        wave ? seekBar(wave, player, asset) : null,
        player);
    }
    case "model3d":
      if (VIEWABLE_MODELS.includes(asset.mime) && asset.status === "ready") return modelViewer(asset, poster ?? picture);
    // falls through: other models show their rendering
    default:
      if (picture) {
        const label = asset.kind === "document" ? `First page of ${asset.title}` : asset.kind === "model3d" ? `Rendering of ${asset.title}` : altOf(asset);
        const pages = asset.metadata?.format === "pdf" ? asset.metadata.page_count ?? 1 : 1;
        if (pages > 1) return pager(asset, picture, pages);
        // Transparent pictures show on a checkerboard, as image editors do.
        return h("div", { class: `preview${asset.metadata?.has_alpha ? " transparent" : ""}` }, h("img", { src: picture.url, alt: label }));
      }
      return h("div", { class: "preview" }, h("p", { class: "kind-label" },
        asset.status === "processing" ? "Processing… the preview appears when it is ready."
          : asset.metadata?.encrypted ? "Password-protected PDF: no preview. The file itself is kept as it was uploaded."
            : "No preview for this file."));
  }
}

/**
 * A PDF's pages, one at a time: page 1 from the variants, the others rendered by the
 * server when asked (`GET /api/v1/assets/{id}/pages/{n}`).
 */
function pager(asset, first, pages) {
  let at = 1;
  const img = h("img", { src: first.url, alt: `Page 1 of ${asset.title}`, id: "page" });
  const where = h("span", { class: "muted", id: "page-number", "aria-live": "polite" });
  const previous = h("button", { type: "button", class: "button small", id: "page-previous" }, "← Previous page");
  const next = h("button", { type: "button", class: "button small", id: "page-next" }, "Next page →");
  const show = (n) => {
    at = Math.min(Math.max(n, 1), pages);
    img.src = at === 1 ? first.url : `/api/v1/assets/${asset.id}/pages/${at}?side=1200`;
    img.alt = `Page ${at} of ${asset.title}`;
    where.textContent = `Page ${at} of ${pages}`;
    previous.disabled = at === 1;
    next.disabled = at === pages;
  };
  previous.addEventListener("click", () => show(at - 1));
  next.addEventListener("click", () => show(at + 1));
  show(1);
  return h("div", { class: "document-pages" },
    h("div", { class: "preview" }, img),
    h("div", { class: "pager" }, previous, where, next));
}

/** Models the orbit viewer loads: glTF as uploaded, OBJ and STL as the server's glTF
 * form of them. */
const VIEWABLE_MODELS = ["model/gltf-binary", "model/gltf+json", "model/obj", "model/stl"];
const AS_GLTF = ["model/obj", "model/stl"];

/**
 * An orbit viewer of the model (`<model-viewer>`, vendored, loaded with the first model
 * shown): drag to turn it, pinch or scroll to zoom; its static rendering shows until
 * the model has loaded.
 */
function modelViewer(asset, poster) {
  import("/ui/vendor/model-viewer/model-viewer.min.js").catch(() => {
    // Without the viewer the element shows its poster, the static rendering.
  });
  const viewer = h("model-viewer", {
    src: AS_GLTF.includes(asset.mime) ? `/api/v1/assets/${asset.id}/model.glb` : asset.links.original, poster: poster?.url, alt: `3D model: ${asset.title}`,
    "camera-controls": true, "touch-action": "pan-y", "interaction-prompt": "none", id: "viewer",
  });
  const box = h("div", { class: "preview model" }, viewer);
  // A model the viewer cannot read keeps its static rendering, and says why it does not turn.
  viewer.addEventListener("error", () => {
    box.replaceChildren(
      poster ? h("img", { src: poster.url, alt: `Rendering of ${asset.title}` }) : null,
      h("p", { class: "kind-label" }, "This model cannot be turned here; its rendering is shown instead."));
    box.classList.remove("model");
  });
  return box;
}

/**
 * The waveform as a seek bar: a slider over the picture moves the player (by click, drag
 * or arrow keys), and the part already played is shaded as it plays.
 */
function seekBar(wave, player, asset) {
  const duration = asset.duration_s || 0;
  const slider = h("input", {
    type: "range", class: "seek", id: "seek", min: 0, max: duration, step: "any", value: 0,
    "aria-label": `Position in ${asset.title}`,
  });
  const bar = h("div", { class: "waveform" }, h("img", { src: wave.url, alt: `Waveform of ${asset.title}` }), slider);
  const show = () => {
    const played = duration ? player.currentTime / duration : 0;
    bar.style.setProperty("--played", `${(played * 100).toFixed(2)}%`);
    slider.setAttribute("aria-valuetext", `${formatDuration(player.currentTime)} of ${formatDuration(duration)}`);
  };
  slider.addEventListener("input", () => {
    player.currentTime = Number(slider.value);
    show();
  });
  player.addEventListener("timeupdate", () => {
    slider.value = String(player.currentTime);
    show();
  });
  show();
  return bar;
}

/** One row per variant and rendition: name, format, size, bytes, a copy-URL button. */
function variants(asset) {
  const rows = [...asset.variants, ...asset.renditions].map((v) =>
    h("tr", {},
      h("td", {}, v.name),
      h("td", {}, v.format),
      h("td", {}, v.width && v.height ? `${v.width}×${v.height}` : v.duration_s ? formatDuration(v.duration_s) : "—"),
      h("td", {}, formatBytes(v.bytes)),
      h("td", {}, h("button", { type: "button", class: "button small", onclick: () => copy(absolute(v.url)), "aria-label": `Copy URL of ${v.name} ${v.format}` }, "Copy URL"))));
  const original = h("tr", {},
    h("td", {}, "original"), h("td", {}, asset.mime),
    h("td", {}, asset.width && asset.height ? `${asset.width}×${asset.height}` : asset.duration_s ? formatDuration(asset.duration_s) : "—"),
    h("td", {}, formatBytes(asset.size)),
    h("td", {}, h("button", { type: "button", class: "button small", onclick: () => copy(absolute(asset.links.original)), "aria-label": "Copy URL of the original" }, "Copy URL")));
  return h("section", { class: "card", "aria-labelledby": "variants-heading" },
    h("h2", { id: "variants-heading" }, "Files"),
    h("table", { class: "table" },
      h("thead", {}, h("tr", {}, ["Name", "Format", "Size", "Bytes", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, original, rows)));
}

const LABELS = { f_number: "f-number", iso: "ISO", icc_profile: "ICC profile", exposure_time_s: "exposure", focal_length_mm: "focal length (mm)", duration_s: "duration" };
/** The metadata's own capture dates, shown once as the asset's "taken". */
const CAPTURE_DATES = ["taken_at", "creation_time", "created_at"];

/** An exposure time as photographers write it: 1/30 s, 0.5 s, 2 s. */
function exposure(seconds) {
  return seconds > 0 && seconds < 0.5 ? `1/${Math.round(1 / seconds)} s` : `${seconds} s`;
}
const label = (key) => LABELS[key] || key.replaceAll("_", " ");

/** The metadata as a definition list; GPS links to OpenStreetMap. */
function metadata(asset) {
  const list = h("dl", { class: "facts" });
  const add = (key, value) => list.append(h("dt", {}, label(key)), h("dd", {}, value));
  add("type", asset.mime);
  add("uploaded", formatDate(asset.created_at));
  if (asset.taken_at) add("taken", formatDate(asset.taken_at));
  for (const [key, value] of Object.entries(asset.metadata || {})) {
    if (value === null || value === undefined || key === "kind" || value === "") continue;
    if (asset.taken_at && CAPTURE_DATES.includes(key)) continue;
    if (key === "gps") {
      const { latitude, longitude } = value;
      const map = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=15/${latitude}/${longitude}`;
      add("location", h("a", { href: map, target: "_blank", rel: "noopener noreferrer" }, `${latitude.toFixed(5)}, ${longitude.toFixed(5)} (map)`));
    } else if (key === "duration_s") {
      add(key, formatDuration(value));
    } else if (key === "exposure_time_s") {
      add(key, exposure(value));
    } else if (typeof value === "object") {
      const parts = Array.isArray(value) ? value : Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`);
      if (parts.length) add(key, parts.join("; "));
    } else {
      add(key, String(value));
    }
  }
  return h("section", { class: "card", "aria-labelledby": "metadata-heading" }, h("h2", { id: "metadata-heading" }, "Metadata"), list);
}

async function usage(asset) {
  const section = h("section", { class: "card", "aria-labelledby": "usage-heading" }, h("h2", { id: "usage-heading" }, "Where it is used"));
  try {
    const { items } = await api(`/assets/${asset.id}/usage`);
    section.append(items.length
      ? h("ul", {}, items.map((u) => h("li", {}, `${u.entity_type} ${u.entity_id} (${u.usage_type}), last ${formatDate(u.last_used_at)}`)))
      : h("p", { class: "muted" }, "Not used anywhere yet. When a site or app shows this media, it records the place here."));
  } catch (e) {
    section.append(h("p", { class: "form-error" }, e.message));
  }
  return section;
}

/** Tag chips with remove buttons and an input that adds (and creates) tags; automatic
 * tags are shown apart, with the findings. */
function tags(asset) {
  const chips = asset.tags.filter((t) => t.source !== "auto").map((t) =>
    h("span", { class: "chip" },
      h("a", { href: `/ui/?tags=${encodeURIComponent(t.slug)}` }, t.name),
      canWrite() ? h("button", { type: "button", "aria-label": `Remove tag ${t.name}`, onclick: () => change(() => api(`/assets/${asset.id}/tags/${encodeURIComponent(t.slug)}`, { method: "DELETE" }), `Removed ${t.name}`) }, "×") : null));
  const form = canWrite() ? h("form", { class: "inline", id: "add-tag" },
    h("label", { for: "tag-input", class: "visually-hidden" }, "New tag"),
    h("input", { id: "tag-input", placeholder: "Add a tag", required: true, maxlength: 100 }),
    h("button", { type: "submit", class: "button small", id: "add-tag-button" }, "Add tag")) : null;
  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = form.querySelector("input").value.trim();
    if (name) change(() => api(`/assets/${asset.id}/tags`, { method: "POST", body: { tags: [name] } }), `Tagged “${name}”`);
  });
  return h("section", { class: "card", "aria-labelledby": "tags-heading" },
    h("h2", { id: "tags-heading" }, "Tags"),
    h("div", { class: "tag-editor", id: "asset-tags" }, chips.length ? chips : h("span", { class: "muted" }, "No tags yet.")),
    form);
}

/** The edit form: title, alt text, description, public; trash or restore. */
function editor(asset) {
  const field = (name, text, input) => h("div", { class: "field" }, h("label", { for: `edit-${name}` }, text), input);
  const form = h("form", { class: "edit-form", id: "edit" },
    field("title", "Title", h("input", { id: "edit-title", name: "title", value: asset.title, required: true, maxlength: 500 })),
    field("alt", "Alt text (describes the picture for people who cannot see it)", h("input", { id: "edit-alt", name: "alt_text", value: asset.alt_text ?? "" })),
    field("description", "Description", h("textarea", { id: "edit-description", name: "description" }, asset.description ?? "")),
    h("div", { class: "field checkbox" }, h("input", { id: "edit-public", name: "is_public", type: "checkbox", checked: asset.is_public }), h("label", { for: "edit-public" }, "Public (anyone with the URL can see it)")),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button primary", id: "edit-save" }, "Save"),
      asset.deleted_at
        ? [h("button", { type: "button", class: "button", onclick: restore }, "Restore"),
          h("button", { type: "button", class: "button danger", id: "purge", onclick: purge }, "Delete permanently")]
        : h("button", { type: "button", class: "button danger", onclick: trash }, "Move to trash")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      title: data.get("title").trim(),
      alt_text: data.get("alt_text").trim() || null,
      description: data.get("description").trim() || null,
      is_public: data.get("is_public") !== null,
    };
    change(() => api(`/assets/${asset.id}`, { method: "PATCH", body }), "Saved");
  });

  async function trash() {
    try {
      await api(`/assets/${asset.id}`, { method: "DELETE" });
    } catch (e) {
      if (e.code !== "asset_in_use") {
        toast(e.message, "error");
        return;
      }
      const places = h("a", { href: "#usage-heading" }, "where it is used");
      const message = [`“${asset.title}” is still shown by a site or app (see `, places,
        "). Moving it to the trash may leave a gap there."];
      places.addEventListener("click", () => document.querySelector("dialog.ask")?.close());
      if (!(await ask(message, "Trash anyway"))) return;
      try {
        await api(`/assets/${asset.id}`, { method: "DELETE", query: { force: true } });
      } catch (forced) {
        toast(forced.message, "error");
        return;
      }
    }
    toast("Moved to the trash", "info", { label: "Undo", run: restore });
    show();
  }

  function restore() {
    return change(() => api(`/assets/${asset.id}/restore`, { method: "POST" }), "Restored");
  }

  async function purge() {
    if (!(await ask(`Delete “${asset.title}” for good? This cannot be undone.`, "Delete permanently"))) return;
    try {
      await api(`/assets/${asset.id}`, { method: "DELETE", query: { purge: true } });
    } catch (e) {
      toast(e.message, "error");
      return;
    }
    location.assign("/ui/trash");
  }
  return h("section", { class: "card", "aria-labelledby": "edit-heading" }, h("h2", { id: "edit-heading" }, "Details"), form);
}

/** The focal point card, for an editor of a live asset with a picture. */
function focal(asset) {
  // A full-frame variant: the cover crops (thumbnail, hero) would skew the point.
  const picture = pickVariant(asset, ["large", "medium", "small", "poster"]);
  if (!canWrite() || !picture || asset.deleted_at) return null;
  return focalPicker(asset, picture, (point) => change(
    () => api(`/assets/${asset.id}`, { method: "PATCH", body: { focal_point: point } }),
    point ? "Focal point saved; the cropped variants are being remade." : "Focal point cleared."));
}

/** Runs a change, says it was done (or why not), and redraws. */
async function change(run, done) {
  try {
    await run();
    toast(done);
    await show();
  } catch (e) {
    toast(e.message, "error");
  }
}

const load = () => api(`/assets/${encodeURIComponent(id)}`);

/** Whether the edit form holds changes not saved yet (each field against its value as
 * drawn). */
function unsaved() {
  const form = document.getElementById("edit");
  return !!form && [...form.elements].some((e) =>
    e.type === "checkbox" ? e.checked !== e.defaultChecked : "defaultValue" in e && e.value !== e.defaultValue);
}

// Leaving with unsaved edits asks first (the browser's own "Leave site?" question).
window.addEventListener("beforeunload", (event) => {
  if (unsaved()) {
    event.preventDefault();
    event.returnValue = "";
  }
});

/** The parts that change while the asset is processing, and the timer that polls them. */
let live = null;
let poll = null;

/** The head, preview and files: what processing changes, besides the metadata. */
function overview(asset) {
  const head = h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, asset.title),
    asset.deleted_at ? h("span", { class: "chip" }, "In the trash") : null,
    asset.status !== "ready" ? h("span", { class: "chip" }, asset.status) : null);
  const info = h("p", { class: "muted" }, `${asset.original_filename} · ${formatBytes(asset.size)}`);
  return h("div", {}, head, info, failure(asset), preview(asset), usePanel(asset), variants(asset));
}

/**
 * Why a failed asset has no previews, in a sentence an editor can act on; what the
 * decoder said stays under "Technical details" (and in the server log).
 */
function failure(asset) {
  if (asset.status !== "failed" && !asset.error) return null;
  const sentence = asset.status === "failed"
    ? "This file could not be processed, so it has no previews. The original is kept and can still be downloaded; exporting it again from the program that made it usually helps."
    : "Part of this file's processing did not succeed.";
  return h("div", { class: "failure", id: "asset-failure" },
    h("p", { class: "form-error" }, sentence),
    asset.error ? h("details", {}, h("summary", {}, "Technical details"), h("pre", { class: "small" }, asset.error)) : null);
}

/** Polls a processing asset every 2 s, redrawing only the overview and the metadata, so
 * that what is being typed in the edit form stays. */
function watch(asset) {
  clearTimeout(poll);
  if (asset.status !== "processing") return;
  poll = setTimeout(async () => {
    let fresh;
    try {
      fresh = await load();
    } catch {
      watch(asset);
      return;
    }
    const next = { overview: overview(fresh), metadata: metadata(fresh) };
    live.overview.replaceWith(next.overview);
    live.metadata.replaceWith(next.metadata);
    live = next;
    watch(fresh);
  }, 2000);
}

/** A way to find the focused control again after a redraw: its id or its name. */
function focusKey() {
  const active = document.activeElement;
  if (!root.contains(active) || active === root) return null;
  return { id: active.id, label: active.getAttribute("aria-label") };
}

/** Focuses the same control in the new page, else (a removed tag's button) the tag
 * input, else the heading. */
function refocus(key) {
  if (!key) return;
  const again = (key.id && document.getElementById(key.id))
    || (key.label && root.querySelector(`[aria-label="${CSS.escape(key.label)}"]`))
    || (key.label?.startsWith("Remove tag") && document.getElementById("tag-input"))
    || root.querySelector("h1");
  again?.focus();
}

async function show() {
  let asset;
  try {
    asset = await load();
  } catch (e) {
    clearTimeout(poll);
    root.replaceChildren(h("div", { class: "state" }, h("p", {}, e.status === 404 ? "There is no such asset (or it was purged from the trash)." : `The asset could not be loaded: ${e.message}`),
      h("a", { class: "button", href: "/ui/" }, "Back to the library")));
    root.removeAttribute("aria-busy");
    return;
  }
  document.title = `${asset.title} · medialib`;
  const key = focusKey();
  live = { overview: overview(asset), metadata: metadata(asset) };
  const side = h("div", { class: "side" }, canWrite() ? editor(asset) : null, focal(asset), tags(asset), findings(asset, change), live.metadata, await usage(asset), await lookalikes(asset));
  root.replaceChildren(live.overview, side);
  root.removeAttribute("aria-busy");
  refocus(key);
  watch(asset);
}

/** Previous and next in the search the page was opened from, and the way back to it. */
async function steps() {
  const trail = await around(id);
  if (!trail) return;
  const back = document.getElementById("back");
  back.href = trail.back;
  back.textContent = trail.back.startsWith("/ui/trash") ? "← Trash" : "← Back to the results";
  const link = (to, rel, text) => to
    ? h("a", { href: `/ui/assets/${to}`, rel, class: "step" }, text)
    : h("span", { class: "step muted", "aria-disabled": "true" }, text);
  document.getElementById("steps").replaceChildren(
    link(trail.prev, "prev", "← Previous"),
    h("span", { class: "muted", id: "position" }, `${trail.position} of ${trail.total}`),
    link(trail.next, "next", "Next →"));
}

show();
steps();
