import Hummingbird
import ParleyChat

/// `GET /documents/{id}`: one passage of the team's documents, the source a citation links to.
///
/// The id is only ever a key into the index: it is checked against a short alphabet and length,
/// then looked up; it is never joined to a path or opened. So nothing outside PARLEY_DOCS_DIR (and
/// nothing inside it that was not indexed) can be read through this route, whatever the id holds
/// (`..`, encoded slashes, absolute paths).
struct DocumentController: Sendable {
    /// nil when no documents are configured: every id is then unknown.
    let retriever: (any PassageRetriever)?

    /// Longest id accepted; the index's ids are far shorter (a hash in URL-safe characters).
    static let maxIDLength = 128

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/documents/:id") { _, context in try await show(context) }
    }

    private func show(_ context: ParleyRequestContext) async throws -> Response {
        guard let retriever, let raw = context.parameters.get("id"), Self.isWellFormed(raw),
            let passage = try await retriever.passage(id: raw)
        else {
            throw APIError.notFound("No such document passage; the documents may have changed since this answer.")
        }
        return JSONResponse.make(PassageBody(passage))
    }

    /// Letters, digits, `-` and `_` (URL-safe base64 and hex), 1…`maxIDLength` of them.
    static func isWellFormed(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= maxIDLength else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// `{id, title, path, heading, headings, line_start, line_end, text}`.
    struct PassageBody: Encodable {
        let id: String
        let title: String
        let path: String
        /// The headings joined with " › ", as in an answer's citations.
        let heading: String
        let headings: [String]
        let line_start: Int
        let line_end: Int
        let text: String

        init(_ passage: DocumentPassage) {
            id = passage.id
            title = passage.title
            path = passage.path
            heading = passage.headings.joined(separator: " › ")
            headings = passage.headings
            line_start = passage.lineStart
            line_end = passage.lineEnd
            text = passage.text
        }
    }
}
