// The analytics page: storage per kind (and per namespace for admins), uploads per day
// over the last 30 days, the most delivered assets and the assets nobody uses, plus the
// assets whose processing failed when there are any. Each card loads on its own, with
// its own empty and error states and a "Try again" button.
import "./frame.js";
import { api } from "./api.js";
import { canWrite, formatBytes, formatDate, h } from "./dom.js";
import { facts, thumbnail } from "./browse.js";
import { barChart, columnChart, dataTable, legend, responsive } from "./charts.js";

const DAYS = 30;
const KINDS = { image: "Images", video: "Videos", audio: "Audio", document: "Documents", model3d: "3D models", other: "Other" };
const count = (n) => Number(n).toLocaleString();
const plural = (n, one, many) => `${count(n)} ${n === 1 ? one : many}`;

/**
 * Runs `load(box)` for a card's content box: busy while it runs, then what it drew, or
 * the error with a "Try again" button. Focus inside the box (on "Try again") moves to
 * the box so it is not lost when the content is replaced.
 */
async function card(box, load) {
  const hadFocus = box.contains(document.activeElement);
  box.setAttribute("aria-busy", "true");
  box.replaceChildren(h("p", { class: "muted loading" }, "Loading…"));
  if (hadFocus) box.focus();
  try {
    const content = await load(box);
    if (content) box.replaceChildren(content);
  } catch (e) {
    box.replaceChildren(h("div", { class: "state" },
      h("p", {}, `This could not be loaded: ${e.message}`),
      h("button", { type: "button", class: "button", onclick: () => card(box, load) }, "Try again")));
  } finally {
    box.removeAttribute("aria-busy");
  }
}

/** A state box (no data yet) with an optional hint. */
function empty(message, hint) {
  return h("div", { class: "state" }, h("p", {}, message), hint ? h("p", { class: "muted small" }, hint) : null);
}

/** A small picture linking to the asset (the title next to it names the link). */
function thumbLink(asset) {
  const thumb = thumbnail(asset);
  thumb.querySelector("img")?.setAttribute("alt", "");
  // Out of the tab order and of the accessibility tree: the title's link is the one.
  return h("a", { href: `/ui/assets/${asset.id}`, tabindex: "-1", "aria-hidden": "true", class: "thumb-link" }, thumb);
}

// ——— Storage by kind ———

const STORAGE_SERIES = [
  { name: "Originals", class: "s1" },
  { name: "Variants and renditions", class: "s2" },
];

async function storage() {
  const report = await api("/analytics/storage");
  const kinds = [...report.by_kind].sort((a, b) => (b.bytes + b.variant_bytes) - (a.bytes + a.variant_bytes));
  const trash = report.trash;
  const parts = [];

  if (kinds.length === 0) {
    parts.push(empty("No assets stored yet.", canWrite() ? "Upload files in the library to see how much space each kind takes." : null));
  } else {
    const assets = kinds.reduce((sum, k) => sum + k.assets, 0);
    const originals = kinds.reduce((sum, k) => sum + k.bytes, 0);
    const variants = kinds.reduce((sum, k) => sum + k.variant_bytes, 0);
    const summary = `${plural(assets, "asset", "assets")} ${assets === 1 ? "takes" : "take"} ${formatBytes(originals + variants)}: ` +
      `${formatBytes(originals)} of originals and ${formatBytes(variants)} of variants and renditions.`;
    const rows = kinds.map((k) => ({ label: KINDS[k.kind] || k.kind, values: [k.bytes, k.variant_bytes] }));
    const plot = h("div", { class: "chart-plot" });
    parts.push(h("p", { class: "chart-summary" }, summary), legend(STORAGE_SERIES), plot,
      dataTable({
        caption: "Storage by kind",
        columns: [{ label: "Kind" }, { label: "Assets", numeric: true }, { label: "Originals", numeric: true }, { label: "Variants", numeric: true }],
        rows: kinds.map((k) => [KINDS[k.kind] || k.kind, count(k.assets), formatBytes(k.bytes), formatBytes(k.variant_bytes)]),
      }));
    // Drawn as soon as the plot is in the page and has a width.
    responsive(plot, (width) => barChart({
      rows, series: STORAGE_SERIES, format: formatBytes, title: "Storage by kind", description: summary,
    }, width));
  }

  parts.push(h("p", { class: "muted small trash-line" },
    trash.assets
      ? [`In the trash: ${plural(trash.assets, "asset", "assets")}, ${formatBytes(trash.bytes)} (not counted above). `, h("a", { href: "/ui/?deleted=true" }, "Open the trash")]
      : "The trash is empty."));

  // Only the instance owner gets other namespaces' sizes; for anyone else the list is empty.
  if (report.by_namespace?.length) {
    parts.push(h("details", { class: "namespaces" },
      h("summary", {}, `All namespaces (${report.by_namespace.length})`),
      dataTable({
        caption: "Stored originals per namespace (deduplicated, trash included)",
        columns: [{ label: "Namespace" }, { label: "Assets", numeric: true }, { label: "Stored", numeric: true }],
        rows: report.by_namespace.map((n) => [n.namespace, count(n.assets), formatBytes(n.blob_bytes)]),
        visible: true,
      })));
  }
  return h("div", { class: "chart-body" }, parts);
}

