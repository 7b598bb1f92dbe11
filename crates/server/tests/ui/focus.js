// The focus indicator of the element a Tab key press just focused (tests/ui): returns a
// problem, null when it shows, or "end" when the focus has left the page's last control. Checked: a visible outline of at least 2 px whose
// colour has a 3:1 contrast against the background around the element (WCAG 2.4.7 and
// 1.4.11). Where the element itself hides (a visually hidden file input), its label
// must show the outline instead.
const active = document.activeElement;
if (!active || active === document.body) return "end";
const describe = (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}`;
let shown = active;
if (active.getBoundingClientRect().width <= 1 && active.labels?.length) shown = active.labels[0];
const style = getComputedStyle(shown);
if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) {
  return `no focus outline on ${describe(active)}`;
}
function rgb(color) {
  const [r, g, b] = color.match(/[\d.]+/g).map(Number);
  return [r, g, b];
}
function luminance([r, g, b]) {
  const c = [r, g, b].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
// The outline is drawn outside the element, over its parent's background.
let around = [255, 255, 255];
for (let node = shown.parentElement; node; node = node.parentElement) {
  const color = getComputedStyle(node).backgroundColor;
  if (!color.startsWith("rgba") || !color.endsWith(", 0)")) {
    around = rgb(color);
    break;
  }
}
const [l1, l2] = [luminance(rgb(style.outlineColor)), luminance(around)].sort((a, b) => b - a);
const ratio = (l1 + 0.05) / (l2 + 0.05);
return ratio < 3 ? `focus outline contrast ${ratio.toFixed(2)} on ${describe(active)}` : null;
