// The chat page: conversation view, streaming answers, stop/retry/regenerate, history and export.
// Everything the model writes reaches the page through renderMarkdown (DOM nodes from text) or
// textContent; nothing here uses innerHTML.
import { AskError, ask, deleteSession, getConfig, getLimits, getMe, getSession, signOut } from "./api.js";
import { download, toJSON, toMarkdown } from "./export.js";
import { citedIn, linkCitations, openPassage, renderSources } from "./citations.js";
import { renderMarkdown } from "./markdown.js";
import { createSidebar } from "./sidebar.js";
import { store } from "./store.js";

const $ = (id) => document.getElementById(id);
const ui = {
  banner: $("banner"), conversation: $("conversation"), empty: $("empty"), messages: $("messages"),
  picker: $("picker"), deployment: $("deployment"), exportMenu: $("export-menu"),
  exportMd: $("export-md"), exportJson: $("export-json"), newChat: $("new-chat"),
  composer: $("composer"), question: $("question"), send: $("send"), stop: $("stop"),
  counter: $("counter"), modelNote: $("model-note"), jump: $("jump"), status: $("status"),
  limitsNote: $("limits-note"),
  passage: $("passage"), passageClose: $("passage-close"),
};

const state = {
  config: null,
  sessionId: store.sessionId,
  turns: [],        // {question, answer, usage, deployment, status, error, citations, view}
  busy: false,
  controller: null, // AbortController of the answer being streamed
  answering: null,  // promise of the turn being answered (settles after Stop too)
  follow: true,     // keep the newest text in view unless the reader scrolled up
};

const DEFAULT_MAX_CHARS = 8000;
const COUNTER_FROM = 0.8; // show the character counter from 80 % of the limit
const CLAMP_ABOVE_PX = 240; // questions taller than this (about nine lines) start folded

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  copy: "M9 9h10v10H9zM5 15V5h10",
  check: "M5 12.5l4.5 4.5L19 7.5",
  regenerate: "M4 12a8 8 0 0 1 13.7-5.7L20 8.6M20 4v4.6h-4.6M20 12a8 8 0 0 1-13.7 5.7L4 15.4M4 20v-4.6h4.6",
  logo: "M6 5h20a4 4 0 0 1 4 4v11a4 4 0 0 1-4 4H14l-6.5 5v-5H6a4 4 0 0 1-4-4V9a4 4 0 0 1 4-4z",
};

function icon(name, viewBox = "0 0 24 24") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", viewBox);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

function h(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

function button(className, label, iconName, onClick) {
  const node = h("button", className);
  node.type = "button";
  if (iconName) node.append(icon(iconName));
  node.append(h("span", "action-label", label));
  node.addEventListener("click", onClick);
  return node;
}

function announce(text) {
  ui.status.textContent = "";
  // A fresh text node after a tick makes screen readers repeat identical messages too.
  setTimeout(() => { ui.status.textContent = text; }, 50);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API needs a secure context (plain http on a LAN address is not one).
    const area = h("textarea", "clipboard-helper");
    area.value = text;
    area.setAttribute("readonly", "");
    document.body.append(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    return copied;
  }
}

async function copyWithFeedback(node, text) {
  const label = node.querySelector(".action-label") ?? node;
  const original = label.textContent;
  const copied = await copyText(text);
  label.textContent = copied ? "Copied" : "Copy failed";
  node.classList.toggle("done", copied);
  announce(copied ? "Copied to the clipboard" : "Could not copy");
  setTimeout(() => {
    label.textContent = original;
    node.classList.remove("done");
  }, 1500);
}

// ---------------------------------------------------------------------------------------------
// Rendering turns

function renderTurn(turn) {
  const bubble = h("div", "bubble", turn.question);
  const user = h("div", "msg user", h("span", "visually-hidden", "You said:"), bubble);

  const content = h("div", "content markdown");
  content.setAttribute("aria-live", "polite");
  const typing = h("div", "typing", h("span"), h("span"), h("span"));
  typing.setAttribute("aria-hidden", "true");
  const problem = h("div", "problem");
  problem.hidden = true;
  const meta = h("div", "meta");
  const sources = h("div", "sources-wrap");
  sources.hidden = true;
  const body = h("div", "body", h("span", "visually-hidden", "Parley said:"), content, typing, problem, sources, meta);
  const avatar = h("div", "avatar", icon("logo", "0 0 32 32"));
  const assistant = h("div", "msg assistant", avatar, body);

  const root = h("article", "turn", user, assistant);
  turn.view = { root, content, typing, problem, sources, meta, renderQueued: false };
  ui.messages.append(root);
  ui.empty.hidden = true;
  clampLongQuestion(bubble);
  updateTurn(turn);
  return turn;
}

/** Long questions (pasted text) are folded to a few lines with a Show more toggle. */
function clampLongQuestion(bubble) {
  if (bubble.scrollHeight <= CLAMP_ABOVE_PX) return;
  bubble.classList.add("clamped");
  const toggle = h("button", "action show-more", "Show more");
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", () => {
    const expanded = bubble.classList.toggle("clamped") === false;
    toggle.textContent = expanded ? "Show less" : "Show more";
    toggle.setAttribute("aria-expanded", String(expanded));
  });
  bubble.after(toggle);
}

