// A small SVG chart of a result object: a line chart when the rows run over sprints/weeks/months/quarters (a trend),
// bars otherwise (a comparison). NULL values leave a gap in a line and an empty, marked slot among bars.

import { TIME_DIMENSIONS, dimensionWords } from "./spec.js";
import { anomalyOf, columnRole, columnTitle, formatTick, formatValue, NO_VALUE, unitWords } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 760;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 20, bottom: 64, left: 64 };
const MAX_BARS = 40;
const PALETTE = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
let chartCount = 0;

function el(name, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  return node;
}

function titled(node, text) {
  node.appendChild(el("title", {}, text));
  return node;
}

function niceStep(span) {
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function scale(values, margin) {
  const present = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  let min = Math.min(0, ...present);
  let max = Math.max(0, ...present);
  if (max === min) max = min + 1;
  const step = niceStep(max - min);
  min = Math.floor(min / step) * step;
  max = Math.ceil(max / step) * step;
  const ticks = [];
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  const plotHeight = HEIGHT - margin.top - margin.bottom;
  return { min, max, ticks, y: (v) => margin.top + plotHeight * (1 - (v - min) / (max - min)) };
}

/** Which series the chart draws and over which categories; null when nothing can be drawn. */
export function chartModel(result, displayNames = {}) {
  const columns = result?.columns ?? [];
  const rows = result?.rows ?? [];
  const dimensions = columns.filter((c) => c.kind === "dimension");
  const metrics = columns.filter((c) => c.kind === "metric" && columnRole(c.name).role === "value");
  if (!rows.length || !metrics.length) return null;

  // "sprint_key" beside "sprint" identifies a sprint (names repeat across teams): not a series, only a tie-breaker.
  const names = new Set(dimensions.map((d) => d.name));
  const keyOf = new Map(dimensions.filter((d) => d.name.endsWith("_key") && names.has(d.name.slice(0, -4))).map((d) => [d.name.slice(0, -4), d]));
  const shownDimensions = dimensions.filter((d) => !(d.name.endsWith("_key") && names.has(d.name.slice(0, -4))));
  const primary = metrics[0];
  const sameUnit = metrics.filter((m) => (m.unit ?? null) === (primary.unit ?? null));
  const timeDimension = shownDimensions.find((d) => TIME_DIMENSIONS.has(d.name));
  const label = (row, dims) => dims.map((d) => (row[d.name] === null || row[d.name] === undefined ? NO_VALUE : String(row[d.name]))).join(" · ");
  const notes = [];
  if (sameUnit.length < metrics.length) {
    notes.push(`The chart shows ${columnTitle(primary, displayNames)}; the table has every metric.`);
  }

  if (timeDimension) {
    const others = shownDimensions.filter((d) => d !== timeDimension);
    const seriesMetrics = others.length ? [primary] : sameUnit;
    const categories = [];
    const series = new Map();
    const key = keyOf.get(timeDimension.name);
    const repeated = new Set();
    if (key && !others.length) {
      const seen = new Set();
      for (const row of rows) {
        const x = label(row, [timeDimension]);
        if (seen.has(x)) repeated.add(x);
        seen.add(x);
      }
    }
    for (const row of rows) {
      let x = label(row, [timeDimension]);
      if (repeated.has(x) && row[key.name] !== null && row[key.name] !== undefined) x = `${x} (${row[key.name]})`;
      for (const metric of seriesMetrics) {
        const key = others.length ? label(row, others) : columnTitle(metric, displayNames);
        if (!series.has(key)) series.set(key, { name: key, points: new Map(), marks: new Map() });
        const { points, marks } = series.get(key);
        // A name may repeat inside one series (two sprints called "Sprint 5"): keep both, in row order.
        let slot = x;
        for (let k = 2; points.has(slot); k++) slot = `${x} (${k})`;
        if (!categories.includes(slot)) categories.push(slot);
        points.set(slot, row[metric.name] ?? null);
        marks.set(slot, anomalyOf(row, metric, columns));
      }
    }
    return {
      kind: "line", categories, unit: primary.unit ?? null, notes,
      xTitle: dimensionWords(timeDimension.name),
      yTitle: others.length ? columnTitle(primary, displayNames) : seriesMetrics.map((m) => columnTitle(m, displayNames)).join(", "),
      series: [...series.values()].map((s) => ({
        name: s.name,
        values: categories.map((c) => (s.points.has(c) ? s.points.get(c) : null)),
        anomalies: categories.map((c) => s.marks.get(c) ?? null),
      })),
    };
  }

  let shown = rows;
  if (rows.length > MAX_BARS) {
    shown = rows.slice(0, MAX_BARS);
    notes.push(`The chart shows the first ${MAX_BARS} of ${rows.length} rows; the table has them all.`);
  }
  const previous = columns.find((c) => c.name === `${primary.name}__previous`);
  const barMetrics = sameUnit.length > 1 ? sameUnit : previous ? [primary, previous] : [primary];
  return {
    kind: "bar", unit: primary.unit ?? null, notes,
    categories: shown.map((row) => (dimensions.length ? label(row, dimensions) : "All")),
    xTitle: shownDimensions.length ? shownDimensions.map((d) => dimensionWords(d.name)).join(" · ") : "",
    yTitle: barMetrics.length === 1 ? columnTitle(primary, displayNames) : unitWords(primary.unit),
    series: barMetrics.map((m) => ({
      name: columnTitle(m, displayNames),
      values: shown.map((row) => row[m.name] ?? null),
      anomalies: shown.map((row) => anomalyOf(row, m, columns)),
    })),
  };
}

/** The chart as a <figure> (svg + legend + notes), or null when the result has nothing to draw. */
export function renderChart(result, displayNames = {}) {
  const model = chartModel(result, displayNames);
  if (!model) return null;
  const id = `chart-${++chartCount}`;
  const column = { name: "value", unit: model.unit };
  const all = model.series.flatMap((s) => s.values);
  const missing = all.filter((v) => v === null).length;
  const n = model.categories.length;

  // Category labels: thinned out when crowded, slanted when long; the margins make room for slanted ones.
  const shortened = model.categories.map((c) => (c.length > 22 ? `${c.slice(0, 21)}…` : c));
  const longest = Math.max(...shortened.map((c) => c.length));
  const textWidth = longest * 6.8;
  let band = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(n, 1);
  const every = Math.max(1, Math.ceil(n / Math.floor((WIDTH - MARGIN.left - MARGIN.right) / (longest > 10 ? 26 : 44))));
  const slant = textWidth > band * every;
  const margin = { ...MARGIN };
  if (slant) {
    margin.bottom = Math.max(MARGIN.bottom, Math.ceil(28 + textWidth * 0.5));
    margin.left = Math.max(MARGIN.left, Math.ceil(textWidth * 0.87 - band / 2 + 8));
  }
  const plotWidth = WIDTH - margin.left - margin.right;
  band = plotWidth / Math.max(n, 1);
  const { ticks, y, min } = scale(all, margin);
  const baseY = y(Math.max(0, min));

  const svg = el("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", class: `chart chart-${model.kind}`,
    "aria-labelledby": `${id}-title ${id}-desc`, "data-kind": model.kind, preserveAspectRatio: "xMidYMid meet",
  });
  const kindWords = model.kind === "line" ? "Line chart" : "Bar chart";
  svg.appendChild(el("title", { id: `${id}-title` }, `${kindWords}: ${model.yTitle}${model.xTitle ? ` by ${model.xTitle}` : ""}`));
  svg.appendChild(el("desc", { id: `${id}-desc` },
    `${model.series.length} series over ${n} ${model.xTitle || "values"}${missing ? `; ${missing} without a value` : ""}. The table has the numbers.`));

  const grid = el("g", { class: "grid", "aria-hidden": "true" });
  for (const t of ticks) {
    const ty = y(t);
    grid.appendChild(el("line", { x1: margin.left, x2: WIDTH - margin.right, y1: ty, y2: ty, class: t === 0 ? "zero" : "" }));
    grid.appendChild(el("text", { x: margin.left - 8, y: ty + 4, "text-anchor": "end", class: "tick" }, formatTick(t, model.unit)));
  }
  svg.appendChild(grid);

  const cx = (i) => margin.left + band * (i + 0.5);
  const xLabels = el("g", { class: "x-labels", "aria-hidden": "true" });
  shortened.forEach((text, i) => {
    if (i % every !== 0) return;
    const x = cx(i);
    const ty = HEIGHT - margin.bottom + 16;
    xLabels.appendChild(slant
      ? el("text", { x, y: ty, "text-anchor": "end", transform: `rotate(-30 ${x} ${ty})`, class: "tick" }, text)
      : el("text", { x, y: ty, "text-anchor": "middle", class: "tick" }, text));
  });
  svg.appendChild(xLabels);

  if (model.kind === "line") {
    model.series.forEach((s, k) => {
      const color = PALETTE[k % PALETTE.length];
      const g = el("g", { class: "series", "data-series": s.name });
      let path = "";
      let open = false;
      s.values.forEach((v, i) => {
        if (v === null) {
          open = false;
          return;
        }
        path += `${open ? "L" : "M"}${cx(i).toFixed(1)},${y(v).toFixed(1)}`;
        open = true;
      });
      g.appendChild(el("path", { d: path, fill: "none", stroke: color, "stroke-width": 2.5, "stroke-linejoin": "round" }));
      s.values.forEach((v, i) => {
        if (v === null) return;
        const anomaly = s.anomalies?.[i];
        const text = `${s.name}, ${model.categories[i]}: ${formatValue(v, column)}${anomaly ? ` (${anomaly.text})` : ""}`;
        if (anomaly?.flagged) {
          // a flagged point: a ring around it, and the baseline in its tooltip
          g.appendChild(titled(el("circle", { cx: cx(i), cy: y(v), r: 8, fill: "none", stroke: "#dc2626", "stroke-width": 2, class: "anomaly-point" }), text));
        }
        g.appendChild(titled(el("circle", { cx: cx(i), cy: y(v), r: 3.5, fill: color, class: "point" }), text));
      });
      svg.appendChild(g);
    });
  } else {
    const inner = band * 0.8;
    const width = inner / model.series.length;
    model.series.forEach((s, k) => {
      const color = PALETTE[k % PALETTE.length];
      const g = el("g", { class: "series", "data-series": s.name });
      s.values.forEach((v, i) => {
        const x = margin.left + band * i + (band - inner) / 2 + width * k;
        const anomaly = s.anomalies?.[i];
        const name = `${s.name}, ${model.categories[i]}: ${formatValue(v, column)}${anomaly ? ` (${anomaly.text})` : ""}`;
        if (v === null) {
          g.appendChild(titled(el("text", { x: x + width / 2, y: baseY - 4, "text-anchor": "middle", class: "no-value" }, NO_VALUE), name));
          return;
        }
        const top = Math.min(y(v), baseY);
        g.appendChild(titled(el("rect", {
          x: x + 1, y: top, width: Math.max(width - 2, 1), height: Math.max(Math.abs(baseY - y(v)), 1), fill: color,
          class: anomaly?.flagged ? "bar anomaly-bar" : "bar",
        }), name));
      });
      svg.appendChild(g);
    });
  }

  svg.appendChild(el("line", { x1: margin.left, x2: margin.left, y1: margin.top, y2: HEIGHT - margin.bottom, class: "axis", "aria-hidden": "true" }));

  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  figure.appendChild(svg);
  const caption = document.createElement("figcaption");
  if (model.series.length > 1) {
    const legend = document.createElement("ul");
    legend.className = "legend";
    model.series.forEach((s, k) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = `swatch swatch-${k % PALETTE.length}`;
      swatch.setAttribute("aria-hidden", "true");
      item.append(swatch, s.name);
      legend.appendChild(item);
    });
    caption.appendChild(legend);
  }
  const notes = [...model.notes];
  const flagged = model.series.reduce((n, s) => n + (s.anomalies ?? []).filter((a) => a?.flagged).length, 0);
  if (flagged) notes.push(`${model.kind === "line" ? "A red ring" : "A red outline"} marks ${flagged === 1 ? "a value" : `${flagged} values`} 2σ or more from the team's own baseline (hover for it).`);
  if (missing) notes.push(`${NO_VALUE} marks ${missing === 1 ? "a value" : "values"} the data cannot give (no value, e.g. nothing committed).`);
  for (const note of notes) {
    const p = document.createElement("p");
    p.className = "chart-note";
    p.textContent = note;
    caption.appendChild(p);
  }
  if (caption.childNodes.length) figure.appendChild(caption);
  return { figure, kind: model.kind };
}
