// Export of the conversation as Markdown or JSON, downloaded from a Blob (nothing leaves the page).

/** turns: [{question, answer, usage, deployment, status}] */
export function toMarkdown(turns, { sessionId, exportedAt }) {
  const parts = [`# Parley conversation`, ``, `Exported ${exportedAt}${sessionId ? ` · session ${sessionId}` : ""}`];
  for (const turn of turns) {
    parts.push("", "## You", "", turn.question);
    if (turn.answer) {
      const note = turn.status === "stopped" ? " (stopped)" : "";
      parts.push("", `## Parley${note}`, "", turn.answer);
    }
  }
  return parts.join("\n") + "\n";
}

export function toJSON(turns, { sessionId, exportedAt }) {
  const messages = [];
  for (const turn of turns) {
    messages.push({ role: "user", content: turn.question });
    if (turn.answer) {
      const message = { role: "assistant", content: turn.answer };
      if (turn.deployment) message.deployment = turn.deployment;
      if (turn.usage) message.usage = turn.usage;
      if (turn.status === "stopped") message.stopped = true;
      messages.push(message);
    }
  }
  return JSON.stringify({ session_id: sessionId ?? null, exported_at: exportedAt, messages }, null, 2) + "\n";
}

export function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