/** Where the streaming caret goes: after the last text of the answer. */
function caretHost(root) {
  let node = root;
  for (;;) {
    const last = node.lastElementChild;
    if (!last) return node;
    if (last.matches(".code-block")) return last.querySelector("code");
    if (!last.matches("p, li, ul, ol, blockquote, h1, h2, h3, h4, h5, h6, .table-wrap, table, tbody, tr, td")) return node;
    node = last;
  }
}

function renderAnswer(turn) {
  const { content } = turn.view;
  content.replaceChildren(renderMarkdown(turn.answer));
  linkCitations(content, turn.citations, showPassage);
  renderSourcesOf(turn);
  if (turn.status === "streaming" && turn.answer) {
    const caret = h("span", "caret");
    caret.setAttribute("aria-hidden", "true");
    caretHost(content).append(caret);
  }
  followStream();
}

/**
 * The sources list under an answer from the documents: the passages its text cites so far (they
 * appear as the answer streams in); nothing for an answer that cites none.
 */
function renderSourcesOf(turn) {
  const { sources } = turn.view;
  const cited = citedIn(turn.answer, turn.citations);
  const shown = sources.dataset.cited ?? "";
  const key = cited.map((citation) => citation.n).join(",");
  if (key === shown && sources.childElementCount > 0 === cited.length > 0) return;
  sources.dataset.cited = key;
  const list = renderSources(cited, showPassage);
  sources.replaceChildren(...(list ? [list] : []));
  sources.hidden = list === null;
}

function showPassage(citation) {
  openPassage(ui.passage, citation);
}

function scheduleRender(turn) {
  if (turn.view.renderQueued) return;
  turn.view.renderQueued = true;
  requestAnimationFrame(() => {
    turn.view.renderQueued = false;
    renderAnswer(turn);
  });
}

function formatUsage(turn) {
  const parts = [];
  if (turn.deployment) parts.push(turn.deployment);
  if (turn.usage && Number.isFinite(turn.usage.total_tokens)) {
    parts.push(`${turn.usage.total_tokens.toLocaleString()} tokens`);
  }
  return parts.join(" · ");
}

