// Numbers and column titles for the table and the chart. NULL is shown as an em dash, never as 0.

const UNIT_SUFFIX = { points: " pts", issues: "", days: " d", hours: " h", comments: "", sigma: " σ" };

export const NO_VALUE = "—";

/** How a compare column relates to its metric: m__previous, m__delta, m__change. */
export function columnRole(name) {
  const match = /^(.*)__(previous|delta|change)$/.exec(name);
  return match ? { metric: match[1], role: match[2] } : { metric: name, role: "value" };
}

function number(value, digits) {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A value of a column for reading: ratios as percentages, days/hours/points with their unit. */
export function formatValue(value, column) {
  if (value === null || value === undefined) return NO_VALUE;
  if (typeof value !== "number") return String(value);
  const { role } = columnRole(column?.name ?? "");
  const unit = column?.unit ?? null;
  if (role === "change") return `${value > 0 ? "+" : ""}${number(value * 100, 1)}%`;
  const sign = role === "delta" && value > 0 ? "+" : "";
  if (unit === "ratio") return `${sign}${number(value * 100, 1)}${role === "delta" ? " pp" : "%"}`;
  const digits = Number.isInteger(value) ? 0 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${sign}${number(value, digits)}${UNIT_SUFFIX[unit] ?? ""}`;
}

/** A short axis label for a value of a unit (ticks). */
export function formatTick(value, unit) {
  if (unit === "ratio") return `${number(value * 100, 0)}%`;
  return number(value, Math.abs(value) < 10 && !Number.isInteger(value) ? 1 : 0);
}

/** A column's heading: the metric's display name when known, otherwise its name in words; compare columns say which. */
export function columnTitle(column, displayNames = {}) {
  const { metric, role } = columnRole(column.name);
  const base = displayNames[metric] ?? metric.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  switch (role) {
    case "previous": return `${base} (previous)`;
    case "delta": return `${base} (change)`;
    case "change": return `${base} (change %)`;
    default: return base;
  }
}

export function unitWords(unit) {
  return { ratio: "percent", points: "story points", issues: "issues", days: "days", hours: "hours", comments: "comments", sigma: "σ" }[unit] ?? unit ?? "";
}

/** Columns that annotate a metric rather than being one: its z-score, baseline and anomaly flag (m__z, m__baseline, m__anomaly). */
export const ANNOTATION_KINDS = new Set(["zscore", "baseline", "flag"]);

/**
 * The anomaly annotation of a metric in a row, when the answer carries one (sprint-grain rows): the z-score against the
 * team's previous 6 closed sprints, their mean, whether |z| ≥ 2, and a sentence for a tooltip. Null otherwise.
 */
export function anomalyOf(row, metricColumn, columns) {
  const name = metricColumn?.name;
  if (!name || !columns.some((c) => c.name === `${name}__z`)) return null;
  const z = row[`${name}__z`];
  const baseline = row[`${name}__baseline`];
  const flagged = row[`${name}__anomaly`] === true;
  if ((z === null || z === undefined) && (baseline === null || baseline === undefined)) return null;
  const zText = typeof z === "number" ? `z ${z > 0 ? "+" : ""}${number(z, 1)}` : "no z-score (too few earlier sprints)";
  const baselineText = typeof baseline === "number" ? `baseline ${formatValue(baseline, metricColumn)} (mean of the team's previous 6 closed sprints)` : "no baseline";
  return { z, baseline, flagged, text: `${flagged ? "Unusual: " : ""}${zText}; ${baselineText}` };
}
