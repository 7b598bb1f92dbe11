// One collection: its items in order, and for editors the details form (title,
// description, public, delete), reordering (Move up/Move down buttons for the keyboard,
// drag and drop for the mouse; both save the whole order with PUT), remove, set as
// cover, and a search that adds assets.
import "./frame.js";
import { api } from "./api.js";
import { canWrite, debounce, focusOn, formatBytes, formatDate, h, toast } from "./dom.js";
import { facts } from "./browse.js";
import { thumbnail } from "./thumbs.js";

const root = document.getElementById("collection");
const id = root.dataset.collectionId;
const base = `/collections/${encodeURIComponent(id)}`;
const writer = canWrite();

let collection;
/** The items' assets, in the collection's order. */
let items = [];

/** Every item: PUT needs the whole order, so all of them are loaded. */
async function loadItems() {
  const assets = [];
  let offset = 0;
  do {
    const page = await api(`${base}/items`, { query: { offset, limit: 200 } });
    assets.push(...page.items.map((item) => item.asset));
    offset = page.next_offset;
  } while (offset !== null && offset !== undefined);
  return assets;
}

const quote = (asset) => `“${asset.title}”`;

// ---- Head: title, public, counts, description ----

const title = h("h1", { id: "collection-title" });
const publicChip = h("span", { class: "chip" }, "Public");
const summary = h("p", { class: "muted" });
const description = h("p", { class: "collection-description" });

function renderHead() {
  document.title = `${collection.title} · medialib`;
  title.textContent = collection.title;
  publicChip.hidden = !collection.is_public;
  const count = `${collection.item_count} ${collection.item_count === 1 ? "asset" : "assets"}`;
  const bytes = collection.item_count ? ` · ${formatBytes(collection.total_bytes)}` : "";
  summary.textContent = `${count}${bytes} · changed ${formatDate(collection.updated_at)}`;
  description.textContent = collection.description ?? "";
  description.hidden = !collection.description;
}

// ---- Items ----

const list = h("ol", { class: "items", id: "items", "aria-labelledby": "items-heading" });
const empty = h("p", { class: "state", hidden: true },
  writer ? "No assets in this collection yet. Find some under “Add assets” and choose Add." : "No assets in this collection yet.");
const itemsHeading = h("h2", { id: "items-heading", tabindex: "-1" }, "Items");
const hint = writer ? h("p", { class: "muted small", id: "order-hint" }, "Drag items, or use Move up and Move down, to change the order. The order is saved at once.") : null;

function actionButton(asset, action, text, label, run, disabled = false) {
  return h("button", {
    type: "button",
    class: `button small${action === "remove" ? " danger" : ""}`,
    dataset: { action },
    "aria-label": `${text} ${quote(asset)}`,
    // aria-disabled rather than disabled, so that a button keeps the focus when it stops
    // applying (Move up on an item that just reached the top).
    "aria-disabled": disabled ? "true" : null,
    onclick: () => { if (!disabled) run(asset); },
  }, label ?? text);
}

function row(asset, index) {
  const isCover = collection.cover_asset_id === asset.id;
  const last = index === items.length - 1;
  const item = h("li", { dataset: { id: asset.id }, draggable: writer ? "true" : null },
    writer ? h("span", { class: "drag-handle", "aria-hidden": "true", title: "Drag to reorder" }, "⠿") : null,
    h("span", { class: "position muted", "aria-hidden": "true" }, `${index + 1}.`),
    thumbnail(asset),
    h("div", { class: "grow" },
      h("a", { class: "item-title", href: `/ui/assets/${asset.id}` }, asset.title),
      h("span", { class: "muted small" }, facts(asset)),
      isCover ? h("span", { class: "chip" }, "Cover") : null),
    writer ? h("div", { class: "item-actions" },
      actionButton(asset, "up", "Move up", null, (a) => move(a, -1), index === 0),
      actionButton(asset, "down", "Move down", null, (a) => move(a, 1), last),
      actionButton(asset, "cover", "Set as cover", null, setCover, isCover),
      actionButton(asset, "remove", "Remove", null, remove)) : null);
  // Dragging starts from anywhere on the row, not from its link or picture.
  for (const element of item.querySelectorAll("a, img")) element.draggable = false;
  return item;
}

