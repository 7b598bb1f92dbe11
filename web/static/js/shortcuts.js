// Keyboard shortcuts of every signed-in page. None fires while typing in a field or with
// Ctrl, Alt or Meta held, so the browser's and the fields' own keys stay theirs.
//   /      search (the page's search field)
//   j, k   next, previous asset (in a list of assets; on an asset page, the next and
//          previous result of the search it was opened from)
//   e      edit (the asset page's details)
//   ?      this list
import { h } from "./dom.js";

const KEYS = [
  ["/", "Search"],
  ["j", "Next asset in the list"],
  ["k", "Previous asset in the list"],
  ["e", "Edit the asset's details (on its page)"],
  ["?", "Show these shortcuts"],
];

/** Moves the focus `by` cards (±1) among the list's asset links, from the focused one. */
function step(by) {
  const links = [...document.querySelectorAll("#assets .asset-link, #assets .asset-pick")];
  if (links.length === 0) return false;
  const at = links.findIndex((link) => link.contains(document.activeElement));
  const next = at === -1 ? (by > 0 ? 0 : links.length - 1) : Math.min(Math.max(at + by, 0), links.length - 1);
  links[next].focus();
  links[next].scrollIntoView({ block: "nearest" });
  return true;
}

/** Follows the page's link to the `rel` ("next", "prev") asset, if it has one. */
function follow(rel) {
  const link = document.querySelector(`a[rel=${rel}]`);
  link?.click();
  return Boolean(link);
}

function help() {
  if (document.querySelector("dialog.shortcuts")) return;
  const close = h("button", { type: "submit", class: "button" }, "Close");
  const dialog = h("dialog", { class: "ask shortcuts", "aria-labelledby": "shortcuts-heading" },
    h("form", { method: "dialog" },
      h("h2", { id: "shortcuts-heading" }, "Keyboard shortcuts"),
      h("dl", { class: "shortcut-list" }, KEYS.flatMap(([key, what]) => [h("dt", {}, h("kbd", {}, key)), h("dd", {}, what)])),
      h("div", { class: "ask-actions" }, close)));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}

const actions = {
  "/": () => {
    const search = document.getElementById("q");
    search?.focus();
    search?.select();
    return Boolean(search);
  },
  j: () => step(1) || follow("next"),
  k: () => step(-1) || follow("prev"),
  e: () => {
    const title = document.getElementById("edit-title");
    title?.focus();
    return Boolean(title);
  },
  "?": () => {
    help();
    return true;
  },
};

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
  if (event.target.closest?.("input, select, textarea, [contenteditable], dialog")) return;
  const action = actions[event.key];
  if (action?.()) event.preventDefault();
});
