// Plain words on an answer: "I read this as: …" (the spec from the catalog's display names) above it, and the one-sentence
// summary of its numbers leading it. Both come from the result object (understood, summary), made by the server's
// SpecDescriber and ResultSummarizer, so the CLI and the page say the same.

import { h } from "./dom.js";

/** "I read this as: completed story points per assignee, team Aurora, Oct–Dec 2015", or null when the result has none. */
export function understoodLine(result) {
  if (!result?.understood) return null;
  return h("p", { class: "understood", "data-plain": "understood" },
    h("span", { class: "understood-label", text: "I read this as:" }), " ", h("span", { class: "understood-text", text: result.understood }));
}

/** The summary sentence that leads the answer ("Nova had the most reopened issues: 9 …"), or null. */
export function summaryLine(result) {
  if (!result?.summary) return null;
  return h("p", { class: "summary", "data-plain": "summary", text: result.summary });
}

/** "2024-04-25T14:05:09Z" → "14:05" when it is today (UTC), else "2024-04-25 14:05". */
function clock(iso, today) {
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 16);
  return day === today ? time : `${day} ${time}`;
}

/**
 * How fresh the answer's data is, from the result's freshness (the newest analytics refresh, the tenant's last import and
 * last Jira sync): "Data as of 14:05, imported 13:40, synced from Jira 13:58 (UTC)"; null when the result has none.
 */
export function freshnessLine(result, now = new Date()) {
  const f = result?.freshness;
  if (!f) return null;
  const today = now.toISOString().slice(0, 10);
  const parts = [f.refreshed_at ? `Data as of ${clock(f.refreshed_at, today)}` : "Data not refreshed yet"];
  if (f.imported_at) parts.push(`imported ${clock(f.imported_at, today)}`);
  if (f.jira_synced_at) parts.push(`synced from Jira ${clock(f.jira_synced_at, today)}`);
  let text = `${parts.join(", ")} (UTC)`;
  if (f.pending_refresh) text += " — newer data is loaded but not refreshed yet";
  return h("p", { class: "freshness", "data-plain": "freshness", title: `data version ${f.data_version}`, text });
}
