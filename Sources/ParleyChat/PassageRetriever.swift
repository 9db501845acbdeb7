/// A passage of the team's documents (issue 14): a few hundred tokens of one file, cut along its
/// headings and paragraphs, with where it came from so an answer can cite it.
public struct DocumentPassage: Sendable, Equatable, Codable {
    /// Stable, URL-safe id (the same file content gives the same id), for `GET /documents/{id}`.
    public var id: String
    /// The file, relative to PARLEY_DOCS_DIR, with "/" separators.
    public var path: String
    /// The document's title: its first heading (or HTML <title>), else the file name.
    public var title: String
    /// The headings above the passage, outermost first.
    public var headings: [String]
    /// 1-based, inclusive line range of the passage in the file.
    public var lineStart: Int
    public var lineEnd: Int
    /// The passage as plain text (HTML already reduced to text).
    public var text: String

    public init(id: String, path: String, title: String, headings: [String], lineStart: Int, lineEnd: Int, text: String) {
        self.id = id
        self.path = path
        self.title = title
        self.headings = headings
        self.lineStart = lineStart
        self.lineEnd = lineEnd
        self.text = text
    }
}

/// Finds the passages that answer a question: the document index (SQLite FTS5, PostgreSQL
/// full-text search, optionally fused with embeddings). ParleyChat only asks; ParleyDocuments
/// and the stores answer, the way `SessionStore` is implemented outside this module.
public protocol PassageRetriever: Sendable {
    /// The best passages for `query`, best first, at most `limit`.
    func search(_ query: String, limit: Int) async throws -> [DocumentPassage]
    /// One passage by id, or nil when the index has no such passage.
    func passage(id: String) async throws -> DocumentPassage?
}
