// The catalog screen (tenant admins): the tenant's own metrics with their latest value and a sparkline, a metric's
// versions, a YAML editor whose validation messages appear in place, preview, save, activate, archive, delete a draft.

import { ApiError, catalogApi } from "./api.js";
import { h } from "./dom.js";
import { formatValue } from "./format.js";

const $ = (id) => document.getElementById(id);

const NEW_METRIC = `name: my_metric
display_name: My metric
category: quality
description: What the metric counts, in words a team lead understands.
type: aggregate
aggregate: count
measure: completed_issues
where: { issue_type: [Bug] }
unit: issues
direction: higher_is_better
grain: sprint
time_column: sprint_close_at
dimensions: [team, sprint]
synonyms: [my metric one, my metric two, my metric three]
version: 1.0.0
status: draft
`;

const state = { selected: null, asOf: null };


const SVG = "http://www.w3.org/2000/svg";

/** A small line of the latest values (oldest first); gaps where a value is missing. */
function sparkline(points) {
  const values = points.map((p) => (typeof p.value === "number" ? p.value : null));
  const known = values.filter((v) => v !== null);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("viewBox", "0 0 100 24");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", known.length ? `last ${values.length} values, from ${formatValue(known[0])} to ${formatValue(known[known.length - 1])}` : "no values yet");
  if (known.length < 2) return svg;
  const min = Math.min(...known);
  const max = Math.max(...known);
  const span = max - min || 1;
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    const x = (i / (values.length - 1)) * 98 + 1;
    const y = 22 - ((v - min) / span) * 20;
    d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)} `;
    pen = true;
  });
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d.trim());
  svg.append(path);
  return svg;
}

function latest(points) {
  for (let i = points.length - 1; i >= 0; i--) if (typeof points[i].value === "number") return points[i];
  return null;
}

function message(text, kind = "error") {
  const node = $("catalog-message");
  node.textContent = text;
  node.dataset.kind = kind;
}

function errorText(e) {
  return e instanceof ApiError ? e.message : `Something went wrong: ${e.message}`;
}

// ---------- list ----------

export async function loadCatalog() {
  message("");
  let metrics;
  try {
    metrics = await catalogApi.list();
  } catch (e) {
    message(errorText(e));
    return;
  }
  const rows = metrics.map((m) => {
    const last = latest(m.values ?? []);
    const run = m.last_run;
    return h("tr", { "data-metric": m.name, class: state.selected === m.name ? "selected" : null },
      h("th", { scope: "row" }, h("button", { type: "button", class: "link", text: m.display_name, onclick: () => openMetric(m.name) }),
        h("div", { class: "hint", text: m.name })),
      h("td", {}, h("span", { class: `status status-${m.status}`, "data-status": m.status, text: m.status })),
      h("td", { text: m.version }),
      h("td", { class: "latest", "data-latest": last ? String(last.value) : "" }, last ? `${formatValue(last.value, { name: m.name, unit: m.unit })} ` : "—",
        last ? h("span", { class: "hint", text: last.label }) : null),
      h("td", {}, sparkline(m.values ?? [])),
      h("td", { class: run?.status === "failed" ? "bad" : null, title: run?.error ?? "" }, run ? run.status : "not computed yet"));
  });
  $("catalog-rows").replaceChildren(...rows);
  $("catalog-empty").hidden = metrics.length > 0;
}

// ---------- detail and editor ----------

async function openMetric(name) {
  state.selected = name;
  $("catalog-editor-title").textContent = `Edit ${name}`;
  $("catalog-editor").dataset.name = name;
  clearProblems();
  $("catalog-preview").replaceChildren();
  try {
    const [text, versions] = await Promise.all([catalogApi.yaml(name), catalogApi.versions(name)]);
    $("catalog-yaml").value = text;
    $("catalog-versions").replaceChildren(...versions.map((v) =>
      h("li", { "data-version": v.version }, `${v.version}${v.is_current ? " (current)" : ""} — ${v.created_at.slice(0, 10)}`)));
    for (const button of ["catalog-activate", "catalog-archive", "catalog-delete", "catalog-preview-button"]) $(button).disabled = false;
  } catch (e) {
    message(errorText(e));
  }
  for (const row of $("catalog-rows").children) row.classList.toggle("selected", row.dataset.metric === name);
}

function newMetric() {
  state.selected = null;
  $("catalog-editor-title").textContent = "New metric";
  delete $("catalog-editor").dataset.name;
  $("catalog-yaml").value = NEW_METRIC;
  $("catalog-versions").replaceChildren();
  $("catalog-preview").replaceChildren();
  clearProblems();
  for (const button of ["catalog-activate", "catalog-archive", "catalog-delete", "catalog-preview-button"]) $(button).disabled = true;
  $("catalog-yaml").focus();
}

function clearProblems() {
  $("catalog-problems").replaceChildren();
  $("catalog-yaml").removeAttribute("aria-invalid");
  $("catalog-gutter").replaceChildren();
}

/** Shows each problem beside its line: a marker in the gutter and the message below the editor. */
function showProblems(problems) {
  clearProblems();
  if (!problems.length) return;
  $("catalog-yaml").setAttribute("aria-invalid", "true");
  const lines = $("catalog-yaml").value.split("\n").length;
  const marked = new Set(problems.map((p) => p.line).filter((l) => typeof l === "number"));
  $("catalog-gutter").replaceChildren(...Array.from({ length: lines }, (_, i) =>
    h("div", { class: marked.has(i + 1) ? "gutter-line bad" : "gutter-line", text: marked.has(i + 1) ? `${i + 1} ●` : String(i + 1) })));
  $("catalog-problems").replaceChildren(...problems.map((p) =>
    h("li", { "data-line": p.line ?? "", "data-field": p.field ?? "" },
      h("button", { type: "button", class: "link", text: `line ${p.line ?? "?"}`, onclick: () => goToLine(p.line) }),
      `: ${p.field ? `${p.field}: ` : ""}${p.message}`)));
}

function goToLine(line) {
  const editor = $("catalog-yaml");
  const lines = editor.value.split("\n");
  const start = lines.slice(0, Math.max(0, (line ?? 1) - 1)).reduce((n, l) => n + l.length + 1, 0);
  editor.focus();
  editor.setSelectionRange(start, start + (lines[(line ?? 1) - 1]?.length ?? 0));
}

async function validate() {
  message("");
  try {
    const result = await catalogApi.validate($("catalog-yaml").value);
    showProblems(result.errors ?? []);
    message(result.valid ? "The definition is valid." : `${result.errors.length} problem(s): nothing was stored.`, result.valid ? "ok" : "error");
    return result.valid;
  } catch (e) {
    showProblems(e.problem?.errors?.filter((p) => typeof p === "object") ?? []);
    message(errorText(e));
    return false;
  }
}

async function save() {
  message("");
  const text = $("catalog-yaml").value;
  const name = $("catalog-editor").dataset.name;
  try {
    const edit = name ? await catalogApi.update(name, text) : await catalogApi.create(text);
    clearProblems();
    message(`Saved ${edit.metric.name} ${edit.version} (${edit.action.replace("_", " ")}, ${edit.metric.status}).`, "ok");
    await loadCatalog();
    await openMetric(edit.metric.name);
  } catch (e) {
    showProblems(e.problem?.errors?.filter((p) => typeof p === "object") ?? []);
    message(errorText(e));
  }
}

async function preview() {
  const name = $("catalog-editor").dataset.name;
  if (!name) return;
  message("");
  try {
    const result = await catalogApi.preview(name, state.asOf);
    const columns = result.columns.filter((c) => c.name !== "sprint_key");
    $("catalog-preview").replaceChildren(
      h("caption", { text: `Preview of ${name}: last 8 sprints per team (nothing stored)` }),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c.name })))),
      h("tbody", {}, result.rows.map((row) => h("tr", {}, columns.map((c) =>
        h("td", { text: c.kind === "metric" ? formatValue(row[c.name], c) : String(row[c.name] ?? "—") }))))));
  } catch (e) {
    message(errorText(e));
  }
}

async function lifecycle(action) {
  const name = $("catalog-editor").dataset.name;
  if (!name) return;
  message("");
  try {
    if (action === "activate") await catalogApi.activate(name);
    if (action === "archive") await catalogApi.archive(name, $("catalog-replaced-by").value.trim() || null);
    if (action === "delete") {
      await catalogApi.remove(name);
      newMetric();
    }
    message(`${name}: ${action === "delete" ? "deleted" : action === "activate" ? "active" : "archived"}.`, "ok");
    await loadCatalog();
    if (action !== "delete") await openMetric(name);
  } catch (e) {
    message(errorText(e));
  }
}

export function startCatalog(asOf) {
  state.asOf = asOf;
  $("catalog-new").addEventListener("click", newMetric);
  $("catalog-validate").addEventListener("click", validate);
  $("catalog-save").addEventListener("click", save);
  $("catalog-preview-button").addEventListener("click", preview);
  $("catalog-activate").addEventListener("click", () => lifecycle("activate"));
  $("catalog-archive").addEventListener("click", () => lifecycle("archive"));
  $("catalog-delete").addEventListener("click", () => lifecycle("delete"));
  $("catalog-yaml").addEventListener("scroll", () => { $("catalog-gutter").scrollTop = $("catalog-yaml").scrollTop; });
  newMetric();
}
