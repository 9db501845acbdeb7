// A small Markdown renderer for model output.
//
// Safety comes from construction, not from sanitising: the text is only ever placed into the page
// with createTextNode, and the only elements this file creates are the ones listed in ALLOWED
// below. Attributes are set from fixed values, except a link's href, which must parse as an
// absolute http:, https: or mailto: URL. Raw HTML in the answer therefore shows as text, and the
// model can never create scripts, event handlers, iframes, forms, images or styles.
//
// Supported: paragraphs (single newlines become line breaks), ATX headings, bold, italic,
// strikethrough, inline code, fenced code blocks (also unfinished ones while streaming), ordered
// and unordered lists (nested by indentation), block quotes, horizontal rules, pipe tables,
// [links](url), <autolinks> and bare http(s) URLs. Images are shown as links, never loaded.

const ALLOWED = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre", "ul", "ol", "li",
  "blockquote", "hr", "a", "br", "table", "thead", "tbody", "tr", "th", "td", "div", "span", "button",
]);

const MAX_DEPTH = 12; // nesting deeper than this is shown as plain text (keeps recursion bounded)

const FENCE = /^( {0,3})(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|[ \t]*)$/;
const TABLE_DIVIDER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const PUNCTUATION = /[!-/:-@[-`{-~]/;
const BARE_URL = /^https?:\/\/[^\s<>"]+/i;
const AUTOLINK = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i;

/** Renders `text` into a DocumentFragment. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  renderBlocks(lines, fragment, 0);
  return fragment;
}

/** The URL a link may point to, or null: only absolute http, https and mailto URLs pass. */
export function safeUrl(raw) {
  const candidate = String(raw).trim();
  if (candidate === "" || /[\u0000-\u0020\u007f-\u009f]/.test(candidate)) return null;
  let url;
  try {
    url = new URL(candidate); // no base: relative and scheme-less URLs are rejected
  } catch {
    return null;
  }
  return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
}

function el(name, ...children) {
  if (!ALLOWED.has(name)) throw new Error(`markdown: element ${name} is not allowed`);
  const node = document.createElement(name);
  for (const child of children) node.append(child);
  return node;
}

function indentOf(line) {
  return line.length - line.trimStart().length;
}

function isBlank(line) {
  return line.trim() === "";
}

/** Does this line start a block that ends a paragraph? */
function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) ||
    (ITEM.test(line) && ITEM.exec(line)[3] !== undefined);
}

function renderBlocks(lines, parent, depth) {
  if (depth > MAX_DEPTH) {
    parent.append(el("p", lines.join("\n")));
    return;
  }
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i += 1;
      continue;
    }
    let match;
    if ((match = FENCE.exec(line))) {
      i = renderFence(lines, i, match, parent);
    } else if ((match = HEADING.exec(line))) {
      const heading = el(`h${match[1].length}`);
      renderInline(match[2] ?? "", heading, depth);
      parent.append(heading);
      i += 1;
    } else if (RULE.test(line)) {
      parent.append(el("hr"));
      i += 1;
    } else if (QUOTE.test(line)) {
      const quoted = [];
      while (i < lines.length && (match = QUOTE.exec(lines[i]))) {
        quoted.push(match[1]);
        i += 1;
      }
      const quote = el("blockquote");
      renderBlocks(quoted, quote, depth + 1);
      parent.append(quote);
    } else if (ITEM.test(line) && ITEM.exec(line)[3] !== undefined) {
      i = renderList(lines, i, parent, depth);
    } else if (line.includes("|") && i + 1 < lines.length && TABLE_DIVIDER.test(lines[i + 1]) &&
               lines[i + 1].includes("|")) {
      i = renderTable(lines, i, parent, depth);
    } else {
      const paragraph = [line];
      i += 1;
      while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i])) {
        paragraph.push(lines[i]);
        i += 1;
      }
      const p = el("p");
      renderInline(paragraph.map((l) => l.trim()).join("\n"), p, depth);
      parent.append(p);
    }
  }
}

function renderFence(lines, start, match, parent) {
  const [, indent, marker, language] = match;
  const body = [];
  let i = start + 1;
  while (i < lines.length) {
    const closing = lines[i].trim();
    if (closing.length >= marker.length && closing === marker[0].repeat(closing.length) &&
        indentOf(lines[i]) < 4) {
      i += 1;
      break;
    }
    // Strip the fence's own indentation from the content lines, as CommonMark does.
    body.push(lines[i].slice(Math.min(indent.length, indentOf(lines[i]))));
    i += 1;
  }
  parent.append(codeBlock(body.join("\n"), language));
  return i;
}

/** A code block with a header holding the language name and a copy button. */
function codeBlock(code, language) {
  const label = el("span", language ? language.slice(0, 30) : "code");
  label.className = "code-lang";
  const copy = el("button", "Copy");
  copy.type = "button";
  copy.className = "copy-code";
  copy.setAttribute("aria-label", language ? `Copy ${language.slice(0, 30)} code` : "Copy code");
  const head = el("div", label, copy);
  head.className = "code-head";
  const pre = el("pre", el("code", code));
  pre.tabIndex = 0; // long lines scroll sideways; let keyboard users scroll too
  const block = el("div", head, pre);
  block.className = "code-block";
  return block;
}

function renderList(lines, start, parent, depth) {
  const first = ITEM.exec(lines[start]);
  const baseIndent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = el(ordered ? "ol" : "ul");
  if (ordered) {
    const number = parseInt(first[2], 10);
    if (number !== 1) list.start = number;
  }
  let i = start;
  while (i < lines.length) {
    const match = ITEM.exec(lines[i]);
    if (!match || match[1].length !== baseIndent || /\d/.test(match[2]) !== ordered) break;
    const contentIndent = baseIndent + match[2].length + 1;
    const content = [match[3] ?? ""];
    i += 1;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        // A blank line continues the item only if indented content follows.
        let next = i + 1;
        while (next < lines.length && isBlank(lines[next])) next += 1;
        if (next < lines.length && indentOf(lines[next]) >= contentIndent) {
          content.push("");
          i += 1;
          continue;
        }
        break;
      }
      const indent = indentOf(line);
      if (indent > baseIndent) {
        content.push(line.slice(Math.min(indent, contentIndent)));
        i += 1;
      } else if (!startsBlock(line) && !ITEM.test(line)) {
        content.push(line.trim()); // lazy continuation of the item's paragraph
        i += 1;
      } else {
        break;
      }
    }
    const item = el("li");
    renderBlocks(content, item, depth + 1);
    list.append(item);
    // Skip blank lines between items of the same list.
    let next = i;
    while (next < lines.length && isBlank(lines[next])) next += 1;
    const sibling = next < lines.length ? ITEM.exec(lines[next]) : null;
    if (sibling && sibling[1].length === baseIndent && /\d/.test(sibling[2]) === ordered) i = next;
  }
  parent.append(list);
  return i;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells = [];
  let cell = "";
  let inCode = false;
  for (let k = 0; k < row.length; k += 1) {
    const c = row[k];
    if (c === "\\" && row[k + 1] === "|") {
      cell += "|";
      k += 1;
    } else if (c === "`") {
      inCode = !inCode;
      cell += c;
    } else if (c === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}

function renderTable(lines, start, parent, depth) {
  const header = splitRow(lines[start]);
  const alignments = splitRow(lines[start + 1]).map((spec) => {
    if (spec.startsWith(":") && spec.endsWith(":")) return "align-center";
    if (spec.endsWith(":")) return "align-right";
    return "";
  });
  const row = (cells, cellName) => {
    const tr = el("tr");
    header.forEach((_, column) => {
      const cell = el(cellName);
      if (alignments[column]) cell.className = alignments[column];
      renderInline(cells[column] ?? "", cell, depth + 1);
      tr.append(cell);
    });
    return tr;
  };
  const body = el("tbody");
  let i = start + 2;
  while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|") && !startsBlock(lines[i])) {
    body.append(row(splitRow(lines[i]), "td"));
    i += 1;
  }
  const table = el("table", el("thead", row(header, "th")), body);
  const wrapper = el("div", table);
  wrapper.className = "table-wrap"; // lets wide tables scroll sideways on a phone
  parent.append(wrapper);
  return i;
}

