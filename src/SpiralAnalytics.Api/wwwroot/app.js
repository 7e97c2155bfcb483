// The chat page: sign in with a token, ask, follow the job's stages live, read the answer as chips, table and chart.

import { api, ApiError, FINAL_STATUSES, followJob, forgetToken, readClaims, storedToken, storeToken, whenUnauthorized } from "./api.js";
import { renderChart } from "./chart.js";
import { h } from "./dom.js";
import { ANNOTATION_KINDS, anomalyOf, columnRole, columnTitle, formatValue, NO_VALUE, unitWords } from "./format.js";
import { freshnessLine, summaryLine, understoodLine } from "./plain.js";
import { specChips } from "./spec.js";
import { loadCatalog, startCatalog } from "./catalog.js";
import { verifiedChip, verifyControl } from "./verified.js";

const $ = (id) => document.getElementById(id);

const STAGES = {
  sending: "Sending the question",
  queued: "Queued",
  translating: "Translating the question",
  validating: "Validating the spec",
  planning: "Planning the query",
  executing: "Running the query",
  completed: "Answered",
  clarification: "Needs a clarification",
  failed: "Failed",
  cancelled: "Cancelled",
};

const state = {
  conversationId: null,
  busy: false,
  // ?as_of=2024-04-25 pins the answers' reference time (demos, replays, tests).
  asOf: new URLSearchParams(location.search).get("as_of"),
  definitions: new Map(),
  running: null,
  role: null,
};


function announce(text) {
  const live = $("live");
  live.textContent = "";
  // A fresh text node after a tick is announced even when the text repeats.
  setTimeout(() => { live.textContent = text; }, 30);
}

// ---------- sign-in ----------

function showSignIn(message = "") {
  state.running?.abort();
  $("chat-view").hidden = true;
  $("catalog-view").hidden = true;
  $("show-catalog").hidden = true;
  $("show-chat").hidden = true;
  $("sign-out").hidden = true;
  $("who").hidden = true;
  $("sign-in-view").hidden = false;
  $("sign-in-message").textContent = message;
  $("token").value = "";
  $("token").focus();
}

function signOut(message) {
  forgetToken();
  state.conversationId = null;
  $("thread").replaceChildren();
  $("conversation-list").replaceChildren();
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  const message = $("sign-in-message");
  const claims = readClaims(token);
  if (!claims) {
    message.textContent = "That is not an access token: paste the whole JWT (three parts separated by dots).";
    $("token").focus();
    return;
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
    message.textContent = "This token has expired: ask for a new one.";
    $("token").focus();
    return;
  }
  storeToken(token);
  message.textContent = "Signing in…";
  let me = null;
  try {
    me = await api.me();
  } catch (e) {
    // 401 already sent us back here with a message; a 403 says the token is not for this page.
    if (e instanceof ApiError && e.status === 401) return;
    if (e instanceof ApiError && e.status === 403) {
      forgetToken();
      message.textContent = `This token may not use the chat: ${e.message}`;
      return;
    }
    if (!(e instanceof ApiError) || e.status !== 404) {
      forgetToken();
      message.textContent = `Could not check the token: ${e.message}`;
      return;
    }
  }
  message.textContent = "";
  showChat(me);
}

function showChat(me = null) {
  const token = readClaims(storedToken() ?? "") ?? {};
  const claims = { sub: me?.user ?? token.sub, role: me?.role ?? token.role, tenant: me?.tenant ?? token.tenant };
  state.role = claims.role ?? null;
  $("sign-in-view").hidden = true;
  $("chat-view").hidden = false;
  $("sign-out").hidden = false;
  const who = $("who");
  who.hidden = false;
  who.replaceChildren(...[
    h("span", { class: "who-part", text: claims.sub ?? "signed in" }),
    claims.role ? h("span", { class: "badge", text: claims.role }) : null,
    claims.tenant ? h("span", { class: "who-part", text: `tenant ${claims.tenant}` }) : null,
    state.asOf ? h("span", { class: "who-part", text: `as of ${state.asOf}` }) : null,
  ].filter(Boolean));
  // Tenant admins manage their own metrics on the catalog screen.
  $("show-catalog").hidden = claims.role !== "admin";
  $("show-chat").hidden = true;
  $("catalog-view").hidden = true;
  updateEmpty();
  loadConversations();
  $("question").focus();
}

