// The HTTP side of the chat page: the token, JSON calls to /api/v1 and the job event stream (SSE over fetch).

const TOKEN_KEY = "spiral.token";

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** The claims of a JWT (not verified here: the API verifies every call). Null when it is not a JWT. */
export function readClaims(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}

/** A failed call: status, a readable message (ProblemDetails title/detail) and Retry-After seconds when rate limited. */
export class ApiError extends Error {
  constructor(status, message, retryAfter = null, problem = null) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
    this.problem = problem;
  }
}

/** Called when the API answers 401: the page goes back to sign-in. */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

function headers(extra = {}) {
  const token = storedToken();
  return token ? { Authorization: `Bearer ${token}`, ...extra } : extra;
}

async function failure(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    problem = null;
  }
  const retryHeader = response.headers.get("Retry-After");
  const retryAfter = retryHeader !== null && /^\d+$/.test(retryHeader.trim()) ? Number(retryHeader) : null;
  const parts = [];
  if (problem?.title) parts.push(problem.title);
  if (problem?.detail && problem.detail !== problem?.title) parts.push(problem.detail);
  if (Array.isArray(problem?.errors)) {
    for (const e of problem.errors) parts.push(typeof e === "string" ? e : e?.message ?? JSON.stringify(e));
  } else if (problem?.errors && typeof problem.errors === "object") {
    for (const [field, messages] of Object.entries(problem.errors)) parts.push(`${field}: ${[].concat(messages).join(" ")}`);
  }
  const message = parts.length ? parts.join(" — ") : `${response.status} ${response.statusText || "error"}`;
  return new ApiError(response.status, message, retryAfter, problem);
}

/** A JSON call to the API. Throws ApiError; a 401 also sends the page back to sign-in. */
export async function call(method, path, body, signal, raw = null) {
  const init = { method, headers: headers({ Accept: "application/json" }), signal };
  if (raw !== null) {
    init.headers["Content-Type"] = raw.type;
    init.body = raw.text;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "The service cannot be reached. Check the connection and try again.");
  }
  if (response.status === 401) {
    const error = await failure(response);
    onUnauthorized(error.problem ? error.message : null);
    throw error;
  }
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  ask: (question, conversationId, asOf) => {
    const body = { question };
    if (conversationId) body.conversation_id = conversationId;
    if (asOf) body.as_of = asOf;
    return call("POST", "/api/v1/ask", body);
  },
  job: (id) => call("GET", `/api/v1/jobs/${encodeURIComponent(id)}`),
  cancel: (id) => call("POST", `/api/v1/jobs/${encodeURIComponent(id)}/cancel`),
  feedback: (id, rating, comment) =>
    call("POST", `/api/v1/jobs/${encodeURIComponent(id)}/feedback`, comment ? { rating, comment } : { rating }),
  me: () => call("GET", "/api/v1/me"),
  conversations: () => call("GET", "/api/v1/conversations"),
  messages: (id) => call("GET", `/api/v1/conversations/${encodeURIComponent(id)}/messages`),
  metric: (name) => call("GET", `/api/v1/metrics/${encodeURIComponent(name)}`),
};

/** The tenant's own catalog layer (role admin): YAML definitions, lifecycle and previews. */
const ADMIN = "/api/v1/admin/metrics";
const yaml = (text) => ({ type: "application/yaml", text });
export const catalogApi = {
  list: () => call("GET", ADMIN),
  versions: (name) => call("GET", `${ADMIN}/${encodeURIComponent(name)}/versions`),
  yaml: async (name) => {
    const response = await fetch(`${ADMIN}/${encodeURIComponent(name)}/yaml`, { headers: headers({ Accept: "application/yaml" }) });
    if (!response.ok) throw await failure(response);
    return response.text();
  },
  validate: (text) => call("POST", `${ADMIN}/validate`, undefined, undefined, yaml(text)),
  create: (text) => call("POST", ADMIN, undefined, undefined, yaml(text)),
  update: (name, text) => call("PUT", `${ADMIN}/${encodeURIComponent(name)}`, undefined, undefined, yaml(text)),
  preview: (name, asOf) => call("POST", `${ADMIN}/${encodeURIComponent(name)}/preview${asOf ? `?as_of=${encodeURIComponent(asOf)}` : ""}`),
  activate: (name) => call("POST", `${ADMIN}/${encodeURIComponent(name)}/activate`),
  archive: (name, replacedBy) => call("POST", `${ADMIN}/${encodeURIComponent(name)}/archive`, replacedBy ? { replaced_by: replacedBy } : {}),
  remove: (name) => call("DELETE", `${ADMIN}/${encodeURIComponent(name)}`),
};

