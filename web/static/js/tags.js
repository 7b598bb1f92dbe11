// The tags page: a table of the namespace's tags (each links to the library filtered by
// it), and for editors: create, rename in place, delete.
import "./frame.js";
import { api, all } from "./api.js";
import { canWrite, h, showState, toast } from "./dom.js";

const table = document.getElementById("tags-table");
const body = document.getElementById("tags");
const state = document.getElementById("tags-state");
const form = document.getElementById("create-tag");
const writer = canWrite();

let tags = [];
/** The id of the tag being renamed, if any. */
let renaming = null;

const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" });
const quote = (tag) => `“${tag.name}”`;

function nameCell(tag) {
  if (renaming === tag.id) return renameForm(tag);
  const swatch = tag.color ? h("span", { class: "swatch", "aria-hidden": "true" }) : null;
  if (swatch) swatch.style.backgroundColor = tag.color;
  return h("td", {},
    swatch,
    h("a", { href: `/ui/?tags=${encodeURIComponent(tag.slug)}` }, tag.name),
    tag.description ? h("div", { class: "muted small" }, tag.description) : null);
}

function renameForm(tag) {
  const inputId = `rename-${tag.id}`;
  const input = h("input", { id: inputId, name: "name", value: tag.name, required: true, maxlength: 100, autocomplete: "off" });
  const cancel = () => {
    renaming = null;
    render({ id: tag.id, action: "rename" });
  };
  const rename = h("form", { class: "inline rename" },
    h("label", { for: inputId, class: "visually-hidden" }, `New name for the tag ${quote(tag)}`),
    input,
    h("button", { type: "submit", class: "button small primary" }, "Save"),
    h("button", { type: "button", class: "button small", onclick: cancel }, "Cancel"));
  rename.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  });
  rename.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      toast("The name must not be empty.", "error");
      input.focus();
      return;
    }
    if (name === tag.name) return cancel();
    try {
      const changed = await api(`/tags/${tag.id}`, { method: "PATCH", body: { name } });
      tags = tags.map((t) => (t.id === tag.id ? changed : t)).sort(byName);
      renaming = null;
      render({ id: tag.id, action: "rename" });
      toast(`Renamed ${quote(tag)} to ${quote(changed)}; its slug stays ${changed.slug}`);
    } catch (e) {
      toast(`Not renamed: ${e.message}`, "error");
      input.focus();
    }
  });
  return h("td", {}, rename);
}

function row(tag) {
  return h("tr", { dataset: { id: tag.id } },
    nameCell(tag),
    h("td", {}, h("code", {}, tag.slug)),
    h("td", { class: "number" }, String(tag.asset_count)),
    writer ? h("td", { class: "row-actions" },
      h("button", {
        type: "button", class: "button small", dataset: { action: "rename" }, "aria-label": `Rename ${quote(tag)}`,
        onclick: () => {
          renaming = tag.id;
          render();
          const input = document.getElementById(`rename-${tag.id}`);
          input.focus();
          input.select();
        },
      }, "Rename"),
      h("button", {
        type: "button", class: "button small danger", dataset: { action: "delete" }, "aria-label": `Delete ${quote(tag)}`,
        onclick: () => remove(tag),
      }, "Delete")) : h("td", {}));
}

/** Redraws the table; `focus` ({id, action}) names a button to focus afterwards. */
function render(focus) {
  body.replaceChildren(...tags.map(row));
  table.hidden = tags.length === 0;
  showState(state, tags.length ? null : writer
    ? "No tags yet. Create one above, or add tags to assets on their pages."
    : "No tags yet.");
  if (focus) body.querySelector(`tr[data-id="${focus.id}"] [data-action="${focus.action}"]`)?.focus();
}

async function remove(tag) {
  const count = tag.asset_count;
  const what = count ? ` It is taken off ${count === 1 ? "the asset that carries it" : `the ${count} assets that carry it`}.` : "";
  if (!confirm(`Delete the tag ${quote(tag)}?${what}`)) return;
  try {
    await api(`/tags/${tag.id}`, { method: "DELETE" });
  } catch (e) {
    toast(`${quote(tag)} was not deleted: ${e.message}`, "error");
    return;
  }
  const index = tags.findIndex((t) => t.id === tag.id);
  tags = tags.filter((t) => t.id !== tag.id);
  const next = tags[Math.min(index, tags.length - 1)];
  render(next ? { id: next.id, action: "delete" } : null);
  if (!next) (form?.elements.name ?? document.querySelector("h1")).focus();
  toast(`Deleted the tag ${quote(tag)}`);
}

async function load() {
  showState(state, null);
  table.setAttribute("aria-busy", "true");
  try {
    tags = (await all("/tags")).sort(byName);
    render();
  } catch (e) {
    table.hidden = true;
    showState(state, `The tags could not be loaded: ${e.message}`, { label: "Try again", run: load });
  } finally {
    table.removeAttribute("aria-busy");
  }
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = form.elements.name;
  const name = input.value.trim();
  if (!name) {
    toast("Give the tag a name.", "error");
    input.focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const created = await api("/tags", { method: "POST", body: { name } });
    tags = [...tags, created].sort(byName);
    render();
    body.querySelector(`tr[data-id="${created.id}"]`)?.classList.add("new");
    input.value = "";
    toast(`Created the tag ${quote(created)}`);
  } catch (e) {
    toast(`The tag was not created: ${e.message}`, "error");
  } finally {
    button.disabled = false;
    input.focus();
  }
});

load();