/** Redraws the list, keeping the focus on the same button of the same item. */
function renderItems() {
  const focused = document.activeElement;
  const keep = list.contains(focused) ? { id: focused.closest("li")?.dataset.id, action: focused.dataset.action } : null;
  list.replaceChildren(...items.map(row));
  empty.hidden = items.length > 0;
  list.hidden = items.length === 0;
  if (hint) hint.hidden = items.length < 2;
  if (keep?.id) {
    const again = list.querySelector(`li[data-id="${CSS.escape(keep.id)}"] [data-action="${keep.action}"]`);
    again?.focus();
  }
}

/** Moves the focus to a button of another item after one is gone, else to the heading. */
function focusNear(index, action) {
  const next = list.children[Math.min(index, list.children.length - 1)];
  (next?.querySelector(`[data-action="${action}"]`) ?? itemsHeading).focus();
}

// Changes to the items (order, add, remove) reach the server one after another: a PUT
// of the order must name exactly the items the server has, so it may not overtake an
// add or a remove, and it sends the order as it is when its turn comes.
let changes = Promise.resolve();

/** Runs `change` after every change queued before it. */
function inTurn(change) {
  const done = changes.then(change);
  changes = done.catch(() => {});
  return done;
}

function saveOrder(done) {
  inTurn(async () => {
    try {
      const order = items.map((asset) => asset.id);
      collection = await api(`${base}/items`, { method: "PUT", body: { asset_ids: order } });
      renderHead();
      toast(done);
    } catch (e) {
      toast(`The new order was not saved: ${e.message}`, "error");
      await reload();
    }
  });
}

const position = (asset) => `${items.indexOf(asset) + 1} of ${items.length}`;

function move(asset, by) {
  const from = items.indexOf(asset);
  const to = from + by;
  if (from < 0 || to < 0 || to >= items.length) return;
  items.splice(from, 1);
  items.splice(to, 0, asset);
  renderItems();
  saveOrder(`Moved ${quote(asset)} to position ${position(asset)}`);
}

async function remove(asset) {
  let index;
  try {
    // The items change in the same turn, before any later change reads them.
    await inTurn(async () => {
      collection = await api(`${base}/items`, { method: "DELETE", body: { asset_ids: [asset.id] } });
      index = items.indexOf(asset);
      items = items.filter((a) => a !== asset);
    });
  } catch (e) {
    toast(`${quote(asset)} was not removed: ${e.message}`, "error");
    return;
  }
  if (collection.cover_asset_id === asset.id) {
    // The server keeps a cover that left the collection (and the list page would go on
    // showing it); without a cover, the first item stands for the collection.
    try {
      collection = await api(base, { method: "PATCH", body: { cover_asset_id: null } });
    } catch (e) {
      toast(`The cover is still ${quote(asset)}: ${e.message}`, "error");
    }
  }
  renderHead();
  renderItems();
  focusNear(index, "remove");
  markAdded();
  toast(`Removed ${quote(asset)} from the collection`);
}

async function setCover(asset) {
  try {
    collection = await api(base, { method: "PATCH", body: { cover_asset_id: asset.id } });
  } catch (e) {
    toast(`The cover was not changed: ${e.message}`, "error");
    return;
  }
  renderHead();
  renderItems();
  toast(`${quote(asset)} is now the cover`);
}

/** Fetches the collection and its items again (after a failed change). */
async function reload() {
  try {
    [collection, items] = await Promise.all([api(base), loadItems()]);
    renderHead();
    renderItems();
  } catch (e) {
    toast(`The collection could not be loaded again: ${e.message}. Reload the page.`, "error");
  }
}

