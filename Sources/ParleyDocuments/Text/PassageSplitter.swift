import Crypto
import Foundation
import ParleyChat

/// Cuts a `DocumentText` into passages along headings and paragraphs: a passage never spans two
/// sections, holds whole paragraphs up to `targetTokens`, and repeats the previous passage's last
/// short paragraph (the overlap) so a statement cut at a boundary still has its context.
public struct PassageSplitter: Sendable {
    /// A few hundred tokens: enough context to answer from, small enough that five fit a prompt.
    public var targetTokens: Int
    /// A single paragraph longer than this is cut between its lines.
    public var maximumTokens: Int
    /// The previous passage's last paragraph is carried over when it is at most this long.
    public var overlapTokens: Int

    public init(targetTokens: Int = 300, maximumTokens: Int = 500, overlapTokens: Int = 50) {
        self.targetTokens = targetTokens
        self.maximumTokens = maximumTokens
        self.overlapTokens = overlapTokens
    }

    /// The same estimate as `PromptBuilder.estimatedTokens`: about 4 characters per token.
    static func estimatedTokens(_ text: String) -> Int { (text.count + 3) / 4 }

    struct Paragraph {
        var text: String
        var start: Int
        var end: Int
    }

    public func split(_ document: DocumentText, path: String) -> [IndexedPassage] {
        let title = document.title
            ?? document.lines.first(where: { $0.headingLevel == 1 })?.text
            ?? document.lines.first(where: { $0.headingLevel != nil })?.text
            ?? Self.fileTitle(path)
        var passages: [IndexedPassage] = []
        var stack: [(level: Int, text: String)] = []
        var paragraphs: [Paragraph] = []
        var current: Paragraph?

        func endParagraph() {
            if let paragraph = current { paragraphs.append(paragraph) }
            current = nil
        }
        func endSection() {
            endParagraph()
            passages += cut(paragraphs, path: path, title: title, headings: stack.map(\.text))
            paragraphs = []
        }

        for line in document.lines {
            if let level = line.headingLevel {
                endSection()
                stack.removeAll { $0.level >= level }
                stack.append((level, line.text))
                continue
            }
            if line.text.trimmingCharacters(in: .whitespaces).isEmpty {
                endParagraph()
                continue
            }
            if var paragraph = current {
                paragraph.text += "\n" + line.text
                paragraph.end = line.sourceEnd
                current = paragraph
            } else {
                current = Paragraph(text: line.text, start: line.sourceStart, end: line.sourceEnd)
            }
        }
        endSection()
        return passages
    }

    /// Groups one section's paragraphs into passages.
    func cut(_ paragraphs: [Paragraph], path: String, title: String, headings: [String]) -> [IndexedPassage] {
        let pieces = paragraphs.flatMap { chop($0) }
        var passages: [IndexedPassage] = []
        var group: [Paragraph] = []
        var groupHasNew = false

        func emit() {
            guard groupHasNew, let first = group.first, let last = group.last else { return }
            let text = group.map(\.text).joined(separator: "\n\n")
            passages.append(Self.passage(path: path, title: title, headings: headings, start: first.start, end: last.end, text: text))
        }

        for piece in pieces {
            let size = group.reduce(0) { $0 + Self.estimatedTokens($1.text) }
            if groupHasNew, size + Self.estimatedTokens(piece.text) > targetTokens {
                emit()
                let carried = group.last.flatMap { Self.estimatedTokens($0.text) <= overlapTokens ? $0 : nil }
                group = carried.map { [$0] } ?? []
                groupHasNew = false
            }
            group.append(piece)
            groupHasNew = true
        }
        emit()
        return passages
    }

    /// A paragraph longer than `maximumTokens`, cut between lines (a long line stays whole).
    func chop(_ paragraph: Paragraph) -> [Paragraph] {
        guard Self.estimatedTokens(paragraph.text) > maximumTokens else { return [paragraph] }
        var pieces: [Paragraph] = []
        var piece: Paragraph?
        for (offset, line) in paragraph.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Lines of a paragraph map one to one onto source lines for Markdown and text; for HTML
            // a paragraph is usually one line, which then stays one piece.
            let number = min(paragraph.start + offset, paragraph.end)
            if var current = piece, Self.estimatedTokens(current.text) + Self.estimatedTokens(String(line)) <= targetTokens {
                current.text += "\n" + line
                current.end = number
                piece = current
            } else {
                if let current = piece { pieces.append(current) }
                piece = Paragraph(text: String(line), start: number, end: number)
            }
        }
        if let current = piece { pieces.append(current) }
        if var last = pieces.popLast() {
            last.end = paragraph.end
            pieces.append(last)
        }
        return pieces
    }

    static func passage(path: String, title: String, headings: [String], start: Int, end: Int, text: String) -> IndexedPassage {
        let passage = DocumentPassage(
            id: passageID(path: path, start: start, end: end, text: text),
            path: path, title: title, headings: headings, lineStart: start, lineEnd: end, text: text
        )
        return IndexedPassage(passage: passage, contentHash: contentHash(of: passage))
    }

    /// Stable and URL-safe: the same file content gives the same ids; 128 bits of SHA-256, base64url.
    static func passageID(path: String, start: Int, end: Int, text: String) -> String {
        let digest = SHA256.hash(data: Data("\(path)\n\(start)-\(end)\n\(text)".utf8))
        return Data(digest.prefix(16)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The hash of what is embedded, the key of the embeddings cache.
    public static func contentHash(of passage: DocumentPassage) -> String {
        sha256Hex(Data(embeddingInput(passage).utf8))
    }

    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// What an embedding represents: title and headings give a short passage its topic.
    public static func embeddingInput(_ passage: DocumentPassage) -> String {
        ([passage.title] + passage.headings + [passage.text]).joined(separator: "\n")
    }

    static func fileTitle(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let stem = name.split(separator: ".").dropLast().joined(separator: ".")
        return stem.isEmpty ? name : stem
    }
}
