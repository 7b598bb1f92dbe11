// The search an asset page was opened from, so that the page steps to the previous and
// next result and leads back to the same search. Kept in sessionStorage: one tab's
// trail, gone with the tab.
import { api } from "./api.js";

const KEY = "medialib.trail";
/** Results fetched when stepping past the last one the list had loaded. */
const PAGE = 48;

/**
 * Remembers the list an asset is opened from: `back` (the list page's address, its
 * filters included), the API `query`, the `ids` shown in order, the `cursor` of the
 * results after them (null at the end) and the `total`.
 */
export function remember(trail) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(trail));
  } catch {
    // Storage full or refused: the asset page then has no previous and next.
  }
}

function recalled() {
  try {
    const trail = JSON.parse(sessionStorage.getItem(KEY));
    return Array.isArray(trail?.ids) ? trail : null;
  } catch {
    return null;
  }
}

/**
 * Where asset `id` stands in the remembered search: {back, prev, next, position, total}
 * (ids, or null at either end), or null when the page was not opened from a list that
 * holds it. At the last result loaded, the next results are fetched first.
 */
export async function around(id) {
  const trail = recalled();
  const at = trail?.ids.indexOf(id) ?? -1;
  if (at === -1) return null;
  if (at === trail.ids.length - 1 && trail.cursor) {
    try {
      const page = await api("/assets", { query: { ...trail.query, limit: PAGE, cursor: trail.cursor } });
      trail.ids.push(...page.items.map((asset) => asset.id));
      trail.cursor = page.next_cursor;
      remember(trail);
    } catch {
      // Without the next results the page offers no Next; the list is still there.
    }
  }
  return {
    back: trail.back,
    prev: trail.ids[at - 1] ?? null,
    next: trail.ids[at + 1] ?? null,
    position: at + 1,
    total: trail.total,
  };
}
