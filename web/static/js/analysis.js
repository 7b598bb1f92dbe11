// What analysis found, on the asset page: the place, what the picture shows, the faces
// (drawn over the preview on request), the automatic tags to keep or reject, and assets
// that look alike.
import { api } from "./api.js";
import { canWrite, h } from "./dom.js";
import { altOf, pickVariant } from "./thumbs.js";

const percent = (p) => `${Math.round(p * 100)} %`;

/** The sentence for a reason a similar asset is listed. */
function because(reason) {
  switch (reason.kind) {
    case "near_duplicate": return "the same picture, resized or re-encoded";
    case "looks_alike": return `looks ${percent(reason.similarity)} alike`;
    case "shared_tags": return `also tagged ${reason.tags.join(", ")}`;
    case "same_collection": return `also in ${reason.collections.join(", ")}`;
    default: return "";
  }
}

/** A face's box over the preview: its position in percent of the picture, set through
 * the CSSOM, which the page's style-src policy allows where style attributes are not. */
function faceBox(face, i) {
  const box = h("span", { class: "face-box", title: `Face ${i + 1}, ${percent(face.confidence)} sure` });
  Object.assign(box.style, {
    left: `${face.x * 100}%`, top: `${face.y * 100}%`, width: `${face.width * 100}%`, height: `${face.height * 100}%`,
  });
  return box;
}

/** Shows or hides the faces' boxes over the preview picture, framing it the first time. */
function toggleFaces(button, faces) {
  const img = document.querySelector(".preview img");
  if (!img) return;
  let frame = img.parentElement;
  if (!frame.classList.contains("faces-frame")) {
    frame = h("span", { class: "faces-frame" });
    img.replaceWith(frame);
    frame.append(img, ...faces.map(faceBox));
  }
  const on = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(on));
  frame.classList.toggle("show-faces", on);
}

/** What moderation decided, in a sentence; null when there is nothing to say. */
const MODERATION = {
  flagged: "Flagged by the content policy as possibly not safe for work.",
  held: "Held for review by the content policy: it stays private until an admin clears it.",
  rejected: "Rejected by the content policy: an admin can clear it.",
};

/** The moderation notice, with Clear for admins; null when the asset is not flagged,
 * held or rejected. */
function moderation(asset, change) {
  const sentence = MODERATION[asset.moderation];
  if (!sentence) return null;
  const admin = document.body.dataset.role === "admin";
  return h("p", { id: "moderation", class: "notice" }, sentence, " ",
    admin ? h("button", { type: "button", onclick: () => change(
      () => api(`/assets/${asset.id}/moderation/clear`, { method: "POST" }), "Cleared: the content policy leaves this asset alone now.") }, "Clear") : null);
}

/** "What medialib sees": the place, the top labels, the faces and the automatic tags,
 * each tag with Keep and Reject for editors; `change` runs an API call, says it was done,
 * redraws. */
export function findings(asset, change) {
  const results = asset.analysis || {};
  const place = results.places?.status === "ok" ? results.places.output : null;
  const labels = results.labels?.status === "ok" ? results.labels.output.labels : [];
  const faces = results.faces?.status === "ok" ? results.faces.output.faces : [];
  const remote = results.remote?.status === "ok" ? results.remote.output : null;
  const auto = asset.tags.filter((t) => t.source === "auto");
  const notice = moderation(asset, change);
  if (!place && !labels.length && !faces.length && !auto.length && !notice && !remote) return null;
  const useAlt = () => change(
    () => api(`/assets/${asset.id}`, { method: "PATCH", body: { alt_text: remote.alt_text } }), "Alt text saved.");
  const review = (t, verdict, done) => change(
    () => api(`/assets/${asset.id}/tags/${encodeURIComponent(t.slug)}/${verdict}`, { method: "POST" }), done);
  const chips = auto.map((t) => h("span", { class: "chip suggested", title: `${percent(t.confidence ?? 1)} sure` },
    h("a", { href: `/ui/?tags=${encodeURIComponent(t.slug)}` }, t.name),
    canWrite() ? h("button", { type: "button", "aria-label": `Keep tag ${t.name}`, onclick: () => review(t, "accept", `Kept “${t.name}”`) }, "✓") : null,
    canWrite() ? h("button", { type: "button", "aria-label": `Reject tag ${t.name}`, onclick: () => review(t, "reject", `Rejected “${t.name}”; it will not be suggested again`) }, "×") : null));
  return h("section", { class: "card", "aria-labelledby": "findings-heading", id: "findings" },
    h("h2", { id: "findings-heading" }, "What medialib sees"),
    notice,
    place ? h("p", { id: "place" }, "Taken in ", h("strong", {}, [place.city, place.region, place.country].filter(Boolean).join(", "))) : null,
    labels.length ? h("p", { id: "labels", class: "muted" }, labels.slice(0, 3).map((l) => `${l.name} ${percent(l.confidence)}`).join(" · ")) : null,
    remote ? h("p", { id: "caption" }, remote.caption) : null,
    remote && remote.alt_text !== asset.alt_text ? h("p", { id: "alt-suggestion" }, "Suggested alt text: ",
      h("q", {}, remote.alt_text), " ",
      canWrite() ? h("button", { type: "button", onclick: useAlt }, "Use as alt text") : null) : null,
    faces.length ? h("p", { id: "faces" }, faces.length === 1 ? "One face " : `${faces.length} faces `,
      h("button", { type: "button", "aria-pressed": "false", onclick: (e) => toggleFaces(e.currentTarget, faces) }, "Show on the picture")) : null,
    auto.length ? h("div", {},
      h("h3", { class: "small-heading" }, "Suggested tags"),
      h("div", { class: "tag-editor", id: "suggested-tags" }, chips)) : null);
}

/** Assets that look like this one, as a strip of thumbnails; null when there are none. */
export async function lookalikes(asset) {
  let items;
  try {
    ({ items } = await api(`/assets/${asset.id}/similar?limit=8`));
  } catch {
    return null;
  }
  if (!items.length) return null;
  const card = (item) => {
    const thumb = pickVariant(item.asset, ["thumbnail", "small"]);
    const why = item.reasons.map(because).filter(Boolean).join("; ");
    return h("li", {},
      h("a", { href: `/ui/assets/${item.asset.id}`, title: why },
        thumb ? h("img", { src: thumb.url, alt: altOf(item.asset), width: 96, height: 96, loading: "lazy" }) : h("span", {}, item.asset.title),
        h("span", { class: "visually-hidden" }, `: ${why}`)));
  };
  return h("section", { class: "card", "aria-labelledby": "similar-heading" },
    h("h2", { id: "similar-heading" }, "Looks alike"),
    h("ul", { class: "similar", id: "similar" }, items.map(card)));
}
