// The trash: what was deleted, when, and when it goes for good; restore or delete for
// good a selection, or empty the whole trash (an editor's: what they uploaded). Deleting
// for good asks first, since nothing brings it back.
import "./frame.js";
import { api } from "./api.js";
import { ask, formatDate, h, toast } from "./dom.js";
import { assetCard, createBrowser } from "./browse.js";
import { applyBulk, assets, createSelection, tellRefusals } from "./selection.js";

const form = document.getElementById("filters");
const list = document.getElementById("assets");
const count = document.getElementById("result-count");
const bulkBar = document.getElementById("bulk-bar");
const emptyButton = document.getElementById("empty-trash");
const retentionMs = Number(document.getElementById("trash-rule").dataset.retentionSeconds) * 1000;
const isAdmin = document.body.dataset.role === "admin";
let total = 0;

const selection = bulkBar && createSelection({
  list,
  bar: bulkBar,
  count: document.getElementById("bulk-count"),
  matches: document.getElementById("select-matches"),
  search: () => ({ query: browser.query(), total }),
});

function card(asset) {
  const gone = new Date(new Date(asset.deleted_at).getTime() + retentionMs).toISOString();
  return assetCard(asset, selection,
    h("span", { class: "asset-facts muted deleted-at" }, `Deleted ${formatDate(asset.deleted_at)}`),
    h("span", { class: "asset-facts muted" }, `Gone for good ${formatDate(gone)}`));
}

const browser = createBrowser({
  form,
  list,
  state: document.getElementById("trash-state"),
  more: document.getElementById("load-more"),
  card,
  fixed: () => ({ deleted: "true" }),
  empty: "The trash is empty. Assets moved to the trash from the library wait here until they are deleted for good.",
  onCount(found) {
    total = found;
    count.textContent = `${assets(found)} in the trash`;
    if (emptyButton) emptyButton.hidden = found === 0;
    selection?.update();
  },
});

/** Applies `body` to the selection; on success says `done`, empties the selection and
 * reloads; a refusal says why nothing was `changed`. */
async function bulk(body, done, changed) {
  const ids = selection.ids();
  const refusals = await applyBulk(ids, body);
  if (refusals) {
    if (refusals.length) tellRefusals(refusals, changed);
    return;
  }
  toast(done(ids.length));
  selection.clear(count);
  browser.load(true);
}

if (bulkBar) {
  document.getElementById("bulk-restore").addEventListener("click", () =>
    bulk({ action: "restore" }, (n) => `Restored ${assets(n)}`, "restored"));
  document.getElementById("bulk-purge").addEventListener("click", async () => {
    const question = `Delete ${assets(selection.size)} for good? This cannot be undone.`;
    if (await ask(question, "Delete permanently")) {
      await bulk({ action: "purge" }, (n) => `Deleted ${assets(n)} for good`, "deleted");
    }
  });
  document.getElementById("bulk-clear").addEventListener("click", () => selection.clear(count));
  document.getElementById("select-shown").addEventListener("click", () => selection.selectShown());
}

emptyButton?.addEventListener("click", async () => {
  const question = isAdmin
    ? `Delete all ${assets(total)} in the trash for good? This cannot be undone.`
    : "Delete every asset you uploaded that is in the trash for good? This cannot be undone.";
  if (!(await ask(question, "Empty trash"))) return;
  try {
    const { purged } = await api("/trash", { method: "DELETE" });
    toast(`Deleted ${assets(purged)} for good`);
  } catch (e) {
    toast(`The trash could not be emptied: ${e.message}`, "error");
  }
  selection?.clear(count);
  browser.load(true);
});

browser.load(true);