function showCatalog() {
  $("chat-view").hidden = true;
  $("catalog-view").hidden = false;
  $("show-catalog").hidden = true;
  $("show-chat").hidden = false;
  loadCatalog();
  $("catalog-heading").focus?.();
}

function showChatView() {
  $("catalog-view").hidden = true;
  $("chat-view").hidden = false;
  $("show-chat").hidden = true;
  $("show-catalog").hidden = false;
  $("question").focus();
}

// ---------- conversations ----------

function conversationTitle(c) {
  return c.title ?? c.first_question ?? c.question ?? "Conversation";
}

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

async function loadConversations() {
  const list = $("conversation-list");
  const message = $("conversations-message");
  try {
    const body = await api.conversations();
    const conversations = Array.isArray(body) ? body : body?.items ?? body?.conversations ?? [];
    message.textContent = conversations.length ? "" : "No conversations yet.";
    list.replaceChildren(...conversations.map((c) => {
      const id = c.id ?? c.conversation_id;
      const count = typeof c.messages === "number" ? c.messages : Array.isArray(c.messages) ? c.messages.length : c.message_count;
      const button = h("button", {
        type: "button", class: "conversation", "data-conversation-id": id,
        "aria-current": id === state.conversationId ? "true" : null,
        onclick: () => openConversation(id),
      },
      h("span", { class: "conversation-title", text: conversationTitle(c) }),
      h("span", { class: "conversation-meta", text: [when(c.last_asked_at ?? c.updated_at), count !== undefined ? `${count} asked` : null].filter(Boolean).join(" · ") }));
      return h("li", {}, button);
    }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    message.textContent = e instanceof ApiError && e.status === 404 ? "Conversations are not available yet." : `Could not load conversations: ${e.message}`;
  }
}

function markCurrentConversation() {
  for (const button of document.querySelectorAll("#conversation-list .conversation")) {
    if (button.dataset.conversationId === state.conversationId) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

function newConversation() {
  state.running?.abort();
  state.conversationId = null;
  $("thread").replaceChildren();
  markCurrentConversation();
  updateEmpty();
  $("question").focus();
}

async function openConversation(id) {
  state.running?.abort();
  state.conversationId = id;
  markCurrentConversation();
  const thread = $("thread");
  thread.replaceChildren();
  updateEmpty();
  try {
    const body = await api.messages(id);
    const jobs = Array.isArray(body) ? body : body?.messages ?? body?.items ?? [];
    for (const job of jobs) {
      const turn = addTurn(job.question ?? "");
      const jobId = job.job_id ?? job.id;
      turn.dataset.jobId = jobId ?? "";
      if (FINAL_STATUSES.has(job.status)) await finish(turn, job, jobId);
      else if (jobId) await follow(turn, jobId, `/api/v1/jobs/${encodeURIComponent(jobId)}/events`);
    }
    $("question").focus();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    $("ask-message").textContent = `Could not open the conversation: ${e.message}`;
  }
}

// ---------- asking ----------

function updateEmpty() {
  $("thread-empty").hidden = $("thread").children.length > 0;
}

function addTurn(question) {
  const turn = $("turn-template").content.firstElementChild.cloneNode(true);
  turn.querySelector(".question-text").textContent = question;
  $("thread").appendChild(turn);
  updateEmpty();
  turn.scrollIntoView({ block: "end" });
  return turn;
}

function setBusy(busy) {
  state.busy = busy;
  $("ask-button").disabled = busy;
  $("ask-form").setAttribute("aria-busy", busy ? "true" : "false");
}

function stage(turn, status, elapsedMs, detail) {
  const list = turn.querySelector(".stages");
  for (const item of list.children) {
    item.classList.remove("current");
    item.classList.add("done");
  }
  let item = list.querySelector(`[data-stage="${status}"]`);
  if (!item) {
    item = h("li", { class: "stage", "data-stage": status },
      h("span", { class: "stage-name", text: STAGES[status] ?? status }),
      h("span", { class: "stage-ms" }),
      h("span", { class: "stage-detail" }));
    list.appendChild(item);
  }
  item.classList.remove("done");
  item.classList.add(FINAL_STATUSES.has(status) ? `final-${status}` : "current");
  if (typeof elapsedMs === "number") item.querySelector(".stage-ms").textContent = `${Math.round(elapsedMs)} ms`;
  // A clarification's reason is shown in full below the stages.
  if (detail && status !== "clarification") item.querySelector(".stage-detail").textContent = typeof detail === "string" ? detail : JSON.stringify(detail);
  if (list.querySelector('[data-stage="sending"]') && status !== "sending") list.querySelector('[data-stage="sending"]').remove();
  announce(STAGES[status] ?? status);
}

async function ask(question) {
  question = question.trim();
  if (!question || state.busy) return;
  $("ask-message").textContent = "";
  setBusy(true);
  const turn = addTurn(question);
  stage(turn, "sending");
  try {
    const accepted = await api.ask(question, state.conversationId, state.asOf);
    const firstInConversation = state.conversationId !== accepted.conversation_id;
    state.conversationId = accepted.conversation_id ?? state.conversationId;
    turn.dataset.jobId = accepted.job_id;
    turn.dataset.conversationId = state.conversationId ?? "";
    if (firstInConversation) loadConversations();
    await follow(turn, accepted.job_id, accepted.events_url ?? `/api/v1/jobs/${encodeURIComponent(accepted.job_id)}/events`);
    loadConversations();
  } catch (e) {
    if (e.name === "AbortError") return;
    if (e instanceof ApiError && e.status === 401) return;
    let text = e.message;
    if (e instanceof ApiError && e.status === 429) {
      text = e.retryAfter !== null ? `Too many questions for now: try again in ${e.retryAfter} s.` : `Too many questions for now. (${e.message})`;
    }
    turn.querySelector(".stages").replaceChildren();
    failed(turn, text);
    $("ask-message").textContent = text;
    if (!$("question").value) $("question").value = question;
  } finally {
    setBusy(false);
  }
}

async function follow(turn, jobId, eventsUrl) {
  const controller = new AbortController();
  state.running = controller;
  const cancel = turn.querySelector(".cancel");
  cancel.hidden = false;
  cancel.onclick = async () => {
    cancel.disabled = true;
    try {
      await api.cancel(jobId);
    } catch (e) {
      $("ask-message").textContent = `Could not cancel: ${e.message}`;
      cancel.disabled = false;
    }
  };
  try {
    const final = await followJob(eventsUrl, (event) => stage(turn, event.status, event.elapsed_ms, event.detail), controller.signal);
    await finish(turn, final, jobId);
  } finally {
    cancel.hidden = true;
    if (state.running === controller) state.running = null;
  }
}

async function finish(turn, job, jobId) {
  const list = turn.querySelector(".stages");
  if (!list.querySelector(`[data-stage="${job.status}"]`)) stage(turn, job.status, job.elapsed_ms, null);
  for (const item of list.children) if (!item.classList.contains(`final-${job.status}`)) item.classList.replace("current", "done");
  switch (job.status) {
    case "completed": {
      // The job record adds what the event does not carry: the translator's notes (assumptions it made).
      const record = jobId ? await api.job(jobId).catch(() => null) : null;
      await answer(turn, job.result ?? record?.result, jobId, record?.notes ?? job.notes ?? []);
      break;
    }
    case "clarification":
      clarification(turn, job.clarification ?? job.result?.clarification);
      break;
    case "cancelled":
      failed(turn, "Cancelled.");
      break;
    default:
      failed(turn, errorText(job.error));
  }
}

function errorText(error) {
  if (!error) return "The question could not be answered.";
  if (typeof error === "string") return error;
  const parts = [error.title ?? error.message, error.detail].filter(Boolean);
  if (Array.isArray(error.errors)) parts.push(...error.errors.map((e) => (typeof e === "string" ? e : e.message ?? JSON.stringify(e))));
  return parts.join(" — ") || JSON.stringify(error);
}

function failed(turn, text) {
  turn.querySelector(".answer-body").replaceChildren(h("p", { class: "error", role: "alert", text }));
}

// ---------- the answer ----------

function definition(name) {
  if (!state.definitions.has(name)) state.definitions.set(name, api.metric(name).catch(() => null));
  return state.definitions.get(name);
}

async function answer(turn, result, jobId, translatorNotes = []) {
  const body = turn.querySelector(".answer-body");
  if (!result) {
    failed(turn, "The job completed but returned no result.");
    return;
  }
  const metricNames = [...new Set((result.columns ?? []).filter((c) => c.kind === "metric").map((c) => columnRole(c.name).metric))];
  const definitions = Object.fromEntries(await Promise.all(metricNames.map(async (n) => [n, await definition(n)])));
  const displayNames = Object.fromEntries(Object.entries(definitions).filter(([, d]) => d?.display_name).map(([n, d]) => [n, d.display_name]));
  const rows = result.rows ?? [];
  const versions = result.metric_versions ?? {};

  const parts = [];
  // "I read this as: …" above the answer, its one-sentence summary leading it (plain.js)
  parts.push(understoodLine(result), summaryLine(result));
  parts.push(chips(result.spec, versions, displayNames, result));
  const defined = metricNames.filter((n) => definitions[n]);
  if (defined.length) {
    parts.push(h("details", { class: "definitions" },
      h("summary", { text: defined.length === 1 ? "What this metric means" : "What these metrics mean" }),
      h("dl", {}, defined.flatMap((n) => {
        const d = definitions[n];
        return [
          h("dt", {}, d.display_name ?? n, " ", h("span", { class: "version", text: `v${versions[n] ?? d.version ?? "?"}` })),
          h("dd", {}, d.description ?? "", d.unit ? ` (${unitWords(d.unit)})` : ""),
        ];
      }))));
  }
  const notes = [...new Set([...(Array.isArray(translatorNotes) ? translatorNotes : []), ...(result.warnings ?? [])])];
  if (notes.length) parts.push(h("ul", { class: "notes", "aria-label": "Notes" }, notes.map((w) => h("li", { text: w }))));

  const summary = result.analysis?.summary ?? [];
  if (summary.length) {
    parts.push(h("div", { class: "analysis-summary", "data-analysis": result.analysis.form, role: "note", "aria-label": "What stood out" },
      summary.map((sentence) => h("p", { text: sentence }))));
  }

  if (!rows.length && !summary.length) {
    parts.push(h("p", { class: "empty-result", text: "No rows: nothing in the data matches this question (try a wider time window or fewer filters)." }));
  } else if (rows.length) {
    // Chart and table side by side on a laptop screen, stacked when narrow; an analysis is explained in words and a table.
    const chart = result.analysis ? null : renderChart(result, displayNames);
    parts.push(h("div", { class: chart ? "result-view" : "result-view table-only" }, chart?.figure ?? null, table(result, displayNames)));
  }
  parts.push(h("details", { class: "sql" }, h("summary", { text: "SQL behind this answer" }), h("pre", {}, h("code", { text: result.sql ?? "" }))));
  parts.push(freshnessLine(result));
  parts.push(feedback(jobId));
  parts.push(verifyControl(jobId, result, state.role));
  body.replaceChildren(...parts.filter(Boolean));
  turn.classList.add("answered");
  announce(`Answered: ${result.summary ?? `${rows.length} ${rows.length === 1 ? "row" : "rows"}`}${result.verified ? " Verified answer." : ""}${result.cache === "hit" ? " From the cache." : ""}`);
  settleFocus(turn);
}

function chips(spec, versions, displayNames, result) {
  const items = specChips(spec, versions, displayNames).map((chip) => {
    let text = chip.text;
    if (chip.kind === "metric") {
      // A tenant's own definition says so: the answer used the team's metric, not the shipped one.
      const own = result.metric_layers?.[chip.metric] === "tenant" ? " (your catalog)" : "";
      text = `${displayNames[chip.metric] ?? chip.metric}${chip.version ? ` v${chip.version}` : ""}${own}`;
    }
    return h("li", { class: `chip chip-${chip.kind}`, "data-chip": chip.kind, "data-metric": chip.metric ?? null },
      h("span", { class: "chip-label", text: `${chip.label}:` }), " ", h("span", { class: "chip-text", text }));
  });
  const verified = verifiedChip(result);
  if (verified) items.unshift(verified);
  if (result.cache === "hit") items.push(h("li", { class: "chip chip-cache", "data-chip": "cache", text: "cached answer" }));
  if (result.as_of) items.push(h("li", { class: "chip chip-asof", "data-chip": "as_of" }, h("span", { class: "chip-label", text: "As of:" }), " ", result.as_of.slice(0, 10)));
  const total = Object.values(result.timings_ms ?? {}).reduce((a, b) => a + (typeof b === "number" ? b : 0), 0);
  if (total > 0) items.push(h("li", { class: "chip chip-timing", "data-chip": "timing" }, h("span", { class: "chip-label", text: "Took:" }), ` ${Math.round(total)} ms`));
  return h("ul", { class: "chips", "aria-label": "How the question was understood" }, items);
}

function table(result, displayNames) {
  const all = result.columns ?? [];
  // z-scores, baselines and flags annotate their metric's cells (mark and tooltip) instead of taking columns of their own
  const columns = all.filter((c) => !ANNOTATION_KINDS.has(c.kind));
  const rows = result.rows ?? [];
  const caption = `${rows.length} ${rows.length === 1 ? "row" : "rows"}`;
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.kind === "metric" ? "num" : null, "data-column": c.name },
    c.kind === "metric" ? columnTitle(c, displayNames) : c.name.replace(/_/g, " "))));
  const bodyRows = rows.map((row) => h("tr", {}, columns.map((c) => {
    const value = row[c.name];
    const text = c.kind === "metric" ? formatValue(value, c) : value === null || value === undefined ? NO_VALUE : String(value);
    const empty = value === null || value === undefined;
    const anomaly = c.kind === "metric" && !empty ? anomalyOf(row, c, all) : null;
    const classes = [c.kind === "metric" ? "num" : "", empty ? "null" : "", anomaly?.flagged ? "anomaly" : ""].join(" ").trim() || null;
    return h("td", { class: classes, title: empty ? "no value" : anomaly?.text ?? null, "data-z": anomaly?.z ?? null },
      text, anomaly?.flagged ? h("span", { class: "anomaly-mark", "aria-label": ` unusual: ${anomaly.text}`, text: " ⚑" }) : null);
  })));
  const wrap = h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `Result table, ${caption}` },
    h("table", { class: "result" }, h("caption", { text: caption }), h("thead", {}, head), h("tbody", {}, bodyRows)));
  return wrap;
}

