import NIOCore
import ParleyChat
import ParleyOutbound

/// The `citations` list of an answer, written by hand like the rest of `AnswerJSON` (and tested
/// against `JSONEncoder`'s output of `Body`, the type `GET /sessions/{id}` encodes):
/// `[{"heading","n","path","snippet","title","url"}]`, keys sorted.
enum CitationJSON {
    static var snippetChars: Int { CitedPassage.snippetChars }

    static func writeList(_ citations: [Citation], to buffer: inout ByteBuffer) {
        writeList(citations.map(CitedPassage.init), to: &buffer)
    }

    static func writeList(_ citations: [CitedPassage], to buffer: inout ByteBuffer) {
        buffer.writeStaticString("[")
        for (index, citation) in citations.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("{\"heading\":")
            JSONStringEscaping.write(citation.heading, to: &buffer)
            buffer.writeString(",\"n\":\(citation.n),\"path\":")
            JSONStringEscaping.write(citation.path, to: &buffer)
            buffer.writeStaticString(",\"snippet\":")
            JSONStringEscaping.write(citation.snippet, to: &buffer)
            buffer.writeStaticString(",\"title\":")
            JSONStringEscaping.write(citation.title, to: &buffer)
            buffer.writeStaticString(",\"url\":")
            JSONStringEscaping.write(url(of: citation.passageID), to: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]")
    }

    /// `/documents/{id}`: where the page and API clients open the whole passage.
    static func url(of passageID: String) -> String { "/documents/" + passageID }

    /// The passage on one line, whitespace collapsed, cut at a word to `snippetChars`.
    static func snippet(of text: String) -> String { CitedPassage.snippet(of: text) }

    /// One citation as `JSONEncoder` writes it (with `JSONResponse`'s sorted keys): the same object
    /// as `writeList` writes, for replies that are encoded rather than hand-written.
    struct Body: Encodable, Equatable {
        let heading: String
        let n: Int
        let path: String
        let snippet: String
        let title: String
        let url: String

        init(_ citation: CitedPassage) {
            heading = citation.heading
            n = citation.n
            path = citation.path
            snippet = citation.snippet
            title = citation.title
            url = CitationJSON.url(of: citation.passageID)
        }
    }
}