// Drag and drop: the dragged row moves among the others as it is dragged over them,
// and the order is saved on drop; a cancelled drag puts it back.
let dragged = null;
let dropped = false;

list.addEventListener("dragstart", (event) => {
  const item = event.target.closest?.("li");
  if (!writer || !item) return;
  dragged = item;
  dropped = false;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", item.dataset.id);
  item.classList.add("dragging");
});

list.addEventListener("dragover", (event) => {
  if (!dragged) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  const over = event.target.closest?.("li");
  if (!over || over === dragged || over.parentElement !== list) return;
  const box = over.getBoundingClientRect();
  const after = event.clientY > box.top + box.height / 2;
  const reference = after ? over.nextElementSibling : over;
  if (reference !== dragged && dragged.nextElementSibling !== reference) list.insertBefore(dragged, reference);
});

list.addEventListener("drop", (event) => {
  if (!dragged) return;
  event.preventDefault();
  dropped = true;
});

list.addEventListener("dragend", () => {
  if (!dragged) return;
  const item = dragged;
  dragged = null;
  item.classList.remove("dragging");
  const order = [...list.children].map((li) => li.dataset.id);
  const unchanged = order.every((assetId, i) => items[i].id === assetId);
  if (!dropped || unchanged) {
    renderItems();
    return;
  }
  const byId = new Map(items.map((asset) => [asset.id, asset]));
  items = order.map((assetId) => byId.get(assetId));
  renderItems();
  const asset = byId.get(item.dataset.id);
  saveOrder(`Moved ${quote(asset)} to position ${position(asset)}`);
});

// ---- Details form ----

function editor() {
  const field = (name, text, input) => h("div", { class: "field" }, h("label", { for: `edit-${name}` }, text), input);
  const form = h("form", { class: "edit-form", id: "edit" },
    field("title", "Title", h("input", { id: "edit-title", name: "title", value: collection.title, required: true, maxlength: 500 })),
    field("description", "Description", h("textarea", { id: "edit-description", name: "description" }, collection.description ?? "")),
    h("div", { class: "field checkbox" },
      h("input", { id: "edit-public", name: "is_public", type: "checkbox", checked: collection.is_public }),
      h("label", { for: "edit-public" }, "Public (may be shown on public sites)")),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "button primary" }, "Save"),
      h("button", { type: "button", class: "button danger", onclick: destroy }, "Delete collection")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      title: data.get("title").trim(),
      description: data.get("description").trim() || null,
      is_public: data.get("is_public") !== null,
    };
    if (!body.title) {
      toast("The title must not be empty.", "error");
      form.elements.title.focus();
      return;
    }
    try {
      collection = await api(base, { method: "PATCH", body });
      renderHead();
      toast("Saved");
    } catch (e) {
      toast(`Not saved: ${e.message}`, "error");
    }
  });
  return h("section", { class: "card", "aria-labelledby": "edit-heading" }, h("h2", { id: "edit-heading" }, "Details"), form);
}

async function destroy() {
  const count = collection.item_count;
  const what = count ? ` Its ${count} ${count === 1 ? "asset stays" : "assets stay"} in the library.` : "";
  if (!confirm(`Delete the collection “${collection.title}”?${what}`)) return;
  try {
    await api(base, { method: "DELETE" });
  } catch (e) {
    toast(`The collection was not deleted: ${e.message}`, "error");
    return;
  }
  // Said on the list page, where we go now.
  sessionStorage.setItem("medialib.flash", `Deleted the collection “${collection.title}”`);
  location.assign("/ui/collections");
}

// ---- Adding assets ----

const results = h("ul", { class: "add-results", id: "add-results", "aria-label": "Assets found" });
const found = h("p", { class: "muted small", id: "add-status", "aria-live": "polite" });

/** Marks the search results already in the collection. */
function markAdded() {
  const inside = new Set(items.map((asset) => asset.id));
  for (const button of results.querySelectorAll("button[data-action=add]")) {
    const added = inside.has(button.closest("li").dataset.id);
    button.textContent = added ? "In collection" : "Add";
    if (added) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }
}