function clarification(turn, c) {
  const body = turn.querySelector(".answer-body");
  const options = (c?.options ?? []).map((option) => h("li", {}, h("button", {
    type: "button", class: "option", "data-question": option.question, title: option.question,
    onclick: (event) => {
      for (const b of body.querySelectorAll(".option")) b.disabled = true;
      event.currentTarget.classList.add("chosen");
      ask(option.question);
    },
  }, option.label)));
  body.replaceChildren(
    h("p", { class: "clarification-reason", text: c?.reason ?? "The question needs a clarification." }),
    options.length ? h("ul", { class: "options", "aria-label": "Pick one of these questions" }, options) : null);
  turn.classList.add("clarifying");
  announce(`Needs a clarification: ${c?.reason ?? ""} ${options.length} options.`);
  // An option is the likely next step: focus the first one unless the user has started typing another question.
  const first = body.querySelector(".option");
  if (first && !(document.activeElement === $("question") && $("question").value.trim())) first.focus();
  else settleFocus(turn);
}

function feedback(jobId) {
  const status = h("span", { class: "feedback-status", role: "status" });
  const comment = h("input", { type: "text", class: "feedback-comment", maxlength: "500", "aria-label": "Comment on this answer (optional)", placeholder: "Comment (optional)" });
  let rating = null;
  const send = async (value, button) => {
    rating = value;
    for (const b of group.querySelectorAll(".rate")) b.setAttribute("aria-pressed", b === button ? "true" : "false");
    try {
      await api.feedback(jobId, value, comment.value.trim() || undefined);
      status.textContent = "Thanks for the feedback.";
    } catch (e) {
      status.textContent = `Feedback not saved: ${e.message}`;
    }
  };
  const up = h("button", { type: "button", class: "rate up", "aria-pressed": "false", "aria-label": "Good answer", title: "Good answer" }, thumb());
  const down = h("button", { type: "button", class: "rate down", "aria-pressed": "false", "aria-label": "Bad answer", title: "Bad answer" }, thumb());
  up.addEventListener("click", () => send("up", up));
  down.addEventListener("click", () => send("down", down));
  comment.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && rating) {
      event.preventDefault();
      send(rating, rating === "up" ? up : down);
    }
  });
  const group = h("div", { class: "feedback", role: "group", "aria-label": "Was this answer useful?" },
    h("span", { class: "feedback-label", text: "Useful?" }), up, down, comment, status);
  if (!jobId) group.hidden = true;
  return group;
}

