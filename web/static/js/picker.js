// The embeddable picker. The host page opens /ui/picker?origin=…&multiple=…&maxItems=…
// &mediaTypes=…&namespace=… in an iframe or a popup and listens for messages:
//   {type: "medialib:ready"}                          once the picker has loaded;
//   {type: "medialib:select", assets: [Picked, …]}    when the user chooses;
//   {type: "medialib:cancel"}                          when the user cancels.
// Messages go only to the origin the server allowed (ui.picker_origins), never "*".
// A popup closes itself after choosing or cancelling.
import "./shortcuts.js";
import { api } from "./api.js";
import { canWrite, h, toast } from "./dom.js";
import { createBrowser, facts, fillTags, thumbnail } from "./browse.js";
import { createUploader } from "./upload.js";

const body = document.body.dataset;
const multiple = body.multiple === "true";
const maxItems = Number(body.maxItems) || 0;
const kinds = body.kinds.split(",");
const origin = body.origin || location.origin;
const host = window.opener || (window.parent !== window ? window.parent : null);
const chosen = new Map();

const count = document.getElementById("picker-count");
const choose = document.getElementById("picker-choose");
const list = document.getElementById("assets");

function post(message) {
  host?.postMessage(message, origin);
}

/**
 * Links that work for whoever the host shows them to. A public asset's need nothing; a
 * private one's are signed (for the server's default lifetime, `signing.
 * default_ttl_seconds`), and `expires_at` says until when. Rejects when one cannot be
 * signed, with the server's reason.
 */
async function links(asset) {
  if (asset.is_public) {
    return { url: asset.links.original, variants: asset.variants.map((v) => v.url), expires_at: null };
  }
  const sign = (variant) => api(`/assets/${encodeURIComponent(asset.id)}/signed-url`, { query: { variant } });
  // The variant's file name (`thumbnail.webp`) is the last part of its URL.
  const files = asset.variants.map((v) => new URL(v.url, location.origin).pathname.split("/").pop());
  const [original, ...variants] = await Promise.all([sign(undefined), ...files.map(sign)]);
  return { url: original.url, variants: variants.map((v) => v.url), expires_at: original.expires_at };
}

/** What the host receives for each asset: enough to show and link it without a call. */
function picked(asset, { url, variants, expires_at }) {
  const absolute = (link) => new URL(link, location.origin).href;
  return {
    id: asset.id,
    kind: asset.kind,
    mime: asset.mime,
    title: asset.title,
    alt_text: asset.alt_text,
    width: asset.width,
    height: asset.height,
    duration_s: asset.duration_s,
    size: asset.size,
    is_public: asset.is_public,
    url: absolute(url),
    expires_at,
    variants: asset.variants.map((v, i) => ({ name: v.name, format: v.format, width: v.width, height: v.height, url: absolute(variants[i]) })),
  };
}

function update() {
  const n = chosen.size;
  count.textContent = n === 0 ? "Nothing selected" : `${n} selected`;
  choose.disabled = n === 0 || !host;
  for (const button of list.querySelectorAll("[data-pick]")) {
    const on = chosen.has(button.dataset.pick);
    button.setAttribute("aria-pressed", String(on));
    button.closest("li").classList.toggle("selected", on);
  }
}

/** Adds `asset` to the choice (in single mode: makes it the choice), within `maxItems`. */
function select(asset) {
  if (chosen.has(asset.id)) return;
  if (!multiple) {
    chosen.clear();
    chosen.set(asset.id, asset);
  } else if (maxItems && chosen.size >= maxItems) {
    toast(`You can choose up to ${maxItems}.`, "error");
  } else {
    chosen.set(asset.id, asset);
  }
  update();
}

function toggle(asset) {
  if (chosen.has(asset.id)) {
    chosen.delete(asset.id);
    update();
  } else {
    select(asset);
  }
}

function card(asset) {
  return h("li", { class: `asset-card${chosen.has(asset.id) ? " selected" : ""}`, dataset: { id: asset.id, status: asset.status } },
    h("button", {
      type: "button",
      class: "asset-pick",
      "aria-pressed": String(chosen.has(asset.id)),
      dataset: { pick: asset.id },
      onclick: () => toggle(asset),
      // The two clicks before a double-click toggled it twice: choose it outright.
      ondblclick: () => {
        if (multiple) return;
        select(asset);
        send();
      },
    },
    thumbnail(asset),
    h("span", { class: "asset-title" }, asset.title),
    h("span", { class: "asset-facts muted" }, facts(asset))));
}

/**
 * Sends the choice. Each asset is read again first: one uploaded here was chosen while
 * still processing, before it had its variants and dimensions.
 */
async function send() {
  if (chosen.size === 0) return;
  choose.disabled = true;
  try {
    const assets = await Promise.all([...chosen.keys()].map((id) => api(`/assets/${encodeURIComponent(id)}`)));
    const signed = [];
    for (const asset of assets) {
      try {
        signed.push(picked(asset, await links(asset)));
      } catch (e) {
        toast(`“${asset.title}” is private and its links could not be signed (${e.message}). Make it public, or choose another.`, "error");
        return;
      }
    }
    post({ type: "medialib:select", assets: signed });
    if (window.opener) window.close();
  } catch (e) {
    toast(`The choice could not be sent: ${e.message}`, "error");
  } finally {
    choose.disabled = chosen.size === 0 || !host;
  }
}

const browser = createBrowser({
  form: document.getElementById("filters"),
  list,
  state: document.getElementById("library-state"),
  more: document.getElementById("load-more"),
  card,
  fixed: () => {
    const kind = document.getElementById("kind").value;
    return { kind: kind || kinds.join(",") };
  },
});

choose.addEventListener("click", send);
document.getElementById("picker-cancel").addEventListener("click", () => {
  post({ type: "medialib:cancel" });
  if (window.opener) window.close();
});
// Escape cancels, except in a field, where it belongs to the field (clearing a search).
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !event.target.closest("input, select, textarea")) {
    document.getElementById("picker-cancel").click();
  }
});

const uploader = document.querySelector("[data-uploader]");
if (uploader && canWrite()) {
  // The file dialog offers only the kinds asked for, when a MIME pattern can say so.
  const patterns = { image: "image/*", video: "video/*", audio: "audio/*" };
  if (kinds.every((k) => patterns[k])) {
    uploader.querySelector("[data-upload-input]").accept = kinds.map((k) => patterns[k]).join(",");
  }
  const offered = [...document.getElementById("kind").options].filter((o) => o.value).map((o) => o.textContent);
  createUploader(uploader, {
    onAsset(asset) {
      if (!kinds.includes(asset.kind)) {
        toast(`${asset.title} was uploaded to the library, but only ${offered.join(", ")} can be chosen here.`, "error");
        return;
      }
      browser.prepend(asset);
      select(asset);
    },
  });
}

// Opened on its own (neither framed nor a popup), it has no app to send the choice to.
if (!host) {
  document.querySelector("main").prepend(h("p", { class: "form-error", id: "picker-no-host" },
    "This picker sends your choice to the app that opened it, and no app did. Open it from your site or CMS instead."));
}

await fillTags(document.getElementById("tags")).catch((e) => toast(e.message, "error"));
browser.load(true);
post({ type: "medialib:ready" });