async function add(asset) {
  if (items.some((a) => a.id === asset.id)) return;
  try {
    await inTurn(async () => {
      collection = await api(`${base}/items`, { method: "POST", body: { asset_ids: [asset.id] } });
      items.push(asset);
    });
  } catch (e) {
    toast(`${quote(asset)} was not added: ${e.message}`, "error");
    return;
  }
  renderHead();
  renderItems();
  markAdded();
  toast(`Added ${quote(asset)} at position ${items.length}`);
}

function result(asset) {
  return h("li", { dataset: { id: asset.id } },
    thumbnail(asset),
    h("div", { class: "grow" }, h("span", { class: "item-title" }, asset.title), h("span", { class: "muted small" }, facts(asset))),
    h("button", { type: "button", class: "button small", dataset: { action: "add" }, "aria-label": `Add ${quote(asset)}`, onclick: () => add(asset) }, "Add"));
}

let searching = null;

async function search(q) {
  searching?.abort();
  const mine = new AbortController();
  searching = mine;
  results.setAttribute("aria-busy", "true");
  try {
    const page = await api("/assets", { query: { q, limit: 20 }, signal: mine.signal });
    results.replaceChildren(...page.items.map(result));
    markAdded();
    const shown = page.items.length;
    found.textContent = shown === 0
      ? (q ? `No assets match “${q}”.` : "The library has no assets yet.")
      : q ? `${page.total} ${page.total === 1 ? "asset matches" : "assets match"}${page.total > shown ? `; the first ${shown} are shown` : ""}.`
        : `The ${shown} newest assets. Type to search.`;
  } catch (e) {
    if (e.name === "AbortError") return;
    results.replaceChildren();
    found.textContent = `The search failed: ${e.message}`;
  } finally {
    if (searching === mine) results.removeAttribute("aria-busy");
  }
}

function adder() {
  const input = h("input", { id: "add-search", name: "q", type: "search", autocomplete: "off", placeholder: "Title, description, text…" });
  const form = h("form", { role: "search", class: "field", "aria-label": "Find assets to add" },
    h("label", { for: "add-search" }, "Search the library"), input);
  const later = debounce(() => search(input.value.trim()), 250);
  input.addEventListener("input", later);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search(input.value.trim());
  });
  search("");
  return h("section", { class: "card add-assets", "aria-labelledby": "add-heading" },
    h("h2", { id: "add-heading" }, "Add assets"), form, found, results);
}

// ---- The page ----

async function show() {
  // After "Try again", the focus goes to what replaces it: the title, or the new button.
  const retried = root.contains(document.activeElement);
  try {
    [collection, items] = await Promise.all([api(base), loadItems()]);
  } catch (e) {
    const missing = e.status === 404;
    root.replaceChildren(h("div", { class: "state" },
      h("p", {}, missing ? "There is no such collection (it may have been deleted)." : `The collection could not be loaded: ${e.message}`),
      missing
        ? h("a", { class: "button", href: "/ui/collections" }, "All collections")
        : h("button", { type: "button", class: "button", onclick: show }, "Try again")));
    root.removeAttribute("aria-busy");
    if (retried) focusOn(root.querySelector("button"));
    return;
  }
  const head = h("div", { class: "page-head" }, title, publicChip,
    h("a", { class: "button", href: `/ui/?collection=${encodeURIComponent(collection.id)}` }, "Show in library"));
  const itemsCard = h("section", { class: "card", "aria-labelledby": "items-heading" },
    itemsHeading,
    hint,
    empty, list);
  const side = writer ? h("div", { class: "side" }, editor(), adder()) : null;
  renderHead();
  renderItems();
  root.replaceChildren(head, summary, description,
    h("div", { class: `collection-detail${writer ? "" : " single"}` }, itemsCard, side));
  root.removeAttribute("aria-busy");
  if (retried) focusOn(title);
}

show();
