// Talks to Parley's HTTP API (same origin only): /config, /sessions/{id}, streaming /ask and /auth.
import { readEvents } from "./sse.js";

/** An error the page shows on a turn: the server's code and message, and when to retry. */
export class AskError extends Error {
  constructor(code, message, { retryAfter = null, status = null } = {}) {
    super(message);
    this.name = "AskError";
    this.code = code;
    this.retryAfter = retryAfter; // seconds, or null
    this.status = status;
  }
}

export async function getConfig() {
  const response = await fetch("config", { headers: { Accept: "application/json" } });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** The session's messages, or null when the server does not know the id (404). */
export async function getSession(id) {
  const response = await fetch(`sessions/${encodeURIComponent(id)}`, {
    headers: { Accept: "application/json" },
  });
  if (response.status === 404) return null;
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

export async function deleteSession(id) {
  const response = await fetch(`sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
  if (!response.ok && response.status !== 404) throw await errorFrom(response);
}

/**
 * Asks a question with `"stream": true` and reports the stream through callbacks:
 * onSession({session_id, deployment}) once, onCitations([{n, title, path, heading, snippet, url}])
 * before the first delta when Parley has documents, onDelta(text) per delta. Resolves with
 * {answer, usage} on `done`; rejects with AskError (server or network) or the AbortError of
 * `signal`.
 */
export async function ask({ question, sessionId, deployment, signal, onSession, onDelta, onCitations = () => {} }) {
  const body = { question, stream: true };
  if (sessionId) body.session_id = sessionId;
  if (deployment) body.deployment = deployment;

  let response;
  try {
    response = await fetch("ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new AskError("network", "Parley could not be reached. Check the connection and retry.");
  }
  const issuedId = response.headers.get("X-Session-Id");
  if (issuedId) onSession({ session_id: issuedId, deployment: null });
  if (!response.ok) throw await errorFrom(response);

  const type = response.headers.get("Content-Type") ?? "";
  if (!type.startsWith("text/event-stream")) {
    // A JSON answer (a proxy that dropped the Accept header, say) is still an answer.
    const json = await response.json();
    onSession({ session_id: json.session_id, deployment: json.deployment });
    if (Array.isArray(json.citations)) onCitations(json.citations);
    onDelta(json.answer ?? "");
    return { answer: json.answer ?? "", usage: json.usage ?? null };
  }

  for await (const { event, data } of readEvents(response.body)) {
    const payload = parseJSON(data);
    if (event === "session") onSession(payload);
    else if (event === "citations") onCitations(Array.isArray(payload.citations) ? payload.citations : []);
    else if (event === "delta") onDelta(payload.text ?? "");
    else if (event === "done") return { answer: payload.answer, usage: payload.usage ?? null };
    else if (event === "error") {
      throw new AskError(payload.code ?? "upstream_error", payload.message ?? "The answer failed.", {
        retryAfter: seconds(payload.retry_after ?? payload.retry_after_seconds),
      });
    }
  }
  throw new AskError("incomplete", "The connection closed before the answer was complete. Retry to ask again.");
}

function parseJSON(text) {
  try {
    return JSON.parse(text) ?? {};
  } catch {
    return {};
  }
}

function seconds(value) {
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? Math.ceil(number) : null;
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterSeconds(header) {
  if (header === null) return null;
  const delay = seconds(header.trim() === "" ? NaN : header);
  if (delay !== null) return delay;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The signed-in person ({oid, name}), or null without sign-in (PARLEY_AUTH=none answers 404). */
export async function getMe() {
  const response = await fetch("auth/me", { headers: { Accept: "application/json" } });
  if (!response.ok) return null;
  return response.json();
}

/** Ends the session on the server (the cookie is HttpOnly), then starts a new sign-in. */
export async function signOut() {
  try {
    await fetch("auth/logout", { method: "POST" });
  } finally {
    window.location.assign("auth/login");
  }
}

async function errorFrom(response) {
  // The session expired (PARLEY_AUTH=entra): sign in again; the page comes back to "/".
  if (response.status === 401) window.location.assign("auth/login");
  let code = `http_${response.status}`;
  let message = `The server answered ${response.status} ${response.statusText}`.trim() + ".";
  try {
    const json = await response.json();
    if (json?.error?.message) message = json.error.message;
    if (json?.error?.code) code = json.error.code;
  } catch {
    // not JSON: keep the status line
  }
  return new AskError(code, message, {
    retryAfter: retryAfterSeconds(response.headers.get("Retry-After")),
    status: response.status,
  });
}

/**
 * The signed-in user's conversations, newest first ({session_id, title, created_at, updated_at}),
 * or null when there is no list (no sign-in: the server answers 404) or it cannot be loaded.
 */
export async function listSessions() {
  try {
    const response = await fetch("sessions", { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    const json = await response.json();
    return Array.isArray(json.sessions) ? json.sessions : null;
  } catch {
    return null;
  }
}

export async function renameSession(id, title) {
  const response = await fetch(`sessions/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ title }),
  });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** What the asker has left ({questions_left, tokens_left_today, …}; null fields when a limit is off), or null. */
export async function getLimits() {
  try {
    const response = await fetch("limits", { headers: { Accept: "application/json" } });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}
