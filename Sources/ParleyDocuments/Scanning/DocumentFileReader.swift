import Foundation

/// Reads one scanned file and turns it into `DocumentText`, or says why it is skipped.
enum DocumentFileReader {
    enum Outcome {
        case text(DocumentText, bytes: Data)
        case skipped(SkippedFile.Reason)
    }

    static func read(_ url: URL) -> Outcome {
        guard let data = try? Data(contentsOf: url) else { return .skipped(.unreadable) }
        return parse(data, fileExtension: url.pathExtension.lowercased())
    }

    /// Binary means a NUL byte or bytes that are not UTF-8 (a BOM is dropped).
    static func parse(_ data: Data, fileExtension: String) -> Outcome {
        guard !data.contains(0), var text = String(validating: data, as: UTF8.self) else { return .skipped(.binary) }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let document: DocumentText
        switch fileExtension {
        case "html", "htm": document = HTMLText.parse(text)
        case "txt": document = MarkdownText.parse(text, headings: false)
        default: document = MarkdownText.parse(text)
        }
        return .text(document, bytes: data)
    }
}
