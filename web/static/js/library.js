// The library page: search and filters (kept in the address, so a filtered library can
// be linked), grid or list, multi-select with bulk actions, and the uploader, whose
// finished files appear first in the results.
import "./frame.js";
import { api } from "./api.js";
import { canWrite, h, toast } from "./dom.js";
import { createBrowser, facts, fillCollections, fillTags, thumbnail } from "./browse.js";
import { createUploader } from "./upload.js";

const form = document.getElementById("filters");
const list = document.getElementById("assets");
const count = document.getElementById("result-count");
const selected = new Set();
let inTrash = false;

/** Fills the form from the address (?q=…&tags=…). */
function fromAddress() {
  const params = new URLSearchParams(location.search);
  for (const element of form.elements) {
    if (!element.name || !params.has(element.name)) continue;
    if (element.type === "checkbox") element.checked = params.get(element.name) === element.value;
    else element.value = params.get(element.name);
  }
}

/** Writes the form (as chosen, before it becomes API terms) into the address without a
 * new history entry. */
function toAddress() {
  const params = new URLSearchParams([...new FormData(form)].filter(([, value]) => value !== ""));
  const url = `${location.pathname}${params.size ? `?${params}` : ""}`;
  history.replaceState(null, "", url);
}

function card(asset) {
  const checkbox = h("input", {
    type: "checkbox",
    class: "select",
    "aria-label": `Select ${asset.title}`,
    checked: selected.has(asset.id),
    onchange: (event) => {
      if (event.target.checked) selected.add(asset.id);
      else selected.delete(asset.id);
      item.classList.toggle("selected", event.target.checked);
      updateBulk();
    },
  });
  const item = h("li", { class: `asset-card${selected.has(asset.id) ? " selected" : ""}`, dataset: { id: asset.id, status: asset.status } },
    canWrite() ? checkbox : null,
    h("a", { class: "asset-link", href: `/ui/assets/${asset.id}` },
      thumbnail(asset),
      h("span", { class: "asset-title" }, asset.title)),
    h("span", { class: "asset-facts muted" }, facts(asset)),
    asset.tags.length ? h("span", { class: "asset-tags" }, asset.tags.map((t) => h("span", { class: "chip" }, t.name))) : null);
  return item;
}

const browser = createBrowser({
  form,
  list,
  state: document.getElementById("library-state"),
  more: document.getElementById("load-more"),
  card,
  onCount(total, query) {
    count.textContent = `${total} ${total === 1 ? "asset" : "assets"}${query.deleted ? " in the trash" : ""}`;
    toAddress();
    const trash = Boolean(query.deleted);
    // A selection of live assets means nothing in the trash, and the other way round.
    if (trash !== inTrash) {
      inTrash = trash;
      clearSelection();
    }
    document.getElementById("bulk-delete")?.toggleAttribute("hidden", trash);
    document.getElementById("bulk-restore")?.toggleAttribute("hidden", !trash);
  },
});

// Grid or list, remembered in this browser.
const views = document.querySelectorAll("[data-view]");
function setView(view) {
  list.classList.toggle("grid", view === "grid");
  list.classList.toggle("list", view === "list");
  for (const button of views) button.setAttribute("aria-pressed", String(button.dataset.view === view));
  localStorage.setItem("medialib.view", view);
}
for (const button of views) button.addEventListener("click", () => setView(button.dataset.view));
setView(localStorage.getItem("medialib.view") || "grid");

// Bulk actions on the selection.
const bulkBar = document.getElementById("bulk-bar");
function updateBulk() {
  if (!bulkBar) return;
  bulkBar.hidden = selected.size === 0;
  document.getElementById("bulk-count").textContent = `${selected.size} selected`;
}

/**
 * Applies a bulk action to the selection; on success says `done` and reloads. A refusal
 * (409, nothing changed) says why for the first refused asset; assets in use may then be
 * moved to the trash anyway. Resolves to whether the action was applied.
 */
async function bulk(body, done) {
  try {
    await api("/assets/bulk", { method: "POST", body: { ids: [...selected], ...body } });
  } catch (e) {
    const refusals = (e.body?.results ?? []).filter((r) => r.error);
    if (refusals.length === 0) {
      toast(e.message, "error");
      return false;
    }
    const inUse = refusals.every((r) => r.error.code === "asset_in_use");
    if (body.action === "delete" && inUse && !body.force) {
      const what = refusals.length === 1 ? "1 asset is" : `${refusals.length} assets are`;
      if (confirm(`${what} still used by an app. Move to the trash anyway?`)) return bulk({ ...body, force: true }, done);
      return false;
    }
    toast(`${e.message}. ${refusals[0].error.message}`, "error");
    return false;
  }
  toast(done);
  clearSelection();
  browser.load(true);
  return true;
}

/**
 * Empties the selection. The focus, if it was in the bulk bar that now hides, moves to
 * the result count, so a keyboard user is not left on nothing.
 */
function clearSelection() {
  const hadFocus = bulkBar?.contains(document.activeElement);
  selected.clear();
  for (const box of list.querySelectorAll("input.select")) box.checked = false;
  for (const item of list.querySelectorAll(".selected")) item.classList.remove("selected");
  updateBulk();
  if (hadFocus) count.focus();
}

if (bulkBar) {
  document.getElementById("bulk-tag").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("bulk-tag-input");
    const tag = input.value.trim();
    input.value = "";
    // A new tag becomes a filter at once.
    bulk({ action: "tag", tags: [tag] }, `Tagged “${tag}”`).then((applied) => {
      if (applied) fillTags(document.getElementById("tags")).catch(() => {});
    });
  });
  document.getElementById("bulk-collection").addEventListener("submit", (event) => {
    event.preventDefault();
    const select = document.getElementById("bulk-collection-select");
    const name = select.selectedOptions[0]?.textContent;
    bulk({ action: "add_to_collection", collection_id: Number(select.value) }, `Added to ${name}`);
  });
  document.getElementById("bulk-delete").addEventListener("click", () => {
    const what = selected.size === 1 ? "1 asset" : `${selected.size} assets`;
    if (confirm(`Move ${what} to the trash?`)) bulk({ action: "delete" }, "Moved to the trash");
  });
  document.getElementById("bulk-restore").addEventListener("click", () => bulk({ action: "restore" }, "Restored"));
  document.getElementById("bulk-clear").addEventListener("click", clearSelection);
}

const uploader = document.querySelector("[data-uploader]");
if (uploader) createUploader(uploader, { onAsset: (asset) => browser.prepend(asset) });

// The filter lists first, so that a tag or collection in the address can be selected.
const filled = await Promise.allSettled([
  fillTags(document.getElementById("tags")),
  fillCollections(document.getElementById("collection")),
  bulkBar ? fillCollections(document.getElementById("bulk-collection-select")) : null,
]);
const failed = filled.find((r) => r.status === "rejected");
if (failed) toast(`Tags and collections could not be loaded: ${failed.reason.message}`, "error");
fromAddress();
browser.load(true);
