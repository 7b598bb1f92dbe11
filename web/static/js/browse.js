// The asset browser shared by the library and the picker: the search form drives
// GET /api/v1/assets (debounced as you type), results are paged by cursor (a "Load more"
// button that also loads by itself when scrolled into view), and assets still being
// processed are polled until their thumbnail exists.
import { ApiError, api, all } from "./api.js";
import { debounce, formatBytes, formatDate, h, showState } from "./dom.js";
import { thumbnail } from "./thumbs.js";

const PAGE = 48;
const POLL_MS = 1500;
const POLL_FOR_MS = 10 * 60 * 1000;

/**
 * options:
 * - form: the filters form (its named fields are API query parameters);
 * - list, state, more: the result list, the empty/error box, the "Load more" button;
 * - card(asset, browser): makes the <li> of an asset;
 * - fixed(): query parameters always sent (the picker's media types);
 * - onCount(total, query): told the total after each search.
 */
/**
 * Turns the form's "unused" choice (days since upload, 0 for any age) into the API's
 * terms, as `GET /api/v1/assets/unused` counts: used nowhere (`in_use=false`) and
 * uploaded before then (`created_to`, or the earlier of the two when one is set).
 */
function unusedFor(query) {
  if (query.unused === undefined) return;
  const days = Number(query.unused);
  delete query.unused;
  query.in_use = "false";
  if (days > 0) {
    const before = new Date(Date.now() - days * 86_400_000).toISOString();
    if (!query.created_to || query.created_to > before) query.created_to = before;
  }
}

export function createBrowser({ form, list, state, more, card, fixed = () => ({}), onCount = () => {} }) {
  let cursor = null;
  let total = 0;
  let shown = {};
  let generation = 0;
  let controller = null;
  const polling = new Map();
  const clearFilters = { label: "Clear filters", run: () => { form.reset(); form.dispatchEvent(new Event("change")); } };

  function query() {
    const query = {};
    for (const [key, value] of new FormData(form)) {
      if (value !== "") query[key] = value;
    }
    unusedFor(query);
    return { ...query, ...fixed() };
  }

  async function load(reset) {
    if (reset) {
      cursor = null;
      generation += 1;
      controller?.abort();
    }
    const mine = generation;
    controller = new AbortController();
    more.disabled = true;
    list.setAttribute("aria-busy", "true");
    const current = query();
    try {
      const page = await api("/assets", { query: { ...current, limit: PAGE, cursor }, signal: controller.signal });
      if (mine !== generation) return;
      if (reset) list.replaceChildren();
      for (const asset of page.items) list.append(card(asset));
      for (const asset of page.items) watch(asset);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      total = page.total;
      shown = current;
      onCount(total, current);
      if (list.children.length === 0) {
        const always = fixed();
        const filtered = Object.keys(current).some((k) => k !== "sort" && !(k in always));
        showState(state, filtered
          ? "No assets match this search. Try other words or clear the filters."
          : "No assets yet. Drop files above, or choose files, to upload the first ones.",
        filtered ? clearFilters : null);
      } else {
        showState(state, null);
      }
    } catch (e) {
      if (e.name === "AbortError" || mine !== generation) return;
      // 400 (invalid_query, invalid_cursor): the same search fails again, so the way out
      // is other filters; anything else may pass on a second try.
      const misunderstood = e instanceof ApiError && (e.status === 400 || e.status === 422);
      if (misunderstood) {
        showState(state, `The search was not understood: ${e.message}`, clearFilters);
      } else {
        showState(state, `The library could not be loaded: ${e.message}`, { label: "Try again", run: () => load(true) });
      }
    } finally {
      if (mine === generation) {
        more.disabled = false;
        list.removeAttribute("aria-busy");
      }
    }
  }

  /** Re-fetches an asset still processing until it is ready, then redraws its card. */
  function watch(asset) {
    if (asset.status !== "processing" || polling.has(asset.id)) return;
    const started = Date.now();
    const tick = async () => {
      if (Date.now() - started > POLL_FOR_MS) return polling.delete(asset.id);
      try {
        const fresh = await api(`/assets/${asset.id}`);
        if (fresh.status !== "processing") {
          polling.delete(asset.id);
          replace(fresh);
          return;
        }
      } catch {
        // A failed poll is retried at the next tick.
      }
      polling.set(asset.id, setTimeout(tick, POLL_MS));
    };
    polling.set(asset.id, setTimeout(tick, POLL_MS));
  }

  /** Redraws the card of `asset` if shown; focus inside it moves to the same control
   * (by its first class) in the new card. */
  function replace(asset) {
    const old = list.querySelector(`[data-id="${CSS.escape(asset.id)}"]`);
    if (!old) return;
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    const fresh = card(asset);
    old.replaceWith(fresh);
    if (focused) {
      const kind = focused.classList[0];
      (kind && fresh.querySelector(`.${CSS.escape(kind)}`) || fresh.querySelector("a, button, input"))?.focus();
    }
  }

  /** Shows a just-uploaded asset first, and follows its processing. */
  function prepend(asset) {
    const old = list.querySelector(`[data-id="${CSS.escape(asset.id)}"]`);
    if (old) {
      old.remove();
    } else {
      total += 1;
      onCount(total, shown);
    }
    list.prepend(card(asset));
    showState(state, null);
    watch(asset);
  }

  const search = debounce(() => load(true), 250);
  form.addEventListener("input", (event) => {
    if (event.target.type === "search" || event.target.type === "text") search();
  });
  form.addEventListener("change", (event) => {
    if (event.target.type !== "search") load(true);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !more.hidden && !more.disabled) load(false);
  }, { rootMargin: "400px" }).observe(more);

  return { load, query, prepend, replace };
}

/**
 * Replaces the options of a <select> after its first ("Any …") with `options`
 * ([value, text] pairs), keeping the chosen value.
 */
function fillSelect(select, options) {
  const keep = select.value;
  select.replaceChildren(select.options[0], ...options.map(([value, text]) => h("option", { value }, text)));
  select.value = keep;
}

/** Fills (or refills) a <select> with the namespace's tags (value: slug). */
export async function fillTags(select) {
  const tags = await all("/tags");
  fillSelect(select, tags.map((t) => [t.slug, t.name]));
  return tags;
}

/** Fills (or refills) a <select> with the namespace's collections (value: id). */
export async function fillCollections(select) {
  const collections = await all("/collections");
  fillSelect(select, collections.map((c) => [c.id, c.title]));
  return collections;
}

/** The small line under a card's title: kind, size, dimensions or duration, date. */
export function facts(asset) {
  const parts = [asset.kind, formatBytes(asset.size)];
  if (asset.width && asset.height) parts.push(`${asset.width}×${asset.height}`);
  parts.push(formatDate(asset.created_at));
  return parts.filter(Boolean).join(" · ");
}

export { thumbnail };