export const FINAL_STATUSES = new Set(["completed", "clarification", "failed", "cancelled"]);

/**
 * Follows a job's event stream: fetch with the Authorization header and a streaming body reader (EventSource cannot
 * send headers). Each event's data is handed to onEvent; the stream is resumed with Last-Event-ID when it drops
 * before the final event. Resolves with the final event's data.
 */
export async function followJob(eventsUrl, onEvent, signal) {
  let lastEventId = null;
  let attempts = 0;
  for (;;) {
    let final = null;
    try {
      const extra = { Accept: "text/event-stream" };
      if (lastEventId !== null) extra["Last-Event-ID"] = lastEventId;
      const response = await fetch(eventsUrl, { headers: headers(extra), signal, cache: "no-store" });
      if (response.status === 401) {
        onUnauthorized(null);
        throw await failure(response);
      }
      if (!response.ok || !response.body) throw await failure(response);
      for await (const event of readEvents(response.body, signal)) {
        attempts = 0;
        if (event.id !== null) lastEventId = event.id;
        if (!event.data) continue;
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          continue;
        }
        const status = data.status ?? event.event;
        if (event.event === "heartbeat" || status === "heartbeat") continue;
        data.status = status;
        onEvent(data);
        if (FINAL_STATUSES.has(status)) {
          final = data;
          break;
        }
      }
    } catch (e) {
      if (e.name === "AbortError" || (e instanceof ApiError && e.status >= 400 && e.status < 500)) throw e;
    }
    if (final) return final;
    // The stream ended (or dropped) before the final event: resume, then fall back to reading the job itself.
    attempts += 1;
    if (attempts > 3) {
      const job = await api.job(jobIdOf(eventsUrl));
      if (job && FINAL_STATUSES.has(job.status)) return job;
      if (attempts > 8) throw new ApiError(0, "Lost the progress stream of this question.");
    }
    await delay(300 * attempts, signal);
  }
}

function jobIdOf(eventsUrl) {
  const match = /\/jobs\/([^/?#]+)/.exec(eventsUrl);
  return match ? decodeURIComponent(match[1]) : "";
}

function delay(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
  });
}

/** Parses text/event-stream (WHATWG rules: fields id/event/data, blank line dispatches, ':' lines are comments). */
export async function* readEvents(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = { id: null, event: "message", data: [] };
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException("aborted", "AbortError");
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        const width = buffer.startsWith("\r\n", newline) ? 2 : 1;
        buffer = buffer.slice(newline + width);
        if (line === "") {
          if (event.data.length || event.id !== null) {
            yield { id: event.id, event: event.event, data: event.data.join("\n") };
          }
          event = { id: null, event: "message", data: [] };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value2 = colon < 0 ? "" : line.slice(colon + 1);
        if (value2.startsWith(" ")) value2 = value2.slice(1);
        if (field === "data") event.data.push(value2);
        else if (field === "event") event.event = value2;
        else if (field === "id" && !value2.includes("\0")) event.id = value2;
      }
    }
  } finally {
    // Leaving early (final event, abort) must close the response, not only stop reading it.
    reader.cancel().catch(() => {});
  }
}
