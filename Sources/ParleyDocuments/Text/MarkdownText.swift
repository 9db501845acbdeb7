import Foundation

/// Markdown (and plain text) to `DocumentText`: ATX (`# Title`) and setext (`Title` over `===` or
/// `---`) headings, YAML front matter left out, and no headings inside fenced code blocks.
/// Plain text goes through the same path with `headings: false`, keeping its lines as they are.
enum MarkdownText {
    static func parse(_ source: String, headings: Bool = true) -> DocumentText {
        let raw = source.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        var lines: [DocumentText.Line] = []
        var index = 0
        if headings, raw.first?.trimmingCharacters(in: .whitespaces) == "---" {
            // Front matter: metadata, not prose; skipped only when it is closed.
            if let end = raw.dropFirst().firstIndex(where: { ["---", "..."].contains($0.trimmingCharacters(in: .whitespaces)) }) {
                index = end + 1
            }
        }
        var fence: String?
        while index < raw.count {
            let line = raw[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let number = index + 1
            if headings {
                if let open = fence {
                    if trimmed.hasPrefix(open) { fence = nil }
                    lines.append(.init(text: line, sourceStart: number, sourceEnd: number))
                    index += 1
                    continue
                }
                if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                    fence = String(trimmed.prefix(3))
                    lines.append(.init(text: line, sourceStart: number, sourceEnd: number))
                    index += 1
                    continue
                }
                if let (level, title) = atxHeading(line) {
                    lines.append(.init(text: title, sourceStart: number, sourceEnd: number, headingLevel: level))
                    index += 1
                    continue
                }
                if !trimmed.isEmpty, index + 1 < raw.count, let level = setextLevel(raw[index + 1]),
                   !(lines.last.map { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty && $0.headingLevel == nil } ?? false) {
                    lines.append(.init(text: trimmed, sourceStart: number, sourceEnd: number + 1, headingLevel: level))
                    index += 2
                    continue
                }
            }
            lines.append(.init(text: line, sourceStart: number, sourceEnd: number))
            index += 1
        }
        return DocumentText(lines: lines)
    }

    /// `# Title`, up to three spaces of indent, 1–6 hashes then a space; closing hashes dropped.
    /// https://spec.commonmark.org/0.31.2/#atx-headings
    static func atxHeading(_ line: String) -> (Int, String)? {
        let indent = line.prefix(while: { $0 == " " }).count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        let hashes = rest.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(hashes) else { return nil }
        let after = rest.dropFirst(hashes)
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        var title = after.trimmingCharacters(in: .whitespaces)
        while title.hasSuffix("#") { title.removeLast() }
        title = title.trimmingCharacters(in: .whitespaces)
        return title.isEmpty ? nil : (hashes, title)
    }

    /// A setext underline: only `=` (level 1) or only `-` (level 2), at most three spaces of indent.
    static func setextLevel(_ line: String) -> Int? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, line.prefix(while: { $0 == " " }).count <= 3 else { return nil }
        if trimmed.allSatisfy({ $0 == "=" }) { return 1 }
        if trimmed.allSatisfy({ $0 == "-" }) { return 2 }
        return nil
    }
}
