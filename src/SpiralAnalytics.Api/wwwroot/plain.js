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
