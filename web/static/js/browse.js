// The asset browser shared by the library, the trash and the picker: the search form
// drives GET /api/v1/assets (debounced as you type), results are paged by cursor (a "Load
// more" button that also loads by itself when scrolled into view; a window of pages, so
// that a long scroll keeps a bounded number of cards), and assets still being processed
// are polled, all in one request per tick, until their thumbnail exists.
import { ApiError, api, all } from "./api.js";
import { debounce, formatBytes, formatDate, h, showState } from "./dom.js";
import { thumbnail } from "./thumbs.js";
import { remember } from "./trail.js";

const PAGE = 48;
/** Pages of cards the list holds at once: scrolling on drops the farthest page (and
 * scrolling back fetches it again), so that a long scroll never holds more than this
 * many pages' pictures. */
const KEPT_PAGES = 5;
const POLL_MS = 1500;
const POLL_FOR_MS = 10 * 60 * 1000;
/** Processing assets one tick lists, and how many others it fetches when more are. */
const POLL_LIST = 200;
const POLL_EACH = 10;

/**
 * options:
 * - form: the filters form (its named fields are API query parameters);
 * - list, state, more: the result list, the empty/error box, the "Load more" button;
 * - card(asset, browser): makes the <li> of an asset;
 * - fixed(): query parameters always sent (the picker's media types);
 * - empty: what an empty list without filters says;
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

export function createBrowser({
  form, list, state, more, card, fixed = () => ({}), onCount = () => {},
  empty = "No assets yet. Drop files above, or choose files, to upload the first ones.",
}) {
  // `cursors[i]` fetches page i; the list holds pages `first` to `last`, and `cursor`
  // fetches the page after them (null after the last).
  let cursors = [null];
  let first = 0;
  let last = -1;
  let cursor = null;
  let total = 0;
  let shown = {};
  let generation = 0;
  let controller = null;
  // Assets followed while they process (id → when it started), and the next tick.
  const watching = new Map();
  let poller = null;
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
      cursors = [null];
      first = 0;
      last = -1;
      cursor = null;
      generation += 1;
      controller?.abort();
    }
    const mine = generation;
    controller = new AbortController();
    more.disabled = true;
    list.setAttribute("aria-busy", "true");
    // Grey cards where the first results will be, so that the page does not jump.
    if (reset && !list.querySelector(".asset-card")) list.replaceChildren(...skeletons());
    const current = query();
    try {
      const page = await api("/assets", { query: { ...current, limit: PAGE, cursor }, signal: controller.signal });
      if (mine !== generation) return;
      if (reset) list.replaceChildren();
      list.hidden = false;
      last += 1;
      for (const asset of page.items) list.append(paged(card(asset), last));
      for (const asset of page.items) watch(asset);
      cursor = page.next_cursor;
      cursors[last + 1] = cursor;
      more.hidden = !cursor;
      if (last - first >= KEPT_PAGES) {
        drop(first, true);
        first += 1;
      }
      earlier.hidden = first === 0;
      total = page.total;
      shown = current;
      countFilters();
      onCount(total, current);
      if (list.children.length === 0 && page.suggestion) {
        const meant = page.suggestion;
        showState(state, `No assets match “${current.q}”. Did you mean “${meant}”?`, {
          label: `Search for “${meant}”`,
          run: () => {
            form.elements.q.value = meant;
            load(true);
          },
        });
      } else if (list.children.length === 0) {
        const always = fixed();
        const filtered = Object.keys(current).some((k) => k !== "sort" && !(k in always));
        showState(state, filtered
          ? "No assets match this search. Try other words or clear the filters."
          : empty,
        filtered ? clearFilters : null);
      } else {
        showState(state, null);
      }
    } catch (e) {
      if (e.name === "AbortError" || mine !== generation) return;
      // 400 (invalid_query, invalid_cursor): the same search fails again, so the way out
      // is other filters; anything else may pass on a second try.
      const misunderstood = e instanceof ApiError && (e.status === 400 || e.status === 422);
      list.querySelectorAll(".skeleton-card").forEach((skeleton) => skeleton.remove());
      if (e.code === "network") {
        offline();
      } else if (misunderstood) {
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

  /** Marks `element` as a card of page `index`. */
  function paged(element, index) {
    element.dataset.page = index;
    return element;
  }

  /** Takes page `index`'s cards out of the list; from the top, without moving what the
   * reader sees. */
  function drop(index, fromTop) {
    const cards = [...list.querySelectorAll(`[data-page="${index}"]`)];
    const anchor = fromTop ? cards.at(-1)?.nextElementSibling : null;
    const top = anchor?.getBoundingClientRect().top;
    for (const element of cards) element.remove();
    if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
  }

  /** Fetches the page before the first one held again, above the cards, without moving
   * what the reader sees; the last page goes when the list holds too many. */
  async function loadEarlier() {
    if (first === 0 || earlier.disabled) return;
    const mine = generation;
    earlier.disabled = true;
    try {
      const page = await api("/assets", { query: { ...shown, limit: PAGE, cursor: cursors[first - 1] } });
      if (mine !== generation) return;
      first -= 1;
      const anchor = list.firstElementChild;
      const top = anchor?.getBoundingClientRect().top;
      const cards = page.items.map((asset) => paged(card(asset), first));
      if (anchor) anchor.before(...cards);
      else list.append(...cards);
      if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
      if (last - first >= KEPT_PAGES) {
        drop(last, false);
        cursor = cursors[last];
        last -= 1;
        more.hidden = false;
      }
    } catch (e) {
      if (e.code === "network") offline();
    } finally {
      earlier.disabled = false;
      earlier.hidden = first === 0;
    }
  }

  /** Says the connection is gone, and hides results that may no longer be true. */
  function offline() {
    list.hidden = true;
    more.hidden = true;
    earlier.hidden = true;
    showState(state, "You are offline. The assets show again when the connection is back.", { label: "Try again", run: () => load(true) });
  }
  window.addEventListener("offline", offline);
  window.addEventListener("online", () => load(true));

  /** Follows an asset still processing until it is ready, then redraws its card. */
  function watch(asset) {
    if (asset.status !== "processing" || watching.has(asset.id)) return;
    watching.set(asset.id, Date.now());
    poller ??= setTimeout(poll, POLL_MS);
  }

  /**
   * One tick of following: one request lists what is still processing, and each asset
   * that left that list is fetched and redrawn. When more are processing than one list
   * holds, a few of the others are fetched each tick instead.
   */
  async function poll() {
    const now = Date.now();
    for (const [id, started] of watching) {
      if (now - started > POLL_FOR_MS || !list.querySelector(`[data-id="${CSS.escape(id)}"]`)) watching.delete(id);
    }
    try {
      const page = await api("/assets", { query: { ...fixed(), status: "processing", limit: POLL_LIST } });
      const still = new Set(page.items.map((a) => a.id));
      const left = [...watching.keys()].filter((id) => !still.has(id));
      const complete = page.total <= page.items.length;
      for (const id of complete ? left : left.slice(0, POLL_EACH)) {
        const fresh = await api(`/assets/${id}`);
        if (fresh.status === "processing") continue;
        watching.delete(id);
        replace(fresh);
      }
    } catch {
      // A failed tick is retried at the next one.
    }
    poller = watching.size ? setTimeout(poll, POLL_MS) : null;
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
    list.prepend(paged(card(asset), first));
    showState(state, null);
    watch(asset);
  }

  // On a phone the filters fold behind one button, which counts those in use.
  const toggle = form.querySelector(".filters-toggle");
  toggle?.addEventListener("click", () => {
    const open = form.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  function countFilters() {
    if (!toggle) return;
    const always = fixed();
    const used = [...new FormData(form)].filter(([key, value]) => value !== "" && !["q", "sort", "tag_match"].includes(key) && !(key in always)).length;
    toggle.textContent = used ? `Filters (${used})` : "Filters";
  }
  form.addEventListener("change", countFilters);
  form.addEventListener("reset", () => setTimeout(countFilters));

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
  const earlier = h("button", { type: "button", class: "button", hidden: true, onclick: loadEarlier }, "Show earlier assets");
  list.before(h("p", { class: "more" }, earlier));
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !earlier.hidden) loadEarlier();
  }, { rootMargin: "400px" }).observe(earlier);
  // Opening an asset remembers this search, for the asset page's previous and next.
  list.addEventListener("click", (event) => {
    if (!event.target.closest(".asset-link")) return;
    const ids = [...list.querySelectorAll(".asset-card")].map((card) => card.dataset.id);
    remember({ back: location.pathname + location.search, query: shown, ids, cursor, total });
  });
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !more.hidden && !more.disabled) load(false);
  }, { rootMargin: "400px" }).observe(more);

  return { load, query, prepend, replace };
}

