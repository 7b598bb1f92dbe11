// Accessibility checks run in the page (tests/ui): returns a list of problems, empty when
// the page passes. Checked: every form control has a label, every image an alt
// attribute, every button and link a name, and text contrast meets WCAG 2.1 AA (4.5:1,
// 3:1 for large text) against the nearest opaque background.
const problems = [];
const describe = (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className && typeof e.className === "string" ? `.${e.className.trim().split(/\s+/).join(".")}` : ""}`;
const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";

for (const control of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
  const labelled = control.labels?.length || control.getAttribute("aria-label") || control.getAttribute("aria-labelledby");
  if (!labelled) problems.push(`no label: ${describe(control)}`);
}
for (const img of document.querySelectorAll("img")) {
  if (!img.hasAttribute("alt")) problems.push(`no alt: ${describe(img)} ${img.src}`);
}
for (const e of document.querySelectorAll("button, a[href]")) {
  if (!visible(e)) continue;
  const name = (e.getAttribute("aria-label") || e.textContent || e.querySelector("img[alt]")?.alt || "").trim();
  if (!name) problems.push(`no accessible name: ${describe(e)}`);
}

function rgba(color) {
  const m = color.match(/rgba?\(([^)]+)\)/);
  if (!m) return [0, 0, 0, 0];
  const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return [r, g, b, a];
}
function luminance([r, g, b]) {
  const c = [r, g, b].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
function background(e) {
  for (let node = e; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.backgroundImage !== "none") return null; // a picture behind: not judged
    const color = rgba(style.backgroundColor);
    if (color[3] >= 0.99) return color;
  }
  return [255, 255, 255, 1];
}
for (const e of document.querySelectorAll("body *")) {
  const text = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  if (!text || !visible(e) || e.closest("svg, .thumb, [disabled], [aria-disabled=true]")) continue;
  const style = getComputedStyle(e);
  const fg = rgba(style.color);
  const bg = background(e);
  if (!bg || fg[3] < 0.99 || Number(style.opacity) < 1) continue;
  const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: ${describe(e)} "${e.textContent.trim().slice(0, 30)}"`);
}
return problems;