/** A thumbs-up icon (drawn, so it shows without an emoji font; CSS turns it over for thumbs-down). */
function thumb() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "thumb");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z");
  svg.appendChild(path);
  return svg;
}

/** After an answer: keep typing in the question box when focus is there; otherwise move to the answer. */
function settleFocus(turn) {
  turn.scrollIntoView({ block: "nearest" });
  const active = document.activeElement;
  if (active === $("question") || (active && turn.contains(active))) return;
  turn.querySelector(".answer").focus({ preventScroll: true });
}

// ---------- wiring ----------

function start() {
  whenUnauthorized((message) =>
    signOut(`The service refused the token${message ? ` (${message})` : ""}. Paste a valid token to sign in.`));
  $("sign-in-form").addEventListener("submit", signIn);
  $("token").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("sign-in-form").requestSubmit();
    }
  });
  $("sign-out").addEventListener("click", () => signOut("Signed out."));
  $("show-catalog").addEventListener("click", showCatalog);
  $("show-chat").addEventListener("click", showChatView);
  startCatalog(state.asOf);
  $("new-conversation").addEventListener("click", newConversation);
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("question").value;
    if (!question.trim()) {
      $("ask-message").textContent = "Type a question first.";
      return;
    }
    if (state.busy) {
      $("ask-message").textContent = "Wait for the answer to the last question (or cancel it).";
      return;
    }
    $("question").value = "";
    ask(question);
  });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("ask-form").requestSubmit();
    }
  });
  if (storedToken()) showChat();
  else showSignIn();
}

start();
