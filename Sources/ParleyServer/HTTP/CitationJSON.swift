import NIOCore
import ParleyChat
import ParleyOutbound

/// The `citations` list of an answer, written by hand like the rest of `AnswerJSON` (and tested
/// against `JSONEncoder`'s output): `[{"heading","n","path","snippet","title","url"}]`, keys sorted.
enum CitationJSON {
    /// A snippet is at most this many characters (cut at a word, with "…"): enough to recognise the
    /// passage under the answer; the whole passage is at `url`.
    static let snippetChars = 240

    static func writeList(_ citations: [Citation], to buffer: inout ByteBuffer) {
        buffer.writeStaticString("[")
        for (index, citation) in citations.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            let passage = citation.passage
            buffer.writeStaticString("{\"heading\":")
            JSONStringEscaping.write(citation.heading, to: &buffer)
            buffer.writeString(",\"n\":\(citation.n),\"path\":")
            JSONStringEscaping.write(passage.path, to: &buffer)
            buffer.writeStaticString(",\"snippet\":")
            JSONStringEscaping.write(snippet(of: passage.text), to: &buffer)
            buffer.writeStaticString(",\"title\":")
            JSONStringEscaping.write(passage.title, to: &buffer)
            buffer.writeStaticString(",\"url\":")
            JSONStringEscaping.write(url(of: passage), to: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]")
    }

    /// `/documents/{id}`: where the page and API clients open the whole passage.
    static func url(of passage: DocumentPassage) -> String { "/documents/" + passage.id }

    /// The passage on one line, whitespace collapsed, cut at a word to `snippetChars`.
    static func snippet(of text: String) -> String {
        let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard line.count > snippetChars else { return line }
        let prefix = line.prefix(snippetChars - 1)
        let atWord = prefix.lastIndex(of: " ").map { prefix[..<$0] } ?? prefix
        return String(atWord) + "…"
    }
}