function updateTurn(turn) {
  const { root, content, typing, problem, meta } = turn.view;
  root.dataset.status = turn.status;
  content.setAttribute("aria-busy", String(turn.status === "streaming"));
  typing.hidden = !(turn.status === "streaming" && turn.answer === "");
  renderAnswer(turn);
  renderSourcesOf(turn);

  problem.replaceChildren();
  problem.hidden = turn.status !== "error";
  if (turn.status === "error") renderProblem(turn);

  meta.replaceChildren();
  const finished = turn.status === "done" || turn.status === "stopped";
  if (finished && turn.answer) {
    meta.append(button("action copy-answer", "Copy", "copy", (event) => copyWithFeedback(event.currentTarget, turn.answer)));
    if (turn === state.turns.at(-1)) {
      meta.append(button("action regenerate", "Regenerate", "regenerate", () => regenerate(turn)));
    }
  }
  if (turn.status === "stopped") meta.append(h("span", "note stopped-note", "Stopped"));
  const usage = formatUsage(turn);
  if (finished && usage) {
    const note = h("span", "note usage", usage);
    if (turn.usage) {
      note.title = `Prompt ${turn.usage.prompt_tokens} · completion ${turn.usage.completion_tokens} · total ${turn.usage.total_tokens} tokens`;
    }
    meta.append(note);
  }
  meta.hidden = meta.childElementCount === 0;
  followStream(); // the error box or the actions row may have added height
}

function renderProblem(turn) {
  const { problem } = turn.view;
  const error = turn.error;
  const message = h("p", "problem-message", error.message);
  const retry = button("action retry", "Retry", "regenerate", () => retryTurn(turn));
  const wait = h("span", "note retry-after");
  problem.dataset.code = error.code;
  problem.append(message, h("div", "problem-actions", retry, wait));
  problem.setAttribute("role", "alert");

  clearInterval(turn.countdown);
  if (error.retryAfter > 0) {
    let remaining = error.retryAfter;
    const tick = () => {
      if (remaining > 0) {
        wait.textContent = `You can retry in ${remaining} s`;
        retry.dataset.waiting = "true";
        retry.disabled = true;
      } else {
        wait.textContent = "You can retry now";
        retry.dataset.waiting = "false";
        retry.disabled = state.busy;
        clearInterval(turn.countdown);
      }
      remaining -= 1;
    };
    tick();
    turn.countdown = setInterval(tick, 1000);
  } else {
    retry.disabled = state.busy;
  }
}

function clearConversation() {
  for (const turn of state.turns) clearInterval(turn.countdown);
  state.turns = [];
  ui.messages.replaceChildren();
  ui.empty.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Scrolling: follow the stream unless the reader scrolled up

function distanceFromBottom() {
  const c = ui.conversation;
  return c.scrollHeight - c.scrollTop - c.clientHeight;
}

function followStream() {
  if (state.follow) ui.conversation.scrollTop = ui.conversation.scrollHeight;
  ui.jump.hidden = distanceFromBottom() < 120;
}

ui.conversation.addEventListener("scroll", () => {
  const distance = distanceFromBottom();
  state.follow = distance < 40;
  ui.jump.hidden = distance < 120;
}, { passive: true });

ui.jump.addEventListener("click", () => {
  state.follow = true;
  followStream();
  ui.question.focus();
});

// ---------------------------------------------------------------------------------------------
// Composer

function maxChars() {
  return state.config?.max_question_chars ?? DEFAULT_MAX_CHARS;
}

function questionLength() {
  return [...ui.question.value].length; // code points: never fewer than the server's count
}

function updateComposer() {
  const length = questionLength();
  const limit = maxChars();
  const tooLong = length > limit;
  ui.counter.hidden = length < limit * COUNTER_FROM;
  ui.counter.textContent = `${length.toLocaleString()} / ${limit.toLocaleString()}`;
  ui.counter.classList.toggle("over", tooLong);
  ui.question.setAttribute("aria-invalid", String(tooLong));
  ui.send.disabled = state.busy || ui.question.value.trim() === "" || tooLong;
  growTextarea();
}

function growTextarea() {
  // CSS field-sizing does this where supported; elsewhere size it from its scroll height.
  if (CSS.supports("field-sizing", "content")) return;
  const area = ui.question;
  area.style.height = "auto";
  area.style.height = `${Math.min(area.scrollHeight, window.innerHeight * 0.4)}px`;
}

function setBusy(busy) {
  // Send and Stop share a place: keep keyboard focus from falling back to the page.
  const focused = document.activeElement;
  state.busy = busy;
  document.body.dataset.busy = String(busy);
  ui.send.hidden = busy;
  ui.stop.hidden = !busy;
  if (busy && focused === ui.send) ui.stop.focus();
  if (!busy && (focused === ui.stop || focused === document.body)) ui.question.focus();
  for (const node of ui.messages.querySelectorAll(".retry, .regenerate")) {
    node.disabled = busy || node.dataset.waiting === "true";
  }
  updateComposer();
}

ui.question.addEventListener("input", updateComposer);

ui.question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    if (!ui.send.disabled) ui.composer.requestSubmit();
  } else if (event.key === "Escape" && state.busy) {
    event.preventDefault();
    stopAnswer();
  }
});

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  if (ui.send.disabled) return;
  const question = ui.question.value;
  ui.question.value = "";
  updateComposer();
  askQuestion(question);
});

