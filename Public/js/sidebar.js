// The conversation list (issue 13): the signed-in user's conversations from GET /sessions, to open,
// rename and delete. Hidden when there is no list (no sign-in), so the page works as before.
// Titles reach the page through textContent only.
import { deleteSession, listSessions, renameSession } from "./api.js";

const $ = (id) => document.getElementById(id);

export function createSidebar({ onOpen, onDeleted, announce }) {
  const ui = {
    root: $("sidebar"), list: $("session-list"), toggle: $("sidebar-toggle"), empty: $("session-empty"),
  };
  let current = null;
  let enabled = false;
  let available = false;

  function setOpen(open) {
    ui.root.dataset.open = String(open);
    ui.toggle.setAttribute("aria-expanded", String(open));
  }
  ui.toggle.addEventListener("click", () => setOpen(ui.root.dataset.open !== "true"));
  ui.root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.root.dataset.open === "true") {
      setOpen(false);
      ui.toggle.focus();
    }
  });

  function row(session) {
    const item = document.createElement("li");
    item.className = "session";
    item.dataset.sessionId = session.session_id;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "session-open";
    open.textContent = session.title || "Untitled conversation";
    open.title = session.title || "";
    if (session.session_id === current) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => {
      setOpen(false);
      onOpen(session.session_id);
    });
    const rename = document.createElement("button");
    rename.type = "button";
    rename.className = "session-action session-rename";
    rename.textContent = "Rename";
    rename.setAttribute("aria-label", `Rename “${open.textContent}”`);
    rename.addEventListener("click", async () => {
      const title = window.prompt("New name for this conversation", session.title ?? "");
      if (title === null || title.trim() === "") return;
      try {
        await renameSession(session.session_id, title.trim());
        announce("Conversation renamed");
      } catch (error) {
        announce(`Could not rename: ${error.message}`);
      }
      await refresh();
    });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "session-action session-delete";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete “${open.textContent}”`);
    remove.addEventListener("click", async () => {
      if (!window.confirm(`Delete “${open.textContent}”? This cannot be undone.`)) return;
      try {
        await deleteSession(session.session_id);
        announce("Conversation deleted");
        onDeleted(session.session_id);
      } catch (error) {
        announce(`Could not delete: ${error.message}`);
      }
      await refresh();
    });
    item.append(open, rename, remove);
    return item;
  }

  async function refresh() {
    if (!enabled) return false;
    const sessions = await listSessions();
    available = sessions !== null;
    ui.root.hidden = !available;
    ui.toggle.hidden = !available;
    document.body.classList.toggle("has-sidebar", available);
    if (!available) return false;
    ui.list.replaceChildren(...sessions.map(row));
    ui.empty.hidden = sessions.length > 0;
    return true;
  }

  return {
    refresh,
    enable() { enabled = true; },
    get available() { return available; },
    setCurrent(id) {
      current = id;
      for (const button of ui.list.querySelectorAll(".session-open")) {
        const mine = button.parentElement.dataset.sessionId === id;
        if (mine) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      }
    },
  };
}
