// Citations of answers grounded in the team's documents (issue 14): [n] markers in an answer
// become links, a sources list goes under the answer, and either opens the passage (file,
// heading, text, fetched from /documents/{id}) in a dialog. Everything is built from text with
// DOM calls, never innerHTML, like the Markdown renderer.

const MARKER = /\[(\d{1,3})\]/g;

/** The document's URL relative to the page, from a citation's `url` ("/documents/{id}"). */
function passageURL(citation) {
  return String(citation.url ?? "").replace(/^\//, "");
}

/** "Title › Heading › Subheading"; a first heading that repeats the title (a Markdown `# Title`) once. */
function label(citation) {
  const headings = String(citation.heading ?? "").split(" › ").filter(Boolean);
  if (headings[0] === citation.title) headings.shift();
  return [citation.title, ...headings].join(" › ");
}

/**
 * Turns the [n] markers of a rendered answer into links to their passages. Markers inside code,
 * and numbers that are not among the answer's citations, stay text.
 */
export function linkCitations(root, citations, open) {
  if (!Array.isArray(citations) || citations.length === 0) return;
  const byNumber = new Map(citations.map((citation) => [String(citation.n), citation]));
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement?.closest("code, pre, a") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const nodes = [];
  while (walker.nextNode()) {
    MARKER.lastIndex = 0;
    if (MARKER.test(walker.currentNode.nodeValue)) nodes.push(walker.currentNode);
  }
  for (const node of nodes) {
    const text = node.nodeValue;
    const pieces = [];
    let last = 0;
    MARKER.lastIndex = 0;
    for (let match = MARKER.exec(text); match; match = MARKER.exec(text)) {
      const citation = byNumber.get(match[1]);
      if (!citation) continue;
      if (match.index > last) pieces.push(document.createTextNode(text.slice(last, match.index)));
      pieces.push(citationLink(citation, match[0], open));
      last = match.index + match[0].length;
    }
    if (pieces.length === 0) continue;
    if (last < text.length) pieces.push(document.createTextNode(text.slice(last)));
    node.replaceWith(...pieces);
  }
}

function citationLink(citation, text, open) {
  const link = document.createElement("a");
  link.className = "cite";
  link.href = passageURL(citation);
  link.textContent = text;
  link.title = `${label(citation)} (${citation.path})`;
  link.dataset.n = String(citation.n);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    open(citation);
  });
  return link;
}

/** The citations whose [n] the answer's text uses: the model is given more passages than it cites. */
export function citedIn(text, citations) {
  if (!Array.isArray(citations) || citations.length === 0 || !text) return [];
  const used = new Set();
  MARKER.lastIndex = 0;
  for (let match = MARKER.exec(text); match; match = MARKER.exec(text)) used.add(match[1]);
  return citations.filter((citation) => used.has(String(citation.n)));
}

/** The list of sources under an answer, or null when it cites nothing. */
export function renderSources(citations, open) {
  if (!Array.isArray(citations) || citations.length === 0) return null;
  const list = document.createElement("ol");
  list.className = "sources-list";
  for (const citation of citations) {
    const item = document.createElement("li");
    item.value = citation.n;
    const link = document.createElement("a");
    link.className = "source";
    link.href = passageURL(citation);
    link.dataset.n = String(citation.n);
    const title = document.createElement("span");
    title.className = "source-title";
    title.textContent = label(citation);
    const path = document.createElement("span");
    path.className = "source-path";
    path.textContent = citation.path;
    link.append(title, path);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      open(citation);
    });
    item.append(link);
    list.append(item);
  }
  const section = document.createElement("section");
  section.className = "sources";
  const heading = document.createElement("h2");
  heading.className = "sources-heading";
  heading.textContent = "Sources";
  section.append(heading, list);
  return section;
}

/** Opens the passage of `citation` in the page's passage dialog (fetched each time: documents change). */
export async function openPassage(dialog, citation) {
  const title = dialog.querySelector("#passage-title");
  const where = dialog.querySelector("#passage-where");
  const text = dialog.querySelector("#passage-text");
  title.textContent = `[${citation.n}] ${citation.title}`;
  where.textContent = citation.path;
  text.textContent = "Loading…";
  dialog.dataset.state = "loading";
  if (!dialog.open) dialog.showModal();
  try {
    const response = await fetch(passageURL(citation), { headers: { Accept: "application/json" } });
    if (response.status === 404) {
      // A restored answer may cite a passage that a re-index has since changed or removed.
      text.textContent = "This passage is no longer in the documents (they have changed since this answer).";
      dialog.dataset.state = "gone";
      return;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
    }
    const passage = await response.json();
    const heading = Array.isArray(passage.headings) ? passage.headings.join(" › ") : passage.heading ?? "";
    title.textContent = `[${citation.n}] ${passage.title}`;
    where.textContent = `${passage.path}, lines ${passage.line_start}–${passage.line_end}${heading ? ` · ${heading}` : ""}`;
    text.textContent = passage.text;
    dialog.dataset.state = "loaded";
  } catch (error) {
    text.textContent = `The passage could not be opened: ${error.message}`;
    dialog.dataset.state = "error";
  }
}
