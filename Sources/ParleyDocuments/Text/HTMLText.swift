import Foundation

/// HTML to `DocumentText`: the text a reader sees. <script>, <style> and <head> are dropped (their
/// <title> becomes the title), block elements end a line, <h1>–<h6> become headings, entities are
/// decoded. A small scanner rather than a parser: nothing in our stack parses HTML, and documents
/// only need their text, not a DOM; malformed markup degrades to more or less text, never an error.
enum HTMLText {
    /// Elements whose start or end begins a new line (HTML's block-level and list/table elements).
    static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption",
        "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "body", "html", "details", "summary",
    ]
    /// Elements whose content is never shown as text.
    static let hiddenElements: Set<String> = ["script", "style", "head", "noscript", "template", "svg"]

    static func parse(_ source: String) -> DocumentText {
        var builder = LineBuilder()
        var title: String?
        let chars = Array(source.unicodeScalars)
        var i = 0
        var line = 1
        var hidden: String?
        var inTitle = false
        var titleText = ""
        var heading: Int?

        func advanceLines(_ from: Int, _ to: Int) {
            for k in from..<min(to, chars.count) where chars[k] == "\n" { line += 1 }
        }

        while i < chars.count {
            let c = chars[i]
            if c == "<" {
                // Comments and doctype are skipped whole.
                if matches(chars, i, "<!--") {
                    let end = find(chars, from: i + 4, "-->") ?? chars.count
                    advanceLines(i, end + 3)
                    i = end + 3
                    continue
                }
                guard let close = chars[i...].firstIndex(of: ">") else {
                    builder.append(text: "<", line: line)
                    i += 1
                    continue
                }
                let tag = parseTag(chars[(i + 1)..<close])
                let tagLine = line
                advanceLines(i, close + 1)
                i = close + 1
                guard let tag else { continue }
                if let open = hidden {
                    if tag.closing && tag.name == open { hidden = nil }
                    // <title> lives in <head>: read it even while the head is hidden.
                    if tag.name == "title" { inTitle = !tag.closing; if tag.closing { title = title ?? collapse(titleText) } }
                    continue
                }
                if tag.name == "title" {
                    inTitle = !tag.closing
                    if tag.closing { title = title ?? collapse(titleText) }
                    continue
                }
                if hiddenElements.contains(tag.name), !tag.closing, !tag.selfClosing {
                    hidden = tag.name
                    continue
                }
                if let level = headingLevel(tag.name) {
                    builder.breakLine(line: tagLine)
                    heading = tag.closing ? nil : level
                    builder.headingLevel = heading
                    continue
                }
                if blockElements.contains(tag.name) {
                    builder.breakLine(line: tagLine)
                    if tag.name == "p" || tag.name == "div" || tag.name == "section" || tag.name == "table" || tag.name == "ul" || tag.name == "ol" || tag.name == "pre" || tag.name == "blockquote" {
                        builder.blankLine()
                    }
                    if tag.name == "li", !tag.closing { builder.append(text: "- ", line: tagLine) }
                }
                continue
            }
            if c == "&" {
                if let (decoded, length) = decodeEntity(chars, at: i) {
                    if inTitle { titleText += decoded } else if hidden == nil { builder.append(text: decoded, line: line) }
                    i += length
                    continue
                }
            }
            if c == "\n" { line += 1 }
            if inTitle {
                titleText.unicodeScalars.append(c)
            } else if hidden == nil {
                builder.append(text: c == "\n" || c == "\t" || c == "\r" ? " " : String(c), line: line)
            }
            i += 1
        }
        builder.breakLine(line: line)
        return DocumentText(title: title.flatMap { $0.isEmpty ? nil : $0 }, lines: builder.lines)
    }

    struct Tag {
        var name: String
        var closing: Bool
        var selfClosing: Bool
    }

    static func parseTag(_ body: ArraySlice<Unicode.Scalar>) -> Tag? {
        var text = String(String.UnicodeScalarView(body))
        guard !text.isEmpty, !text.hasPrefix("!"), !text.hasPrefix("?") else { return nil }
        let closing = text.hasPrefix("/")
        if closing { text.removeFirst() }
        let selfClosing = text.hasSuffix("/")
        let name = text.prefix(while: { $0.isLetter || $0.isNumber }).lowercased()
        return name.isEmpty ? nil : Tag(name: name, closing: closing, selfClosing: selfClosing)
    }

    static func headingLevel(_ name: String) -> Int? {
        guard name.count == 2, name.first == "h", let digit = name.last?.wholeNumberValue, (1...6).contains(digit) else { return nil }
        return digit
    }

    static func matches(_ chars: [Unicode.Scalar], _ at: Int, _ literal: String) -> Bool {
        let scalars = Array(literal.unicodeScalars)
        guard at + scalars.count <= chars.count else { return false }
        return Array(chars[at..<(at + scalars.count)]) == scalars
    }

    static func find(_ chars: [Unicode.Scalar], from: Int, _ literal: String) -> Int? {
        var k = from
        while k < chars.count {
            if matches(chars, k, literal) { return k }
            k += 1
        }
        return nil
    }

    /// The entities documents use; numeric ones for the rest.
    /// https://html.spec.whatwg.org/multipage/named-characters.html
    static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "mdash": "—", "ndash": "–",
        "hellip": "…", "copy": "©", "reg": "®", "trade": "™", "rsquo": "’", "lsquo": "‘", "ldquo": "“",
        "rdquo": "”", "laquo": "«", "raquo": "»", "middot": "·", "bull": "•", "rarr": "→", "larr": "←",
        "times": "×", "euro": "€", "deg": "°",
    ]

    static func decodeEntity(_ chars: [Unicode.Scalar], at start: Int) -> (String, Int)? {
        var k = start + 1
        var name = ""
        while k < chars.count, k - start <= 32, chars[k] != ";" {
            let c = chars[k]
            guard c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "#" else { return nil }
            name.unicodeScalars.append(c)
            k += 1
        }
        guard k < chars.count, chars[k] == ";" else { return nil }
        let length = k - start + 1
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            guard let value = UInt32(name.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(value) else { return nil }
            return (String(scalar), length)
        }
        if name.hasPrefix("#") {
            guard let value = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(value) else { return nil }
            return (String(scalar), length)
        }
        return namedEntities[name].map { ($0, length) }
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Collects text into lines, collapsing whitespace and remembering the source lines of each.
    struct LineBuilder {
        var lines: [DocumentText.Line] = []
        var current = ""
        var start: Int?
        var end = 0
        var headingLevel: Int?

        mutating func append(text: String, line: Int) {
            if text == " ", current.isEmpty || current.hasSuffix(" ") { return }
            if start == nil { start = line }
            current += text
            end = line
        }

        mutating func breakLine(line: Int) {
            let text = HTMLText.collapse(current)
            if let start, !text.isEmpty {
                lines.append(.init(text: text, sourceStart: start, sourceEnd: max(start, end), headingLevel: headingLevel))
            }
            current = ""
            start = nil
        }

        /// A paragraph break, so the splitter sees paragraphs (no two blank lines in a row).
        mutating func blankLine() {
            guard let last = lines.last, !last.text.isEmpty else { return }
            lines.append(.init(text: "", sourceStart: last.sourceEnd, sourceEnd: last.sourceEnd))
        }
    }
}