/** Index of the closing delimiter for an emphasis run opened at `from`, or -1. */
function findClosing(text, delimiter, from) {
  let j = text.indexOf(delimiter, from);
  while (j !== -1) {
    const before = text[j - 1];
    const after = text[j + delimiter.length];
    const rightFlanking = before !== undefined && !/\s/.test(before);
    const intraword = delimiter[0] === "_" && after !== undefined && /[\p{L}\p{N}]/u.test(after);
    // For a single delimiter, skip ones that are part of a longer run (e.g. `**` inside `*…*`).
    const partOfRun = delimiter.length === 1 && (after === delimiter || before === delimiter);
    if (rightFlanking && !intraword && !partOfRun && j > from) {
      // `***x***`: the strong closes on the last two stars, leaving `*x*` inside for the em.
      while (delimiter.length > 1 && text[j + delimiter.length] === delimiter[0]) j += 1;
      return j;
    }
    j = text.indexOf(delimiter, j + 1);
  }
  return -1;
}

/** Index of the `]` that closes the `[` at `open`, honouring nesting and escapes; or -1. */
function findLabelEnd(text, open) {
  let level = 0;
  for (let k = open; k < text.length; k += 1) {
    if (text[k] === "\\") k += 1;
    else if (text[k] === "[") level += 1;
    else if (text[k] === "]" && --level === 0) return k;
  }
  return -1;
}