// ——— Uploads per day ———

/** `YYYY-MM-DD` of a time, in UTC (the API's days are UTC days). */
const isoDay = (date) => date.toISOString().slice(0, 10);
const dayDate = (iso) => new Date(`${iso}T00:00:00Z`);
const shortDay = (iso) => dayDate(iso).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const longDay = (iso) => dayDate(iso).toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });

/** The last `DAYS` days up to the newest the server reported (else today, UTC), missing days 0. */
function fillDays(days) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const last = days.length ? dayDate(days[days.length - 1].date) : dayDate(isoDay(new Date()));
  const filled = [];
  for (let i = DAYS - 1; i >= 0; i -= 1) {
    const date = isoDay(new Date(last.getTime() - i * 86_400_000));
    const day = byDate.get(date);
    filled.push({ date, assets: day?.assets ?? 0, bytes: day?.bytes ?? 0 });
  }
  return filled;
}

async function uploads() {
  const { days } = await api("/analytics/uploads", { query: { days: DAYS } });
  const filled = fillDays(days);
  const assets = filled.reduce((sum, d) => sum + d.assets, 0);
  if (assets === 0) return empty(`No uploads in the last ${DAYS} days.`);
  const bytes = filled.reduce((sum, d) => sum + d.bytes, 0);
  const busiest = filled.reduce((best, d) => (d.assets > best.assets ? d : best));
  const summary = `${plural(assets, "asset", "assets")} (${formatBytes(bytes)}) uploaded from ${longDay(filled[0].date)} to ${longDay(filled[filled.length - 1].date)}; ` +
    `the busiest day was ${longDay(busiest.date)} with ${plural(busiest.assets, "upload", "uploads")}.`;
  const plot = h("div", { class: "chart-plot" });
  responsive(plot, (width) => columnChart({
    points: filled.map((d) => ({ label: shortDay(d.date), tooltip: `${longDay(d.date)}${d.bytes ? ` (${formatBytes(d.bytes)})` : ""}`, value: d.assets })),
    unit: ["asset", "assets"],
    title: `Assets uploaded per day, last ${DAYS} days`,
    description: summary,
  }, width));
  return h("div", { class: "chart-body" },
    h("p", { class: "chart-summary" }, summary),
    plot,
    h("p", { class: "muted small" }, "Days are UTC days. Hover a column for its date and size."),
    dataTable({
      caption: `Uploads per day, last ${DAYS} days`,
      columns: [{ label: "Day" }, { label: "Assets", numeric: true }, { label: "Size", numeric: true }],
      rows: filled.map((d) => [longDay(d.date), count(d.assets), formatBytes(d.bytes)]),
    }));
}

// ——— Most viewed ———

async function top() {
  const { items } = await api("/analytics/top", { query: { days: DAYS, limit: 10 } });
  if (items.length === 0) {
    return empty(`No views in the last ${DAYS} days.`, "Views count every delivery of an original or a variant, except to this admin UI; counts are saved every few seconds.");
  }
  const rows = [...items].sort((a, b) => b.views - a.views);
  const most = Math.max(...rows.map((r) => r.views), 1);
  return h("div", {},
    h("table", { class: "table top-table" },
      h("caption", { class: "muted small" }, `Deliveries of originals and variants in the last ${DAYS} days, most first.`),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Picture")),
        h("th", { scope: "col" }, "Asset"),
        h("th", { scope: "col", class: "num" }, "Views"),
        h("th", { scope: "col", class: "num" }, "Served"))),
      h("tbody", {}, rows.map(({ asset, views, bytes }) => {
        const meter = h("span", { class: "meter", "aria-hidden": "true" });
        meter.style.width = `${Math.max(2, (views / most) * 100)}%`;
        return h("tr", {},
          h("td", { class: "thumb-cell" }, thumbLink(asset)),
          h("td", { class: "asset-cell" },
            h("a", { href: `/ui/assets/${asset.id}`, class: "asset-name" }, asset.title),
            h("span", { class: "muted small" }, `${asset.kind} · ${formatBytes(asset.size)}`)),
          h("td", { class: "num" }, count(views), h("span", { class: "meter-track", "aria-hidden": "true" }, meter)),
          h("td", { class: "num" }, formatBytes(bytes)));
      }))));
}

