// The collections page: a card per collection (cover, title, size, description) and
// the form that creates one. A new collection opens at once, since the next thing to do
// with it is to add assets.
import "./frame.js";
import { api, all } from "./api.js";
import { canWrite, formatBytes, h, showState, toast } from "./dom.js";
import { thumbnail } from "./thumbs.js";

const list = document.getElementById("collections");
const state = document.getElementById("collections-state");
const form = document.getElementById("create-collection");

/** "3 assets · 4.2 MiB". */
function size(collection) {
  const count = `${collection.item_count} ${collection.item_count === 1 ? "asset" : "assets"}`;
  return collection.item_count ? `${count} · ${formatBytes(collection.total_bytes)}` : count;
}

/**
 * The asset whose thumbnail stands for a collection: its cover, else its first item.
 * Null when it has neither (or they cannot be loaded: the card then keeps its blank box).
 */
async function coverOf(collection) {
  try {
    if (collection.cover_asset_id) return await api(`/assets/${encodeURIComponent(collection.cover_asset_id)}`);
    if (!collection.item_count) return null;
    const page = await api(`/collections/${collection.id}/items`, { query: { limit: 1 } });
    return page.items[0]?.asset ?? null;
  } catch {
    return null;
  }
}

function card(collection) {
  const cover = h("div", { class: "collection-cover", "aria-hidden": "true" },
    collection.item_count ? null : h("span", { class: "muted" }, "Empty"));
  coverOf(collection).then((asset) => {
    if (!asset) return;
    const thumb = thumbnail(asset, ["small", "thumbnail"]);
    // The title next to it names the card; the picture is decoration here.
    thumb.querySelector("img")?.setAttribute("alt", "");
    cover.replaceChildren(thumb);
  });
  return h("li", { class: "collection-card", dataset: { id: collection.id } },
    cover,
    h("h2", {}, h("a", { href: `/ui/collections/${collection.id}` }, collection.title)),
    h("p", { class: "muted small" }, size(collection), collection.is_public ? h("span", { class: "chip" }, "Public") : null),
    collection.description ? h("p", { class: "collection-description" }, collection.description) : null);
}

async function load() {
  list.setAttribute("aria-busy", "true");
  showState(state, null);
  try {
    const collections = await all("/collections");
    list.replaceChildren(...collections.map(card));
    if (!collections.length) {
      showState(state, canWrite()
        ? "No collections yet. Create one above to group assets, for example the pictures of a gallery or an event."
        : "No collections yet.");
    }
  } catch (e) {
    list.replaceChildren();
    showState(state, `The collections could not be loaded: ${e.message}`, { label: "Try again", run: load });
  } finally {
    list.removeAttribute("aria-busy");
  }
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const title = data.get("name").trim();
  const description = data.get("description").trim();
  // The server makes the collection's slug from the letters and digits of its name.
  if (!/[\p{L}\p{N}]/u.test(title)) {
    toast(title ? "Give the collection a name with at least one letter or digit." : "Give the collection a name.", "error");
    form.elements.name.focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const created = await api("/collections", { method: "POST", body: { title, description: description || undefined } });
    location.assign(`/ui/collections/${created.id}`);
  } catch (e) {
    toast(`The collection was not created: ${e.message}`, "error");
    button.disabled = false;
  }
});

// A message left by the page we came from (the collection page after a delete).
const flash = sessionStorage.getItem("medialib.flash");
if (flash) {
  sessionStorage.removeItem("medialib.flash");
  toast(flash);
}

load();