/** Cards of grey shapes, as many as a first screen holds, hidden from screen readers. */
function skeletons() {
  return Array.from({ length: 12 }, () => h("li", { class: "skeleton-card", "aria-hidden": "true" },
    h("div", { class: "thumb" }), h("span", { class: "skeleton-line" }), h("span", { class: "skeleton-line short" })));
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

/**
 * The card of `asset` in a grid or list: its checkbox when `selection` is given, its
 * picture and title linking to its page, then `lines` (text or nodes) under them.
 */
export function assetCard(asset, selection, ...lines) {
  return h("li", { class: `asset-card${selection?.has(asset.id) ? " selected" : ""}`, dataset: { id: asset.id, status: asset.status } },
    selection?.checkbox(asset),
    h("a", { class: "asset-link", href: `/ui/assets/${asset.id}` },
      thumbnail(asset),
      h("span", { class: "asset-title" }, asset.title)),
    lines);
}

/** The small line under a card's title: kind, size, dimensions or duration, date. */
export function facts(asset) {
  const parts = [asset.kind, formatBytes(asset.size)];
  if (asset.width && asset.height) parts.push(`${asset.width}×${asset.height}`);
  parts.push(formatDate(asset.created_at));
  return parts.filter(Boolean).join(" · ");
}

export { thumbnail };
