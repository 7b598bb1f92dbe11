// Choosing many assets at once, shared by the library and the trash: a checkbox per card,
// shift-click for everything between two clicks, all the cards shown, or every match of
// the search (fetched as ids, up to the most one bulk request may name). The bulk bar
// shows while anything is chosen and says how much.
import { all, api } from "./api.js";
import { h, toast } from "./dom.js";

/** The most assets one bulk request may name (the API's limit). */
const MAX_BULK = 1000;

/**
 * options:
 * - list: the <ul> of cards (each `li[data-id]`);
 * - bar: the bulk bar, hidden while nothing is chosen;
 * - count: where "3 selected" goes;
 * - matches: the "Select all N matches" button in the bar;
 * - search(): the current search's API query and its total ({query, total}).
 */
export function createSelection({ list, bar, count, matches, search }) {
  const chosen = new Set();
  // The card clicked last, from which a shift-click selects a range.
  let anchor = null;

  function cards() {
    return [...list.querySelectorAll(".asset-card")];
  }

  function set(id, on) {
    if (on) chosen.add(id);
    else chosen.delete(id);
    const item = list.querySelector(`[data-id="${CSS.escape(id)}"]`);
    if (!item) return;
    item.classList.toggle("selected", on);
    const box = item.querySelector("input.select");
    if (box) box.checked = on;
  }

  function update() {
    bar.hidden = chosen.size === 0;
    count.textContent = `${chosen.size} selected`;
    const { total } = search();
    const shown = cards().length;
    // Offered once everything shown is chosen and the search has more than is shown.
    matches.hidden = !(total > shown && shown > 0 && cards().every((c) => chosen.has(c.dataset.id)) && chosen.size < Math.min(total, MAX_BULK));
    matches.textContent = total > MAX_BULK ? `Select the first ${MAX_BULK} of ${total} matches` : `Select all ${total} matches`;
  }

  /** The checkbox of `asset`'s card, checked when it is chosen. */
  function checkbox(asset) {
    return h("input", {
      type: "checkbox",
      class: "select",
      "aria-label": `Select ${asset.title}`,
      checked: chosen.has(asset.id),
      onclick: (event) => {
        const on = event.target.checked;
        const ids = cards().map((c) => c.dataset.id);
        const from = ids.indexOf(anchor);
        const to = ids.indexOf(asset.id);
        if (event.shiftKey && from >= 0 && to >= 0) {
          for (const id of ids.slice(Math.min(from, to), Math.max(from, to) + 1)) set(id, on);
        } else {
          set(asset.id, on);
        }
        anchor = asset.id;
        update();
      },
    });
  }

  /** Chooses every card shown. */
  function selectShown() {
    for (const item of cards()) set(item.dataset.id, true);
    update();
  }

  /** Empties the selection. The focus, if it was in the bar that now hides, moves to
   * `focusTo`, so that a keyboard user is not left on nothing. */
  function clear(focusTo) {
    const hadFocus = bar.contains(document.activeElement);
    for (const id of [...chosen]) set(id, false);
    anchor = null;
    update();
    if (hadFocus) focusTo?.focus();
  }

  matches.addEventListener("click", async () => {
    const { query } = search();
    matches.disabled = true;
    try {
      const found = await all("/assets", { ...query, limit: 200 }, MAX_BULK);
      for (const asset of found.slice(0, MAX_BULK)) set(asset.id, true);
    } catch (e) {
      toast(`The matches could not be listed: ${e.message}`, "error");
    } finally {
      matches.disabled = false;
      update();
    }
  });

  return {
    checkbox,
    selectShown,
    clear,
    update,
    has: (id) => chosen.has(id),
    ids: () => [...chosen],
    get size() {
      return chosen.size;
    },
  };
}

/** "1 asset" or "3 assets". */
export function assets(n) {
  return n === 1 ? "1 asset" : `${n} assets`;
}

/** Why the API refused one asset of a bulk action, as an editor would say it. */
const REFUSED = {
  not_found: "it is no longer in the library",
  not_deleted: "it is not in the trash",
  duplicate_exists: "the library already holds the same file",
  asset_in_use: "a site or app still shows it",
};

/**
 * Applies a bulk action (`body`: {action, …}) to `ids`, all or none. Resolves to null
 * when applied, or to the refusals ([{id, error: {code, message}}]) when nothing was
 * changed; any other failure is told and resolves to [].
 */
export async function applyBulk(ids, body) {
  try {
    await api("/assets/bulk", { method: "POST", body: { ...body, ids } });
    return null;
  } catch (e) {
    const refusals = (e.body?.results ?? []).filter((r) => r.error);
    if (refusals.length === 0) toast(e.message, "error");
    return refusals;
  }
}

/** Says that nothing was `done` ("restored") and why, from the first refusal. */
export function tellRefusals(refusals, done) {
  const first = refusals[0].error;
  const why = REFUSED[first.code] ?? first.message;
  const who = refusals.length === 1 ? "1 asset was" : `${refusals.length} assets were`;
  toast(`Nothing was ${done}: ${who} refused (${why}).`, "error");
}
