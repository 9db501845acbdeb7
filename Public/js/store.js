// Per-browser memory: the server-issued session id and the chosen deployment.
// localStorage can be unavailable (privacy modes, full quota); the page then simply forgets.
const SESSION_KEY = "parley.session";
const DEPLOYMENT_KEY = "parley.deployment";

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // not persisted; the page keeps working for this visit
  }
}

export const store = {
  get sessionId() { return read(SESSION_KEY); },
  set sessionId(value) { write(SESSION_KEY, value); },
  get deployment() { return read(DEPLOYMENT_KEY); },
  set deployment(value) { write(DEPLOYMENT_KEY, value); },
};