ui.stop.addEventListener("click", stopAnswer);

// ---------------------------------------------------------------------------------------------
// Asking

function selectedDeployment() {
  return ui.picker.hidden ? null : ui.deployment.value || null;
}

function adoptSession(id) {
  if (!id || id === state.sessionId) return;
  state.sessionId = id; // always the id the server issued
  store.sessionId = id;
  sidebar.setCurrent(id);
}

function askQuestion(question) {
  if (state.busy) return;
  state.answering = answer(question);
  return state.answering;
}

async function answer(question) {
  const turn = renderTurn({
    question, answer: "", usage: null, deployment: selectedDeployment(), status: "streaming", error: null, citations: [],
  });
  const previous = state.turns.at(-1);
  state.turns.push(turn);
  if (previous?.view) updateTurn(previous); // its Regenerate button moves to the new turn
  state.follow = true;
  state.controller = new AbortController();
  setBusy(true);
  updateTurn(turn);
  announce("Parley is answering");

  try {
    const result = await ask({
      question,
      sessionId: state.sessionId,
      deployment: turn.deployment,
      signal: state.controller.signal,
      onSession: ({ session_id: id, deployment }) => {
        adoptSession(id);
        if (deployment) turn.deployment = deployment;
      },
      onCitations: (citations) => {
        turn.citations = citations;
        renderSourcesOf(turn);
      },
      onDelta: (text) => {
        turn.answer += text;
        turn.view.typing.hidden = true;
        scheduleRender(turn);
      },
    });
    if (typeof result.answer === "string") turn.answer = result.answer;
    turn.usage = result.usage;
    turn.status = "done";
    announce("Answer complete");
  } catch (error) {
    if (error.name === "AbortError") {
      turn.status = "stopped"; // the server keeps the question and the partial answer too
      announce("Stopped");
    } else {
      turn.status = "error";
      turn.error = error instanceof AskError ? error : new AskError("client_error", String(error.message ?? error));
      if (turn.error.code === "not_found" && state.sessionId) {
        // Signed in, the conversation expired or was deleted elsewhere: Retry starts a new one.
        state.sessionId = null;
        store.sessionId = null;
        sidebar.setCurrent(null);
      }
      // The question is never lost: put it back unless something new was typed meanwhile.
      if (ui.question.value.trim() === "") {
        ui.question.value = question;
      }
      announce(`The question failed: ${turn.error.message}`);
    }
  } finally {
    state.controller = null;
    updateTurn(turn);
    setBusy(false);
    refreshSideInfo();
  }
}

/** The conversation list and what is left of the limits, after each answer. */
function refreshSideInfo() {
  sidebar.refresh().then(() => sidebar.setCurrent(state.sessionId));
  updateLimits();
}

function stopAnswer() {
  state.controller?.abort();
}

function retryTurn(turn) {
  if (state.busy) return;
  clearInterval(turn.countdown);
  turn.view.root.remove();
  state.turns = state.turns.filter((t) => t !== turn);
  if (ui.question.value === turn.question) ui.question.value = "";
  updateComposer();
  askQuestion(turn.question);
}

