// AnalyticsSpec (ANALYTICS-SPEC.md) in words: chips for metric, grouping, filters, time window and the rest.

const DIMENSIONS = {
  team: "team", sprint: "sprint", assignee: "assignee", issue_type: "issue type", priority: "priority",
  epic: "epic", week: "week", month: "month", quarter: "quarter",
};

/** Dimensions whose values run in time order: a result grouped by one of them is a trend. */
export const TIME_DIMENSIONS = new Set(["sprint", "week", "month", "quarter"]);

const OPS = { eq: "is", neq: "is not", in: "is", not_in: "is not" };
const COMPARE_OPS = { gt: ">", gte: "≥", lt: "<", lte: "≤", eq: "=" };

export function dimensionWords(name) {
  return DIMENSIONS[name] ?? String(name).replace(/_/g, " ");
}

/** "spillover_ratio@1.0.0" → { name, version } */
export function metricRef(ref) {
  const at = String(ref).indexOf("@");
  return at < 0 ? { name: String(ref), version: null } : { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

function plural(n, one, many = `${one}s`) {
  return n === 1 ? one : `${n} ${many}`;
}

function listWords(values) {
  const quoted = values.map((v) => String(v));
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

/** The time window in words; absent time means the default window. */
export function timeWords(time) {
  if (!time) return "last 6 closed sprints per team (default)";
  switch (time.type) {
    case "last_sprints":
      return time.n === 1 ? "last closed sprint" : `last ${time.n} closed sprints`;
    case "current_sprint":
      return "current sprint";
    case "period": {
      const unit = time.unit ?? "period";
      const offset = time.offset ?? 0;
      if (offset === 0) return `this ${unit}`;
      if (offset === -1) return `last ${unit}`;
      if (offset < 0) return `${plural(-offset, unit)} ago`;
      return `${plural(offset, unit)} ahead`;
    }
    case "rolling":
      return time.n === 1 ? `past ${time.unit}` : `past ${time.n} ${time.unit}s`;
    case "between":
      return `${time.from} to ${time.to}`;
    case "all":
      return "all time";
    default:
      return JSON.stringify(time);
  }
}

/**
 * The chips of a spec: [{ kind, label, text }]. Metric chips carry the metric name so the page can put the catalog's
 * display name and the version used on them; thresholds and sorts name metrics by their display names when given.
 */
export function specChips(spec, metricVersions = {}, displayNames = {}) {
  const metricWords = (name) => displayNames[name] ?? name;
  const chips = [];
  for (const ref of spec?.metrics ?? []) {
    const { name, version } = metricRef(ref);
    chips.push({ kind: "metric", label: "Metric", text: name, metric: name, version: version ?? metricVersions[name] ?? null });
  }
  const groups = spec?.group_by ?? [];
  chips.push({ kind: "group", label: "By", text: groups.length ? groups.map(dimensionWords).join(", ") : "whole scope (no grouping)" });
  for (const f of spec?.filters ?? []) {
    chips.push({ kind: "filter", label: "Filter", text: `${dimensionWords(f.dimension)} ${OPS[f.op] ?? f.op} ${listWords(f.values ?? [])}` });
  }
  chips.push({ kind: "time", label: "Time", text: timeWords(spec?.time) });
  if (spec?.compare) chips.push({ kind: "compare", label: "Compare", text: "with the previous period" });
  for (const h of spec?.having ?? []) {
    chips.push({ kind: "having", label: "Only", text: `${metricWords(h.metric)} ${COMPARE_OPS[h.op] ?? h.op} ${h.value}` });
  }
  for (const s of spec?.sort ?? []) {
    chips.push({ kind: "sort", label: "Sort", text: `${metricWords(s.by)}, ${s.dir === "asc" ? "lowest first" : "highest first"}` });
  }
  if (spec?.limit) chips.push({ kind: "limit", label: "Top", text: String(spec.limit) });
  return chips;
}
