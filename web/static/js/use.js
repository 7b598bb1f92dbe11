// "Use this media": what an editor hands to a web page, a CMS or a colleague, ready to
// paste: a link to the picture at a chosen width and format, the responsive <picture>
// snippet, a link to the original (expiring, when the asset is private), and a download.
// Links of private assets are signed, so they work for whoever receives them until
// they expire.
import { api } from "./api.js";
import { copy, h, toast } from "./dom.js";

const WIDTHS = [320, 640, 1080, 1600, 1920];
const FORMATS = [["auto", "Best for each browser"], ["webp", "WebP"], ["jpg", "JPEG"], ["avif", "AVIF"], ["png", "PNG"]];
const LIFETIMES = [[3600, "1 hour"], [86400, "1 day"], [604800, "7 days"]];

const absolute = (url) => new URL(url, location.origin).href;

function choice(id, label, options, selected) {
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    h("select", { id }, options.map(([value, text]) => h("option", { value, selected: String(value) === String(selected) }, text))));
}

/** The panel for `asset`; `null` when it has nothing to hand out yet. */
export function usePanel(asset) {
  if (asset.deleted_at || asset.status !== "ready") return null;
  const picture = asset.variants.some((v) => v.name === "thumbnail");
  const width = asset.width || 0;
  // Links never enlarge: the widths below the picture's, and its own (a 200 px icon offers 200).
  const widths = width ? [...WIDTHS.filter((w) => w < width), width] : WIDTHS;
  const output = h("textarea", { id: "use-output", class: "use-output", readonly: true, rows: 3, "aria-label": "What was copied" });
  const lifetime = asset.is_public ? null : choice("use-ttl", "Links work for", LIFETIMES, 86400);
  const ttl = () => (asset.is_public ? undefined : Number(lifetime.querySelector("select").value));

  async function give(what, make) {
    try {
      const text = await make();
      output.value = text;
      await copy(text, what);
    } catch (e) {
      toast(e.message, "error");
    }
  }

  const parts = [];
  if (picture) {
    const size = choice("use-width", "Width", widths.map((w) => [w, `${w} px`]), widths.includes(1080) ? 1080 : widths.at(-1));
    const format = choice("use-format", "Format", FORMATS, "auto");
    parts.push(
      h("div", { class: "use-row" }, size, format,
        h("button", {
          type: "button", class: "button", id: "use-copy-link",
          onclick: () => give("Link", async () => {
            const body = {
              ops: `w_${size.querySelector("select").value}`,
              format: format.querySelector("select").value,
              ttl: ttl(),
            };
            const minted = await api(`/assets/${asset.id}/transform-url`, { method: "POST", body });
            return absolute(minted.url);
          }),
        }, "Copy link")),
      h("button", {
        type: "button", class: "button", id: "use-copy-snippet",
        onclick: () => give("HTML", async () => (await api(`/assets/${asset.id}/responsive`, { query: { ttl: ttl() } })).html),
      }, "Copy <picture> HTML"));
  }
  parts.push(h("button", {
    type: "button", class: "button", id: "use-copy-original",
    onclick: () => give("Link", async () => {
      if (asset.is_public) return absolute(asset.links.original);
      const signed = await api(`/assets/${asset.id}/signed-url`, { query: { ttl: ttl() } });
      return absolute(signed.url);
    }),
  }, asset.is_public ? "Copy link to the original" : "Copy expiring link to the original"),
  h("a", { class: "button", href: asset.links.original, download: asset.original_filename, id: "use-download" }, "Download original"));

  return h("section", { class: "card", id: "use-panel", "aria-labelledby": "use-heading" },
    h("h2", { id: "use-heading" }, "Use this media"),
    h("p", { class: "muted" }, asset.is_public
      ? "Public: these links work for anyone."
      : "Private: copied links are signed and stop working when they expire."),
    lifetime,
    h("div", { class: "use-actions" }, parts),
    output);
}