function regenerate(turn) {
  // The server keeps every answered turn, so regenerating asks the same question again as a
  // new turn: what the page shows stays what a reload restores.
  if (!state.busy) askQuestion(turn.question);
}

async function newChat() {
  if (state.busy) {
    // Let the stopped turn settle first, so the server has recorded it before it is deleted.
    stopAnswer();
    await state.answering;
  }
  const old = state.sessionId;
  state.sessionId = null;
  store.sessionId = null;
  sidebar.setCurrent(null);
  clearConversation();
  ui.exportMenu.open = false;
  ui.question.focus();
  announce("New chat started");
  // With a conversation list the old conversation stays in it; without one it is forgotten.
  if (old && !sidebar.available) {
    try {
      await deleteSession(old);
    } catch {
      // Forgotten here either way; the server's idle TTL removes it later.
    }
  }
}

ui.newChat.addEventListener("click", newChat);

// ---------------------------------------------------------------------------------------------
// Export

function exportAs(kind) {
  ui.exportMenu.open = false;
  const turns = state.turns.filter((t) => t.status !== "error");
  const exportedAt = new Date().toISOString();
  const stamp = exportedAt.slice(0, 16).replace(/[:T]/g, "-");
  const meta = { sessionId: state.sessionId, exportedAt };
  if (kind === "md") download(toMarkdown(turns, meta), `parley-${stamp}.md`, "text/markdown");
  else download(toJSON(turns, meta), `parley-${stamp}.json`, "application/json");
  announce("Conversation exported");
}

ui.exportMd.addEventListener("click", () => exportAs("md"));
ui.exportJson.addEventListener("click", () => exportAs("json"));
document.addEventListener("click", (event) => {
  if (ui.exportMenu.open && !ui.exportMenu.contains(event.target)) ui.exportMenu.open = false;
});
ui.exportMenu.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    ui.exportMenu.open = false;
    ui.exportMenu.querySelector("summary").focus();
  }
});

// The passage dialog: the close button, a click on the backdrop, and Escape (the dialog's own).
ui.passageClose.addEventListener("click", () => ui.passage.close());
ui.passage.addEventListener("click", (event) => {
  if (event.target === ui.passage) ui.passage.close();
});

// Copy buttons of code blocks are re-created on every streamed render: one delegated listener.
ui.messages.addEventListener("click", (event) => {
  const copy = event.target.closest(".copy-code");
  if (!copy) return;
  const code = copy.closest(".code-block")?.querySelector("code");
  if (code) copyWithFeedback(copy, code.textContent);
});

// ---------------------------------------------------------------------------------------------
// Start: configuration, deployment picker, offline banner, history

function showBanner(text, kind) {
  ui.banner.textContent = text;
  ui.banner.className = `banner ${kind}`;
  ui.banner.hidden = false;
}

function setUpPicker(config) {
  const deployments = Array.isArray(config.deployments) ? config.deployments : [];
  ui.picker.hidden = deployments.length < 2;
  ui.deployment.replaceChildren(...deployments.map((name) => {
    const option = h("option", "", name);
    option.value = name;
    return option;
  }));
  const remembered = store.deployment;
  ui.deployment.value = deployments.includes(remembered) ? remembered : (config.default_deployment ?? deployments[0] ?? "");
  updateModelNote();
}

function updateModelNote() {
  const name = ui.picker.hidden ? state.config?.default_deployment : ui.deployment.value;
  ui.modelNote.textContent = state.config?.mode === "offline" ? " · offline mode" : name ? ` · ${name}` : "";
}

ui.deployment.addEventListener("change", () => {
  store.deployment = ui.deployment.value;
  updateModelNote();
  announce(`Answers now come from ${ui.deployment.value}`);
});

