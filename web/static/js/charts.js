// Small SVG charts for the analytics page, drawn at the width of their box (and redrawn
// when it changes) so their labels stay at a readable size. Each chart is an <svg
// role="img"> named by its <title> and <desc>; every bar also has a <title> (a tooltip
// on hover), and the page gives each chart a data table for screen readers.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
let ids = 0;

/** Creates an SVG element: s("rect", {x: 0, class: "bar"}, s("title", {}, "text")). */
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The <svg role="img"> frame, named by `title` and described by `description`. */
function frame(width, height, title, description) {
  ids += 1;
  const titleId = `chart-title-${ids}`;
  const descId = `chart-desc-${ids}`;
  return s("svg", {
    width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-labelledby": titleId, "aria-describedby": description ? descId : null,
  },
  s("title", { id: titleId }, title),
  description ? s("desc", { id: descId }, description) : null);
}

/** A rough width of `text` at 12px, for laying out labels before they are drawn. */
function textWidth(text) {
  return String(text).length * 7;
}

/** 0 and about `count` round steps (1, 2 or 5 × 10ⁿ, whole numbers) up to at least `max`. */
export function niceTicks(max, count = 4) {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((m) => m >= rough));
  const ticks = [];
  for (let t = 0; t < max + step; t += step) ticks.push(t);
  return ticks;
}

/**
 * Horizontal stacked bars, one row per category.
 * - rows: [{label, values: [number per series], note?}] (note: the tooltip's extra line);
 * - series: [{name, class}] (class colours the segments, see app.css);
 * - format(value): how values are written (the total at the end of each bar);
 * - title, description: the chart's accessible name and summary.
 */
export function barChart({ rows, series, format = String, title, description }, width) {
  const rowHeight = 30;
  const barHeight = 18;
  const top = 4;
  const labelWidth = Math.min(width * 0.4, Math.max(...rows.map((r) => textWidth(r.label))) + 12);
  const totals = rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const valueWidth = Math.max(...totals.map((t) => textWidth(format(t)))) + 10;
  const plot = Math.max(40, width - labelWidth - valueWidth);
  const max = Math.max(...totals, 1);
  const height = top + rows.length * rowHeight + 4;
  const svg = frame(width, height, title, description);

  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const g = s("g", { class: "row" });
    g.append(s("text", { x: labelWidth - 8, y: y + rowHeight / 2, "text-anchor": "end", "dominant-baseline": "central" }, row.label));
    let x = labelWidth;
    row.values.forEach((value, j) => {
      const w = (value / max) * plot;
      if (w <= 0) return;
      g.append(s("rect", {
        x, y: y + (rowHeight - barHeight) / 2, width: Math.max(w, 1.5), height: barHeight, class: `bar ${series[j].class}`,
      }, s("title", {}, `${row.label}, ${series[j].name}: ${format(value)}`)));
      x += w;
    });
    g.append(s("text", { x: x + 6, y: y + rowHeight / 2, "dominant-baseline": "central", class: "value" }, format(totals[i])));
    svg.append(g);
  });
  svg.append(s("line", { x1: labelWidth, x2: labelWidth, y1: top, y2: height - 4, class: "axis" }));
  return svg;
}

/**
 * Vertical columns over time, one per point, with a value axis and date labels spaced
 * so they never overlap (the last point is always labelled).
 * - points: [{label (short, under the axis), tooltip, value}];
 * - unit: [singular, plural] of the value, for the axis' accessible text;
 * - title, description: the chart's accessible name and summary.
 */
export function columnChart({ points, title, description, unit = ["", ""] }, width) {
  const height = 220;
  const ticks = niceTicks(Math.max(...points.map((p) => p.value)));
  const top = 10;
  const bottom = 26;
  const left = Math.max(...ticks.map((t) => textWidth(t.toLocaleString()))) + 14;
  const labelWidth = Math.max(...points.map((p) => textWidth(p.label))) + 8;
  const right = Math.max(8, labelWidth / 2 - 4);
  const plotWidth = Math.max(40, width - left - right);
  const plotHeight = height - top - bottom;
  const max = ticks[ticks.length - 1];
  const slot = plotWidth / points.length;
  const gap = Math.min(4, slot * 0.25);
  const yOf = (v) => top + plotHeight - (v / max) * plotHeight;
  const svg = frame(width, height, title, description);

  const axis = s("g", { class: "y-axis", "aria-hidden": "true" });
  for (const t of ticks) {
    const y = yOf(t);
    axis.append(s("line", { x1: left, x2: width - right, y1: y, y2: y, class: t === 0 ? "axis" : "grid" }));
    axis.append(s("text", { x: left - 6, y, "text-anchor": "end", "dominant-baseline": "central" }, t.toLocaleString()));
  }
  svg.append(axis);

  // One label every `every` columns, counted back from the last so "today" shows.
  const every = Math.max(1, Math.ceil(labelWidth / slot));
  points.forEach((point, i) => {
    const x = left + i * slot;
    const g = s("g", { class: "column" });
    const tip = s("title", {}, `${point.tooltip}: ${point.value.toLocaleString()} ${point.value === 1 ? unit[0] : unit[1]}`.trim());
    // A full-height target so even an empty day shows its tooltip.
    g.append(s("rect", { x, y: top, width: slot, height: plotHeight, class: "hit" }, tip));
    if (point.value > 0) {
      const y = yOf(point.value);
      g.append(s("rect", { x: x + gap / 2, y, width: Math.max(1, slot - gap), height: top + plotHeight - y, class: "bar" }, tip.cloneNode(true)));
    }
    if ((points.length - 1 - i) % every === 0) {
      g.append(s("line", { x1: x + slot / 2, x2: x + slot / 2, y1: top + plotHeight, y2: top + plotHeight + 4, class: "axis" }));
      g.append(s("text", { x: x + slot / 2, y: height - 6, "text-anchor": "middle" }, point.label));
    }
    svg.append(g);
  });
  return svg;
}

/**
 * Draws `draw(width)` into `box` now and again whenever the box's width changes.
 * Returns a function that stops following the width.
 */
export function responsive(box, draw) {
  let drawn = 0;
  let frameRequest = 0;
  const render = () => {
    frameRequest = 0;
    const width = Math.floor(box.clientWidth);
    if (width <= 0 || width === drawn) return;
    drawn = width;
    box.replaceChildren(draw(width));
  };
  render();
  const observer = new ResizeObserver(() => {
    if (!frameRequest) frameRequest = requestAnimationFrame(render);
  });
  observer.observe(box);
  return () => observer.disconnect();
}

/** A colour key: [{name, class}] as a list of swatches. */
export function legend(series) {
  return h("ul", { class: "chart-legend" },
    series.map((item) => h("li", {}, h("span", { class: `legend-key ${item.class}`, "aria-hidden": "true" }), item.name)));
}

/**
 * A data table, visually hidden unless `visible`: the text alternative of a chart.
 * columns: [{label, numeric?}]; rows: arrays of cell values (already formatted).
 */
export function dataTable({ caption, columns, rows, visible = false }) {
  const table = h("table", { class: "table chart-data" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : null }, c.label)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) =>
      i === 0
        ? h("th", { scope: "row" }, cell)
        : h("td", { class: columns[i].numeric ? "num" : null }, cell))))));
  // Tables ignore the 1px width of .visually-hidden, so a wrapper hides them.
  return visible ? table : h("div", { class: "visually-hidden" }, table);
}
