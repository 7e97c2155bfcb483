// Health overview and alert list (issue 20): a panel of its own next to the chat. It adds its button to the header and
// its section to the page, so the chat's files stay as they are; it reads the same token and ?as_of= as the chat.
import { ApiError, call, storedToken } from "./api.js";
import { h } from "./dom.js";
import { formatValue, NO_VALUE } from "./format.js";

const POLL_MS = 60_000;
const asOf = new URLSearchParams(location.search).get("as_of");
const state = { open: false, team: "", lastSeenFiring: null, poll: null };


const svg = (tag, attributes = {}) => {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
};

function query(path, params = {}) {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
  if (asOf) search.set("as_of", asOf);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

// ---------- layout ----------

const toggle = h("button", { type: "button", id: "overview-toggle", class: "quiet", hidden: true, "aria-expanded": "false", "aria-controls": "overview-view" },
  h("span", { text: "Health & alerts" }), h("span", { class: "ov-count", id: "alert-count", hidden: true }));
const teamSelect = h("select", { id: "overview-team", "aria-label": "Team" }, h("option", { value: "", text: "All teams" }));
const cards = h("div", { id: "overview-cards", class: "ov-cards", "aria-live": "polite" });
const firings = h("ol", { id: "alert-list", class: "ov-alerts" });
const rules = h("ul", { id: "alert-rules", class: "ov-rules" });
const status = h("p", { id: "overview-status", class: "hint", role: "status" });
const panel = h("section", { id: "overview-view", class: "ov-panel", hidden: true, "aria-labelledby": "overview-heading" },
  h("div", { class: "ov-head" },
    h("h2", { id: "overview-heading", text: "Sprint health overview" }),
    h("label", { for: "overview-team", class: "visually-hidden", text: "Team" }), teamSelect,
    h("button", { type: "button", id: "overview-reload", class: "quiet", text: "Reload", onclick: () => load() }),
    h("button", { type: "button", id: "overview-close", class: "quiet", text: "Back to chat", onclick: () => show(false) })),
  h("p", { class: "hint", text: "Each team's latest closed sprint: value, change against the sprint before, the last sprints as a sparkline, and ⚠ where the value is 2σ or more from the team's own baseline." }),
  status, cards,
  h("section", { class: "ov-alerts-pane", "aria-labelledby": "alerts-heading" },
    h("h2", { id: "alerts-heading", text: "Alerts" }), firings,
    h("h3", { text: "Rules" }), rules));

function show(open) {
  state.open = open;
  panel.hidden = !open;
  document.getElementById("chat-view").hidden = open;
  toggle.setAttribute("aria-expanded", String(open));
  if (open) {
    load();
    document.getElementById("overview-heading").focus?.();
  } else {
    document.getElementById("question")?.focus();
  }
}

// the chat decides who is signed in: follow its sign-in view
function followSignIn() {
  const signedIn = document.getElementById("sign-in-view").hidden && !!storedToken();
  toggle.hidden = !signedIn;
  if (!signedIn) {
    if (state.open) {
      state.open = false;
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    }
    clearInterval(state.poll);
    state.poll = null;
  } else if (!state.poll) {
    loadAlerts();
    state.poll = setInterval(loadAlerts, POLL_MS);
  }
}

// ---------- overview ----------

function sparkline(points, unit) {
  const width = 96, height = 24, pad = 2;
  const values = points.map((p) => p.value).filter((v) => typeof v === "number");
  const box = svg("svg", { class: "ov-spark", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  box.setAttribute("aria-label", `last ${points.length}: ${points.map((p) => formatValue(p.value, { unit })).join(", ")}`);
  if (values.length === 0) return box;
  const min = Math.min(...values), max = Math.max(...values);
  const x = (i) => pad + (points.length === 1 ? (width - 2 * pad) / 2 : (i * (width - 2 * pad)) / (points.length - 1));
  const y = (v) => (max === min ? height / 2 : height - pad - ((v - min) * (height - 2 * pad)) / (max - min));
  // a missing value breaks the line: a gap, never 0
  let d = "", pen = false;
  points.forEach((p, i) => {
    if (typeof p.value !== "number") { pen = false; return; }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  });
  box.append(svg("path", { d: d.trim(), fill: "none", stroke: "currentColor", "stroke-width": "1.5" }));
  const last = points.length - 1;
  if (typeof points[last]?.value === "number") box.append(svg("circle", { cx: x(last), cy: y(points[last].value), r: 2.2, fill: "currentColor" }));
  return box;
}

function trendMark(value, unit) {
  const arrow = { up: "▲", down: "▼", flat: "▶" }[value.trend];
  if (!arrow) return h("span", { class: "ov-trend none", text: "" });
  const change = value.previous === null ? "" : ` from ${formatValue(value.previous, { unit })}`;
  return h("span", { class: `ov-trend ${value.assessment ?? "neutral"}`, title: `${value.trend}${change} (sprint before)`, text: arrow });
}

function cell(metric, value) {
  const zText = value.z === null ? null : `${value.z > 0 ? "+" : ""}${value.z.toFixed(1)}σ`;
  return h("td", { "data-team": value.team, "data-metric": metric.name, "data-anomaly": String(value.anomaly), class: value.anomaly ? "ov-anomaly" : null },
    h("div", { class: "ov-value" },
      h("strong", { text: formatValue(value.value, { unit: metric.unit }) }), " ", trendMark(value, metric.unit),
      value.anomaly ? h("span", { class: "ov-flag", title: `z = ${value.z} against ${value.team}'s previous closed sprints`, text: `⚠ ${zText}` }) : null),
    sparkline(value.spark, metric.unit),
    h("div", { class: "ov-sub", text: value.sprint ?? NO_VALUE }));
}

function card(c, teams) {
  const body = c.status === "ok"
    ? (c.metrics.length === 0
      ? h("p", { class: "hint", text: c.warnings.join(" ") || "Nothing to show." })
      : h("table", { class: "ov-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Metric" }), teams.map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, c.metrics.map((m) => h("tr", { "data-metric": m.name },
          h("th", { scope: "row", title: `v${m.version}; sparkline by ${m.sparkline}` , text: m.display_name }),
          m.teams.map((v) => cell(m, v)))))))
    : h("p", { class: "ov-error", role: "alert", text: c.error ?? "This card could not be computed." });
  return h("section", { class: `ov-card ${c.status}`, "data-provider": c.provider, "data-status": c.status, "aria-labelledby": `ov-${c.provider}` },
    h("h3", { id: `ov-${c.provider}`, text: c.title }), body);
}

async function load() {
  status.textContent = "Loading…";
  try {
    const overview = await call("GET", query("/api/v1/overview", { team: state.team }));
    if (teamSelect.options.length === 1 && !state.team) {
      for (const team of overview.teams) teamSelect.append(h("option", { value: team, text: team }));
    }
    cards.replaceChildren(...overview.cards.map((c) => card(c, overview.teams)));
    const failed = overview.cards.filter((c) => c.status !== "ok").length;
    status.textContent = `As of ${overview.as_of.slice(0, 10)} · ${overview.teams.length} team(s) · ${Math.round(overview.elapsed_ms)} ms`
      + (failed ? ` · ${failed} card(s) could not be computed` : "");
    cards.setAttribute("data-loaded", "true");
  } catch (e) {
    status.textContent = e instanceof ApiError ? e.message : "The overview could not be loaded.";
  }
  loadAlerts();
}

// ---------- alerts ----------

function firingItem(f) {
  const metric = f.detail?.metric ?? {};
  const delivery = { delivered: "delivered", failed: "webhook failed", no_webhook: "chat only", pending: "sending…", delivering: "sending…" }[f.delivery_state] ?? f.delivery_state;
  return h("li", { class: `ov-firing ${f.delivery_state}`, "data-firing-id": f.id },
    h("strong", { text: f.rule_name }), " — ",
    h("span", { text: `${f.team}, ${f.sprint}: ${formatValue(f.value, { unit: metric.unit })}` }),
    f.z === null ? null : h("span", { class: "ov-sub", text: ` (z ${f.z.toFixed(1)})` }),
    h("span", { class: "ov-sub", text: ` · ${new Date(f.fired_at).toLocaleString()} · ${delivery}${f.attempts > 1 ? ` after ${f.attempts} attempts` : ""}` }));
}

async function loadAlerts() {
  if (!storedToken()) return;
  try {
    const [list, ruleList] = await Promise.all([call("GET", "/api/v1/alerts/firings?limit=20"), call("GET", "/api/v1/alerts")]);
    firings.replaceChildren(...(list.length ? list.map(firingItem) : [h("li", { class: "hint", text: "Nothing has fired yet." })]));
    rules.replaceChildren(...(ruleList.length
      ? ruleList.map((r) => h("li", { "data-rule-id": r.id, class: r.enabled ? null : "off" }, h("strong", { text: r.name }), ` — ${r.description}${r.enabled ? "" : " (off)"}`))
      : [h("li", { class: "hint", text: "No rules. An admin adds them (API /api/v1/alerts or spiral alerts add)." })]));
    const count = document.getElementById("alert-count");
    const fresh = list.filter((f) => state.lastSeenFiring === null || f.fired_at > state.lastSeenFiring).length;
    count.hidden = list.length === 0;
    count.textContent = String(state.open ? list.length : fresh || list.length);
    if (state.open && list.length) state.lastSeenFiring = list[0].fired_at;
  } catch {
    // the overview's own status line reports API problems; the list keeps what it showed
  }
}

function start() {
  document.head.append(h("link", { rel: "stylesheet", href: "watch.css" }));
  document.querySelector("header.top").insertBefore(toggle, document.getElementById("sign-out"));
  document.getElementById("chat-view").after(panel);
  toggle.addEventListener("click", () => show(!state.open));
  teamSelect.addEventListener("change", () => { state.team = teamSelect.value; load(); });
  new MutationObserver(followSignIn).observe(document.getElementById("sign-in-view"), { attributes: true, attributeFilter: ["hidden"] });
  followSignIn();
}

start();
