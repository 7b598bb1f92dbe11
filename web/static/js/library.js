// The library page: search and filters (kept in the address, so a filtered library can
// be linked), grid or list, multi-select with bulk actions (trash with undo), and the
// uploader, whose finished files appear first in the results.
import "./frame.js";
import { ask, h, toast } from "./dom.js";
import { downloadZip } from "./download.js";
import { assetCard, createBrowser, facts, fillCollections } from "./browse.js";
import { applyBulk, assets, createSelection, tellRefusals } from "./selection.js";
import { createTagFilter } from "./tagfilter.js";
import { createUploader } from "./upload.js";

const form = document.getElementById("filters");
const list = document.getElementById("assets");
const count = document.getElementById("result-count");
const bulkBar = document.getElementById("bulk-bar");
let total = 0;

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

const selection = bulkBar && createSelection({
  list,
  bar: bulkBar,
  count: document.getElementById("bulk-count"),
  matches: document.getElementById("select-matches"),
  search: () => ({ query: browser.query(), total }),
});

/** Who may see it (public: anyone with a link), and who uploaded it. */
function visibility(asset) {
  const mine = String(asset.uploaded_by) === document.body.dataset.userId;
  const by = mine ? " · uploaded by you" : asset.uploaded_by_name ? ` · uploaded by ${asset.uploaded_by_name}` : "";
  return `${asset.is_public ? "Public" : "Private"}${by}`;
}

function card(asset) {
  return assetCard(asset, selection,
    h("span", { class: "asset-facts muted" }, facts(asset)),
    h("span", { class: "asset-facts muted visibility" }, visibility(asset)),
    asset.tags.length ? h("span", { class: "asset-tags" }, asset.tags.map((t) => h("span", { class: "chip" }, t.name))) : null);
}

const browser = createBrowser({
  form,
  list,
  state: document.getElementById("library-state"),
  more: document.getElementById("load-more"),
  card,
  onCount(found) {
    total = found;
    count.textContent = assets(found);
    toAddress();
    selection?.update();
  },
});

const tagFilter = createTagFilter({
  input: document.getElementById("tag-input"),
  chips: document.getElementById("tag-chips"),
  field: document.getElementById("tags"),
  options: document.getElementById("tag-options"),
  match: document.getElementById("tag-match-field"),
  onChange: () => browser.load(true),
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

/** Applies a bulk action to the selection; on success says `done`, empties the selection
 * and reloads. Resolves to whether it was applied. */
async function bulk(body, done) {
  const refusals = await applyBulk(selection.ids(), body);
  if (refusals) {
    if (refusals.length) tellRefusals(refusals, "changed");
    return false;
  }
  toast(done);
  selection.clear(count);
  browser.load(true);
  return true;
}

/**
 * Moves `ids` to the trash, without asking first: an Undo in the notification brings
 * them back. Assets an app still shows are the exception: that is asked, with the way
 * to go on anyway.
 */
async function trash(ids, force = false) {
  const refusals = await applyBulk(ids, { action: "delete", force });
  if (refusals) {
    const inUse = refusals.length > 0 && refusals.every((r) => r.error.code === "asset_in_use");
    if (inUse && !force) {
      const them = refusals.length === 1 ? "1 of them is" : `${refusals.length} of them are`;
      const message = ids.length === 1
        ? "This asset is still shown by a site or app. Moving it to the trash may leave a gap there."
        : `${them} still shown by a site or app. Moving them to the trash may leave a gap there.`;
      if (await ask(message, "Trash anyway")) await trash(ids, true);
    } else if (refusals.length) {
      tellRefusals(refusals, "moved to the trash");
    }
    return;
  }
  toast(`Moved ${assets(ids.length)} to the trash`, "info", { label: "Undo", run: () => restore(ids) });
  selection.clear(count);
  browser.load(true);
}

/** Takes `ids` back out of the trash (the Undo of [`trash`]). */
async function restore(ids) {
  const refusals = await applyBulk(ids, { action: "restore" });
  if (refusals) {
    if (refusals.length) tellRefusals(refusals, "restored");
    return;
  }
  toast(`Restored ${assets(ids.length)}`);
  browser.load(true);
}

if (bulkBar) {
  document.getElementById("bulk-tag").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("bulk-tag-input");
    const tag = input.value.trim();
    input.value = "";
    // A new tag becomes a filter at once.
    bulk({ action: "tag", tags: [tag] }, `Tagged “${tag}”`).then((applied) => {
      if (applied) tagFilter.fill().catch(() => {});
    });
  });
  document.getElementById("bulk-collection").addEventListener("submit", (event) => {
    event.preventDefault();
    const select = document.getElementById("bulk-collection-select");
    const name = select.selectedOptions[0]?.textContent;
    bulk({ action: "add_to_collection", collection_id: Number(select.value) }, `Added to ${name}`);
  });
  document.getElementById("bulk-download").addEventListener("click", () => downloadZip(selection.ids()));
  document.getElementById("bulk-public").addEventListener("click", () => bulk({ action: "set_public", is_public: true }, "Made public"));
  document.getElementById("bulk-private").addEventListener("click", () => bulk({ action: "set_public", is_public: false }, "Made private"));
  document.getElementById("bulk-delete").addEventListener("click", () => trash(selection.ids()));
  document.getElementById("bulk-clear").addEventListener("click", () => selection.clear(count));
  document.getElementById("select-shown").addEventListener("click", () => selection.selectShown());
}

const uploader = document.querySelector("[data-uploader]");
if (uploader) createUploader(uploader, { onAsset: (asset) => browser.prepend(asset) });

// The filter lists first, so that a tag or collection in the address can be selected.
const filled = await Promise.allSettled([
  tagFilter.fill(),
  fillCollections(document.getElementById("collection")),
  bulkBar ? fillCollections(document.getElementById("bulk-collection-select")) : null,
]);
const failed = filled.find((r) => r.status === "rejected");
if (failed) toast(`Tags and collections could not be loaded: ${failed.reason.message}`, "error");
fromAddress();
tagFilter.draw();
browser.load(true);