async function loadConfig() {
  try {
    const config = await getConfig();
    state.config = config;
    setUpPicker(config);
    if (config.mode === "offline" && config.documents === true) {
      showBanner(
        "Offline mode: no Azure OpenAI endpoint is configured, so answers quote the passages of your documents " +
        "that best match each question. Set OPENAI_API_BASE and DEPLOYMENT_NAME (see the README) and restart " +
        "Parley to have a model write the answers.",
        "offline",
      );
    } else if (config.mode === "offline") {
      showBanner(
        "Offline mode: no Azure OpenAI endpoint is configured, so a built-in responder answers. " +
        "Set OPENAI_API_BASE and DEPLOYMENT_NAME (see the README) and restart Parley to talk to a model.",
        "offline",
      );
    }
  } catch (error) {
    showBanner(`Parley's configuration could not be loaded (${error.message}). Questions may still work.`, "warning");
  }
  updateComposer();
}

/** Shows one of the user's conversations from the list. */
async function openSession(id) {
  if (id === state.sessionId && state.turns.length > 0) return;
  if (state.busy) {
    stopAnswer();
    await state.answering;
  }
  state.sessionId = id;
  store.sessionId = id;
  sidebar.setCurrent(id);
  clearConversation();
  await restoreHistory();
  ui.question.focus();
  announce("Conversation opened");
}

function forgetIfCurrent(id) {
  if (id !== state.sessionId) return;
  state.sessionId = null;
  store.sessionId = null;
  clearConversation();
}

async function updateLimits() {
  const limits = await getLimits();
  const parts = [];
  if (limits && Number.isFinite(limits.tokens_left_today)) {
    parts.push(`${limits.tokens_left_today.toLocaleString()} tokens left today`);
  }
  if (limits && Number.isFinite(limits.questions_left) && limits.questions_left <= 3) {
    parts.push(`${limits.questions_left} ${limits.questions_left === 1 ? "question" : "questions"} left this minute`);
  }
  ui.limitsNote.textContent = parts.join(" · ");
  ui.limitsNote.hidden = parts.length === 0;
}

async function restoreHistory() {
  const id = state.sessionId;
  if (!id) return;
  try {
    const session = await getSession(id);
    if (state.turns.length > 0 || id !== state.sessionId) return; // the reader already moved on
    if (session === null) {
      state.sessionId = null; // unknown or expired: start fresh
      store.sessionId = null;
      sidebar.setCurrent(null);
      return;
    }
    const messages = Array.isArray(session.messages) ? session.messages : [];
    for (let i = 0; i < messages.length; i += 1) {
      if (messages[i].role !== "user") continue;
      const reply = messages[i + 1]?.role === "assistant" ? messages[i + 1] : null;
      const answer = reply?.content ?? "";
      // Answers from the documents come back with their citations: the same links and Sources list as live.
      const citations = Array.isArray(reply?.citations) ? reply.citations : [];
      const turn = { question: messages[i].content, answer, usage: null, deployment: null, status: "done", error: null, citations };
      state.turns.push(turn);
      renderTurn(turn);
    }
    state.turns.forEach(updateTurn);
    state.follow = true;
    followStream();
  } catch (error) {
    showBanner(`The previous conversation could not be loaded (${error.message}).`, "warning");
  }
}

/** With sign-in on (PARLEY_AUTH=entra): who is signed in, and a way out. */
async function showSignedIn() {
  if (state.config?.sign_in !== "entra") return;
  const me = await getMe().catch(() => null);
  if (!me) return;
  const user = $("user");
  user.textContent = me.name;
  user.title = `Signed in as ${me.name}`;
  user.hidden = false;
  const button = $("sign-out");
  button.hidden = false;
  button.addEventListener("click", () => signOut());
}

const sidebar = createSidebar({ onOpen: openSession, onDeleted: forgetIfCurrent, announce });

await Promise.all([loadConfig().then(showSignedIn), restoreHistory(), updateLimits()]);
// Only with sign-in is there a list (`conversation_list` in /config); without it, no request.
if (state.config?.conversation_list) {
  sidebar.enable();
  await sidebar.refresh();
  sidebar.setCurrent(state.sessionId);
}
document.body.dataset.ready = "true";
ui.question.focus();
