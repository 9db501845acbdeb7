// Reads a text/event-stream response body (fetch + ReadableStream) as {event, data} objects.
// EventSource cannot send a POST body, so /ask's stream is parsed here, following the WHATWG
// "event stream interpretation" rules: lines end in \n, \r\n or \r; a blank line dispatches;
// lines starting with ":" are comments (the server's 15 s ": ping"); "data" lines are joined
// with "\n"; an event without data is not dispatched.

/** Yields {event, data} for each event in the body; `data` is the raw string. */
export async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new EventStreamParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* parser.push(value);
    }
    yield* parser.push("\n\n"); // dispatch a last event that lacked its blank line
  } finally {
    reader.releaseLock();
  }
}

export class EventStreamParser {
  #pending = "";
  #event = "";
  #data = [];

  /** Feeds a decoded chunk; returns the events it completed. */
  push(chunk) {
    const events = [];
    this.#pending += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#pending);
      if (!match) break;
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (match[0] === "\r" && match.index === this.#pending.length - 1) break;
      const line = this.#pending.slice(0, match.index);
      this.#pending = this.#pending.slice(match.index + match[0].length);
      this.#line(line, events);
    }
    return events;
  }

  #line(line, events) {
    if (line === "") {
      if (this.#data.length > 0) {
        events.push({ event: this.#event || "message", data: this.#data.join("\n") });
      }
      this.#event = "";
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#event = value;
    else if (field === "data") this.#data.push(value);
  }
}