/** Parses `(destination "title")` starting at `open`; returns {url, end} or null. */
function parseDestination(text, open) {
  if (text[open] !== "(") return null;
  let level = 0;
  for (let k = open; k < text.length; k += 1) {
    if (text[k] === "\\") k += 1;
    else if (text[k] === "(") level += 1;
    else if (text[k] === ")" && --level === 0) {
      let inner = text.slice(open + 1, k).trim();
      inner = inner.replace(/\s+("[^"]*"|'[^']*')$/, ""); // drop an optional title
      if (inner.startsWith("<") && inner.endsWith(">")) inner = inner.slice(1, -1);
      return { url: inner, end: k + 1 };
    }
    else if (text[k] === "\n") return null;
  }
  return null;
}

function link(url, children) {
  const a = el("a", ...children);
  a.href = url;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

/** Trailing punctuation is rarely part of a bare URL in prose ("see https://x.org."). */
function trimBareUrl(url) {
  let end = url.length;
  while (end > 0 && /[.,;:!?'*_~]/.test(url[end - 1])) end -= 1;
  let trimmed = url.slice(0, end);
  while (trimmed.endsWith(")") &&
         (trimmed.match(/\(/g) ?? []).length < (trimmed.match(/\)/g) ?? []).length) {
    trimmed = trimmed.slice(0, -1);
  }
  return trimmed;
}

function renderInline(text, parent, depth) {
  if (depth > MAX_DEPTH) {
    parent.append(text);
    return;
  }
  let buffer = "";
  const flush = () => {
    if (buffer) parent.append(document.createTextNode(buffer));
    buffer = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i);

    if (c === "\\" && i + 1 < text.length && PUNCTUATION.test(text[i + 1])) {
      buffer += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "\n") {
      flush();
      parent.append(el("br"));
      i += 1;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(rest)[0];
      const close = new RegExp(`(?<!\`)${run}(?!\`)`).exec(text.slice(i + run.length));
      if (close) {
        let code = text.slice(i + run.length, i + run.length + close.index).replace(/\n/g, " ");
        if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ")) code = code.slice(1, -1);
        flush();
        parent.append(el("code", code));
        i += run.length + close.index + run.length;
      } else {
        buffer += run;
        i += run.length;
      }
      continue;
    }
    if (c === "*" || c === "_" || c === "~") {
      const run = new RegExp(`^\\${c}+`).exec(rest)[0];
      const before = text[i - 1];
      const canOpen = !/\s/.test(text[i + run.length] ?? " ") &&
        !(c === "_" && before !== undefined && /[\p{L}\p{N}]/u.test(before));
      const tries = c === "~" ? [["~~", "del"]] : [[c + c, "strong"], [c, "em"]];
      let handled = false;
      if (canOpen) {
        for (const [delimiter, tag] of tries) {
          if (run.length < delimiter.length) continue;
          const start = i + delimiter.length;
          const end = findClosing(text, delimiter, start);
          if (end > start) {
            flush();
            const node = el(tag);
            renderInline(text.slice(start, end), node, depth + 1);
            parent.append(node);
            i = end + delimiter.length;
            handled = true;
            break;
          }
        }
      }
      if (!handled) {
        buffer += run;
        i += run.length;
      }
      continue;
    }
    if (c === "[" || (c === "!" && text[i + 1] === "[")) {
      const image = c === "!";
      const open = image ? i + 1 : i;
      const labelEnd = findLabelEnd(text, open);
      const destination = labelEnd === -1 ? null : parseDestination(text, labelEnd + 1);
      if (destination) {
        const label = text.slice(open + 1, labelEnd);
        const url = safeUrl(destination.url);
        flush();
        if (url) {
          const children = document.createDocumentFragment();
          if (image) children.append(`Image: ${label || url}`); // never loaded: no request leaves the page
          else renderInline(label, children, depth + 1);
          parent.append(link(url, [children]));
        } else {
          renderInline(label, parent, depth + 1); // unsafe target: keep only the text
        }
        i = destination.end;
        continue;
      }
      buffer += c;
      i += 1;
      continue;
    }
    if (c === "<") {
      const match = AUTOLINK.exec(rest);
      const url = match && safeUrl(match[1]);
      if (url) {
        flush();
        parent.append(link(url, [match[1]]));
        i += match[0].length;
        continue;
      }
    }
    if ((c === "h" || c === "H") && !/[\p{L}\p{N}]/u.test(text[i - 1] ?? " ")) {
      const match = BARE_URL.exec(rest);
      if (match) {
        const raw = trimBareUrl(match[0]);
        const url = safeUrl(raw);
        if (url) {
          flush();
          parent.append(link(url, [raw]));
          i += raw.length;
          continue;
        }
      }
    }
    buffer += c;
    i += 1;
  }
  flush();
}