// ——— Unused assets ———

const AGES = [["1d", "1 day"], ["7d", "1 week"], ["30d", "30 days"], ["90d", "90 days"], ["365d", "1 year"]];
let age = "30d";

async function unused(box) {
  const ageName = AGES.find(([value]) => value === age)[1];
  const select = h("select", { id: "unused-age" }, AGES.map(([value, name]) => h("option", { value, selected: value === age }, name)));
  select.addEventListener("change", () => {
    age = select.value;
    card(box, unused).then(() => document.getElementById("unused-age")?.focus());
  });
  const controls = h("div", { class: "field inline-field" }, h("label", { for: "unused-age" }, "Uploaded more than"), select, h("span", {}, "ago"));

  const first = await api("/assets/unused", { query: { older_than: age, limit: 10 } });
  if (first.items.length === 0) {
    // Fresh uploads are not "unused" yet: say how many there are, so that an empty list
    // right after uploading does not read as "everything is used".
    const recent = (await api("/assets", { query: { in_use: "false", limit: 1 } })).total;
    const hint = recent > 0
      ? `${recent} unused ${recent === 1 ? "asset was" : "assets were"} uploaded more recently than that; choose a shorter time to see ${recent === 1 ? "it" : "them"}, or the library's Usage filter.`
      : "An asset counts as used once a site or app records where it shows it.";
    return h("div", {}, controls, empty(`No unused assets uploaded more than ${ageName} ago.`, hint));
  }
  const list = h("ul", { class: "items unused-list", "aria-label": "Unused assets, oldest first" });
  const status = h("p", { class: "muted small", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "button" }, "Show more");
  let cursor = first.next_cursor;
  const show = (page) => {
    for (const asset of page.items) {
      list.append(h("li", {},
        thumbLink(asset),
        h("div", { class: "grow" },
          h("a", { href: `/ui/assets/${asset.id}`, class: "asset-name" }, asset.title),
          h("span", { class: "muted small" }, facts(asset)))));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
    status.textContent = `Showing ${count(list.children.length)} of ${count(page.total ?? first.total)}.`;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    list.setAttribute("aria-busy", "true");
    try {
      const before = list.children.length;
      show(await api("/assets/unused", { query: { older_than: age, limit: 20, cursor } }));
      list.children[before]?.querySelector("a.asset-name")?.focus();
    } catch (e) {
      status.textContent = `More could not be loaded: ${e.message}`;
    } finally {
      more.disabled = false;
      list.removeAttribute("aria-busy");
    }
  });
  const intro = h("p", { class: "chart-summary" },
    `${plural(first.total, "asset", "assets")} uploaded more than ${ageName} ago ${first.total === 1 ? "is" : "are"} not used anywhere, oldest first.`);
  show(first);
  return h("div", {}, controls, intro, list, h("div", { class: "list-foot" }, status, more));
}

// ——— Processing failures (a card of its own, only when there are any) ———

async function failures() {
  let report;
  try {
    report = await api("/analytics/failures", { query: { limit: 5 } });
  } catch {
    return; // Optional: the other cards still say whether the server answers.
  }
  if (!report.total) return;
  const list = h("ul", { class: "items" }, report.items.map((asset) => h("li", {},
    thumbLink(asset),
    h("div", { class: "grow" },
      h("a", { href: `/ui/assets/${asset.id}`, class: "asset-name" }, asset.title),
      h("span", { class: "form-error small" }, asset.error || "Processing failed."),
      h("span", { class: "muted small" }, `Uploaded ${formatDate(asset.created_at)}`)))));
  document.querySelector(".dashboard").append(h("section", { class: "card", "aria-labelledby": "failures-heading" },
    h("h2", { id: "failures-heading" }, "Processing failures"),
    h("p", { class: "chart-summary" }, `${plural(report.total, "asset", "assets")} could not be processed${report.total > report.items.length ? `; the ${report.items.length} most recent:` : "."}`),
    list));
}

const box = (id) => {
  const element = document.getElementById(id);
  element.tabIndex = -1;
  return element;
};

card(box("storage-chart"), storage);
card(box("uploads-chart"), uploads);
card(box("top-assets"), top);
card(box("unused-assets"), unused);
failures();
